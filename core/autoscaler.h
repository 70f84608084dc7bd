#pragma once

#include "clock.h"

#include <QString>

#include <optional>
#include <vector>

namespace microcosm {

// One of behavior.scaleUp.policies / behavior.scaleDown.policies: change by
// at most `value` pods, or `value` percent of the pods at the start of the
// period, within any `period` (periodSeconds).
struct HpaScalingPolicy
{
    enum class Type
    {
        Pods,
        Percent
    };
    Type type = Type::Percent;
    int value = 100;
    Duration period = seconds(15);

    static QString typeName(Type t);
    static bool typeFromName(const QString &name, Type *out);
};

// behavior.scaleUp / behavior.scaleDown, less stabilizationWindowSeconds
// (HpaConfig keeps the two windows). Max takes the policy that allows the
// biggest change, Min the smallest, Disabled allows none.
struct HpaScalingRules
{
    enum class SelectPolicy
    {
        Max,
        Min,
        Disabled
    };
    SelectPolicy selectPolicy = SelectPolicy::Max;
    std::vector<HpaScalingPolicy> policies;

    // GenerateHPAScaleUpRules / GenerateHPAScaleDownRules with nothing given:
    // up by 4 pods or 100% per 15 s, whichever is more; down by 100% per 15 s.
    static HpaScalingRules defaultScaleUp();
    static HpaScalingRules defaultScaleDown();
    static QString selectPolicyName(SelectPolicy p);
    static bool selectPolicyFromName(const QString &name, SelectPolicy *out);
};

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
    HpaScalingRules scaleUp = HpaScalingRules::defaultScaleUp();     // behavior.scaleUp
    HpaScalingRules scaleDown = HpaScalingRules::defaultScaleDown(); // behavior.scaleDown
};

// One pod (replica) as kube's replica calculator sees it.
struct HpaPodMetric
{
    // False for a pod that is not ready yet: a replica in its cold start, as
    // kube treats a Pending pod (and an unready one for CPU).
    bool ready = true;
    // Its usage over the period; none when it has no sample yet (a missing
    // metric). For a Utilization target: in the units of `request` (busy
    // workers of `request` workers); for an AverageValue target: the value.
    std::optional<double> value;
    double request = 1;
};

// How a per-pod metric is compared with HpaConfig::target (MetricTarget.type).
enum class HpaTargetType
{
    Utilization,  // sum of usage / sum of requests, in whole percent, vs target × 100 %
    AverageValue, // mean of the values vs target
};

/*
 * The Kubernetes HPA's arithmetic for one service, without the clock or the
 * replicas (pkg/controller/podautoscaler: horizontal.go and
 * replica_calculator.go).
 *
 * The metric proposes a replica count: from a service-wide value,
 * ceil(current × metric / target); from per-pod values, as
 * GetResourceReplicas / calcPlainMetricReplicas do, with unready pods left
 * out, and on a scale-up counted at 0; pods without a metric counted at
 * max(100 %, target) of their request (Utilization) or at the target
 * (AverageValue) on a scale-down and at 0 on a scale-up; then the tolerance
 * and the direction checked again. Within tolerance of 1 the proposal is
 * the current count.
 *
 * recommend() then reconciles as reconcileAutoscaler does: the first call
 * records the current count as a recommendation (so an over-provisioned
 * service is scaled down only after the scale-down window); a current count
 * outside [minReplicas, maxReplicas] goes straight to the bound; otherwise
 * the proposal is stabilized (scaling down no lower than the highest
 * recommendation within the scale-down window and up no higher than the
 * lowest within the scale-up window) and then limited by the behavior's
 * policies over the scale events of their periods, and by [minReplicas,
 * maxReplicas]. Every answer that differs from current is taken to be
 * applied, and remembered as a scale event. The caller ticks it every
 * syncPeriod.
 *
 * Invariants: every answer lies in [minReplicas, maxReplicas] unless the
 * service has zero replicas (scaling disabled); a stabilized answer is never
 * further from current than the raw one. Not thread-safe: one owner (the
 * autoscaler tick) calls recommend().
 */
class HpaCalculator
{
public:
    struct Recommendation
    {
        int currentReplicas = 0;
        int desiredReplicas = 0;    // the metric's proposal, clamped to [min, max]
        int stabilizedReplicas = 0; // what to scale to now: stabilized, then rate-limited
        double metric = 0;          // the metric's value (per-pod input: utilization or mean)
        double target = 0;
        // The HPA's conditions: ScalingActive (false: no metric, or zero
        // replicas), AbleToScale's reason (ReadyForNewScale,
        // ScaleUpStabilized, ScaleDownStabilized) and ScalingLimited's
        // (DesiredWithinRange, ScaleUpLimit, ScaleDownLimit, TooManyReplicas,
        // TooFewReplicas).
        bool scalingActive = true;
        QString ableToScale;
        QString scalingLimited;
        QString reason;
    };

    explicit HpaCalculator(const HpaConfig &config = {});
    // The same HPA after an edit of its spec: kube keeps an HPA's
    // recommendations and scale events by the HPA, not by its spec, so they
    // carry over (and no initial recommendation is recorded again); only
    // deleting the HPA forgets them.
    HpaCalculator(const HpaConfig &config, const HpaCalculator &previous);

    const HpaConfig &config() const { return m_config; }
    // The service-wide formula, clamped to [minReplicas, maxReplicas].
    int desiredReplicas(int currentReplicas, double metric) const;
    // replica_calculator.go on per-pod values, unclamped; none when no ready
    // pod has a metric. *usage: the utilization (a fraction) or the mean.
    std::optional<int> podReplicas(int currentReplicas, const std::vector<HpaPodMetric> &pods,
                                   HpaTargetType type, double *usage = nullptr) const;

    Recommendation recommend(TimePoint now, int currentReplicas, double metric);
    Recommendation recommend(TimePoint now, int currentReplicas,
                             const std::vector<HpaPodMetric> &pods, HpaTargetType type);
    // Remembers a change of scale made at `at` that recommend() did not
    // answer (recommend() remembers its own), so that the behavior's
    // policies count it: kube's storeScaleEvent.
    void recordScaleEvent(TimePoint at, int fromReplicas, int toReplicas);

private:
    struct Sample
    {
        TimePoint at;
        int replicas;
    };

    bool withinTolerance(double ratio) const;
    int unclampedReplicas(int currentReplicas, double ratio) const;
    double usageRatio(const std::vector<double> &values, const std::vector<double> &requests,
                      HpaTargetType type, double *usage) const;
    Recommendation reconcile(TimePoint now, Recommendation r, std::optional<int> proposal);
    int scaleUpLimit(TimePoint now, int currentReplicas) const;
    int scaleDownLimit(TimePoint now, int currentReplicas) const;
    int changeWithin(TimePoint now, Duration period, const std::vector<Sample> &events) const;
    void storeScaleEvent(TimePoint now, int from, int to);

    const HpaConfig m_config;
    bool m_recorded = false;               // the initial recommendation has been recorded
    std::vector<Sample> m_history;         // unstabilized recommendations, oldest first
    std::vector<Sample> m_scaleUpEvents;   // pods added, when
    std::vector<Sample> m_scaleDownEvents; // pods removed, when
};

} // namespace microcosm
