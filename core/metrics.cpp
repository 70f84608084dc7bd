#include "metrics.h"

namespace microcosm {

std::uint64_t Window::total() const
{
    std::uint64_t n = 0;
    for (auto c : counts)
        n += c;
    return n;
}

std::uint64_t Window::succeeded() const
{
    return counts[int(Outcome::Ok)] + counts[int(Outcome::Fallback)];
}

void EntityStats::record(Outcome outcome, Duration latency)
{
    m_counts[int(outcome)].fetch_add(1, std::memory_order_relaxed);
    m_latency.record(latency);
}

std::uint64_t EntitySummary::total() const
{
    std::uint64_t n = 0;
    for (auto c : totals)
        n += c;
    return n;
}

double EntitySummary::successRate() const
{
    const auto n = total();
    return n ? double(totals[int(Outcome::Ok)] + totals[int(Outcome::Fallback)]) / double(n) : 1.0;
}

MetricsRegistry::MetricsRegistry(int ringSeconds) : m_ringSeconds(ringSeconds) {}

EntityStats *MetricsRegistry::entity(const QString &name)
{
    std::lock_guard lock(m_mutex);
    Entry &e = m_entries[name];
    if (!e.live)
        e.live = std::make_unique<EntityStats>(name);
    return e.live.get();
}

void MetricsRegistry::rotate(double t, const std::function<Gauges(const QString &)> &gaugesFor)
{
    std::lock_guard lock(m_mutex);
    for (auto &[name, e] : m_entries) {
        Window w;
        w.t = t;
        for (int i = 0; i < OutcomeCount; ++i) {
            w.counts[i] = e.live->m_counts[i].exchange(0, std::memory_order_relaxed);
            e.totals[i] += w.counts[i];
        }
        HistogramData h;
        e.live->m_latency.drainInto(h);
        w.latency = h.cells();
        w.maxUs = h.maxUs();
        w.p50 = h.percentileMs(0.50);
        w.p95 = h.percentileMs(0.95);
        w.p99 = h.percentileMs(0.99);
        if (gaugesFor)
            w.gauges = gaugesFor(name);
        e.latency.merge(h);
        e.ring.push_back(std::move(w));
        while (int(e.ring.size()) > m_ringSeconds)
            e.ring.pop_front();
    }
}

QStringList MetricsRegistry::names() const
{
    std::lock_guard lock(m_mutex);
    QStringList out;
    for (const auto &[name, e] : m_entries)
        out << name;
    return out;
}

EntitySummary MetricsRegistry::summary(const QString &name) const
{
    std::lock_guard lock(m_mutex);
    EntitySummary s;
    s.name = name;
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        return s;
    s.totals = it->second.totals;
    s.latency = it->second.latency;
    if (!it->second.ring.empty()) {
        s.last = it->second.ring.back();
        const double prevT =
            it->second.ring.size() > 1 ? it->second.ring[it->second.ring.size() - 2].t : 0.0;
        const double span = s.last.t - prevT;
        s.rps = span > 0 ? double(s.last.total()) / span : 0.0;
    }
    return s;
}

std::vector<Window> MetricsRegistry::series(const QString &name, double since) const
{
    std::lock_guard lock(m_mutex);
    std::vector<Window> out;
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        return out;
    for (const Window &w : it->second.ring)
        if (w.t > since)
            out.push_back(w);
    return out;
}

EntitySummary MetricsRegistry::range(const QString &name, double from, double to) const
{
    std::lock_guard lock(m_mutex);
    EntitySummary s;
    s.name = name;
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        return s;
    int windows = 0;
    for (const Window &w : it->second.ring) {
        if (w.t <= from || w.t > to)
            continue;
        for (int i = 0; i < OutcomeCount; ++i)
            s.totals[i] += w.counts[i];
        s.latency.addCells(w.latency, w.maxUs);
        ++windows;
    }
    s.rps = windows ? double(s.total()) / windows : 0.0;
    return s;
}

} // namespace microcosm
