// Faults on purpose, through the same control API the GUI and the scenario
// timeline use: latency and errors on a service or a link, a partitioned
// link, a slow or locked database, and a chaos monkey. Each test checks what
// a user of the shop would notice — slower answers, the injected status, a
// timeout naming the hop, writes failing while reads go on — and that every
// fault starts and ends as an event on the timeline.
#include "testsupport.h"

#include <QtTest>

#include <algorithm>

using namespace microcosm;
using namespace microcosm::test;

namespace {

const QString users = QStringLiteral("users");
const QString order = QStringLiteral("order");
const QString product = QStringLiteral("product");
const QString cart = QStringLiteral("cart");

std::vector<Event> eventsOf(Platform &p, const QString &source, const QString &kind)
{
    std::vector<Event> out;
    for (const Event &e : p.events().all())
        if ((source.isEmpty() || e.source == source) && e.kind == kind)
            out.push_back(e);
    return out;
}

Response get(Platform &p, const QString &path)
{
    return call(p, QStringLiteral("GET"), path);
}

// `rounds` rounds of `parallel` concurrent GETs; fewer at once than the
// service has workers, so that no request queues behind another.
void getInRounds(Platform &p, const QString &path, int rounds, int parallel)
{
    for (int round = 0; round < rounds; ++round) {
        std::vector<std::future<Response>> futures;
        for (int i = 0; i < parallel; ++i)
            futures.push_back(submit(p, QStringLiteral("GET"), path));
        for (auto &f : futures)
            QCOMPARE(await(f).status, 200);
    }
}

enum Action
{
    ServiceLatency,
    ServiceErrors,
    LinkLatency,
    LinkPartition,
    SlowDatabase,
    BlockWrites,
    LockFile,
    ChaosMonkey,
    ClearAll
};

} // namespace

class TestChaos : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void latencyInjectionRaisesP50_data();
    void latencyInjectionRaisesP50();
    void errorInjectionAnswersTheStatus_data();
    void errorInjectionAnswersTheStatus();
    void partitionedLinkTimesOutWhileOthersWork_data();
    void partitionedLinkTimesOutWhileOthersWork();
    void slowDatabaseSlowsOnlyThatService();
    void lockedDatabaseFailsWritesButNotReads();
    void blockedWritesLeaveWorkersForReads();
    void lockedFileFailsReadsAndWrites();
    void chaosMonkeyKillsAndRestarts();
    void everyFaultStartsAndEndsAsAnEvent_data();
    void everyFaultStartsAndEndsAsAnEvent();

private:
    void startShop(const PlatformConfig &config = {});
    Platform &platform() { return m_session->platform(); }
    // Platform time just after the current metrics window was closed.
    double closeWindow();
    std::uint64_t triesAt(const QString &service);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestChaos::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestChaos::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestChaos::startShop(const PlatformConfig &config)
{
    m_session = std::make_unique<ShopSession>(m_dir->path(), fastShop(), config);
    QVERIFY(m_session->start(seconds(10)));
}

double TestChaos::closeWindow()
{
    platform().rotateMetrics();
    return platform().elapsed();
}

std::uint64_t TestChaos::triesAt(const QString &service)
{
    platform().rotateMetrics();
    return platform().metrics().summary(EntityKey::service(service)).total();
}

void TestChaos::latencyInjectionRaisesP50_data()
{
    QTest::addColumn<double>("injectedMs");
    QTest::newRow("+50 ms") << 50.0;
    QTest::newRow("+150 ms") << 150.0;
}

void TestChaos::latencyInjectionRaisesP50()
{
    QFETCH(double, injectedMs);
    startShop();
    Platform &p = platform();
    const EntityKey entity = EntityKey::service(QStringLiteral("product"));

    const double t0 = closeWindow();
    getInRounds(p, QStringLiteral("/products/1"), 5, 4);
    const double t1 = closeWindow();
    const double before = p.metrics().range(entity, t0, t1).latency.percentileMs(0.5);

    Fault fault;
    fault.latencyMs = injectedMs;
    p.chaos().setServiceFault(product, fault);
    getInRounds(p, QStringLiteral("/products/1"), 5, 4);
    getInRounds(p, QStringLiteral("/carts/u1"), 5, 4);
    const double t2 = closeWindow();
    const double after = p.metrics().range(entity, t1, t2).latency.percentileMs(0.5);
    const double cartP50 = p.metrics()
                               .range(EntityKey::service(QStringLiteral("cart")), t1, t2)
                               .latency.percentileMs(0.5);

    const QString line =
        QStringLiteral("product p50 %1 ms → %2 ms with +%3 ms injected; cart p50 %4 ms")
            .arg(before, 0, 'f', 2)
            .arg(after, 0, 'f', 2)
            .arg(injectedMs)
            .arg(cartP50, 0, 'f', 2);
    QVERIFY2(qAbs((after - before) - injectedMs) <= std::max(15.0, 0.15 * injectedMs),
             qPrintable(line));
    // Only product was slowed.
    QVERIFY2(cartP50 < 20, qPrintable(line));

    p.chaos().setServiceFault(product, {});
    const double t3 = closeWindow();
    getInRounds(p, QStringLiteral("/products/1"), 5, 4);
    const double t4 = closeWindow();
    const double cleared = p.metrics().range(entity, t3, t4).latency.percentileMs(0.5);
    QVERIFY2(cleared < before + 20,
             qPrintable(QStringLiteral("p50 %1 ms after the fault ended").arg(cleared)));
}

void TestChaos::errorInjectionAnswersTheStatus_data()
{
    QTest::addColumn<QString>("caller"); // empty: a fault on the service itself
    QTest::addColumn<QString>("service");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("otherPath");

    QTest::newRow("product answers 500")
        << QString() << product << 500 << QStringLiteral("/products/1")
        << QStringLiteral("injected 500 at product#") << QStringLiteral("/carts/u1");
    QTest::newRow("cart answers 503")
        << QString() << cart << 503 << QStringLiteral("/carts/u1")
        << QStringLiteral("injected 503 at cart#") << QStringLiteral("/products/1");
    QTest::newRow("order answers 429")
        << QString() << order << 429 << QStringLiteral("/orders?user=u1")
        << QStringLiteral("injected 429 at order#") << QStringLiteral("/products/1");
    QTest::newRow("link users→product answers 502")
        << users << product << 502 << QStringLiteral("/products/1")
        << QStringLiteral("injected 502 on users→product") << QStringLiteral("/carts/u1");
}

void TestChaos::errorInjectionAnswersTheStatus()
{
    QFETCH(QString, caller);
    QFETCH(QString, service);
    QFETCH(int, status);
    QFETCH(QString, path);
    QFETCH(QString, reason);
    QFETCH(QString, otherPath);
    startShop();
    Platform &p = platform();
    QCOMPARE(get(p, path).status, 200);

    Fault fault;
    fault.errorPercent = 100;
    fault.errorStatus = status;
    if (caller.isEmpty())
        p.chaos().setServiceFault(service, fault);
    else
        p.chaos().setLinkFault(caller, service, fault);

    for (int i = 0; i < 20; ++i) {
        const Response r = get(p, path);
        QCOMPARE(r.status, status);
        QVERIFY2(r.reason.contains(reason), qPrintable(describe(r)));
    }
    QCOMPARE(get(p, otherPath).status, 200);
    if (!caller.isEmpty()) {
        // Only that link fails: order still reaches product for a checkout.
        QCOMPARE(addToCart(p, QStringLiteral("u2"), 4, 1).status, 201);
        const Response r = checkout(p, QStringLiteral("u2"), QStringLiteral("k-link"));
        QVERIFY2(r.status == 201, qPrintable(describe(r)));
    }

    if (caller.isEmpty())
        p.chaos().setServiceFault(service, {});
    else
        p.chaos().setLinkFault(caller, service, {});
    for (int i = 0; i < 5; ++i)
        QCOMPARE(get(p, path).status, 200);
}

void TestChaos::partitionedLinkTimesOutWhileOthersWork_data()
{
    QTest::addColumn<QString>("caller");
    QTest::newRow("users→product") << users;
    QTest::newRow("order→product") << order;
}

void TestChaos::partitionedLinkTimesOutWhileOthersWork()
{
    QFETCH(QString, caller);
    // The gateway waits longer than a checkout needs to time out at product
    // and then try (and time out) releasing what it reserved.
    PlatformConfig config;
    config.gatewayTimeout = milliseconds(800);
    config.clientTimeout = milliseconds(200);
    startShop(config);
    Platform &p = platform();
    QCOMPARE(addToCart(p, QStringLiteral("u1"), 2, 1).status, 201);
    QCOMPARE(addToCart(p, QStringLiteral("u2"), 3, 1).status, 201);

    Fault partition;
    partition.partitioned = true;
    p.chaos().setLinkFault(caller, product, partition);

    const std::uint64_t seenBefore = triesAt(product);
    QElapsedTimer clock;
    clock.start();
    const Response lost = caller == users
                              ? get(p, QStringLiteral("/products/2"))
                              : checkout(p, QStringLiteral("u1"), QStringLiteral("k-partition"));
    const qint64 took = clock.elapsed();
    QCOMPARE(lost.status, 504);
    const QString reason = caller == users
                               ? QStringLiteral("timeout 800 ms at users→product")
                               : QStringLiteral("product: timeout 200 ms at order→product");
    QVERIFY2(lost.reason.contains(reason), qPrintable(describe(lost)));
    QVERIFY2(took >= (caller == users ? 800 : 200) && took < 2000,
             qPrintable(QStringLiteral("%1 ms").arg(took)));
    // The request vanished on the wire: product never saw it.
    QCOMPARE(triesAt(product), seenBefore);

    // Every other link works.
    QCOMPARE(get(p, QStringLiteral("/carts/u2")).status, 200);
    QCOMPARE(get(p, QStringLiteral("/orders?user=u2")).status, 200);
    if (caller == users) {
        // order → product is another link: checkout still reaches product.
        const Response r = checkout(p, QStringLiteral("u2"), QStringLiteral("k-other"));
        QVERIFY2(r.status == 201, qPrintable(describe(r)));
    } else {
        QCOMPARE(get(p, QStringLiteral("/products/2")).status, 200);
    }

    // Healed: the same call goes through.
    p.chaos().setLinkFault(caller, product, {});
    if (caller == users) {
        QCOMPARE(get(p, QStringLiteral("/products/2")).status, 200);
    } else {
        QCOMPARE(addToCart(p, QStringLiteral("u1"), 2, 1).status, 201);
        const Response r = checkout(p, QStringLiteral("u1"), QStringLiteral("k-healed"));
        QVERIFY2(r.status == 201, qPrintable(describe(r)));
    }
}

void TestChaos::slowDatabaseSlowsOnlyThatService()
{
    startShop();
    Platform &p = platform();
    Fault slow;
    slow.dbDelayMs = 150;
    p.chaos().setServiceFault(cart, slow);

    QElapsedTimer clock;
    clock.start();
    QCOMPARE(get(p, QStringLiteral("/carts/u1")).status, 200);
    const qint64 cartMs = clock.restart();
    QCOMPARE(get(p, QStringLiteral("/products/1")).status, 200);
    const qint64 productMs = clock.elapsed();
    QVERIFY2(cartMs >= 150 && cartMs < 1000,
             qPrintable(QStringLiteral("cart took %1 ms").arg(cartMs)));
    QVERIFY2(productMs < 100, qPrintable(QStringLiteral("product took %1 ms").arg(productMs)));
}

void TestChaos::lockedDatabaseFailsWritesButNotReads()
{
    // A gateway timeout well below SQLite's 5 s busy timeout keeps the test quick.
    PlatformConfig config;
    config.gatewayTimeout = milliseconds(300);
    startShop(config);
    Platform &p = platform();
    QCOMPARE(addToCart(p, QStringLiteral("u1"), 2, 1).status, 201);

    QVERIFY(p.chaos().lockDatabase(cart));
    QTRY_VERIFY_WITH_TIMEOUT(p.chaos().databaseLocked(cart), 2000);
    QVERIFY(!eventsOf(p, cart, QStringLiteral("fault-start")).empty());

    // Writes wait for the lock and fail: the caller gives up (504), or, when
    // two connections already wait for the lock, the service's wait ends
    // first (503, the file named locked).
    QElapsedTimer clock;
    clock.start();
    const Response write = addToCart(p, QStringLiteral("u1"), 5, 1);
    QVERIFY2((write.status == 504 &&
              write.reason.contains(QStringLiteral("timeout 300 ms at users→cart"))) ||
                 (write.status == 503 &&
                  write.reason.contains(QStringLiteral("database error at cart")) &&
                  write.reason.contains(QStringLiteral("locked"))),
             qPrintable(describe(write)));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
    // Reads go on (WAL), and so do the other services.
    clock.restart();
    const QJsonArray items = cartItems(p, QStringLiteral("u1"));
    QCOMPARE(items.size(), 1);
    QVERIFY2(clock.elapsed() < 200,
             qPrintable(QStringLiteral("read took %1 ms").arg(clock.elapsed())));
    QCOMPARE(get(p, QStringLiteral("/products/1")).status, 200);

    QVERIFY(p.chaos().unlockDatabase(cart));
    QVERIFY(!p.chaos().databaseLocked(cart));
    QVERIFY(!eventsOf(p, cart, QStringLiteral("fault-end")).empty());
    const Response again = addToCart(p, QStringLiteral("u1"), 6, 1);
    QVERIFY2(again.status == 201, qPrintable(describe(again)));
    if (write.status == 504) {
        // The write the user gave up on was only waiting: it lands once the
        // lock goes, as a reply nobody is waiting for (wasted work, counted).
        QTRY_VERIFY_WITH_TIMEOUT(p.wastedReplies() >= 1, 3000);
        QCOMPARE(cartItems(p, QStringLiteral("u1")).size(), 3);
    } else {
        // The write that failed on the lock left nothing behind.
        QCOMPARE(cartItems(p, QStringLiteral("u1")).size(), 2);
    }
}

void TestChaos::blockedWritesLeaveWorkersForReads()
{
    PlatformConfig config;
    config.gatewayTimeout = milliseconds(1000);
    startShop(config);
    Platform &p = platform();
    QVERIFY(p.chaos().blockWrites(product));
    QTRY_VERIFY_WITH_TIMEOUT(p.chaos().databaseFault(product) == DatabaseFault::WritesBlocked,
                             2000);

    // Twice as many reservations at once as product has workers (2 replicas
    // of 4): each would hold its worker for SQLite's 5 s busy timeout.
    std::vector<std::future<Response>> writes;
    for (int i = 0; i < 16; ++i) {
        auto promise = std::make_shared<std::promise<Response>>();
        writes.push_back(promise->get_future());
        p.gateway().call(order,
                         makeRequest(QStringLiteral("POST"), QStringLiteral("/products/1/reserve"),
                                     QJsonObject{{QStringLiteral("orderId"),
                                                  QStringLiteral("blocked-%1").arg(i)},
                                                 {QStringLiteral("quantity"), 1}}),
                         [promise](Response r) { promise->set_value(std::move(r)); });
    }
    // Reads still find a worker: browsing goes on while the writes wait.
    QTRY_VERIFY_WITH_TIMEOUT(outstanding(p, product) >= 2, 2000);
    getInRounds(p, QStringLiteral("/products/1"), 5, 4);
    getInRounds(p, QStringLiteral("/products"), 5, 4);
    for (auto &w : writes) {
        const Response r = await(w);
        QVERIFY2(r.status >= 500, qPrintable(describe(r)));
    }
    QVERIFY(p.chaos().releaseDatabase(product));
}

void TestChaos::lockedFileFailsReadsAndWrites()
{
    PlatformConfig config;
    config.gatewayTimeout = milliseconds(300);
    startShop(config);
    Platform &p = platform();
    QCOMPARE(addToCart(p, QStringLiteral("u1"), 2, 1).status, 201);

    QVERIFY(p.chaos().lockFile(cart));
    QCOMPARE(p.chaos().databaseFault(cart), DatabaseFault::FileLocked);
    // Reads wait for the lock too, and fail: the caller gives up first (504),
    // or the service's wait for the lock ends first (503, the file named
    // locked) — which one depends on how many connections already wait.
    const Response read = get(p, QStringLiteral("/carts/u1"));
    QVERIFY2((read.status == 504 &&
              read.reason.contains(QStringLiteral("timeout 300 ms at users→cart"))) ||
                 (read.status == 503 &&
                  read.reason.contains(QStringLiteral("database error at cart")) &&
                  read.reason.contains(QStringLiteral("locked"))),
             qPrintable(describe(read)));
    const Response write = addToCart(p, QStringLiteral("u1"), 5, 1);
    QVERIFY2(write.status == 503 || write.status == 504, qPrintable(describe(write)));
    // The other services' files are not touched.
    QCOMPARE(get(p, QStringLiteral("/products/1")).status, 200);

    QVERIFY(p.chaos().releaseDatabase(cart));
    QVERIFY(!p.chaos().databaseLocked(cart));
    QTRY_VERIFY_WITH_TIMEOUT(get(p, QStringLiteral("/carts/u1")).status == 200, 8000);
}

void TestChaos::chaosMonkeyKillsAndRestarts()
{
    startShop();
    Platform &p = platform();
    ChaosMonkeyConfig monkey;
    monkey.meanSecondsBetweenFailures = 0.3;
    monkey.restartDelay = milliseconds(200);
    monkey.services = QStringList{cart};
    monkey.wholeServicePercent = 0; // one replica at a time
    monkey.seed = 7;
    const double on = p.elapsed();
    p.chaos().startMonkey(monkey);
    QVERIFY(p.chaos().monkeyRunning());
    QCOMPARE(eventsOf(p, QStringLiteral("chaos"), QStringLiteral("monkey-on")).size(),
             std::size_t(1));

    // A victim within a few mean periods (missing ten in a row: e^-10).
    QTRY_VERIFY_WITH_TIMEOUT(!eventsOf(p, {}, QStringLiteral("killed")).empty(), 5000);
    const Event kill = eventsOf(p, {}, QStringLiteral("killed")).front();
    QVERIFY2(kill.source.startsWith(QStringLiteral("cart#")), qPrintable(kill.source));
    QVERIFY2(kill.message.contains(QStringLiteral("chaos monkey")), qPrintable(kill.message));
    QVERIFY2(kill.t - on < 10 * monkey.meanSecondsBetweenFailures,
             qPrintable(QString::number(kill.t - on)));

    // ... and it comes back after the restart delay, cold start included.
    auto cameBack = [&] {
        for (const Event &e : eventsOf(p, kill.source, QStringLiteral("ready")))
            if (e.t > kill.t)
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(cameBack(), 3000);
    bool restarted = false;
    for (const Event &e : eventsOf(p, cart, QStringLiteral("restarted")))
        restarted = restarted || e.t >= kill.t + 0.15;
    QVERIFY(restarted);
    // Product never was a target, and kept serving all along.
    for (int i = 0; i < 10; ++i)
        QCOMPARE(get(p, QStringLiteral("/products/1")).status, 200);

    p.chaos().stopMonkey();
    QVERIFY(!p.chaos().monkeyRunning());
    QCOMPARE(eventsOf(p, QStringLiteral("chaos"), QStringLiteral("monkey-off")).size(),
             std::size_t(1));
    QTRY_VERIFY_WITH_TIMEOUT(m_session->allReady(), 3000);
    for (const Event &e : eventsOf(p, {}, QStringLiteral("killed")))
        QVERIFY2(e.source.startsWith(QStringLiteral("cart")), qPrintable(e.message));
    QCOMPARE(get(p, QStringLiteral("/carts/u1")).status, 200);
}

void TestChaos::everyFaultStartsAndEndsAsAnEvent_data()
{
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("startKind");
    QTest::addColumn<QString>("startText");
    QTest::addColumn<QString>("endKind");
    QTest::addColumn<QString>("endText");

    const QString start = QStringLiteral("fault-start"), end = QStringLiteral("fault-end");
    QTest::newRow("service latency")
        << int(ServiceLatency) << product << start << QStringLiteral("+80 ms") << end
        << QStringLiteral("faults on product cleared");
    QTest::newRow("service errors")
        << int(ServiceErrors) << product << start << QStringLiteral("503 on 30% of calls") << end
        << QStringLiteral("faults on product cleared");
    QTest::newRow("link latency") << int(LinkLatency) << QStringLiteral("order>cart") << start
                                  << QStringLiteral("+40 ms") << end
                                  << QStringLiteral("faults on order→cart cleared");
    QTest::newRow("link partition")
        << int(LinkPartition) << QStringLiteral("users>cart") << start
        << QStringLiteral("partitioned") << end << QStringLiteral("faults on users→cart cleared");
    QTest::newRow("slow database")
        << int(SlowDatabase) << cart << start << QStringLiteral("database +20 ms") << end
        << QStringLiteral("faults on cart cleared");
    QTest::newRow("blocked writes") << int(BlockWrites) << cart << start
                                    << QStringLiteral("cart.db: writes blocked, reads go on") << end
                                    << QStringLiteral("cart.db: writes unblocked");
    QTest::newRow("locked file") << int(LockFile) << cart << start
                                 << QStringLiteral("cart.db: whole file locked") << end
                                 << QStringLiteral("cart.db: file unlocked");
    QTest::newRow("chaos monkey") << int(ChaosMonkey) << QStringLiteral("chaos")
                                  << QStringLiteral("monkey-on")
                                  << QStringLiteral("chaos monkey on")
                                  << QStringLiteral("monkey-off")
                                  << QStringLiteral("chaos monkey off");
    QTest::newRow("clear all") << int(ClearAll) << product << start << QStringLiteral("+80 ms")
                               << end << QStringLiteral("all faults cleared");
}

void TestChaos::everyFaultStartsAndEndsAsAnEvent()
{
    QFETCH(int, action);
    QFETCH(QString, source);
    QFETCH(QString, startKind);
    QFETCH(QString, startText);
    QFETCH(QString, endKind);
    QFETCH(QString, endText);
    startShop();
    Platform &p = platform();
    ChaosController &chaos = p.chaos();
    const qint64 before = p.snapshot().lastEventSeq;

    Fault fault;
    switch (Action(action)) {
    case ServiceLatency:
    case ClearAll:
        fault.latencyMs = 80;
        chaos.setServiceFault(product, fault);
        break;
    case ServiceErrors:
        fault.errorPercent = 30;
        fault.errorStatus = 503;
        chaos.setServiceFault(product, fault);
        break;
    case LinkLatency:
        fault.latencyMs = 40;
        chaos.setLinkFault(order, cart, fault);
        break;
    case LinkPartition:
        fault.partitioned = true;
        chaos.setLinkFault(users, cart, fault);
        break;
    case SlowDatabase:
        fault.dbDelayMs = 20;
        chaos.setServiceFault(cart, fault);
        break;
    case BlockWrites:
        QVERIFY(chaos.blockWrites(cart));
        QTRY_VERIFY_WITH_TIMEOUT(chaos.databaseFault(cart) == DatabaseFault::WritesBlocked, 2000);
        break;
    case LockFile:
        QVERIFY(chaos.lockFile(cart));
        QCOMPARE(chaos.databaseFault(cart), DatabaseFault::FileLocked);
        break;
    case ChaosMonkey: {
        ChaosMonkeyConfig monkey;
        monkey.meanSecondsBetweenFailures = 60; // on and off before it strikes
        chaos.startMonkey(monkey);
        break;
    }
    }
    // The fault's own event; a replica's (out of rotation while its writes
    // wait, say) may come beside it.
    const std::vector<Event> started = p.events().since(before);
    const auto start = std::find_if(started.rbegin(), started.rend(),
                                    [&](const Event &x) { return x.kind == startKind; });
    QVERIFY2(start != started.rend(), qPrintable(QStringLiteral("no %1 event").arg(startKind)));
    const Event &s = *start;
    QCOMPARE(s.source, source);
    QCOMPARE(s.kind, startKind);
    QVERIFY2(s.message.contains(startText), qPrintable(s.message));
    const qint64 middle = s.seq;

    switch (Action(action)) {
    case ServiceLatency:
    case ServiceErrors:
        chaos.setServiceFault(product, {});
        break;
    case LinkLatency:
        chaos.setLinkFault(order, cart, {});
        break;
    case LinkPartition:
        chaos.setLinkFault(users, cart, {});
        break;
    case SlowDatabase:
        chaos.setServiceFault(cart, {});
        break;
    case BlockWrites:
    case LockFile:
        QVERIFY(chaos.releaseDatabase(cart));
        QCOMPARE(chaos.databaseFault(cart), DatabaseFault::None);
        break;
    case ChaosMonkey:
        chaos.stopMonkey();
        break;
    case ClearAll:
        chaos.clearAll();
        QVERIFY(!p.faults().any());
        break;
    }
    const std::vector<Event> ended = p.events().since(middle);
    const auto end = std::find_if(ended.rbegin(), ended.rend(),
                                  [&](const Event &x) { return x.kind == endKind; });
    QVERIFY2(end != ended.rend(), qPrintable(QStringLiteral("no %1 event").arg(endKind)));
    const Event &e = *end;
    QCOMPARE(e.kind, endKind);
    QVERIFY2(e.message.contains(endText), qPrintable(e.message));
    if (Action(action) != ClearAll)
        QCOMPARE(e.source, source);
    // Dated on the platform's clock, in order.
    QVERIFY(e.seq > s.seq);
    QVERIFY(e.t >= s.t && s.t > 0);
}

QTEST_GUILESS_MAIN(TestChaos)
#include "tst_chaos.moc"
