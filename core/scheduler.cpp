#include "scheduler.h"

#include "enginethreads.h"

#include <stdexcept>

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

Scheduler::TimerId Scheduler::arm(TimePoint when, Task task, std::shared_ptr<const void> holds,
                                  Duration period)
{
    std::lock_guard lock(m_mutex);
    std::uint32_t slot;
    if (!m_freeSlots.empty()) {
        slot = m_freeSlots.back();
        m_freeSlots.pop_back();
    } else {
        slot = std::uint32_t(m_timers.size());
        if (slot >= (1u << SlotBits))
            throw std::length_error("scheduler: too many timers pending");
        m_timers.emplace_back();
    }
    const TimerId id = (m_nextSequence++ << SlotBits) | slot;
    Timer &t = m_timers[slot];
    t.task = std::move(task);
    t.holds = std::move(holds);
    t.period = period;
    t.id = id;
    ++m_live;
    push({when, id});
    if (when < m_sleepsUntil)
        m_wake.notify_one();
    return id;
}

Scheduler::TimerId Scheduler::at(TimePoint when, Task task, std::shared_ptr<const void> holds)
{
    return arm(when, std::move(task), std::move(holds), Duration::zero());
}

Scheduler::TimerId Scheduler::every(Duration period, Task task)
{
    return arm(Clock::now() + period, std::move(task), {}, period);
}

Scheduler::Timer *Scheduler::find(TimerId id)
{
    const std::size_t slot = id & ((TimerId(1) << SlotBits) - 1);
    if (id == 0 || slot >= m_timers.size() || m_timers[slot].id != id)
        return nullptr;
    return &m_timers[slot];
}

void Scheduler::put(std::size_t place, const Entry &e)
{
    m_heap[place] = e;
    timerOf(e).place = place;
}

void Scheduler::siftUp(std::size_t place)
{
    const Entry e = m_heap[place];
    while (place > 0) {
        const std::size_t parent = (place - 1) / 2;
        if (!e.before(m_heap[parent]))
            break;
        put(place, m_heap[parent]);
        place = parent;
    }
    put(place, e);
}

void Scheduler::siftDown(std::size_t place)
{
    const Entry e = m_heap[place];
    const std::size_t n = m_heap.size();
    for (;;) {
        std::size_t child = 2 * place + 1;
        if (child >= n)
            break;
        if (child + 1 < n && m_heap[child + 1].before(m_heap[child]))
            ++child;
        if (!m_heap[child].before(e))
            break;
        put(place, m_heap[child]);
        place = child;
    }
    put(place, e);
}

void Scheduler::push(Entry e)
{
    m_heap.push_back(e);
    siftUp(m_heap.size() - 1);
}

void Scheduler::removeAt(std::size_t place)
{
    const std::size_t last = m_heap.size() - 1;
    if (place != last) {
        put(place, m_heap[last]);
        m_heap.pop_back();
        siftDown(place);
        siftUp(place);
    } else {
        m_heap.pop_back();
    }
}

void Scheduler::release(Timer &timer)
{
    const std::size_t slot = timer.id & ((TimerId(1) << SlotBits) - 1);
    timer.task = nullptr;
    timer.holds.reset();
    timer.id = 0;
    m_freeSlots.push_back(std::uint32_t(slot));
    --m_live;
}

bool Scheduler::cancel(TimerId id)
{
    std::lock_guard lock(m_mutex);
    Timer *t = find(id);
    if (!t)
        return false;
    removeAt(t->place);
    release(*t);
    return true;
}

void Scheduler::cancelAndWait(TimerId id)
{
    std::unique_lock lock(m_mutex);
    if (Timer *t = find(id)) {
        removeAt(t->place);
        release(*t);
    }
    if (std::this_thread::get_id() == m_thread.get_id())
        return;
    m_taskDone.wait(lock, [&] { return m_running != id; });
}

std::size_t Scheduler::pending() const
{
    std::lock_guard lock(m_mutex);
    return m_live;
}

void Scheduler::run()
{
    engineThreadStarted(); // it paces the load generator's arrivals
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_heap.empty()) {
            m_sleepsUntil = TimePoint::max();
            m_wake.wait(lock);
            m_sleepsUntil = TimePoint::min();
            continue;
        }
        const Entry top = m_heap.front();
        if (Clock::now() < top.when) {
            // A timer cancelled meanwhile leaves the heap; the thread then
            // wakes at its deadline once, finds a later one and waits again.
            m_sleepsUntil = top.when;
            m_wake.wait_until(lock, top.when);
            m_sleepsUntil = TimePoint::min();
            continue;
        }
        Timer *timer = &timerOf(top);
        removeAt(0);
        Task task;
        std::shared_ptr<const void> holds;
        if (timer->period > Duration::zero()) {
            // Keep the timer and re-arm from its own deadline (no drift); a
            // tick missed while the thread was busy is skipped, not queued.
            task = timer->task;
            TimePoint next = top.when + timer->period;
            if (next < Clock::now())
                next = Clock::now() + timer->period;
            push({next, top.id});
        } else {
            task = std::move(timer->task);
            holds = std::move(timer->holds);
            release(*timer);
        }
        m_running = top.id;
        lock.unlock();
        task();
        task = nullptr; // what it captured goes now, not at the next wake-up
        holds.reset();
        lock.lock();
        m_running = 0;
        m_taskDone.notify_all();
    }
}

} // namespace microcosm
