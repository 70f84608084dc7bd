#include "retrypolicy.h"

#include <QtGlobal>

#include <algorithm>
#include <cmath>

namespace microcosm {

Duration RetryPolicy::backoff(int retry, std::mt19937_64 &rng) const
{
    const double exponential =
        initialBackoff.count() * std::pow(multiplier, std::max(retry, 1) - 1);
    const double base = std::min(exponential, double(maxBackoff.count()));
    const double f = std::clamp(randomizationFactor, 0.0, 1.0);
    // 53 random bits as a double in [0, 1): unlike std::uniform_real_distribution,
    // this is the same on every standard library.
    const double unit = (rng() >> 11) * 0x1.0p-53;
    const double jittered = base * (1 - f + 2 * f * unit);
    return Duration(static_cast<Duration::rep>(std::min(jittered, double(maxBackoff.count()))));
}

RetryBudget::RetryBudget(double budgetPercent, int minRetryConcurrency)
    : m_budgetPercent(budgetPercent), m_minRetryConcurrency(minRetryConcurrency)
{
}

void RetryBudget::onRequestStarted()
{
    ++m_activeRequests;
}

void RetryBudget::onRequestFinished()
{
    const int before = m_activeRequests--;
    Q_ASSERT(before > 0);
}

bool RetryBudget::tryAcquireRetry()
{
    int retries = m_activeRetries.load();
    do {
        if (retries >= limit())
            return false;
    } while (!m_activeRetries.compare_exchange_weak(retries, retries + 1));
    return true;
}

void RetryBudget::releaseRetry()
{
    const int before = m_activeRetries--;
    Q_ASSERT(before > 0);
}

int RetryBudget::limit() const
{
    const int budget = static_cast<int>(m_budgetPercent / 100 * m_activeRequests.load());
    return std::max(budget, m_minRetryConcurrency);
}

} // namespace microcosm
