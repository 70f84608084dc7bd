// The metrics registry: one-second windows in a ring allocated once per
// entity, latency over recent ranges, and watches that accumulate a range at
// full resolution however long ago it was.
#include "metrics.h"

#include <QtTest>

using namespace microcosm;

namespace {

// Records n samples of us microseconds, outcome ok, into entity e.
void record(EntityStats *e, int n, std::int64_t us)
{
    for (int i = 0; i < n; ++i)
        e->record(Outcome::Ok, microseconds(us));
}

} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void ringKeepsTheNewestWindowsInOrder();
    void ringIsAllocatedOnce();
    void rangeLatencyCoversTheRecentHistograms();
    void watchAccumulatesItsRangeAtFullResolution();
    void watchTracksReplicaGaugesAndCanBeRemoved();
};

void TestMetrics::ringKeepsTheNewestWindowsInOrder()
{
    MetricsRegistry m(5, 3);
    EntityStats *e = m.entity(QStringLiteral("service:cart"));
    for (int t = 1; t <= 8; ++t) {
        record(e, t, 1000);
        m.rotate(t, nullptr);
    }
    const std::vector<Window> windows = m.series(QStringLiteral("service:cart"));
    QCOMPARE(windows.size(), std::size_t(5));
    for (std::size_t i = 0; i < windows.size(); ++i) {
        QCOMPARE(windows[i].t, double(4 + i));
        QCOMPARE(windows[i].total(), std::uint64_t(4 + i));
    }
    QCOMPARE(m.series(QStringLiteral("service:cart"), 6).size(), std::size_t(2));
    const EntitySummary s = m.summary(QStringLiteral("service:cart"));
    QCOMPARE(s.total(), std::uint64_t(36)); // totals cover the whole run
    QCOMPARE(s.last.t, 8.0);
    QCOMPARE(s.rps, 8.0);
    QVERIFY(m.series(QStringLiteral("nobody")).empty());
}

void TestMetrics::ringIsAllocatedOnce()
{
    MetricsRegistry m(600, 60);
    EntityStats *a = m.entity(QStringLiteral("a"));
    EntityStats *b = m.entity(QStringLiteral("b"));
    QCOMPARE(m.entity(QStringLiteral("a")), a); // stable
    const std::size_t bytes = m.ringBytes();
    QVERIFY(bytes >= 2 * (600 * sizeof(Window) + 60 * sizeof(CompactHistogram)));
    for (int t = 1; t <= 1500; ++t) {
        record(a, 50, 100 + t);
        record(b, 5, 10'000);
        m.rotate(t, nullptr);
    }
    QCOMPARE(m.ringBytes(), bytes);
}

void TestMetrics::rangeLatencyCoversTheRecentHistograms()
{
    MetricsRegistry m(10, 4);
    EntityStats *e = m.entity(QStringLiteral("x"));
    for (int t = 1; t <= 10; ++t) {
        record(e, 10, t * 1000); // second t: ten samples of t ms
        m.rotate(t, nullptr);
    }
    // Counts from every window in range; latency from the last four only.
    const EntitySummary all = m.range(QStringLiteral("x"), 0, 10);
    QCOMPARE(all.total(), std::uint64_t(100));
    QCOMPARE(all.windows, 10);
    QCOMPARE(all.rps, 10.0);
    QCOMPARE(all.latency.count(), std::uint64_t(40));
    QVERIFY(all.latency.percentileMs(0.0) > 6.9);
    const EntitySummary recent = m.range(QStringLiteral("x"), 8, 10);
    QCOMPARE(recent.total(), std::uint64_t(20));
    QCOMPARE(recent.latency.count(), std::uint64_t(20));
    QVERIFY(std::abs(recent.latency.percentileMs(0.25) - 9.0) < 0.05);
    QVERIFY(std::abs(recent.latency.percentileMs(1.0) - 10.0) < 0.05);
    QCOMPARE(recent.latency.maxUs(), std::int64_t(10'000));
}

void TestMetrics::watchAccumulatesItsRangeAtFullResolution()
{
    MetricsRegistry m(3, 2);
    // A watch may name an entity that does not exist yet.
    const int id = m.watch(QStringLiteral("late"), 2, 6);
    HistogramData expected;
    for (int t = 1; t <= 12; ++t) {
        EntityStats *e = m.entity(QStringLiteral("late"));
        // Wide seconds, which the ring could only keep coarsened.
        for (int i = 1; i <= 2000; ++i) {
            e->record(Outcome::Ok, microseconds(i * 37 * t));
            if (t > 2 && t <= 6)
                expected.record(i * 37 * t);
        }
        e->record(Outcome::Timeout, milliseconds(500));
        if (t > 2 && t <= 6)
            expected.record(500'000);
        m.rotate(t, nullptr);
    }
    const EntitySummary s = m.watched(id);
    QCOMPARE(s.windows, 4);
    QCOMPARE(s.total(), std::uint64_t(4 * 2001));
    QCOMPARE(s.totals[int(Outcome::Timeout)], std::uint64_t(4));
    QCOMPARE(s.latency.count(), expected.count());
    for (double q : {0.5, 0.95, 0.99, 0.999})
        QCOMPARE(s.latency.percentileUs(q), expected.percentileUs(q));
    QCOMPARE(s.last.t, 6.0);
    // The ring itself no longer holds those seconds.
    QCOMPARE(m.range(QStringLiteral("late"), 2, 6).total(), std::uint64_t(0));
}

void TestMetrics::watchTracksReplicaGaugesAndCanBeRemoved()
{
    MetricsRegistry m;
    m.entity(QStringLiteral("service:product"));
    const int id = m.watch(QStringLiteral("service:product"), 0, 100);
    const double ready[] = {2, 3, 5, 4, 1, 2};
    for (int t = 1; t <= 6; ++t)
        m.rotate(t, [&](const QString &) {
            Gauges g;
            g.replicasReady = ready[t - 1];
            return g;
        });
    QCOMPARE(m.watched(id).maxReplicasReady, 5.0);
    QCOMPARE(m.watched(id).minReplicasReady, 1.0);
    QCOMPARE(m.watched(id).windows, 6);
    m.unwatch(id);
    QCOMPARE(m.watched(id).windows, 0);
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
