#pragma once

#include "clock.h"

#include <QString>

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace microcosm {

// Envoy's outlier_detection fields for consecutive 5xx, with its defaults
// (api/envoy/config/cluster/v3/outlier_detection.proto).
struct OutlierDetectionConfig
{
    int consecutive5xx = 5;
    Duration interval = seconds(10); // the ejection analysis sweep
    Duration baseEjectionTime = seconds(30);
    // Envoy's default is max(300 s, baseEjectionTime): a caller that sets
    // baseEjectionTime and not this sets it to defaultMaxEjectionTime(base).
    Duration maxEjectionTime = seconds(300);
    double maxEjectionPercent = 10;

    static Duration defaultMaxEjectionTime(Duration baseEjectionTime);
    // Why Envoy would refuse this configuration (DetectorImpl::create), or
    // an empty string: a maxEjectionTime below baseEjectionTime.
    QString validationError() const;
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
    TimePoint at; // when it happened: a return is dated at the sweep that made it
    QString reason;
};

/*
 * Envoy-style passive health checking of one service's hosts (replica
 * indices 0..hostCount-1), as DetectorImpl does it for consecutive 5xx. A
 * host whose run of 5xx reaches consecutive5xx is ejected at once, for
 * min(baseEjectionTime × its ejection multiplier, maxEjectionTime); the run
 * is reset whether or not the ejection was allowed, and any non-5xx answer
 * resets it too. The multiplier goes up by one per ejection (while
 * multiplier × base < max + base) and down by one on every sweep at which
 * the host is in and has been back for at least an interval, so a host that
 * keeps failing stays out longer and a recovered one is forgiven.
 *
 * Hosts come back only at a sweep: every `interval` after the previous one
 * (the first an interval after the detector first sees the time), the
 * sweep returns each ejected host whose ejection time has passed. Sweeps
 * that fell due are run by the next call that passes a time, dated when
 * they fell due; onIntervalTimer() runs one at a given moment, as Envoy's
 * tests fire the timer.
 *
 * Invariants: no ejection takes the ejected share of hosts above
 * maxEjectionPercent, except that one host may always be ejected when there
 * are at least two (so a lone host never is: where Envoy would eject it with
 * always_eject_one_host, its panic threshold would route to it anyway).
 * Results for ejected or unknown hosts are ignored. Thread-safe (one mutex);
 * the observer runs without the lock held.
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
    // Runs the sweeps due by `now`.
    void advance(TimePoint now);
    // Runs a sweep now; the next falls due an interval later.
    void onIntervalTimer(TimePoint now);
    // The host's ejection multiplier (Envoy's ejectTimeBackoff), 0 for an unknown host.
    int ejectionMultiplier(int host) const;

private:
    struct Host
    {
        int consecutive5xx = 0;
        int timesEjected = 0;
        int multiplier = 0;
        std::optional<TimePoint> ejectedAt;  // set while ejected
        std::optional<TimePoint> returnedAt; // the last return
    };

    void runDueSweeps(TimePoint now, std::vector<OutlierEvent> &events);
    void sweep(TimePoint at, std::vector<OutlierEvent> &events);
    Duration ejectionTime(const Host &h) const;
    bool mayEject() const;
    void notify(const std::vector<OutlierEvent> &events);

    const OutlierDetectionConfig m_config;
    mutable std::mutex m_mutex;
    std::vector<Host> m_hosts;
    std::optional<TimePoint> m_nextSweep;
    EventObserver m_onEvent;
};

} // namespace microcosm
