#include "scenario.h"

#include "cart/cartservice.h"
#include "edgekey.h"
#include "jsonreader.h"
#include "order/orderservice.h"
#include "product/productservice.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace microcosm {

namespace {

const QStringList Ops{QStringLiteral(">="), QStringLiteral(">"), QStringLiteral("<="),
                      QStringLiteral("<"), QStringLiteral("==")};

Duration ms(double v)
{
    return fromMs(v);
}

// The most replicas a service can have at a time of the timeline: its
// deployment, raised by each scale up to then and by its autoscaler's
// maximum, plus the surge of a rolling update started by then. A bound, not
// a forecast: a replica beyond it cannot exist then.
int mostReplicas(const Scenario &s, const QString &service, double at)
{
    const ServiceConfig *config = s.serviceConfig(service);
    int most = config ? config->replicas : 0;
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

// routes: those the service answers, which "routes" may name.
void readService(JsonReader &r, const QJsonObject &o, const QString &path,
                 const QStringList &routes, ServiceConfig &c, const QStringList &moreKeys = {})
{
    r.allowKeys(o, path,
                QStringList{QStringLiteral("replicas"), QStringLiteral("workers"),
                            QStringLiteral("queue"), QStringLiteral("serviceTime"),
                            QStringLiteral("routes"), QStringLiteral("coldStartMs"),
                            QStringLiteral("version"), QStringLiteral("loadBalancing"),
                            QStringLiteral("health"), QStringLiteral("errorPercent"),
                            QStringLiteral("errorStatus")} +
                    moreKeys);
    c.replicas = r.integer(o, path, QStringLiteral("replicas"), c.replicas, 1, MaxReplicas);
    c.workers = r.integer(o, path, QStringLiteral("workers"), c.workers, 1, 64);
    c.queueCapacity = r.integer(o, path, QStringLiteral("queue"), c.queueCapacity, 1, 100000);
    VersionProfile &v = c.profile;
    if (o.contains(QStringLiteral("serviceTime")))
        v.serviceTime =
            readServiceTime(r, o.value(QStringLiteral("serviceTime")),
                            JsonReader::join(path, QStringLiteral("serviceTime")), v.serviceTime);
    if (o.contains(QStringLiteral("routes"))) {
        const QString rp = JsonReader::join(path, QStringLiteral("routes"));
        if (auto times = r.object(o.value(QStringLiteral("routes")), rp)) {
            allowRoutes(r, *times, rp, routes);
            for (auto it = times->begin(); it != times->end(); ++it)
                v.routeServiceTime.insert(
                    it.key(), readServiceTime(r, it.value(), JsonReader::member(rp, it.key()),
                                              v.serviceTime));
        }
    }
    c.coldStart =
        ms(r.number(o, path, QStringLiteral("coldStartMs"), toMs(c.coldStart), 0, 600000));
    c.version = r.string(o, path, QStringLiteral("version"), c.version);
    v.errorPercent = r.number(o, path, QStringLiteral("errorPercent"), v.errorPercent, 0, 100);
    v.errorStatus = r.integer(o, path, QStringLiteral("errorStatus"), v.errorStatus, 400, 599);
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

// The sections of a scenario file, one reader each, in the order parse()
// reads them: the timeline reads the deployment (a rolling update starts
// from it), so "services" comes before it. Each asks the scenario, never a
// list of its own, what is a service, a caller or a route.

// $: title, lesson, duration and seed. False when the duration could not be
// read (the checks against it are then left out).
bool readMeta(JsonReader &r, const QJsonObject &root, Scenario &s)
{
    const QString $ = QStringLiteral("$");
    s.title = r.string(root, $, QStringLiteral("title"), QString(), true);
    s.lesson = r.string(root, $, QStringLiteral("lesson"), QString());
    const qsizetype errorsBeforeDuration = r.errors().size();
    s.duration = r.number(root, $, QStringLiteral("duration"), 30, 1, 86400, true);
    const bool durationOk = r.errors().size() == errorsBeforeDuration;
    s.seed = quint64(r.number(root, $, QStringLiteral("seed"), 1, 0, 9007199254740991.0));
    s.load.seed = s.seed;
    // One request in N from the users' side traced (0: none); see Platform::sampleTrace().
    s.platform.traceSampleEvery = int(
        r.number(root, $, QStringLiteral("traceSample"), s.platform.traceSampleEvery, 0, 1000000));
    return durationOk;
}

// $.architecture: an object, or the path of a file holding one (relative to
// baseDir). False when it could not be read: nothing else can be checked
// against it then.
bool readArchitecture(JsonReader &r, const QJsonValue &v, const QString &baseDir, Scenario &s)
{
    const QString p = QStringLiteral("$.architecture");
    const Architecture::Readers readers{[](JsonReader &r, const QJsonObject &o, const QString &path,
                                           const QString &service, ServiceConfig &c) {
                                            // A shop service's route service times name its own
                                            // routes.
                                            QStringList routes;
                                            const Architecture shop = Architecture::shop();
                                            if (const ServiceSpec *spec = shop.service(service))
                                                for (const RouteSpec &route : spec->routeSpecs())
                                                    routes << route.key();
                                            readService(r, o, path, routes, c);
                                        },
                                        readServiceTime};
    if (!v.isString() && !v.isObject()) {
        r.error(p, QStringLiteral("an architecture object, or the path of a JSON file holding one"),
                v);
        return false;
    }
    if (!v.isString()) {
        std::optional<Architecture> a = Architecture::read(r, v, p, readers);
        if (a)
            s.architecture = std::move(*a);
        return a.has_value();
    }
    // A file: its messages name it, and their paths are inside it.
    const QString name = v.toString();
    const QString path = QDir(baseDir.isEmpty() ? QDir::currentPath() : baseDir).filePath(name);
    QFile file(path);
    const QFileInfo info(path);
    if (!info.isFile() || !file.open(QIODevice::ReadOnly)) {
        r.error(p,
                QStringLiteral("an architecture object, or the path of a readable JSON file "
                               "(%1: %2)")
                    .arg(QDir::cleanPath(path), !info.exists() ? QStringLiteral("no such file")
                                                : !info.isFile()
                                                    ? QStringLiteral("not a regular file")
                                                    : file.errorString()),
                v);
        return false;
    }
    const QByteArray json = file.read(Scenario::MaxFileBytes + 1);
    if (json.size() > Scenario::MaxFileBytes) {
        r.fail(p, QStringLiteral("%1 is larger than an architecture may be (4 MiB)")
                      .arg(QDir::cleanPath(path)));
        return false;
    }
    const JsonReader::Scan scan = JsonReader::scan(json);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    const QString where = QStringLiteral("%1 (%2)").arg(p, QDir::cleanPath(path));
    if (parseError.error != QJsonParseError::NoError) {
        r.fail(where, QStringLiteral("not valid JSON at byte %1: %2")
                          .arg(parseError.offset)
                          .arg(parseError.errorString()));
        return false;
    }
    for (const QString &d : scan.duplicates)
        r.fail(where, d);
    JsonReader inner;
    std::optional<Architecture> a = Architecture::read(
        inner, doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()),
        QStringLiteral("$"), readers);
    for (const QString &e : inner.errors())
        r.fail(where, e);
    if (a && scan.duplicates.isEmpty())
        s.architecture = std::move(*a);
    return a.has_value() && scan.duplicates.isEmpty();
}

// $.services: each service's deployment, over the defaults.
// $.services.product.restock: the product service's restocking rule.
RestockRule readRestock(JsonReader &r, const QJsonValue &v, const QString &path)
{
    RestockRule rule;
    const auto o = r.object(v, path);
    if (!o)
        return rule;
    r.allowKeys(*o, path,
                {QStringLiteral("everySeconds"), QStringLiteral("belowStock"),
                 QStringLiteral("upToStock")});
    rule.every = ms(1000 * r.number(*o, path, QStringLiteral("everySeconds"), 5, 0.1, 3600));
    rule.below = r.integer(*o, path, QStringLiteral("belowStock"), 10, 1, 1'000'000'000);
    rule.upTo = r.integer(*o, path, QStringLiteral("upToStock"), 100, 1, 1'000'000'000);
    if (rule.upTo < rule.below)
        r.fail(JsonReader::join(path, QStringLiteral("upToStock")),
               QStringLiteral("must be at least belowStock (%1), found %2")
                   .arg(rule.below)
                   .arg(rule.upTo));
    return rule;
}

void readServices(JsonReader &r, const QJsonValue &v, Scenario &s)
{
    const QString p = QStringLiteral("$.services");
    const auto services = r.object(v, p);
    if (!services)
        return;
    const QStringList names = s.serviceNames();
    r.allowKeys(*services, p, names);
    for (const QString &name : names) {
        if (!services->contains(name))
            continue;
        const QString path = JsonReader::join(p, name);
        // The product service alone as its deployable may restock.
        ServiceSpec *product = nullptr;
        for (ServiceSpec &spec : s.architecture.services)
            if (spec.name == name && spec.kind == ServiceSpec::Kind::Product &&
                s.architecture.deployableOf(name) == name)
                product = &spec;
        const QString restock = QStringLiteral("restock");
        if (auto o = r.object(services->value(name), path)) {
            readService(r, *o, path, s.routes(name), *s.serviceConfig(name),
                        product ? QStringList{restock} : QStringList{});
            if (product && o->contains(restock))
                product->restock =
                    readRestock(r, o->value(restock), JsonReader::join(path, restock));
        }
    }
}

// $.policies.edges: one policy per "caller>service" or "caller>*".
void readEdges(JsonReader &r, const QJsonValue &v, const QString &ep, Scenario &s)
{
    const auto edges = r.object(v, ep);
    if (!edges)
        return;
    const QStringList callers = s.callers();
    const QStringList services = s.serviceNames();
    for (auto it = edges->begin(); it != edges->end(); ++it) {
        const QString path = ep + QStringLiteral("[\"%1\"]").arg(it.key());
        const QStringList ends = it.key().split(QLatin1Char('>'));
        if (ends.size() != 2 || !callers.contains(ends[0]) ||
            !(services.contains(ends[1]) || ends[1] == QLatin1String("*"))) {
            r.fail(path, QStringLiteral("an edge is named \"caller>service\" "
                                        "(caller: %1; service: %2 or *)")
                             .arg(callers.join(QStringLiteral(", ")),
                                  services.join(QStringLiteral(", "))));
            continue;
        }
        EdgePolicy e;
        e.timeout = ends[0] == QLatin1String("users") ? s.platform.gatewayTimeout
                                                      : s.platform.clientTimeout;
        const bool users = ends[0] == QLatin1String("users");
        QStringList routes, internal;
        for (const QString &service : services)
            if (ends[1] == service || ends[1] == QLatin1String("*")) {
                routes << s.routes(service, users);
                internal << s.routes(service);
            }
        if (auto o = r.object(it.value(), path))
            readEdge(r, *o, path, routes, internal, e);
        s.edges[EntityKey::edge(ends[0], ends[1] == QLatin1String("*") ? QString() : ends[1])] = e;
    }
}

// $.policies: the gateway's rate limit and the edges' policies.
void readPolicies(JsonReader &r, const QJsonValue &v, Scenario &s)
{
    const QString p = QStringLiteral("$.policies");
    const auto policies = r.object(v, p);
    if (!policies)
        return;
    r.allowKeys(*policies, p, {QStringLiteral("rateLimit"), QStringLiteral("edges")});
    if (policies->contains(QStringLiteral("rateLimit"))) {
        const QString rp = JsonReader::join(p, QStringLiteral("rateLimit"));
        if (auto rl = r.object(policies->value(QStringLiteral("rateLimit")), rp)) {
            r.allowKeys(*rl, rp, {QStringLiteral("perSecond"), QStringLiteral("burst")});
            s.rateLimit = r.number(*rl, rp, QStringLiteral("perSecond"), 0, 0.1, 1e6, true);
            s.rateLimitBurst = r.number(*rl, rp, QStringLiteral("burst"), s.rateLimit, 1, 1e6);
        }
    }
    if (policies->contains(QStringLiteral("edges")))
        readEdges(r, policies->value(QStringLiteral("edges")),
                  JsonReader::join(p, QStringLiteral("edges")), s);
}

AutoscalerConfig readAutoscaler(JsonReader &r, const QJsonObject &o, const QString &path)
{
    r.allowKeys(o, path,
                {QStringLiteral("enabled"), QStringLiteral("metric"), QStringLiteral("target"),
                 QStringLiteral("minReplicas"), QStringLiteral("maxReplicas"),
                 QStringLiteral("tolerance"), QStringLiteral("syncPeriodMs"),
                 QStringLiteral("scaleUpStabilizationMs"),
                 QStringLiteral("scaleDownStabilizationMs"), QStringLiteral("behavior")});
    AutoscalerConfig c;
    c.enabled = r.boolean(o, path, QStringLiteral("enabled"), true);
    AutoscalerConfig::metricFromName(
        r.choice(o, path, QStringLiteral("metric"),
                 {QStringLiteral("utilization"), QStringLiteral("in-flight"),
                  QStringLiteral("p95-latency")},
                 QStringLiteral("utilization")),
        &c.metric);
    c.hpa.target = r.number(o, path, QStringLiteral("target"), 0, 0.001, 1e6, true);
    c.hpa.minReplicas = r.integer(o, path, QStringLiteral("minReplicas"), 1, 1, MaxReplicas);
    c.hpa.maxReplicas = r.integer(o, path, QStringLiteral("maxReplicas"), 10, 1, MaxReplicas);
    if (c.hpa.maxReplicas < c.hpa.minReplicas)
        r.fail(JsonReader::join(path, QStringLiteral("maxReplicas")),
               QStringLiteral("expected at least minReplicas (%1), found %2")
                   .arg(c.hpa.minReplicas)
                   .arg(c.hpa.maxReplicas));
    c.hpa.tolerance = r.number(o, path, QStringLiteral("tolerance"), c.hpa.tolerance, 0, 1);
    c.hpa.syncPeriod =
        ms(r.number(o, path, QStringLiteral("syncPeriodMs"), toMs(c.hpa.syncPeriod), 100, 3600000));
    c.hpa.scaleUpStabilization = ms(r.number(o, path, QStringLiteral("scaleUpStabilizationMs"),
                                             toMs(c.hpa.scaleUpStabilization), 0, 3600000));
    c.hpa.scaleDownStabilization = ms(r.number(o, path, QStringLiteral("scaleDownStabilizationMs"),
                                               toMs(c.hpa.scaleDownStabilization), 0, 3600000));
    if (o.contains(QStringLiteral("behavior")))
        readHpaBehavior(r, o.value(QStringLiteral("behavior")),
                        JsonReader::join(path, QStringLiteral("behavior")), c.hpa);
    return c;
}

// $.autoscaler: one HPA per service.
void readAutoscalers(JsonReader &r, const QJsonValue &v, Scenario &s)
{
    const QString p = QStringLiteral("$.autoscaler");
    const auto as = r.object(v, p);
    if (!as)
        return;
    const QStringList services = s.serviceNames();
    r.allowKeys(*as, p, services);
    for (auto it = as->begin(); it != as->end(); ++it) {
        const QString path = JsonReader::join(p, it.key());
        auto o = r.object(it.value(), path);
        if (!o || !services.contains(it.key()))
            continue;
        s.autoscalers[it.key()] = readAutoscaler(r, *o, path);
    }
}

// $.load.mix: the whole mix. A journey it does not name weighs 0, so at
// least one must weigh more than 0.
void readMix(JsonReader &r, const QJsonValue &v, const QString &mp, const QStringList &journeys,
             QMap<QString, double> &mix)
{
    const auto o = r.object(v, mp);
    if (!o)
        return;
    r.allowKeys(*o, mp, journeys);
    const qsizetype errorsBefore = r.errors().size();
    double total = 0;
    for (const QString &j : journeys)
        if (o->contains(j)) {
            mix.insert(j, r.number(*o, mp, j, 0, 0, 1e6));
            total += mix.value(j);
        }
    if (r.errors().size() == errorsBefore && !(total > 0))
        r.fail(mp, QStringLiteral("expected a weight above 0 for at least one journey, found "
                                  "none (a journey the mix does not name weighs 0; one of: %1)")
                       .arg(journeys.join(QStringLiteral(", "))));
}

void readProfile(JsonReader &r, const QJsonValue &v, const QString &pp, LoadProfile &f)
{
    const auto pr = r.object(v, pp);
    if (!pr)
        return;
    r.allowKeys(*pr, pp,
                {QStringLiteral("shape"), QStringLiteral("rate"), QStringLiteral("to"),
                 QStringLiteral("at"), QStringLiteral("duration"), QStringLiteral("amplitude"),
                 QStringLiteral("period")});
    LoadProfile::shapeFromName(
        r.choice(*pr, pp, QStringLiteral("shape"),
                 {QStringLiteral("constant"), QStringLiteral("ramp"), QStringLiteral("step"),
                  QStringLiteral("spike"), QStringLiteral("wave")},
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
}

// $.load: the load model, its profile and the journeys' mix.
void readLoad(JsonReader &r, const QJsonValue &v, Scenario &s)
{
    const QString p = QStringLiteral("$.load");
    const auto o = r.object(v, p);
    if (!o)
        return;
    r.allowKeys(*o, p,
                {QStringLiteral("model"), QStringLiteral("profile"), QStringLiteral("arrivals"),
                 QStringLiteral("users"), QStringLiteral("mix"), QStringLiteral("virtualUsers"),
                 QStringLiteral("spawnRate"), QStringLiteral("thinkTimeMs"),
                 QStringLiteral("maxInFlight")});
    LoadConfig &l = s.load;
    l.model =
        r.choice(*o, p, QStringLiteral("model"), {QStringLiteral("open"), QStringLiteral("closed")},
                 QStringLiteral("open")) == QLatin1String("open")
            ? LoadConfig::Model::Open
            : LoadConfig::Model::Closed;
    l.poisson = r.choice(*o, p, QStringLiteral("arrivals"),
                         {QStringLiteral("poisson"), QStringLiteral("uniform")},
                         QStringLiteral("poisson")) == QLatin1String("poisson");
    l.users = r.integer(*o, p, QStringLiteral("users"), l.users, 1, 1000000);
    l.virtualUsers = r.integer(*o, p, QStringLiteral("virtualUsers"), l.virtualUsers, 1, 100000);
    l.spawnRate = r.number(*o, p, QStringLiteral("spawnRate"), l.spawnRate, 0.01, 100000);
    l.thinkTimeMs = r.number(*o, p, QStringLiteral("thinkTimeMs"), l.thinkTimeMs, 0, 3600000);
    l.maxInFlight = r.integer(*o, p, QStringLiteral("maxInFlight"), l.maxInFlight, 1, 10000000);
    if (o->contains(QStringLiteral("mix")))
        readMix(r, o->value(QStringLiteral("mix")), JsonReader::join(p, QStringLiteral("mix")),
                s.architecture.journeyNames(), l.mix);
    if (o->contains(QStringLiteral("profile")))
        readProfile(r, o->value(QStringLiteral("profile")),
                    JsonReader::join(p, QStringLiteral("profile")), l.profile);
}

// The keys a timeline step of its kind takes, besides "at" and "action".
QStringList actionKeys(TimelineAction::Kind kind)
{
    using K = TimelineAction::Kind;
    switch (kind) {
    case K::KillReplica:
        return {QStringLiteral("replica")};
    case K::Scale:
        return {QStringLiteral("replicas")};
    case K::Latency:
        return {QStringLiteral("ms"), QStringLiteral("jitterMs"), QStringLiteral("percent")};
    case K::Errors:
        return {QStringLiteral("status"), QStringLiteral("percent")};
    case K::SlowDatabase:
        return {QStringLiteral("ms")};
    case K::RollingUpdate:
        return {QStringLiteral("version"),        QStringLiteral("serviceTime"),
                QStringLiteral("errorPercent"),   QStringLiteral("errorStatus"),
                QStringLiteral("maxUnavailable"), QStringLiteral("maxSurge"),
                QStringLiteral("minReadySeconds")};
    case K::ChaosMonkey:
        return {QStringLiteral("meanSecondsBetweenFailures"), QStringLiteral("restartDelayMs"),
                QStringLiteral("services"), QStringLiteral("wholeServicePercent")};
    case K::SetRate:
        return {QStringLiteral("rate")};
    case K::Breaker:
        return {QStringLiteral("state")};
    default:
        return {};
    }
}

void readRollingUpdate(JsonReader &r, const QJsonObject &o, const QString &path, const Scenario &s,
                       TimelineAction &a)
{
    // The new version starts from what the deployment's version does.
    const ServiceConfig *deployed = s.serviceConfig(a.service);
    const VersionProfile base = deployed ? deployed->profile : VersionProfile{};
    a.update.version = r.string(o, path, QStringLiteral("version"), QString(), true);
    a.update.profile = base;
    if (o.contains(QStringLiteral("serviceTime")))
        a.update.profile.serviceTime = readServiceTime(
            r, o.value(QStringLiteral("serviceTime")),
            JsonReader::join(path, QStringLiteral("serviceTime")), base.serviceTime);
    a.update.profile.errorPercent = r.number(o, path, QStringLiteral("errorPercent"), 0, 0, 100);
    a.update.profile.errorStatus = r.integer(o, path, QStringLiteral("errorStatus"), 500, 400, 599);
    a.update.maxUnavailable =
        r.integer(o, path, QStringLiteral("maxUnavailable"), 0, 0, MaxReplicas);
    a.update.maxSurge = r.integer(o, path, QStringLiteral("maxSurge"), 1, 0, MaxReplicas);
    a.update.minReadySeconds = r.number(o, path, QStringLiteral("minReadySeconds"), 0, 0, 3600);
    if (a.update.maxUnavailable == 0 && a.update.maxSurge == 0)
        r.fail(path, QStringLiteral("maxUnavailable and maxSurge cannot both be 0 "
                                    "(the update could never progress)"));
}

void readChaosMonkey(JsonReader &r, const QJsonObject &o, const QString &path, const Scenario &s,
                     TimelineAction &a)
{
    a.monkey.seed = s.seed;
    a.monkey.meanSecondsBetweenFailures =
        r.number(o, path, QStringLiteral("meanSecondsBetweenFailures"), 5, 0.1, 86400);
    a.monkey.restartDelay =
        ms(r.number(o, path, QStringLiteral("restartDelayMs"), 2000, 0, 3600000));
    a.monkey.wholeServicePercent =
        r.number(o, path, QStringLiteral("wholeServicePercent"), 25, 0, 100);
    if (!o.contains(QStringLiteral("services")))
        return;
    const QString sp = JsonReader::join(path, QStringLiteral("services"));
    const auto names = r.array(o.value(QStringLiteral("services")), sp);
    if (!names)
        return;
    const QStringList services = s.serviceNames();
    for (int k = 0; k < names->size(); ++k) {
        if (!names->at(k).isString() || !services.contains(names->at(k).toString()))
            r.error(QStringLiteral("%1[%2]").arg(sp).arg(k),
                    QStringLiteral("one of %1").arg(services.join(QStringLiteral(", "))),
                    names->at(k));
        else
            a.monkey.services << names->at(k).toString();
    }
}

// One step of $.timeline, or nothing when its action could not be read.
std::optional<TimelineAction> readAction(JsonReader &r, const QJsonObject &o, const QString &path,
                                         const Scenario &s)
{
    TimelineAction a;
    a.at = r.number(o, path, QStringLiteral("at"), 0, 0, 86400, true);
    const QString kind =
        r.choice(o, path, QStringLiteral("action"), TimelineAction::kindNames(), QString(), true);
    if (kind.isEmpty())
        return std::nullopt;
    a.kind = TimelineAction::Kind(TimelineAction::kindNames().indexOf(kind));
    using K = TimelineAction::Kind;
    QStringList allowed{QStringLiteral("at"), QStringLiteral("action")};
    const bool linkable = a.kind == K::Latency || a.kind == K::Errors || a.kind == K::ClearFaults ||
                          a.kind == K::Breaker;
    const bool needsService =
        a.kind == K::Kill || a.kind == K::KillReplica || a.kind == K::Restart ||
        a.kind == K::Scale || a.kind == K::SlowDatabase || a.kind == K::LockDatabase ||
        a.kind == K::UnlockDatabase || a.kind == K::RollingUpdate || a.kind == K::BlockWrites ||
        a.kind == K::UnblockWrites || a.kind == K::LockFile || a.kind == K::UnlockFile;
    const bool needsLink = a.kind == K::Partition || a.kind == K::Breaker;
    if (needsService || (linkable && !needsLink))
        allowed << QStringLiteral("service");
    if (linkable || needsLink)
        allowed << QStringLiteral("from") << QStringLiteral("to");
    allowed << actionKeys(a.kind);
    r.allowKeys(o, path, allowed);
    // A service inside a monolith may be named: the action acts on the
    // deployable it runs in, as it would for real.
    QStringList targets = s.serviceNames();
    for (const QString &m : s.moduleNames())
        if (!targets.contains(m))
            targets << m;
    if (allowed.contains(QStringLiteral("service")))
        a.service = s.architecture.deployableOf(
            r.choice(o, path, QStringLiteral("service"), targets, QString(), needsService));
    if (allowed.contains(QStringLiteral("from"))) {
        a.from = r.choice(o, path, QStringLiteral("from"), s.callers(), QString(), needsLink);
        a.to = r.choice(o, path, QStringLiteral("to"), s.serviceNames(), QString(),
                        needsLink || !a.from.isEmpty());
    }
    if (linkable && !needsLink && a.service.isEmpty() && a.from.isEmpty() &&
        a.kind != K::ClearFaults)
        r.fail(path, QStringLiteral("needs \"service\", or \"from\" and \"to\" for a link"));
    if (!a.service.isEmpty() && !a.from.isEmpty())
        r.fail(path, QStringLiteral("names a service and a link; give one of them"));
    a.fault = readFault(r, o, path, a.kind);
    a.replica =
        r.integer(o, path, QStringLiteral("replica"), 1, 1, MaxReplicas, a.kind == K::KillReplica);
    a.replicas =
        r.integer(o, path, QStringLiteral("replicas"), 1, 1, MaxReplicas, a.kind == K::Scale);
    a.rate = r.number(o, path, QStringLiteral("rate"), 0, 0, 100000, a.kind == K::SetRate);
    if (a.kind == K::Breaker)
        a.breakerState = breakerStateFromName(r.choice(o, path, QStringLiteral("state"),
                                                       {breakerStateName(BreakerState::Closed),
                                                        breakerStateName(BreakerState::Disabled),
                                                        breakerStateName(BreakerState::ForcedOpen)},
                                                       QString(), true))
                             .value_or(BreakerState::None);
    if (a.kind == K::RollingUpdate)
        readRollingUpdate(r, o, path, s, a);
    if (a.kind == K::ChaosMonkey)
        readChaosMonkey(r, o, path, s, a);
    return a;
}

// $.timeline: its steps, played sorted by time (each keeps its place in the file).
void readTimeline(JsonReader &r, const QJsonValue &v, Scenario &s)
{
    const QString p = QStringLiteral("$.timeline");
    const auto list = r.array(v, p);
    if (!list)
        return;
    for (int i = 0; i < list->size(); ++i) {
        const QString path = QStringLiteral("%1[%2]").arg(p).arg(i);
        auto o = r.object(list->at(i), path);
        if (!o)
            continue;
        if (auto a = readAction(r, *o, path, s)) {
            a->fileIndex = i;
            s.timeline.append(*a);
        }
    }
    std::stable_sort(s.timeline.begin(), s.timeline.end(),
                     [](const TimelineAction &a, const TimelineAction &b) { return a.at < b.at; });
}

// The entity of an expectation (ep its path): the gateway, the client, a
// service, an edge between a caller and a service, or a route of a service.
void checkEntity(JsonReader &r, const QString &entity, const QString &ep, const Scenario &s)
{
    const QStringList services = s.serviceNames();
    // A monolith's module is measured by its routes (the gateway counts them apart).
    QStringList measured = services;
    for (const QString &m : s.moduleNames())
        if (!measured.contains(m))
            measured << m;
    const QString caller = entity.section(QLatin1Char('>'), 0, 0);
    const QString callee = entity.section(QLatin1Char('>'), 1);
    const bool edge = entity.contains(QLatin1Char('>')) && s.callers().contains(caller) &&
                      services.contains(callee);
    const std::optional<EntityKey> named = EntityKey::fromName(entity);
    const bool route = named && named->isRoute();
    const bool known = entity == QLatin1String("gateway") || entity == QLatin1String("client") ||
                       measured.contains(entity) || route || edge;
    if (!known) {
        // Examples from this architecture: its first call, its first route.
        const auto calls = s.architecture.calls();
        const QString anEdge = calls.isEmpty()
                                   ? QStringLiteral("users>%1").arg(services.value(0))
                                   : calls.first().first + QLatin1Char('>') + calls.first().second;
        const QStringList routes = s.routes(services.value(0));
        r.error(ep,
                QStringLiteral("gateway, client, a service (%1), an edge like \"%2\" or "
                               "\"route:%3:%4\"")
                    .arg(measured.join(QStringLiteral(", ")), anEdge, services.value(0),
                         routes.value(0)),
                QJsonValue(entity));
    }
    if (edge && caller == callee)
        r.fail(ep, QStringLiteral("a service does not call itself, found \"%1\"").arg(entity));
    if (route) {
        // route:<service>:<method> <pattern>, as the gateway names them.
        const QString &service = named->service();
        QStringList valid;
        for (const QString &name : services)
            if (name == service || !services.contains(service))
                for (const QString &key : s.routes(name))
                    valid << EntityKey::route(name, key).name();
        if (!valid.contains(entity))
            r.fail(ep, QStringLiteral("unknown route \"%1\" (expected one of: %2)")
                           .arg(entity, valid.join(QStringLiteral(", "))));
    }
}

Expectation readExpectation(JsonReader &r, const QJsonObject &o, const QString &path,
                            const Scenario &s)
{
    r.allowKeys(o, path,
                {QStringLiteral("metric"), QStringLiteral("entity"), QStringLiteral("op"),
                 QStringLiteral("value"), QStringLiteral("from"), QStringLiteral("to")});
    Expectation e;
    const QString metric =
        r.choice(o, path, QStringLiteral("metric"), expectationMetricNames(), QString(), true);
    e.metric = expectationMetricFromName(metric).value_or(ExpectationMetric::SuccessRate);
    const ExpectationMetricInfo &info = expectationMetric(e.metric);
    const bool global = info.scope == MetricScope::WholeRun;
    const QString ep = JsonReader::join(path, QStringLiteral("entity"));
    e.entity =
        r.string(o, path, QStringLiteral("entity"), global ? QString() : QStringLiteral("gateway"));
    if (global && !e.entity.isEmpty())
        r.fail(ep, QStringLiteral("%1 is about the whole shop; it takes no entity, found \"%2\"")
                       .arg(metric, e.entity));
    if (!e.entity.isEmpty() && !global)
        checkEntity(r, e.entity, ep, s);
    e.op = r.choice(o, path, QStringLiteral("op"), Ops, QStringLiteral(">="));
    e.value = r.number(o, path, QStringLiteral("value"), 0, -1e12, 1e12, !info.yesNo);
    e.from = r.number(o, path, QStringLiteral("from"), -1, 0, 86400);
    e.to = r.number(o, path, QStringLiteral("to"), -1, 0, 86400);
    if (e.from >= 0 && e.to >= 0 && e.to <= e.from)
        r.fail(
            JsonReader::join(path, QStringLiteral("to")),
            QStringLiteral("expected a time after \"from\" (%1), found %2").arg(e.from).arg(e.to));
    if (info.scope == MetricScope::EdgeCounter && !e.entity.contains(QLatin1Char('>')))
        r.fail(ep, QStringLiteral("%1 are counted per edge, e.g. \"users>product\"").arg(metric));
    if (info.scope != MetricScope::Window &&
        (o.contains(QStringLiteral("from")) || o.contains(QStringLiteral("to"))))
        r.fail(path, QStringLiteral("%1 is counted over the whole run; it takes no "
                                    "\"from\" or \"to\"")
                         .arg(metric));
    return e;
}

// $.expect: the steady-state hypotheses.
void readExpectations(JsonReader &r, const QJsonValue &v, Scenario &s)
{
    const QString p = QStringLiteral("$.expect");
    const auto list = r.array(v, p);
    if (!list)
        return;
    for (int i = 0; i < list->size(); ++i) {
        const QString path = QStringLiteral("%1[%2]").arg(p).arg(i);
        auto o = r.object(list->at(i), path);
        if (!o)
            continue;
        Expectation e = readExpectation(r, *o, path, s);
        e.fileIndex = i;
        s.expectations.append(e);
    }
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
        return QStringLiteral("breaker %1 → %2").arg(target, breakerStateName(breakerState));
    }
    return {};
}

QString Expectation::describe() const
{
    const QString name = expectationMetricName(metric);
    QString s = entity.isEmpty() ? name : QStringLiteral("%1 %2").arg(entity, name);
    if (!expectationMetric(metric).yesNo)
        s += QStringLiteral(" %1 %2").arg(op).arg(value);
    if (to >= 0)
        s += QStringLiteral(" between %1 s and %2 s").arg(std::max(0.0, from)).arg(to);
    else if (from >= 0)
        s += QStringLiteral(" from %1 s to the end").arg(from);
    return s;
}

QStringList Scenario::serviceNames() const
{
    return architecture.deployables();
}

QStringList Scenario::moduleNames() const
{
    QStringList out;
    for (const ServiceSpec &s : architecture.services)
        out << s.name;
    return out;
}

QStringList Scenario::callers() const
{
    return QStringList{QStringLiteral("users")} + serviceNames();
}

QStringList Scenario::routes(const QString &service, bool publicOnly) const
{
    // From the services themselves. Users reach only the public routes; the
    // internal ones are for the other services.
    QStringList keys;
    for (const QString &module : architecture.modulesOf(service))
        for (const RouteSpec &spec : architecture.service(module)->routeSpecs())
            if (!publicOnly || !spec.internal)
                keys << spec.key();
    return keys;
}

ServiceConfig *Scenario::serviceConfig(const QString &service)
{
    return architecture.configOf(service);
}

const ServiceConfig *Scenario::serviceConfig(const QString &service) const
{
    return architecture.configOf(service);
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
    return parse(json, errors, info.absolutePath());
}

std::optional<Scenario> Scenario::parse(const QByteArray &json, QStringList *errors,
                                        const QString &baseDir)
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
    r.allowKeys(*root, QStringLiteral("$"),
                {QStringLiteral("title"), QStringLiteral("lesson"), QStringLiteral("duration"),
                 QStringLiteral("seed"), QStringLiteral("services"), QStringLiteral("policies"),
                 QStringLiteral("autoscaler"), QStringLiteral("load"), QStringLiteral("timeline"),
                 QStringLiteral("expect"), QStringLiteral("architecture"),
                 QStringLiteral("traceSample")});
    const bool durationOk = readMeta(r, *root, s);
    // The architecture first: every other section names its services.
    if (root->contains(QStringLiteral("architecture")) &&
        !readArchitecture(r, root->value(QStringLiteral("architecture")), baseDir, s)) {
        *errors << scan.duplicates << r.errors();
        return std::nullopt;
    }
    using Section = void (*)(JsonReader &, const QJsonValue &, Scenario &);
    const std::pair<QString, Section> sections[] = {{QStringLiteral("services"), readServices},
                                                    {QStringLiteral("policies"), readPolicies},
                                                    {QStringLiteral("autoscaler"), readAutoscalers},
                                                    {QStringLiteral("load"), readLoad},
                                                    {QStringLiteral("timeline"), readTimeline},
                                                    {QStringLiteral("expect"), readExpectations}};
    for (const auto &[key, read] : sections)
        if (root->contains(key))
            read(r, root->value(key), s);

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
        if (key.service().isEmpty())
            platform.gateway().setPolicy(key.caller(), QString(), policy);
    for (const auto &[key, policy] : edges)
        if (!key.service().isEmpty())
            platform.gateway().setPolicy(key.caller(), key.service(), policy);
    platform.gateway().setRateLimit(rateLimit, rateLimitBurst);
    for (const auto &[service, config] : autoscalers)
        platform.setAutoscaler(service, config);
}

} // namespace microcosm
