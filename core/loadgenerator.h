#pragma once

#include "message.h"
#include "scheduler.h"

#include <QMap>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>

namespace microcosm {

class EntityStats;
class Platform;

// What users do, as sequences of requests. core knows no shop: the
// services library supplies the journeys (browse, view, add to cart,
// checkout). journey() is called on the scheduler thread only.
class Workload
{
public:
    virtual ~Workload() = default;
    virtual QStringList journeys() const = 0;
    virtual double defaultWeight(const QString &journey) const = 0;
    // The requests of one journey by one user; each is sent when the one
    // before it has succeeded.
    virtual QList<Request> journey(const QString &name, int user, std::mt19937_64 &rng) = 0;
    // Sees every answer (on whichever thread finished the request).
    virtual void observe(const Request &request, const Response &response)
    {
        Q_UNUSED(request);
        Q_UNUSED(response);
    }
};

struct LoadConfig
{
    double rate = 100;         // journey arrivals per second (open model, Poisson)
    QMap<QString, double> mix; // journey → weight; missing journeys use the workload's weight
    int users = 500;           // population the arrivals are drawn from
    quint64 seed = 1;
    int maxInFlight = 20000;   // journeys under way beyond which arrivals are dropped, and counted
};

// The open-model load generator: arrivals at a rate, independent of how fast
// the system answers. Each request's latency is measured from its intended
// send time, so a stalled system cannot hide its stall (no coordinated
// omission); arrivals it could not send are counted as dropped, never
// silently skipped. Runs on the platform's scheduler (a 1 ms tick).
class LoadGenerator
{
public:
    LoadGenerator(Platform &platform, std::shared_ptr<Workload> workload, LoadConfig config);
    ~LoadGenerator();

    void start();
    void stop();
    bool running() const { return m_timer.load() != 0; }
    void setRate(double perSecond);
    double rate() const;
    LoadConfig config() const;

    struct Stats
    {
        std::uint64_t arrivals = 0; // journeys due
        std::uint64_t dropped = 0;  // journeys not sent: too many under way
        std::uint64_t requests = 0; // requests sent
        std::uint64_t journeysOk = 0;
        std::uint64_t journeysFailed = 0;
        int inFlight = 0; // journeys under way
    };
    Stats stats() const;
    // Blocks until no journey is under way or the timeout passes.
    bool waitIdle(Duration timeout);

private:
    struct Run;
    void tick();
    void send(const std::shared_ptr<Run> &run);
    void finish(bool ok);
    QString pickJourney();

    Platform &m_platform;
    std::shared_ptr<Workload> m_workload;
    mutable std::mutex m_mutex; // config and rng; taken on the scheduler thread
    LoadConfig m_config;
    std::mt19937_64 m_rng;
    TimePoint m_nextArrival;
    std::atomic<Scheduler::TimerId> m_timer{0};
    EntityStats *m_client;

    std::atomic<std::uint64_t> m_arrivals{0}, m_dropped{0}, m_requests{0}, m_ok{0}, m_failed{0};
    std::atomic<int> m_inFlight{0};
    std::mutex m_idleMutex;
    std::condition_variable m_idle;
};

} // namespace microcosm
