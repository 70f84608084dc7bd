#pragma once

#include "message.h"

#include <QList>
#include <QString>

#include <random>

namespace microcosm {

class Database;

// A route a service answers, e.g. {"GET", "/products/{id}"}. Idempotent
// routes may be retried by callers; the others only with an idempotency key.
struct RouteSpec
{
    QString method;
    QString pattern;
    bool idempotent = true;
    bool internal = false; // for other services only: the gateway refuses it to users
    QString key() const { return method + QLatin1Char(' ') + pattern; }
};

// What a service's code may use while it handles one request on a worker
// thread: its own database connection (and no other) and a client for
// calls to other services.
class WorkerContext
{
public:
    virtual ~WorkerContext() = default;
    // This worker's connection to this service's own database file.
    virtual Database &db() = 0;
    // A blocking call to another service through the platform's client; the
    // client's timeout bounds the wait, and a kill of this replica ends it.
    virtual Response call(Request request) = 0;
    // Several calls at once; returns when every one has its answer, in the
    // order given. The default makes them one after the other.
    virtual QList<Response> callAll(QList<Request> requests)
    {
        QList<Response> out;
        out.reserve(requests.size());
        for (Request &r : requests)
            out.append(call(std::move(r)));
        return out;
    }
    // "order#2" and, unique per start of that replica, "order#2.3@<run id>".
    virtual QString replicaName() const = 0;
    virtual QString incarnation() const = 0;
    // Whether the replica start named by incarnation() is still running.
    virtual bool isLive(const QString &incarnation) const = 0;
    virtual std::mt19937_64 &rng() = 0;
    // Adds a span to the traced request being handled, if it is traced.
    virtual void span(const QString &name, TimePoint start, TimePoint end,
                      const QString &note = {}) = 0;
    // Puts an event in the platform's log (the events list, the recording)
    // under this replica's service, e.g. what a maintenance pass did.
    virtual void event(const QString &kind, const QString &message) = 0;
};

// What the platform hosts. core knows no concrete service: the shop's
// product, cart and order services implement this in services/. A service
// object is shared by all its replicas' workers, so it keeps no mutable
// state of its own; all state lives in its database.
class Service
{
public:
    virtual ~Service() = default;
    virtual QString name() const = 0;
    virtual QList<RouteSpec> routes() const = 0;
    // The services this one runs: itself, or the co-located services of a
    // monolith (one deployable, one database, calls between them in-process).
    virtual QStringList modules() const { return {name()}; }
    // The module a route belongs to (a monolith's), or this service's name.
    virtual QString moduleOf(const RouteSpec &route) const
    {
        Q_UNUSED(route);
        return name();
    }
    // Creates the schema and seeds it on first start; idempotent, run by each
    // worker on its own connection before it serves.
    virtual void migrate(Database &db) = 0;
    virtual Response handle(const Request &request, WorkerContext &ctx) = 0;
    // Why the service cannot serve now, as its own health check last found
    // (an external process that stopped answering its health path); empty
    // when it can. Must not block: the host's probe asks it on the
    // scheduler and keeps the replicas out of rotation while it is not empty.
    virtual QString unready() const { return {}; }
    // Background work (recovery, outbox relay), run on one ready replica's
    // worker after a start and then every maintenancePeriod() when not zero.
    virtual Duration maintenancePeriod() const { return Duration::zero(); }
    virtual void maintain(WorkerContext &ctx) { Q_UNUSED(ctx); }
};

} // namespace microcosm
