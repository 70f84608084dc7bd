#pragma once

#include "clock.h"

#include <QString>

#include <vector>

namespace microcosm {

// A HorizontalPodAutoscaler spec with kube's defaults where kube has them
// (maxReplicas is required there; the target default is kubectl autoscale's
// 80%). The target is in the metric's own units: utilization 0.8, 5 requests
// in flight, 200 ms p95…
struct HpaConfig
{
    int minReplicas = 1;
    int maxReplicas = 10;
    double target = 0.8;
    double tolerance = 0.1;                         // --horizontal-pod-autoscaler-tolerance
    Duration scaleUpStabilization = seconds(0);     // behavior.scaleUp.stabilizationWindowSeconds
    Duration scaleDownStabilization = seconds(300); // behavior.scaleDown.stabilizationWindowSeconds
    Duration syncPeriod = seconds(15);              // --horizontal-pod-autoscaler-sync-period
};

/*
 * The Kubernetes HPA's arithmetic for one service, without the clock or the
 * replicas: desired = ceil(current × metric / target), left at current when
 * the ratio is within tolerance of 1, clamped to [minReplicas, maxReplicas];
 * then stabilized as kube does, scaling down no lower than the highest
 * recommendation within the scale-down window and up no higher than the
 * lowest within the scale-up window. The caller ticks it every syncPeriod.
 *
 * Invariants: every answer lies in [minReplicas, maxReplicas]; a stabilized
 * answer is never further from current than the raw one. Not thread-safe:
 * one owner (the autoscaler tick) calls recommend().
 */
class HpaCalculator
{
public:
    struct Recommendation
    {
        int currentReplicas = 0;
        int desiredReplicas = 0;    // the formula's answer, clamped to [min, max]
        int stabilizedReplicas = 0; // what to scale to now
        double metric = 0;
        double target = 0;
        QString reason;
    };

    explicit HpaCalculator(const HpaConfig &config = {});

    const HpaConfig &config() const { return m_config; }
    int desiredReplicas(int currentReplicas, double metric) const;
    Recommendation recommend(TimePoint now, int currentReplicas, double metric);

private:
    struct Sample
    {
        TimePoint at;
        int replicas;
    };

    bool withinTolerance(double ratio) const;
    int unclampedReplicas(int currentReplicas, double ratio) const;

    const HpaConfig m_config;
    std::vector<Sample> m_history; // unstabilized recommendations, oldest first
};

} // namespace microcosm
