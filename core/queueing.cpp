#include "queueing.h"

#include <cmath>
#include <limits>

namespace microcosm::queueing {

double erlangC(int servers, double a)
{
    if (servers <= 0 || a >= servers)
        return 1.0;
    if (a <= 0)
        return 0.0;
    // Erlang B by its recursion, B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)),
    // which never forms a^c or c! (both overflow long before c = 170); then
    // C = B / (1 − ρ·(1 − B)).
    double b = 1.0;
    for (int k = 1; k <= servers; ++k)
        b = a * b / (k + a * b);
    const double rho = a / servers;
    return b / (1.0 - rho * (1.0 - b));
}

MmcPrediction mmc(double lambda, double meanServiceMs, int servers)
{
    MmcPrediction p;
    p.lambda = lambda;
    p.mu = meanServiceMs > 0 ? 1000.0 / meanServiceMs : std::numeric_limits<double>::infinity();
    p.servers = servers;
    p.capacityPerSecond = servers * p.mu;
    p.utilization = p.capacityPerSecond > 0 ? lambda / p.capacityPerSecond : 1.0;
    p.stable = servers > 0 && p.utilization < 1.0;
    if (!p.stable) {
        p.probabilityWait = 1.0;
        p.meanWaitMs = p.meanResponseMs = std::numeric_limits<double>::infinity();
        return p;
    }
    p.probabilityWait = erlangC(servers, lambda / p.mu);
    p.meanWaitMs = 1000.0 * p.probabilityWait / (p.capacityPerSecond - lambda);
    p.meanResponseMs = meanServiceMs + p.meanWaitMs;
    return p;
}

double mmcResponseSurvival(const MmcPrediction &p, double t)
{
    if (!p.stable)
        return 1.0;
    if (t <= 0)
        return 1.0;
    const double mu = p.mu, gamma = p.capacityPerSecond - p.lambda, c = p.probabilityWait;
    // S + Exp(γ): hypoexponential, or Erlang-2 when the rates are equal.
    const double sumSurvival =
        std::abs(gamma - mu) < 1e-9 * mu
            ? std::exp(-mu * t) * (1.0 + mu * t)
            : (gamma * std::exp(-mu * t) - mu * std::exp(-gamma * t)) / (gamma - mu);
    return (1.0 - c) * std::exp(-mu * t) + c * sumSurvival;
}

double MmcPrediction::responseQuantileMs(double q) const
{
    if (!stable)
        return std::numeric_limits<double>::infinity();
    // The survival falls monotonically from 1: bracket, then bisect.
    const double target = 1.0 - q;
    double lo = 0, hi = 1.0 / mu;
    while (mmcResponseSurvival(*this, hi) > target)
        hi *= 2;
    for (int i = 0; i < 100; ++i) {
        const double mid = (lo + hi) / 2;
        (mmcResponseSurvival(*this, mid) > target ? lo : hi) = mid;
    }
    return 1000.0 * (lo + hi) / 2;
}

double md1MeanResponseMs(double lambda, double serviceMs)
{
    const double rho = lambda * serviceMs / 1000.0;
    if (rho >= 1.0)
        return std::numeric_limits<double>::infinity();
    return serviceMs + rho * serviceMs / (2.0 * (1.0 - rho));
}

} // namespace microcosm::queueing
