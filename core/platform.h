#pragma once

#include "chaos.h"
#include "eventlog.h"
#include "faults.h"
#include "gateway.h"
#include "horizontalautoscaler.h"
#include "metrics.h"
#include "scheduler.h"
#include "servicehost.h"
#include "snapshot.h"
#include "tracestore.h"

#include <QString>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace microcosm {

struct PlatformConfig
{
    Duration gatewayTimeout = milliseconds(3000); // users → service, per request
    Duration clientTimeout = milliseconds(1000);  // service → service, per call
    Duration probePeriod = milliseconds(1000); // active health check, unless a service sets its own
    int ringSeconds = 3600;                    // one-second windows kept
    int traceSampleEvery =
        100; // one users' request in N is traced; 0: none (scenario "traceSample")
    int traceCapacity = TraceStore::DefaultCapacity; // finished traces kept, the oldest dropped
};

// The simulated platform: the scheduler, the gateway, the hosted services,
// the metrics and the event log, with one control API (kill, restart,
// scale) and one snapshot API that the UI, the headless runner and the
// tests all use. Owns every thread it starts and joins them on shutdown.
class Platform
{
public:
    explicit Platform(QString dataDir, PlatformConfig config = {});
    ~Platform();
    Platform(const Platform &) = delete;
    Platform &operator=(const Platform &) = delete;

    // Before start(): the service gets dataDir/<file>.db and nothing else;
    // file is the service's name unless the architecture shares one file
    // between several deployables.
    ServiceHost &addService(std::shared_ptr<Service> service, ServiceConfig config,
                            const QString &databaseFile = {});
    // A call the architecture says one service makes to another, known
    // before any is made (so a view can lay the graph out from the start).
    void declareCall(const QString &from, const QString &to);
    std::vector<std::pair<QString, QString>> declaredCalls() const;
    void start();
    void shutdown();

    Scheduler &scheduler() { return *m_scheduler; }
    Gateway &gateway() { return m_gateway; }
    MetricsRegistry &metrics() { return m_metrics; }
    EventLog &events() { return m_events; }
    FaultTable &faults() { return m_faults; }
    ChaosController &chaos() { return *m_chaos; }
    const PlatformConfig &config() const { return m_config; }
    QString dataDir() const { return m_dataDir; }
    // The file a deployable's database lives in (its own, or a shared one).
    QString databasePath(const QString &service) const;
    double elapsed() const;
    // Unique per Platform object: tells this run's replica starts from a
    // previous run's in the same data directory.
    QString runId() const { return m_runId; }
    TimePoint startTime() const { return m_start; }
    // Unix time in nanoseconds of a steady-clock time point: the wall clock
    // is read once, with the steady one, when the platform starts.
    qint64 unixNanos(TimePoint t) const;

    // Tracing: the finished traces, and one request in N from the users'
    // side (the simulated users and the HTTP front) sampled; 0 turns the
    // sampler off (requests with a sampled traceparent and the storefront's
    // are traced anyway).
    TraceStore &traces() { return m_traces; }
    const TraceStore &traces() const { return m_traces; }
    void setTraceSampling(int everyN);
    int traceSampling() const { return m_traceSampleEvery.load(std::memory_order_relaxed); }
    // Whether the next request from the users' side is sampled: a shared
    // counter, so exactly one request in N is (no allocation, one atomic add).
    bool sampleTrace();

    ServiceHost *host(const QString &name) const;
    std::vector<ServiceHost *> hosts() const;
    QStringList serviceNames() const;

    // Control API.
    bool killService(const QString &name, const QString &reason = QStringLiteral("killed by user"));
    bool killReplica(const QString &name, int index,
                     const QString &reason = QStringLiteral("killed by user"));
    bool restartService(const QString &name);
    bool scaleService(const QString &name, int replicas);
    // Turns the service's autoscaler on (config.enabled) or off.
    bool setAutoscaler(const QString &name, const AutoscalerConfig &config);
    AutoscalerConfig autoscaler(const QString &name) const;

    // Snapshot API.
    SystemSnapshot snapshot() const;
    // Closes the current one-second window now (also done on a 1 s tick).
    void rotateMetrics();
    // Requests answered after their caller had given up (wasted work).
    std::uint64_t wastedReplies() const;

    // A service's database file could not be used: SQLite reported it full,
    // read-only, unreadable, corrupt or failing I/O. Counted per service; an
    // event ("database-failed", with SQLite's reason) the first time and then
    // at most every 5 s while it goes on. A run with any of these has failed.
    struct DatabaseFailure
    {
        QString service;
        QString path;
        std::uint64_t count = 0;
        QString lastReason;
    };
    // For a DbError whose fileFailure() is true.
    void noteDatabaseFailure(const QString &service, const QString &source, const QString &reason);
    QList<DatabaseFailure> databaseFailures() const;

private:
    Gauges gaugesFor(const EntityKey &entity, double windowSeconds);

    QString m_dataDir;
    QString m_runId;
    PlatformConfig m_config;
    TimePoint m_start;
    std::chrono::system_clock::time_point m_wallStart; // read with m_start
    // Before the scheduler, gateway and hosts: outlives every thread that adds to it.
    TraceStore m_traces;
    std::atomic<int> m_traceSampleEvery;
    std::atomic<std::uint64_t> m_traceCounter{0};
    MetricsRegistry m_metrics;
    EventLog m_events;
    FaultTable m_faults;
    std::unique_ptr<Scheduler> m_scheduler;
    Gateway m_gateway;
    std::unique_ptr<ChaosController> m_chaos;
    std::vector<std::unique_ptr<ServiceHost>> m_hosts;
    std::vector<std::pair<QString, QString>> m_declaredCalls; // fixed once started
    mutable std::mutex m_controlMutex;
    std::map<QString, std::unique_ptr<HorizontalAutoscaler>> m_autoscalers;
    std::mutex m_rotateMutex;
    std::map<QString, Duration> m_lastBusy; // by replica incarnation
    mutable std::mutex m_dbFailureMutex;
    std::map<QString, std::pair<DatabaseFailure, double>> m_dbFailures; // and last event time
    double m_lastRotation = 0;
    bool m_started = false;
    bool m_stopped = false;
};

} // namespace microcosm
