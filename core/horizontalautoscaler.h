#pragma once

#include "autoscaler.h"
#include "scheduler.h"

#include <QString>

#include <memory>
#include <mutex>

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
// count, and scales. Replicas still in their cold start count with zero
// load (as the HPA does for unready pods when scaling up), so a scale-up is
// not repeated while the new replicas warm up. Every decision that changes
// or holds back the replica count is an event with current, desired and
// target. Ticks on the platform's scheduler; stops when destroyed.
class HorizontalAutoscaler
{
public:
    HorizontalAutoscaler(Platform &platform, ServiceHost &host, const AutoscalerConfig &config);
    ~HorizontalAutoscaler();
    const AutoscalerConfig &config() const { return m_config; }
    // The metric's value over the last sync period.
    double measure() const;
    void tick();

private:
    Platform &m_platform;
    ServiceHost &m_host;
    const AutoscalerConfig m_config;
    std::mutex m_mutex;
    HpaCalculator m_hpa;
    Scheduler::TimerId m_timer = 0;
};

} // namespace microcosm
