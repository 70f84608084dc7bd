#include "outlierdetector.h"

#include <algorithm>

namespace microcosm {

Duration OutlierDetectionConfig::defaultMaxEjectionTime(Duration baseEjectionTime)
{
    // DetectorConfig: DEFAULT_MAX_EJECTION_TIME_MS or base_ejection_time, whichever is larger.
    return std::max<Duration>(seconds(300), baseEjectionTime);
}

QString OutlierDetectionConfig::validationError() const
{
    if (maxEjectionTime < baseEjectionTime)
        return QStringLiteral("max_ejection_time (%1 ms) cannot be smaller than "
                              "base_ejection_time (%2 ms)")
            .arg(toMs(maxEjectionTime))
            .arg(toMs(baseEjectionTime));
    return {};
}

OutlierDetector::OutlierDetector(int hostCount, const OutlierDetectionConfig &config)
    : m_config(config), m_hosts(std::max(0, hostCount))
{
}

void OutlierDetector::setHostCount(int hostCount)
{
    std::lock_guard lock(m_mutex);
    m_hosts.resize(std::max(0, hostCount));
}

void OutlierDetector::setOnEvent(EventObserver observer)
{
    std::lock_guard lock(m_mutex);
    m_onEvent = std::move(observer);
}

bool OutlierDetector::onResult(int host, TimePoint now, bool is5xx)
{
    std::vector<OutlierEvent> events;
    std::unique_lock lock(m_mutex);
    runDueSweeps(now, events);
    bool ejected = false;
    if (host >= 0 && host < int(m_hosts.size()) && !m_hosts[host].ejectedAt) {
        Host &h = m_hosts[host];
        h.consecutive5xx = is5xx ? h.consecutive5xx + 1 : 0;
        if (h.consecutive5xx >= m_config.consecutive5xx) {
            // DetectorImpl::ejectHost, then the run is reset whether or not
            // maxEjectionPercent let the ejection happen.
            if (mayEject()) {
                ++h.timesEjected;
                h.ejectedAt = now;
                if (m_config.baseEjectionTime * h.multiplier <
                    m_config.maxEjectionTime + m_config.baseEjectionTime)
                    ++h.multiplier;
                events.push_back(
                    {OutlierEvent::Kind::Ejected, host, now,
                     QStringLiteral("%1 consecutive 5xx: ejected for %2 s (ejection #%3)")
                         .arg(h.consecutive5xx)
                         .arg(std::chrono::duration<double>(ejectionTime(h)).count())
                         .arg(h.timesEjected)});
                ejected = true;
            }
            h.consecutive5xx = 0;
        }
    }
    lock.unlock();
    notify(events);
    return ejected;
}

bool OutlierDetector::isEjected(int host, TimePoint now)
{
    std::vector<OutlierEvent> events;
    std::unique_lock lock(m_mutex);
    runDueSweeps(now, events);
    const bool ejected =
        host >= 0 && host < int(m_hosts.size()) && m_hosts[host].ejectedAt.has_value();
    lock.unlock();
    notify(events);
    return ejected;
}

void OutlierDetector::advance(TimePoint now)
{
    std::vector<OutlierEvent> events;
    std::unique_lock lock(m_mutex);
    runDueSweeps(now, events);
    lock.unlock();
    notify(events);
}

void OutlierDetector::onIntervalTimer(TimePoint now)
{
    std::vector<OutlierEvent> events;
    std::unique_lock lock(m_mutex);
    // Sweeps due strictly before now first; this one replaces any due now.
    runDueSweeps(now - Duration(1), events);
    sweep(now, events);
    m_nextSweep = now + std::max<Duration>(m_config.interval, milliseconds(1));
    lock.unlock();
    notify(events);
}

int OutlierDetector::ejectionMultiplier(int host) const
{
    std::lock_guard lock(m_mutex);
    return host >= 0 && host < int(m_hosts.size()) ? m_hosts[host].multiplier : 0;
}

void OutlierDetector::runDueSweeps(TimePoint now, std::vector<OutlierEvent> &events)
{
    const Duration interval = std::max<Duration>(m_config.interval, milliseconds(1));
    if (!m_nextSweep) {
        m_nextSweep = now + interval; // the timer is armed when the detector first runs
        return;
    }
    while (*m_nextSweep <= now) {
        const bool idle = std::all_of(m_hosts.begin(), m_hosts.end(), [](const Host &h) {
            return !h.ejectedAt && h.multiplier == 0;
        });
        if (idle) {
            // Nothing for any sweep to do: skip to the first one after now.
            *m_nextSweep += interval * ((now - *m_nextSweep) / interval + 1);
            break;
        }
        sweep(*m_nextSweep, events);
        *m_nextSweep += interval;
    }
}

// DetectorImpl::onIntervalTimer for consecutive 5xx: checkHostForUneject on
// every host, then the multiplier of every host that is in and has been for
// an interval goes down by one.
void OutlierDetector::sweep(TimePoint at, std::vector<OutlierEvent> &events)
{
    for (int i = 0; i < int(m_hosts.size()); ++i) {
        Host &h = m_hosts[i];
        if (!h.ejectedAt || at - *h.ejectedAt < ejectionTime(h))
            continue;
        h.ejectedAt.reset();
        h.returnedAt = at;
        h.consecutive5xx = 0;
        events.push_back({OutlierEvent::Kind::Returned, i, at,
                          QStringLiteral("ejection #%1 ended").arg(h.timesEjected)});
    }
    for (Host &h : m_hosts) {
        if (!h.ejectedAt && h.returnedAt && at - *h.returnedAt >= m_config.interval &&
            h.multiplier > 0)
            --h.multiplier;
    }
}

Duration OutlierDetector::ejectionTime(const Host &h) const
{
    return std::min(m_config.baseEjectionTime * h.multiplier, m_config.maxEjectionTime);
}

bool OutlierDetector::mayEject() const
{
    const int hosts = int(m_hosts.size());
    const auto ejected = std::count_if(m_hosts.begin(), m_hosts.end(),
                                       [](const Host &h) { return h.ejectedAt.has_value(); });
    if (ejected == 0 && hosts >= 2)
        return true;
    return 100.0 * (ejected + 1) / hosts <= m_config.maxEjectionPercent;
}

void OutlierDetector::notify(const std::vector<OutlierEvent> &events)
{
    if (events.empty())
        return;
    EventObserver observer;
    {
        std::lock_guard lock(m_mutex);
        observer = m_onEvent;
    }
    if (observer) {
        for (const OutlierEvent &event : events)
            observer(event);
    }
}

} // namespace microcosm
