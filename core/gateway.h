#pragma once

#include "clock.h"
#include "message.h"
#include "pendingcall.h"

#include <QHash>
#include <QStringList>

#include <map>
#include <optional>
#include <shared_mutex>
#include <vector>

namespace microcosm {

class EntityStats;
class Platform;
class ServiceHost;

// The single entry for users and the client for service-to-service calls.
// Code, not a thread: submit() and call() never block, and the completion
// runs exactly once — with the reply, a 504 when the timeout armed on the
// scheduler fires first, or the reason no replica could take the request —
// in whichever thread finishes the request.
class Gateway
{
public:
    explicit Gateway(Platform &platform);

    struct Match
    {
        ServiceHost *host = nullptr;
        QString route; // "GET /products/{id}"
        bool idempotent = true;
        QHash<QString, QString> params;
        EntityStats *stats = nullptr;
    };

    void addRoutes(ServiceHost &host);
    std::optional<Match> match(const QString &method, const QString &path) const;
    QStringList routes() const;

    // A request from the users' side.
    void submit(Request request, PendingCall::Completion done);
    // A call made by service `caller` (order → product ...).
    void call(const QString &caller, Request request, PendingCall::Completion done);

    // Per-try timeout of an edge's client ("users" is the gateway itself).
    void setTimeout(const QString &caller, Duration timeout);
    Duration timeout(const QString &caller) const;

private:
    struct RouteEntry
    {
        QString method;
        QStringList segments;
        QString pattern;
        bool idempotent;
        ServiceHost *host;
        EntityStats *stats;
    };
    void send(const QString &caller, Request request, PendingCall::Completion done);
    EntityStats *edgeStats(const QString &caller, const QString &service);

    Platform &m_platform;
    std::vector<RouteEntry> m_routes; // fixed once the platform starts
    mutable std::shared_mutex m_lock;
    std::map<QString, Duration> m_timeouts;
    std::map<QString, EntityStats *> m_edges;
    std::atomic<std::uint64_t> m_traceIds{1};
};

} // namespace microcosm
