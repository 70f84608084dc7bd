#include "scheduler.h"

#include "enginethreads.h"

namespace microcosm {

Scheduler::Scheduler() : m_thread([this] { run(); }) {}

Scheduler::~Scheduler()
{
    stop();
}

void Scheduler::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id())
        m_thread.join();
}

Scheduler::TimerId Scheduler::at(TimePoint when, Task task)
{
    std::lock_guard lock(m_mutex);
    const TimerId id = m_nextId++;
    m_timers.emplace(id, Timer{std::move(task), {}});
    const bool earliest = m_heap.empty() || when < m_heap.top().when;
    m_heap.push({when, id});
    if (earliest)
        m_wake.notify_one();
    return id;
}

Scheduler::TimerId Scheduler::every(Duration period, Task task)
{
    std::lock_guard lock(m_mutex);
    const TimerId id = m_nextId++;
    m_timers.emplace(id, Timer{std::move(task), period});
    m_heap.push({Clock::now() + period, id});
    m_wake.notify_one();
    return id;
}

bool Scheduler::cancel(TimerId id)
{
    std::lock_guard lock(m_mutex);
    return m_timers.erase(id) > 0; // its heap entry is skipped when it comes up
}

void Scheduler::cancelAndWait(TimerId id)
{
    std::unique_lock lock(m_mutex);
    m_timers.erase(id);
    if (std::this_thread::get_id() == m_thread.get_id())
        return;
    m_taskDone.wait(lock, [&] { return m_running != id; });
}

std::size_t Scheduler::pending() const
{
    std::lock_guard lock(m_mutex);
    return m_timers.size();
}

void Scheduler::run()
{
    engineThreadStarted(); // it paces the load generator's arrivals
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_heap.empty()) {
            m_wake.wait(lock);
            continue;
        }
        const Entry top = m_heap.top();
        if (Clock::now() < top.when) {
            m_wake.wait_until(lock, top.when);
            continue;
        }
        m_heap.pop();
        auto it = m_timers.find(top.id);
        if (it == m_timers.end())
            continue; // cancelled
        Task task;
        if (it->second.period > Duration::zero()) {
            // Keep the timer and re-arm from its own deadline (no drift); a
            // tick missed while the thread was busy is skipped, not queued.
            task = it->second.task;
            TimePoint next = top.when + it->second.period;
            if (next < Clock::now())
                next = Clock::now() + it->second.period;
            m_heap.push({next, top.id});
        } else {
            task = std::move(it->second.task);
            m_timers.erase(it);
        }
        m_running = top.id;
        lock.unlock();
        task();
        task = nullptr; // what it captured goes now, not at the next wake-up
        lock.lock();
        m_running = 0;
        m_taskDone.notify_all();
    }
}

} // namespace microcosm
