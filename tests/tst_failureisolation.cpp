// The seed's resilience claim, as an instructor demonstrates it: kill one
// service and its callers are told at once (503 in milliseconds, not after a
// timeout), while the other services keep answering at least 99% of requests
// under steady load.
#include "testsupport.h"

#include <QtTest>

using namespace microcosm;
using namespace microcosm::test;

namespace {

// Users who browse, fill carts and look at their orders, but never check
// out: so each journey touches exactly one service, and the survivors' figures
// show whether they kept serving.
class BrowsingWorkload final : public Workload
{
public:
    QStringList journeys() const override
    {
        return {QStringLiteral("browse"), QStringLiteral("view"), QStringLiteral("cart"),
                QStringLiteral("orders")};
    }
    double defaultWeight(const QString &) const override { return 1; }
    QList<Request> journey(const QString &name, int user, std::mt19937_64 &rng) override
    {
        const QString who = QStringLiteral("user%1").arg(user);
        if (name == QLatin1String("browse"))
            return {makeRequest(QStringLiteral("GET"), QStringLiteral("/products"))};
        if (name == QLatin1String("view"))
            return {makeRequest(QStringLiteral("GET"),
                                QStringLiteral("/products/%1").arg(1 + int(rng() % 50)))};
        if (name == QLatin1String("cart"))
            return {makeRequest(QStringLiteral("POST"), QStringLiteral("/carts/%1/items").arg(who),
                                QJsonObject{{QStringLiteral("productId"), 1 + int(rng() % 50)},
                                            {QStringLiteral("quantity"), 1}}),
                    makeRequest(QStringLiteral("GET"), QStringLiteral("/carts/") + who)};
        return {makeRequest(QStringLiteral("GET"), QStringLiteral("/orders?user=") + who)};
    }
};

// A route of each service that needs no other service.
Request probeRequest(const QString &service)
{
    if (service == QLatin1String("product"))
        return makeRequest(QStringLiteral("GET"), QStringLiteral("/products/1"));
    if (service == QLatin1String("cart"))
        return makeRequest(QStringLiteral("GET"), QStringLiteral("/carts/u1"));
    return makeRequest(QStringLiteral("GET"), QStringLiteral("/orders?user=u1"));
}

} // namespace

class TestFailureIsolation : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void killedServiceFailsFast_data();
    void killedServiceFailsFast();
    void inFlightRequestsAreResetAtOnce();
    void othersKeepServingUnderLoad_data();
    void othersKeepServingUnderLoad();
    void restartedServiceServesAgainWithItsData();
    void serviceThatCannotOpenItsDatabaseIsNotServing();

private:
    void startShop(const ShopConfig &shop, const PlatformConfig &config = {});
    Platform &platform() { return m_session->platform(); }
    // Calls the service `n` times; returns the slowest answer's wall time in ms.
    qint64 expectRefusals(const QString &service, int n);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestFailureIsolation::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestFailureIsolation::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestFailureIsolation::startShop(const ShopConfig &shop, const PlatformConfig &config)
{
    m_session = std::make_unique<ShopSession>(m_dir->path(), shop, config);
    QVERIFY(m_session->start(seconds(10)));
}

qint64 TestFailureIsolation::expectRefusals(const QString &service, int n)
{
    qint64 slowest = 0;
    for (int i = 0; i < n; ++i) {
        QElapsedTimer clock;
        clock.start();
        const Request request = probeRequest(service);
        const Response r = call(platform(), request.method, request.path);
        slowest = std::max(slowest, clock.elapsed());
        if (r.status != 503 || !r.reason.contains(service)) {
            qWarning() << "unexpected answer from a killed" << service << ":" << describe(r);
            return 1'000'000;
        }
    }
    return slowest;
}

void TestFailureIsolation::killedServiceFailsFast_data()
{
    QTest::addColumn<QString>("service");
    QTest::newRow("product") << QStringLiteral("product");
    QTest::newRow("cart") << QStringLiteral("cart");
    QTest::newRow("order") << QStringLiteral("order");
}

void TestFailureIsolation::killedServiceFailsFast()
{
    QFETCH(QString, service);
    PlatformConfig config;
    config.probePeriod = milliseconds(100);
    startShop(fastShop(), config);
    const Request request = probeRequest(service);
    QCOMPARE(call(platform(), request.method, request.path).status, 200);

    QVERIFY(platform().killService(service));
    // Before the health probe notices: the dead replicas refuse at once.
    qint64 slowest = expectRefusals(service, 20);
    QVERIFY2(slowest < 50, qPrintable(QStringLiteral("slowest refusal took %1 ms").arg(slowest)));
    // After it: no replica in rotation, refused by the gateway at once.
    for (int i = 0; i < int(platform().host(service)->replicas().size()); ++i)
        QTRY_VERIFY_WITH_TIMEOUT(!platform().host(service)->inRotation(i), 5000);
    slowest = expectRefusals(service, 20);
    QVERIFY2(slowest < 50, qPrintable(QStringLiteral("slowest refusal took %1 ms").arg(slowest)));

    const SystemSnapshot snap = platform().snapshot();
    QCOMPARE(snap.service(service)->ready(), 0);
    QCOMPARE(snap.service(service)->health, ServiceSnapshot::Health::Down);
}

void TestFailureIsolation::inFlightRequestsAreResetAtOnce()
{
    ShopConfig shop = fastShop();
    shop.product.profile.routeServiceTime.insert(QStringLiteral("GET /products"),
                                                 ServiceTime::constant(20000));
    // Long work and a longer timeout: the requests are surely in flight when
    // the kill comes, even on a slow (sanitized, loaded) machine.
    PlatformConfig config;
    config.gatewayTimeout = seconds(60);
    startShop(shop, config);
    std::vector<std::future<Response>> calls;
    for (int i = 0; i < 4; ++i)
        calls.push_back(submit(platform(), QStringLiteral("GET"), QStringLiteral("/products")));
    QTRY_COMPARE_WITH_TIMEOUT(outstanding(platform(), QStringLiteral("product")), 4, 15000);

    QElapsedTimer sinceKill;
    sinceKill.start();
    QVERIFY(platform().killService(QStringLiteral("product")));
    for (auto &f : calls) {
        const Response r = await(f);
        QCOMPARE(r.status, 502);
        QVERIFY2(r.reason.contains(QStringLiteral("reset")), qPrintable(r.reason));
    }
    QVERIFY2(sinceKill.elapsed() < 200,
             qPrintable(QStringLiteral("%1 ms").arg(sinceKill.elapsed())));
}

void TestFailureIsolation::othersKeepServingUnderLoad_data()
{
    QTest::addColumn<QString>("killed");
    QTest::addColumn<QStringList>("survivors");
    QTest::newRow("product killed") << QStringLiteral("product")
                                    << QStringList{QStringLiteral("cart"), QStringLiteral("order")};
    QTest::newRow("order killed") << QStringLiteral("order")
                                  << QStringList{QStringLiteral("product"), QStringLiteral("cart")};
    QTest::newRow("cart killed") << QStringLiteral("cart")
                                 << QStringList{QStringLiteral("product"), QStringLiteral("order")};
}

void TestFailureIsolation::othersKeepServingUnderLoad()
{
    QFETCH(QString, killed);
    QFETCH(QStringList, survivors);

    // The default deployment and service times; short cold starts.
    ShopConfig shop = ShopConfig::defaults();
    for (ServiceConfig *s : {&shop.product, &shop.cart, &shop.order})
        s->coldStart = milliseconds(30);
    m_session = std::make_unique<ShopSession>(m_dir->path(), shop);
    QVERIFY(m_session->start(seconds(10)));
    Platform &p = platform();

    LoadConfig load;
    load.profile.rate = 200;
    load.users = 200;
    LoadGenerator generator(p, std::make_shared<BrowsingWorkload>(), load);
    generator.start();
    QTRY_VERIFY_WITH_TIMEOUT(generator.stats().journeysOk >= 50, 5000);

    QVERIFY(p.killService(killed));
    p.rotateMetrics(); // close the window that holds traffic from before the kill
    const double from = p.elapsed();
    // About 2 s of arrivals after the kill.
    const std::uint64_t arrivalsAtKill = generator.stats().arrivals;
    QTRY_VERIFY_WITH_TIMEOUT(generator.stats().arrivals >= arrivalsAtKill + 400, 15000);
    generator.stop();
    QVERIFY(generator.waitIdle(seconds(10)));
    p.rotateMetrics();
    const double to = p.elapsed();

    for (const QString &s : survivors) {
        const EntitySummary stats = p.metrics().range(EntityKey::service(s), from, to);
        const QString line = QStringLiteral("%1: %2 requests, %3% ok, p99 %4 ms")
                                 .arg(s)
                                 .arg(stats.total())
                                 .arg(100 * stats.successRate())
                                 .arg(stats.latency.percentileMs(0.99));
        QVERIFY2(stats.total() >= 60, qPrintable(line));
        QVERIFY2(stats.successRate() >= 0.99, qPrintable(line));
    }
    // The killed service really was down, and failed its callers fast.
    const EntitySummary dead = p.metrics().range(EntityKey::service(killed), from, to);
    const QString line = QStringLiteral("%1 (killed): %2 requests, %3% ok, p99 %4 ms")
                             .arg(killed)
                             .arg(dead.total())
                             .arg(100 * dead.successRate())
                             .arg(dead.latency.percentileMs(0.99));
    QVERIFY2(dead.total() >= 50, qPrintable(line));
    QVERIFY2(dead.successRate() < 0.05, qPrintable(line));
    QVERIFY2(dead.latency.percentileMs(0.99) < 50, qPrintable(line));

    bool recorded = false;
    for (const Event &e : p.events().all())
        recorded = recorded || (e.source == killed && e.kind == QLatin1String("killed"));
    QVERIFY2(recorded, "the kill is an event on the timeline");
}

void TestFailureIsolation::restartedServiceServesAgainWithItsData()
{
    startShop(fastShop());
    QCOMPARE(addToCart(platform(), QStringLiteral("u7"), 4, 3).status, 201);
    QVERIFY(platform().killService(QStringLiteral("cart")));
    QCOMPARE(call(platform(), QStringLiteral("GET"), QStringLiteral("/carts/u7")).status, 503);
    QVERIFY(platform().restartService(QStringLiteral("cart")));
    QTRY_COMPARE_WITH_TIMEOUT(
        call(platform(), QStringLiteral("GET"), QStringLiteral("/carts/u7")).status, 200, 5000);
    const QJsonArray items = cartItems(platform(), QStringLiteral("u7"));
    QCOMPARE(items.size(), 1);
    QCOMPARE(items[0].toObject().value(QStringLiteral("quantity")).toInteger(), 3);
}

// product.db is not a database. The product service cannot serve: it must
// not be reported ready or take traffic into a queue nobody reads (callers
// would wait for their timeout); its callers are refused at once, the
// failure names the file, the file is left alone, and cart and order serve.
void TestFailureIsolation::serviceThatCannotOpenItsDatabaseIsNotServing()
{
    const QString product = QDir(m_dir->path()).filePath(QStringLiteral("product.db"));
    QByteArray notes;
    for (int i = 0; i < 100; ++i)
        notes += "these are my notes, not a database\n";
    {
        QFile f(product);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(notes);
    }
    PlatformConfig config;
    config.gatewayTimeout = milliseconds(1000);
    config.probePeriod = milliseconds(100);
    m_session = std::make_unique<ShopSession>(m_dir->path(), fastShop(), config);
    const bool allStarted = m_session->start(milliseconds(500));
    QTRY_COMPARE_WITH_TIMEOUT(platform().host(QStringLiteral("cart"))->readyCount(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(platform().host(QStringLiteral("order"))->readyCount(), 2, 5000);
    QCOMPARE(call(platform(), QStringLiteral("GET"), QStringLiteral("/carts/u1")).status, 200);
    QCOMPARE(call(platform(), QStringLiteral("GET"), QStringLiteral("/orders?user=u1")).status,
             200);

    bool named = false;
    for (const Event &e : platform().events().all())
        named = named || (e.kind == QLatin1String("worker-failed") && e.message.contains(product) &&
                          e.message.contains(QStringLiteral("not a database")));
    QVERIFY2(named, "an event names the file and what is wrong with it");

    QElapsedTimer clock;
    clock.start();
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products"));
    const qint64 waited = clock.elapsed();
    QVERIFY2(r.status == 503 && waited < 100,
             qPrintable(QStringLiteral("%1 after %2 ms").arg(describe(r)).arg(waited)));
    QVERIFY2(!allStarted, "the shop reported every service ready");
    QCOMPARE(platform().host(QStringLiteral("product"))->readyCount(), 0);

    m_session.reset();
    QFile f(product);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY2(f.readAll() == notes, "the file was changed");
}

QTEST_GUILESS_MAIN(TestFailureIsolation)
#include "tst_failureisolation.moc"
