#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace microcosm {

namespace {
constexpr int SubBits = 7;       // 128 sub-buckets
constexpr int LastExponent = 26; // 2^26 µs = 67 s < 100 s < 2^27 µs
} // namespace

int HistogramData::bucketOf(std::int64_t us)
{
    if (us < 1)
        us = 1;
    if (us > MaxValueUs)
        us = MaxValueUs;
    if (us < SubBuckets)
        return int(us);
    const int exponent = std::bit_width(std::uint64_t(us)) - 1; // >= 7
    const int sub = int((us >> (exponent - SubBits)) & (SubBuckets - 1));
    return SubBuckets + (exponent - SubBits) * SubBuckets + sub;
}

std::int64_t HistogramData::bucketLow(int bucket)
{
    if (bucket < SubBuckets)
        return bucket;
    const int exponent = (bucket - SubBuckets) / SubBuckets + SubBits;
    const int sub = (bucket - SubBuckets) % SubBuckets;
    return (std::int64_t(SubBuckets + sub)) << (exponent - SubBits);
}

std::int64_t HistogramData::bucketHigh(int bucket)
{
    return bucketLow(bucket + 1) - 1;
}

int HistogramData::bucketCount()
{
    return SubBuckets + (LastExponent - SubBits + 1) * SubBuckets;
}

void HistogramData::record(std::int64_t us, std::uint64_t n)
{
    if (m_counts.empty())
        m_counts.assign(bucketCount(), 0);
    m_counts[bucketOf(us)] += n;
    m_count += n;
    m_sum += double(us) * double(n);
    m_max = std::max(m_max, us);
}

void HistogramData::merge(const HistogramData &other)
{
    if (other.m_count == 0)
        return;
    if (m_counts.empty())
        m_counts.assign(bucketCount(), 0);
    for (std::size_t i = 0; i < other.m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_count += other.m_count;
    m_sum += other.m_sum;
    m_max = std::max(m_max, other.m_max);
}

void HistogramData::clear()
{
    m_counts.clear();
    m_count = 0;
    m_max = 0;
    m_sum = 0;
}

double HistogramData::percentileUs(double q) const
{
    if (m_count == 0)
        return 0.0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank = std::uint64_t(std::ceil(q * double(m_count)));
    std::uint64_t seen = 0;
    for (int i = 0; i < int(m_counts.size()); ++i) {
        seen += m_counts[i];
        if (seen >= std::max<std::uint64_t>(rank, 1)) {
            // The midpoint of the bucket, but never above the largest sample.
            const double mid = (double(bucketLow(i)) + double(bucketHigh(i))) / 2.0;
            return std::min(mid, double(m_max));
        }
    }
    return double(m_max);
}

std::vector<HistogramData::Cell> HistogramData::cells() const
{
    std::vector<Cell> out;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        if (m_counts[i])
            out.push_back({std::uint32_t(i), std::uint32_t(m_counts[i])});
    return out;
}

void HistogramData::addBucket(int bucket, std::uint64_t n)
{
    if (m_counts.empty())
        m_counts.assign(bucketCount(), 0);
    m_counts[bucket] += n;
    m_count += n;
    m_sum += (double(bucketLow(bucket)) + double(bucketHigh(bucket))) / 2.0 * double(n);
}

void HistogramData::addCells(const std::vector<Cell> &cells, std::int64_t maxUs)
{
    if (cells.empty())
        return;
    for (const Cell &c : cells)
        addBucket(int(c.bucket), c.count);
    raiseMax(maxUs);
}

void CompactHistogram::assign(const HistogramData &data)
{
    m_size = 0;
    m_shift = 0;
    m_max = data.maxUs();
    if (data.count() == 0)
        return;
    const std::vector<HistogramData::Cell> cells = data.cells();
    // The finest resolution at which the distinct buckets fit.
    auto distinctAt = [&cells](int shift) {
        int n = 0;
        std::uint32_t last = ~0u;
        for (const HistogramData::Cell &c : cells) {
            if ((c.bucket >> shift) != last)
                ++n;
            last = c.bucket >> shift;
        }
        return n;
    };
    while (distinctAt(m_shift) > Capacity)
        ++m_shift;
    std::uint32_t last = ~0u;
    for (const HistogramData::Cell &c : cells) {
        const std::uint32_t group = c.bucket >> m_shift;
        if (group != last) {
            m_bucket[m_size] = std::uint16_t(group);
            m_count[m_size] = 0;
            ++m_size;
            last = group;
        }
        m_count[m_size - 1] += c.count;
    }
}

void CompactHistogram::addTo(HistogramData &out) const
{
    const int half = (1 << m_shift) / 2;
    for (int i = 0; i < m_size; ++i)
        out.addBucket(
            std::min((int(m_bucket[i]) << m_shift) + half, HistogramData::bucketCount() - 1),
            m_count[i]);
    if (m_size)
        out.raiseMax(m_max);
}

std::vector<HistogramData::Cell> CompactHistogram::cells(std::int64_t *maxUs) const
{
    const int half = (1 << m_shift) / 2;
    std::vector<HistogramData::Cell> out;
    out.reserve(m_size);
    for (int i = 0; i < m_size; ++i)
        out.push_back({std::uint32_t(std::min((int(m_bucket[i]) << m_shift) + half,
                                              HistogramData::bucketCount() - 1)),
                       m_count[i]});
    if (maxUs)
        *maxUs = m_size ? m_max : 0;
    return out;
}

Histogram::Histogram() : m_counts(HistogramData::bucketCount()) {}

void Histogram::record(Duration d)
{
    recordUs(std::chrono::duration_cast<microseconds>(d).count());
}

void Histogram::recordUs(std::int64_t us)
{
    m_counts[HistogramData::bucketOf(us)].fetch_add(1, std::memory_order_relaxed);
    m_total.fetch_add(1, std::memory_order_relaxed);
    std::int64_t prev = m_max.load(std::memory_order_relaxed);
    while (us > prev && !m_max.compare_exchange_weak(prev, us, std::memory_order_relaxed)) {
    }
}

void Histogram::drainInto(HistogramData &out)
{
    if (m_total.exchange(0, std::memory_order_relaxed) == 0)
        return; // nothing recorded since the last drain (a late sample waits for the next)
    const std::int64_t max = m_max.exchange(0, std::memory_order_relaxed);
    std::vector<HistogramData::Cell> cells;
    for (int i = 0; i < int(m_counts.size()); ++i) {
        if (m_counts[i].load(std::memory_order_relaxed) == 0)
            continue;
        if (const std::uint64_t n = m_counts[i].exchange(0, std::memory_order_relaxed))
            cells.push_back({std::uint32_t(i), std::uint32_t(n)});
    }
    // Counts by bucket, and the true maximum (not a bucket's midpoint).
    out.addCells(cells, max);
}

} // namespace microcosm
