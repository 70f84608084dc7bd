// Operating the running shop the way Kubernetes and Envoy users do: scale a
// service by hand, roll it to a new version replica by replica, let the
// HorizontalAutoscaler follow the load, and let outlier detection and
// health probes take bad replicas out of rotation. Each test runs the real
// platform under load and checks what the users and the operator would see:
// no failed requests, the replicas and versions in the snapshot, the events
// on the timeline.
#include "testsupport.h"

#include <QRegularExpression>
#include <QtTest>

#include <map>

using namespace microcosm;
using namespace microcosm::test;

namespace {

const QString product = QStringLiteral("product");

QMap<QString, double> browseOnly()
{
    return {{QStringLiteral("browse"), 1},
            {QStringLiteral("view"), 1},
            {QStringLiteral("add-to-cart"), 0},
            {QStringLiteral("checkout"), 0},
            {QStringLiteral("order-history"), 0}};
}

std::vector<Event> eventsOf(Platform &p, const QString &source, const QString &kind)
{
    std::vector<Event> out;
    for (const Event &e : p.events().all())
        if ((source.isEmpty() || e.source == source) && e.kind == kind)
            out.push_back(e);
    return out;
}

QStringList incarnations(ServiceHost &host)
{
    QStringList out;
    for (const auto &r : host.replicas())
        if (r)
            out << r->incarnation();
    return out;
}

QString describeLoad(const LoadGenerator::Stats &s)
{
    return QStringLiteral("%1 journeys ok, %2 failed, %3 dropped")
        .arg(s.journeysOk)
        .arg(s.journeysFailed)
        .arg(s.dropped);
}

// What the users were told, from the client's own metrics: "3 ok, 1 server-error".
QString describeOutcomes(const EntitySummary &s)
{
    QStringList parts;
    for (int i = 0; i < OutcomeCount; ++i)
        if (s.totals[i])
            parts << QStringLiteral("%1 %2").arg(s.totals[i]).arg(outcomeName(Outcome(i)));
    return parts.join(QStringLiteral(", "));
}

} // namespace

class TestOperations : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void scalingUnderLoadFailsNoRequest_data();
    void scalingUnderLoadFailsNoRequest();
    void rollingUpdateReplacesEveryReplicaWithZeroFailures();
    void snapshotShowsEachReplicasVersionDuringAnUpdate();
    void autoscalerScalesUpUnderLoadAndDownWhenIdle();
    void editingTheAutoscalerKeepsItsHistory();
    void outlierDetectionEjectsABadVersion();
    void snapshotShowsAnEjectedReplicaOutOfRotation();
    void outlierDetectionEjectsADeadReplicaBeforeTheProbes();
    void healthProbesFollowTheServicesOwnPolicy();

private:
    void startShop(const ShopConfig &shop, const LoadConfig &load = {},
                   const PlatformConfig &config = {});
    // Lets the load run until `more` further journeys have arrived.
    void runFor(std::uint64_t more);
    // Stops the load, waits for every journey, and checks none failed.
    void stopAndExpectNoFailures();
    // Starts the shop under load with outlier detection on and rolls product
    // out to a version that fails every request; *ejected: the first ejection.
    void rollOutABadVersion(Event *ejected);
    Platform &platform() { return m_session->platform(); }
    LoadGenerator &load() { return m_session->load(); }
    ServiceHost &host(const QString &name) { return *platform().host(name); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestOperations::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestOperations::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestOperations::startShop(const ShopConfig &shop, const LoadConfig &load,
                               const PlatformConfig &config)
{
    m_session = std::make_unique<ShopSession>(m_dir->path(), shop, config, load);
    QVERIFY(m_session->start(seconds(10)));
}

void TestOperations::runFor(std::uint64_t more)
{
    const std::uint64_t until = load().stats().arrivals + more;
    QTRY_VERIFY_WITH_TIMEOUT(load().stats().arrivals >= until, 20000);
}

void TestOperations::stopAndExpectNoFailures()
{
    load().stop();
    QVERIFY(load().waitIdle(seconds(10)));
    const LoadGenerator::Stats s = load().stats();
    platform().rotateMetrics();
    const EntitySummary client = platform().metrics().summary(EntityKey::client());
    const QString line =
        describeLoad(s) + QStringLiteral("; client saw ") + describeOutcomes(client);
    QVERIFY2(s.journeysOk >= 50, qPrintable(line));
    QVERIFY2(s.journeysFailed == 0, qPrintable(line));
    QVERIFY2(client.totals[int(Outcome::Ok)] == client.total(), qPrintable(line));
}

void TestOperations::scalingUnderLoadFailsNoRequest_data()
{
    QTest::addColumn<int>("from");
    QTest::addColumn<int>("to");
    QTest::newRow("up 2 → 4") << 2 << 4;
    QTest::newRow("down 4 → 1") << 4 << 1;
}

void TestOperations::scalingUnderLoadFailsNoRequest()
{
    QFETCH(int, from);
    QFETCH(int, to);
    ShopConfig shop = fastShop();
    shop.product.replicas = from;
    shop.product.workers = 8;
    // So that replicas hold work in flight.
    shop.product.profile.serviceTime = ServiceTime::constant(100);
    shop.product.coldStart = milliseconds(100);
    LoadConfig config;
    config.profile.rate = 40;
    config.mix = browseOnly();
    startShop(shop, config);
    load().start();
    runFor(20);

    if (to < from) {
        // Scale down the moment the replicas about to go hold work: they
        // must finish it before they stop.
        auto victimsBusy = [&] {
            int n = 0;
            for (const auto &r : host(product).replicas())
                if (r && r->index() >= to)
                    n += r->outstanding();
            return n;
        };
        bool busy = false; // latched: QTRY evaluates its condition once more after it held
        QTRY_VERIFY_WITH_TIMEOUT(busy || (busy = victimsBusy() >= 2), 5000);
    }
    QVERIFY(platform().scaleService(product, to));
    QTRY_COMPARE_WITH_TIMEOUT(host(product).readyCount(), to, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(int(host(product).replicas().size()), to, 5000);
    const SystemSnapshot snap = platform().snapshot();
    QCOMPARE(snap.service(product)->ready(), to);
    QCOMPARE(snap.service(product)->replicas.size(), qsizetype(to));
    for (const ReplicaSnapshot &r : snap.service(product)->replicas) {
        QCOMPARE(r.state, ReplicaState::Ready);
        QVERIFY2(r.inRotation, qPrintable(r.name));
    }
    const auto scaled = eventsOf(platform(), product, QStringLiteral("scaled"));
    QCOMPARE(scaled.size(), std::size_t(1));
    QVERIFY2(scaled.front().message.contains(QStringLiteral("%1 → %2").arg(from).arg(to)),
             qPrintable(scaled.front().message));

    runFor(40);
    stopAndExpectNoFailures();
    // Nobody was reset (502) or refused: drained replicas finished their work.
    const EntitySummary service =
        platform().metrics().summary(EntityKey::service(QStringLiteral("product")));
    QVERIFY2(service.totals[int(Outcome::Ok)] == service.total(),
             qPrintable(describeOutcomes(service)));
}

void TestOperations::rollingUpdateReplacesEveryReplicaWithZeroFailures()
{
    ShopConfig shop = fastShop();
    shop.product.replicas = 3;
    shop.product.profile.serviceTime = ServiceTime::constant(5);
    shop.product.coldStart = milliseconds(100);
    LoadConfig config;
    config.profile.rate = 40;
    config.mix = browseOnly();
    startShop(shop, config);
    load().start();
    runFor(20);
    const QStringList cartBefore = incarnations(host(QStringLiteral("cart")));
    const QStringList orderBefore = incarnations(host(QStringLiteral("order")));

    RollingUpdate update;
    update.version = QStringLiteral("v2");
    update.profile.serviceTime = ServiceTime::constant(5);
    update.maxUnavailable = 0;
    update.maxSurge = 1;
    QVERIFY(host(product).startRollingUpdate(update));
    QVERIFY2(!host(product).startRollingUpdate(update), "one rolling update at a time");

    // maxUnavailable 0: never fewer than three replicas serving.
    int fewestReady = 3;
    QTRY_VERIFY_WITH_TIMEOUT((fewestReady = std::min(fewestReady, host(product).readyCount()),
                              !host(product).rollingUpdateInProgress()),
                             10000);
    QVERIFY2(fewestReady >= 3,
             qPrintable(QStringLiteral("only %1 ready during the update").arg(fewestReady)));
    runFor(20);
    stopAndExpectNoFailures();

    const SystemSnapshot snap = platform().snapshot();
    QCOMPARE(snap.service(product)->replicas.size(), qsizetype(3));
    for (const ReplicaSnapshot &r : snap.service(product)->replicas) {
        QCOMPARE(r.version, QStringLiteral("v2"));
        QCOMPARE(r.state, ReplicaState::Ready);
    }
    for (const auto &r : host(product).replicas()) // a slot may stand empty
        if (r)
            QCOMPARE(r->version(), QStringLiteral("v2"));
    QCOMPARE(host(product).config().version, QStringLiteral("v2"));
    QCOMPARE(eventsOf(platform(), product, QStringLiteral("update-started")).size(),
             std::size_t(1));
    QCOMPARE(eventsOf(platform(), product, QStringLiteral("update-done")).size(), std::size_t(1));

    // The other services were not touched: the same replica starts, still v1.
    QCOMPARE(incarnations(host(QStringLiteral("cart"))), cartBefore);
    QCOMPARE(incarnations(host(QStringLiteral("order"))), orderBefore);
    for (const QString &other : {QStringLiteral("cart"), QStringLiteral("order")})
        for (const ReplicaSnapshot &r : snap.service(other)->replicas)
            QCOMPARE(r.version, QStringLiteral("v1"));
}

void TestOperations::snapshotShowsEachReplicasVersionDuringAnUpdate()
{
    // Long cold starts keep old and new replicas side by side for a while:
    // what the topology view shows then must be each replica's own version.
    ShopConfig shop = fastShop();
    shop.product.coldStart = milliseconds(300);
    startShop(shop);

    RollingUpdate update;
    update.version = QStringLiteral("v2");
    update.maxSurge = 1;
    QVERIFY(host(product).startRollingUpdate(update));

    QString mismatch;
    bool seenMixed = false; // latched: QTRY evaluates its condition once more after it held
    auto compareMidUpdate = [&] {
        const SystemSnapshot snap = platform().snapshot();
        std::map<QString, QString> actual;
        QSet<QString> versions;
        for (const auto &r : host(product).replicas()) {
            if (r && r->serving()) {
                actual[r->name()] = r->version();
                versions.insert(r->version());
            }
        }
        if (versions.size() < 2)
            return false; // not both versions serving yet
        for (const ReplicaSnapshot &r : snap.service(product)->replicas) {
            auto it = actual.find(r.name);
            if (it != actual.end() && it->second != r.version)
                mismatch += QStringLiteral("%1 runs %2 but the snapshot says %3; ")
                                .arg(r.name, it->second, r.version);
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(seenMixed || (seenMixed = compareMidUpdate()), 5000);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void TestOperations::autoscalerScalesUpUnderLoadAndDownWhenIdle()
{
    // One replica with two workers at 40 ms: 50 requests a second at most,
    // so 80 a second saturates it.
    ShopConfig shop = fastShop();
    shop.product.replicas = 1;
    shop.product.workers = 2;
    shop.product.profile.serviceTime = ServiceTime::constant(40);
    shop.product.coldStart = milliseconds(100);
    LoadConfig config;
    config.profile.rate = 80;
    config.mix = browseOnly();
    startShop(shop, config);

    AutoscalerConfig hpa;
    hpa.enabled = true;
    hpa.metric = AutoscalerConfig::Metric::Utilization;
    hpa.hpa.minReplicas = 1;
    hpa.hpa.maxReplicas = 4;
    hpa.hpa.target = 0.5;
    hpa.hpa.syncPeriod = seconds(1);
    hpa.hpa.scaleUpStabilization = seconds(0);
    hpa.hpa.scaleDownStabilization = seconds(2);
    QVERIFY(platform().setAutoscaler(product, hpa));
    QVERIFY(platform().autoscaler(product).enabled);
    load().start();

    QTRY_VERIFY_WITH_TIMEOUT(host(product).readyCount() >= 2, 10000);
    const auto up = eventsOf(platform(), QStringLiteral("autoscaler"), QStringLiteral("scaled"));
    QVERIFY(!up.empty());
    QVERIFY2(up.front().message.startsWith(QStringLiteral("product: 1 → ")),
             qPrintable(up.front().message));
    QVERIFY2(up.front().message.contains(QStringLiteral("utilization")),
             qPrintable(up.front().message));
    QVERIFY2(up.front().message.contains(QStringLiteral("target 0.5")),
             qPrintable(up.front().message));
    QVERIFY(platform().snapshot().service(product)->ready() >= 2);

    // Idle: after the scale-down stabilization window, back to the minimum.
    load().stop();
    QVERIFY(load().waitIdle(seconds(10)));
    QTRY_VERIFY_WITH_TIMEOUT(
        host(product).config().replicas == 1 && host(product).readyCount() == 1, 15000);
    // Scaling down waits out the stabilization window: no scale-down within
    // 2 s of the last decision that scaled up.
    double lastUp = -1, firstDown = -1;
    int final = 0;
    const QRegularExpression decision(QStringLiteral("^product: (\\d+) → (\\d+) replicas"));
    for (const Event &e :
         eventsOf(platform(), QStringLiteral("autoscaler"), QStringLiteral("scaled"))) {
        const QRegularExpressionMatch m = decision.match(e.message);
        QVERIFY2(m.hasMatch(), qPrintable(e.message));
        const int from = m.captured(1).toInt(), to = m.captured(2).toInt();
        if (to > from)
            lastUp = e.t;
        else if (firstDown < 0)
            firstDown = e.t;
        final = to;
    }
    QCOMPARE(final, 1);
    QVERIFY2(lastUp >= 0 && firstDown - lastUp >= 1.9,
             qPrintable(QStringLiteral("last scale-up at %1 s, first scale-down at %2 s")
                            .arg(lastUp)
                            .arg(firstDown)));
}

void TestOperations::rollOutABadVersion(Event *ejected)
{
    // A rolling update to a version that fails every request: with max surge
    // 1, the first bad replica serves beside the good ones, and passive
    // outlier detection takes it out of load balancing.
    ShopConfig shop = fastShop();
    shop.product.replicas = 3;
    shop.product.coldStart = milliseconds(300);
    shop.product.health.outlierDetectionEnabled = true;
    shop.product.health.outlier.consecutive5xx = 3;
    LoadConfig config;
    config.profile.rate = 100;
    config.mix = browseOnly();
    startShop(shop, config);
    load().start();
    runFor(20);

    RollingUpdate update;
    update.version = QStringLiteral("v2-bad");
    update.profile.serviceTime = ServiceTime::constant(0);
    update.profile.errorPercent = 100;
    update.maxSurge = 1;
    QVERIFY(host(product).startRollingUpdate(update));

    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf(platform(), {}, QStringLiteral("ejected")).empty(), 5000);
    *ejected = eventsOf(platform(), {}, QStringLiteral("ejected")).front();
}

// horizontal_test.go TestScaleDownStabilizeInitialSize, across an edit: an
// HPA keeps its recommendations when its spec changes, so an idle service
// over its need comes down one window after the autoscaler was switched on,
// not one window after the edit (a fresh autoscaler would wait from the edit).
void TestOperations::editingTheAutoscalerKeepsItsHistory()
{
    ShopConfig shop = fastShop();
    shop.product.replicas = 4;
    startShop(shop);
    AutoscalerConfig hpa;
    hpa.enabled = true;
    hpa.metric = AutoscalerConfig::Metric::Utilization;
    hpa.hpa.minReplicas = 1;
    hpa.hpa.maxReplicas = 6;
    hpa.hpa.target = 0.5;
    hpa.hpa.syncPeriod = milliseconds(250);
    hpa.hpa.scaleUpStabilization = seconds(0);
    hpa.hpa.scaleDownStabilization = seconds(4);
    QVERIFY(platform().setAutoscaler(product, hpa));
    const double on = platform().elapsed();
    QTest::qWait(2500);
    QCOMPARE(host(product).config().replicas, 4); // still inside the window
    hpa.hpa.target = 0.6;                         // an edit, the autoscaler stays on
    QVERIFY(platform().setAutoscaler(product, hpa));
    const double edited = platform().elapsed();
    QTRY_VERIFY_WITH_TIMEOUT(host(product).config().replicas < 4, 15000);
    const auto down = eventsOf(platform(), QStringLiteral("autoscaler"), QStringLiteral("scaled"));
    QVERIFY(!down.empty());
    // Due at on + 4 s; a forgotten history would make it edited + 4 s.
    QVERIFY2(down.front().t < edited + 4 - 0.5,
             qPrintable(QStringLiteral("on at %1 s, edited at %2 s, scaled down at %3 s")
                            .arg(on)
                            .arg(edited)
                            .arg(down.front().t)));
    QVERIFY2(down.front().t >= on + 4 - 0.3,
             qPrintable(QStringLiteral("on at %1 s, scaled down at %2 s: inside the window")
                            .arg(on)
                            .arg(down.front().t)));
}

void TestOperations::outlierDetectionEjectsABadVersion()
{
    Event ejected;
    rollOutABadVersion(&ejected);
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(ejected.message.contains(QStringLiteral("3 consecutive 5xx")),
             qPrintable(ejected.message));
    QString version;
    for (const auto &r : host(product).replicas())
        if (r && r->name() == ejected.source)
            version = r->version();
    QVERIFY2(version == QStringLiteral("v2-bad"),
             qPrintable(QStringLiteral("%1 (%2) was ejected").arg(ejected.source, version)));
}

void TestOperations::snapshotShowsAnEjectedReplicaOutOfRotation()
{
    // The ejected replica is alive and ready, but the load balancer no
    // longer sends it anything: the topology view must not show it in rotation.
    Event ejected;
    rollOutABadVersion(&ejected);
    if (QTest::currentTestFailed())
        return;
    auto shownInRotation = [&] {
        const SystemSnapshot snap = platform().snapshot();
        for (const ReplicaSnapshot &r : snap.service(product)->replicas)
            if (r.name == ejected.source)
                return r.inRotation;
        return false;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(
        !shownInRotation(),
        qPrintable(ejected.source +
                   QStringLiteral(" was ejected but the snapshot shows it in rotation")),
        1000);
}

void TestOperations::outlierDetectionEjectsADeadReplicaBeforeTheProbes()
{
    // Health probes far apart: only passive outlier detection can notice
    // that product#2 died.
    PlatformConfig config;
    config.probePeriod = seconds(30);
    ShopConfig shop = fastShop();
    shop.product.replicas = 3;
    shop.product.balancing = LoadBalancer::Strategy::RoundRobin;
    shop.product.health.probePeriod = seconds(30);
    shop.product.health.outlierDetectionEnabled = true;
    shop.product.health.outlier.consecutive5xx = 3;
    startShop(shop, {}, config);

    QVERIFY(platform().killReplica(product, 1));
    QVERIFY(host(product).inRotation(1)); // no probe has run
    int refused = 0, calls = 0;
    while (eventsOf(platform(), QStringLiteral("product#2"), QStringLiteral("ejected")).empty() &&
           calls < 60) {
        const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products/1"));
        refused += r.status == 503;
        ++calls;
    }
    QVERIFY2(!eventsOf(platform(), QStringLiteral("product#2"), QStringLiteral("ejected")).empty(),
             qPrintable(QStringLiteral("not ejected after %1 calls").arg(calls)));
    QCOMPARE(refused, 3);
    // From now on the users see no more of it.
    bool clean = false; // latched: QTRY evaluates its condition once more after it held
    QTRY_VERIFY_WITH_TIMEOUT(
        clean ||
            (clean =
                 call(platform(), QStringLiteral("GET"), QStringLiteral("/products/1")).status ==
                 200),
        1000);
    for (int i = 0; i < 30; ++i) {
        const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products/1"));
        QVERIFY2(r.status == 200, qPrintable(describe(r)));
    }
}

void TestOperations::healthProbesFollowTheServicesOwnPolicy()
{
    // The service's own health policy: a probe every 100 ms, out of rotation
    // after three failed probes in a row — about 300 ms, whatever the
    // platform-wide default period (1 s) is.
    ShopConfig shop = fastShop();
    shop.product.health.probePeriod = milliseconds(100);
    shop.product.health.probeFailureThreshold = 3;
    startShop(shop);
    QVERIFY(host(product).inRotation(0));

    QElapsedTimer clock;
    clock.start();
    QVERIFY(platform().killReplica(product, 0));
    QTRY_VERIFY_WITH_TIMEOUT(!host(product).inRotation(0), 1500);
    QVERIFY2(
        clock.elapsed() >= 150,
        qPrintable(QStringLiteral("out after %1 ms: before three probes").arg(clock.elapsed())));
    const auto out =
        eventsOf(platform(), QStringLiteral("product#1"), QStringLiteral("out-of-rotation"));
    QCOMPARE(out.size(), std::size_t(1));
    QVERIFY2(out.front().message.contains(QStringLiteral("health probe failed")),
             qPrintable(out.front().message));
    QVERIFY(host(product).inRotation(1));
}

QTEST_GUILESS_MAIN(TestOperations)
#include "tst_operations.moc"
