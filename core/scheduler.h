#pragma once

#include "clock.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
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

    // holds: what the task needs alive until it has run or been cancelled.
    // A task that captures only a raw pointer to it is stored without an
    // allocation of its own (std::function keeps such a small, trivially
    // copyable functor inside itself).
    TimerId at(TimePoint when, Task task, std::shared_ptr<const void> holds = {});
    TimerId after(Duration delay, Task task, std::shared_ptr<const void> holds = {})
    {
        return at(Clock::now() + delay, std::move(task), std::move(holds));
    }
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
    // The pending timers by deadline: a binary min-heap, each timer knowing
    // its place in it, so cancel() takes a timer out at once. Most timers
    // are cancelled (a call's timeout, once the call is answered); left in
    // the heap they woke the thread at their deadlines for nothing, one
    // wake-up per call a timeout later, and held their entries till then.
    struct Entry
    {
        TimePoint when;
        TimerId id;
        bool before(const Entry &o) const { return when < o.when || (when == o.when && id < o.id); }
    };
    // A timer lives in a slot of m_timers, reused once it has run or been
    // cancelled: arming one allocates nothing once the slots have grown
    // (a node per timer in a hash map did, on every call's timeout). An
    // id is a sequence number above its slot's index, so a stale id
    // (its timer gone, the slot reused) finds a different id there.
    struct Timer
    {
        Task task;
        std::shared_ptr<const void> holds;
        Duration period{};     // zero for one-shot
        TimerId id = 0;        // 0: a free slot
        std::size_t place = 0; // its index in m_heap while pending
    };
    static constexpr int SlotBits = 24;
    TimerId arm(TimePoint when, Task task, std::shared_ptr<const void> holds, Duration period);
    Timer *find(TimerId id);
    void release(Timer &timer);
    Timer &timerOf(const Entry &e) { return m_timers[e.id & ((TimerId(1) << SlotBits) - 1)]; }
    void push(Entry e);
    void removeAt(std::size_t place);
    void siftUp(std::size_t place);
    void siftDown(std::size_t place);
    void put(std::size_t place, const Entry &e);

    void run();

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_taskDone;
    TimerId m_running = 0;
    // The deadline the thread sleeps until: max() while it waits with
    // nothing pending, min() while it is awake (it looks at the heap again
    // before it sleeps). arm() wakes it only for a timer due before this: on
    // an idle platform each call's timeout finds the heap empty, and waking
    // the thread for every one cost each call a futex wake-up.
    TimePoint m_sleepsUntil = TimePoint::min();
    std::vector<Entry> m_heap;
    std::vector<Timer> m_timers;
    std::vector<std::uint32_t> m_freeSlots;
    std::size_t m_live = 0;
    TimerId m_nextSequence = 1;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace microcosm
