#pragma once

#include "clock.h"

#include <mutex>
#include <optional>

namespace microcosm {

/*
 * A token bucket, as in Envoy's local rate limit: it holds up to `burst`
 * tokens, refills continuously at `ratePerSecond`, and starts full. A request
 * takes its tokens or is rejected at once (429); it never waits.
 *
 * Invariants: 0 <= tokens <= burst; over any interval of length t no more
 * than burst + ratePerSecond × t tokens are granted; a request for more than
 * burst tokens is never granted. Thread-safe (one mutex).
 */
class RateLimiter
{
public:
    RateLimiter(double ratePerSecond, double burst);

    bool tryAcquire(TimePoint now, double tokens = 1);
    double availableTokens(TimePoint now);

    double ratePerSecond() const { return m_ratePerSecond; }
    double burst() const { return m_burst; }

private:
    void refill(TimePoint now);

    const double m_ratePerSecond;
    const double m_burst;
    std::mutex m_mutex;
    double m_tokens;
    std::optional<TimePoint> m_lastRefill;
};

} // namespace microcosm
