#pragma once

#include "clock.h"
#include "servicetime.h"

#include <QHash>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

namespace microcosm {

class EventLog;
class Replica;
class Scheduler;

// What one version of a service does: how long its work takes and how
// often it fails on its own (a v2 may be slower or buggier than v1).
struct VersionProfile
{
    ServiceTime serviceTime = ServiceTime::exponential(5);
    QHash<QString, ServiceTime> routeServiceTime; // by route key, "GET /products"
    double errorPercent = 0;
    int errorStatus = 500;
};

// A rolling update in progress (Kubernetes Deployment semantics).
struct RollingUpdate
{
    QString version;
    VersionProfile profile;
    int maxUnavailable = 0;
    int maxSurge = 1;
    // The Deployment's minReadySeconds: a new replica counts as available
    // (to let an old one go, or to finish the update) only once it has been
    // ready this long. 0, Kubernetes' default: as soon as it is ready.
    double minReadySeconds = 0;
};

// What a controller on top of a replica set sees of the set and may do to
// it: the set (ServiceHost) starts, removes and drains replicas; a
// controller decides which, the way Kubernetes' Deployment controller acts on
// its ReplicaSets and never inside them.
//
// Invariants: a change made through Locked is seen whole by everyone else
// (the set is locked while it runs); nothing reached through Locked may call
// back into a controller.
class ReplicaSetControl
{
public:
    // A replica of the set, and since when it has been ready (none while it
    // is in its cold start or never became ready).
    struct Member
    {
        std::shared_ptr<Replica> replica;
        std::optional<TimePoint> readySince;
    };

    // The set while it is locked for one change.
    class Locked
    {
    public:
        // The replicas the set is to run (its spec.replicas).
        virtual int desiredReplicas() const = 0;
        // Every replica the set holds, dead ones too, in slot order.
        virtual std::vector<Member> members() const = 0;
        // A new replica of `version` in a free slot: cold start, then ready.
        virtual std::shared_ptr<Replica> startReplica(const QString &version) = 0;
        // Out of the set and out of rotation at once; drain() stops it later.
        virtual void removeReplica(const std::shared_ptr<Replica> &replica) = 0;
        // The version the set runs, and starts from now on.
        virtual void adoptVersion(const QString &version, const VersionProfile &profile) = 0;

    protected:
        ~Locked() = default;
    };

    virtual QString name() const = 0;
    // Makes a version known by name; false once the set is shut down.
    virtual bool addVersion(const QString &version, const VersionProfile &profile) = 0;
    // Runs `change` with the set locked; false, without running it, once the
    // set is shut down.
    virtual bool withLocked(const std::function<void(Locked &)> &change) = 0;
    // Stops a removed replica once its in-flight work is done (at most 5 s).
    virtual void drain(const std::shared_ptr<Replica> &replica) = 0;

protected:
    ~ReplicaSetControl() = default;
};

// Kubernetes' Deployment controller for one replica set: replaces its
// replicas by ones of another version, at most maxSurge above and
// maxUnavailable below the desired count, a new replica counting as
// available once ready for minReadySeconds. Steps every 100 ms on the
// scheduler until the new version alone has the desired replicas available.
//
// Invariants: one update at a time; every change to the set is made in one
// locked step (never half a step seen by a scale or a probe); its own lock
// is taken before the set's, never the other way round. It must outlive
// the scheduler's timers (its owner's shutdown stops them first).
class RollingUpdateController
{
public:
    RollingUpdateController(ReplicaSetControl &set, Scheduler &scheduler, EventLog &events);
    RollingUpdateController(const RollingUpdateController &) = delete;
    RollingUpdateController &operator=(const RollingUpdateController &) = delete;

    // False when an update is under way or the set is shut down.
    bool start(const RollingUpdate &update);
    bool inProgress() const;

private:
    void step();

    ReplicaSetControl &m_set;
    Scheduler &m_scheduler;
    EventLog &m_events;

    mutable std::mutex m_mutex;
    std::optional<RollingUpdate> m_update;
    TimePoint m_startedAt;
    // When each replica of the new version became ready, by incarnation.
    std::map<QString, TimePoint> m_readySince;
    std::set<QString> m_announcedAvailable; // those whose "available" event was given
};

} // namespace microcosm
