#pragma once

#include "clock.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace microcosm {

// A latency distribution that has stopped changing: counts per log-linear
// bucket (128 sub-buckets per power of two, so any recorded value is
// reported within 0.4%), from 1 µs to 100 s. Values above 100 s land in the
// last bucket; the exact maximum is kept alongside.
class HistogramData
{
public:
    static constexpr int SubBuckets = 128;
    static constexpr std::int64_t MaxValueUs = 100'000'000;
    static int bucketOf(std::int64_t us);
    static std::int64_t bucketLow(int bucket);
    static std::int64_t bucketHigh(int bucket);
    static int bucketCount();

    void record(std::int64_t us, std::uint64_t n = 1);
    void merge(const HistogramData &other);
    void clear();

    std::uint64_t count() const { return m_count; }
    std::int64_t maxUs() const { return m_max; }
    double meanUs() const { return m_count ? m_sum / double(m_count) : 0.0; }
    // The value below which fraction q (0..1) of the samples lie, in µs; 0 when empty.
    double percentileUs(double q) const;
    double percentileMs(double q) const { return percentileUs(q) / 1000.0; }

    // Sparse form for storage in the one-second ring.
    struct Cell
    {
        std::uint32_t bucket;
        std::uint32_t count;
    };
    std::vector<Cell> cells() const;
    void addCells(const std::vector<Cell> &cells, std::int64_t maxUs);
    void addBucket(int bucket, std::uint64_t n);
    void raiseMax(std::int64_t maxUs) { m_max = std::max(m_max, maxUs); }

private:
    std::vector<std::uint64_t> m_counts; // allocated on first record
    std::uint64_t m_count = 0;
    std::int64_t m_max = 0;
    double m_sum = 0;
};

// One second's latency distribution in a fixed space, for the metrics ring:
// at most Capacity non-empty buckets. A second with more distinct buckets
// than that is kept at a coarser resolution (neighbouring buckets merged,
// 128 -> 64 -> 32 ... per power of two) until it fits; a second whose
// samples are within 0.4% of each other's buckets keeps the full one.
class CompactHistogram
{
public:
    static constexpr int Capacity = 64;
    void assign(const HistogramData &data);
    void clear() { m_size = 0; }
    // Adds the kept counts to out, each at the middle of its (merged) bucket.
    void addTo(HistogramData &out) const;
    // The same counts as cells of full-resolution buckets (each at the middle
    // of its merged bucket), in bucket order; the second's maximum in *maxUs.
    std::vector<HistogramData::Cell> cells(std::int64_t *maxUs = nullptr) const;
    int subBuckets() const { return HistogramData::SubBuckets >> m_shift; }
    int size() const { return m_size; }

private:
    std::array<std::uint16_t, Capacity> m_bucket{};
    std::array<std::uint32_t, Capacity> m_count{};
    std::int64_t m_max = 0;
    std::uint16_t m_size = 0;
    std::uint8_t m_shift = 0;
};

// The recording side: lock-free, written by any number of worker threads.
// drainInto() moves the counts out atomically bucket by bucket, so a sample
// recorded during a drain lands in this window or the next, never nowhere.
class Histogram
{
public:
    Histogram();
    void record(Duration d);
    void recordUs(std::int64_t us);
    void drainInto(HistogramData &out);

private:
    std::vector<std::atomic<std::uint64_t>> m_counts;
    std::atomic<std::int64_t> m_max{0};
    std::atomic<std::uint64_t> m_total{0};
};

} // namespace microcosm
