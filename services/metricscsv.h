#pragma once

#include <QByteArray>
#include <QString>

namespace microcosm {

class MetricsRegistry;

// The per-second CSV, one writer for the window's File menu and the
// headless --csv. Long (the default): one row per entity, second and
// metric, "time,entity,metric,value", the layout pandas, R and a
// spreadsheet's pivot table read as it is. Wide: one row per entity and
// second, one column per metric ("time,entity,requests,ok,…"), a gauge left
// empty for an entity that has none. Both hold the same values under the
// same metric names; entities are named as the metrics registry names them
// ("service:cart", "edge:order>cart", "gateway"), time is in seconds from
// `origin` (platform seconds) to the end of each one-second window.
enum class CsvLayout
{
    Long,
    Wide
};

QByteArray metricsCsv(const MetricsRegistry &metrics, double origin, CsvLayout layout);
// Written whole, or not at all; false with *error naming the file when not.
bool writeMetricsCsv(const MetricsRegistry &metrics, double origin, CsvLayout layout,
                     const QString &path, QString *error);

} // namespace microcosm
