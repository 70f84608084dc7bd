#pragma once

#include "metricscsv.h"

#include <QString>

class QGraphicsView;
class QWidget;

namespace microcosm {

class Platform;

// Exports of what the GUI shows, for reports and slides. Each returns false
// and sets *error (naming the file) when the file cannot be written.

// Every entity's one-second windows still in the ring, as the headless
// --csv writes them (metricsCsv(): long, time,entity,metric,value, unless
// wide is asked for); time is seconds since the shop started.
bool exportSeriesCsv(Platform &platform, const QString &path, QString *error,
                     CsvLayout layout = CsvLayout::Long);
// The whole topology scene, as PNG (by suffix) or SVG.
bool exportScene(QGraphicsView *view, const QString &path, QString *error);
// A widget as it is on screen, as PNG (by suffix) or SVG.
bool exportWidget(QWidget *widget, const QString &path, QString *error);

} // namespace microcosm
