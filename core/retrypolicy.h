#pragma once

#include "clock.h"

#include <atomic>
#include <random>

namespace microcosm {

/*
 * How a caller retries a failed call: at most maxAttempts tries in all (the
 * first one included), with Resilience4j's exponential random back-off
 * before each retry, starting from Envoy's 25 ms base interval. Whether a
 * request may be retried at all (idempotent route or Idempotency-Key) is the
 * caller's decision, not the policy's.
 *
 * Invariant, for retry n >= 1 with d = min(initialBackoff × multiplier^(n-1), maxBackoff)
 * and f = randomizationFactor clamped to [0, 1]:
 *     (1 - f) × d  <=  backoff(n)  <=  min((1 + f) × d, maxBackoff)
 * so no wait ever exceeds maxBackoff, and f = 0 gives the exact exponential.
 */
struct RetryPolicy
{
    int maxAttempts = 3;
    Duration initialBackoff = milliseconds(25);
    double multiplier = 2;
    Duration maxBackoff = milliseconds(1000);
    double randomizationFactor = 0.5;

    // The wait before retry number `retry` (1 = the first retry; lower
    // values count as 1); the same seed gives the same waits on every platform.
    Duration backoff(int retry, std::mt19937_64 &rng) const;
};

/*
 * Envoy's retry budget for one edge: the retries in flight may not exceed
 * budgetPercent of the active requests (every try in flight, retries
 * included, like Envoy's rq_active), but minRetryConcurrency retries are
 * always allowed, so a quiet edge can still retry while a storm of failures
 * cannot multiply the load it sends.
 *
 * Invariant: a retry is granted only while activeRetries() is below limit();
 * every granted retry is given back with exactly one releaseRetry(). Lock-free.
 */
class RetryBudget
{
public:
    explicit RetryBudget(double budgetPercent = 20, int minRetryConcurrency = 3);

    void onRequestStarted();
    void onRequestFinished();
    bool tryAcquireRetry();
    void releaseRetry();

    int activeRequests() const { return m_activeRequests.load(); }
    int activeRetries() const { return m_activeRetries.load(); }
    // How many retries may be in flight right now.
    int limit() const;

private:
    const double m_budgetPercent;
    const int m_minRetryConcurrency;
    std::atomic<int> m_activeRequests = 0;
    std::atomic<int> m_activeRetries = 0;
};

} // namespace microcosm
