#include "ratelimiter.h"

#include <algorithm>

namespace microcosm {

// Refills are computed in floating point; this slack keeps "10/s for 100 ms"
// worth exactly one token.
static constexpr double kTokenEpsilon = 1e-9;

RateLimiter::RateLimiter(double ratePerSecond, double burst)
    : m_ratePerSecond(ratePerSecond), m_burst(burst), m_tokens(burst)
{
}

bool RateLimiter::tryAcquire(TimePoint now, double tokens)
{
    std::lock_guard lock(m_mutex);
    refill(now);
    if (m_tokens + kTokenEpsilon < tokens)
        return false;
    m_tokens = std::max(0.0, m_tokens - tokens);
    return true;
}

double RateLimiter::availableTokens(TimePoint now)
{
    std::lock_guard lock(m_mutex);
    refill(now);
    return m_tokens;
}

// Time never runs backwards for the bucket: an earlier `now` adds nothing.
void RateLimiter::refill(TimePoint now)
{
    if (m_lastRefill && now > *m_lastRefill) {
        const double elapsed = std::chrono::duration<double>(now - *m_lastRefill).count();
        m_tokens = std::min(m_burst, m_tokens + elapsed * m_ratePerSecond);
    }
    if (!m_lastRefill || now > *m_lastRefill)
        m_lastRefill = now;
}

} // namespace microcosm
