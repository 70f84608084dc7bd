#pragma once

#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace microcosm {

class Replica;

// Chooses which ready replica gets the next request, with the strategies
// Envoy offers. Thread-safe; pick() never blocks.
class LoadBalancer
{
public:
    enum class Strategy
    {
        RoundRobin,
        LeastOutstanding,
        PowerOfTwoChoices,
        Random
    };

    explicit LoadBalancer(Strategy strategy = Strategy::RoundRobin) : m_strategy(strategy) {}
    void setStrategy(Strategy s) { m_strategy.store(s); }
    Strategy strategy() const { return m_strategy.load(); }

    // Index into candidates, or -1 when there are none.
    int pick(const std::vector<std::shared_ptr<Replica>> &candidates);

    static QString strategyName(Strategy s);
    static bool strategyFromName(const QString &name, Strategy *out);

private:
    std::atomic<Strategy> m_strategy;
    std::atomic<unsigned> m_next{0};
};

} // namespace microcosm
