#pragma once

#include "snapshot.h"

#include <QColor>
#include <QFont>
#include <QPalette>

namespace microcosm::theme {

// Colours and type shared by every view, derived from the system palette so
// that the window follows a light or a dark desktop. Only status colours
// (health, outcomes) are fixed hues, chosen to read on both backgrounds;
// text and backgrounds always come from the palette.

bool isDark(const QPalette &palette);
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
// A series colour for a service name (product, cart, order, gateway...).
QColor serviceColor(const QString &service);

// Human text for a health state and what it means (thresholds in snapshot.h).
QString healthLabel(ServiceSnapshot::Health health);
QString healthRule(ServiceSnapshot::Health health);

} // namespace microcosm::theme
