#pragma once

#include "loadbalancer.h"
#include "outlierdetector.h"
#include "policy.h"
#include "replica.h"
#include "rollingupdate.h"
#include "scheduler.h"
#include "service.h"
#include "servicetime.h"

#include <QHash>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace microcosm {

class Platform;

// How a service is deployed: its replicas and what each can hold.
struct ServiceConfig
{
    int replicas = 2;
    int workers = 4;
    int queueCapacity = 64;
    Duration coldStart = milliseconds(500);
    QString version = QStringLiteral("v1");
    VersionProfile profile; // what the current version does: its service times, its own errors
    LoadBalancer::Strategy balancing = LoadBalancer::Strategy::LeastOutstanding;
    HealthPolicy health;
};

// The most replicas one service may have: what the parser accepts and the
// window offers.
constexpr int MaxReplicas = 32;

// Runs one service as a set of replicas (Kubernetes' ReplicaSet): starts,
// kills, restarts and scales them, balances requests over those in
// rotation, and probes their health. Only replicas that are ready (and,
// after a probe, alive) are in rotation; a replica killed since the last
// probe still answers "refused" fast. A rolling update is its controller's
// (RollingUpdateController), which drives this set through ReplicaSetControl.
//
// Invariants: everything known about a slot lives in its one Slot, so no
// scale can leave a slot's rotation, probe count or readiness behind; a
// replica's incarnation number counts for the whole host and is never
// reused, so a dead replica's name never comes back to life.
class ServiceHost : private ReplicaSetControl
{
public:
    ServiceHost(Platform &platform, std::shared_ptr<Service> service, ServiceConfig config,
                QString databasePath);
    ~ServiceHost();

    QString name() const override { return m_name; }
    Service &service() { return *m_service; }
    Platform &platform() { return m_platform; }
    const QString &databasePath() const { return m_databasePath; }
    ServiceConfig config() const;
    ServiceTime serviceTimeFor(const QString &route, const QString &version) const;
    VersionProfile profileFor(const QString &version) const;
    void setServiceTime(const ServiceTime &time);
    LoadBalancer &loadBalancer() { return m_balancer; }

    void start();
    // Stops every replica at shutdown; no events, no new work accepted.
    void shutdown();
    bool kill(const QString &reason);
    bool killReplica(int index, const QString &reason);
    // Brings every dead replica back after the cold-start delay.
    int restart();
    // Adds replicas (cold start) or drains and removes the highest ones.
    void scale(int replicas);
    // Replaces the replicas with ones of another version, one by one, gated
    // on readiness; the others keep serving. False when one is under way.
    // The update's controller does it; these two ask it.
    bool startRollingUpdate(const RollingUpdate &update);
    bool rollingUpdateInProgress() const;
    void setHealthPolicy(const HealthPolicy &policy);

    // Hands the request to a replica in rotation; when none can take it the
    // call is completed here with 503 and the reason.
    void dispatch(Request request, const std::shared_ptr<PendingCall> &call);
    // Passive outlier detection: a replica's answer, as its callers saw it.
    void onReplicaResult(int index, bool is5xx);
    void probe();
    void runMaintenance();

    // By slot: a slot may stand empty (null) after a scale-down or an update.
    std::vector<std::shared_ptr<Replica>> replicas() const;
    bool inRotation(int index) const;
    int readyCount() const;
    bool anyAlive() const;

private:
    friend class Replica;
    class LockedSet;

    // One place in the set: the replica there now and what the host knows
    // of it. An empty slot (no replica) keeps its index for the next start.
    struct Slot
    {
        std::shared_ptr<Replica> replica;
        bool inRotation = false; // ready and passing its probes
        int probeFailures = 0;   // consecutive failed probes
        bool probedOut = false;  // taken out by a probe: back when the probes pass again
        std::optional<TimePoint> readySince;
    };

    // ReplicaSetControl, for the rolling update's controller.
    bool addVersion(const QString &version, const VersionProfile &profile) override;
    bool withLocked(const std::function<void(Locked &)> &change) override;
    void drain(const std::shared_ptr<Replica> &replica) override;

    void onReplicaReady(Replica &replica);
    std::shared_ptr<Replica> startReplicaLocked(int index, const QString &version);
    void retireLocked(int index);
    int freeSlotLocked() const;
    void drainUntil(const std::weak_ptr<Replica> &replica, TimePoint giveUp);
    void armProbeLocked();
    void rebuildRotationLocked();
    void reapLocked();

    Platform &m_platform;
    std::shared_ptr<Service> m_service;
    const QString m_name;
    const QString m_databasePath;
    LoadBalancer m_balancer;

    mutable std::mutex m_mutex;
    ServiceConfig m_config;
    std::vector<Slot> m_slots; // by replica index; no trailing empty slot after a scale
    int m_starts = 0;          // replicas started on this host, ever: each incarnation's number
    QHash<QString, VersionProfile> m_versions;
    std::shared_ptr<OutlierDetector> m_outliers;
    std::vector<std::shared_ptr<Replica>> m_rotationList; // what dispatch picks from
    std::vector<std::shared_ptr<Replica>> m_retired;      // killed or drained, to be joined
    int m_maintenanceTurn = 0;
    Scheduler::TimerId m_probeTimer = 0;
    QString m_unready; // the service's own unready() at the last probe
    bool m_shutdown = false;

    // Takes its own lock before this host's; declared last, so it is
    // destroyed first.
    RollingUpdateController m_rollingUpdate;
};

} // namespace microcosm
