#include "expectationmetrics.h"

#include "auditor.h"

#include <array>

namespace microcosm {

namespace {

using M = ExpectationMetric;
using S = MetricScope;

double count(const MetricInputs &in, Outcome o)
{
    return double(in.window->totals[int(o)]);
}

// clang-format off
const std::array<ExpectationMetricInfo, 20> Table{{
    {M::SuccessRate, "success-rate", S::Window, true, false,
     [](const MetricInputs &in) { return in.window->successRate(); },
     "answers that were ok or a fallback, of all answers (0-1)"},
    {M::ErrorRate, "error-rate", S::Window, true, false,
     [](const MetricInputs &in) { return 1.0 - in.window->successRate(); },
     "1 - success-rate"},
    {M::P50Ms, "p50-ms", S::Window, true, false,
     [](const MetricInputs &in) { return in.window->latency.percentileMs(0.50); },
     "median latency, ms"},
    {M::P95Ms, "p95-ms", S::Window, true, false,
     [](const MetricInputs &in) { return in.window->latency.percentileMs(0.95); },
     "95th percentile latency, ms"},
    {M::P99Ms, "p99-ms", S::Window, true, false,
     [](const MetricInputs &in) { return in.window->latency.percentileMs(0.99); },
     "99th percentile latency, ms"},
    {M::MaxMs, "max-ms", S::Window, true, false,
     [](const MetricInputs &in) { return double(in.window->latency.maxUs()) / 1000.0; },
     "the slowest answer, ms"},
    {M::Throughput, "throughput", S::Window, true, false,
     [](const MetricInputs &in) { return in.window->rps; },
     "answers per second, the window's mean"},
    {M::Requests, "requests", S::Window, false, false,
     [](const MetricInputs &in) { return double(in.window->total()); },
     "answers in the window"},
    {M::Timeouts, "timeouts", S::Window, true, false,
     [](const MetricInputs &in) { return count(in, Outcome::Timeout); },
     "calls given up at their timeout"},
    {M::Rejected, "rejected", S::Window, true, false,
     [](const MetricInputs &in) { return count(in, Outcome::Rejected); },
     "calls refused by a full queue, a bulkhead or the rate limit"},
    {M::ShortCircuited, "short-circuited", S::Window, true, false,
     [](const MetricInputs &in) { return count(in, Outcome::ShortCircuited); },
     "calls an open breaker failed fast"},
    {M::Fallbacks, "fallbacks", S::Window, true, false,
     [](const MetricInputs &in) { return count(in, Outcome::Fallback); },
     "answers served from a fallback"},
    {M::ServerErrors, "server-errors", S::Window, true, false,
     [](const MetricInputs &in) { return count(in, Outcome::ServerError); },
     "5xx answers"},
    {M::MaxReplicas, "max-replicas", S::Window, false, false,
     [](const MetricInputs &in) { return in.window->maxReplicasReady; },
     "the most replicas ready in any second of the window"},
    {M::MinReplicas, "min-replicas", S::Window, false, false,
     [](const MetricInputs &in) { return in.window->minReplicasReady; },
     "the fewest replicas ready in any second of the window"},
    {M::Retries, "retries", S::EdgeCounter, false, false,
     [](const MetricInputs &in) { return double(in.edgeRetries); },
     "retries an edge made over the run"},
    {M::Dropped, "dropped", S::WholeRun, false, false,
     [](const MetricInputs &in) { return double(in.dropped); },
     "arrivals the load generator dropped at its in-flight limit"},
    {M::Invariants, "invariants", S::WholeRun, false, true,
     [](const MetricInputs &in) { return in.audit->ok ? 1.0 : 0.0; },
     "the audit of the databases passed: no order lost or doubled, stock balanced"},
    {M::LostOrders, "lost-orders", S::WholeRun, false, false,
     [](const MetricInputs &in) { return double(in.audit->acknowledgedMissing); },
     "orders acknowledged to a user that order.db does not hold"},
    {M::DuplicateOrders, "duplicate-orders", S::WholeRun, false, false,
     [](const MetricInputs &in) { return double(in.audit->duplicateKeys); },
     "idempotency keys that made more than one order"},
}};
// clang-format on

} // namespace

std::span<const ExpectationMetricInfo> expectationMetrics()
{
    return Table;
}

const ExpectationMetricInfo &expectationMetric(ExpectationMetric m)
{
    return Table[std::size_t(m)]; // in the enum's order (tst_scenario checks)
}

QString expectationMetricName(ExpectationMetric m)
{
    return QString::fromLatin1(expectationMetric(m).name);
}

std::optional<ExpectationMetric> expectationMetricFromName(QStringView name)
{
    for (const ExpectationMetricInfo &i : Table)
        if (name == QLatin1String(i.name))
            return i.metric;
    return std::nullopt;
}

QStringList expectationMetricNames()
{
    QStringList out;
    for (const ExpectationMetricInfo &i : Table)
        out << QString::fromLatin1(i.name);
    return out;
}

} // namespace microcosm
