#pragma once

#include "clock.h"

#include <QString>

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace microcosm {

// Resilience4j's CircuitBreakerConfig: the same names and the same defaults.
struct CircuitBreakerConfig
{
    enum class SlidingWindowType
    {
        COUNT_BASED,
        TIME_BASED
    };

    SlidingWindowType slidingWindowType = SlidingWindowType::COUNT_BASED;
    int slidingWindowSize = 100; // calls when COUNT_BASED, seconds when TIME_BASED
    int minimumNumberOfCalls = 100;
    double failureRateThreshold = 50;   // percent
    double slowCallRateThreshold = 100; // percent
    Duration slowCallDurationThreshold = milliseconds(60000);
    Duration waitDurationInOpenState = milliseconds(60000);
    int permittedNumberOfCallsInHalfOpenState = 10;

    // Trips about a second into a fault at tens of requests per second and
    // closes again a few seconds after the fault is gone: for live demos.
    static CircuitBreakerConfig demo();
};

/*
 * A circuit breaker for one caller→service edge, with Resilience4j's state
 * machine. CLOSED records outcomes in a sliding window (the last N calls, or
 * the last N seconds in one-second buckets) and trips to OPEN once at least
 * minimumNumberOfCalls are recorded and the failure rate or the slow-call rate
 * reaches its threshold. A time-based window is moved to the current second
 * on every read as well as on every record (SlidingTimeWindowMetrics), so the
 * rates of an idle edge decay as its buckets age out. OPEN short-circuits
 * every call; the first call (or state() query) after waitDurationInOpenState
 * moves it to HALF_OPEN, as with automaticTransitionFromOpenToHalfOpenEnabled
 * = false. HALF_OPEN lets permittedNumberOfCallsInHalfOpenState trial calls
 * through into a count-based window of that size whose minimum is
 * min(minimumNumberOfCalls, permittedNumberOfCallsInHalfOpenState)
 * (CircuitBreakerMetrics.forHalfOpen), and closes or re-opens on their rates
 * as soon as that many have reported. DISABLED (always permit, record
 * nothing) and FORCED_OPEN (always reject) are operator overrides that only
 * another transitionTo…() or reset() leaves.
 *
 * Invariants: OPEN and FORCED_OPEN never grant a permission; HALF_OPEN never
 * has more trial permissions out than it allows; each state change is
 * reported once to the observer, which runs without the lock held, so it may
 * call back into the breaker. Every member function is thread-safe.
 */
class CircuitBreaker
{
public:
    enum class State
    {
        CLOSED,
        OPEN,
        HALF_OPEN,
        DISABLED,
        FORCED_OPEN
    };
    using StateChangeObserver = std::function<void(State from, State to, const QString &reason)>;

    explicit CircuitBreaker(const CircuitBreakerConfig &config = {});

    const CircuitBreakerConfig &config() const { return m_config; }
    void setOnStateChange(StateChangeObserver observer);

    // False means the call is short-circuited and must not be made.
    bool tryAcquirePermission(TimePoint now);
    // Gives back a permission whose call was never made.
    void releasePermission();
    // Reports a permitted call that ran for `elapsed`; slow is elapsed > slowCallDurationThreshold.
    void onResult(TimePoint now, Duration elapsed, bool failure);

    State state(TimePoint now);
    void transitionToDisabled();
    void transitionToForcedOpen();
    void transitionToClosed();
    // Back to CLOSED with an empty window, whatever the state.
    void reset();

    // Resilience4j's CircuitBreaker.Metrics, read at `now`: a time-based
    // window is first moved to now, so buckets older than slidingWindowSize
    // seconds are gone. Rates are percentages over the current window (in
    // OPEN: the window that tripped it), or -1 while it holds fewer calls
    // than the minimum.
    struct Metrics
    {
        int bufferedCalls = 0;
        int failedCalls = 0;
        int slowCalls = 0;
        double failureRate = -1;
        double slowCallRate = -1;
    };
    Metrics metrics(TimePoint now);
    double failureRate(TimePoint now);
    double slowCallRate(TimePoint now);
    // The same, as of the latest time the breaker was given (the window is
    // not moved): for callers that have no clock at hand.
    double failureRate() const;
    double slowCallRate() const;

    static QString stateName(State state);

private:
    // Outcome counts over the last `size` calls (COUNT_BASED) or the last
    // `size` whole seconds, one bucket per second (TIME_BASED).
    class SlidingWindow
    {
    public:
        SlidingWindow(CircuitBreakerConfig::SlidingWindowType type, int size, int minimumCalls);
        void record(TimePoint now, bool failure, bool slow);
        // Moves a time-based window to the second of `now` (a no-op for a
        // count-based one, and for a time earlier than its current second).
        void moveTo(TimePoint now);
        bool hasMinimumCalls() const { return m_total.calls >= m_minimumCalls; }
        int calls() const { return m_total.calls; }
        int failures() const { return m_total.failures; }
        int slowCalls() const { return m_total.slowCalls; }
        double failureRate() const { return rate(m_total.failures); }
        double slowCallRate() const { return rate(m_total.slowCalls); }

    private:
        struct Bucket
        {
            int calls = 0;
            int failures = 0;
            int slowCalls = 0;
        };
        double rate(int count) const;
        Bucket &bucketFor(TimePoint now);
        void evict(Bucket &bucket);

        CircuitBreakerConfig::SlidingWindowType m_type;
        int m_minimumCalls;
        std::vector<Bucket> m_buckets;
        Bucket m_total;
        long long m_head = 0; // next slot (COUNT_BASED) or current second (TIME_BASED)
    };

    struct Transition
    {
        State from;
        State to;
        QString reason;
    };

    SlidingWindow closedWindow() const;
    std::optional<Transition> transitionTo(State to, const QString &reason);
    std::optional<Transition> halfOpenIfWaited(TimePoint now);
    std::optional<Transition> evaluateWindow(TimePoint now);
    void notify(const std::optional<Transition> &transition);

    const CircuitBreakerConfig m_config;
    mutable std::mutex m_mutex;
    State m_state = State::CLOSED;
    SlidingWindow m_window;
    TimePoint m_openedAt;
    int m_halfOpenPermits = 0;
    StateChangeObserver m_onStateChange;
};

} // namespace microcosm
