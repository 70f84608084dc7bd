#include "loadbalancer.h"

#include "replica.h"

#include <random>

namespace microcosm {

namespace {
std::mt19937 &threadRng()
{
    thread_local std::mt19937 rng(std::random_device{}());
    return rng;
}
} // namespace

int LoadBalancer::pick(const std::vector<std::shared_ptr<Replica>> &candidates)
{
    const int n = int(candidates.size());
    if (n == 0)
        return -1;
    if (n == 1)
        return 0;
    switch (m_strategy.load(std::memory_order_relaxed)) {
    case Strategy::RoundRobin:
        return int(m_next.fetch_add(1, std::memory_order_relaxed) % unsigned(n));
    case Strategy::LeastOutstanding: {
        // Ties are broken round robin so equal replicas share the load.
        const unsigned start = m_next.fetch_add(1, std::memory_order_relaxed);
        int best = int(start % unsigned(n));
        for (int k = 1; k < n; ++k) {
            const int i = int((start + unsigned(k)) % unsigned(n));
            if (candidates[i]->outstanding() < candidates[best]->outstanding())
                best = i;
        }
        return best;
    }
    case Strategy::PowerOfTwoChoices: {
        std::uniform_int_distribution<int> any(0, n - 1);
        const int a = any(threadRng());
        int b = any(threadRng());
        if (b == a)
            b = (a + 1) % n;
        return candidates[b]->outstanding() < candidates[a]->outstanding() ? b : a;
    }
    case Strategy::Random:
        return std::uniform_int_distribution<int>(0, n - 1)(threadRng());
    }
    return 0;
}

QString LoadBalancer::strategyName(Strategy s)
{
    switch (s) {
    case Strategy::RoundRobin:
        return QStringLiteral("round-robin");
    case Strategy::LeastOutstanding:
        return QStringLiteral("least-outstanding");
    case Strategy::PowerOfTwoChoices:
        return QStringLiteral("power-of-two");
    case Strategy::Random:
        return QStringLiteral("random");
    }
    return {};
}

bool LoadBalancer::strategyFromName(const QString &name, Strategy *out)
{
    for (Strategy s : {Strategy::RoundRobin, Strategy::LeastOutstanding,
                       Strategy::PowerOfTwoChoices, Strategy::Random}) {
        if (strategyName(s) == name) {
            *out = s;
            return true;
        }
    }
    return false;
}

} // namespace microcosm
