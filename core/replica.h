#pragma once

#include "clock.h"
#include "message.h"
#include "pendingcall.h"
#include "states.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace microcosm {

class Database;
class DbError;
class ServiceHost;
class WorkerContextImpl;

// One instance ("pod") of a service: a bounded inbox and W worker threads,
// each with its own SQLite connection to the service's file. A worker that
// waits on a downstream call is blocked, as in thread-per-request servers.
//
// Invariants: every job taken in is completed exactly once (reply, timeout
// or reset); a killed replica never serves again (a restart makes a new
// Replica); its threads are joined by its owner, never detached.
class Replica : public std::enable_shared_from_this<Replica>
{
public:
    using State = ReplicaState;

    struct Job
    {
        Request request;
        std::shared_ptr<PendingCall> call; // null for maintenance jobs
        TimePoint enqueued;
        bool maintenance = false;
    };

    Replica(ServiceHost &host, int index, int generation, int workers, int queueCapacity,
            QString version);
    ~Replica();
    Replica(const Replica &) = delete;
    Replica &operator=(const Replica &) = delete;

    void start();
    void markReady();
    // Stops every worker now: the job each one runs and every queued job fail
    // with 502; open transactions roll back. Returns false when already dead.
    bool kill(const QString &reason);
    void join();

    // Takes a job unless the inbox is full or the replica is not serving;
    // then *refusal says why.
    bool enqueue(Job job, Response *refusal);

    State state() const { return m_state.load(std::memory_order_acquire); }
    bool serving() const { return state() == State::Ready; }
    bool finished() const { return m_liveWorkers.load() == 0; }
    // Workers that opened the database and serve (or wait for work).
    int servingWorkers() const { return m_servingWorkers.load(); }
    int index() const { return m_index; }
    QString name() const { return m_name; }
    QString incarnation() const { return m_incarnation; }
    QString version() const { return m_version; }
    // Time its workers spent on jobs since it started (for utilization).
    Duration busyTime() const { return Duration(m_busyTime.load(std::memory_order_relaxed)); }
    int queued() const { return m_queued.load(std::memory_order_relaxed); }
    int busy() const { return m_busy.load(std::memory_order_relaxed); }
    // Jobs queued or running: what "least outstanding" balancing looks at.
    int outstanding() const { return queued() + busy(); }
    int workers() const { return m_workerCount; }
    int queueCapacity() const { return m_capacity; }
    std::uint64_t wastedReplies() const { return m_wasted.load(); }

    // Used by the worker context: wait for a predicate, woken by notify() or kill.
    template <typename Pred> bool waitUntil(TimePoint deadline, Pred pred)
    {
        std::unique_lock lock(m_mutex);
        return m_wake.wait_until(lock, deadline, [&] { return pred() || killed(); });
    }
    void notify()
    {
        std::lock_guard lock(m_mutex);
        m_wake.notify_all();
    }
    bool killed() const { return m_killed.load(std::memory_order_acquire); }
    const std::atomic<bool> *killFlag() const { return &m_killed; }

private:
    friend class WorkerContextImpl;
    void workerMain(int worker);
    void serve(int worker, Database &db);
    void noteDatabaseFailure(const DbError &e);
    Response work(Job &job, WorkerContextImpl &ctx, TimePoint started);
    void serviceWait(TimePoint workEnd);

    ServiceHost &m_host;
    const int m_index;
    const QString m_name;
    const QString m_incarnation;
    const int m_workerCount;
    const int m_capacity;
    const QString m_version;

    std::mutex m_mutex;
    std::condition_variable m_inboxReady;
    std::condition_variable m_wake;
    std::deque<Job> m_inbox;
    std::vector<std::shared_ptr<PendingCall>> m_running; // per worker
    std::vector<Database *> m_connections;               // per worker, for interrupt on kill
    std::vector<std::thread> m_threads;

    std::atomic<State> m_state{State::Starting};
    std::atomic<bool> m_killed{false};
    std::atomic<int> m_queued{0};
    std::atomic<int> m_busy{0};
    std::atomic<int> m_liveWorkers{0};
    std::atomic<int> m_servingWorkers{0};
    std::atomic<std::uint64_t> m_wasted{0};
    std::atomic<Duration::rep> m_busyTime{0};
    // How late the kernel wakes a worker from a timed wait, on average
    // (see serviceWait()).
    std::atomic<Duration::rep> m_wakeLateness{0};
};

} // namespace microcosm
