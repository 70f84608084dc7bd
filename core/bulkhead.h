#pragma once

#include <atomic>

namespace microcosm {

/*
 * Resilience4j's SemaphoreBulkhead with maxWaitDuration 0: at most
 * maxConcurrentCalls calls to a dependency are in progress at once, and a
 * call beyond that is rejected at once instead of queued, so one slow
 * dependency cannot tie up every worker thread of its caller.
 *
 * Invariants: 0 <= active() <= maxConcurrentCalls(); each successful
 * tryEnter() is paired with exactly one exit(). Lock-free.
 */
class Bulkhead
{
public:
    explicit Bulkhead(int maxConcurrentCalls = 25);

    bool tryEnter();
    void exit();

    int active() const { return m_active.load(); }
    int maxConcurrentCalls() const { return m_maxConcurrentCalls; }

private:
    const int m_maxConcurrentCalls;
    std::atomic<int> m_active = 0;
};

} // namespace microcosm
