#include "outlierdetector.h"

#include <algorithm>

namespace microcosm {

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
    returnExpired(now, events);
    bool ejected = false;
    if (host >= 0 && host < int(m_hosts.size()) && !m_hosts[host].ejectedUntil) {
        Host &h = m_hosts[host];
        h.consecutive5xx = is5xx ? h.consecutive5xx + 1 : 0;
        // Unlike Envoy, which tries only when the run reaches the threshold,
        // a host held back by maxEjectionPercent goes at its next 5xx once
        // there is room.
        if (h.consecutive5xx >= m_config.consecutive5xx && mayEject()) {
            ++h.timesEjected;
            const Duration ejection =
                std::min(m_config.baseEjectionTime * h.timesEjected, m_config.maxEjectionTime);
            h.ejectedUntil = now + ejection;
            events.push_back({OutlierEvent::Kind::Ejected, host, now,
                              QStringLiteral("%1 consecutive 5xx: ejected for %2 s (ejection #%3)")
                                  .arg(h.consecutive5xx)
                                  .arg(std::chrono::duration<double>(ejection).count())
                                  .arg(h.timesEjected)});
            h.consecutive5xx = 0;
            ejected = true;
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
    returnExpired(now, events);
    const bool ejected = host >= 0 && host < int(m_hosts.size()) && m_hosts[host].ejectedUntil;
    lock.unlock();
    notify(events);
    return ejected;
}

void OutlierDetector::returnExpired(TimePoint now, std::vector<OutlierEvent> &events)
{
    for (int i = 0; i < int(m_hosts.size()); ++i) {
        Host &h = m_hosts[i];
        if (!h.ejectedUntil || now < *h.ejectedUntil)
            continue;
        events.push_back({OutlierEvent::Kind::Returned, i, *h.ejectedUntil,
                          QStringLiteral("ejection #%1 ended").arg(h.timesEjected)});
        h.ejectedUntil.reset();
    }
}

bool OutlierDetector::mayEject() const
{
    const int hosts = int(m_hosts.size());
    const auto ejected = std::count_if(m_hosts.begin(), m_hosts.end(),
                                       [](const Host &h) { return h.ejectedUntil.has_value(); });
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
