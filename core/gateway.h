#pragma once

#include "bulkhead.h"
#include "clock.h"
#include "message.h"
#include "pendingcall.h"
#include "policy.h"
#include "ratelimiter.h"
#include "states.h"

#include <QHash>
#include <QStringList>
#include <mutex>

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <vector>

namespace microcosm {

class EntityStats;
class Platform;
class ServiceHost;

// What the UI shows on an edge besides its traffic.
struct EdgeStatus
{
    QString from;
    QString to;
    BreakerState breaker = BreakerState::None; // None: no breaker
    double failureRate = -1;
    std::uint64_t retries = 0;
    std::uint64_t retriesDenied = 0; // by the retry budget
    int bulkheadActive = 0;
    int bulkheadLimit = 0;
    bool retryEnabled = false;
    Duration timeout{};
};

// The single entry for users and the client for service-to-service calls.
// Code, not a thread: submit() and call() never block. A call goes
// rate limit (users only) → route → circuit breaker → bulkhead → replica,
// with its per-try timeout and its retries armed on the scheduler. The
// completion runs exactly once — with the reply, a 504 when the timeout
// fires first, or the reason nothing could take the request — in whichever
// thread finishes the request.
class Gateway
{
public:
    // The size of each edge's fallback cache, in JSON elements (see finish()).
    static constexpr qsizetype FallbackCacheElements = 4096;

    explicit Gateway(Platform &platform);
    ~Gateway();

    struct Match
    {
        ServiceHost *host = nullptr;
        QString route; // "GET /products/{id}"
        bool idempotent = true;
        bool internal = false;
        Params params;
        EntityStats *stats = nullptr;        // the route's
        EntityStats *serviceStats = nullptr; // the service's
        EntityStats *moduleStats = nullptr;  // a monolith's module's, or null
    };

    void addRoutes(ServiceHost &host);
    std::optional<Match> match(const QString &method, const QString &path) const;
    // Whether target ("/carts/u1/items?x=1") fits a route pattern split into
    // segments ({"carts", "{user}", "items"}); fills path and query parameters.
    static bool matchPattern(const QStringList &pattern, const QString &target, Params *params);
    QStringList routes() const;

    // A request from the users' side: the simulated users, or the HTTP front
    // when request.caller is "http" (its own edges, the same policies, rate
    // limit and gateway metrics).
    void submit(Request request, PendingCall::Completion done);
    // Whether caller enters through the gateway ("users", "http").
    static bool isEntry(const QString &caller);
    // A call made by service `caller` (order → product ...).
    void call(const QString &caller, Request request, PendingCall::Completion done);

    // The policy of caller→service; an empty service sets the caller's
    // default for every service. Takes effect for calls that start after it.
    void setPolicy(const QString &caller, const QString &service, const EdgePolicy &policy);
    EdgePolicy policy(const QString &caller, const QString &service) const;
    // Token bucket at the entry; a rate of zero turns it off.
    void setRateLimit(double perSecond, double burst);
    double rateLimit() const;

    std::vector<EdgeStatus> edgeStatus() const;
    // Operator overrides of an edge's breaker: closed, disabled or forced open
    // (any other state is not an override and is refused, as is an edge
    // without a breaker).
    bool setBreakerState(const QString &caller, const QString &service, BreakerState state);

private:
    struct RouteEntry
    {
        QString method;
        QStringList segments;
        QString pattern;
        QString route; // "GET /products/{id}", made once, not per request
        bool idempotent;
        bool internal;
        ServiceHost *host;
        EntityStats *stats;
        EntityStats *serviceStats;
        EntityStats *moduleStats;
    };
    struct Edge;
    struct Call;
    class Try;

    void send(const QString &caller, Request request, PendingCall::Completion done);
    std::shared_ptr<Edge> edge(const QString &caller, const QString &service);
    std::shared_ptr<Edge> makeEdge(const QString &caller, const QString &service,
                                   const EdgePolicy &policy);
    EdgePolicy policyLocked(const QString &caller, const QString &service) const;
    void tryOnce(const std::shared_ptr<Call> &call);
    void onTryDone(const std::shared_ptr<Call> &call, TimePoint tryStart, bool wasRetry,
                   bool dispatched, Response r);
    void finish(const std::shared_ptr<Call> &call, Response r);
    // Traced requests only: the span of the call's current attempt, and the
    // gateway's root span of a request from the users' side (which also
    // puts the trace into the platform's store).
    void addTrySpan(const Call &call, TimePoint end, const Response &r, bool fallback) const;
    void endRoot(const Request &request, TimePoint start, Response &r);

    Platform &m_platform;
    std::vector<RouteEntry> m_routes; // fixed once the platform starts
    mutable std::shared_mutex m_lock;
    std::map<QString, EdgePolicy> m_policies; // "caller>service" or "caller>*"
    // By (caller, service): looked up per call without building a key.
    std::map<std::pair<QString, QString>, std::shared_ptr<Edge>> m_edges;
    std::shared_ptr<RateLimiter> m_rateLimiter;
    EntityStats *m_gatewayStats; // looked up once: send() runs per request
    EntityStats *m_usersStats;   // the simulated users' share of the gateway's
    EntityStats *m_httpStats;    // the HTTP front's share
};

} // namespace microcosm
