#include "scenario.h"

#include "cart/cartservice.h"
#include "edgekey.h"
#include "jsonreader.h"
#include "order/orderservice.h"
#include "product/productservice.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace microcosm {

namespace {

const QStringList ServiceNames{QStringLiteral("product"), QStringLiteral("cart"),
                               QStringLiteral("order")};
const QStringList Callers{QStringLiteral("users"), QStringLiteral("product"),
                          QStringLiteral("cart"), QStringLiteral("order")};
const QStringList Ops{QStringLiteral(">="), QStringLiteral(">"), QStringLiteral("<="),
                      QStringLiteral("<"), QStringLiteral("==")};

Duration ms(double v)
{
    return fromMs(v);
}

// The routes a service answers, from the service itself: what "routes",
// "routeTimeoutsMs" and "route:" entities may name. Users reach only the
// public ones; the internal ones are for the other services.
QStringList routeKeys(const QString &service, bool publicOnly = false)
{
    QList<RouteSpec> specs;
    if (service == QLatin1String("product"))
        specs = ProductService().routes();
    else if (service == QLatin1String("cart"))
        specs = CartService().routes();
    else if (service == QLatin1String("order"))
        specs = OrderService().routes();
    QStringList keys;
    for (const RouteSpec &spec : specs)
        if (!publicOnly || !spec.internal)
            keys << spec.key();
    return keys;
}

const ServiceConfig &serviceConfig(const ShopConfig &shop, const QString &service)
{
    return service == QLatin1String("product") ? shop.product
           : service == QLatin1String("cart")  ? shop.cart
                                               : shop.order;
}

// The most replicas a service can have at a time of the timeline: its
// deployment, raised by each scale up to then and by its autoscaler's
// maximum, plus the surge of a rolling update started by then. A bound, not
// a forecast: a replica beyond it cannot exist then.
int mostReplicas(const Scenario &s, const QString &service, double at)
{
    int most = serviceConfig(s.shop, service).replicas;
    int surge = 0;
    const auto autoscaler = s.autoscalers.find(service);
    if (autoscaler != s.autoscalers.end() && autoscaler->second.enabled)
        most = std::max(most, autoscaler->second.hpa.maxReplicas);
    for (const TimelineAction &a : s.timeline) {
        if (a.at > at || a.service != service)
            continue;
        if (a.kind == TimelineAction::Kind::Scale)
            most = std::max(most, a.replicas);
        else if (a.kind == TimelineAction::Kind::RollingUpdate)
            surge = std::max(surge, a.update.maxSurge);
    }
    return most + surge;
}

// The database fault an "unblock"/"unlock" step ends (block-writes for
// unlock-database too), or nothing for any other step.
std::optional<TimelineAction::Kind> lockUndone(TimelineAction::Kind k)
{
    using K = TimelineAction::Kind;
    if (k == K::UnblockWrites || k == K::UnlockDatabase)
        return K::BlockWrites;
    if (k == K::UnlockFile)
        return K::LockFile;
    return std::nullopt;
}

// The checks of Scenario::validate(); those against the duration only when it is known.
QStringList crossCheck(const Scenario &s, bool withDuration)
{
    QStringList problems;
    for (qsizetype i = 0; i < s.timeline.size(); ++i) {
        const TimelineAction &a = s.timeline[i];
        const QString path =
            QStringLiteral("$.timeline[%1]").arg(a.fileIndex >= 0 ? a.fileIndex : i);
        if (withDuration && a.at > s.duration)
            problems << QStringLiteral("%1.at: expected at most the duration (%2 s), found %3 (the "
                                       "step \"%4\" would never be played)")
                            .arg(path)
                            .arg(s.duration)
                            .arg(a.at)
                            .arg(a.describe());
        if (const auto lock = lockUndone(a.kind)) {
            bool locked = false;
            for (qsizetype j = 0; j < i; ++j) {
                const TimelineAction &b = s.timeline[j];
                if (b.service != a.service)
                    continue;
                if (lockUndone(b.kind) == lock)
                    locked = false;
                else if (b.kind == *lock || (*lock == TimelineAction::Kind::BlockWrites &&
                                             b.kind == TimelineAction::Kind::LockDatabase))
                    locked = true;
            }
            if (!locked)
                problems << QStringLiteral("%1.action: \"%2\" at %3 s, but no step before it "
                                           "does what it undoes on %4 (the step \"%5\" would do "
                                           "nothing)")
                                .arg(path, TimelineAction::kindName(a.kind))
                                .arg(a.at)
                                .arg(a.service, a.describe());
        }
        if (a.kind == TimelineAction::Kind::KillReplica) {
            const int most = mostReplicas(s, a.service, a.at);
            if (a.replica > most)
                problems << QStringLiteral("%1.replica: expected at most %2 (%3 has at most %2 "
                                           "replicas at %4 s), found %5 (the step \"%6\" would "
                                           "kill nothing)")
                                .arg(path)
                                .arg(most)
                                .arg(a.service)
                                .arg(a.at)
                                .arg(a.replica)
                                .arg(a.describe());
        }
    }
    for (qsizetype i = 0; withDuration && i < s.expectations.size(); ++i) {
        const Expectation &e = s.expectations[i];
        const QString path = QStringLiteral("$.expect[%1]").arg(e.fileIndex >= 0 ? e.fileIndex : i);
        if (e.from >= s.duration)
            problems << QStringLiteral("%1.from: expected less than the duration (%2 s), found %3 "
                                       "(the window of \"%4\" would begin after the run)")
                            .arg(path)
                            .arg(s.duration)
                            .arg(e.from)
                            .arg(e.describe());
        else if (e.to > s.duration)
            problems << QStringLiteral("%1.to: expected at most the duration (%2 s), found %3 (the "
                                       "window of \"%4\" would end after the run)")
                            .arg(path)
                            .arg(s.duration)
                            .arg(e.to)
                            .arg(e.describe());
    }
    return problems;
}

// Reports each key of o that is not one of routes; internal: routes that
// exist but that the caller cannot call.
void allowRoutes(JsonReader &r, const QJsonObject &o, const QString &path,
                 const QStringList &routes, const QStringList &internal = {})
{
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!routes.contains(it.key()))
            r.fail(path, QStringLiteral("%1 route \"%2\" (expected one of: %3)")
                             .arg(internal.contains(it.key())
                                      ? QStringLiteral("users cannot call the internal")
                                      : QStringLiteral("unknown"),
                                  it.key(), routes.join(QStringLiteral(", "))));
}

ServiceTime readServiceTime(JsonReader &r, const QJsonValue &v, const QString &path,
                            const ServiceTime &fallback)
{
    auto o = r.object(v, path);
    if (!o)
        return fallback;
    r.allowKeys(
        *o, path,
        {QStringLiteral("distribution"), QStringLiteral("meanMs"), QStringLiteral("sigma")});
    ServiceTime t = fallback;
    const QString kind = r.choice(
        *o, path, QStringLiteral("distribution"),
        {QStringLiteral("constant"), QStringLiteral("exponential"), QStringLiteral("lognormal")},
        ServiceTime::kindName(fallback.kind));
    ServiceTime::kindFromName(kind, &t.kind);
    t.meanMs = r.number(*o, path, QStringLiteral("meanMs"), fallback.meanMs, 0, 60000);
    t.sigma = r.number(*o, path, QStringLiteral("sigma"), fallback.sigma, 0.01, 5);
    return t;
}

void readService(JsonReader &r, const QJsonObject &o, const QString &path, const QString &service,
                 ServiceConfig &c)
{
    r.allowKeys(o, path,
                {QStringLiteral("replicas"), QStringLiteral("workers"), QStringLiteral("queue"),
                 QStringLiteral("serviceTime"), QStringLiteral("routes"),
                 QStringLiteral("coldStartMs"), QStringLiteral("version"),
                 QStringLiteral("loadBalancing"), QStringLiteral("health"),
                 QStringLiteral("errorPercent"), QStringLiteral("errorStatus")});
    c.replicas = r.integer(o, path, QStringLiteral("replicas"), c.replicas, 1, 32);
    c.workers = r.integer(o, path, QStringLiteral("workers"), c.workers, 1, 64);
    c.queueCapacity = r.integer(o, path, QStringLiteral("queue"), c.queueCapacity, 1, 100000);
    if (o.contains(QStringLiteral("serviceTime")))
        c.serviceTime =
            readServiceTime(r, o.value(QStringLiteral("serviceTime")),
                            JsonReader::join(path, QStringLiteral("serviceTime")), c.serviceTime);
    if (o.contains(QStringLiteral("routes"))) {
        const QString rp = JsonReader::join(path, QStringLiteral("routes"));
        if (auto routes = r.object(o.value(QStringLiteral("routes")), rp)) {
            allowRoutes(r, *routes, rp, routeKeys(service));
            for (auto it = routes->begin(); it != routes->end(); ++it)
                c.routeServiceTime.insert(
                    it.key(), readServiceTime(r, it.value(), JsonReader::member(rp, it.key()),
                                              c.serviceTime));
        }
    }
    c.coldStart =
        ms(r.number(o, path, QStringLiteral("coldStartMs"), toMs(c.coldStart), 0, 600000));
    c.version = r.string(o, path, QStringLiteral("version"), c.version);
    c.versionErrorPercent =
        r.number(o, path, QStringLiteral("errorPercent"), c.versionErrorPercent, 0, 100);
    c.versionErrorStatus =
        r.integer(o, path, QStringLiteral("errorStatus"), c.versionErrorStatus, 400, 599);
    const QString lb = r.choice(o, path, QStringLiteral("loadBalancing"),
                                {QStringLiteral("round-robin"), QStringLiteral("least-outstanding"),
                                 QStringLiteral("power-of-two"), QStringLiteral("random")},
                                LoadBalancer::strategyName(c.balancing));
    LoadBalancer::strategyFromName(lb, &c.balancing);
    if (o.contains(QStringLiteral("health"))) {
        const QString hp = JsonReader::join(path, QStringLiteral("health"));
        if (auto h = r.object(o.value(QStringLiteral("health")), hp)) {
            r.allowKeys(*h, hp,
                        {QStringLiteral("outlierDetection"), QStringLiteral("probePeriodMs"),
                         QStringLiteral("probeFailureThreshold")});
            c.health.probePeriod = ms(r.number(*h, hp, QStringLiteral("probePeriodMs"),
                                               toMs(c.health.probePeriod), 50, 60000));
            c.health.probeFailureThreshold =
                r.integer(*h, hp, QStringLiteral("probeFailureThreshold"),
                          c.health.probeFailureThreshold, 1, 100);
            if (h->contains(QStringLiteral("outlierDetection"))) {
                const QString op = JsonReader::join(hp, QStringLiteral("outlierDetection"));
                if (auto od = r.object(h->value(QStringLiteral("outlierDetection")), op)) {
                    r.allowKeys(*od, op,
                                {QStringLiteral("consecutive5xx"), QStringLiteral("baseEjectionMs"),
                                 QStringLiteral("maxEjectionMs"), QStringLiteral("intervalMs"),
                                 QStringLiteral("maxEjectionPercent")});
                    c.health.outlierDetectionEnabled = true;
                    auto &d = c.health.outlier;
                    d.consecutive5xx = r.integer(*od, op, QStringLiteral("consecutive5xx"),
                                                 d.consecutive5xx, 1, 1000);
                    d.interval = ms(r.number(*od, op, QStringLiteral("intervalMs"),
                                             toMs(d.interval), 1, 3600000));
                    d.baseEjectionTime = ms(r.number(*od, op, QStringLiteral("baseEjectionMs"),
                                                     toMs(d.baseEjectionTime), 1, 3600000));
                    // Envoy: max_ejection_time defaults to max(300 s, base_ejection_time).
                    d.maxEjectionTime = ms(r.number(
                        *od, op, QStringLiteral("maxEjectionMs"),
                        toMs(OutlierDetectionConfig::defaultMaxEjectionTime(d.baseEjectionTime)), 1,
                        3600000));
                    if (const QString why = d.validationError(); !why.isEmpty())
                        r.fail(JsonReader::join(op, QStringLiteral("maxEjectionMs")), why);
                    d.maxEjectionPercent = r.number(*od, op, QStringLiteral("maxEjectionPercent"),
                                                    d.maxEjectionPercent, 0, 100);
                }
            }
        }
    }
}

// An HPA's behavior, spelt as in autoscaling/v2: scaleUp and scaleDown, each
// with stabilizationWindowSeconds, selectPolicy (Max, Min, Disabled) and
// policies [{type: Pods|Percent, value, periodSeconds}]. What is left out
// keeps Kubernetes' default (HpaScalingRules::defaultScaleUp/Down).
void readHpaBehavior(JsonReader &r, const QJsonValue &v, const QString &path, HpaConfig &hpa)
{
    const auto behavior = r.object(v, path);
    if (!behavior)
        return;
    r.allowKeys(*behavior, path, {QStringLiteral("scaleUp"), QStringLiteral("scaleDown")});
    for (const bool up : {true, false}) {
        const QString key = up ? QStringLiteral("scaleUp") : QStringLiteral("scaleDown");
        if (!behavior->contains(key))
            continue;
        const QString p = JsonReader::join(path, key);
        const auto o = r.object(behavior->value(key), p);
        if (!o)
            continue;
        r.allowKeys(*o, p,
                    {QStringLiteral("stabilizationWindowSeconds"), QStringLiteral("selectPolicy"),
                     QStringLiteral("policies")});
        Duration &window = up ? hpa.scaleUpStabilization : hpa.scaleDownStabilization;
        HpaScalingRules &rules = up ? hpa.scaleUp : hpa.scaleDown;
        // Kubernetes allows 0 to 3600 s.
        window = ms(1000 * r.number(*o, p, QStringLiteral("stabilizationWindowSeconds"),
                                    toMs(window) / 1000.0, 0, 3600));
        HpaScalingRules::selectPolicyFromName(
            r.choice(*o, p, QStringLiteral("selectPolicy"),
                     {QStringLiteral("Max"), QStringLiteral("Min"), QStringLiteral("Disabled")},
                     HpaScalingRules::selectPolicyName(rules.selectPolicy)),
            &rules.selectPolicy);
        if (!o->contains(QStringLiteral("policies")))
            continue;
        const QString pp = JsonReader::join(p, QStringLiteral("policies"));
        const auto list = r.array(o->value(QStringLiteral("policies")), pp);
        if (!list)
            continue;
        rules.policies.clear();
        for (qsizetype i = 0; i < list->size(); ++i) {
            const QString ip = QStringLiteral("%1[%2]").arg(pp).arg(i);
            const auto po = r.object(list->at(i), ip);
            if (!po)
                continue;
            r.allowKeys(
                *po, ip,
                {QStringLiteral("type"), QStringLiteral("value"), QStringLiteral("periodSeconds")});
            HpaScalingPolicy policy;
            HpaScalingPolicy::typeFromName(
                r.choice(*po, ip, QStringLiteral("type"),
                         {QStringLiteral("Pods"), QStringLiteral("Percent")}, QString(), true),
                &policy.type);
            // Kubernetes: value > 0; 0 < periodSeconds <= 1800.
            policy.value = r.integer(*po, ip, QStringLiteral("value"), 0, 1, 100000, true);
            policy.period =
                ms(1000 * r.number(*po, ip, QStringLiteral("periodSeconds"), 0, 1, 1800, true));
            rules.policies.push_back(policy);
        }
        if (rules.policies.empty() && rules.selectPolicy != HpaScalingRules::SelectPolicy::Disabled)
            r.fail(pp, QStringLiteral("expected at least one policy (or selectPolicy Disabled)"));
    }
}

void readBreaker(JsonReader &r, const QJsonValue &v, const QString &path, CircuitBreakerConfig &b)
{
    if (v.isString()) {
        if (v.toString() == QLatin1String("demo"))
            b = CircuitBreakerConfig::demo();
        else if (v.toString() == QLatin1String("defaults"))
            b = CircuitBreakerConfig{};
        else
            r.error(path, QStringLiteral("\"demo\", \"defaults\" or an object"), v);
        return;
    }
    auto o = r.object(v, path);
    if (!o)
        return;
    r.allowKeys(*o, path,
                {QStringLiteral("preset"), QStringLiteral("slidingWindowType"),
                 QStringLiteral("slidingWindowSize"), QStringLiteral("minimumNumberOfCalls"),
                 QStringLiteral("failureRateThreshold"), QStringLiteral("slowCallRateThreshold"),
                 QStringLiteral("slowCallDurationThresholdMs"),
                 QStringLiteral("waitDurationInOpenStateMs"),
                 QStringLiteral("permittedNumberOfCallsInHalfOpenState")});
    const QString preset =
        r.choice(*o, path, QStringLiteral("preset"),
                 {QStringLiteral("demo"), QStringLiteral("defaults")}, QStringLiteral("demo"));
    b = preset == QLatin1String("demo") ? CircuitBreakerConfig::demo() : CircuitBreakerConfig{};
    const QString type =
        r.choice(*o, path, QStringLiteral("slidingWindowType"),
                 {QStringLiteral("COUNT_BASED"), QStringLiteral("TIME_BASED")},
                 b.slidingWindowType == CircuitBreakerConfig::SlidingWindowType::COUNT_BASED
                     ? QStringLiteral("COUNT_BASED")
                     : QStringLiteral("TIME_BASED"));
    b.slidingWindowType = type == QLatin1String("COUNT_BASED")
                              ? CircuitBreakerConfig::SlidingWindowType::COUNT_BASED
                              : CircuitBreakerConfig::SlidingWindowType::TIME_BASED;
    b.slidingWindowSize =
        r.integer(*o, path, QStringLiteral("slidingWindowSize"), b.slidingWindowSize, 1, 100000);
    b.minimumNumberOfCalls = r.integer(*o, path, QStringLiteral("minimumNumberOfCalls"),
                                       b.minimumNumberOfCalls, 1, 100000);
    b.failureRateThreshold =
        r.number(*o, path, QStringLiteral("failureRateThreshold"), b.failureRateThreshold, 1, 100);
    b.slowCallRateThreshold = r.number(*o, path, QStringLiteral("slowCallRateThreshold"),
                                       b.slowCallRateThreshold, 1, 100);
    b.slowCallDurationThreshold =
        ms(r.number(*o, path, QStringLiteral("slowCallDurationThresholdMs"),
                    toMs(b.slowCallDurationThreshold), 1, 3600000));
    b.waitDurationInOpenState = ms(r.number(*o, path, QStringLiteral("waitDurationInOpenStateMs"),
                                            toMs(b.waitDurationInOpenState), 1, 3600000));
    b.permittedNumberOfCallsInHalfOpenState =
        r.integer(*o, path, QStringLiteral("permittedNumberOfCallsInHalfOpenState"),
                  b.permittedNumberOfCallsInHalfOpenState, 1, 10000);
}

// routes: those the edge's callee answers to its caller, for routeTimeoutsMs;
// internal: those it has but does not answer to that caller.
void readEdge(JsonReader &r, const QJsonObject &o, const QString &path, const QStringList &routes,
              const QStringList &internal, EdgePolicy &e)
{
    r.allowKeys(o, path,
                {QStringLiteral("timeoutMs"), QStringLiteral("perTryTimeoutMs"),
                 QStringLiteral("routeTimeoutsMs"), QStringLiteral("retry"),
                 QStringLiteral("circuitBreaker"), QStringLiteral("bulkhead"),
                 QStringLiteral("fallback")});
    e.timeout = ms(r.number(o, path, QStringLiteral("timeoutMs"), toMs(e.timeout), 0, 3600000));
    e.perTryTimeout =
        ms(r.number(o, path, QStringLiteral("perTryTimeoutMs"), toMs(e.perTryTimeout), 0, 3600000));
    if (o.contains(QStringLiteral("routeTimeoutsMs"))) {
        const QString rp = JsonReader::join(path, QStringLiteral("routeTimeoutsMs"));
        if (auto timeouts = r.object(o.value(QStringLiteral("routeTimeoutsMs")), rp)) {
            allowRoutes(r, *timeouts, rp, routes, internal);
            for (auto it = timeouts->begin(); it != timeouts->end(); ++it)
                e.routeTimeouts.insert(it.key(),
                                       ms(r.number(*timeouts, rp, it.key(), 1000, 0, 3600000)));
        }
    }
    if (o.contains(QStringLiteral("retry"))) {
        const QString rp = JsonReader::join(path, QStringLiteral("retry"));
        if (auto retry = r.object(o.value(QStringLiteral("retry")), rp)) {
            r.allowKeys(*retry, rp,
                        {QStringLiteral("enabled"), QStringLiteral("maxAttempts"),
                         QStringLiteral("initialBackoffMs"), QStringLiteral("multiplier"),
                         QStringLiteral("maxBackoffMs"), QStringLiteral("randomizationFactor"),
                         QStringLiteral("budgetPercent"), QStringLiteral("minRetryConcurrency")});
            e.retryEnabled = r.boolean(*retry, rp, QStringLiteral("enabled"), true);
            e.retry.maxAttempts =
                r.integer(*retry, rp, QStringLiteral("maxAttempts"), e.retry.maxAttempts, 1, 20);
            e.retry.initialBackoff = ms(r.number(*retry, rp, QStringLiteral("initialBackoffMs"),
                                                 toMs(e.retry.initialBackoff), 0, 60000));
            e.retry.multiplier =
                r.number(*retry, rp, QStringLiteral("multiplier"), e.retry.multiplier, 1, 10);
            e.retry.maxBackoff = ms(r.number(*retry, rp, QStringLiteral("maxBackoffMs"),
                                             toMs(e.retry.maxBackoff), 0, 600000));
            e.retry.randomizationFactor =
                r.number(*retry, rp, QStringLiteral("randomizationFactor"),
                         e.retry.randomizationFactor, 0, 1);
            if (retry->contains(QStringLiteral("budgetPercent"))) {
                e.retryBudgetEnabled = true;
                e.retryBudgetPercent =
                    r.number(*retry, rp, QStringLiteral("budgetPercent"), 20, 0, 100);
            }
            e.minRetryConcurrency = r.integer(*retry, rp, QStringLiteral("minRetryConcurrency"),
                                              e.minRetryConcurrency, 0, 10000);
        }
    }
    if (o.contains(QStringLiteral("circuitBreaker"))) {
        e.breakerEnabled = true;
        readBreaker(r, o.value(QStringLiteral("circuitBreaker")),
                    JsonReader::join(path, QStringLiteral("circuitBreaker")), e.breaker);
    }
    e.bulkheadMaxConcurrentCalls = r.integer(o, path, QStringLiteral("bulkhead"), 0, 0, 100000);
    e.fallbackEnabled = r.boolean(o, path, QStringLiteral("fallback"), false);
}

Fault readFault(JsonReader &r, const QJsonObject &o, const QString &path, TimelineAction::Kind kind)
{
    Fault f;
    if (kind == TimelineAction::Kind::Latency) {
        f.latencyMs = r.number(o, path, QStringLiteral("ms"), 0, 0, 600000, true);
        f.jitterMs = r.number(o, path, QStringLiteral("jitterMs"), 0, 0, 600000);
        f.latencyPercent = r.number(o, path, QStringLiteral("percent"), 100, 0, 100);
    } else if (kind == TimelineAction::Kind::Errors) {
        f.errorStatus = r.integer(o, path, QStringLiteral("status"), 500, 400, 599);
        f.errorPercent = r.number(o, path, QStringLiteral("percent"), 100, 0, 100, true);
    } else if (kind == TimelineAction::Kind::Partition) {
        f.partitioned = true;
    } else if (kind == TimelineAction::Kind::SlowDatabase) {
        f.dbDelayMs = r.number(o, path, QStringLiteral("ms"), 0, 0, 600000, true);
    }
    return f;
}

} // namespace

QStringList TimelineAction::kindNames()
{
    return {QStringLiteral("kill"),          QStringLiteral("kill-replica"),
            QStringLiteral("restart"),       QStringLiteral("scale"),
            QStringLiteral("latency"),       QStringLiteral("errors"),
            QStringLiteral("partition"),     QStringLiteral("slow-database"),
            QStringLiteral("lock-database"), QStringLiteral("unlock-database"),
            QStringLiteral("clear-faults"),  QStringLiteral("rolling-update"),
            QStringLiteral("chaos-monkey"),  QStringLiteral("chaos-monkey-off"),
            QStringLiteral("set-rate"),      QStringLiteral("breaker"),
            QStringLiteral("block-writes"),  QStringLiteral("unblock-writes"),
            QStringLiteral("lock-file"),     QStringLiteral("unlock-file")};
}

QString TimelineAction::kindName(Kind k)
{
    return kindNames().value(int(k));
}

QString TimelineAction::describe() const
{
    const QString target = service.isEmpty() ? edgeLabel(from, to) : service;
    switch (kind) {
    case Kind::Kill:
        return QStringLiteral("kill %1").arg(service);
    case Kind::KillReplica:
        return QStringLiteral("kill %1#%2").arg(service).arg(replica);
    case Kind::Restart:
        return QStringLiteral("restart %1").arg(service);
    case Kind::Scale:
        return QStringLiteral("scale %1 to %2").arg(service).arg(replicas);
    case Kind::Latency:
    case Kind::Errors:
    case Kind::Partition:
    case Kind::SlowDatabase:
        return QStringLiteral("%1 on %2: %3").arg(kindName(kind), target, fault.describe());
    case Kind::LockDatabase:
    case Kind::BlockWrites:
        return QStringLiteral("block writes to %1.db (reads go on)").arg(service);
    case Kind::UnlockDatabase:
    case Kind::UnblockWrites:
        return QStringLiteral("unblock writes to %1.db").arg(service);
    case Kind::LockFile:
        return QStringLiteral("lock the whole %1.db (reads and writes fail)").arg(service);
    case Kind::UnlockFile:
        return QStringLiteral("unlock the whole %1.db").arg(service);
    case Kind::ClearFaults:
        return QStringLiteral("clear faults on %1").arg(target);
    case Kind::RollingUpdate:
        return QStringLiteral("rolling update of %1 to %2").arg(service, update.version);
    case Kind::ChaosMonkey:
        return QStringLiteral("chaos monkey on (a failure every %1 s)")
            .arg(monkey.meanSecondsBetweenFailures);
    case Kind::ChaosMonkeyOff:
        return QStringLiteral("chaos monkey off");
    case Kind::SetRate:
        return QStringLiteral("load to %1 journeys/s").arg(rate);
    case Kind::Breaker:
        return QStringLiteral("breaker %1 → %2").arg(target, state);
    }
    return {};
}

QStringList Expectation::metricNames()
{
    return {QStringLiteral("success-rate"),    QStringLiteral("error-rate"),
            QStringLiteral("p50-ms"),          QStringLiteral("p95-ms"),
            QStringLiteral("p99-ms"),          QStringLiteral("max-ms"),
            QStringLiteral("throughput"),      QStringLiteral("requests"),
            QStringLiteral("timeouts"),        QStringLiteral("rejected"),
            QStringLiteral("short-circuited"), QStringLiteral("fallbacks"),
            QStringLiteral("server-errors"),   QStringLiteral("max-replicas"),
            QStringLiteral("min-replicas"),    QStringLiteral("retries"),
            QStringLiteral("dropped"),         QStringLiteral("invariants"),
            QStringLiteral("lost-orders"),     QStringLiteral("duplicate-orders")};
}

bool Expectation::isWholeRun(const QString &metric)
{
    return metric == QLatin1String("invariants") || metric == QLatin1String("lost-orders") ||
           metric == QLatin1String("duplicate-orders") || metric == QLatin1String("dropped") ||
           metric == QLatin1String("retries");
}

QString Expectation::describe() const
{
    QString s = entity.isEmpty() ? metric : QStringLiteral("%1 %2").arg(entity, metric);
    if (metric != QLatin1String("invariants"))
        s += QStringLiteral(" %1 %2").arg(op).arg(value);
    if (from >= 0 || to >= 0)
        s += QStringLiteral(" between %1 s and %2 s")
                 .arg(std::max(0.0, from))
                 .arg(to < 0 ? QStringLiteral("the end") : QString::number(to));
    return s;
}

QStringList Scenario::validate() const
{
    return crossCheck(*this, true);
}

Scenario Scenario::steadyState(double rate, double duration, quint64 seed)
{
    Scenario s;
    s.duration = duration;
    s.seed = seed;
    s.load.rate = rate;
    s.load.profile.rate = rate;
    s.load.seed = seed;
    s.lesson = QStringLiteral("Every service healthy at a steady rate: the baseline the other "
                              "scenarios are compared with.");
    return s;
}

std::optional<Scenario> Scenario::fromFile(const QString &path, QStringList *errors)
{
    // Only a regular file: a FIFO would block the open, /dev/zero never ends.
    const QFileInfo info(path);
    if (info.exists() && !info.isFile()) {
        *errors << (info.isDir() ? QStringLiteral("is a directory, not a regular file")
                                 : QStringLiteral("is not a regular file"));
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *errors << QStringLiteral("cannot open: %1").arg(file.errorString());
        return std::nullopt;
    }
    if (file.isSequential()) {
        *errors << QStringLiteral("is not a regular file");
        return std::nullopt;
    }
    // What is read is capped, whatever size() says (a file can grow under us).
    const QByteArray json = file.read(MaxFileBytes + 1);
    if (json.size() > MaxFileBytes) {
        *errors << QStringLiteral("is larger than a scenario may be (at most %1 bytes, 4 MiB)")
                       .arg(MaxFileBytes);
        return std::nullopt;
    }
    if (file.error() != QFileDevice::NoError) {
        *errors << QStringLiteral("cannot read: %1").arg(file.errorString());
        return std::nullopt;
    }
    return parse(json, errors);
}

std::optional<Scenario> Scenario::parse(const QByteArray &json, QStringList *errors)
{
    // QJsonDocument keeps the last of two equal keys without a word, and
    // names no path when it refuses a number: the scan says both.
    const JsonReader::Scan scan = JsonReader::scan(json);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (!scan.badNumber.isEmpty() && parseError.offset >= scan.badNumberStart &&
            parseError.offset <= scan.badNumberEnd)
            *errors << QStringLiteral("%1; not valid JSON at byte %2")
                           .arg(scan.badNumber)
                           .arg(parseError.offset);
        else
            *errors << QStringLiteral("$: not valid JSON at byte %1: %2")
                           .arg(parseError.offset)
                           .arg(parseError.errorString());
        return std::nullopt;
    }
    JsonReader r;
    Scenario s;
    auto root = r.object(doc.isObject()
                             ? QJsonValue(doc.object())
                             : QJsonValue(doc.isArray() ? QJsonValue(doc.array()) : QJsonValue()),
                         QStringLiteral("$"));
    if (!root) {
        *errors << scan.duplicates << r.errors();
        return std::nullopt;
    }
    const QString $ = QStringLiteral("$");
    r.allowKeys(*root, $,
                {QStringLiteral("title"), QStringLiteral("lesson"), QStringLiteral("duration"),
                 QStringLiteral("seed"), QStringLiteral("services"), QStringLiteral("policies"),
                 QStringLiteral("autoscaler"), QStringLiteral("load"), QStringLiteral("timeline"),
                 QStringLiteral("expect")});
    s.title = r.string(*root, $, QStringLiteral("title"), QString(), true);
    s.lesson = r.string(*root, $, QStringLiteral("lesson"), QString());
    const qsizetype errorsBeforeDuration = r.errors().size();
    s.duration = r.number(*root, $, QStringLiteral("duration"), 30, 1, 86400, true);
    const bool durationOk = r.errors().size() == errorsBeforeDuration;
    s.seed = quint64(r.number(*root, $, QStringLiteral("seed"), 1, 0, 9007199254740991.0));
    s.load.seed = s.seed;

    if (root->contains(QStringLiteral("services"))) {
        const QString p = QStringLiteral("$.services");
        if (auto services = r.object(root->value(QStringLiteral("services")), p)) {
            r.allowKeys(*services, p, ServiceNames);
            ServiceConfig *configs[] = {&s.shop.product, &s.shop.cart, &s.shop.order};
            for (int i = 0; i < 3; ++i)
                if (services->contains(ServiceNames[i]))
                    if (auto o = r.object(services->value(ServiceNames[i]),
                                          JsonReader::join(p, ServiceNames[i])))
                        readService(r, *o, JsonReader::join(p, ServiceNames[i]), ServiceNames[i],
                                    *configs[i]);
        }
    }

    if (root->contains(QStringLiteral("policies"))) {
        const QString p = QStringLiteral("$.policies");
        if (auto policies = r.object(root->value(QStringLiteral("policies")), p)) {
            r.allowKeys(*policies, p, {QStringLiteral("rateLimit"), QStringLiteral("edges")});
            if (policies->contains(QStringLiteral("rateLimit"))) {
                const QString rp = JsonReader::join(p, QStringLiteral("rateLimit"));
                if (auto rl = r.object(policies->value(QStringLiteral("rateLimit")), rp)) {
                    r.allowKeys(*rl, rp, {QStringLiteral("perSecond"), QStringLiteral("burst")});
                    s.rateLimit = r.number(*rl, rp, QStringLiteral("perSecond"), 0, 0.1, 1e6, true);
                    s.rateLimitBurst =
                        r.number(*rl, rp, QStringLiteral("burst"), s.rateLimit, 1, 1e6);
                }
            }
            if (policies->contains(QStringLiteral("edges"))) {
                const QString ep = JsonReader::join(p, QStringLiteral("edges"));
                if (auto edges = r.object(policies->value(QStringLiteral("edges")), ep)) {
                    for (auto it = edges->begin(); it != edges->end(); ++it) {
                        const QString path = ep + QStringLiteral("[\"%1\"]").arg(it.key());
                        const QStringList ends = it.key().split(QLatin1Char('>'));
                        if (ends.size() != 2 || !Callers.contains(ends[0]) ||
                            !(ServiceNames.contains(ends[1]) || ends[1] == QLatin1String("*"))) {
                            r.fail(path, QStringLiteral("an edge is named \"caller>service\" "
                                                        "(caller: %1; service: %2 or *)")
                                             .arg(Callers.join(QStringLiteral(", ")),
                                                  ServiceNames.join(QStringLiteral(", "))));
                            continue;
                        }
                        EdgePolicy e;
                        e.timeout = ends[0] == QLatin1String("users") ? s.platform.gatewayTimeout
                                                                      : s.platform.clientTimeout;
                        const bool users = ends[0] == QLatin1String("users");
                        QStringList routes, internal;
                        for (const QString &service : ServiceNames)
                            if (ends[1] == service || ends[1] == QLatin1String("*")) {
                                routes << routeKeys(service, users);
                                internal << routeKeys(service);
                            }
                        if (auto o = r.object(it.value(), path))
                            readEdge(r, *o, path, routes, internal, e);
                        s.edges[it.key()] = e;
                    }
                }
            }
        }
    }

    if (root->contains(QStringLiteral("autoscaler"))) {
        const QString p = QStringLiteral("$.autoscaler");
        if (auto as = r.object(root->value(QStringLiteral("autoscaler")), p)) {
            r.allowKeys(*as, p, ServiceNames);
            for (auto it = as->begin(); it != as->end(); ++it) {
                const QString path = JsonReader::join(p, it.key());
                auto o = r.object(it.value(), path);
                if (!o || !ServiceNames.contains(it.key()))
                    continue;
                r.allowKeys(
                    *o, path,
                    {QStringLiteral("enabled"), QStringLiteral("metric"), QStringLiteral("target"),
                     QStringLiteral("minReplicas"), QStringLiteral("maxReplicas"),
                     QStringLiteral("tolerance"), QStringLiteral("syncPeriodMs"),
                     QStringLiteral("scaleUpStabilizationMs"),
                     QStringLiteral("scaleDownStabilizationMs"), QStringLiteral("behavior")});
                AutoscalerConfig c;
                c.enabled = r.boolean(*o, path, QStringLiteral("enabled"), true);
                AutoscalerConfig::metricFromName(
                    r.choice(*o, path, QStringLiteral("metric"),
                             {QStringLiteral("utilization"), QStringLiteral("in-flight"),
                              QStringLiteral("p95-latency")},
                             QStringLiteral("utilization")),
                    &c.metric);
                c.hpa.target = r.number(*o, path, QStringLiteral("target"), 0, 0.001, 1e6, true);
                c.hpa.minReplicas = r.integer(*o, path, QStringLiteral("minReplicas"), 1, 1, 32);
                c.hpa.maxReplicas = r.integer(*o, path, QStringLiteral("maxReplicas"), 10, 1, 32);
                if (c.hpa.maxReplicas < c.hpa.minReplicas)
                    r.fail(JsonReader::join(path, QStringLiteral("maxReplicas")),
                           QStringLiteral("expected at least minReplicas (%1), found %2")
                               .arg(c.hpa.minReplicas)
                               .arg(c.hpa.maxReplicas));
                c.hpa.tolerance =
                    r.number(*o, path, QStringLiteral("tolerance"), c.hpa.tolerance, 0, 1);
                c.hpa.syncPeriod = ms(r.number(*o, path, QStringLiteral("syncPeriodMs"),
                                               toMs(c.hpa.syncPeriod), 100, 3600000));
                c.hpa.scaleUpStabilization =
                    ms(r.number(*o, path, QStringLiteral("scaleUpStabilizationMs"),
                                toMs(c.hpa.scaleUpStabilization), 0, 3600000));
                c.hpa.scaleDownStabilization =
                    ms(r.number(*o, path, QStringLiteral("scaleDownStabilizationMs"),
                                toMs(c.hpa.scaleDownStabilization), 0, 3600000));
                if (o->contains(QStringLiteral("behavior")))
                    readHpaBehavior(r, o->value(QStringLiteral("behavior")),
                                    JsonReader::join(path, QStringLiteral("behavior")), c.hpa);
                s.autoscalers[it.key()] = c;
            }
        }
    }

    if (root->contains(QStringLiteral("load"))) {
        const QString p = QStringLiteral("$.load");
        if (auto o = r.object(root->value(QStringLiteral("load")), p)) {
            r.allowKeys(*o, p,
                        {QStringLiteral("model"), QStringLiteral("profile"),
                         QStringLiteral("arrivals"), QStringLiteral("users"), QStringLiteral("mix"),
                         QStringLiteral("virtualUsers"), QStringLiteral("spawnRate"),
                         QStringLiteral("thinkTimeMs"), QStringLiteral("maxInFlight")});
            LoadConfig &l = s.load;
            l.model = r.choice(*o, p, QStringLiteral("model"),
                               {QStringLiteral("open"), QStringLiteral("closed")},
                               QStringLiteral("open")) == QLatin1String("open")
                          ? LoadConfig::Model::Open
                          : LoadConfig::Model::Closed;
            l.poisson = r.choice(*o, p, QStringLiteral("arrivals"),
                                 {QStringLiteral("poisson"), QStringLiteral("uniform")},
                                 QStringLiteral("poisson")) == QLatin1String("poisson");
            l.users = r.integer(*o, p, QStringLiteral("users"), l.users, 1, 1000000);
            l.virtualUsers =
                r.integer(*o, p, QStringLiteral("virtualUsers"), l.virtualUsers, 1, 100000);
            l.spawnRate = r.number(*o, p, QStringLiteral("spawnRate"), l.spawnRate, 0.01, 100000);
            l.thinkTimeMs =
                r.number(*o, p, QStringLiteral("thinkTimeMs"), l.thinkTimeMs, 0, 3600000);
            l.maxInFlight =
                r.integer(*o, p, QStringLiteral("maxInFlight"), l.maxInFlight, 1, 10000000);
            if (o->contains(QStringLiteral("mix"))) {
                const QString mp = JsonReader::join(p, QStringLiteral("mix"));
                if (auto mix = r.object(o->value(QStringLiteral("mix")), mp)) {
                    const QStringList journeys = ShopWorkload().journeys();
                    r.allowKeys(*mix, mp, journeys);
                    for (const QString &j : journeys)
                        if (mix->contains(j))
                            l.mix.insert(j, r.number(*mix, mp, j, 0, 0, 1e6));
                }
            }
            if (o->contains(QStringLiteral("profile"))) {
                const QString pp = JsonReader::join(p, QStringLiteral("profile"));
                if (auto pr = r.object(o->value(QStringLiteral("profile")), pp)) {
                    r.allowKeys(*pr, pp,
                                {QStringLiteral("shape"), QStringLiteral("rate"),
                                 QStringLiteral("to"), QStringLiteral("at"),
                                 QStringLiteral("duration"), QStringLiteral("amplitude"),
                                 QStringLiteral("period")});
                    LoadProfile &f = l.profile;
                    LoadProfile::shapeFromName(
                        r.choice(*pr, pp, QStringLiteral("shape"),
                                 {QStringLiteral("constant"), QStringLiteral("ramp"),
                                  QStringLiteral("step"), QStringLiteral("spike"),
                                  QStringLiteral("wave")},
                                 QStringLiteral("constant")),
                        &f.shape);
                    f.rate = r.number(*pr, pp, QStringLiteral("rate"), 100, 0, 100000, true);
                    const bool needsTo = f.shape == LoadProfile::Shape::Ramp ||
                                         f.shape == LoadProfile::Shape::Step ||
                                         f.shape == LoadProfile::Shape::Spike;
                    f.to = r.number(*pr, pp, QStringLiteral("to"), f.rate, 0, 100000, needsTo);
                    f.at = r.number(*pr, pp, QStringLiteral("at"), 0, 0, 86400);
                    f.duration = r.number(*pr, pp, QStringLiteral("duration"), 10, 0, 86400);
                    f.amplitude = r.number(*pr, pp, QStringLiteral("amplitude"), 0, 0, 100000,
                                           f.shape == LoadProfile::Shape::Wave);
                    f.period = r.number(*pr, pp, QStringLiteral("period"), 60, 0.1, 86400);
                    l.rate = f.rate;
                }
            }
        }
    }

    if (root->contains(QStringLiteral("timeline"))) {
        const QString p = QStringLiteral("$.timeline");
        if (auto list = r.array(root->value(QStringLiteral("timeline")), p)) {
            for (int i = 0; i < list->size(); ++i) {
                const QString path = QStringLiteral("%1[%2]").arg(p).arg(i);
                auto o = r.object(list->at(i), path);
                if (!o)
                    continue;
                TimelineAction a;
                a.fileIndex = i;
                a.at = r.number(*o, path, QStringLiteral("at"), 0, 0, 86400, true);
                const QString kind = r.choice(*o, path, QStringLiteral("action"),
                                              TimelineAction::kindNames(), QString(), true);
                if (kind.isEmpty())
                    continue;
                a.kind = TimelineAction::Kind(TimelineAction::kindNames().indexOf(kind));
                using K = TimelineAction::Kind;
                QStringList allowed{QStringLiteral("at"), QStringLiteral("action")};
                const bool linkable = a.kind == K::Latency || a.kind == K::Errors ||
                                      a.kind == K::ClearFaults || a.kind == K::Breaker;
                const bool needsService =
                    a.kind == K::Kill || a.kind == K::KillReplica || a.kind == K::Restart ||
                    a.kind == K::Scale || a.kind == K::SlowDatabase || a.kind == K::LockDatabase ||
                    a.kind == K::UnlockDatabase || a.kind == K::RollingUpdate ||
                    a.kind == K::BlockWrites || a.kind == K::UnblockWrites ||
                    a.kind == K::LockFile || a.kind == K::UnlockFile;
                const bool needsLink = a.kind == K::Partition || a.kind == K::Breaker;
                if (needsService || (linkable && !needsLink))
                    allowed << QStringLiteral("service");
                if (linkable || needsLink)
                    allowed << QStringLiteral("from") << QStringLiteral("to");
                switch (a.kind) {
                case K::KillReplica:
                    allowed << QStringLiteral("replica");
                    break;
                case K::Scale:
                    allowed << QStringLiteral("replicas");
                    break;
                case K::Latency:
                    allowed << QStringLiteral("ms") << QStringLiteral("jitterMs")
                            << QStringLiteral("percent");
                    break;
                case K::Errors:
                    allowed << QStringLiteral("status") << QStringLiteral("percent");
                    break;
                case K::SlowDatabase:
                    allowed << QStringLiteral("ms");
                    break;
                case K::RollingUpdate:
                    allowed << QStringLiteral("version") << QStringLiteral("serviceTime")
                            << QStringLiteral("errorPercent") << QStringLiteral("errorStatus")
                            << QStringLiteral("maxUnavailable") << QStringLiteral("maxSurge")
                            << QStringLiteral("minReadySeconds");
                    break;
                case K::ChaosMonkey:
                    allowed << QStringLiteral("meanSecondsBetweenFailures")
                            << QStringLiteral("restartDelayMs") << QStringLiteral("services")
                            << QStringLiteral("wholeServicePercent");
                    break;
                case K::SetRate:
                    allowed << QStringLiteral("rate");
                    break;
                case K::Breaker:
                    allowed << QStringLiteral("state");
                    break;
                default:
                    break;
                }
                r.allowKeys(*o, path, allowed);
                if (allowed.contains(QStringLiteral("service")))
                    a.service = r.choice(*o, path, QStringLiteral("service"), ServiceNames,
                                         QString(), needsService);
                if (allowed.contains(QStringLiteral("from"))) {
                    a.from =
                        r.choice(*o, path, QStringLiteral("from"), Callers, QString(), needsLink);
                    a.to = r.choice(*o, path, QStringLiteral("to"), ServiceNames, QString(),
                                    needsLink || !a.from.isEmpty());
                }
                if (linkable && !needsLink && a.service.isEmpty() && a.from.isEmpty() &&
                    a.kind != K::ClearFaults)
                    r.fail(path,
                           QStringLiteral("needs \"service\", or \"from\" and \"to\" for a link"));
                if (!a.service.isEmpty() && !a.from.isEmpty())
                    r.fail(path, QStringLiteral("names a service and a link; give one of them"));
                a.fault = readFault(r, *o, path, a.kind);
                a.replica = r.integer(*o, path, QStringLiteral("replica"), 1, 1, 32,
                                      a.kind == K::KillReplica);
                a.replicas =
                    r.integer(*o, path, QStringLiteral("replicas"), 1, 1, 32, a.kind == K::Scale);
                a.rate =
                    r.number(*o, path, QStringLiteral("rate"), 0, 0, 100000, a.kind == K::SetRate);
                if (a.kind == K::Breaker)
                    a.state = r.choice(*o, path, QStringLiteral("state"),
                                       {QStringLiteral("closed"), QStringLiteral("disabled"),
                                        QStringLiteral("forced-open")},
                                       QString(), true);
                if (a.kind == K::RollingUpdate) {
                    const ServiceConfig &base = serviceConfig(s.shop, a.service);
                    a.update.version =
                        r.string(*o, path, QStringLiteral("version"), QString(), true);
                    a.update.profile = base.profile();
                    if (o->contains(QStringLiteral("serviceTime")))
                        a.update.profile.serviceTime =
                            readServiceTime(r, o->value(QStringLiteral("serviceTime")),
                                            JsonReader::join(path, QStringLiteral("serviceTime")),
                                            base.serviceTime);
                    a.update.profile.errorPercent =
                        r.number(*o, path, QStringLiteral("errorPercent"), 0, 0, 100);
                    a.update.profile.errorStatus =
                        r.integer(*o, path, QStringLiteral("errorStatus"), 500, 400, 599);
                    a.update.maxUnavailable =
                        r.integer(*o, path, QStringLiteral("maxUnavailable"), 0, 0, 32);
                    a.update.maxSurge = r.integer(*o, path, QStringLiteral("maxSurge"), 1, 0, 32);
                    a.update.minReadySeconds =
                        r.number(*o, path, QStringLiteral("minReadySeconds"), 0, 0, 3600);
                    if (a.update.maxUnavailable == 0 && a.update.maxSurge == 0)
                        r.fail(path, QStringLiteral("maxUnavailable and maxSurge cannot both be 0 "
                                                    "(the update could never progress)"));
                }
                if (a.kind == K::ChaosMonkey) {
                    a.monkey.seed = s.seed;
                    a.monkey.meanSecondsBetweenFailures = r.number(
                        *o, path, QStringLiteral("meanSecondsBetweenFailures"), 5, 0.1, 86400);
                    a.monkey.restartDelay =
                        ms(r.number(*o, path, QStringLiteral("restartDelayMs"), 2000, 0, 3600000));
                    a.monkey.wholeServicePercent =
                        r.number(*o, path, QStringLiteral("wholeServicePercent"), 25, 0, 100);
                    if (o->contains(QStringLiteral("services"))) {
                        const QString sp = JsonReader::join(path, QStringLiteral("services"));
                        if (auto names = r.array(o->value(QStringLiteral("services")), sp))
                            for (int k = 0; k < names->size(); ++k) {
                                if (!names->at(k).isString() ||
                                    !ServiceNames.contains(names->at(k).toString()))
                                    r.error(QStringLiteral("%1[%2]").arg(sp).arg(k),
                                            QStringLiteral("one of %1")
                                                .arg(ServiceNames.join(QStringLiteral(", "))),
                                            names->at(k));
                                else
                                    a.monkey.services << names->at(k).toString();
                            }
                    }
                }
                s.timeline.append(a);
            }
            std::stable_sort(
                s.timeline.begin(), s.timeline.end(),
                [](const TimelineAction &a, const TimelineAction &b) { return a.at < b.at; });
        }
    }

    if (root->contains(QStringLiteral("expect"))) {
        const QString p = QStringLiteral("$.expect");
        if (auto list = r.array(root->value(QStringLiteral("expect")), p)) {
            for (int i = 0; i < list->size(); ++i) {
                const QString path = QStringLiteral("%1[%2]").arg(p).arg(i);
                auto o = r.object(list->at(i), path);
                if (!o)
                    continue;
                r.allowKeys(*o, path,
                            {QStringLiteral("metric"), QStringLiteral("entity"),
                             QStringLiteral("op"), QStringLiteral("value"), QStringLiteral("from"),
                             QStringLiteral("to")});
                Expectation e;
                e.fileIndex = i;
                e.metric = r.choice(*o, path, QStringLiteral("metric"), Expectation::metricNames(),
                                    QString(), true);
                const bool global = e.metric == QLatin1String("invariants") ||
                                    e.metric == QLatin1String("lost-orders") ||
                                    e.metric == QLatin1String("duplicate-orders") ||
                                    e.metric == QLatin1String("dropped");
                const QString ep = JsonReader::join(path, QStringLiteral("entity"));
                e.entity = r.string(*o, path, QStringLiteral("entity"),
                                    global ? QString() : QStringLiteral("gateway"));
                if (global && !e.entity.isEmpty())
                    r.fail(ep, QStringLiteral("%1 is about the whole shop; it takes no entity, "
                                              "found \"%2\"")
                                   .arg(e.metric, e.entity));
                if (!e.entity.isEmpty() && !global) {
                    const QString caller = e.entity.section(QLatin1Char('>'), 0, 0);
                    const QString callee = e.entity.section(QLatin1Char('>'), 1);
                    const bool edge = e.entity.contains(QLatin1Char('>')) &&
                                      Callers.contains(caller) && ServiceNames.contains(callee);
                    const bool known = e.entity == QLatin1String("gateway") ||
                                       e.entity == QLatin1String("client") ||
                                       ServiceNames.contains(e.entity) ||
                                       e.entity.startsWith(QLatin1String("route:")) || edge;
                    if (!known)
                        r.error(ep,
                                QStringLiteral(
                                    "gateway, client, a service (product, cart, order), an edge "
                                    "like \"order>product\" or \"route:cart:GET /carts/{user}\""),
                                QJsonValue(e.entity));
                    if (edge && caller == callee)
                        r.fail(ep, QStringLiteral("a service does not call itself, found \"%1\"")
                                       .arg(e.entity));
                    if (e.entity.startsWith(QLatin1String("route:"))) {
                        // route:<service>:<method> <pattern>, as the gateway names them.
                        const QString service = e.entity.section(QLatin1Char(':'), 1, 1);
                        QStringList valid;
                        for (const QString &name : ServiceNames)
                            if (name == service || !ServiceNames.contains(service))
                                for (const QString &key : routeKeys(name))
                                    valid << QStringLiteral("route:%1:%2").arg(name, key);
                        if (!valid.contains(e.entity))
                            r.fail(ep, QStringLiteral("unknown route \"%1\" (expected one of: %2)")
                                           .arg(e.entity, valid.join(QStringLiteral(", "))));
                    }
                }
                e.op = r.choice(*o, path, QStringLiteral("op"), Ops, QStringLiteral(">="));
                e.value = r.number(*o, path, QStringLiteral("value"), 0, -1e12, 1e12,
                                   e.metric != QLatin1String("invariants"));
                e.from = r.number(*o, path, QStringLiteral("from"), -1, 0, 86400);
                e.to = r.number(*o, path, QStringLiteral("to"), -1, 0, 86400);
                if (e.from >= 0 && e.to >= 0 && e.to <= e.from)
                    r.fail(JsonReader::join(path, QStringLiteral("to")),
                           QStringLiteral("expected a time after \"from\" (%1), found %2")
                               .arg(e.from)
                               .arg(e.to));
                if (e.metric == QLatin1String("retries") && !e.entity.contains(QLatin1Char('>')))
                    r.fail(ep,
                           QStringLiteral("retries are counted per edge, e.g. \"users>product\""));
                if (Expectation::isWholeRun(e.metric) &&
                    (o->contains(QStringLiteral("from")) || o->contains(QStringLiteral("to"))))
                    r.fail(path, QStringLiteral("%1 is counted over the whole run; it takes no "
                                                "\"from\" or \"to\"")
                                     .arg(e.metric));
                s.expectations.append(e);
            }
        }
    }

    // Across fields, once all are read; against the duration only when it is known.
    QStringList problems = scan.duplicates + r.errors();
    problems << crossCheck(s, durationOk);
    if (!problems.isEmpty()) {
        *errors << problems;
        return std::nullopt;
    }
    return s;
}

void Scenario::applyPolicies(Platform &platform) const
{
    // Caller-wide defaults first, so that specific edges override them.
    for (const auto &[key, policy] : edges)
        if (key.endsWith(QLatin1String(">*")))
            platform.gateway().setPolicy(key.section(QLatin1Char('>'), 0, 0), QString(), policy);
    for (const auto &[key, policy] : edges)
        if (!key.endsWith(QLatin1String(">*")))
            platform.gateway().setPolicy(key.section(QLatin1Char('>'), 0, 0),
                                         key.section(QLatin1Char('>'), 1), policy);
    platform.gateway().setRateLimit(rateLimit, rateLimitBurst);
    for (const auto &[service, config] : autoscalers)
        platform.setAutoscaler(service, config);
}

} // namespace microcosm
