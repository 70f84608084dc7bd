#include "horizontalautoscaler.h"

#include "platform.h"

namespace microcosm {

QString AutoscalerConfig::metricName(Metric m)
{
    switch (m) {
    case Metric::Utilization:
        return QStringLiteral("utilization");
    case Metric::InFlight:
        return QStringLiteral("in-flight");
    case Metric::LatencyP95:
        return QStringLiteral("p95-latency");
    }
    return {};
}

bool AutoscalerConfig::metricFromName(const QString &name, Metric *out)
{
    for (Metric m : {Metric::Utilization, Metric::InFlight, Metric::LatencyP95}) {
        if (metricName(m) == name) {
            *out = m;
            return true;
        }
    }
    return false;
}

namespace {

HpaCalculator carriedOver(const HpaConfig &config, HorizontalAutoscaler *previous,
                          const std::function<HpaCalculator(HorizontalAutoscaler &)> &history)
{
    return previous ? HpaCalculator(config, history(*previous)) : HpaCalculator(config);
}

} // namespace

HorizontalAutoscaler::HorizontalAutoscaler(Platform &platform, ServiceHost &host,
                                           const AutoscalerConfig &config,
                                           HorizontalAutoscaler *previous)
    : m_platform(platform), m_host(host), m_config(config),
      m_hpa(carriedOver(config.hpa, previous, [](HorizontalAutoscaler &p) {
          p.stop();
          std::lock_guard lock(p.m_mutex);
          return p.m_hpa;
      }))
{
    {
        std::lock_guard lock(m_mutex);
        podMetrics(); // the first sync measures from now
    }
    m_timer = m_platform.scheduler().every(config.hpa.syncPeriod, [this] { tick(); });
}

HorizontalAutoscaler::~HorizontalAutoscaler()
{
    stop();
}

void HorizontalAutoscaler::stop()
{
    if (m_timer != 0)
        m_platform.scheduler().cancelAndWait(std::exchange(m_timer, 0));
}

double HorizontalAutoscaler::measure() const
{
    const double period = std::chrono::duration<double>(m_config.hpa.syncPeriod).count();
    const EntityKey entity = EntityKey::service(m_host.name());
    const auto windows = m_platform.metrics().series(entity, m_platform.elapsed() - period - 0.5);
    if (windows.empty())
        return 0;
    double sum = 0;
    if (m_config.metric == AutoscalerConfig::Metric::LatencyP95)
        return m_platform.metrics()
            .range(entity, windows.front().t - 1, windows.back().t)
            .latency.percentileMs(0.95);
    for (const Window &w : windows) {
        if (m_config.metric == AutoscalerConfig::Metric::Utilization)
            sum += w.gauges.utilization();
        else
            sum += w.gauges.replicasTotal > 0 ? w.gauges.inFlight / w.gauges.replicasTotal : 0;
    }
    return sum / double(windows.size());
}

std::vector<HpaPodMetric> HorizontalAutoscaler::podMetrics()
{
    const TimePoint now = Clock::now();
    std::vector<HpaPodMetric> pods;
    std::map<QString, BusySample> samples;
    for (const auto &r : m_host.replicas()) {
        if (!r || r->killed())
            continue; // a failed pod is ignored
        HpaPodMetric pod;
        pod.ready = r->serving();
        pod.request = r->workers();
        const Duration busy = r->busyTime();
        auto it = m_busy.find(r->incarnation());
        if (it != m_busy.end() && now > it->second.at)
            pod.value = std::chrono::duration<double>(busy - it->second.busy).count() /
                        std::chrono::duration<double>(now - it->second.at).count();
        samples[r->incarnation()] = {busy, now};
        pods.push_back(pod);
    }
    m_busy = std::move(samples);
    return pods;
}

void HorizontalAutoscaler::tick()
{
    std::lock_guard lock(m_mutex);
    if (m_host.rollingUpdateInProgress())
        return; // a Deployment does not scale mid-rollout here
    const int current = m_host.config().replicas;
    const bool perPod = m_config.metric == AutoscalerConfig::Metric::Utilization;
    const auto rec =
        perPod ? m_hpa.recommend(Clock::now(), current, podMetrics(), HpaTargetType::Utilization)
               : m_hpa.recommend(Clock::now(), current, measure());
    const double metric = rec.metric;
    const bool scales = rec.stabilizedReplicas != current;
    if (!scales && rec.desiredReplicas == current)
        return;
    // Every decision that changes, or holds back, the replica count is an event.
    const QString what =
        scales
            ? QStringLiteral("%1 → %2 replicas").arg(current).arg(rec.stabilizedReplicas)
            : QStringLiteral("stays at %1 though %2 wanted").arg(current).arg(rec.desiredReplicas);
    m_platform.events().add(
        QStringLiteral("autoscaler"), scales ? QStringLiteral("scaled") : QStringLiteral("held"),
        QStringLiteral("%1: %2 (%3 %4 vs target %5; %6)")
            .arg(m_host.name(), what, AutoscalerConfig::metricName(m_config.metric))
            .arg(metric, 0, 'f', 2)
            .arg(m_config.hpa.target)
            .arg(rec.reason));
    if (scales)
        m_host.scale(rec.stabilizedReplicas);
}

} // namespace microcosm
