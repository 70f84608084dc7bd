#include "scenariowriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace microcosm {

namespace {

double msOf(Duration d)
{
    return toMs(d);
}

QJsonObject serviceTimeJson(const ServiceTime &t)
{
    return {{QStringLiteral("distribution"), ServiceTime::kindName(t.kind)},
            {QStringLiteral("meanMs"), t.meanMs},
            {QStringLiteral("sigma"), t.sigma}};
}

QJsonObject serviceJson(const ServiceConfig &c)
{
    const VersionProfile &v = c.profile;
    QJsonObject o{{QStringLiteral("replicas"), c.replicas},
                  {QStringLiteral("workers"), c.workers},
                  {QStringLiteral("queue"), c.queueCapacity},
                  {QStringLiteral("serviceTime"), serviceTimeJson(v.serviceTime)},
                  {QStringLiteral("coldStartMs"), msOf(c.coldStart)},
                  {QStringLiteral("version"), c.version},
                  {QStringLiteral("loadBalancing"), LoadBalancer::strategyName(c.balancing)},
                  {QStringLiteral("errorPercent"), v.errorPercent},
                  {QStringLiteral("errorStatus"), v.errorStatus}};
    if (!v.routeServiceTime.isEmpty()) {
        QJsonObject routes;
        for (auto it = v.routeServiceTime.begin(); it != v.routeServiceTime.end(); ++it)
            routes.insert(it.key(), serviceTimeJson(it.value()));
        o.insert(QStringLiteral("routes"), routes);
    }
    QJsonObject health{{QStringLiteral("probeFailureThreshold"), c.health.probeFailureThreshold}};
    // Zero: the platform's probe period (the file can only name a period of its own).
    if (c.health.probePeriod > Duration::zero())
        health.insert(QStringLiteral("probePeriodMs"), msOf(c.health.probePeriod));
    if (c.health.outlierDetectionEnabled) {
        const OutlierDetectionConfig &d = c.health.outlier;
        health.insert(QStringLiteral("outlierDetection"),
                      QJsonObject{{QStringLiteral("consecutive5xx"), d.consecutive5xx},
                                  {QStringLiteral("intervalMs"), msOf(d.interval)},
                                  {QStringLiteral("baseEjectionMs"), msOf(d.baseEjectionTime)},
                                  {QStringLiteral("maxEjectionMs"), msOf(d.maxEjectionTime)},
                                  {QStringLiteral("maxEjectionPercent"), d.maxEjectionPercent}});
    }
    o.insert(QStringLiteral("health"), health);
    return o;
}

bool sameBreaker(const CircuitBreakerConfig &a, const CircuitBreakerConfig &b)
{
    return a.slidingWindowType == b.slidingWindowType &&
           a.slidingWindowSize == b.slidingWindowSize &&
           a.minimumNumberOfCalls == b.minimumNumberOfCalls &&
           a.failureRateThreshold == b.failureRateThreshold &&
           a.slowCallRateThreshold == b.slowCallRateThreshold &&
           a.slowCallDurationThreshold == b.slowCallDurationThreshold &&
           a.waitDurationInOpenState == b.waitDurationInOpenState &&
           a.permittedNumberOfCallsInHalfOpenState == b.permittedNumberOfCallsInHalfOpenState;
}

// The preset a breaker is, by the name the reader and the GUI give it
// ("demo", "defaults"), or empty for one of its own.
QString breakerPreset(const CircuitBreakerConfig &b)
{
    if (sameBreaker(b, CircuitBreakerConfig::demo()))
        return QStringLiteral("demo");
    if (sameBreaker(b, CircuitBreakerConfig{}))
        return QStringLiteral("defaults");
    return {};
}

// Every field is written, so the breaker reads back the same whatever the
// preset (the reader starts from the preset, "demo" when none is named).
QJsonObject breakerJson(const CircuitBreakerConfig &b)
{
    using W = CircuitBreakerConfig::SlidingWindowType;
    QJsonObject o{
        {QStringLiteral("slidingWindowType"), b.slidingWindowType == W::COUNT_BASED
                                                  ? QStringLiteral("COUNT_BASED")
                                                  : QStringLiteral("TIME_BASED")},
        {QStringLiteral("slidingWindowSize"), b.slidingWindowSize},
        {QStringLiteral("minimumNumberOfCalls"), b.minimumNumberOfCalls},
        {QStringLiteral("failureRateThreshold"), b.failureRateThreshold},
        {QStringLiteral("slowCallRateThreshold"), b.slowCallRateThreshold},
        {QStringLiteral("slowCallDurationThresholdMs"), msOf(b.slowCallDurationThreshold)},
        {QStringLiteral("waitDurationInOpenStateMs"), msOf(b.waitDurationInOpenState)},
        {QStringLiteral("permittedNumberOfCallsInHalfOpenState"),
         b.permittedNumberOfCallsInHalfOpenState}};
    if (const QString preset = breakerPreset(b); !preset.isEmpty())
        o.insert(QStringLiteral("preset"), preset);
    return o;
}

QJsonObject edgeJson(const EdgePolicy &e)
{
    QJsonObject o{{QStringLiteral("timeoutMs"), msOf(e.timeout)},
                  {QStringLiteral("perTryTimeoutMs"), msOf(e.perTryTimeout)},
                  {QStringLiteral("bulkhead"), e.bulkheadMaxConcurrentCalls},
                  {QStringLiteral("fallback"), e.fallbackEnabled}};
    if (!e.routeTimeouts.isEmpty()) {
        QJsonObject routes;
        for (auto it = e.routeTimeouts.begin(); it != e.routeTimeouts.end(); ++it)
            routes.insert(it.key(), msOf(it.value()));
        o.insert(QStringLiteral("routeTimeoutsMs"), routes);
    }
    if (e.retryEnabled) {
        QJsonObject r{{QStringLiteral("enabled"), true},
                      {QStringLiteral("maxAttempts"), e.retry.maxAttempts},
                      {QStringLiteral("initialBackoffMs"), msOf(e.retry.initialBackoff)},
                      {QStringLiteral("multiplier"), e.retry.multiplier},
                      {QStringLiteral("maxBackoffMs"), msOf(e.retry.maxBackoff)},
                      {QStringLiteral("randomizationFactor"), e.retry.randomizationFactor},
                      {QStringLiteral("minRetryConcurrency"), e.minRetryConcurrency}};
        if (e.retryBudgetEnabled)
            r.insert(QStringLiteral("budgetPercent"), e.retryBudgetPercent);
        o.insert(QStringLiteral("retry"), r);
    }
    if (e.breakerEnabled)
        o.insert(QStringLiteral("circuitBreaker"), breakerJson(e.breaker));
    return o;
}

// behavior as in autoscaling/v2; the windows are written as the *Ms keys.
QJsonObject scalingRulesJson(const HpaScalingRules &rules)
{
    QJsonArray policies;
    for (const HpaScalingPolicy &p : rules.policies)
        policies.append(QJsonObject{{QStringLiteral("type"), HpaScalingPolicy::typeName(p.type)},
                                    {QStringLiteral("value"), p.value},
                                    {QStringLiteral("periodSeconds"), msOf(p.period) / 1000.0}});
    return {{QStringLiteral("selectPolicy"), HpaScalingRules::selectPolicyName(rules.selectPolicy)},
            {QStringLiteral("policies"), policies}};
}

QJsonObject autoscalerJson(const AutoscalerConfig &c)
{
    return {{QStringLiteral("behavior"),
             QJsonObject{{QStringLiteral("scaleUp"), scalingRulesJson(c.hpa.scaleUp)},
                         {QStringLiteral("scaleDown"), scalingRulesJson(c.hpa.scaleDown)}}},
            {QStringLiteral("enabled"), c.enabled},
            {QStringLiteral("metric"), AutoscalerConfig::metricName(c.metric)},
            {QStringLiteral("target"), c.hpa.target},
            {QStringLiteral("minReplicas"), c.hpa.minReplicas},
            {QStringLiteral("maxReplicas"), c.hpa.maxReplicas},
            {QStringLiteral("tolerance"), c.hpa.tolerance},
            {QStringLiteral("syncPeriodMs"), msOf(c.hpa.syncPeriod)},
            {QStringLiteral("scaleUpStabilizationMs"), msOf(c.hpa.scaleUpStabilization)},
            {QStringLiteral("scaleDownStabilizationMs"), msOf(c.hpa.scaleDownStabilization)}};
}

QJsonObject loadJson(const LoadConfig &l)
{
    const LoadProfile &p = l.profile;
    QJsonObject o{{QStringLiteral("model"), l.model == LoadConfig::Model::Open
                                                ? QStringLiteral("open")
                                                : QStringLiteral("closed")},
                  {QStringLiteral("arrivals"),
                   l.poisson ? QStringLiteral("poisson") : QStringLiteral("uniform")},
                  {QStringLiteral("users"), l.users},
                  {QStringLiteral("virtualUsers"), l.virtualUsers},
                  {QStringLiteral("spawnRate"), l.spawnRate},
                  {QStringLiteral("thinkTimeMs"), l.thinkTimeMs},
                  {QStringLiteral("maxInFlight"), l.maxInFlight},
                  {QStringLiteral("profile"),
                   QJsonObject{{QStringLiteral("shape"), LoadProfile::shapeName(p.shape)},
                               {QStringLiteral("rate"), p.rate},
                               {QStringLiteral("to"), p.to},
                               {QStringLiteral("at"), p.at},
                               {QStringLiteral("duration"), p.duration},
                               {QStringLiteral("amplitude"), p.amplitude},
                               {QStringLiteral("period"), p.period}}}};
    if (!l.mix.isEmpty()) {
        QJsonObject mix;
        for (auto it = l.mix.begin(); it != l.mix.end(); ++it)
            mix.insert(it.key(), it.value());
        o.insert(QStringLiteral("mix"), mix);
    }
    return o;
}

QJsonObject actionJson(const TimelineAction &a)
{
    using K = TimelineAction::Kind;
    QJsonObject o{{QStringLiteral("at"), a.at},
                  {QStringLiteral("action"), TimelineAction::kindName(a.kind)}};
    if (!a.service.isEmpty())
        o.insert(QStringLiteral("service"), a.service);
    if (!a.from.isEmpty()) {
        o.insert(QStringLiteral("from"), a.from);
        o.insert(QStringLiteral("to"), a.to);
    }
    switch (a.kind) {
    case K::KillReplica:
        o.insert(QStringLiteral("replica"), a.replica);
        break;
    case K::Scale:
        o.insert(QStringLiteral("replicas"), a.replicas);
        break;
    case K::Latency:
        o.insert(QStringLiteral("ms"), a.fault.latencyMs);
        o.insert(QStringLiteral("jitterMs"), a.fault.jitterMs);
        o.insert(QStringLiteral("percent"), a.fault.latencyPercent);
        break;
    case K::Errors:
        o.insert(QStringLiteral("status"), a.fault.errorStatus);
        o.insert(QStringLiteral("percent"), a.fault.errorPercent);
        break;
    case K::SlowDatabase:
        o.insert(QStringLiteral("ms"), a.fault.dbDelayMs);
        break;
    case K::RollingUpdate:
        o.insert(QStringLiteral("version"), a.update.version);
        o.insert(QStringLiteral("serviceTime"), serviceTimeJson(a.update.profile.serviceTime));
        o.insert(QStringLiteral("errorPercent"), a.update.profile.errorPercent);
        o.insert(QStringLiteral("errorStatus"), a.update.profile.errorStatus);
        o.insert(QStringLiteral("maxUnavailable"), a.update.maxUnavailable);
        o.insert(QStringLiteral("maxSurge"), a.update.maxSurge);
        o.insert(QStringLiteral("minReadySeconds"), a.update.minReadySeconds);
        break;
    case K::ChaosMonkey:
        o.insert(QStringLiteral("meanSecondsBetweenFailures"), a.monkey.meanSecondsBetweenFailures);
        o.insert(QStringLiteral("restartDelayMs"), msOf(a.monkey.restartDelay));
        o.insert(QStringLiteral("wholeServicePercent"), a.monkey.wholeServicePercent);
        if (!a.monkey.services.isEmpty())
            o.insert(QStringLiteral("services"), QJsonArray::fromStringList(a.monkey.services));
        break;
    case K::SetRate:
        o.insert(QStringLiteral("rate"), a.rate);
        break;
    case K::Breaker:
        o.insert(QStringLiteral("state"), breakerStateName(a.breakerState));
        break;
    default:
        break;
    }
    return o;
}

QJsonObject expectationJson(const Expectation &e)
{
    QJsonObject o{{QStringLiteral("metric"), expectationMetricName(e.metric)},
                  {QStringLiteral("op"), e.op},
                  {QStringLiteral("value"), e.value}};
    if (!e.entity.isEmpty())
        o.insert(QStringLiteral("entity"), e.entity);
    if (e.from >= 0)
        o.insert(QStringLiteral("from"), e.from);
    if (e.to >= 0)
        o.insert(QStringLiteral("to"), e.to);
    return o;
}

} // namespace

QJsonObject scenarioToJson(const Scenario &s)
{
    QJsonObject root{{QStringLiteral("title"), s.title},
                     {QStringLiteral("lesson"), s.lesson},
                     {QStringLiteral("duration"), s.duration},
                     {QStringLiteral("seed"), double(s.seed)}};
    if (!s.architecture.isShop())
        root.insert(QStringLiteral("architecture"),
                    s.architecture.toJson(serviceJson, serviceTimeJson));
    QJsonObject services;
    for (const QString &name : s.serviceNames()) {
        QJsonObject o = serviceJson(*s.serviceConfig(name));
        const ServiceSpec *spec = s.architecture.service(name);
        if (spec && spec->kind == ServiceSpec::Kind::Product && spec->restock.enabled())
            o.insert(QStringLiteral("restock"),
                     QJsonObject{{QStringLiteral("everySeconds"),
                                  std::chrono::duration<double>(spec->restock.every).count()},
                                 {QStringLiteral("belowStock"), double(spec->restock.below)},
                                 {QStringLiteral("upToStock"), double(spec->restock.upTo)}});
        services.insert(name, o);
    }
    root.insert(QStringLiteral("services"), services);
    QJsonObject policies;
    if (s.rateLimit > 0)
        policies.insert(QStringLiteral("rateLimit"),
                        QJsonObject{{QStringLiteral("perSecond"), s.rateLimit},
                                    {QStringLiteral("burst"), std::max(1.0, s.rateLimitBurst)}});
    if (!s.edges.empty()) {
        QJsonObject edges;
        for (const auto &[key, policy] : s.edges)
            edges.insert(edgeKey(key.caller(), key.service()), edgeJson(policy));
        policies.insert(QStringLiteral("edges"), edges);
    }
    if (!policies.isEmpty())
        root.insert(QStringLiteral("policies"), policies);
    if (!s.autoscalers.empty()) {
        QJsonObject as;
        for (const auto &[service, config] : s.autoscalers)
            as.insert(service, autoscalerJson(config));
        root.insert(QStringLiteral("autoscaler"), as);
    }
    root.insert(QStringLiteral("load"), loadJson(s.load));
    if (!s.timeline.isEmpty()) {
        QJsonArray timeline;
        for (const TimelineAction &a : s.timeline)
            timeline.append(actionJson(a));
        root.insert(QStringLiteral("timeline"), timeline);
    }
    if (!s.expectations.isEmpty()) {
        QJsonArray expect;
        for (const Expectation &e : s.expectations)
            expect.append(expectationJson(e));
        root.insert(QStringLiteral("expect"), expect);
    }
    return root;
}

QByteArray scenarioToBytes(const Scenario &scenario)
{
    return QJsonDocument(scenarioToJson(scenario)).toJson(QJsonDocument::Indented);
}

bool writeScenarioFile(const Scenario &scenario, const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(scenarioToBytes(scenario));
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace microcosm
