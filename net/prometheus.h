#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <cstdint>
#include <vector>

namespace microcosm {
class HistogramData;
class LoadGenerator;
class Platform;
} // namespace microcosm

namespace microcosm::net {

class HttpFront;
struct HttpFrontStats;

// What GET /metrics answers with: the text exposition format 0.0.4
// (prometheus/docs content/docs/instrumenting/exposition_formats.md,
// "Format variants comparison": `text/plain; version=0.0.4`).
inline constexpr char PrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// The platform's live figures in the Prometheus text format: every family
// with its HELP and TYPE, `microcosm_` names in base units, request counts
// by outcome cumulative since the platform started, latencies as histograms,
// gauges for replicas, queues, workers, breakers and the autoscaler, and the
// load generator's own figures when `load` is given (the platform does not
// own it), and the HTTP front's own when `http` is given. Safe to call from any thread while the
// workers run: it reads only through the platform's locked accessors and atomics. Counters move
// once a second, when the platform closes its one-second metrics window.
QByteArray renderPrometheus(Platform &platform, const LoadGenerator *load = nullptr,
                            const HttpFrontStats *http = nullptr);

// Registers GET /metrics on the front: renderPrometheus() of the platform,
// the load generator (when given) and the front itself, as
// PrometheusContentType. `load` must outlive the front's serving.
void addMetricsEndpoint(HttpFront &front, Platform &platform, const LoadGenerator *load = nullptr);

// A label value as the text format writes it between its quotes: backslash,
// double-quote and line feed escaped as \\, \" and \n (exposition_formats.md,
// "Text format details"). UTF-8.
QByteArray escapeLabelValue(const QString &value);
// A HELP docstring: backslash and line feed escaped as \\ and \n.
QByteArray escapeHelp(const QString &text);

// One upper bound of the latency histograms: the `le` label as written and
// the same bound in whole microseconds. Each bound is the lower edge of one
// of core/histogram.h's buckets (1 ms × 2^k, and 100 µs, 250 µs, 500 µs
// below), so every bucket lies wholly below or wholly above it: a cumulative
// count is exact, never an interpolation across a bucket.
struct LatencyBound
{
    const char *le;
    std::int64_t us;
};
const std::vector<LatencyBound> &latencyBounds();

// Cumulative counts of `data` at each of latencyBounds() (samples whose
// recorded latency is below the bound), in order; the +Inf bucket is
// data.count().
std::vector<std::uint64_t> cumulativeBuckets(const HistogramData &data);

using PrometheusLabels = QList<QPair<QByteArray, QString>>;

// Writes the text format one family at a time: family() puts its HELP and
// TYPE lines first, then its samples follow as one uninterrupted group, as
// the format requires. Names and label names are the caller's constants;
// label values are escaped here.
class PrometheusWriter
{
public:
    enum class Type
    {
        Counter,
        Gauge,
        Histogram
    };
    void family(const QByteArray &name, Type type, const QString &help);
    // A sample of the current family: name plus suffix ("_bucket", "_sum"...).
    void sample(const QByteArray &suffix, const PrometheusLabels &labels, double value);
    void sample(const QByteArray &suffix, const PrometheusLabels &labels, std::uint64_t value);
    // The _bucket, _sum and _count samples of one histogram series.
    void histogram(const PrometheusLabels &labels, const HistogramData &data);
    QByteArray text() const { return m_out; }

private:
    void line(const QByteArray &suffix, const PrometheusLabels &labels, const QByteArray &value,
              const char *le = nullptr);
    QByteArray m_out;
    QByteArray m_family;
};

} // namespace microcosm::net
