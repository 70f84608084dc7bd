#pragma once

#include "message.h"
#include "scheduler.h"

#include <QMap>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>

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
    // After a step succeeded, before steps[next] is sent: lets the journey's
    // later requests take values from this answer (a created order's id).
    virtual void carry(const Response &answer, QList<Request> &steps, int next)
    {
        Q_UNUSED(answer);
        Q_UNUSED(steps);
        Q_UNUSED(next);
    }
};

// A moment where a load profile changes its rate: from one rate to another
// (a step, the two ends of a spike or a ramp), with a line for the events.
struct LoadChange
{
    double at = 0; // seconds since the profile began
    double from = 0;
    double to = 0;
    QString text; // "load 80 → 320 journeys/s (spike for 25 s)"
};

// How the arrival rate of the open model changes over time (seconds since
// the load started), in the shapes k6 and Locust users know.
struct LoadProfile
{
    enum class Shape
    {
        Constant,
        Ramp,
        Step,
        Spike,
        Wave
    };
    Shape shape = Shape::Constant;
    double rate = 100;    // constant rate; start of a ramp or step; base of a spike; mean of a wave
    double to = 0;        // end of a ramp, the rate after a step, the peak of a spike
    double at = 0;        // when a ramp, step or spike begins
    double duration = 10; // length of a ramp or a spike
    double amplitude = 0; // of a wave
    double period = 60;   // of a wave, seconds
    double rateAt(double t) const;
    // Its changes in time order: none for a constant rate; a step's one; a
    // spike's rise and fall; a ramp's start and end; a wave's start.
    QList<LoadChange> changes() const;
    static QString shapeName(Shape s);
    static bool shapeFromName(const QString &name, Shape *out);
};

struct LoadConfig
{
    enum class Model
    {
        Open,
        Closed
    };
    Model model = Model::Open;
    LoadProfile profile;      // open model: journey arrivals per second over time
    bool poisson = true;      // open model: Poisson arrivals, or evenly spaced
    int virtualUsers = 50;    // closed model: users, each one journey at a time
    double spawnRate = 10;    // closed model: users started per second
    double thinkTimeMs = 500; // closed model: mean pause between a user's journeys (exponential)
    // Journey → weight. Empty: the workload's default weights. Given, it is
    // the whole mix: a journey it does not name weighs 0. When no journey
    // weighs more than 0 there is nothing to start, and each arrival is
    // counted as dropped (the scenario reader refuses such a mix).
    QMap<QString, double> mix;
    int users = 500; // population the arrivals are drawn from
    quint64 seed = 1;
    int maxInFlight = 20000; // journeys under way beyond which arrivals are dropped, and counted
};

// The open-model load generator: arrivals at a rate, independent of how fast
// the system answers. Each request's latency is measured from its intended
// send time, so a stalled system cannot hide its stall (no coordinated
// omission); arrivals it could not send are counted as dropped, never
// silently skipped. Runs on the platform's scheduler (a 1 ms tick). Each
// change of its profile's rate is an event (source "load", kind
// "load-change") when its time comes; a rate set from outside is not (its
// caller says why it changed).
class LoadGenerator
{
public:
    LoadGenerator(Platform &platform, std::shared_ptr<Workload> workload, LoadConfig config);
    ~LoadGenerator();

    void start();
    void stop();
    bool running() const { return m_timer.load() != 0; }
    // A constant open-model rate from now on (the GUI's slider).
    void setRate(double perSecond);
    // The arrival rate the profile asks for now.
    double rate() const;
    double elapsed() const;
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
    void finish(const std::shared_ptr<Run> &run, bool ok);
    std::shared_ptr<Run> newRun(int user, TimePoint intended);
    void startVirtualUser(int vu);
    QString pickJourney();

    Platform &m_platform;
    std::shared_ptr<Workload> m_workload;
    mutable std::mutex m_mutex; // config and rng; taken on the scheduler thread
    LoadConfig m_config;
    std::mt19937_64 m_rng;
    // The mix, weighed once: the journeys' names and a pick among them
    // (none when nothing weighs more than 0).
    QStringList m_journeyNames;
    std::optional<std::discrete_distribution<int>> m_journeyPick;
    TimePoint m_nextArrival;
    TimePoint m_started;
    QList<LoadChange> m_changes; // the profile's, from the next one due

    int m_spawned = 0;                       // closed model: virtual users started
    std::set<Scheduler::TimerId> m_thinking; // closed model: users between journeys
    std::atomic<Scheduler::TimerId> m_timer{0};
    EntityStats *m_client;

    std::atomic<std::uint64_t> m_arrivals{0}, m_dropped{0}, m_requests{0}, m_ok{0}, m_failed{0};
    std::atomic<int> m_inFlight{0};
    std::mutex m_idleMutex;
    std::condition_variable m_idle;
};

} // namespace microcosm
