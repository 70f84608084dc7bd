#pragma once

#include <QString>

class QGraphicsView;
class QWidget;

namespace microcosm {

class Platform;

// Exports of what the GUI shows, for reports and slides. Each returns false
// and sets *error (naming the file) when the file cannot be written.

// Every entity's one-second windows still in the ring, one row per entity
// and second: t, entity, counts by outcome, p50/p95/p99/max ms, gauges.
bool exportSeriesCsv(Platform &platform, const QString &path, QString *error);
// The whole topology scene, as PNG (by suffix) or SVG.
bool exportScene(QGraphicsView *view, const QString &path, QString *error);
// A widget as it is on screen, as PNG (by suffix) or SVG.
bool exportWidget(QWidget *widget, const QString &path, QString *error);

} // namespace microcosm
