#pragma once

#include "clock.h"

#include <QString>

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace microcosm {

// Envoy's outlier_detection fields for consecutive 5xx, with its defaults.
struct OutlierDetectionConfig
{
    int consecutive5xx = 5;
    Duration baseEjectionTime = seconds(30);
    Duration maxEjectionTime = seconds(300);
    double maxEjectionPercent = 10;
};

struct OutlierEvent
{
    enum class Kind
    {
        Ejected,
        Returned
    };

    Kind kind;
    int host;
    TimePoint at; // when it happened; a return is dated when the ejection ended
    QString reason;
};

/*
 * Envoy-style passive health checking of one service's hosts (replica
 * indices 0..hostCount-1): a host that answers consecutive5xx 5xx in a row is
 * ejected from load balancing for baseEjectionTime × the number of times it
 * has been ejected (capped at maxEjectionTime), so a host that keeps failing
 * stays out longer. Any non-5xx answer resets its run of errors.
 *
 * Invariants: no ejection takes the ejected share of hosts above
 * maxEjectionPercent, except that one host may always be ejected when there
 * are at least two (so by default a lone host is never ejected). Results for ejected or
 * unknown hosts are ignored. Thread-safe (one mutex); the observer runs
 * without the lock held.
 */
class OutlierDetector
{
public:
    using EventObserver = std::function<void(const OutlierEvent &event)>;

    explicit OutlierDetector(int hostCount, const OutlierDetectionConfig &config = {});

    const OutlierDetectionConfig &config() const { return m_config; }
    // Hosts past the new count are forgotten; new hosts start healthy.
    void setHostCount(int hostCount);
    void setOnEvent(EventObserver observer);

    // Returns true when this result ejected the host.
    bool onResult(int host, TimePoint now, bool is5xx);
    bool isEjected(int host, TimePoint now);

private:
    struct Host
    {
        int consecutive5xx = 0;
        int timesEjected = 0;
        std::optional<TimePoint> ejectedUntil;
    };

    void returnExpired(TimePoint now, std::vector<OutlierEvent> &events);
    bool mayEject() const;
    void notify(const std::vector<OutlierEvent> &events);

    const OutlierDetectionConfig m_config;
    std::mutex m_mutex;
    std::vector<Host> m_hosts;
    EventObserver m_onEvent;
};

} // namespace microcosm
