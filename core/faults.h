#pragma once

#include "clock.h"

#include <QString>

#include <atomic>
#include <map>
#include <random>
#include <shared_mutex>

namespace microcosm {

// An injected fault, on a service or on a caller→service link. Latency adds
// fixedMs plus up to jitterMs to latencyPercent of the calls; errors answer
// errorPercent of the calls with errorStatus; a partitioned link loses every
// request (callers see only their own timeout); a slow database adds
// dbDelayMs to every request's database work.
struct Fault
{
    double latencyMs = 0;
    double jitterMs = 0;
    double latencyPercent = 100;
    int errorStatus = 500;
    double errorPercent = 0;
    bool partitioned = false;
    double dbDelayMs = 0;

    bool active() const
    {
        return latencyMs > 0 || jitterMs > 0 || errorPercent > 0 || partitioned || dbDelayMs > 0;
    }
    // The extra delay one call gets (zero for the calls the percentage spares).
    Duration drawLatency(std::mt19937_64 &rng) const;
    bool drawError(std::mt19937_64 &rng) const;
    QString describe() const;
};

// Faults in force now, looked up on every call: lock-free when none is set.
class FaultTable
{
public:
    void setService(const QString &service, const Fault &fault);
    void setLink(const QString &caller, const QString &service, const Fault &fault);
    void clearService(const QString &service) { setService(service, {}); }
    void clearLink(const QString &caller, const QString &service) { setLink(caller, service, {}); }
    void clearAll();

    Fault service(const QString &service) const;
    Fault link(const QString &caller, const QString &service) const;
    bool any() const { return m_count.load(std::memory_order_relaxed) > 0; }

private:
    void recount();
    mutable std::shared_mutex m_lock;
    std::map<QString, Fault> m_services;
    std::map<QString, Fault> m_links; // "caller>service"
    std::atomic<int> m_count{0};
};

} // namespace microcosm
