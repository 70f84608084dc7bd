#include "faults.h"

#include <QStringList>

#include <mutex>

namespace microcosm {

Duration Fault::drawLatency(std::mt19937_64 &rng) const
{
    if (latencyMs <= 0 && jitterMs <= 0)
        return Duration::zero();
    if (std::uniform_real_distribution<double>(0, 100)(rng) >= latencyPercent)
        return Duration::zero();
    const double jitter =
        jitterMs > 0 ? std::uniform_real_distribution<double>(0, jitterMs)(rng) : 0;
    return fromMs(latencyMs + jitter);
}

bool Fault::drawError(std::mt19937_64 &rng) const
{
    return errorPercent > 0 && std::uniform_real_distribution<double>(0, 100)(rng) < errorPercent;
}

QString Fault::describe() const
{
    QStringList parts;
    if (latencyMs > 0 || jitterMs > 0)
        parts << QStringLiteral("+%1 ms (±%2) on %3% of calls")
                     .arg(latencyMs)
                     .arg(jitterMs)
                     .arg(latencyPercent);
    if (errorPercent > 0)
        parts << QStringLiteral("%1 on %2% of calls").arg(errorStatus).arg(errorPercent);
    if (partitioned)
        parts << QStringLiteral("partitioned");
    if (dbDelayMs > 0)
        parts << QStringLiteral("database +%1 ms").arg(dbDelayMs);
    return parts.isEmpty() ? QStringLiteral("none") : parts.join(QStringLiteral(", "));
}

void FaultTable::setService(const QString &service, const Fault &fault)
{
    std::unique_lock lock(m_lock);
    if (fault.active())
        m_services[service] = fault;
    else
        m_services.erase(service);
    recount();
}

void FaultTable::setLink(const QString &caller, const QString &service, const Fault &fault)
{
    std::unique_lock lock(m_lock);
    const QString key = caller + QLatin1Char('>') + service;
    if (fault.active())
        m_links[key] = fault;
    else
        m_links.erase(key);
    recount();
}

void FaultTable::clearAll()
{
    std::unique_lock lock(m_lock);
    m_services.clear();
    m_links.clear();
    recount();
}

Fault FaultTable::service(const QString &service) const
{
    if (!any())
        return {};
    std::shared_lock lock(m_lock);
    auto it = m_services.find(service);
    return it == m_services.end() ? Fault{} : it->second;
}

Fault FaultTable::link(const QString &caller, const QString &service) const
{
    if (!any())
        return {};
    std::shared_lock lock(m_lock);
    auto it = m_links.find(caller + QLatin1Char('>') + service);
    return it == m_links.end() ? Fault{} : it->second;
}

void FaultTable::recount()
{
    m_count.store(int(m_services.size() + m_links.size()), std::memory_order_relaxed);
}

} // namespace microcosm
