#include "gateway.h"

#include "platform.h"
#include "servicehost.h"

#include <QUrlQuery>

namespace microcosm {

Gateway::Gateway(Platform &platform)
    : m_platform(platform)
{
}

void Gateway::addRoutes(ServiceHost &host)
{
    for (const RouteSpec &spec : host.service().routes()) {
        const QString key = spec.key();
        m_routes.push_back({spec.method, spec.pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts),
                            spec.pattern, spec.idempotent, &host,
                            m_platform.metrics().entity(QStringLiteral("route:%1:%2").arg(host.name(), key))});
    }
}

std::optional<Gateway::Match> Gateway::match(const QString &method, const QString &target) const
{
    const qsizetype q = target.indexOf(QLatin1Char('?'));
    const QString path = q < 0 ? target : target.left(q);
    const QStringList segments = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const RouteEntry &r : m_routes) {
        if (r.method != method || r.segments.size() != segments.size())
            continue;
        Match m{r.host, r.method + QLatin1Char(' ') + r.pattern, r.idempotent, {}, r.stats};
        bool ok = true;
        for (qsizetype i = 0; i < segments.size() && ok; ++i) {
            const QString &want = r.segments[i];
            if (want.startsWith(QLatin1Char('{')) && want.endsWith(QLatin1Char('}')))
                m.params.insert(want.mid(1, want.size() - 2), segments[i]);
            else
                ok = want == segments[i];
        }
        if (!ok)
            continue;
        if (q >= 0) {
            const QUrlQuery query(target.mid(q + 1));
            for (const auto &[k, v] : query.queryItems(QUrl::FullyDecoded))
                m.params.insert(k, v);
        }
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

void Gateway::submit(Request request, PendingCall::Completion done)
{
    const QString users = QStringLiteral("users");
    request.caller = users;
    send(users, std::move(request), std::move(done));
}

void Gateway::call(const QString &caller, Request request, PendingCall::Completion done)
{
    request.caller = caller;
    send(caller, std::move(request), std::move(done));
}

void Gateway::setTimeout(const QString &caller, Duration timeout)
{
    std::unique_lock lock(m_lock);
    m_timeouts[caller] = timeout;
}

Duration Gateway::timeout(const QString &caller) const
{
    std::shared_lock lock(m_lock);
    auto it = m_timeouts.find(caller);
    if (it != m_timeouts.end())
        return it->second;
    return caller == QLatin1String("users") ? m_platform.config().gatewayTimeout
                                            : m_platform.config().clientTimeout;
}

EntityStats *Gateway::edgeStats(const QString &caller, const QString &service)
{
    const QString key = QStringLiteral("edge:%1>%2").arg(caller, service);
    {
        std::shared_lock lock(m_lock);
        auto it = m_edges.find(key);
        if (it != m_edges.end())
            return it->second;
    }
    EntityStats *stats = m_platform.metrics().entity(key);
    std::unique_lock lock(m_lock);
    m_edges.emplace(key, stats);
    return stats;
}

void Gateway::send(const QString &caller, Request request, PendingCall::Completion done)
{
    const TimePoint start = Clock::now();
    if (request.intendedSend == TimePoint{})
        request.intendedSend = start;
    if (!request.traceId)
        request.traceId = m_traceIds.fetch_add(1, std::memory_order_relaxed);

    const auto match = this->match(request.method, request.path);
    EntityStats *gatewayStats = caller == QLatin1String("users")
                                    ? m_platform.metrics().entity(QStringLiteral("gateway"))
                                    : nullptr;
    if (!match) {
        Response r = Response::error(404, QStringLiteral("no route for %1").arg(request.label()));
        if (gatewayStats)
            gatewayStats->record(r.outcome, Duration::zero());
        done(std::move(r));
        return;
    }
    request.route = match->route;
    request.params = match->params;
    ServiceHost &host = *match->host;
    EntityStats *edge = edgeStats(caller, host.name());
    EntityStats *serviceStats = m_platform.metrics().entity(QStringLiteral("service:") + host.name());
    EntityStats *routeStats = match->stats;

    const Duration perTry = timeout(caller);
    const TimePoint deadline = std::min(request.deadline, start + perTry);
    request.deadline = deadline;
    const QString hop = QStringLiteral("%1→%2").arg(caller, host.name());
    std::shared_ptr<Trace> trace = request.trace;
    const int depth = request.depth;

    auto timer = std::make_shared<std::atomic<Scheduler::TimerId>>(0);
    Scheduler &scheduler = m_platform.scheduler();
    auto call = std::make_shared<PendingCall>(
        [=, &scheduler, done = std::move(done)](Response r) {
            const TimePoint end = Clock::now();
            if (const auto id = timer->load())
                scheduler.cancel(id);
            r.latency = end - start;
            edge->record(r.outcome, r.latency);
            serviceStats->record(r.outcome, r.latency);
            routeStats->record(r.outcome, r.latency);
            if (gatewayStats)
                gatewayStats->record(r.outcome, r.latency);
            if (trace)
                trace->add({hop, start, end, r.status, r.reason, depth});
            done(std::move(r));
        });
    if (deadline != TimePoint::max()) {
        std::weak_ptr<PendingCall> weak = call;
        const qint64 ms = qint64(toMs(deadline - start) + 0.5);
        timer->store(scheduler.at(deadline, [weak, ms, hop] {
            if (auto c = weak.lock())
                c->complete(Response::error(504, QStringLiteral("timeout %1 ms at %2").arg(ms).arg(hop),
                                            Outcome::Timeout));
        }));
    }
    host.dispatch(std::move(request), call);
}

} // namespace microcosm
