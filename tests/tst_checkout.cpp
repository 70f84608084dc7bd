// Checkout, the order service's saga (PENDING → read cart → reserve each item
// → CONFIRMED → clear cart), as a shopper and the end-of-run auditor see it:
// when it succeeds, when product dies half-way, when the shopper retries with
// the same Idempotency-Key, and when order itself dies and comes back.
#include "auditor.h"
#include "testsupport.h"

#include <QtTest>

using namespace microcosm;
using namespace microcosm::test;

using Items = QList<QPair<int, int>>; // (product id, quantity)

namespace {

const QString ReserveRoute = QStringLiteral("POST /products/{id}/reserve");
const QString CartRoute = QStringLiteral("GET /carts/{user}");

qint64 priceOf(qint64 productId)
{
    for (const CatalogueItem &c : catalogue())
        if (c.id == productId)
            return c.priceCents;
    return -1;
}

qint64 initialStockOf(qint64 productId)
{
    for (const CatalogueItem &c : catalogue())
        if (c.id == productId)
            return c.stock;
    return -1;
}

} // namespace

class TestCheckout : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void checkoutSucceeds_data();
    void checkoutSucceeds();
    void productDiesMidCheckout_data();
    void productDiesMidCheckout();
    void retryWithSameKeyMakesOneOrder();
    void retryOfAFailedCheckoutReturnsTheSameFailure();
    void concurrentDuplicateMakesOneOrder();
    void keyOfAnotherUserIsRefused();
    void unknownProductFailsCheckoutAndReleasesTheRest();
    void pendingOrderIsCompensatedAfterOrderRestart_data();
    void pendingOrderIsCompensatedAfterOrderRestart();
    void pendingOrderOfAKilledReplicaIsCompensatedByItsPeer();
    void pendingOrderFromAPreviousRunIsCompensated();
    void scalingNeverReusesAnIncarnation();

private:
    // A shop whose slow routes are given per row; client calls wait long
    // enough that only a kill, not a timeout, ends them.
    void startShop(const QHash<QString, double> &slowRoutesMs = {});
    Platform &platform() { return m_session->platform(); }
    QString dataDir() const { return m_dir->path(); }
    void fillCart(const QString &user, const Items &items)
    {
        for (const auto &[product, quantity] : items)
            QCOMPARE(describe(addToCart(platform(), user, product, quantity)),
                     QStringLiteral("201 "));
    }
    qint64 ordersWithKey(const QString &key)
    {
        return scalar(dataDir(), QStringLiteral("order"),
                      QStringLiteral("SELECT count(*) FROM orders WHERE idempotency_key = ?"), key);
    }
    QString orderStatusByKey(const QString &key)
    {
        return text(dataDir(), QStringLiteral("order"),
                    QStringLiteral("SELECT status FROM orders WHERE idempotency_key = ?"), key);
    }
    qint64 heldFor(const QString &orderId)
    {
        return scalar(dataDir(), QStringLiteral("product"),
                      QStringLiteral("SELECT coalesce(sum(quantity), 0) FROM reservations "
                                     "WHERE order_id = ? AND status = 'HELD'"),
                      orderId);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestCheckout::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestCheckout::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestCheckout::startShop(const QHash<QString, double> &slowRoutesMs)
{
    ShopConfig shop = fastShop();
    for (auto it = slowRoutesMs.begin(); it != slowRoutesMs.end(); ++it) {
        ServiceConfig &s = it.key() == ReserveRoute ? shop.product : shop.cart;
        s.profile.routeServiceTime.insert(it.key(), ServiceTime::constant(it.value()));
    }
    PlatformConfig platformConfig;
    platformConfig.clientTimeout = milliseconds(4000);
    platformConfig.gatewayTimeout = milliseconds(10000);
    m_session = std::make_unique<ShopSession>(dataDir(), shop, platformConfig);
    QVERIFY(m_session->start(seconds(10)));
}

void TestCheckout::checkoutSucceeds_data()
{
    QTest::addColumn<Items>("items");
    QTest::newRow("one item") << Items{{3, 1}};
    QTest::newRow("one product, several") << Items{{8, 4}};
    QTest::newRow("three products") << Items{{1, 2}, {17, 1}, {42, 3}};
}

void TestCheckout::checkoutSucceeds()
{
    QFETCH(Items, items);
    startShop();
    QHash<int, qint64> before;
    qint64 expectedTotal = 0, expectedQuantity = 0;
    for (const auto &[product, quantity] : items) {
        before[product] = stockOf(platform(), product);
        expectedTotal += priceOf(product) * quantity;
        expectedQuantity += quantity;
    }
    fillCart(QStringLiteral("u1"), items);

    const Response r = checkout(platform(), QStringLiteral("u1"), QStringLiteral("key-1"));
    QCOMPARE(describe(r), QStringLiteral("201 "));
    const QJsonObject order = r.body.toObject();
    const QString id = order.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(order.value(QStringLiteral("status")).toString(), QStringLiteral("CONFIRMED"));
    QCOMPARE(order.value(QStringLiteral("totalCents")).toInteger(), expectedTotal);
    QCOMPARE(order.value(QStringLiteral("items")).toArray().size(), items.size());

    // The order is CONFIRMED in order.db, under its key.
    QCOMPARE(text(dataDir(), QStringLiteral("order"),
                  QStringLiteral("SELECT status FROM orders WHERE id = ?"), id),
             QStringLiteral("CONFIRMED"));
    QCOMPARE(orderStatusByKey(QStringLiteral("key-1")), QStringLiteral("CONFIRMED"));
    // Stock dropped by exactly what was in the cart, and is held for this order.
    for (const auto &[product, quantity] : items)
        QCOMPARE(stockOf(platform(), product), before[product] - quantity);
    QCOMPARE(heldFor(id), expectedQuantity);
    // The cart is emptied (through the outbox).
    QTRY_COMPARE_WITH_TIMEOUT(cartItems(platform(), QStringLiteral("u1")).size(), 0, 5000);
    QVERIFY(m_session->quiesce(seconds(10)));

    const AuditReport a = audit(dataDir(), {id});
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.confirmedOrders, 1);
    QCOMPARE(a.confirmedQuantity, expectedQuantity);
    QCOMPARE(a.heldQuantity, expectedQuantity);
    QCOMPARE(a.initialStock, a.currentStock + expectedQuantity);
    QCOMPARE(a.acknowledgedMissing, 0);
}

void TestCheckout::productDiesMidCheckout_data()
{
    QTest::addColumn<int>("reservedBeforeKill"); // items already held when product dies
    QTest::newRow("during the first reserve") << 0;
    QTest::newRow("during the second reserve, first held") << 1;
}

void TestCheckout::productDiesMidCheckout()
{
    QFETCH(int, reservedBeforeKill);
    // Each reserve takes 800 ms at product; order waits up to 4 s for it.
    startShop({{ReserveRoute, 800}});
    const Items items{{3, 2}, {4, 1}};
    fillCart(QStringLiteral("u1"), items);
    const qint64 s3 = stockOf(platform(), 3), s4 = stockOf(platform(), 4);

    auto pending = submit(platform(), QStringLiteral("POST"), QStringLiteral("/orders"),
                          QJsonObject{{QStringLiteral("user"), QStringLiteral("u1")}},
                          QStringLiteral("key-kill"));
    // Wait until the saga is where the row wants it: reserves held, the next in flight.
    QTRY_VERIFY_WITH_TIMEOUT(
        scalar(dataDir(), QStringLiteral("product"),
               QStringLiteral("SELECT count(*) FROM reservations WHERE status = 'HELD'")) ==
                reservedBeforeKill &&
            outstanding(platform(), QStringLiteral("product")) > 0,
        5000);
    QVERIFY(pending.wait_for(std::chrono::seconds(0)) != std::future_status::ready);

    QElapsedTimer sinceKill;
    sinceKill.start();
    QVERIFY(platform().killService(QStringLiteral("product")));
    const Response r = await(pending);
    QVERIFY2(!r.ok(), qPrintable(describe(r)));
    QVERIFY2(r.status >= 500, qPrintable(describe(r)));
    QVERIFY2(r.reason.contains(QStringLiteral("product")), qPrintable(describe(r)));
    // The shopper learns at once, not after the client timeout of 4 s.
    QVERIFY2(sinceKill.elapsed() < 1000,
             qPrintable(QStringLiteral("%1 ms").arg(sinceKill.elapsed())));
    QCOMPARE(orderStatusByKey(QStringLiteral("key-kill")), QStringLiteral("FAILED"));

    // Product comes back; the compensation held in order's outbox reaches it.
    QVERIFY(platform().restartService(QStringLiteral("product")));
    QVERIFY(m_session->waitReady(seconds(10)));
    QVERIFY2(m_session->quiesce(seconds(15)), "the release never got through");

    const AuditReport a = audit(dataDir());
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.heldQuantity, qint64(0));
    QCOMPARE(a.initialStock, a.currentStock);
    QCOMPARE(a.confirmedOrders, 0);
    QCOMPARE(a.pendingOrders, 0);
    QCOMPARE(a.failedOrders, 1);
    QCOMPARE(stockOf(platform(), 3), s3);
    QCOMPARE(stockOf(platform(), 4), s4);
    QCOMPARE(s3, initialStockOf(3));
    // The shopper's cart is still there to try again.
    QCOMPARE(cartItems(platform(), QStringLiteral("u1")).size(), items.size());
}

void TestCheckout::retryWithSameKeyMakesOneOrder()
{
    startShop();
    fillCart(QStringLiteral("u1"), {{5, 2}});
    const qint64 before = stockOf(platform(), 5);

    const Response first = checkout(platform(), QStringLiteral("u1"), QStringLiteral("key-retry"));
    QCOMPARE(describe(first), QStringLiteral("201 "));
    // The shopper did not see the answer and presses "buy" again.
    const Response second = checkout(platform(), QStringLiteral("u1"), QStringLiteral("key-retry"));
    QCOMPARE(describe(second), QStringLiteral("201 "));
    QCOMPARE(second.body.toObject().value(QStringLiteral("id")).toString(),
             first.body.toObject().value(QStringLiteral("id")).toString());
    QCOMPARE(second.body, first.body);
    const Response third = checkout(platform(), QStringLiteral("u1"), QStringLiteral("key-retry"));
    QCOMPARE(third.body, first.body);

    QCOMPARE(ordersWithKey(QStringLiteral("key-retry")), qint64(1));
    QCOMPARE(
        scalar(dataDir(), QStringLiteral("order"), QStringLiteral("SELECT count(*) FROM orders")),
        qint64(1));
    QCOMPARE(stockOf(platform(), 5), before - 2);

    // A new key is a new checkout (of a now empty cart).
    QCOMPARE(checkout(platform(), QStringLiteral("u1"), QStringLiteral("key-new")).status, 409);
    QVERIFY(m_session->quiesce(seconds(10)));
    const AuditReport a =
        audit(dataDir(), {first.body.toObject().value(QStringLiteral("id")).toString()});
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.confirmedOrders, 1);
    QCOMPARE(a.duplicateKeys, 0);
}

void TestCheckout::retryOfAFailedCheckoutReturnsTheSameFailure()
{
    startShop();
    const Response first = checkout(platform(), QStringLiteral("u2"), QStringLiteral("key-f"));
    QCOMPARE(first.status, 409); // empty cart
    fillCart(QStringLiteral("u2"), {{6, 1}});
    const Response again = checkout(platform(), QStringLiteral("u2"), QStringLiteral("key-f"));
    QCOMPARE(again.status, 409);
    QCOMPARE(again.reason, first.reason);
    QCOMPARE(ordersWithKey(QStringLiteral("key-f")), qint64(1));
    QCOMPARE(orderStatusByKey(QStringLiteral("key-f")), QStringLiteral("FAILED"));
    // A fresh key checks out what is in the cart now.
    QCOMPARE(checkout(platform(), QStringLiteral("u2"), QStringLiteral("key-g")).status, 201);
}

void TestCheckout::concurrentDuplicateMakesOneOrder()
{
    // Reading the cart takes 300 ms, so the duplicate arrives while the first is PENDING.
    startShop({{CartRoute, 300}});
    fillCart(QStringLiteral("u3"), {{9, 3}});
    const qint64 before = stockOf(platform(), 9);

    const QJsonObject body{{QStringLiteral("user"), QStringLiteral("u3")}};
    auto a = submit(platform(), QStringLiteral("POST"), QStringLiteral("/orders"), body,
                    QStringLiteral("key-dup"));
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-dup")),
                              QStringLiteral("PENDING"), 5000);
    auto b = submit(platform(), QStringLiteral("POST"), QStringLiteral("/orders"), body,
                    QStringLiteral("key-dup"));
    const Response ra = await(a), rb = await(b);

    QCOMPARE(describe(ra), QStringLiteral("201 "));
    const QString id = ra.body.toObject().value(QStringLiteral("id")).toString();
    QCOMPARE(ra.location, QStringLiteral("/orders/") + id); // 201 Created names its order
    // The duplicate is told to wait (409, in progress) or gets the same order.
    QVERIFY2(rb.status == 409 || (rb.status == 201 &&
                                  rb.body.toObject().value(QStringLiteral("id")).toString() == id),
             qPrintable(describe(rb)));
    if (rb.status == 409)
        QVERIFY2(rb.reason.contains(QStringLiteral("in progress")), qPrintable(rb.reason));
    // Asked again once the first finished: the first answer.
    const Response later = checkout(platform(), QStringLiteral("u3"), QStringLiteral("key-dup"));
    QCOMPARE(later.status, 201);
    QCOMPARE(later.body.toObject().value(QStringLiteral("id")).toString(), id);
    QCOMPARE(later.location, QStringLiteral("/orders/") + id); // a replay names it too

    QCOMPARE(ordersWithKey(QStringLiteral("key-dup")), qint64(1));
    QCOMPARE(stockOf(platform(), 9), before - 3);
    QVERIFY(m_session->quiesce(seconds(10)));
    const AuditReport report = audit(dataDir(), {id});
    QVERIFY2(report.ok, qPrintable(report.summary()));
}

void TestCheckout::keyOfAnotherUserIsRefused()
{
    startShop();
    fillCart(QStringLiteral("u4"), {{1, 1}});
    fillCart(QStringLiteral("u5"), {{2, 1}});
    QCOMPARE(checkout(platform(), QStringLiteral("u4"), QStringLiteral("shared-key")).status, 201);
    const Response r = checkout(platform(), QStringLiteral("u5"), QStringLiteral("shared-key"));
    QCOMPARE(r.status, 409);
    QCOMPARE(ordersWithKey(QStringLiteral("shared-key")), qint64(1));
    QCOMPARE(cartItems(platform(), QStringLiteral("u5")).size(), 1);
}

// The cart holds a product the catalogue does not have (cart knows products
// only by id): the first item is reserved, the second refused, and the
// saga gives the first one back.
void TestCheckout::unknownProductFailsCheckoutAndReleasesTheRest()
{
    startShop();
    fillCart(QStringLiteral("u8"), {{3, 2}, {999'999, 1}});
    const qint64 before = stockOf(platform(), 3);
    const Response r = checkout(platform(), QStringLiteral("u8"), QStringLiteral("key-u"));
    QCOMPARE(r.status, 409);
    QVERIFY2(r.reason.contains(QStringLiteral("999999")), qPrintable(r.reason));
    QVERIFY(m_session->quiesce(seconds(10)));
    QCOMPARE(stockOf(platform(), 3), before);
    QCOMPARE(orderStatusByKey(QStringLiteral("key-u")), QStringLiteral("FAILED"));
    const AuditReport a = audit(dataDir());
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.heldQuantity, qint64(0));
    QCOMPARE(cartItems(platform(), QStringLiteral("u8")).size(), 2);
}

void TestCheckout::pendingOrderIsCompensatedAfterOrderRestart_data()
{
    QTest::addColumn<QString>("slowRoute");
    QTest::addColumn<int>("heldBeforeKill");
    QTest::newRow("order dies while reading the cart") << CartRoute << 0;
    QTest::newRow("order dies between two reserves") << ReserveRoute << 1;
}

void TestCheckout::pendingOrderIsCompensatedAfterOrderRestart()
{
    QFETCH(QString, slowRoute);
    QFETCH(int, heldBeforeKill);
    startShop({{slowRoute, 800}});
    fillCart(QStringLiteral("u6"), {{11, 2}, {12, 1}});

    auto pending = submit(platform(), QStringLiteral("POST"), QStringLiteral("/orders"),
                          QJsonObject{{QStringLiteral("user"), QStringLiteral("u6")}},
                          QStringLiteral("key-p"));
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-p")), QStringLiteral("PENDING"),
                              5000);
    const QString id = text(dataDir(), QStringLiteral("order"),
                            QStringLiteral("SELECT id FROM orders WHERE idempotency_key = ?"),
                            QStringLiteral("key-p"));
    QTRY_VERIFY_WITH_TIMEOUT((heldFor(id) > 0) == (heldBeforeKill > 0) &&
                                 outstanding(platform(), slowRoute == CartRoute
                                                             ? QStringLiteral("cart")
                                                             : QStringLiteral("product")) > 0,
                             5000);

    QVERIFY(platform().killService(QStringLiteral("order")));
    const Response r = await(pending);
    QVERIFY2(r.status == 502, qPrintable(describe(r)));
    // Nobody is left to finish it: the order stays PENDING while order is down.
    QCOMPARE(orderStatusByKey(QStringLiteral("key-p")), QStringLiteral("PENDING"));

    QVERIFY(platform().restartService(QStringLiteral("order")));
    QVERIFY(m_session->waitReady(seconds(10)));
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-p")), QStringLiteral("FAILED"),
                              10000);
    QVERIFY2(text(dataDir(), QStringLiteral("order"),
                  QStringLiteral("SELECT reason FROM orders WHERE id = ?"), id)
                 .contains(QStringLiteral("compensated")),
             "the order says why it failed");

    // A reserve still in flight when order died may land late; it must be
    // refused or released, never left holding stock.
    QTRY_VERIFY_WITH_TIMEOUT(outstanding(platform(), QStringLiteral("product")) == 0 &&
                                 outstanding(platform(), QStringLiteral("cart")) == 0,
                             5000);
    QVERIFY(m_session->quiesce(seconds(15)));
    QCOMPARE(heldFor(id), qint64(0));
    const AuditReport a = audit(dataDir());
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.pendingOrders, 0);
    QCOMPARE(a.confirmedOrders, 0);
    QCOMPARE(a.heldQuantity, qint64(0));
    QCOMPARE(a.initialStock, a.currentStock);

    const Response shown = call(platform(), QStringLiteral("GET"), QStringLiteral("/orders/") + id);
    QCOMPARE(shown.status, 200);
    QCOMPARE(shown.body.toObject().value(QStringLiteral("status")).toString(),
             QStringLiteral("FAILED"));
    // A retry with the same key gets the recorded failure, not a second order.
    const Response retried = checkout(platform(), QStringLiteral("u6"), QStringLiteral("key-p"));
    QVERIFY2(!retried.ok(), qPrintable(describe(retried)));
    QCOMPARE(ordersWithKey(QStringLiteral("key-p")), qint64(1));
}

// Only the replica running the checkout dies; the other order replica is
// alive and finds the stranded order without any restart.
void TestCheckout::pendingOrderOfAKilledReplicaIsCompensatedByItsPeer()
{
    startShop({{ReserveRoute, 800}});
    fillCart(QStringLiteral("u9"), {{21, 1}, {22, 2}});
    auto pending = submit(platform(), QStringLiteral("POST"), QStringLiteral("/orders"),
                          QJsonObject{{QStringLiteral("user"), QStringLiteral("u9")}},
                          QStringLiteral("key-peer"));
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-peer")),
                              QStringLiteral("PENDING"), 5000);
    const QString id = text(dataDir(), QStringLiteral("order"),
                            QStringLiteral("SELECT id FROM orders WHERE idempotency_key = ?"),
                            QStringLiteral("key-peer"));
    QTRY_VERIFY_WITH_TIMEOUT(heldFor(id) > 0, 5000);
    // "order#2.1@run": the owner's replica index is the number after '#', from 1.
    const QString owner = text(dataDir(), QStringLiteral("order"),
                               QStringLiteral("SELECT owner FROM orders WHERE id = ?"), id);
    const int index =
        owner.section(QLatin1Char('#'), 1).section(QLatin1Char('.'), 0, 0).toInt() - 1;
    QVERIFY2(index >= 0, qPrintable(owner));
    QVERIFY(platform().killReplica(QStringLiteral("order"), index));
    QCOMPARE(await(pending).status, 502);

    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-peer")),
                              QStringLiteral("FAILED"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(outstanding(platform(), QStringLiteral("product")) == 0, 5000);
    QVERIFY(m_session->quiesce(seconds(15)));
    const AuditReport a = audit(dataDir());
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.heldQuantity, qint64(0));
    QCOMPARE(a.pendingOrders, 0);
}

// The process dies in the middle of a checkout that already holds stock;
// the next run in the same data directory finds the PENDING order and gives
// the stock back.
void TestCheckout::pendingOrderFromAPreviousRunIsCompensated()
{
    startShop({{ReserveRoute, 800}});
    fillCart(QStringLiteral("u10"), {{31, 2}, {32, 1}});
    auto pending = submit(platform(), QStringLiteral("POST"), QStringLiteral("/orders"),
                          QJsonObject{{QStringLiteral("user"), QStringLiteral("u10")}},
                          QStringLiteral("key-run"));
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-run")),
                              QStringLiteral("PENDING"), 5000);
    const QString id = text(dataDir(), QStringLiteral("order"),
                            QStringLiteral("SELECT id FROM orders WHERE idempotency_key = ?"),
                            QStringLiteral("key-run"));
    QTRY_VERIFY_WITH_TIMEOUT(heldFor(id) > 0, 5000);
    // The order service goes first (so nobody gets to compensate), then the rest.
    QVERIFY(platform().killService(QStringLiteral("order")));
    QVERIFY(!await(pending).ok());
    m_session->shutdown();
    QCOMPARE(orderStatusByKey(QStringLiteral("key-run")), QStringLiteral("PENDING"));
    QCOMPARE(heldFor(id), qint64(2));
    m_session.reset();

    startShop(); // the next run, same files
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-run")), QStringLiteral("FAILED"),
                              10000);
    QVERIFY(m_session->quiesce(seconds(15)));
    const AuditReport a = audit(dataDir());
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.heldQuantity, qint64(0));
    QCOMPARE(a.initialStock, a.currentStock);
    QCOMPARE(stockOf(platform(), 31), initialStockOf(31));
}

// Scaled 4 → 2 → 4 → 1 → 3, every replica start has a name of its own; a
// PENDING order of a replica that went away in a scale-down is compensated
// even after the slot has a replica again (a reused name would make its dead
// owner look alive, and the order would stay PENDING with its stock held).
void TestCheckout::scalingNeverReusesAnIncarnation()
{
    startShop();
    ServiceHost *order = platform().host(QStringLiteral("order"));
    QVERIFY(order);
    QStringList started;           // every incarnation, in order of first sight
    QHash<QString, QString> first; // replica name ("order#3") → its first incarnation
    for (const int n : {4, 2, 4, 1, 3}) {
        QVERIFY(platform().scaleService(QStringLiteral("order"), n));
        QTRY_COMPARE_WITH_TIMEOUT(order->readyCount(), n, 10000);
        for (const auto &r : order->replicas()) {
            if (!r || started.contains(r->incarnation()))
                continue;
            started << r->incarnation();
            if (!first.contains(r->name()))
                first.insert(r->name(), r->incarnation());
        }
    }
    QCOMPARE(started.size(), 2 + 2 + 2 + 0 + 2); // the first two, then each start after
    QCOMPARE(QSet<QString>(started.begin(), started.end()).size(), started.size());

    // The first order#3 was scaled away at "→ 2"; order#3 exists again now.
    const QString gone = first.value(QStringLiteral("order#3"));
    QVERIFY(!gone.isEmpty());
    for (const auto &r : order->replicas())
        QVERIFY2(!r || r->incarnation() != gone, qPrintable(gone));
    {
        Database db(QDir(dataDir()).filePath(QStringLiteral("order.db")));
        db.prepare(QStringLiteral("INSERT INTO orders (id, user_id, idempotency_key, status, "
                                  "owner, created_at, updated_at) VALUES ('stranded-1', 'u11', "
                                  "'key-stranded', 'PENDING', ?, '2026-01-01', '2026-01-01')"))
            .bind(1, gone)
            .exec();
    }
    QTRY_COMPARE_WITH_TIMEOUT(orderStatusByKey(QStringLiteral("key-stranded")),
                              QStringLiteral("FAILED"), 10000);
}

QTEST_GUILESS_MAIN(TestCheckout)
#include "tst_checkout.moc"
