#include "autoscaler.h"

#include <QtGlobal>

#include <algorithm>
#include <climits>
#include <cmath>
#include <numeric>

namespace microcosm {

// Keeps floating-point noise from deciding: |110 / 100 - 1| is
// 0.10000000000000009, which must still be within a tolerance of 0.1, and
// 4 × 1.05 / 0.6 is 7.000000000000001, which must not become 8 replicas.
static constexpr double kRatioEpsilon = 1e-9;

QString HpaScalingPolicy::typeName(Type t)
{
    return t == Type::Pods ? QStringLiteral("Pods") : QStringLiteral("Percent");
}

bool HpaScalingPolicy::typeFromName(const QString &name, Type *out)
{
    for (Type t : {Type::Pods, Type::Percent}) {
        if (typeName(t) == name) {
            *out = t;
            return true;
        }
    }
    return false;
}

HpaScalingRules HpaScalingRules::defaultScaleUp()
{
    return {SelectPolicy::Max,
            {{HpaScalingPolicy::Type::Pods, 4, seconds(15)},
             {HpaScalingPolicy::Type::Percent, 100, seconds(15)}}};
}

HpaScalingRules HpaScalingRules::defaultScaleDown()
{
    return {SelectPolicy::Max, {{HpaScalingPolicy::Type::Percent, 100, seconds(15)}}};
}

QString HpaScalingRules::selectPolicyName(SelectPolicy p)
{
    switch (p) {
    case SelectPolicy::Max:
        return QStringLiteral("Max");
    case SelectPolicy::Min:
        return QStringLiteral("Min");
    case SelectPolicy::Disabled:
        return QStringLiteral("Disabled");
    }
    return {};
}

bool HpaScalingRules::selectPolicyFromName(const QString &name, SelectPolicy *out)
{
    for (SelectPolicy p : {SelectPolicy::Max, SelectPolicy::Min, SelectPolicy::Disabled}) {
        if (selectPolicyName(p) == name) {
            *out = p;
            return true;
        }
    }
    return false;
}

HpaCalculator::HpaCalculator(const HpaConfig &config) : m_config(config)
{
    Q_ASSERT(config.target > 0);
    Q_ASSERT(config.minReplicas <= config.maxReplicas);
}

HpaCalculator::HpaCalculator(const HpaConfig &config, const HpaCalculator &previous)
    : HpaCalculator(config)
{
    m_recorded = previous.m_recorded;
    m_history = previous.m_history;
    m_scaleUpEvents = previous.m_scaleUpEvents;
    m_scaleDownEvents = previous.m_scaleDownEvents;
}

int HpaCalculator::desiredReplicas(int currentReplicas, double metric) const
{
    return std::clamp(unclampedReplicas(currentReplicas, metric / m_config.target),
                      m_config.minReplicas, m_config.maxReplicas);
}

std::optional<int> HpaCalculator::podReplicas(int currentReplicas,
                                              const std::vector<HpaPodMetric> &pods,
                                              HpaTargetType type, double *usage) const
{
    // GetResourceReplicas (Utilization) and calcPlainMetricReplicas (AverageValue).
    std::vector<double> values, requests; // the ready pods that have a metric
    std::vector<double> missing, unready; // their requests
    for (const HpaPodMetric &p : pods) {
        if (!p.ready)
            unready.push_back(p.request);
        else if (!p.value)
            missing.push_back(p.request);
        else {
            values.push_back(*p.value);
            requests.push_back(p.request);
        }
    }
    if (values.empty() || std::accumulate(requests.begin(), requests.end(), 0.0) <= 0)
        return std::nullopt; // "did not receive metrics for targeted pods (pods might be unready)"
    const int readyPods = int(values.size());
    const double ratio = usageRatio(values, requests, type, usage);

    const bool scaleUpWithUnready = !unready.empty() && ratio > 1;
    if (!scaleUpWithUnready && missing.empty()) {
        if (withinTolerance(ratio))
            return currentReplicas;
        return int(std::ceil(ratio * readyPods - kRatioEpsilon));
    }
    if (ratio < 1) {
        // On a scale-down a pod without a metric counts as using all of its
        // request (or the target, when that is above 100 %).
        const double fallback = std::max(1.0, m_config.target);
        for (double request : missing) {
            values.push_back(type == HpaTargetType::Utilization ? request * fallback
                                                                : m_config.target);
            requests.push_back(request);
        }
    } else if (ratio > 1) {
        for (double request : missing) {
            values.push_back(0);
            requests.push_back(request);
        }
    }
    if (scaleUpWithUnready) {
        for (double request : unready) {
            values.push_back(0);
            requests.push_back(request);
        }
    }
    const double newRatio = usageRatio(values, requests, type, nullptr);
    if (withinTolerance(newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1))
        return currentReplicas; // too small a change, or it would turn the direction round
    const int replicas = int(std::ceil(newRatio * double(values.size()) - kRatioEpsilon));
    if ((newRatio < 1 && replicas > currentReplicas) ||
        (newRatio > 1 && replicas < currentReplicas))
        return currentReplicas;
    return replicas;
}

HpaCalculator::Recommendation HpaCalculator::recommend(TimePoint now, int currentReplicas,
                                                       double metric)
{
    Recommendation r;
    r.currentReplicas = currentReplicas;
    r.metric = metric;
    r.target = m_config.target;
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
    return reconcile(now, r, unclampedReplicas(currentReplicas, ratio));
}

HpaCalculator::Recommendation HpaCalculator::recommend(TimePoint now, int currentReplicas,
                                                       const std::vector<HpaPodMetric> &pods,
                                                       HpaTargetType type)
{
    Recommendation r;
    r.currentReplicas = currentReplicas;
    r.target = m_config.target;
    const std::optional<int> proposal = podReplicas(currentReplicas, pods, type, &r.metric);
    const auto count = [&](auto pred) {
        return int(std::count_if(pods.begin(), pods.end(), pred));
    };
    const int unready = count([](const HpaPodMetric &p) { return !p.ready; });
    const int missing = count([](const HpaPodMetric &p) { return p.ready && !p.value; });
    const int ready = int(pods.size()) - unready - missing;
    if (!proposal) {
        r.reason = QStringLiteral("no metric for any ready pod (%1 unready, %2 without a metric)")
                       .arg(unready)
                       .arg(missing);
    } else {
        r.reason = type == HpaTargetType::Utilization
                       ? QStringLiteral("utilization %1% of %2 ready pods / target %3%")
                             .arg(r.metric * 100)
                             .arg(ready)
                             .arg(m_config.target * 100)
                       : QStringLiteral("mean %1 of %2 ready pods / target %3")
                             .arg(r.metric)
                             .arg(ready)
                             .arg(m_config.target);
        if (unready > 0)
            r.reason += QStringLiteral(", %1 unready").arg(unready);
        if (missing > 0)
            r.reason += QStringLiteral(", %1 without a metric").arg(missing);
        r.reason += QStringLiteral(": %1 replicas").arg(*proposal);
    }
    return reconcile(now, r, proposal);
}

// reconcileAutoscaler, normalizeDesiredReplicasWithBehaviors and
// storeScaleEvent for one sync.
HpaCalculator::Recommendation HpaCalculator::reconcile(TimePoint now, Recommendation r,
                                                       std::optional<int> proposal)
{
    const int current = r.currentReplicas;
    const int minReplicas = m_config.minReplicas, maxReplicas = m_config.maxReplicas;
    if (!m_recorded) {
        m_history.push_back({now, current}); // recordInitialRecommendation
        m_recorded = true;
    }
    r.desiredReplicas = r.stabilizedReplicas = current;
    r.ableToScale = QStringLiteral("ReadyForNewScale");
    r.scalingLimited = QStringLiteral("DesiredWithinRange");

    if (current == 0 && minReplicas != 0) {
        r.scalingActive = false;
        r.reason = QStringLiteral("scaling is disabled since the replica count is zero");
        return r;
    }
    if (current > maxReplicas || current < minReplicas) {
        const int bound = std::clamp(current, minReplicas, maxReplicas);
        r.desiredReplicas = r.stabilizedReplicas = bound;
        r.reason =
            current > maxReplicas
                ? QStringLiteral("%1 replicas is above maxReplicas %2").arg(current).arg(bound)
                : QStringLiteral("%1 replicas is below minReplicas %2").arg(current).arg(bound);
        r.reason += QStringLiteral("; scale %1 → %2").arg(current).arg(bound);
        storeScaleEvent(now, current, bound);
        return r;
    }
    if (!proposal) {
        r.scalingActive = false;
        r.reason += QStringLiteral("; keep %1").arg(current);
        return r;
    }
    const int prenormalized = std::max(0, *proposal);
    r.desiredReplicas = std::clamp(prenormalized, minReplicas, maxReplicas);

    // stabilizeRecommendationWithBehaviors: samples strictly inside a window
    // count, and the newest recommendation is part of both windows.
    const TimePoint upCutoff = now - m_config.scaleUpStabilization;
    const TimePoint downCutoff = now - m_config.scaleDownStabilization;
    std::erase_if(m_history,
                  [&](const Sample &s) { return s.at <= upCutoff && s.at <= downCutoff; });
    int upLimit = prenormalized;
    int downLimit = prenormalized;
    for (const Sample &s : m_history) {
        if (s.at > upCutoff)
            upLimit = std::min(upLimit, s.replicas);
        if (s.at > downCutoff)
            downLimit = std::max(downLimit, s.replicas);
    }
    m_history.push_back({now, prenormalized});
    const int stabilized = std::clamp(current, upLimit, downLimit);
    if (stabilized != prenormalized)
        r.ableToScale = prenormalized >= current ? QStringLiteral("ScaleUpStabilized")
                                                 : QStringLiteral("ScaleDownStabilized");
    const int held = std::clamp(stabilized, minReplicas, maxReplicas);
    if (held != r.desiredReplicas) {
        const bool down = r.desiredReplicas < current;
        r.reason += QStringLiteral("; %1 held at %2 by the %3 recommendation of the last %4 s")
                        .arg(down ? QStringLiteral("scale-down") : QStringLiteral("scale-up"))
                        .arg(held)
                        .arg(down ? QStringLiteral("highest") : QStringLiteral("lowest"))
                        .arg(std::chrono::duration<double>(down ? m_config.scaleDownStabilization
                                                                : m_config.scaleUpStabilization)
                                 .count());
    }

    // convertDesiredReplicasWithBehaviorRate.
    int replicas = stabilized;
    if (stabilized > current) {
        const int limit = std::max(scaleUpLimit(now, current), current);
        const bool rateBound = maxReplicas > limit;
        const int allowed = rateBound ? limit : maxReplicas;
        if (stabilized > allowed) {
            replicas = allowed;
            r.scalingLimited =
                rateBound ? QStringLiteral("ScaleUpLimit") : QStringLiteral("TooManyReplicas");
        }
    } else if (stabilized < current) {
        const int limit = std::min(scaleDownLimit(now, current), current);
        const bool rateBound = minReplicas < limit;
        const int allowed = rateBound ? limit : minReplicas;
        if (stabilized < allowed) {
            replicas = allowed;
            r.scalingLimited =
                rateBound ? QStringLiteral("ScaleDownLimit") : QStringLiteral("TooFewReplicas");
        }
    }
    if (r.scalingLimited == QLatin1String("ScaleUpLimit") ||
        r.scalingLimited == QLatin1String("ScaleDownLimit")) {
        const bool up = r.scalingLimited == QLatin1String("ScaleUpLimit");
        r.reason += QStringLiteral("; %1 limited to %2 by behavior.%3.policies")
                        .arg(up ? QStringLiteral("scale-up") : QStringLiteral("scale-down"))
                        .arg(replicas)
                        .arg(up ? QStringLiteral("scaleUp") : QStringLiteral("scaleDown"));
    }
    r.stabilizedReplicas = replicas;
    r.reason += replicas == current ? QStringLiteral("; keep %1").arg(current)
                                    : QStringLiteral("; scale %1 → %2").arg(current).arg(replicas);
    if (replicas != current)
        storeScaleEvent(now, current, replicas);
    return r;
}

void HpaCalculator::recordScaleEvent(TimePoint at, int fromReplicas, int toReplicas)
{
    storeScaleEvent(at, fromReplicas, toReplicas);
}

// calculateScaleUpLimitWithScalingRules: the most the policies allow, each
// counted from the replicas at the start of its period.
int HpaCalculator::scaleUpLimit(TimePoint now, int currentReplicas) const
{
    const HpaScalingRules &rules = m_config.scaleUp;
    if (rules.selectPolicy == HpaScalingRules::SelectPolicy::Disabled)
        return currentReplicas;
    const bool min = rules.selectPolicy == HpaScalingRules::SelectPolicy::Min;
    int result = min ? INT_MAX : INT_MIN;
    for (const HpaScalingPolicy &p : rules.policies) {
        const int start = currentReplicas - changeWithin(now, p.period, m_scaleUpEvents) +
                          changeWithin(now, p.period, m_scaleDownEvents);
        const int proposed = p.type == HpaScalingPolicy::Type::Pods
                                 ? start + p.value
                                 : int(std::ceil(double(start) * (1 + double(p.value) / 100)));
        result = min ? std::min(result, proposed) : std::max(result, proposed);
    }
    return result;
}

// calculateScaleDownLimitWithBehaviors.
int HpaCalculator::scaleDownLimit(TimePoint now, int currentReplicas) const
{
    const HpaScalingRules &rules = m_config.scaleDown;
    if (rules.selectPolicy == HpaScalingRules::SelectPolicy::Disabled)
        return currentReplicas;
    const bool min = rules.selectPolicy == HpaScalingRules::SelectPolicy::Min;
    int result = min ? INT_MIN : INT_MAX;
    for (const HpaScalingPolicy &p : rules.policies) {
        const int start = currentReplicas - changeWithin(now, p.period, m_scaleUpEvents) +
                          changeWithin(now, p.period, m_scaleDownEvents);
        const int proposed = p.type == HpaScalingPolicy::Type::Pods
                                 ? start - p.value
                                 : int(double(start) * (1 - double(p.value) / 100));
        result = min ? std::max(result, proposed) : std::min(result, proposed);
    }
    return result;
}

// getReplicasChangePerPeriod: events strictly inside the period.
int HpaCalculator::changeWithin(TimePoint now, Duration period,
                                const std::vector<Sample> &events) const
{
    int change = 0;
    for (const Sample &e : events)
        if (e.at > now - period)
            change += e.replicas;
    return change;
}

void HpaCalculator::storeScaleEvent(TimePoint now, int from, int to)
{
    if (to > from)
        m_scaleUpEvents.push_back({now, to - from});
    else if (to < from)
        m_scaleDownEvents.push_back({now, from - to});
    // Both directions count both lists: forget an event once no policy's
    // period reaches back to it.
    Duration longest{};
    for (const HpaScalingRules *rules : {&m_config.scaleUp, &m_config.scaleDown})
        for (const HpaScalingPolicy &p : rules->policies)
            longest = std::max(longest, p.period);
    for (std::vector<Sample> *events : {&m_scaleUpEvents, &m_scaleDownEvents})
        std::erase_if(*events, [&](const Sample &e) { return e.at <= now - longest; });
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

// GetResourceUtilizationRatio (whole percent, as kube's int32 utilization) or
// GetMetricUsageRatio.
double HpaCalculator::usageRatio(const std::vector<double> &values,
                                 const std::vector<double> &requests, HpaTargetType type,
                                 double *usage) const
{
    const double total = std::accumulate(values.begin(), values.end(), 0.0);
    if (type == HpaTargetType::Utilization) {
        // Targets are whole percents in kube: 0.3 × 100 must be 30, not 30.000000000000004.
        double targetPercent = m_config.target * 100;
        if (std::abs(targetPercent - std::round(targetPercent)) < 1e-9)
            targetPercent = std::round(targetPercent);
        const double percent =
            std::floor(100 * total / std::accumulate(requests.begin(), requests.end(), 0.0) + 1e-6);
        if (usage)
            *usage = percent / 100;
        return percent / targetPercent;
    }
    const double mean = total / double(values.size());
    if (usage)
        *usage = mean;
    return mean / m_config.target;
}

} // namespace microcosm
