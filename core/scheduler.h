#pragma once

#include "clock.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

namespace microcosm {

// The platform's one timer thread: timeouts, back-off, injected delays,
// probes and periodic ticks all wait here, on a min-heap of deadlines.
// Tasks run on the timer thread and must be short and never block; nothing
// else in the platform sleeps a thread to wait for a timer. The destructor
// stops and joins the thread; tasks still pending are dropped.
class Scheduler
{
public:
    using TimerId = std::uint64_t;
    using Task = std::function<void()>;

    Scheduler();
    ~Scheduler();
    Scheduler(const Scheduler &) = delete;
    Scheduler &operator=(const Scheduler &) = delete;

    TimerId at(TimePoint when, Task task);
    TimerId after(Duration delay, Task task) { return at(Clock::now() + delay, std::move(task)); }
    // Runs task every period until cancelled; the first run is one period from now.
    TimerId every(Duration period, Task task);
    // True when the timer was still pending (it will now never run).
    bool cancel(TimerId id);
    // As cancel(), and if the task is running right now on the timer
    // thread, waits for it to return (unless called from that thread).
    // After it returns the task can no longer touch what it captured.
    void cancelAndWait(TimerId id);

    void stop();
    std::size_t pending() const;

private:
    struct Entry
    {
        TimePoint when;
        TimerId id;
        bool operator>(const Entry &o) const
        {
            return when > o.when || (when == o.when && id > o.id);
        }
    };
    struct Timer
    {
        Task task;
        Duration period{}; // zero for one-shot
    };

    void run();

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_taskDone;
    TimerId m_running = 0;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> m_heap;
    std::unordered_map<TimerId, Timer> m_timers;
    TimerId m_nextId = 1;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace microcosm
