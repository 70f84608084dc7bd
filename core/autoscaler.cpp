#include "autoscaler.h"

#include <QtGlobal>

#include <algorithm>
#include <cmath>

namespace microcosm {

// Keeps floating-point noise from deciding: |110 / 100 - 1| is
// 0.10000000000000009, which must still be within a tolerance of 0.1, and
// 4 × 1.05 / 0.6 is 7.000000000000001, which must not become 8 replicas.
static constexpr double kRatioEpsilon = 1e-9;

HpaCalculator::HpaCalculator(const HpaConfig &config) : m_config(config)
{
    Q_ASSERT(config.target > 0);
    Q_ASSERT(config.minReplicas <= config.maxReplicas);
}

int HpaCalculator::desiredReplicas(int currentReplicas, double metric) const
{
    return std::clamp(unclampedReplicas(currentReplicas, metric / m_config.target),
                      m_config.minReplicas, m_config.maxReplicas);
}

HpaCalculator::Recommendation HpaCalculator::recommend(TimePoint now, int currentReplicas,
                                                       double metric)
{
    Recommendation r{currentReplicas, desiredReplicas(currentReplicas, metric),
                     currentReplicas, metric,
                     m_config.target, {}};
    const double ratio = metric / m_config.target;
    r.reason =
        QStringLiteral("metric %1 / target %2 = %3").arg(metric).arg(m_config.target).arg(ratio);
    if (withinTolerance(ratio)) {
        r.reason += QStringLiteral(", within tolerance %1").arg(m_config.tolerance);
    } else {
        const int formula = unclampedReplicas(currentReplicas, ratio);
        r.reason +=
            QStringLiteral(", ceil(%1 × %2) = %3").arg(currentReplicas).arg(ratio).arg(formula);
        if (formula > m_config.maxReplicas)
            r.reason += QStringLiteral(", capped at maxReplicas %1").arg(m_config.maxReplicas);
        else if (formula < m_config.minReplicas)
            r.reason += QStringLiteral(", raised to minReplicas %1").arg(m_config.minReplicas);
    }

    // kube's stabilizeRecommendationWithBehaviors: samples strictly inside a
    // window count, and the newest recommendation is part of both windows.
    const TimePoint upCutoff = now - m_config.scaleUpStabilization;
    const TimePoint downCutoff = now - m_config.scaleDownStabilization;
    std::erase_if(m_history,
                  [&](const Sample &s) { return s.at <= upCutoff && s.at <= downCutoff; });
    int upLimit = r.desiredReplicas;
    int downLimit = r.desiredReplicas;
    for (const Sample &s : m_history) {
        if (s.at > upCutoff)
            upLimit = std::min(upLimit, s.replicas);
        if (s.at > downCutoff)
            downLimit = std::max(downLimit, s.replicas);
    }
    m_history.push_back({now, r.desiredReplicas});
    r.stabilizedReplicas = std::clamp(currentReplicas, upLimit, downLimit);

    if (r.stabilizedReplicas != r.desiredReplicas) {
        const bool down = r.desiredReplicas < currentReplicas;
        r.reason += QStringLiteral("; %1 held at %2 by the %3 recommendation of the last %4 s")
                        .arg(down ? QStringLiteral("scale-down") : QStringLiteral("scale-up"))
                        .arg(r.stabilizedReplicas)
                        .arg(down ? QStringLiteral("highest") : QStringLiteral("lowest"))
                        .arg(std::chrono::duration<double>(down ? m_config.scaleDownStabilization
                                                                : m_config.scaleUpStabilization)
                                 .count());
    }
    r.reason +=
        r.stabilizedReplicas == currentReplicas
            ? QStringLiteral("; keep %1").arg(currentReplicas)
            : QStringLiteral("; scale %1 → %2").arg(currentReplicas).arg(r.stabilizedReplicas);
    return r;
}

bool HpaCalculator::withinTolerance(double ratio) const
{
    return std::abs(ratio - 1) <= m_config.tolerance + kRatioEpsilon;
}

int HpaCalculator::unclampedReplicas(int currentReplicas, double ratio) const
{
    if (withinTolerance(ratio))
        return currentReplicas;
    return int(std::ceil(currentReplicas * ratio - kRatioEpsilon));
}

} // namespace microcosm
