#pragma once

#include "clock.h"

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

private:
    std::vector<std::uint64_t> m_counts; // allocated on first record
    std::uint64_t m_count = 0;
    std::int64_t m_max = 0;
    double m_sum = 0;
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
