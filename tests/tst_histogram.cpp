// The latency histogram: the percentiles every chart and report shows must be
// within 1% of the exact value, and no sample may go missing while workers
// record and the metrics tick drains.
#include "histogram.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

using namespace microcosm;

namespace {

// The exact q-quantile the way latency tools define it: the smallest sample
// with at least q of all samples at or below it.
double exactPercentile(std::vector<std::int64_t> sorted, double q)
{
    std::sort(sorted.begin(), sorted.end());
    const auto rank = std::max<std::size_t>(1, std::size_t(std::ceil(q * double(sorted.size()))));
    return double(sorted[rank - 1]);
}

bool within(double actual, double expected, double relative)
{
    return std::abs(actual - expected) <= relative * std::abs(expected);
}

std::vector<std::int64_t> uniform(std::int64_t from, std::int64_t to)
{
    std::vector<std::int64_t> v;
    for (std::int64_t x = from; x <= to; ++x)
        v.push_back(x);
    return v;
}

const double Quantiles[] = {0.0, 0.01, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999, 1.0};

} // namespace

class TestHistogram : public QObject
{
    Q_OBJECT

private slots:
    void percentilesWithinOnePercent_data();
    void percentilesWithinOnePercent();
    void recordingSideAgreesWithData_data();
    void recordingSideAgreesWithData();
    void emptyHistogramReportsZero();
    void bucketBoundsHoldTheirValues_data();
    void bucketBoundsHoldTheirValues();
    void bucketsTileTheRangeWithoutGaps();
    void valuesBeyondTheRangeKeepTheirMaximum();
    void mergeEqualsRecordingEverything();
    void mergeWithEmptyChangesNothing();
    void cellsRoundTrip();
    void compactKeepsNarrowSecondsExact();
    void compactCoarsensWideSecondsWithinItsResolution_data();
    void compactCoarsensWideSecondsWithinItsResolution();
    void drainWhileRecordingLosesNoSample();
};

void TestHistogram::percentilesWithinOnePercent_data()
{
    QTest::addColumn<std::vector<std::int64_t>>("samples");

    QTest::newRow("uniform 1..100000 us") << uniform(1, 100'000);
    QTest::newRow("constant 4.2 ms") << std::vector<std::int64_t>(5000, 4200);
    QTest::newRow("constant 1 us") << std::vector<std::int64_t>(10, 1);

    // 40% fast cache hits around 200 us, 60% slow database calls around 100 ms.
    std::vector<std::int64_t> bimodal;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> fast(150, 250), slow(80'000, 120'000);
    for (int i = 0; i < 40'000; ++i)
        bimodal.push_back(fast(rng));
    for (int i = 0; i < 60'000; ++i)
        bimodal.push_back(slow(rng));
    QTest::newRow("bimodal 200 us / 100 ms") << bimodal;

    std::vector<std::int64_t> heavy;
    std::lognormal_distribution<double> lognormal(std::log(5000.0), 1.5);
    for (int i = 0; i < 50'000; ++i)
        heavy.push_back(std::clamp<std::int64_t>(std::int64_t(lognormal(rng)), 1, 90'000'000));
    QTest::newRow("log-normal tail up to 90 s") << heavy;

    QTest::newRow("small exact values 1..127") << uniform(1, 127);
}

void TestHistogram::percentilesWithinOnePercent()
{
    QFETCH(std::vector<std::int64_t>, samples);

    HistogramData h;
    for (auto us : samples)
        h.record(us);
    QCOMPARE(h.count(), std::uint64_t(samples.size()));
    QCOMPARE(h.maxUs(), *std::max_element(samples.begin(), samples.end()));

    double sum = 0;
    for (auto us : samples)
        sum += double(us);
    QVERIFY2(within(h.meanUs(), sum / double(samples.size()), 1e-9), "mean of the recorded values");

    for (double q : Quantiles) {
        const double exact = exactPercentile(samples, q);
        const double got = h.percentileUs(q);
        QVERIFY2(
            within(got, exact, 0.01),
            qPrintable(
                QStringLiteral("p%1: got %2 us, exact %3 us").arg(q * 100).arg(got).arg(exact)));
    }
    QVERIFY(within(h.percentileMs(0.5), exactPercentile(samples, 0.5) / 1000.0, 0.01));
}

void TestHistogram::recordingSideAgreesWithData_data()
{
    percentilesWithinOnePercent_data();
}

// What workers record (the lock-free side) and what the metrics tick drains
// out of it must report the same percentiles.
void TestHistogram::recordingSideAgreesWithData()
{
    QFETCH(std::vector<std::int64_t>, samples);

    Histogram live;
    for (auto us : samples)
        live.record(microseconds(us));
    HistogramData drained;
    live.drainInto(drained);

    QCOMPARE(drained.count(), std::uint64_t(samples.size()));
    QCOMPARE(drained.maxUs(), *std::max_element(samples.begin(), samples.end()));
    for (double q : Quantiles) {
        const double exact = exactPercentile(samples, q);
        QVERIFY2(within(drained.percentileUs(q), exact, 0.01),
                 qPrintable(QStringLiteral("p%1: got %2 us, exact %3 us")
                                .arg(q * 100)
                                .arg(drained.percentileUs(q))
                                .arg(exact)));
    }

    // A second drain finds nothing: each sample is reported in exactly one window.
    HistogramData again;
    live.drainInto(again);
    QCOMPARE(again.count(), std::uint64_t(0));
}

void TestHistogram::emptyHistogramReportsZero()
{
    HistogramData h;
    QCOMPARE(h.count(), std::uint64_t(0));
    QCOMPARE(h.percentileUs(0.99), 0.0);
    QCOMPARE(h.meanUs(), 0.0);
    QCOMPARE(h.maxUs(), std::int64_t(0));
    QVERIFY(h.cells().empty());
}

void TestHistogram::bucketBoundsHoldTheirValues_data()
{
    QTest::addColumn<qint64>("us");
    for (qint64 us :
         {1LL, 2LL, 127LL, 128LL, 129LL, 255LL, 256LL, 257LL, 1000LL, 4095LL, 4096LL, 65'535LL,
          1'000'000LL, 33'554'431LL, 67'108'864LL, 99'999'999LL, 100'000'000LL})
        QTest::newRow(qPrintable(QStringLiteral("%1 us").arg(us))) << us;
}

void TestHistogram::bucketBoundsHoldTheirValues()
{
    QFETCH(qint64, us);
    const int b = HistogramData::bucketOf(us);
    QVERIFY(b >= 0 && b < HistogramData::bucketCount());
    QVERIFY2(HistogramData::bucketLow(b) <= us && us <= HistogramData::bucketHigh(b),
             qPrintable(QStringLiteral("%1 us in bucket %2 = [%3, %4]")
                            .arg(us)
                            .arg(b)
                            .arg(HistogramData::bucketLow(b))
                            .arg(HistogramData::bucketHigh(b))));
    // Log-linear: no bucket is wider than 1/128 of its lower bound (~0.8%),
    // so its midpoint is within 0.4% of anything in it.
    const double width = double(HistogramData::bucketHigh(b) - HistogramData::bucketLow(b) + 1);
    QVERIFY(width <= std::max(1.0, double(HistogramData::bucketLow(b)) / 128.0));
}

void TestHistogram::bucketsTileTheRangeWithoutGaps()
{
    const int last = HistogramData::bucketOf(HistogramData::MaxValueUs);
    QVERIFY(last < HistogramData::bucketCount());
    QCOMPARE(HistogramData::bucketOf(1), 1);
    for (int b = 1; b < last; ++b) {
        QCOMPARE(HistogramData::bucketHigh(b) + 1, HistogramData::bucketLow(b + 1));
        QCOMPARE(HistogramData::bucketOf(HistogramData::bucketLow(b)), b);
        QCOMPARE(HistogramData::bucketOf(HistogramData::bucketHigh(b)), b);
    }
    // The range reaches 100 s.
    QVERIFY(HistogramData::bucketLow(last) <= HistogramData::MaxValueUs);
    QVERIFY(HistogramData::bucketHigh(last) >= HistogramData::MaxValueUs);
}

void TestHistogram::valuesBeyondTheRangeKeepTheirMaximum()
{
    HistogramData h;
    h.record(0);           // counts as 1 us
    h.record(-5);          // a clock hiccup is not a crash
    h.record(250'000'000); // 250 s: beyond the range
    QCOMPARE(h.count(), std::uint64_t(3));
    QCOMPARE(h.maxUs(), std::int64_t(250'000'000));
    QVERIFY(within(h.percentileUs(1.0), 100'000'000, 0.01)); // in the last bucket
    QVERIFY(within(h.percentileUs(0.1), 1, 0.01));
    QCOMPARE(HistogramData::bucketOf(250'000'000),
             HistogramData::bucketOf(HistogramData::MaxValueUs));
}

void TestHistogram::mergeEqualsRecordingEverything()
{
    std::mt19937_64 rng(11);
    std::exponential_distribution<double> exp(1.0 / 20'000);
    HistogramData a, b, all;
    std::vector<std::int64_t> samples;
    for (int i = 0; i < 30'000; ++i) {
        const auto us = std::int64_t(exp(rng)) + 1;
        samples.push_back(us);
        (i % 3 ? a : b).record(us);
        all.record(us);
    }
    HistogramData merged;
    merged.merge(a);
    merged.merge(b);
    QCOMPARE(merged.count(), all.count());
    QCOMPARE(merged.maxUs(), all.maxUs());
    QVERIFY(within(merged.meanUs(), all.meanUs(), 1e-9));
    for (double q : Quantiles) {
        QCOMPARE(merged.percentileUs(q), all.percentileUs(q));
        QVERIFY(within(merged.percentileUs(q), exactPercentile(samples, q), 0.01));
    }
}

void TestHistogram::mergeWithEmptyChangesNothing()
{
    HistogramData h;
    for (int us = 1; us <= 1000; ++us)
        h.record(us);
    const double p99 = h.percentileUs(0.99);
    h.merge(HistogramData());
    QCOMPARE(h.count(), std::uint64_t(1000));
    QCOMPARE(h.percentileUs(0.99), p99);

    HistogramData empty;
    empty.merge(h);
    QCOMPARE(empty.count(), std::uint64_t(1000));
    QCOMPARE(empty.percentileUs(0.99), p99);
    QCOMPARE(empty.maxUs(), std::int64_t(1000));
}

// The one-second ring stores windows as sparse cells; a chart over a range of
// windows rebuilds the distribution from them.
void TestHistogram::cellsRoundTrip()
{
    HistogramData h;
    const auto samples = uniform(1, 50'000);
    for (auto us : samples)
        h.record(us);
    HistogramData rebuilt;
    rebuilt.addCells(h.cells(), h.maxUs());
    QCOMPARE(rebuilt.count(), h.count());
    QCOMPARE(rebuilt.maxUs(), h.maxUs());
    for (double q : Quantiles)
        QVERIFY(within(rebuilt.percentileUs(q), exactPercentile(samples, q), 0.01));
    QVERIFY(within(rebuilt.meanUs(), h.meanUs(), 0.01));
}

// The metrics ring keeps each second in a CompactHistogram: a second whose
// samples fall in at most Capacity buckets comes back exactly.
void TestHistogram::compactKeepsNarrowSecondsExact()
{
    HistogramData h;
    std::mt19937_64 rng(3);
    std::normal_distribution<double> around(4000, 40); // 4 ms +- 1%: ~40 buckets
    for (int i = 0; i < 2000; ++i)
        h.record(std::int64_t(around(rng)));
    CompactHistogram c;
    c.assign(h);
    QVERIFY(c.size() <= CompactHistogram::Capacity);
    QCOMPARE(c.subBuckets(), HistogramData::SubBuckets);
    HistogramData back;
    c.addTo(back);
    QCOMPARE(back.count(), h.count());
    QCOMPARE(back.maxUs(), h.maxUs());
    for (double q : Quantiles)
        QCOMPARE(back.percentileUs(q), h.percentileUs(q));

    CompactHistogram empty;
    empty.assign(HistogramData{});
    HistogramData none;
    empty.addTo(none);
    QCOMPARE(none.count(), std::uint64_t(0));
}

void TestHistogram::compactCoarsensWideSecondsWithinItsResolution_data()
{
    QTest::addColumn<std::vector<std::int64_t>>("samples");
    QTest::newRow("uniform 1..100000 us") << uniform(1, 100'000);
    std::vector<std::int64_t> heavy;
    std::mt19937_64 rng(9);
    std::lognormal_distribution<double> lognormal(std::log(5000.0), 1.5);
    for (int i = 0; i < 20'000; ++i)
        heavy.push_back(std::clamp<std::int64_t>(std::int64_t(lognormal(rng)), 1, 90'000'000));
    QTest::newRow("log-normal") << heavy;
}

// A second spread over many buckets is kept at a coarser resolution: the
// count and maximum stay exact, and each percentile is off by at most the
// coarser bucket's relative width.
void TestHistogram::compactCoarsensWideSecondsWithinItsResolution()
{
    QFETCH(std::vector<std::int64_t>, samples);
    HistogramData h;
    for (auto us : samples)
        h.record(us);
    CompactHistogram c;
    c.assign(h);
    QVERIFY(c.size() <= CompactHistogram::Capacity);
    QVERIFY(c.subBuckets() < HistogramData::SubBuckets);
    HistogramData back;
    c.addTo(back);
    QCOMPARE(back.count(), h.count());
    QCOMPARE(back.maxUs(), h.maxUs());
    const double resolution = 1.0 / c.subBuckets();
    for (double q : {0.5, 0.9, 0.95, 0.99}) {
        const double exact = exactPercentile(samples, q);
        QVERIFY2(within(back.percentileUs(q), exact, resolution),
                 qPrintable(QStringLiteral("p%1 at %2 sub-buckets: got %3 us, exact %4 us")
                                .arg(q * 100)
                                .arg(c.subBuckets())
                                .arg(back.percentileUs(q))
                                .arg(exact)));
    }
}

void TestHistogram::drainWhileRecordingLosesNoSample()
{
    constexpr int Threads = 4;
    constexpr int PerThread = 100'000;
    Histogram live;
    std::atomic<int> running{Threads};
    std::vector<std::thread> workers;
    for (int t = 0; t < Threads; ++t) {
        workers.emplace_back([&, t] {
            std::mt19937_64 rng(t);
            std::uniform_int_distribution<std::int64_t> us(1, 2'000'000);
            for (int i = 0; i < PerThread; ++i)
                live.recordUs(us(rng));
            live.recordUs(3'000'000 + t); // each thread's largest, last
            running.fetch_sub(1);
        });
    }
    // The metrics tick: drains windows while the workers record.
    HistogramData total;
    int windows = 0;
    while (running.load() > 0) {
        HistogramData window;
        live.drainInto(window);
        total.merge(window);
        ++windows;
    }
    for (auto &w : workers)
        w.join();
    HistogramData last;
    live.drainInto(last);
    total.merge(last);

    QVERIFY(windows > 1);
    QCOMPARE(total.count(), std::uint64_t(Threads) * (PerThread + 1));
    // The largest sample is reported within the histogram's precision.
    QVERIFY2(within(double(total.maxUs()), 3'000'000 + Threads - 1, 0.005),
             qPrintable(QString::number(total.maxUs())));
    QVERIFY(within(total.percentileUs(0.5), 1'000'000, 0.02));
}

QTEST_GUILESS_MAIN(TestHistogram)
#include "tst_histogram.moc"
