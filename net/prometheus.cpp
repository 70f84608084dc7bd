#include "prometheus.h"

#include "edgekey.h"
#include "gateway.h"
#include "histogram.h"
#include "httpfront.h"
#include "loadgenerator.h"
#include "metrics.h"
#include "platform.h"
#include "servicehost.h"

#include <QLocale>

#include <array>
#include <cmath>
#include <map>

// The rules followed here are Prometheus' own:
// - the format: prometheus/docs content/docs/instrumenting/exposition_formats.md
//   ("Text format details": HELP/TYPE before a family's samples, one
//   uninterrupted group per family, label value escaping, histogram
//   `_bucket{le}` in increasing order ending at +Inf == `_count`, `_sum`);
// - the names: content/docs/practices/naming.md (an application prefix,
//   base units in the name, `_total` on counters, snake_case) and
//   content/docs/instrumenting/writing_exporters.md ("Metrics": base units,
//   ratios not percentages, no colons; "Labels": `service` is kept because it
//   is what Microcosm calls the thing; "Collectors": fresh values on every
//   scrape, no timestamps);
// - content/docs/practices/instrumentation.md ("Avoid missing metrics":
//   every outcome series is written, zero or not; "Counter vs. gauge").
// An enumerated state (a breaker's, a replica's) is one gauge per state
// with the value 1 for the state it is in and 0 for the others, as the
// client libraries' Enum / StateSet metrics expose it (client_python's
// prometheus_client.Enum, OpenMetrics' StateSet), so that a sum over the
// state label is 1 and `== 1` selects the current state without a code table.

namespace microcosm::net {

namespace {

using Type = PrometheusWriter::Type;

// Label values of the outcome label, by Outcome, in snake_case.
constexpr std::array<const char *, OutcomeCount> OutcomeLabels = {
    "ok", "client_error", "server_error", "timeout", "rejected", "short_circuited", "fallback"};
static_assert(OutcomeCount == 7, "a new Outcome needs its label here");

QByteArray formatValue(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::abs(v) < 1e15)
        return QByteArray::number(qint64(v));
    // Go's strconv.ParseFloat reads this (exposition_formats.md: "value is a float").
    return QByteArray::number(v, 'g', QLocale::FloatingPointShortest);
}

QString outcomeLabel(int i)
{
    return QString::fromLatin1(OutcomeLabels[std::size_t(i)]);
}

// The request counters and the latency histogram of one kind of entity
// (service, route, edge...), for every entity of that kind.
struct EntitySeries
{
    EntityKey entity;
    PrometheusLabels labels;
};

void writeRequests(PrometheusWriter &w, const QByteArray &prefix, const QString &what,
                   const std::vector<EntitySeries> &series,
                   const std::vector<EntitySummary> &summaries)
{
    w.family(prefix + "_requests_total", Type::Counter,
             QStringLiteral("Requests %1, by outcome (ok, client_error: 4xx but 429, server_error: "
                            "5xx, timeout: 504, rejected: 429/503 from a full queue, a rate limit, "
                            "a bulkhead or no replica, short_circuited: an open breaker, fallback: "
                            "answered from a fallback), since the platform started.")
                 .arg(what));
    for (std::size_t s = 0; s < series.size(); ++s) {
        for (int i = 0; i < OutcomeCount; ++i) {
            PrometheusLabels labels = series[s].labels;
            labels.append({"outcome", outcomeLabel(i)});
            w.sample({}, labels, summaries[s].totals[std::size_t(i)]);
        }
    }
    w.family(prefix + "_request_duration_seconds", Type::Histogram,
             QStringLiteral("Latency of the requests %1, in seconds, since the platform started.")
                 .arg(what));
    for (std::size_t s = 0; s < series.size(); ++s)
        w.histogram(series[s].labels, summaries[s].latency);
}

std::vector<EntitySummary> summariesOf(const MetricsRegistry &metrics,
                                       const std::vector<EntitySeries> &series)
{
    std::vector<EntitySummary> out;
    out.reserve(series.size());
    for (const EntitySeries &s : series)
        out.push_back(metrics.summary(s.entity));
    return out;
}

void writeEntityFamilies(PrometheusWriter &w, Platform &platform,
                         const std::vector<EdgeStatus> &edges)
{
    const MetricsRegistry &metrics = platform.metrics();
    const std::vector<EntitySeries> gateway{{EntityKey::gateway(), {}}};
    writeRequests(w, "microcosm_gateway",
                  QStringLiteral("from users and the HTTP front, measured at the gateway"), gateway,
                  summariesOf(metrics, gateway));
    const std::vector<EntitySeries> client{{EntityKey::client(), {}}};
    writeRequests(w, "microcosm_client",
                  QStringLiteral("of the simulated users, measured by the load generator from "
                                 "their intended send time"),
                  client, summariesOf(metrics, client));

    // Services: every "service:" entity, which includes a monolith's modules.
    std::vector<EntitySeries> services;
    for (const EntityKey &key : metrics.keys())
        if (key.isService())
            services.push_back({key, {{"service", key.service()}}});
    writeRequests(w, "microcosm_service",
                  QStringLiteral("to a service (or a monolith's module), whoever made them"),
                  services, summariesOf(metrics, services));

    // Routes by their patterns, as the gateway names their entities.
    std::vector<EntitySeries> routes;
    for (ServiceHost *host : platform.hosts())
        for (const RouteSpec &spec : host->service().routes())
            routes.push_back(
                {EntityKey::route(host->name(), spec.key()),
                 {{"service", host->name()}, {"method", spec.method}, {"route", spec.pattern}}});
    writeRequests(w, "microcosm_route",
                  QStringLiteral("to a route, named by its pattern (GET /products/{id})"), routes,
                  summariesOf(metrics, routes));

    std::vector<EntitySeries> edgeSeries;
    for (const EdgeStatus &e : edges)
        edgeSeries.push_back(
            {EntityKey::edge(e.from, e.to), {{"caller", e.from}, {"service", e.to}}});
    writeRequests(w, "microcosm_edge",
                  QStringLiteral("on a caller→service edge (users, http or a service calling a "
                                 "service), each try counted once the call ends"),
                  edgeSeries, summariesOf(metrics, edgeSeries));
}

void writeEdgeFamilies(PrometheusWriter &w, const std::vector<EdgeStatus> &edges)
{
    auto labelsOf = [](const EdgeStatus &e) {
        return PrometheusLabels{{"caller", e.from}, {"service", e.to}};
    };
    w.family("microcosm_edge_retries_total", Type::Counter,
             QStringLiteral("Retries made on a caller→service edge since it was set up (its policy "
                            "last changed)."));
    for (const EdgeStatus &e : edges)
        w.sample({}, labelsOf(e), e.retries);
    w.family("microcosm_edge_retries_denied_total", Type::Counter,
             QStringLiteral("Retries the edge's retry budget refused since it was set up."));
    for (const EdgeStatus &e : edges)
        w.sample({}, labelsOf(e), e.retriesDenied);

    static constexpr std::array states{BreakerState::Closed, BreakerState::Open,
                                       BreakerState::HalfOpen, BreakerState::Disabled,
                                       BreakerState::ForcedOpen};
    w.family("microcosm_edge_breaker_state", Type::Gauge,
             QStringLiteral("Circuit breaker of a caller→service edge: 1 for the state it is in "
                            "(closed, open, half-open, disabled, forced-open), 0 for the others. "
                            "Edges without a breaker have no series."));
    for (const EdgeStatus &e : edges) {
        if (e.breaker == BreakerState::None)
            continue;
        for (BreakerState state : states) {
            PrometheusLabels labels = labelsOf(e);
            labels.append({"state", breakerStateName(state)});
            w.sample({}, labels, e.breaker == state ? 1.0 : 0.0);
        }
    }
    w.family("microcosm_edge_breaker_failure_ratio", Type::Gauge,
             QStringLiteral("Failure rate in the breaker's sliding window, 0 to 1; no series while "
                            "the window holds fewer calls than its minimum."));
    for (const EdgeStatus &e : edges)
        if (e.breaker != BreakerState::None && e.failureRate >= 0)
            w.sample({}, labelsOf(e), e.failureRate / 100.0);
    w.family("microcosm_edge_bulkhead_active_calls", Type::Gauge,
             QStringLiteral("Calls holding a place in the edge's bulkhead now."));
    for (const EdgeStatus &e : edges)
        if (e.bulkheadLimit > 0)
            w.sample({}, labelsOf(e), double(e.bulkheadActive));
    w.family("microcosm_edge_bulkhead_max_calls", Type::Gauge,
             QStringLiteral("The edge's bulkhead limit (maxConcurrentCalls)."));
    for (const EdgeStatus &e : edges)
        if (e.bulkheadLimit > 0)
            w.sample({}, labelsOf(e), double(e.bulkheadLimit));
}

// One service's replicas as read now.
struct ReplicaView
{
    QString name;
    ReplicaState state = ReplicaState::Starting;
    QString version;
    bool inRotation = false;
    int queued = 0, capacity = 0, busy = 0, workers = 0;
};

struct ServiceView
{
    QString name;
    int desired = 0;
    AutoscalerConfig autoscaler;
    std::vector<ReplicaView> replicas;
};

std::vector<ServiceView> readServices(Platform &platform)
{
    std::vector<ServiceView> out;
    for (ServiceHost *host : platform.hosts()) {
        ServiceView s;
        s.name = host->name();
        s.desired = host->config().replicas;
        s.autoscaler = platform.autoscaler(s.name);
        const auto replicas = host->replicas();
        for (std::size_t i = 0; i < replicas.size(); ++i) {
            const auto &r = replicas[i];
            if (!r)
                continue; // an empty slot after a scale-down
            s.replicas.push_back({r->name(), r->state(), r->version(), host->inRotation(int(i)),
                                  r->queued(), r->queueCapacity(), r->busy(), r->workers()});
        }
        out.push_back(std::move(s));
    }
    return out;
}

void writeServiceGauges(PrometheusWriter &w, const std::vector<ServiceView> &services)
{
    auto perService = [&](const QByteArray &name, const QString &help, auto value) {
        w.family(name, Type::Gauge, help);
        for (const ServiceView &s : services)
            w.sample({}, {{"service", s.name}}, double(value(s)));
    };
    auto sum = [](const ServiceView &s, auto field) {
        int n = 0;
        for (const ReplicaView &r : s.replicas)
            n += field(r);
        return n;
    };
    perService("microcosm_service_replicas",
               QStringLiteral("Replicas of the service that exist now, in any state (starting, "
                              "ready, dead)."),
               [](const ServiceView &s) { return s.replicas.size(); });
    perService("microcosm_service_replicas_ready",
               QStringLiteral("Replicas of the service that are ready to serve."),
               [&](const ServiceView &s) {
                   return sum(s,
                              [](const ReplicaView &r) { return r.state == ReplicaState::Ready; });
               });
    perService(
        "microcosm_service_desired_replicas",
        QStringLiteral("Replicas the service is scaled to (its ReplicaSet's spec): the "
                       "autoscaler's latest recommendation while microcosm_autoscaler_enabled "
                       "is 1 (it applies each one at once), otherwise the operator's last scale."),
        [](const ServiceView &s) { return s.desired; });
    perService("microcosm_service_queued_requests",
               QStringLiteral("Requests waiting in the inboxes of the service's replicas."),
               [&](const ServiceView &s) {
                   return sum(s, [](const ReplicaView &r) { return r.queued; });
               });
    perService("microcosm_service_in_flight_requests",
               QStringLiteral("Requests the service holds now: queued plus being worked on."),
               [&](const ServiceView &s) {
                   return sum(s, [](const ReplicaView &r) { return r.queued + r.busy; });
               });
    perService(
        "microcosm_service_busy_workers",
        QStringLiteral("Worker threads of the service busy with a request now."),
        [&](const ServiceView &s) { return sum(s, [](const ReplicaView &r) { return r.busy; }); });
    perService("microcosm_service_workers",
               QStringLiteral("Worker threads of the service's ready replicas."),
               [&](const ServiceView &s) {
                   return sum(s, [](const ReplicaView &r) {
                       return r.state == ReplicaState::Ready ? r.workers : 0;
                   });
               });

    perService("microcosm_autoscaler_enabled",
               QStringLiteral("1 when the service's horizontal autoscaler is on, else 0."),
               [](const ServiceView &s) { return s.autoscaler.enabled ? 1 : 0; });
    w.family("microcosm_autoscaler_min_replicas", Type::Gauge,
             QStringLiteral("The autoscaler's minReplicas, for services whose autoscaler is on."));
    for (const ServiceView &s : services)
        if (s.autoscaler.enabled)
            w.sample({}, {{"service", s.name}}, double(s.autoscaler.hpa.minReplicas));
    w.family("microcosm_autoscaler_max_replicas", Type::Gauge,
             QStringLiteral("The autoscaler's maxReplicas, for services whose autoscaler is on."));
    for (const ServiceView &s : services)
        if (s.autoscaler.enabled)
            w.sample({}, {{"service", s.name}}, double(s.autoscaler.hpa.maxReplicas));
}

void writeReplicaGauges(PrometheusWriter &w, const std::vector<ServiceView> &services)
{
    auto perReplica = [&](const QByteArray &name, const QString &help, auto value) {
        w.family(name, Type::Gauge, help);
        for (const ServiceView &s : services)
            for (const ReplicaView &r : s.replicas)
                w.sample({}, {{"service", s.name}, {"replica", r.name}}, double(value(r)));
    };
    static constexpr std::array states{ReplicaState::Starting, ReplicaState::Ready,
                                       ReplicaState::Dead};
    w.family("microcosm_replica_state", Type::Gauge,
             QStringLiteral("1 for the state a replica is in (starting, ready, dead), 0 for the "
                            "others. A replica is named by its slot, product#2."));
    for (const ServiceView &s : services)
        for (const ReplicaView &r : s.replicas)
            for (ReplicaState state : states)
                w.sample(
                    {},
                    {{"service", s.name}, {"replica", r.name}, {"state", replicaStateName(state)}},
                    r.state == state ? 1.0 : 0.0);
    w.family("microcosm_replica_info", Type::Gauge,
             QStringLiteral("Always 1: the version a replica runs, as a label."));
    for (const ServiceView &s : services)
        for (const ReplicaView &r : s.replicas)
            w.sample({}, {{"service", s.name}, {"replica", r.name}, {"version", r.version}}, 1.0);
    perReplica("microcosm_replica_in_rotation",
               QStringLiteral("1 when the load balancer sends the replica requests (ready and "
                              "passing its probes), else 0."),
               [](const ReplicaView &r) { return r.inRotation ? 1 : 0; });
    perReplica("microcosm_replica_queued_requests",
               QStringLiteral("Requests waiting in the replica's inbox."),
               [](const ReplicaView &r) { return r.queued; });
    perReplica("microcosm_replica_queue_capacity_requests",
               QStringLiteral("How many requests the replica's inbox holds at most."),
               [](const ReplicaView &r) { return r.capacity; });
    perReplica("microcosm_replica_busy_workers",
               QStringLiteral("The replica's worker threads busy with a request now."),
               [](const ReplicaView &r) { return r.busy; });
    perReplica("microcosm_replica_workers", QStringLiteral("The replica's worker threads."),
               [](const ReplicaView &r) { return r.workers; });
}

void writeDatabaseFailures(PrometheusWriter &w, Platform &platform)
{
    w.family("microcosm_database_failures_total", Type::Counter,
             QStringLiteral("Times a service's database file could not be used (full, read-only, "
                            "corrupt, failing I/O), since the platform started."));
    std::map<QString, std::uint64_t> failures;
    for (const ServiceHost *host : platform.hosts())
        failures[host->name()] = 0;
    for (const Platform::DatabaseFailure &f : platform.databaseFailures())
        failures[f.service] = f.count;
    for (const auto &[service, count] : failures)
        w.sample({}, {{"service", service}}, count);
}

void writeLoadGenerator(PrometheusWriter &w, const LoadGenerator &load)
{
    const LoadGenerator::Stats stats = load.stats();
    const LoadConfig config = load.config();
    const bool running = load.running();
    const bool open = config.model == LoadConfig::Model::Open;
    auto single = [&w](const QByteArray &name, Type type, const QString &help, auto value) {
        w.family(name, type, help);
        w.sample({}, {}, value);
    };
    single("microcosm_loadgen_running", Type::Gauge,
           QStringLiteral("1 while the load generator starts journeys, else 0."),
           running ? 1.0 : 0.0);
    single("microcosm_loadgen_target_arrivals_per_second", Type::Gauge,
           QStringLiteral("Journeys per second the open model's load profile asks for now; 0 "
                          "when stopped or in the closed model."),
           running && open ? load.rate() : 0.0);
    single("microcosm_loadgen_virtual_users", Type::Gauge,
           QStringLiteral("Virtual users of the closed model; 0 in the open model."),
           open ? 0.0 : double(config.virtualUsers));
    single("microcosm_loadgen_journeys_in_flight", Type::Gauge,
           QStringLiteral("Journeys under way now (in the closed model: virtual users busy)."),
           double(stats.inFlight));
    single("microcosm_loadgen_journeys_arrived_total", Type::Counter,
           QStringLiteral("Journeys that were due to start, sent or dropped."), stats.arrivals);
    single("microcosm_loadgen_journeys_dropped_total", Type::Counter,
           QStringLiteral("Journeys not started because too many were under way (maxInFlight)."),
           stats.dropped);
    single("microcosm_loadgen_journeys_completed_total", Type::Counter,
           QStringLiteral("Journeys that ended, every step answered or one failed."),
           stats.journeysOk + stats.journeysFailed);
    single("microcosm_loadgen_journeys_failed_total", Type::Counter,
           QStringLiteral("Journeys that ended with a failed step."), stats.journeysFailed);
    single("microcosm_loadgen_requests_total", Type::Counter,
           QStringLiteral("Requests the load generator sent to the gateway."), stats.requests);
}

void writeHttpFront(PrometheusWriter &w, const HttpFrontStats &http)
{
    auto single = [&w](const QByteArray &name, Type type, const QString &help, auto value) {
        w.family(name, type, help);
        w.sample({}, {}, value);
    };
    single("microcosm_http_connections_open", Type::Gauge,
           QStringLiteral("Connections to the HTTP front open now."),
           double(http.server.connectionsOpen));
    single("microcosm_http_connections_accepted_total", Type::Counter,
           QStringLiteral("Connections the HTTP front accepted."), http.server.connectionsAccepted);
    single("microcosm_http_connections_refused_total", Type::Counter,
           QStringLiteral("Connections refused with 503 because maxConnections were open."),
           http.server.connectionsRefused);
    single("microcosm_http_connection_timeouts_total", Type::Counter,
           QStringLiteral("Connections cut by the read or the idle timeout."),
           http.server.timeouts);
    single("microcosm_http_malformed_requests_total", Type::Counter,
           QStringLiteral("Requests the HTTP parser refused with 400."), http.server.malformed);
    single("microcosm_http_header_too_large_requests_total", Type::Counter,
           QStringLiteral("Requests refused with 431: headers over the limit."),
           http.server.headerTooLarge);
    single("microcosm_http_body_too_large_requests_total", Type::Counter,
           QStringLiteral("Requests refused with 413: a body over the limit."),
           http.server.bodyTooLarge);
    single("microcosm_http_responses_dropped_total", Type::Counter,
           QStringLiteral("Answers ready after their connection had gone."),
           http.server.responsesDropped);
    single("microcosm_http_requests_total", Type::Counter,
           QStringLiteral("Requests the HTTP front handled (passed the server's own checks)."),
           http.requests);
    single("microcosm_http_gateway_requests_total", Type::Counter,
           QStringLiteral("Requests the front submitted to the gateway as caller http."),
           http.toGateway);
    single("microcosm_http_static_requests_total", Type::Counter,
           QStringLiteral("Requests answered from the web storefront's files."), http.staticFiles);
    single("microcosm_http_endpoint_requests_total", Type::Counter,
           QStringLiteral("Requests answered by a built-in endpoint (/metrics, /healthz...)."),
           http.endpoints);
    single("microcosm_http_refused_requests_total", Type::Counter,
           QStringLiteral("Requests the front refused before the gateway (405, 411, 414, 415, "
                          "a bad path or JSON)."),
           http.refusedByFront);
    w.family("microcosm_http_responses_total", Type::Counter,
             QStringLiteral("Answers of the HTTP front by status class (2xx, 3xx, 4xx, 5xx), "
                            "whoever gave them."));
    w.sample({}, {{"code", QStringLiteral("2xx")}}, http.status2xx);
    w.sample({}, {{"code", QStringLiteral("3xx")}}, http.status3xx);
    w.sample({}, {{"code", QStringLiteral("4xx")}}, http.status4xx);
    w.sample({}, {{"code", QStringLiteral("5xx")}}, http.status5xx);
    single("microcosm_http_orders_acknowledged_total", Type::Counter,
           QStringLiteral("Orders the front answered 201 to (replayed answers included)."),
           http.ordersAcknowledged);
}

} // namespace

QByteArray escapeLabelValue(const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    QByteArray out;
    out.reserve(utf8.size());
    for (char c : utf8) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray escapeHelp(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    QByteArray out;
    out.reserve(utf8.size());
    for (char c : utf8) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

const std::vector<LatencyBound> &latencyBounds()
{
    // Lower edges of HistogramData buckets (below 128 µs every microsecond
    // is one; above, 1000 µs × 2^k = 125 × 2^(k+3) is a multiple of its
    // bucket's width 2^(k+2)); tst_prometheus checks each one.
    static const std::vector<LatencyBound> bounds = {
        {"0.0001", 100},    {"0.00025", 250},     {"0.0005", 500},    {"0.001", 1000},
        {"0.002", 2000},    {"0.004", 4000},      {"0.008", 8000},    {"0.016", 16000},
        {"0.032", 32000},   {"0.064", 64000},     {"0.128", 128000},  {"0.256", 256000},
        {"0.512", 512000},  {"1.024", 1024000},   {"2.048", 2048000}, {"4.096", 4096000},
        {"8.192", 8192000}, {"16.384", 16384000},
    };
    return bounds;
}

std::vector<std::uint64_t> cumulativeBuckets(const HistogramData &data)
{
    const std::vector<LatencyBound> &bounds = latencyBounds();
    std::vector<std::uint64_t> counts(bounds.size(), 0);
    for (const HistogramData::Cell &cell : data.cells()) {
        // The bucket holds recorded values up to bucketHigh; it counts
        // towards every bound above that (bounds are bucket edges, so none
        // falls inside a bucket).
        const std::int64_t high = HistogramData::bucketHigh(int(cell.bucket));
        for (std::size_t i = 0; i < bounds.size(); ++i)
            if (high < bounds[i].us)
                counts[i] += cell.count;
    }
    return counts;
}

void PrometheusWriter::family(const QByteArray &name, Type type, const QString &help)
{
    m_family = name;
    m_out += "# HELP " + name + ' ' + escapeHelp(help) + '\n';
    m_out += "# TYPE " + name + ' ';
    switch (type) {
    case Type::Counter:
        m_out += "counter";
        break;
    case Type::Gauge:
        m_out += "gauge";
        break;
    case Type::Histogram:
        m_out += "histogram";
        break;
    }
    m_out += '\n';
}

void PrometheusWriter::line(const QByteArray &suffix, const PrometheusLabels &labels,
                            const QByteArray &value, const char *le)
{
    m_out += m_family + suffix;
    if (!labels.isEmpty() || le) {
        m_out += '{';
        bool first = true;
        for (const auto &[name, v] : labels) {
            if (!first)
                m_out += ',';
            first = false;
            m_out += name + "=\"" + escapeLabelValue(v) + '"';
        }
        if (le) {
            if (!first)
                m_out += ',';
            m_out += QByteArray("le=\"") + le + '"';
        }
        m_out += '}';
    }
    m_out += ' ' + value + '\n';
}

void PrometheusWriter::sample(const QByteArray &suffix, const PrometheusLabels &labels,
                              double value)
{
    line(suffix, labels, formatValue(value));
}

void PrometheusWriter::sample(const QByteArray &suffix, const PrometheusLabels &labels,
                              std::uint64_t value)
{
    line(suffix, labels, QByteArray::number(quint64(value)));
}

void PrometheusWriter::histogram(const PrometheusLabels &labels, const HistogramData &data)
{
    const std::vector<LatencyBound> &bounds = latencyBounds();
    const std::vector<std::uint64_t> counts = cumulativeBuckets(data);
    for (std::size_t i = 0; i < bounds.size(); ++i)
        line("_bucket", labels, QByteArray::number(quint64(counts[i])), bounds[i].le);
    const QByteArray count = QByteArray::number(quint64(data.count()));
    line("_bucket", labels, count, "+Inf");
    // The registry keeps each sample at its bucket's middle (within 0.4%).
    line("_sum", labels, formatValue(data.meanUs() * double(data.count()) / 1e6));
    line("_count", labels, count);
}

QByteArray renderPrometheus(Platform &platform, const LoadGenerator *load,
                            const HttpFrontStats *http)
{
    PrometheusWriter w;
    const std::vector<EdgeStatus> edges = platform.gateway().edgeStatus();
    writeEntityFamilies(w, platform, edges);
    writeEdgeFamilies(w, edges);
    const std::vector<ServiceView> services = readServices(platform);
    writeServiceGauges(w, services);
    writeReplicaGauges(w, services);
    writeDatabaseFailures(w, platform);
    if (load)
        writeLoadGenerator(w, *load);
    if (http)
        writeHttpFront(w, *http);
    return w.text();
}

void addMetricsEndpoint(HttpFront &front, Platform &platform, const LoadGenerator *load)
{
    HttpFront *f = &front;
    Platform *p = &platform;
    front.addEndpoint("GET", "/metrics", [f, p, load](const HttpRequest &) {
        const HttpFrontStats stats = f->stats();
        HttpResponse r;
        r.status = 200;
        r.contentType = PrometheusContentType;
        r.body = renderPrometheus(*p, load, &stats);
        return r;
    });
}

} // namespace microcosm::net
