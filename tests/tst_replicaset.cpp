// The ServiceHost as a replica set: whatever scaling, rolling updates and
// restarts do to its slots, every replica start has a name of its own, a
// replica that went away stays dead in the eyes of its peers (so the orders
// it left PENDING are compensated), and the replica cap is one number for
// the engine and the scenario parser.
#include "scenario.h"
#include "testsupport.h"

#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace microcosm;
using namespace microcosm::test;

namespace {

const QString order = QStringLiteral("order");

qint64 initialStockOf(qint64 productId)
{
    for (const CatalogueItem &c : catalogue())
        if (c.id == productId)
            return c.stock;
    return -1;
}

} // namespace

class TestReplicaSet : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void scalingNeverReusesAnIncarnation();
    void pendingOrderOfAScaledAwayReplicaIsCompensated();
    void rollingUpdateAfterScalingStartsFreshIncarnations();
    void scenarioReplicaCapIsMaxReplicas();

private:
    void startShop(const ShopConfig &shop = fastShop());
    // Scales order through `steps`, waiting each time until exactly that many
    // replicas are ready, and keeps every replica object it saw (held, so no
    // two of them can share an address).
    void scaleThrough(const std::vector<int> &steps);
    Platform &platform() { return m_session->platform(); }
    ServiceHost &host(const QString &name) { return *platform().host(name); }
    QString dataDir() const { return m_dir->path(); }
    QString orderStatus(const QString &id)
    {
        return text(dataDir(), order, QStringLiteral("SELECT status FROM orders WHERE id = ?"), id);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
    std::vector<std::shared_ptr<Replica>> m_seen; // every replica of order seen, in order
};

void TestReplicaSet::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestReplicaSet::cleanup()
{
    m_seen.clear();
    m_session.reset();
    m_dir.reset();
}

void TestReplicaSet::startShop(const ShopConfig &shop)
{
    m_session = std::make_unique<ShopSession>(dataDir(), shop);
    QVERIFY2(m_session->start(seconds(10)), qPrintable(m_session->startError()));
}

void TestReplicaSet::scaleThrough(const std::vector<int> &steps)
{
    auto note = [this] {
        for (const auto &r : host(order).replicas())
            if (r && std::find(m_seen.begin(), m_seen.end(), r) == m_seen.end())
                m_seen.push_back(r);
    };
    note();
    for (const int n : steps) {
        QVERIFY(platform().scaleService(order, n));
        QTRY_COMPARE_WITH_TIMEOUT(host(order).readyCount(), n, 10000);
        note();
    }
}

// Scaled 2 → 4 → 2 → 4 → 1 → 3, the slots of order#3 and order#4 are emptied
// and filled again. Each of the eight replica starts must have its own
// incarnation ("order#4.<n>@<run>"). This catches a start number kept per
// slot in a per-slot array that a scale-down shortened and a scale-up grew
// back from zero: the second order#4 was again "order#4.1", and the last
// order#3 took the name of the first.
void TestReplicaSet::scalingNeverReusesAnIncarnation()
{
    startShop();
    scaleThrough({4, 2, 4, 1, 3});
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(m_seen.size(), std::size_t(2 + 2 + 2 + 0 + 2)); // the first two, then each start
    QStringList names;
    QSet<QString> unique;
    for (const auto &r : m_seen) {
        names << r->incarnation();
        unique.insert(r->incarnation());
    }
    QVERIFY2(unique.size() == names.size(), qPrintable(names.join(QStringLiteral(", "))));
    // Every one of them became ready, as the event log tells it.
    int ready = 0;
    for (const Event &e : platform().events().all())
        ready += e.kind == QLatin1String("ready") && e.source.startsWith(order + QLatin1Char('#'));
    QCOMPARE(ready, int(m_seen.size()));
    // The slots were reused: the same replica names came back.
    QSet<QString> replicaNames;
    for (const auto &r : m_seen)
        replicaNames.insert(r->name());
    QCOMPARE(replicaNames.size(), 4);
}

// An order left PENDING by a replica that was scaled away, with stock held
// for it, is compensated by the maintenance of the replicas still running:
// FAILED, and the stock released. With a reused incarnation the current
// order#3 would carry the dead one's name, its peers would take the owner
// for alive, and the order would stay PENDING with its stock held forever.
void TestReplicaSet::pendingOrderOfAScaledAwayReplicaIsCompensated()
{
    startShop();
    scaleThrough({4, 2, 4, 1, 3});
    if (QTest::currentTestFailed())
        return;
    // The first order#3 went at "→ 2"; an order#3 runs again now.
    std::shared_ptr<Replica> gone;
    for (const auto &r : m_seen)
        if (!gone && r->name() == QLatin1String("order#3"))
            gone = r;
    QVERIFY(gone);
    QTRY_VERIFY_WITH_TIMEOUT(gone->killed(), 6000); // drained within 5 s
    bool slotFilledAgain = false;
    for (const auto &r : host(order).replicas())
        slotFilledAgain = slotFilledAgain || (r && r->name() == gone->name());
    QVERIFY(slotFilledAgain);

    // What the dead replica left behind: stock reserved at product for an
    // order it owned, and the order, PENDING.
    const qint64 productId = 7;
    const QString id = QStringLiteral("stranded-1");
    const Response reserved =
        callAs(platform(), order, QStringLiteral("POST"),
               QStringLiteral("/products/%1/reserve").arg(productId),
               QJsonObject{{QStringLiteral("orderId"), id}, {QStringLiteral("quantity"), 2}});
    QVERIFY2(reserved.ok(), qPrintable(describe(reserved)));
    QCOMPARE(stockOf(platform(), productId), initialStockOf(productId) - 2);
    {
        Database db(QDir(dataDir()).filePath(QStringLiteral("order.db")));
        db.prepare(QStringLiteral("INSERT INTO orders (id, user_id, idempotency_key, status, "
                                  "owner, created_at, updated_at) VALUES (?, 'u21', "
                                  "'key-stranded', 'PENDING', ?, '2026-01-01', '2026-01-01')"))
            .bind(1, id)
            .bind(2, gone->incarnation())
            .exec();
    }
    QCOMPARE(orderStatus(id), QStringLiteral("PENDING"));

    // Maintenance runs every second on a live replica of order.
    QTRY_COMPARE_WITH_TIMEOUT(orderStatus(id), QStringLiteral("FAILED"), 5000);
    const QString reason =
        text(dataDir(), order, QStringLiteral("SELECT reason FROM orders WHERE id = ?"), id);
    QVERIFY2(reason.contains(gone->incarnation()), qPrintable(reason));
    QTRY_COMPARE_WITH_TIMEOUT(
        text(dataDir(), QStringLiteral("product"),
             QStringLiteral("SELECT status FROM reservations WHERE order_id = ?"), id),
        QStringLiteral("RELEASED"), 5000);
    QCOMPARE(stockOf(platform(), productId), initialStockOf(productId));
    QVERIFY(m_session->quiesce(seconds(10)));
}

// A rolling update after a scale-down starts its replicas in the emptied
// slots; they too get names never used before, and the update ends with the
// desired count, all on the new version. The cold start outlasts a step of
// the update, so with a surge of two both new replicas start (in the slots
// of order#3 and order#4) before an old one goes: a start number kept per
// slot named the second "order#4.1" again.
void TestReplicaSet::rollingUpdateAfterScalingStartsFreshIncarnations()
{
    ShopConfig shop = fastShop();
    shop.order.coldStart = milliseconds(300);
    startShop(shop);
    scaleThrough({4, 2});
    if (QTest::currentTestFailed())
        return;
    RollingUpdate update;
    update.version = QStringLiteral("v2");
    update.maxSurge = 2;
    update.maxUnavailable = 0;
    update.profile.serviceTime = ServiceTime::constant(0);
    QVERIFY(host(order).startRollingUpdate(update));
    QTRY_VERIFY_WITH_TIMEOUT(!host(order).rollingUpdateInProgress(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(host(order).readyCount(), 2, 5000);
    for (const auto &r : host(order).replicas()) {
        if (!r)
            continue;
        QCOMPARE(r->version(), QStringLiteral("v2"));
        if (std::find(m_seen.begin(), m_seen.end(), r) == m_seen.end())
            m_seen.push_back(r);
    }
    QCOMPARE(m_seen.size(),
             std::size_t(2 + 2 + 2)); // the first two, two by scaling, two by the update
    QSet<QString> unique;
    for (const auto &r : m_seen)
        unique.insert(r->incarnation());
    QStringList names;
    for (const auto &r : m_seen)
        names << r->incarnation();
    QVERIFY2(unique.size() == qsizetype(m_seen.size()),
             qPrintable(names.join(QStringLiteral(", "))));
    QCOMPARE(host(order).config().version, QStringLiteral("v2"));
}

// The scenario parser takes MaxReplicas replicas and refuses one more.
void TestReplicaSet::scenarioReplicaCapIsMaxReplicas()
{
    auto parse = [](int replicas, QStringList *errors) {
        const QByteArray json = QStringLiteral(R"({ "title": "t", "duration": 10,
                                "services": { "cart": { "replicas": %1 } } })")
                                    .arg(replicas)
                                    .toUtf8();
        return Scenario::parse(json, errors);
    };
    QStringList errors;
    const auto atCap = parse(MaxReplicas, &errors);
    QVERIFY2(atCap, qPrintable(errors.join(QLatin1Char('\n'))));
    const ServiceConfig *cart = atCap->serviceConfig(QStringLiteral("cart"));
    QVERIFY(cart);
    QCOMPARE(cart->replicas, MaxReplicas);
    errors.clear();
    QVERIFY(!parse(MaxReplicas + 1, &errors));
    QVERIFY2(errors.join(QLatin1Char('\n')).contains(QStringLiteral("replicas")),
             qPrintable(errors.join(QLatin1Char('\n'))));
}

QTEST_GUILESS_MAIN(TestReplicaSet)
#include "tst_replicaset.moc"
