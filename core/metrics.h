#pragma once

#include "entitykey.h"
#include "histogram.h"
#include "message.h"

#include <QString>
#include <QStringList>
#include <mutex>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>

namespace microcosm {

constexpr int OutcomeCount = int(Outcome::Count);
using OutcomeCounts = std::array<std::uint64_t, OutcomeCount>;

// Gauges sampled once per window (queue depth, in-flight, busy workers...).
struct Gauges
{
    double queueDepth = 0;
    double inFlight = 0;
    double busyWorkers = 0;
    double workers = 0;
    double replicasReady = 0;
    double replicasTotal = 0;
    double utilization() const { return workers > 0 ? busyWorkers / workers : 0.0; }
};

// One second of one entity, as kept in the ring: a fixed size, so that the
// ring is allocated once.
struct Window
{
    double t = 0; // seconds since the platform started, at the end of the window
    OutcomeCounts counts{};
    std::int64_t maxUs = 0;
    double p50 = 0, p95 = 0, p99 = 0, p999 = 0; // ms
    Gauges gauges;
    std::uint64_t total() const;
    std::uint64_t succeeded() const; // ok + fallback
};

// The live counters of one entity (a service, a route, an edge, a replica,
// the gateway, the client). Written lock-free by worker threads through a
// stable pointer; never emits anything.
class EntityStats
{
public:
    explicit EntityStats(QString name) : m_name(std::move(name)) {}
    void record(Outcome outcome, Duration latency);
    const QString &name() const { return m_name; }

private:
    friend class MetricsRegistry;
    QString m_name;
    std::array<std::atomic<std::uint64_t>, OutcomeCount> m_counts{};
    Histogram m_latency;
};

// Summary of one entity for a snapshot.
struct EntitySummary
{
    QString name;
    OutcomeCounts totals{};
    HistogramData latency; // over the whole run
    Window last;           // the latest closed window
    double rps = 0;        // requests per second over the last window (of a range: mean)
    int windows = 0;       // windows a range or a watch covered
    double minReplicasReady = 0, maxReplicasReady = 0; // over those windows
    std::uint64_t total() const;
    double successRate() const; // (ok + fallback) / total, 1 when empty
};

// All entities, their one-second windows in a bounded ring (default one
// hour), and cumulative totals. Rotated by one owner (the platform's
// scheduler tick); read by snapshots. Workers only touch EntityStats.
//
// Memory is fixed per entity and allocated when the entity appears: the
// window ring (ringSeconds) and, for latency over a range, one compact
// histogram per second for the last histogramSeconds. An experiment that
// needs a latency over a range older than that registers a watch before
// the range begins: the watch merges the full-resolution histogram of every
// window in its range as it closes.
class MetricsRegistry
{
public:
    explicit MetricsRegistry(int ringSeconds = 3600, int histogramSeconds = 300);

    // Stable for the registry's lifetime.
    EntityStats *entity(const EntityKey &key);

    // Closes the current window of every entity at time t (seconds since start).
    // gaugesFor supplies the gauges of entities that have them.
    void rotate(double t, const std::function<Gauges(const EntityKey &)> &gaugesFor);

    // Every entity measured so far, in the order of their names.
    std::vector<EntityKey> keys() const;
    EntitySummary summary(const EntityKey &key) const;
    // Windows with t > since (all of them when since < 0).
    std::vector<Window> series(const EntityKey &key, double since = -1) const;
    // Every entity's windows with t > since, each with its latency
    // histogram as the ring keeps it (empty once dropped), in time order
    // per entity: what a recorder writes.
    struct ClosedWindow
    {
        EntityKey entity;
        Window window;
        std::vector<HistogramData::Cell> latency;
    };
    std::vector<ClosedWindow> closedSince(double since) const;
    // Counts merged over windows with from < t <= to; latency over those of
    // them still within histogramSeconds.
    EntitySummary range(const EntityKey &key, double from, double to) const;
    // Starts accumulating the windows of name with from < t <= to (the
    // entity need not exist yet); read with watched(), at any time.
    int watch(const EntityKey &key, double from, double to);
    EntitySummary watched(int id) const;
    void unwatch(int id);
    int ringSeconds() const { return m_ringSeconds; }
    int histogramSeconds() const { return m_histogramSeconds; }
    // Bytes the rings of all entities hold (allocated up front, so constant
    // for a given set of entities).
    std::size_t ringBytes() const;

private:
    struct Entry
    {
        Entry(int ringSeconds, int histogramSeconds);
        std::unique_ptr<EntityStats> live;
        // Window number n (counted from the first rotation) sits at
        // n % ring.size(), its histogram at n % latencyRing.size(), for as
        // long as each ring still holds it.
        std::vector<Window> ring;
        std::vector<CompactHistogram> latencyRing;
        std::uint64_t rotations = 0;
        OutcomeCounts totals{};
        HistogramData latency;
        std::uint64_t oldest() const; // the number of the oldest window kept
        const Window &window(std::uint64_t n) const { return ring[n % ring.size()]; }
        const CompactHistogram *histogram(std::uint64_t n) const; // null once dropped
    };
    struct Watch
    {
        EntityKey key = EntityKey::gateway();
        double from = 0, to = 0;
        EntitySummary summary;
    };
    static void accumulate(EntitySummary &into, const Window &w);
    mutable std::mutex m_mutex;
    std::map<EntityKey, Entry> m_entries;
    std::map<int, Watch> m_watches;
    int m_nextWatch = 0;
    HistogramData m_scratch; // the window being closed
    int m_ringSeconds;
    int m_histogramSeconds;
};

} // namespace microcosm
