#pragma once

#include "chaos.h"
#include "faults.h"
#include "metrics.h"
#include "states.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <utility>
#include <vector>

namespace microcosm {

// What the UI and the recorder see of the running system at one moment.
// Plain values, copied out under short locks; safe to keep and to pass
// between threads.
struct ReplicaSnapshot
{
    QString name; // "product#1"
    ReplicaState state = ReplicaState::Starting;
    bool inRotation = false;
    int queued = 0;
    int queueCapacity = 0;
    int busy = 0;
    int workers = 0;
    QString version;
};

struct ServiceSnapshot
{
    enum class Health
    {
        Healthy,
        Degraded,
        Failing,
        Down
    };
    QString name;
    QString databasePath;   // several services' when they share one file
    QStringList modules;    // the services it runs: itself, or a monolith's co-located ones
    bool userFacing = true; // some route of it users may call through the gateway
    // What is being done to it now: the fault injected into it (none when
    // !fault.active()), the fault on its database file, a rolling update.
    Fault fault;
    DatabaseFault dbFault = DatabaseFault::None;
    bool updating = false;
    QVector<ReplicaSnapshot> replicas;
    EntitySummary stats; // every call to the service, whoever made it
    Health health = Health::Healthy;
    int ready() const;
    int queued() const;
    int busy() const;
    int workers() const;
    static QString healthName(Health h);
};

struct EdgeSnapshot
{
    QString from; // "users", "order"
    QString to;   // "product"
    EntitySummary stats;
    BreakerState breaker = BreakerState::None; // None: no breaker on this edge
    std::uint64_t retries = 0;
    std::uint64_t retriesDenied = 0;
};

// A fault in force on a caller→service link ("users" for the gateway's calls).
struct LinkFaultSnapshot
{
    QString from;
    QString to;
    Fault fault;
};

struct SystemSnapshot
{
    double t = 0; // seconds since start
    QVector<ServiceSnapshot> services;
    QVector<EdgeSnapshot> edges;
    // The calls the architecture declares (caller, callee), known before any is made.
    std::vector<std::pair<QString, QString>> calls;
    // The faults in force on links that have carried a call, are declared,
    // or lead from the gateway to a user-facing service.
    QVector<LinkFaultSnapshot> linkFaults;
    EntitySummary gateway; // every request from users, measured at the gateway
    EntitySummary client;  // the same, measured by the load generator from intended send
    EntitySummary users;   // the gateway's requests from the simulated users
    EntitySummary http;    // and from the HTTP front (caller "http")
    qint64 lastEventSeq = 0;
    const ServiceSnapshot *service(const QString &name) const;
    // The fault on a link (none when there is none in force).
    Fault linkFault(const QString &from, const QString &to) const
    {
        for (const LinkFaultSnapshot &f : linkFaults)
            if (f.from == from && f.to == to)
                return f.fault;
        return {};
    }
};

// Health thresholds, documented here and in the README: Down when no replica
// is ready; Failing when fewer than 90% of last second's calls succeeded;
// Degraded when some replica is not ready, or fewer than 99% succeeded.
ServiceSnapshot::Health classifyHealth(const ServiceSnapshot &s);

} // namespace microcosm
