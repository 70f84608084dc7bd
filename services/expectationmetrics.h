#pragma once

#include "metrics.h"

#include <QString>
#include <QStringList>
#include <QStringView>

#include <cstdint>
#include <optional>
#include <span>

namespace microcosm {

struct AuditReport;

// What a scenario's "expect" can measure: the one table of them, read by
// the scenario reader (names, which take an entity and a window), the
// writer, the run that judges them, and the README's list.
enum class ExpectationMetric
{
    SuccessRate,
    ErrorRate,
    P50Ms,
    P95Ms,
    P99Ms,
    MaxMs,
    Throughput,
    Requests,
    Timeouts,
    Rejected,
    ShortCircuited,
    Fallbacks,
    ServerErrors,
    MaxReplicas,
    MinReplicas,
    Retries,
    Dropped,
    Invariants,
    LostOrders,
    DuplicateOrders
};

// Where a metric is measured, and so what it takes.
enum class MetricScope
{
    // The seconds of one entity (gateway, client, a service, an edge, a
    // route) between "from" and "to": takes an entity (default gateway) and
    // a window.
    Window,
    // An edge's own counter over the whole run: takes an edge, no window.
    EdgeCounter,
    // The whole shop over the whole run (the audit, the load generator):
    // takes neither.
    WholeRun
};

// What a row's measure reads; each row reads only its own scope's part.
struct MetricInputs
{
    const EntitySummary *window = nullptr; // Window: the entity's seconds in the window
    std::uint64_t edgeRetries = 0;         // EdgeCounter
    const AuditReport *audit = nullptr;    // WholeRun
    std::uint64_t dropped = 0;             // WholeRun: arrivals the load generator dropped
};

struct ExpectationMetricInfo
{
    ExpectationMetric metric;
    const char *name; // as files write it: "p99-ms"
    MetricScope scope;
    // A Window metric about requests judges nothing when the window had
    // none ("success-rate >= 0.99" would hold by accident); counts of
    // requests and of replicas are measured as they are.
    bool needsRequests;
    // Judged as holding or not (1 or 0), without "op" and "value".
    bool yesNo;
    double (*measure)(const MetricInputs &);
    const char *how; // in words, for the README and messages
};

std::span<const ExpectationMetricInfo> expectationMetrics();
const ExpectationMetricInfo &expectationMetric(ExpectationMetric m);
QString expectationMetricName(ExpectationMetric m);
std::optional<ExpectationMetric> expectationMetricFromName(QStringView name);
QStringList expectationMetricNames();

} // namespace microcosm
