#include "gateway.h"

#include "edgekey.h"
#include "platform.h"
#include "servicehost.h"

#include <QCache>
#include <QJsonArray>
#include <QJsonObject>
#include <QUrlQuery>

#include <cmath>
#include <random>

namespace microcosm {

namespace {

std::mt19937_64 &threadRng()
{
    thread_local std::mt19937_64 rng(std::random_device{}());
    return rng;
}

bool retriable(const Response &r)
{
    return r.outcome == Outcome::ServerError || r.outcome == Outcome::Timeout ||
           (r.outcome == Outcome::Rejected && r.status == 503);
}

bool countsAsFailure(const Response &r)
{
    return r.outcome == Outcome::ServerError || r.outcome == Outcome::Timeout ||
           r.outcome == Outcome::Rejected;
}

BreakerState viewOf(CircuitBreaker::State s)
{
    switch (s) {
    case CircuitBreaker::State::CLOSED:
        return BreakerState::Closed;
    case CircuitBreaker::State::OPEN:
        return BreakerState::Open;
    case CircuitBreaker::State::HALF_OPEN:
        return BreakerState::HalfOpen;
    case CircuitBreaker::State::DISABLED:
        return BreakerState::Disabled;
    case CircuitBreaker::State::FORCED_OPEN:
        return BreakerState::ForcedOpen;
    }
    return BreakerState::None;
}

} // namespace

// The runtime of one caller→service edge: its policy and the state that
// goes with it (breaker, bulkhead, retry budget, fallback cache). Replaced
// as a whole when the policy changes; calls under way keep the old one.
struct Gateway::Edge
{
    QString caller;
    QString service;
    QString key;  // "order>product": its events and metrics
    QString name; // "order→product": the reasons and trace spans people read
    EdgePolicy policy;
    std::unique_ptr<CircuitBreaker> breaker;
    std::unique_ptr<Bulkhead> bulkhead;
    std::unique_ptr<RetryBudget> budget;
    EntityStats *stats = nullptr;
    std::atomic<std::uint64_t> retries{0};
    std::atomic<std::uint64_t> retriesDenied{0};
    std::mutex cacheMutex;
    // The last good body by path, for fallbacks: the most recently used
    // paths, up to FallbackCacheElements JSON elements in all.
    QCache<QString, Body> lastGood{FallbackCacheElements};
};

namespace {

// What a cached body costs: one, plus one per element of an array or
// member of an object, so a long order history counts for its length.
qsizetype fallbackCost(const Body &body)
{
    return 1 + body.elements();
}

} // namespace

// One logical call, across its tries.
struct Gateway::Call
{
    std::shared_ptr<Edge> edge;
    Request request;
    ServiceHost *host = nullptr;
    EntityStats *routeStats = nullptr;
    EntityStats *serviceStats = nullptr;
    EntityStats *moduleStats = nullptr; // a monolith's module's, or null
    EntityStats *gatewayStats = nullptr;
    EntityStats *entryStats = nullptr; // "users" or "http": its share of gatewayStats
    TimePoint start;
    TimePoint deadline = TimePoint::max();
    Duration perTry{};
    bool retryAllowed = false;
    int attempt = 0;
    // Traced calls: the current attempt's start and span id.
    TimePoint tryStart;
    quint64 trySpanId = 0;
    PendingCall::Completion done;
};

// One attempt of a call in flight: the worker's reply, the scheduler's
// timeout or a kill's reset, whichever comes first, ends it (PendingCall),
// and the gateway goes on with the call (onTryDone). The timeout's message
// is made only when it fires.
class Gateway::Try final : public PendingCall
{
public:
    Try(Gateway &gateway, std::shared_ptr<Call> call, TimePoint start, bool isRetry,
        bool dispatched)
        : m_gateway(gateway), m_call(std::move(call)), m_hop(m_call->edge->name), m_start(start),
          m_isRetry(isRetry), m_dispatched(dispatched)
    {
    }
    // Arms the timeout: the try ends with a 504 at deadline unless answered
    // before; timeoutMs is the timeout as configured, for its reason.
    void armTimeout(std::shared_ptr<Try> self, TimePoint deadline, qint64 timeoutMs)
    {
        m_timeoutMs = timeoutMs;
        Try *raw = self.get();
        m_timer.store(m_gateway.m_platform.scheduler().at(
            deadline, [raw] { raw->timedOut(); }, std::move(self)));
    }

private:
    void timedOut()
    {
        complete(Response::error(504,
                                 QStringLiteral("timeout %1 ms at %2").arg(m_timeoutMs).arg(m_hop),
                                 Outcome::Timeout));
    }
    void deliver(Response r) override
    {
        if (const auto id = m_timer.load())
            m_gateway.m_platform.scheduler().cancel(id);
        // What the call holds goes with the try's end, not with the try.
        const std::shared_ptr<Call> call = std::move(m_call);
        m_gateway.onTryDone(call, m_start, m_isRetry, m_dispatched, std::move(r));
    }

    Gateway &m_gateway;
    std::shared_ptr<Call> m_call;
    const QString m_hop; // the edge's name, for a timeout's reason (m_call goes at the end)
    TimePoint m_start;
    bool m_isRetry;
    bool m_dispatched;
    qint64 m_timeoutMs = 0;
    std::atomic<Scheduler::TimerId> m_timer{0};
};

Gateway::Gateway(Platform &platform)
    : m_platform(platform), m_gatewayStats(platform.metrics().entity(EntityKey::gateway())),
      m_usersStats(platform.metrics().entity(EntityKey::users())),
      m_httpStats(platform.metrics().entity(EntityKey::http()))
{
}

Gateway::~Gateway() = default;

void Gateway::addRoutes(ServiceHost &host)
{
    for (const RouteSpec &spec : host.service().routes()) {
        const QString key = spec.key();
        m_routes.push_back(
            {spec.method, spec.pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts), spec.pattern,
             key, spec.idempotent, spec.internal, &host,
             m_platform.metrics().entity(EntityKey::route(host.name(), key)),
             m_platform.metrics().entity(EntityKey::service(host.name())),
             // A monolith's module is measured on its own too, by its routes.
             host.service().moduleOf(spec) == host.name()
                 ? nullptr
                 : m_platform.metrics().entity(EntityKey::service(host.service().moduleOf(spec)))});
    }
}

bool Gateway::matchPattern(const QStringList &pattern, const QString &target, Params *params)
{
    // Walked as views of the target: nothing is copied but a parameter's value.
    const qsizetype q = target.indexOf(QLatin1Char('?'));
    const QStringView path = q < 0 ? QStringView(target) : QStringView(target).left(q);
    Params found;
    qsizetype i = 0;
    for (const QStringView segment : path.tokenize(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        if (i == pattern.size())
            return false;
        const QString &want = pattern[i++];
        if (want.startsWith(QLatin1Char('{')) && want.endsWith(QLatin1Char('}')))
            found.insertSegment(want, segment.toString());
        else if (want != segment)
            return false;
    }
    if (i != pattern.size())
        return false;
    if (q >= 0) {
        const QUrlQuery query(target.mid(q + 1));
        for (const auto &[k, v] : query.queryItems(QUrl::FullyDecoded))
            found.insert(k, v);
    }
    *params = std::move(found);
    return true;
}

std::optional<Gateway::Match> Gateway::match(const QString &method, const QString &target) const
{
    for (const RouteEntry &r : m_routes) {
        if (r.method != method)
            continue;
        Match m{r.host, r.route, r.idempotent,   r.internal,
                {},     r.stats, r.serviceStats, r.moduleStats};
        if (matchPattern(r.segments, target, &m.params))
            return m;
    }
    return std::nullopt;
}

QStringList Gateway::routes() const
{
    QStringList out;
    for (const RouteEntry &r : m_routes)
        out << QStringLiteral("%1 %2 → %3").arg(r.method, r.pattern, r.host->name());
    return out;
}

bool Gateway::isEntry(const QString &caller)
{
    return caller == QLatin1String("users") || caller == QLatin1String("http");
}

void Gateway::submit(Request request, PendingCall::Completion done)
{
    const QString entry =
        request.caller == QLatin1String("http") ? request.caller : QStringLiteral("users");
    request.caller = entry;
    // Which requests are traced: one in N by the platform's sampler, every
    // one that comes with a valid traceparent whose sampled flag is set, and
    // those that already carry a trace (the storefront's). A valid
    // traceparent's trace id and parent-id are kept (W3C Trace Context,
    // https://www.w3.org/TR/trace-context/#traceparent-header: the receiver
    // continues the caller's trace); an invalid one is ignored, as if absent.
    if (!request.trace) {
        std::optional<TraceParent> parent;
        if (!request.traceparent.isEmpty())
            parent = parseTraceparent(request.traceparent);
        if ((parent && parent->sampled) || m_platform.sampleTrace())
            request.trace = parent ? std::make_shared<Trace>(parent->traceId, parent->parentId)
                                   : std::make_shared<Trace>();
    }
    send(entry, std::move(request), std::move(done));
}

void Gateway::call(const QString &caller, Request request, PendingCall::Completion done)
{
    request.caller = caller;
    send(caller, std::move(request), std::move(done));
}

EdgePolicy Gateway::policyLocked(const QString &caller, const QString &service) const
{
    auto it = m_policies.find(caller + QLatin1Char('>') + service);
    if (it != m_policies.end())
        return it->second;
    it = m_policies.find(caller + QStringLiteral(">*"));
    if (it != m_policies.end())
        return it->second;
    // Requests from the HTTP front are users' requests: they get the users'
    // policy unless one is set for "http" itself.
    if (caller == QLatin1String("http"))
        return policyLocked(QStringLiteral("users"), service);
    EdgePolicy p;
    p.timeout =
        isEntry(caller) ? m_platform.config().gatewayTimeout : m_platform.config().clientTimeout;
    return p;
}

EdgePolicy Gateway::policy(const QString &caller, const QString &service) const
{
    std::shared_lock lock(m_lock);
    return policyLocked(caller, service);
}

std::shared_ptr<Gateway::Edge> Gateway::makeEdge(const QString &caller, const QString &service,
                                                 const EdgePolicy &policy)
{
    auto e = std::make_shared<Edge>();
    e->caller = caller;
    e->service = service;
    e->key = edgeKey(caller, service);
    e->name = edgeLabel(caller, service);
    e->policy = policy;
    e->stats = m_platform.metrics().entity(EntityKey::edge(caller, service));
    if (policy.breakerEnabled) {
        e->breaker = std::make_unique<CircuitBreaker>(policy.breaker);
        Platform *platform = &m_platform;
        const QString key = e->key, name = e->name;
        e->breaker->setOnStateChange([platform, key, name](CircuitBreaker::State,
                                                           CircuitBreaker::State to,
                                                           const QString &reason) {
            platform->events().add(key, QStringLiteral("breaker-") + breakerStateName(viewOf(to)),
                                   QStringLiteral("circuit breaker %1 → %2: %3")
                                       .arg(name, CircuitBreaker::stateName(to), reason));
        });
    }
    if (policy.bulkheadMaxConcurrentCalls > 0)
        e->bulkhead = std::make_unique<Bulkhead>(policy.bulkheadMaxConcurrentCalls);
    if (policy.retryEnabled && policy.retryBudgetEnabled)
        e->budget =
            std::make_unique<RetryBudget>(policy.retryBudgetPercent, policy.minRetryConcurrency);
    return e;
}

void Gateway::setPolicy(const QString &caller, const QString &service, const EdgePolicy &policy)
{
    std::unique_lock lock(m_lock);
    m_policies[caller + QLatin1Char('>') + (service.isEmpty() ? QStringLiteral("*") : service)] =
        policy;
    // Rebuild the affected edges with their effective policy.
    for (auto &[key, e] : m_edges)
        if ((e->caller == caller ||
             (caller == QLatin1String("users") && e->caller == QLatin1String("http"))) &&
            (service.isEmpty() || e->service == service))
            e = makeEdge(e->caller, e->service, policyLocked(e->caller, e->service));
}

std::shared_ptr<Gateway::Edge> Gateway::edge(const QString &caller, const QString &service)
{
    const std::pair<QString, QString> key(caller, service); // shared, not copied
    {
        std::shared_lock lock(m_lock);
        auto it = m_edges.find(key);
        if (it != m_edges.end())
            return it->second;
    }
    std::unique_lock lock(m_lock);
    auto &slot = m_edges[key];
    if (!slot)
        slot = makeEdge(caller, service, policyLocked(caller, service));
    return slot;
}

void Gateway::setRateLimit(double perSecond, double burst)
{
    std::unique_lock lock(m_lock);
    m_rateLimiter =
        perSecond > 0 ? std::make_shared<RateLimiter>(perSecond, std::max(1.0, burst)) : nullptr;
}

double Gateway::rateLimit() const
{
    std::shared_lock lock(m_lock);
    return m_rateLimiter ? m_rateLimiter->ratePerSecond() : 0.0;
}

std::vector<EdgeStatus> Gateway::edgeStatus() const
{
    std::shared_lock lock(m_lock);
    std::vector<EdgeStatus> out;
    const TimePoint now = Clock::now();
    for (const auto &[key, e] : m_edges) {
        EdgeStatus s;
        s.from = e->caller;
        s.to = e->service;
        if (e->breaker) {
            s.breaker = viewOf(e->breaker->state(now));
            s.failureRate = e->breaker->failureRate(now); // the window moves on read (Resilience4j)
        }
        s.retries = e->retries.load();
        s.retriesDenied = e->retriesDenied.load();
        s.retryEnabled = e->policy.retryEnabled;
        s.timeout = e->policy.timeout;
        if (e->bulkhead) {
            s.bulkheadActive = e->bulkhead->active();
            s.bulkheadLimit = e->bulkhead->maxConcurrentCalls();
        }
        out.push_back(s);
    }
    return out;
}

bool Gateway::setBreakerState(const QString &caller, const QString &service, BreakerState state)
{
    auto e = edge(caller, service);
    if (!e->breaker)
        return false;
    switch (state) {
    case BreakerState::Closed:
        e->breaker->transitionToClosed();
        return true;
    case BreakerState::Disabled:
        e->breaker->transitionToDisabled();
        return true;
    case BreakerState::ForcedOpen:
        e->breaker->transitionToForcedOpen();
        return true;
    case BreakerState::None:
    case BreakerState::Open:
    case BreakerState::HalfOpen:
        break;
    }
    return false;
}

void Gateway::send(const QString &caller, Request request, PendingCall::Completion done)
{
    const TimePoint start = Clock::now();
    if (request.intendedSend == TimePoint{})
        request.intendedSend = start;
    const bool fromUsers = isEntry(caller); // the simulated users or the HTTP front
    EntityStats *gatewayStats = fromUsers ? m_gatewayStats : nullptr;
    EntityStats *entryStats = !fromUsers                        ? nullptr
                              : caller == QLatin1String("http") ? m_httpStats
                                                                : m_usersStats;
    if (fromUsers && request.trace)
        request.parentSpanId = newSpanId(); // the gateway's root span

    if (fromUsers) {
        std::shared_ptr<RateLimiter> limiter;
        {
            std::shared_lock lock(m_lock);
            limiter = m_rateLimiter;
        }
        if (limiter && !limiter->tryAcquire(start)) {
            Response r =
                Response::error(429,
                                QStringLiteral("rate limited at the gateway (%1 requests/s)")
                                    .arg(limiter->ratePerSecond()),
                                Outcome::Rejected);
            gatewayStats->record(r.outcome, Duration::zero());
            if (entryStats)
                entryStats->record(r.outcome, Duration::zero());
            if (request.trace)
                endRoot(request, start, r);
            done(std::move(r));
            return;
        }
    }
    auto match = this->match(request.method, request.path);
    if (match && match->internal && fromUsers)
        match.reset(); // internal routes do not exist for users
    if (!match) {
        Response r = Response::error(404, QStringLiteral("no route for %1").arg(request.label()));
        if (gatewayStats)
            gatewayStats->record(r.outcome, Duration::zero());
        if (entryStats)
            entryStats->record(r.outcome, Duration::zero());
        if (request.trace && fromUsers)
            endRoot(request, start, r);
        else if (request.trace)
            r.traceId = request.trace->idHex();
        done(std::move(r));
        return;
    }
    request.route = match->route;
    request.params = match->params;

    auto call = std::make_shared<Call>();
    call->edge = edge(caller, match->host->name());
    const EdgePolicy &policy = call->edge->policy;
    call->host = match->host;
    call->routeStats = match->stats;
    call->serviceStats = match->serviceStats;
    call->moduleStats = match->moduleStats;
    call->gatewayStats = gatewayStats;
    call->entryStats = entryStats;
    call->start = start;
    const Duration timeout = policy.timeoutFor(request.route);
    if (timeout > Duration::zero())
        call->deadline = std::min(request.deadline, start + timeout);
    else
        call->deadline = request.deadline;
    call->perTry = policy.perTryTimeout > Duration::zero() ? policy.perTryTimeout : timeout;
    call->retryAllowed =
        policy.retryEnabled && (match->idempotent || !request.idempotencyKey.isEmpty());
    call->request = std::move(request);
    call->done = std::move(done);
    tryOnce(call);
}

void Gateway::tryOnce(const std::shared_ptr<Call> &call)
{
    Edge &edge = *call->edge;
    const TimePoint now = Clock::now();
    const bool isRetry = call->attempt > 0;
    ++call->attempt;
    if (call->request.trace) {
        call->tryStart = now;
        call->trySpanId = newSpanId();
    }

    if (edge.breaker && !edge.breaker->tryAcquirePermission(now)) {
        if (isRetry && edge.budget)
            edge.budget->releaseRetry();
        finish(call, Response::error(503, QStringLiteral("circuit open: %1").arg(edge.name),
                                     Outcome::ShortCircuited));
        return;
    }
    if (edge.bulkhead && !edge.bulkhead->tryEnter()) {
        if (edge.breaker)
            edge.breaker->releasePermission();
        if (isRetry && edge.budget)
            edge.budget->releaseRetry();
        finish(call, Response::error(503,
                                     QStringLiteral("bulkhead full: %1 (%2 concurrent calls)")
                                         .arg(edge.name)
                                         .arg(edge.bulkhead->maxConcurrentCalls()),
                                     Outcome::Rejected));
        return;
    }
    if (edge.budget)
        edge.budget->onRequestStarted();

    Request request = call->request;
    request.attempt = call->attempt;
    request.parentSpanId = call->trySpanId; // the service's span hangs under this attempt's
    TimePoint tryDeadline = call->deadline;
    if (call->perTry > Duration::zero())
        tryDeadline = std::min(tryDeadline, now + call->perTry);
    request.deadline = tryDeadline;

    Scheduler &scheduler = m_platform.scheduler();
    // The HTTP front's requests cross the gateway's own links to the services.
    const Fault fault = m_platform.faults().link(
        edge.caller == QLatin1String("http") ? QStringLiteral("users") : edge.caller, edge.service);
    const bool dispatched = !fault.partitioned;
    auto pending = std::make_shared<Try>(*this, call, now, isRetry, dispatched);
    if (tryDeadline != TimePoint::max()) {
        // The timer holds the call: a request lost on a partitioned link
        // still ends, with the caller's timeout.
        // The timeout as configured: the per-try one, or the whole call's when that ends first.
        const bool perTryEnds =
            call->perTry > Duration::zero() && now + call->perTry <= call->deadline;
        pending->armTimeout(
            pending, tryDeadline,
            std::llround(toMs(perTryEnds ? call->perTry : call->deadline - call->start)));
    }
    if (fault.partitioned) {
        // The request vanishes on the wire. Without a timeout the caller
        // would wait for ever: that is reported as a lost connection.
        if (tryDeadline == TimePoint::max())
            pending->complete(Response::error(
                502, QStringLiteral("connection lost: %1 is partitioned").arg(edge.name)));
        return;
    }
    if (fault.drawError(threadRng())) {
        pending->complete(Response::error(
            fault.errorStatus,
            QStringLiteral("injected %1 on %2").arg(fault.errorStatus).arg(edge.name)));
        return;
    }
    if (const Duration delay = fault.drawLatency(threadRng()); delay > Duration::zero()) {
        ServiceHost *host = call->host;
        scheduler.after(delay, [host, pending, request = std::move(request)]() mutable {
            if (!pending->done())
                host->dispatch(std::move(request), pending);
        });
        return;
    }
    call->host->dispatch(std::move(request), pending);
}

void Gateway::onTryDone(const std::shared_ptr<Call> &call, TimePoint tryStart, bool wasRetry,
                        bool dispatched, Response r)
{
    Edge &edge = *call->edge;
    const TimePoint now = Clock::now();
    if (edge.bulkhead)
        edge.bulkhead->exit();
    if (edge.breaker)
        edge.breaker->onResult(now, now - tryStart, countsAsFailure(r));
    if (edge.budget) {
        edge.budget->onRequestFinished();
        if (wasRetry)
            edge.budget->releaseRetry();
    }
    // What the service was asked to do, try by try.
    if (dispatched) {
        call->serviceStats->record(r.outcome, now - tryStart);
        call->routeStats->record(r.outcome, now - tryStart);
        if (call->moduleStats)
            call->moduleStats->record(r.outcome, now - tryStart);
    }
    if (call->retryAllowed && retriable(r) && call->attempt < edge.policy.retry.maxAttempts) {
        const Duration backoff = edge.policy.retry.backoff(call->attempt, threadRng());
        if (now + backoff < call->deadline) {
            if (edge.budget && !edge.budget->tryAcquireRetry()) {
                edge.retriesDenied.fetch_add(1, std::memory_order_relaxed);
                r.reason += QStringLiteral(" (retry budget of %1 exhausted)").arg(edge.name);
            } else {
                edge.retries.fetch_add(1, std::memory_order_relaxed);
                if (call->request.trace)
                    addTrySpan(*call, now, r, false);
                m_platform.scheduler().after(backoff, [this, call] { tryOnce(call); });
                return;
            }
        }
    }
    finish(call, std::move(r));
}

void Gateway::finish(const std::shared_ptr<Call> &call, Response r)
{
    Edge &edge = *call->edge;
    const TimePoint end = Clock::now();
    const Request &request = call->request;
    const int statusOfTry = r.status;
    const QString reasonOfTry = request.trace ? r.reason : QString();
    if (edge.policy.fallbackEnabled && request.method == QLatin1String("GET")) {
        std::lock_guard lock(edge.cacheMutex);
        if (r.ok()) {
            // The path's entry is written over when it costs as much (the
            // usual case: the same list again), not taken out and made anew.
            const qsizetype cost = fallbackCost(r.body);
            Body *cached = edge.lastGood.object(request.path);
            if (cached && fallbackCost(*cached) == cost)
                *cached = r.body;
            else
                edge.lastGood.insert(request.path, new Body(r.body), cost);
        } else if (const Body *cached = edge.lastGood.object(request.path)) {
            const QString why = r.reason;
            r = Response::make(200, *cached);
            r.fallback = true;
            r.outcome = Outcome::Fallback;
            r.reason = QStringLiteral("fallback: last good %1, because %2").arg(request.path, why);
        }
    }
    r.latency = end - call->start;
    edge.stats->record(r.outcome, r.latency);
    if (call->gatewayStats)
        call->gatewayStats->record(r.outcome, r.latency);
    if (call->entryStats)
        call->entryStats->record(r.outcome, r.latency);
    if (request.trace) {
        Response tried = Response::error(statusOfTry, reasonOfTry);
        addTrySpan(*call, end, tried, r.fallback);
        if (isEntry(edge.caller))
            endRoot(request, call->start, r);
        else
            r.traceId = request.trace->idHex();
    }
    PendingCall::Completion done = std::move(call->done);
    done(std::move(r));
}

void Gateway::addTrySpan(const Call &call, TimePoint end, const Response &r, bool fallback) const
{
    const Edge &edge = *call.edge;
    const Request &request = call.request;
    Span s;
    s.name = edge.name;
    s.start = call.tryStart;
    s.end = end;
    s.status = r.status;
    s.note = fallback ? r.reason + QStringLiteral(" (answered from the fallback cache)") : r.reason;
    s.depth = request.depth;
    s.id = call.trySpanId;
    s.parentId = request.parentSpanId;
    s.kind = Span::Kind::Client;
    // The call is made by the gateway: for the users' side in its own name,
    // for a service on that service's behalf.
    s.service = isEntry(edge.caller) ? QStringLiteral("gateway") : edge.caller;
    s.route = request.route;
    s.attempt = call.attempt;
    request.trace->add(std::move(s));
}

void Gateway::endRoot(const Request &request, TimePoint start, Response &r)
{
    Span s;
    s.name =
        QStringLiteral("gateway ") + (request.route.isEmpty() ? request.label() : request.route);
    s.start = start;
    s.end = Clock::now();
    s.status = r.status;
    s.note = r.reason;
    s.id = request.parentSpanId;
    s.parentId = request.trace->remoteParentId();
    s.kind = Span::Kind::Server;
    s.service = QStringLiteral("gateway");
    s.route = request.route;
    s.attempt = request.attempt;
    request.trace->add(std::move(s));
    r.traceId = request.trace->idHex();
    m_platform.traces().add(request.trace);
}

} // namespace microcosm
