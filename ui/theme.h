#pragma once

#include "snapshot.h"

#include <QColor>
#include <QFont>
#include <QList>
#include <QPalette>
#include <QStringList>

#include <utility>

namespace microcosm::theme {

// Colours and type shared by every view, derived from the system palette so
// that the window follows a light or a dark desktop. Only status colours
// (health, outcomes) are fixed hues, chosen to read on both backgrounds;
// text and backgrounds always come from the palette.

bool isDark(const QPalette &palette);
// f at factor times its size, in points or in pixels, whichever it has.
QFont scaledFont(QFont f, double factor);
// A window of its own in presenter mode (large type) or not: the system's
// type times scale, or the application's (which presenter mode has scaled
// already, so it must not be scaled twice).
QFont presenterFont(bool presenter, double scale);
// a blended towards b by t (0 = a, 1 = b), alpha included.
QColor mix(const QColor &a, const QColor &b, double t);

QColor healthColor(ServiceSnapshot::Health health);
QColor okColor();
QColor errorColor();
QColor warningColor();
QColor startingColor();
// Injected faults (latency, errors, partitions, locks): purple, as their chart markers.
QColor faultColor();
QColor deadColor(const QPalette &palette);
QColor mutedText(const QPalette &palette);
// A series colour for a service name: the shop's product, cart and order
// and the gateway keep theirs; any other name gets one from a palette, by a
// hash of the name (the same in every run), unless assignServiceColors()
// gave it another.
QColor serviceColor(const QString &service);
// The palette the other names draw from.
QList<QColor> servicePalette();
// Gives the architecture's services colours that differ between neighbours
// (pairs given, e.g. a caller and its callee, boxes one above the other)
// and, while the palette lasts, between any two of them: each takes the
// first free colour from its hash's, in name order. serviceColor() answers
// with these from then on; the same architecture gets the same colours.
void assignServiceColors(const QStringList &services,
                         const QList<std::pair<QString, QString>> &neighbours);

// Human text for a health state and what it means (thresholds in snapshot.h).
QString healthLabel(ServiceSnapshot::Health health);
QString healthRule(ServiceSnapshot::Health health);

} // namespace microcosm::theme
