#include "circuitbreaker.h"

#include <algorithm>

namespace microcosm {

using SlidingWindowType = CircuitBreakerConfig::SlidingWindowType;

CircuitBreakerConfig CircuitBreakerConfig::demo()
{
    CircuitBreakerConfig config;
    config.slidingWindowSize = 20;
    config.minimumNumberOfCalls = 10;
    config.failureRateThreshold = 50;
    config.slowCallRateThreshold = 50;
    config.slowCallDurationThreshold = milliseconds(1000);
    config.waitDurationInOpenState = seconds(3);
    config.permittedNumberOfCallsInHalfOpenState = 3;
    return config;
}

CircuitBreaker::SlidingWindow::SlidingWindow(SlidingWindowType type, int size, int minimumCalls)
    : m_type(type), m_minimumCalls(minimumCalls), m_buckets(std::max(1, size))
{
}

void CircuitBreaker::SlidingWindow::record(TimePoint now, bool failure, bool slow)
{
    Bucket &bucket = bucketFor(now);
    for (Bucket *b : {&bucket, &m_total}) {
        ++b->calls;
        b->failures += failure;
        b->slowCalls += slow;
    }
}

double CircuitBreaker::SlidingWindow::rate(int count) const
{
    return hasMinimumCalls() && m_total.calls > 0 ? 100.0 * count / m_total.calls : -1.0;
}

CircuitBreaker::SlidingWindow::Bucket &CircuitBreaker::SlidingWindow::bucketFor(TimePoint now)
{
    if (m_type == SlidingWindowType::COUNT_BASED) {
        Bucket &slot = m_buckets[m_head];
        evict(slot);
        m_head = (m_head + 1) % static_cast<long long>(m_buckets.size());
        return slot;
    }
    // A time earlier than the current second is counted in the current second.
    moveTo(now);
    return m_buckets[m_head % static_cast<long long>(m_buckets.size())];
}

// SlidingTimeWindowMetrics.moveWindowToCurrentEpochSecond: clears the buckets
// of the seconds skipped since the head, at most the whole window.
void CircuitBreaker::SlidingWindow::moveTo(TimePoint now)
{
    if (m_type != SlidingWindowType::TIME_BASED)
        return;
    const auto size = static_cast<long long>(m_buckets.size());
    const long long second = std::chrono::floor<seconds>(now.time_since_epoch()).count();
    if (second <= m_head)
        return;
    for (long long s = std::max(m_head + 1, second - size + 1); s <= second; ++s)
        evict(m_buckets[s % size]);
    m_head = second;
}

void CircuitBreaker::SlidingWindow::evict(Bucket &bucket)
{
    m_total.calls -= bucket.calls;
    m_total.failures -= bucket.failures;
    m_total.slowCalls -= bucket.slowCalls;
    bucket = {};
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig &config)
    : m_config(config), m_window(closedWindow())
{
}

void CircuitBreaker::setOnStateChange(StateChangeObserver observer)
{
    std::lock_guard lock(m_mutex);
    m_onStateChange = std::move(observer);
}

bool CircuitBreaker::tryAcquirePermission(TimePoint now)
{
    std::unique_lock lock(m_mutex);
    const auto transition = halfOpenIfWaited(now);
    bool permitted = false;
    switch (m_state) {
    case State::CLOSED:
    case State::DISABLED:
        permitted = true;
        break;
    case State::HALF_OPEN:
        permitted = m_halfOpenPermits > 0;
        m_halfOpenPermits -= permitted;
        break;
    case State::OPEN:
    case State::FORCED_OPEN:
        break;
    }
    lock.unlock();
    notify(transition);
    return permitted;
}

void CircuitBreaker::releasePermission()
{
    std::lock_guard lock(m_mutex);
    if (m_state == State::HALF_OPEN)
        m_halfOpenPermits =
            std::min(m_halfOpenPermits + 1, m_config.permittedNumberOfCallsInHalfOpenState);
}

void CircuitBreaker::onResult(TimePoint now, Duration elapsed, bool failure)
{
    std::unique_lock lock(m_mutex);
    if (m_state != State::CLOSED && m_state != State::HALF_OPEN)
        return;
    m_window.record(now, failure, elapsed > m_config.slowCallDurationThreshold);
    const auto transition = evaluateWindow(now);
    lock.unlock();
    notify(transition);
}

CircuitBreaker::State CircuitBreaker::state(TimePoint now)
{
    std::unique_lock lock(m_mutex);
    const auto transition = halfOpenIfWaited(now);
    const State current = m_state;
    lock.unlock();
    notify(transition);
    return current;
}

void CircuitBreaker::transitionToDisabled()
{
    std::unique_lock lock(m_mutex);
    const auto transition = transitionTo(State::DISABLED, QStringLiteral("disabled by operator"));
    lock.unlock();
    notify(transition);
}

void CircuitBreaker::transitionToForcedOpen()
{
    std::unique_lock lock(m_mutex);
    const auto transition =
        transitionTo(State::FORCED_OPEN, QStringLiteral("forced open by operator"));
    lock.unlock();
    notify(transition);
}

void CircuitBreaker::transitionToClosed()
{
    std::unique_lock lock(m_mutex);
    const auto transition = transitionTo(State::CLOSED, QStringLiteral("closed by operator"));
    lock.unlock();
    notify(transition);
}

void CircuitBreaker::reset()
{
    std::unique_lock lock(m_mutex);
    const auto transition = transitionTo(State::CLOSED, QStringLiteral("reset"));
    m_window = closedWindow();
    lock.unlock();
    notify(transition);
}

CircuitBreaker::Metrics CircuitBreaker::metrics(TimePoint now)
{
    std::lock_guard lock(m_mutex);
    m_window.moveTo(now);
    return {m_window.calls(), m_window.failures(), m_window.slowCalls(), m_window.failureRate(),
            m_window.slowCallRate()};
}

double CircuitBreaker::failureRate(TimePoint now)
{
    return metrics(now).failureRate;
}

double CircuitBreaker::slowCallRate(TimePoint now)
{
    return metrics(now).slowCallRate;
}

double CircuitBreaker::failureRate() const
{
    std::lock_guard lock(m_mutex);
    return m_window.failureRate();
}

double CircuitBreaker::slowCallRate() const
{
    std::lock_guard lock(m_mutex);
    return m_window.slowCallRate();
}

QString CircuitBreaker::stateName(State state)
{
    switch (state) {
    case State::CLOSED:
        return QStringLiteral("CLOSED");
    case State::OPEN:
        return QStringLiteral("OPEN");
    case State::HALF_OPEN:
        return QStringLiteral("HALF_OPEN");
    case State::DISABLED:
        return QStringLiteral("DISABLED");
    case State::FORCED_OPEN:
        return QStringLiteral("FORCED_OPEN");
    }
    return {};
}

CircuitBreaker::SlidingWindow CircuitBreaker::closedWindow() const
{
    // Like Resilience4j, a count-based window never waits for more calls than it can hold.
    const bool countBased = m_config.slidingWindowType == SlidingWindowType::COUNT_BASED;
    const int minimumCalls =
        countBased ? std::min(m_config.minimumNumberOfCalls, m_config.slidingWindowSize)
                   : m_config.minimumNumberOfCalls;
    return SlidingWindow(m_config.slidingWindowType, m_config.slidingWindowSize, minimumCalls);
}

// Enters `to` with fresh metrics, except OPEN, which keeps the window that
// tripped it so its rates stay visible.
std::optional<CircuitBreaker::Transition> CircuitBreaker::transitionTo(State to,
                                                                       const QString &reason)
{
    if (m_state == to)
        return std::nullopt;
    const State from = m_state;
    m_state = to;
    const int permitted = m_config.permittedNumberOfCallsInHalfOpenState;
    if (to == State::HALF_OPEN) {
        // CircuitBreakerMetrics.forHalfOpen: a count-based window of the
        // permitted calls, deciding once min(minimumNumberOfCalls, permitted)
        // of them have reported.
        m_window = SlidingWindow(SlidingWindowType::COUNT_BASED, permitted,
                                 std::min(m_config.minimumNumberOfCalls, permitted));
        m_halfOpenPermits = permitted;
    } else if (to != State::OPEN) {
        m_window = closedWindow();
    }
    return Transition{from, to, reason};
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::halfOpenIfWaited(TimePoint now)
{
    if (m_state != State::OPEN || now - m_openedAt < m_config.waitDurationInOpenState)
        return std::nullopt;
    return transitionTo(
        State::HALF_OPEN,
        QStringLiteral("waited %1 ms in OPEN").arg(toMs(m_config.waitDurationInOpenState)));
}

// In CLOSED, opens when a rate reaches its threshold; in HALF_OPEN, once the
// window's minimum of trial calls has reported, opens or closes on the same test.
std::optional<CircuitBreaker::Transition> CircuitBreaker::evaluateWindow(TimePoint now)
{
    if (!m_window.hasMinimumCalls())
        return std::nullopt;
    const double failureRate = m_window.failureRate();
    const double slowCallRate = m_window.slowCallRate();
    const QString over = QStringLiteral(" over %1 calls").arg(m_window.calls());
    if (failureRate >= m_config.failureRateThreshold ||
        slowCallRate >= m_config.slowCallRateThreshold) {
        m_openedAt = now;
        const QString reason = failureRate >= m_config.failureRateThreshold
                                   ? QStringLiteral("failure rate %1% >= %2%")
                                         .arg(failureRate)
                                         .arg(m_config.failureRateThreshold)
                                   : QStringLiteral("slow call rate %1% >= %2% (slower than %3 ms)")
                                         .arg(slowCallRate)
                                         .arg(m_config.slowCallRateThreshold)
                                         .arg(toMs(m_config.slowCallDurationThreshold));
        return transitionTo(State::OPEN, reason + over);
    }
    if (m_state != State::HALF_OPEN)
        return std::nullopt;
    return transitionTo(State::CLOSED,
                        QStringLiteral("failure rate %1% < %2% and slow call rate %3% < %4%")
                                .arg(failureRate)
                                .arg(m_config.failureRateThreshold)
                                .arg(slowCallRate)
                                .arg(m_config.slowCallRateThreshold) +
                            over);
}

void CircuitBreaker::notify(const std::optional<Transition> &transition)
{
    if (!transition)
        return;
    StateChangeObserver observer;
    {
        std::lock_guard lock(m_mutex);
        observer = m_onStateChange;
    }
    if (observer)
        observer(transition->from, transition->to, transition->reason);
}

} // namespace microcosm
