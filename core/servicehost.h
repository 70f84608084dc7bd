#pragma once

#include "loadbalancer.h"
#include "outlierdetector.h"
#include "policy.h"
#include "replica.h"
#include "scheduler.h"
#include "service.h"
#include "servicetime.h"

#include <QHash>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

namespace microcosm {

class Platform;

// What one version of a service does: how long its work takes and how
// often it fails on its own (a v2 may be slower or buggier than v1).
struct VersionProfile
{
    ServiceTime serviceTime = ServiceTime::exponential(5);
    QHash<QString, ServiceTime> routeServiceTime; // by route key, "GET /products"
    double errorPercent = 0;
    int errorStatus = 500;
};

// How a service is deployed: its replicas and what each can hold.
struct ServiceConfig
{
    int replicas = 2;
    int workers = 4;
    int queueCapacity = 64;
    ServiceTime serviceTime = ServiceTime::exponential(5);
    QHash<QString, ServiceTime> routeServiceTime; // by route key, "GET /products"
    Duration coldStart = milliseconds(500);
    QString version = QStringLiteral("v1");
    LoadBalancer::Strategy balancing = LoadBalancer::Strategy::LeastOutstanding;
    HealthPolicy health;
    double versionErrorPercent = 0; // errors the current version makes on its own
    int versionErrorStatus = 500;
    VersionProfile profile() const
    {
        return {serviceTime, routeServiceTime, versionErrorPercent, versionErrorStatus};
    }
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

// Runs one service as a set of replicas: starts, kills, restarts and scales
// them, balances requests over those in rotation, and probes their health.
// Only replicas that are ready (and, after a probe, alive) are in rotation;
// a replica killed since the last probe still answers "refused" fast.
class ServiceHost
{
public:
    ServiceHost(Platform &platform, std::shared_ptr<Service> service, ServiceConfig config,
                QString databasePath);
    ~ServiceHost();

    QString name() const { return m_name; }
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

    std::vector<std::shared_ptr<Replica>> replicas() const;
    bool inRotation(int index) const;
    int readyCount() const;
    bool anyAlive() const;

private:
    friend class Replica;
    void onReplicaReady(Replica &replica);
    std::shared_ptr<Replica> startReplica(int index, const QString &version);
    int freeSlotLocked() const;
    void stepRollingUpdate();
    void drain(const std::weak_ptr<Replica> &replica, TimePoint giveUp);

    Platform &m_platform;
    std::shared_ptr<Service> m_service;
    const QString m_name;
    const QString m_databasePath;
    LoadBalancer m_balancer;

    mutable std::mutex m_mutex;
    ServiceConfig m_config;
    std::vector<std::shared_ptr<Replica>> m_slots;
    std::vector<bool> m_rotation;
    int m_starts = 0; // replicas started on this host, ever: each incarnation's number
    std::vector<int> m_probeFailures;
    QHash<QString, VersionProfile> m_versions;
    std::optional<RollingUpdate> m_update;
    // During an update: when each replica of the new version became ready, by incarnation.
    std::map<QString, TimePoint> m_readySince;
    std::set<QString> m_announcedAvailable; // those whose "available" event was given
    std::shared_ptr<OutlierDetector> m_outliers;
    std::vector<std::shared_ptr<Replica>> m_rotationList; // what dispatch picks from
    std::vector<std::shared_ptr<Replica>> m_retired;      // killed or drained, to be joined
    int m_maintenanceTurn = 0;
    Scheduler::TimerId m_probeTimer = 0;
    void armProbeLocked();
    bool m_shutdown = false;

    void rebuildRotationLocked();
    void reapLocked();
};

} // namespace microcosm
