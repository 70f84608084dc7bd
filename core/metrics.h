#pragma once

#include "histogram.h"
#include "message.h"

#include <QString>
#include <QStringList>
#include <mutex>

#include <array>
#include <atomic>
#include <deque>
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

// One second of one entity, as kept in the ring.
struct Window
{
    double t = 0; // seconds since the platform started, at the end of the window
    OutcomeCounts counts{};
    std::vector<HistogramData::Cell> latency;
    std::int64_t maxUs = 0;
    double p50 = 0, p95 = 0, p99 = 0; // ms
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
    double rps = 0;        // requests per second over the last window
    std::uint64_t total() const;
    double successRate() const; // (ok + fallback) / total, 1 when empty
};

// All entities, their one-second windows in a bounded ring (default one
// hour), and cumulative totals. Rotated by one owner (the platform's
// scheduler tick); read by snapshots. Workers only touch EntityStats.
class MetricsRegistry
{
public:
    explicit MetricsRegistry(int ringSeconds = 3600);

    // Stable for the registry's lifetime.
    EntityStats *entity(const QString &name);

    // Closes the current window of every entity at time t (seconds since start).
    // gaugesFor supplies the gauges of entities that have them.
    void rotate(double t, const std::function<Gauges(const QString &)> &gaugesFor);

    QStringList names() const;
    EntitySummary summary(const QString &name) const;
    // Windows with t > since (all of them when since < 0).
    std::vector<Window> series(const QString &name, double since = -1) const;
    // Counts and latency merged over windows with from < t <= to.
    EntitySummary range(const QString &name, double from, double to) const;
    int ringSeconds() const { return m_ringSeconds; }

private:
    struct Entry
    {
        std::unique_ptr<EntityStats> live;
        std::deque<Window> ring;
        OutcomeCounts totals{};
        HistogramData latency;
    };
    mutable std::mutex m_mutex;
    std::map<QString, Entry> m_entries;
    int m_ringSeconds;
};

} // namespace microcosm
