#pragma once

#include "autoscaler.h"
#include "scheduler.h"

#include <QString>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace microcosm {

class Platform;
class ServiceHost;

// What the autoscaler of one service watches and aims for.
struct AutoscalerConfig
{
    enum class Metric
    {
        Utilization,
        InFlight,
        LatencyP95
    };
    bool enabled = false;
    Metric metric = Metric::Utilization;
    HpaConfig hpa; // target: utilization 0..1, in-flight requests per replica, or p95 in ms

    static QString metricName(Metric m);
    static bool metricFromName(const QString &name, Metric *out);
};

// Kubernetes' HorizontalPodAutoscaler for one service: every sync period it
// reads the metric over that period, asks HpaCalculator for the replica
// count, and scales. Utilization is read per replica, as kube reads a
// resource metric per pod: each replica's busy workers over the period
// against its workers, a replica in its cold start as an unready pod (left
// out, and counted at zero on a scale-up, so a scale-up is not repeated
// while the new replicas warm up), a replica first seen this period as a
// pod without a metric, a killed one not at all. In-flight and p95 latency
// are service-wide values. Every decision that changes or holds back the
// replica count is an event with current, desired and target. Ticks on the
// platform's scheduler; stops when destroyed.
class HorizontalAutoscaler
{
public:
    // previous: the autoscaler this one replaces after an edit of its
    // settings, stopped; its recommendations and scale events carry over
    // (HpaCalculator's edit constructor), as a Kubernetes HPA's do.
    HorizontalAutoscaler(Platform &platform, ServiceHost &host, const AutoscalerConfig &config,
                         HorizontalAutoscaler *previous = nullptr);
    ~HorizontalAutoscaler();
    // No tick runs after this returns.
    void stop();
    const AutoscalerConfig &config() const { return m_config; }
    // The metric's service-wide value over the last sync period.
    double measure() const;
    void tick();

private:
    struct BusySample
    {
        Duration busy;
        TimePoint at;
    };
    // Each live replica's utilization since the previous call (kube's pod
    // metrics), and the samples for the next one. Called with m_mutex held.
    std::vector<HpaPodMetric> podMetrics();

    Platform &m_platform;
    ServiceHost &m_host;
    const AutoscalerConfig m_config;
    std::mutex m_mutex;
    HpaCalculator m_hpa;
    std::map<QString, BusySample> m_busy; // by replica incarnation
    Scheduler::TimerId m_timer = 0;
};

} // namespace microcosm
