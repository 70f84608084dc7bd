#include "metrics.h"

#include <algorithm>

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

MetricsRegistry::MetricsRegistry(int ringSeconds, int histogramSeconds)
    : m_ringSeconds(std::max(1, ringSeconds)),
      m_histogramSeconds(std::clamp(histogramSeconds, 1, m_ringSeconds))
{
}

MetricsRegistry::Entry::Entry(int ringSeconds, int histogramSeconds)
    : ring(std::size_t(ringSeconds)), latencyRing(std::size_t(histogramSeconds))
{
}

std::uint64_t MetricsRegistry::Entry::oldest() const
{
    return rotations - std::min<std::uint64_t>(rotations, ring.size());
}

const CompactHistogram *MetricsRegistry::Entry::histogram(std::uint64_t n) const
{
    return n + latencyRing.size() >= rotations ? &latencyRing[n % latencyRing.size()] : nullptr;
}

EntityStats *MetricsRegistry::entity(const EntityKey &name)
{
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        it = m_entries.try_emplace(name, m_ringSeconds, m_histogramSeconds).first;
    if (!it->second.live)
        it->second.live = std::make_unique<EntityStats>(name.name());
    return it->second.live.get();
}

void MetricsRegistry::accumulate(EntitySummary &into, const Window &w)
{
    for (int i = 0; i < OutcomeCount; ++i)
        into.totals[i] += w.counts[i];
    const double ready = w.gauges.replicasReady;
    into.minReplicasReady = into.windows ? std::min(into.minReplicasReady, ready) : ready;
    into.maxReplicasReady = into.windows ? std::max(into.maxReplicasReady, ready) : ready;
    ++into.windows;
    into.rps = double(into.total()) / into.windows;
}

void MetricsRegistry::rotate(double t, const std::function<Gauges(const EntityKey &)> &gaugesFor)
{
    std::lock_guard lock(m_mutex);
    for (auto &[name, e] : m_entries) {
        const std::uint64_t n = e.rotations++;
        Window &w = e.ring[n % e.ring.size()];
        w = Window{};
        w.t = t;
        for (int i = 0; i < OutcomeCount; ++i) {
            w.counts[i] = e.live->m_counts[i].exchange(0, std::memory_order_relaxed);
            e.totals[i] += w.counts[i];
        }
        m_scratch.clear();
        e.live->m_latency.drainInto(m_scratch);
        w.maxUs = m_scratch.maxUs();
        w.p50 = m_scratch.percentileMs(0.50);
        w.p95 = m_scratch.percentileMs(0.95);
        w.p99 = m_scratch.percentileMs(0.99);
        w.p999 = m_scratch.percentileMs(0.999);
        if (gaugesFor)
            w.gauges = gaugesFor(name);
        e.latency.merge(m_scratch);
        e.latencyRing[n % e.latencyRing.size()].assign(m_scratch);
        for (auto &[id, watch] : m_watches) {
            if (watch.key != name || t <= watch.from || t > watch.to)
                continue;
            accumulate(watch.summary, w);
            watch.summary.latency.merge(m_scratch);
            watch.summary.last = w;
        }
    }
}

std::vector<EntityKey> MetricsRegistry::keys() const
{
    std::lock_guard lock(m_mutex);
    std::vector<EntityKey> out;
    out.reserve(m_entries.size());
    for (const auto &[key, e] : m_entries)
        out.push_back(key);
    return out;
}

EntitySummary MetricsRegistry::summary(const EntityKey &name) const
{
    std::lock_guard lock(m_mutex);
    EntitySummary s;
    s.name = name.name();
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        return s;
    const Entry &e = it->second;
    s.totals = e.totals;
    s.latency = e.latency;
    if (e.rotations > 0) {
        s.last = e.window(e.rotations - 1);
        const double prevT = e.rotations - e.oldest() > 1 ? e.window(e.rotations - 2).t : 0.0;
        const double span = s.last.t - prevT;
        s.rps = span > 0 ? double(s.last.total()) / span : 0.0;
    }
    return s;
}

std::vector<Window> MetricsRegistry::series(const EntityKey &name, double since) const
{
    std::lock_guard lock(m_mutex);
    std::vector<Window> out;
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        return out;
    const Entry &e = it->second;
    for (std::uint64_t n = e.oldest(); n < e.rotations; ++n)
        if (const Window &w = e.window(n); w.t > since)
            out.push_back(w);
    return out;
}

std::vector<MetricsRegistry::ClosedWindow> MetricsRegistry::closedSince(double since) const
{
    std::lock_guard lock(m_mutex);
    std::vector<ClosedWindow> out;
    for (const auto &[name, e] : m_entries) {
        // From the newest back to the first one not wanted: a recorder asks
        // every 100 ms and so reads one window, not the whole ring.
        std::uint64_t first = e.rotations;
        while (first > e.oldest() && e.window(first - 1).t > since)
            --first;
        for (std::uint64_t n = first; n < e.rotations; ++n) {
            const CompactHistogram *h = e.histogram(n);
            out.push_back({name, e.window(n), h ? h->cells() : std::vector<HistogramData::Cell>{}});
        }
    }
    return out;
}

EntitySummary MetricsRegistry::range(const EntityKey &name, double from, double to) const
{
    std::lock_guard lock(m_mutex);
    EntitySummary s;
    s.name = name.name();
    auto it = m_entries.find(name);
    if (it == m_entries.end())
        return s;
    const Entry &e = it->second;
    for (std::uint64_t n = e.oldest(); n < e.rotations; ++n) {
        const Window &w = e.window(n);
        if (w.t <= from || w.t > to)
            continue;
        accumulate(s, w);
        if (const CompactHistogram *h = e.histogram(n))
            h->addTo(s.latency);
        s.last = w;
    }
    return s;
}

int MetricsRegistry::watch(const EntityKey &name, double from, double to)
{
    std::lock_guard lock(m_mutex);
    Watch w;
    w.key = name;
    w.from = from;
    w.to = to;
    w.summary.name = name.name();
    const int id = m_nextWatch++;
    m_watches.emplace(id, std::move(w));
    return id;
}

EntitySummary MetricsRegistry::watched(int id) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_watches.find(id);
    return it != m_watches.end() ? it->second.summary : EntitySummary{};
}

void MetricsRegistry::unwatch(int id)
{
    std::lock_guard lock(m_mutex);
    m_watches.erase(id);
}

std::size_t MetricsRegistry::ringBytes() const
{
    std::lock_guard lock(m_mutex);
    std::size_t bytes = 0;
    for (const auto &[name, e] : m_entries)
        bytes += e.ring.capacity() * sizeof(Window) +
                 e.latencyRing.capacity() * sizeof(CompactHistogram);
    return bytes;
}

} // namespace microcosm
