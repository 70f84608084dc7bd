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
    void entityKeysAreNamedOnceAndReadBack_data();
    void entityKeysAreNamedOnceAndReadBack();
    void entityNamesThatNoKeyHas();
    void keysListEveryEntityByName();
};

// core/entitykey.h: a key is built from its parts, named once, and only a
// name read from outside becomes a key again, the same key.
void TestMetrics::entityKeysAreNamedOnceAndReadBack_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("service");
    QTest::addColumn<QString>("caller");
    QTest::addColumn<QString>("route");
    using K = EntityKey::Kind;
    QTest::newRow("gateway") << 0 << "gateway" << int(K::Gateway) << ""
                             << ""
                             << "";
    QTest::newRow("client") << 1 << "client" << int(K::Client) << ""
                            << ""
                            << "";
    QTest::newRow("users") << 2 << "users" << int(K::Users) << ""
                           << ""
                           << "";
    QTest::newRow("http") << 3 << "http" << int(K::Http) << ""
                          << ""
                          << "";
    QTest::newRow("service") << 4 << "service:product" << int(K::Service) << "product"
                             << ""
                             << "";
    QTest::newRow("edge") << 5 << "edge:order>cart" << int(K::Edge) << "cart"
                          << "order"
                          << "";
    QTest::newRow("a caller's default edge") << 6 << "edge:order>*" << int(K::Edge) << ""
                                             << "order"
                                             << "";
    QTest::newRow("route (a colon in it)")
        << 7 << "route:order:GET /orders/{id}:x" << int(K::Route) << "order"
        << ""
        << "GET /orders/{id}:x";
}

void TestMetrics::entityKeysAreNamedOnceAndReadBack()
{
    QFETCH(int, which);
    QFETCH(QString, name);
    QFETCH(int, kind);
    QFETCH(QString, service);
    QFETCH(QString, caller);
    QFETCH(QString, route);
    const EntityKey built[] = {
        EntityKey::gateway(),
        EntityKey::client(),
        EntityKey::users(),
        EntityKey::http(),
        EntityKey::service(QStringLiteral("product")),
        EntityKey::edge(QStringLiteral("order"), QStringLiteral("cart")),
        EntityKey::edge(QStringLiteral("order"), QString()),
        EntityKey::route(QStringLiteral("order"), QStringLiteral("GET /orders/{id}:x"))};
    const EntityKey &k = built[which];
    QCOMPARE(k.name(), name);
    QCOMPARE(int(k.kind()), kind);
    QCOMPARE(k.service(), service);
    QCOMPARE(k.caller(), caller);
    QCOMPARE(k.route(), route);
    const std::optional<EntityKey> read = EntityKey::fromName(name);
    QVERIFY(read);
    QVERIFY(*read == k);
    QCOMPARE(int(read->kind()), kind);
    QCOMPARE(read->service(), service);
    QCOMPARE(read->caller(), caller);
    QCOMPARE(read->route(), route);
    QVERIFY(EntityKey::named(name) == k); // a full name, as a person may write it
}

void TestMetrics::entityNamesThatNoKeyHas()
{
    for (const char *bad :
         {"", "nobody", "service:", "edge:", "edge:order", "edge:>cart", "edge:order>",
          "route:", "route:order", "route::GET /", "route:order:", "Gateway", "service"})
        QVERIFY2(!EntityKey::fromName(QString::fromLatin1(bad)), bad);
    // What a person writes: an edge by its two names, anything else a service.
    QVERIFY(EntityKey::named(u"users>product") ==
            EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")));
    QVERIFY(EntityKey::named(u"cart") == EntityKey::service(QStringLiteral("cart")));
    QVERIFY(EntityKey::named(u"client") == EntityKey::client());
}

void TestMetrics::keysListEveryEntityByName()
{
    MetricsRegistry m(5, 3);
    m.entity(EntityKey::service(QStringLiteral("product")));
    m.entity(EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")));
    m.entity(EntityKey::gateway());
    m.entity(EntityKey::service(QStringLiteral("product"))); // once only
    QStringList names;
    for (const EntityKey &k : m.keys())
        names << k.name();
    QCOMPARE(names, QStringList({QStringLiteral("edge:users>product"), QStringLiteral("gateway"),
                                 QStringLiteral("service:product")}));
    QCOMPARE(m.summary(EntityKey::service(QStringLiteral("product"))).name,
             QStringLiteral("service:product"));
}

void TestMetrics::ringKeepsTheNewestWindowsInOrder()
{
    MetricsRegistry m(5, 3);
    EntityStats *e = m.entity(EntityKey::service(QStringLiteral("cart")));
    for (int t = 1; t <= 8; ++t) {
        record(e, t, 1000);
        m.rotate(t, nullptr);
    }
    const std::vector<Window> windows = m.series(EntityKey::service(QStringLiteral("cart")));
    QCOMPARE(windows.size(), std::size_t(5));
    for (std::size_t i = 0; i < windows.size(); ++i) {
        QCOMPARE(windows[i].t, double(4 + i));
        QCOMPARE(windows[i].total(), std::uint64_t(4 + i));
    }
    QCOMPARE(m.series(EntityKey::service(QStringLiteral("cart")), 6).size(), std::size_t(2));
    const EntitySummary s = m.summary(EntityKey::service(QStringLiteral("cart")));
    QCOMPARE(s.total(), std::uint64_t(36)); // totals cover the whole run
    QCOMPARE(s.last.t, 8.0);
    QCOMPARE(s.rps, 8.0);
    QVERIFY(m.series(EntityKey::service(QStringLiteral("nobody"))).empty());
}

void TestMetrics::ringIsAllocatedOnce()
{
    MetricsRegistry m(600, 60);
    EntityStats *a = m.entity(EntityKey::service(QStringLiteral("a")));
    EntityStats *b = m.entity(EntityKey::service(QStringLiteral("b")));
    QCOMPARE(m.entity(EntityKey::service(QStringLiteral("a"))), a); // stable
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
    EntityStats *e = m.entity(EntityKey::service(QStringLiteral("x")));
    for (int t = 1; t <= 10; ++t) {
        record(e, 10, t * 1000); // second t: ten samples of t ms
        m.rotate(t, nullptr);
    }
    // Counts from every window in range; latency from the last four only.
    const EntitySummary all = m.range(EntityKey::service(QStringLiteral("x")), 0, 10);
    QCOMPARE(all.total(), std::uint64_t(100));
    QCOMPARE(all.windows, 10);
    QCOMPARE(all.rps, 10.0);
    QCOMPARE(all.latency.count(), std::uint64_t(40));
    QVERIFY(all.latency.percentileMs(0.0) > 6.9);
    const EntitySummary recent = m.range(EntityKey::service(QStringLiteral("x")), 8, 10);
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
    const int id = m.watch(EntityKey::service(QStringLiteral("late")), 2, 6);
    HistogramData expected;
    for (int t = 1; t <= 12; ++t) {
        EntityStats *e = m.entity(EntityKey::service(QStringLiteral("late")));
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
    QCOMPARE(m.range(EntityKey::service(QStringLiteral("late")), 2, 6).total(), std::uint64_t(0));
}

void TestMetrics::watchTracksReplicaGaugesAndCanBeRemoved()
{
    MetricsRegistry m;
    m.entity(EntityKey::service(QStringLiteral("product")));
    const int id = m.watch(EntityKey::service(QStringLiteral("product")), 0, 100);
    const double ready[] = {2, 3, 5, 4, 1, 2};
    for (int t = 1; t <= 6; ++t)
        m.rotate(t, [&](const EntityKey &) {
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
