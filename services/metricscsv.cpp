#include "metricscsv.h"

#include "metrics.h"
#include "savefile.h"

#include <QTextStream>

#include <functional>
#include <vector>

namespace microcosm {

namespace {

// One metric of the CSV: its name (a row's metric, or a column of the wide
// layout), whether an entity has it, and its value in a window.
struct Column
{
    QString name;
    bool gauge = false; // only services have gauges
    std::function<double(const Window &)> value;
};

const std::vector<Column> &columns()
{
    static const std::vector<Column> all = [] {
        std::vector<Column> c;
        c.push_back(
            {QStringLiteral("requests"), false, [](const Window &w) { return double(w.total()); }});
        for (int i = 0; i < OutcomeCount; ++i)
            c.push_back({outcomeName(Outcome(i)), false,
                         [i](const Window &w) { return double(w.counts[i]); }});
        c.push_back({QStringLiteral("p50_ms"), false, [](const Window &w) { return w.p50; }});
        c.push_back({QStringLiteral("p95_ms"), false, [](const Window &w) { return w.p95; }});
        c.push_back({QStringLiteral("p99_ms"), false, [](const Window &w) { return w.p99; }});
        c.push_back({QStringLiteral("p999_ms"), false, [](const Window &w) { return w.p999; }});
        c.push_back({QStringLiteral("max_ms"), false,
                     [](const Window &w) { return double(w.maxUs) / 1000.0; }});
        c.push_back({QStringLiteral("queue_depth"), true,
                     [](const Window &w) { return w.gauges.queueDepth; }});
        c.push_back(
            {QStringLiteral("in_flight"), true, [](const Window &w) { return w.gauges.inFlight; }});
        c.push_back({QStringLiteral("busy_workers"), true,
                     [](const Window &w) { return w.gauges.busyWorkers; }});
        c.push_back(
            {QStringLiteral("workers"), true, [](const Window &w) { return w.gauges.workers; }});
        c.push_back({QStringLiteral("utilization"), true,
                     [](const Window &w) { return w.gauges.utilization(); }});
        c.push_back({QStringLiteral("replicas_ready"), true,
                     [](const Window &w) { return w.gauges.replicasReady; }});
        c.push_back({QStringLiteral("replicas"), true,
                     [](const Window &w) { return w.gauges.replicasTotal; }});
        return c;
    }();
    return all;
}

QString csvField(const QString &s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) &&
        !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace

QByteArray metricsCsv(const MetricsRegistry &metrics, double origin, CsvLayout layout)
{
    QByteArray csv;
    QTextStream out(&csv);
    out << "time,entity";
    if (layout == CsvLayout::Long) {
        out << ",metric,value";
    } else {
        for (const Column &c : columns())
            out << ',' << c.name;
    }
    out << '\n';
    for (const EntityKey &key : metrics.keys()) {
        const QString entity = csvField(key.name());
        const bool gauges = key.isService(); // only services have replicas and queues
        for (const Window &w : metrics.series(key)) {
            const QString t = QString::number(w.t - origin, 'f', 3);
            if (layout == CsvLayout::Long) {
                for (const Column &c : columns())
                    if (gauges || !c.gauge)
                        out << t << ',' << entity << ',' << c.name << ',' << c.value(w) << '\n';
                continue;
            }
            out << t << ',' << entity;
            for (const Column &c : columns()) {
                out << ',';
                if (gauges || !c.gauge)
                    out << c.value(w);
            }
            out << '\n';
        }
    }
    out.flush();
    return csv;
}

bool writeMetricsCsv(const MetricsRegistry &metrics, double origin, CsvLayout layout,
                     const QString &path, QString *error)
{
    // Built whole, then written whole and checked (a full disk is an error).
    if (!writeWhole(path, metricsCsv(metrics, origin, layout), error)) {
        *error = QStringLiteral("the CSV was not written: ") + *error;
        return false;
    }
    return true;
}

} // namespace microcosm
