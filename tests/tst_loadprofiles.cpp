// The load a user pushes through the shop, as k6 and Locust users know it:
// the shapes of the open model's arrival rate, evenly spaced arrivals, the
// closed model's virtual users, and arrivals the generator had to drop —
// all measured on the real running platform, from the metrics the charts
// draw ("client", per second) and the generator's own counters.
#include "testsupport.h"

#include <QtTest>

#include <algorithm>
#include <thread>

using namespace microcosm;
using namespace microcosm::test;

namespace {

// Only the journeys that touch the product service alone, one request each,
// so that one arrival is one request and nothing else is in the way.
QMap<QString, double> browseOnly()
{
    return {{QStringLiteral("browse"), 1},
            {QStringLiteral("view"), 1},
            {QStringLiteral("add-to-cart"), 0},
            {QStringLiteral("checkout"), 0},
            {QStringLiteral("order-history"), 0}};
}

} // namespace

class TestLoadProfiles : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void rateAt_data();
    void rateAt();
    void shapeNamesRoundTrip();

    void spikeSendsMorePerSecondDuringTheSpike();
    void uniformArrivalsAreEvenlySpaced();
    void closedModelNeverExceedsItsVirtualUsers();
    void droppedArrivalsAreCounted();

private:
    void startShop(const ShopConfig &shop, const LoadConfig &load);
    // Waits until the load has run for `seconds`, then closes the current
    // metrics window; *closedAt is the platform time just after it closed.
    void closeWindowAtLoadTime(double seconds, double *closedAt);
    // Requests per second the client saw answered between two closings.
    double clientRate(double from, double to) const;

    Platform &platform() { return m_session->platform(); }
    LoadGenerator &load() { return m_session->load(); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestLoadProfiles::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestLoadProfiles::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestLoadProfiles::startShop(const ShopConfig &shop, const LoadConfig &load)
{
    m_session = std::make_unique<ShopSession>(m_dir->path(), shop, PlatformConfig{}, load);
    QVERIFY(m_session->start(seconds(10)));
}

void TestLoadProfiles::closeWindowAtLoadTime(double seconds, double *closedAt)
{
    QTRY_VERIFY_WITH_TIMEOUT(load().elapsed() >= seconds, 20000);
    platform().rotateMetrics();
    *closedAt = platform().elapsed();
}

double TestLoadProfiles::clientRate(double from, double to) const
{
    const EntitySummary s = m_session->platform().metrics().range(EntityKey::client(), from, to);
    return double(s.total()) / (to - from);
}

void TestLoadProfiles::rateAt_data()
{
    QTest::addColumn<int>("shape");
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("to");
    QTest::addColumn<double>("at");
    QTest::addColumn<double>("duration");
    QTest::addColumn<double>("amplitude");
    QTest::addColumn<double>("period");
    QTest::addColumn<double>("t");
    QTest::addColumn<double>("expected");

    const int constant = int(LoadProfile::Shape::Constant);
    const int ramp = int(LoadProfile::Shape::Ramp);
    const int step = int(LoadProfile::Shape::Step);
    const int spike = int(LoadProfile::Shape::Spike);
    const int wave = int(LoadProfile::Shape::Wave);
    // clang-format off
    // Columns: shape, rate, to, at, duration, amplitude, period; then t and the rate expected at t.
    QTest::newRow("constant at 0 s")             << constant << 50. << 0. << 0. << 10. << 0. << 60. << 0.   << 50.;
    QTest::newRow("constant an hour later")      << constant << 50. << 0. << 0. << 10. << 0. << 60. << 3600. << 50.;
    QTest::newRow("ramp before it starts")       << ramp     << 10. << 110. << 2. << 10. << 0. << 60. << 1. << 10.;
    QTest::newRow("ramp as it starts")           << ramp     << 10. << 110. << 2. << 10. << 0. << 60. << 2. << 10.;
    QTest::newRow("ramp a quarter in")           << ramp     << 10. << 110. << 2. << 10. << 0. << 60. << 4.5 << 35.;
    QTest::newRow("ramp half way")               << ramp     << 10. << 110. << 2. << 10. << 0. << 60. << 7. << 60.;
    QTest::newRow("ramp at its end")             << ramp     << 10. << 110. << 2. << 10. << 0. << 60. << 12. << 110.;
    QTest::newRow("ramp holds its end rate")     << ramp     << 10. << 110. << 2. << 10. << 0. << 60. << 100. << 110.;
    QTest::newRow("ramp down half way")          << ramp     << 100. << 0. << 0. << 20. << 0. << 60. << 10. << 50.;
    QTest::newRow("ramp of zero length: before") << ramp     << 10. << 50. << 5. << 0. << 0. << 60. << 4.9 << 10.;
    QTest::newRow("ramp of zero length: after")  << ramp     << 10. << 50. << 5. << 0. << 0. << 60. << 5.1 << 50.;
    QTest::newRow("step before")                 << step     << 20. << 80. << 5. << 10. << 0. << 60. << 4.99 << 20.;
    QTest::newRow("step at")                     << step     << 20. << 80. << 5. << 10. << 0. << 60. << 5. << 80.;
    QTest::newRow("step long after")             << step     << 20. << 80. << 5. << 10. << 0. << 60. << 500. << 80.;
    QTest::newRow("spike before")                << spike    << 20. << 200. << 10. << 5. << 0. << 60. << 9.99 << 20.;
    QTest::newRow("spike as it starts")          << spike    << 20. << 200. << 10. << 5. << 0. << 60. << 10. << 200.;
    QTest::newRow("spike just before its end")   << spike    << 20. << 200. << 10. << 5. << 0. << 60. << 14.99 << 200.;
    QTest::newRow("spike over: back to base")    << spike    << 20. << 200. << 10. << 5. << 0. << 60. << 15. << 20.;
    QTest::newRow("spike long over")             << spike    << 20. << 200. << 10. << 5. << 0. << 60. << 60. << 20.;
    QTest::newRow("wave at its mean")            << wave     << 50. << 0. << 0. << 10. << 30. << 20. << 0. << 50.;
    QTest::newRow("wave at its crest")           << wave     << 50. << 0. << 0. << 10. << 30. << 20. << 5. << 80.;
    QTest::newRow("wave half a period")          << wave     << 50. << 0. << 0. << 10. << 30. << 20. << 10. << 50.;
    QTest::newRow("wave at its trough")          << wave     << 50. << 0. << 0. << 10. << 30. << 20. << 15. << 20.;
    QTest::newRow("wave a period later")         << wave     << 50. << 0. << 0. << 10. << 30. << 20. << 25. << 80.;
    QTest::newRow("deep wave never negative")    << wave     << 10. << 0. << 0. << 10. << 30. << 20. << 15. << 0.;
    // clang-format on
}

void TestLoadProfiles::rateAt()
{
    QFETCH(int, shape);
    QFETCH(double, rate);
    QFETCH(double, to);
    QFETCH(double, at);
    QFETCH(double, duration);
    QFETCH(double, amplitude);
    QFETCH(double, period);
    QFETCH(double, t);
    QFETCH(double, expected);

    LoadProfile p;
    p.shape = LoadProfile::Shape(shape);
    p.rate = rate;
    p.to = to;
    p.at = at;
    p.duration = duration;
    p.amplitude = amplitude;
    p.period = period;
    const double got = p.rateAt(t);
    QVERIFY2(qAbs(got - expected) < 1e-9,
             qPrintable(QStringLiteral("%1 at %2 s: %3/s, expected %4/s")
                            .arg(LoadProfile::shapeName(p.shape))
                            .arg(t)
                            .arg(got)
                            .arg(expected)));
}

void TestLoadProfiles::shapeNamesRoundTrip()
{
    for (auto s : {LoadProfile::Shape::Constant, LoadProfile::Shape::Ramp, LoadProfile::Shape::Step,
                   LoadProfile::Shape::Spike, LoadProfile::Shape::Wave}) {
        LoadProfile::Shape back = LoadProfile::Shape::Constant;
        QVERIFY(LoadProfile::shapeFromName(LoadProfile::shapeName(s), &back));
        QCOMPARE(back, s);
    }
    LoadProfile::Shape unused;
    QVERIFY(!LoadProfile::shapeFromName(QStringLiteral("sawtooth"), &unused));
}

void TestLoadProfiles::spikeSendsMorePerSecondDuringTheSpike()
{
    LoadConfig config;
    config.profile.shape = LoadProfile::Shape::Spike;
    config.profile.rate = 20;
    config.profile.to = 200;
    config.profile.at = 1.5;
    config.profile.duration = 1.5;
    config.mix = browseOnly();
    config.seed = 11;
    startShop(fastShop(), config);
    load().start();

    // Three stretches, each closed by a window rotation: before, during and
    // after the spike, with a margin around its edges.
    double before0, before1, during0, during1, after0, after1;
    closeWindowAtLoadTime(0.2, &before0);
    closeWindowAtLoadTime(1.4, &before1);
    closeWindowAtLoadTime(1.6, &during0);
    closeWindowAtLoadTime(2.9, &during1);
    closeWindowAtLoadTime(3.2, &after0);
    closeWindowAtLoadTime(4.4, &after1);
    if (QTest::currentTestFailed())
        return;

    const double before = clientRate(before0, before1);
    const double during = clientRate(during0, during1);
    const double after = clientRate(after0, after1);
    const QString line = QStringLiteral("requests/s before %1, during %2, after %3")
                             .arg(before, 0, 'f', 1)
                             .arg(during, 0, 'f', 1)
                             .arg(after, 0, 'f', 1);
    QVERIFY2(before > 5 && before < 45, qPrintable(line));
    QVERIFY2(during > 130 && during < 270, qPrintable(line));
    QVERIFY2(during > 4 * before, qPrintable(line));
    QVERIFY2(after > 5 && after < 45, qPrintable(line));
    // The spike is visible in the per-second series the chart draws, too.
    std::uint64_t busiest = 0;
    for (const Window &w : platform().metrics().series(EntityKey::client(), during0))
        if (w.t <= during1)
            busiest = std::max(busiest, w.total());
    QVERIFY2(busiest >= 60,
             qPrintable(QStringLiteral("busiest window in the spike: %1 requests").arg(busiest)));
}

void TestLoadProfiles::uniformArrivalsAreEvenlySpaced()
{
    LoadConfig config;
    config.profile.rate = 40; // constant, the default shape
    config.poisson = false;
    config.mix = browseOnly();
    startShop(fastShop(), config);
    load().start();

    // Evenly spaced arrivals: every half second holds 20 of them, give or
    // take the one on each edge. Poisson arrivals at the same rate would
    // scatter by ±4.5 (one standard deviation) around 20.
    double previous;
    closeWindowAtLoadTime(0.25, &previous);
    for (int i = 1; i <= 6; ++i) {
        double now;
        closeWindowAtLoadTime(0.25 + 0.5 * i, &now);
        if (QTest::currentTestFailed())
            return;
        const double expected = 40 * (now - previous);
        const double got =
            double(platform().metrics().range(EntityKey::client(), previous, now).total());
        QVERIFY2(qAbs(got - expected) <= 2.5,
                 qPrintable(QStringLiteral("%1 requests answered in %2 s, expected %3")
                                .arg(got)
                                .arg(now - previous, 0, 'f', 3)
                                .arg(expected, 0, 'f', 1)));
        previous = now;
    }
    // The generator's own count: one arrival every 25 ms since it started.
    const double elapsed = load().elapsed();
    const double arrivals = double(load().stats().arrivals);
    QVERIFY2(qAbs(arrivals - 40 * elapsed) <= 2,
             qPrintable(QStringLiteral("%1 arrivals in %2 s").arg(arrivals).arg(elapsed)));
    QCOMPARE(load().stats().dropped, std::uint64_t(0));
}

void TestLoadProfiles::closedModelNeverExceedsItsVirtualUsers()
{
    // One replica with two workers: slower than six eager users would like,
    // so they queue — but never more of them than there are users.
    ShopConfig shop = fastShop();
    shop.product.replicas = 1;
    shop.product.workers = 2;
    shop.product.profile.serviceTime = ServiceTime::constant(40);
    LoadConfig config;
    config.model = LoadConfig::Model::Closed;
    config.virtualUsers = 6;
    config.spawnRate = 50;
    config.thinkTimeMs = 20;
    config.mix = browseOnly();
    startShop(shop, config);
    load().start();

    bool full = false; // latched: QTRY evaluates its condition once more after it held
    QTRY_VERIFY_WITH_TIMEOUT(full || (full = load().stats().inFlight == 6), 5000);
    // Sample for a second: the journeys under way and the requests the
    // product service holds never exceed the six users.
    int maxInFlight = 0, maxOutstanding = 0;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 1000) {
        maxInFlight = std::max(maxInFlight, load().stats().inFlight);
        maxOutstanding =
            std::max(maxOutstanding, outstanding(platform(), QStringLiteral("product")));
        std::this_thread::sleep_for(milliseconds(2)); // sampling, not waiting for anything
    }
    QVERIFY2(maxInFlight <= 6,
             qPrintable(QStringLiteral("%1 journeys in flight").arg(maxInFlight)));
    QVERIFY2(maxOutstanding <= 6,
             qPrintable(QStringLiteral("%1 requests at product").arg(maxOutstanding)));
    QVERIFY2(maxOutstanding >= 4,
             qPrintable(QStringLiteral("only %1 requests at product: the users were not waiting")
                            .arg(maxOutstanding)));
    const LoadGenerator::Stats running = load().stats();
    QVERIFY2(running.journeysOk >= 20,
             qPrintable(QStringLiteral("%1 journeys done").arg(running.journeysOk)));
    QCOMPARE(running.journeysFailed, std::uint64_t(0));
    QCOMPARE(running.dropped, std::uint64_t(0));

    // Stopped: the journeys under way finish, users still thinking never
    // come back, and the traffic stops.
    load().stop();
    QVERIFY(load().waitIdle(seconds(5)));
    const std::uint64_t sent = load().stats().requests;
    QTest::qWait(300); // several think times: long enough for a user to come back
    QCOMPARE(load().stats().requests, sent);
    QCOMPARE(load().stats().inFlight, 0);
    QCOMPARE(outstanding(platform(), QStringLiteral("product")), 0);
}

void TestLoadProfiles::droppedArrivalsAreCounted()
{
    // A slow product service and room for only three journeys at a time.
    ShopConfig shop = fastShop();
    shop.product.replicas = 1;
    shop.product.workers = 2;
    shop.product.profile.serviceTime = ServiceTime::constant(200);
    LoadConfig config;
    config.profile.rate = 100;
    config.poisson = false;
    config.maxInFlight = 3;
    config.mix = browseOnly();
    startShop(shop, config);
    load().start();

    int maxInFlight = 0;
    QTRY_VERIFY_WITH_TIMEOUT((maxInFlight = std::max(maxInFlight, load().stats().inFlight),
                              load().stats().arrivals >= 100),
                             10000);
    load().stop();
    QVERIFY(load().waitIdle(seconds(5)));

    const LoadGenerator::Stats s = load().stats();
    const QString line = QStringLiteral("%1 arrivals: %2 dropped, %3 ok, %4 failed")
                             .arg(s.arrivals)
                             .arg(s.dropped)
                             .arg(s.journeysOk)
                             .arg(s.journeysFailed);
    QVERIFY2(maxInFlight <= 3, qPrintable(line));
    // Every arrival is accounted for: sent and answered, or dropped.
    QVERIFY2(s.arrivals == s.dropped + s.journeysOk + s.journeysFailed, qPrintable(line));
    // Two workers at 200 ms serve about 10 a second: most of 100 a second are dropped.
    QVERIFY2(s.dropped >= s.arrivals / 2, qPrintable(line));
    QVERIFY2(s.journeysOk >= 3, qPrintable(line));
    // What was sent is what the system saw: dropped arrivals never reached it.
    platform().rotateMetrics();
    QCOMPARE(platform().metrics().summary(EntityKey::client()).total(), s.requests);
    QCOMPARE(s.requests, s.journeysOk + s.journeysFailed);
}

QTEST_GUILESS_MAIN(TestLoadProfiles)
#include "tst_loadprofiles.moc"
