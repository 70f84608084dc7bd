#pragma once

#include "message.h"

#include <atomic>
#include <functional>

namespace microcosm {

// The one-time completion of a call in flight. Whoever finishes first — the
// worker with the reply, the scheduler with a timeout, a kill with a reset —
// delivers the response; every later attempt is refused and counted by its
// caller as wasted work. The completion therefore runs exactly once.
// A caller on the hot path derives from it and overrides deliver(), so that
// a call in flight is one allocation, not a pending call and a closure.
class PendingCall
{
public:
    using Completion = std::function<void(Response)>;
    explicit PendingCall(Completion completion) : m_completion(std::move(completion)) {}
    virtual ~PendingCall() = default;
    PendingCall(const PendingCall &) = delete;
    PendingCall &operator=(const PendingCall &) = delete;
    bool complete(Response response)
    {
        if (m_done.exchange(true, std::memory_order_acq_rel))
            return false;
        deliver(std::move(response));
        return true;
    }
    bool done() const { return m_done.load(std::memory_order_acquire); }

protected:
    PendingCall() = default;
    // Runs once, with the first response.
    virtual void deliver(Response response)
    {
        Completion c = std::move(m_completion); // what it captured goes with it
        c(std::move(response));
    }

private:
    std::atomic<bool> m_done{false};
    Completion m_completion;
};

} // namespace microcosm
