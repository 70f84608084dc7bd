// Each service's routes, called the way a user (or the order service) calls
// them: through the gateway of a running shop whose three database files
// live in a fresh temporary directory.
#include "auditor.h"
#include "order/orderservice.h"
#include "testsupport.h"

#include <QtTest>

using namespace microcosm;
using namespace microcosm::test;

class TestServices : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    // product
    void listsTheSeededCatalogue();
    void getProduct_data();
    void getProduct();
    void reserveIsIdempotentByOrderId();
    void releaseReturnsStock();
    void reserveAfterReleaseIsRefused();
    void reserveMoreThanInStockIsRefused();
    void reserveWithBadBody_data();
    void reserveWithBadBody();
    void catalogueSurvivesARestartUnchanged();

    // cart
    void emptyCart();
    void addMergesQuantities();
    void removeItem();
    void clearCartLeavesOtherUsersAlone();
    void addWithBadBody_data();
    void addWithBadBody();

    // order
    void orderRoutes();
    void orderRoutesRejectBadInput_data();
    void orderRoutesRejectBadInput();
    void orderHistoryIsAPage();
    void checkoutOfEmptyCartFails();

    // database per service
    void eachServiceOwnsOnlyItsFile();

private:
    Platform &platform() { return m_session->platform(); }
    QString dataDir() const { return m_dir->path(); }
    Response reserve(qint64 productId, const QString &orderId, int quantity)
    {
        return callAs(platform(), QStringLiteral("order"), QStringLiteral("POST"),
                      QStringLiteral("/products/%1/reserve").arg(productId),
                      QJsonObject{{QStringLiteral("orderId"), orderId},
                                  {QStringLiteral("quantity"), quantity}});
    }
    Response release(const QString &orderId)
    {
        return callAs(platform(), QStringLiteral("order"), QStringLiteral("POST"),
                      QStringLiteral("/reservations/%1/release").arg(orderId));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestServices::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_session = std::make_unique<ShopSession>(m_dir->path(), fastShop());
    QVERIFY(m_session->start(seconds(10)));
}

void TestServices::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestServices::listsTheSeededCatalogue()
{
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products"));
    QCOMPARE(r.status, 200);
    const QJsonArray list = r.body.toArray();
    QVERIFY2(list.size() >= 50, qPrintable(QString::number(list.size())));

    const QList<CatalogueItem> seeded = catalogue();
    QCOMPARE(list.size(), seeded.size());
    QSet<qint64> ids;
    for (int i = 0; i < list.size(); ++i) {
        const QJsonObject p = list[i].toObject();
        ids.insert(p.value(QStringLiteral("id")).toInteger());
        QCOMPARE(p.value(QStringLiteral("id")).toInteger(), seeded[i].id);
        QCOMPARE(p.value(QStringLiteral("name")).toString(), seeded[i].name);
        QVERIFY(!seeded[i].name.isEmpty());
        QCOMPARE(p.value(QStringLiteral("priceCents")).toInteger(), seeded[i].priceCents);
        QCOMPARE(p.value(QStringLiteral("stock")).toInteger(), seeded[i].stock);
        QVERIFY(seeded[i].stock > 0);
    }
    QCOMPARE(ids.size(), list.size());
}

void TestServices::getProduct_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<int>("status");
    QTest::newRow("first") << QStringLiteral("1") << 200;
    QTest::newRow("last") << QString::number(catalogue().last().id) << 200;
    QTest::newRow("unknown") << QStringLiteral("999999") << 404;
    QTest::newRow("zero") << QStringLiteral("0") << 404;
    QTest::newRow("not a number") << QStringLiteral("abc") << 400;
}

void TestServices::getProduct()
{
    QFETCH(QString, id);
    QFETCH(int, status);
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products/") + id);
    QCOMPARE(r.status, status);
    if (status == 200) {
        const QJsonObject p = r.body.toObject();
        QCOMPARE(QString::number(p.value(QStringLiteral("id")).toInteger()), id);
        for (const CatalogueItem &item : catalogue())
            if (QString::number(item.id) == id)
                QCOMPARE(p.value(QStringLiteral("name")).toString(), item.name);
    } else {
        QVERIFY2(!r.reason.isEmpty(), "a failure says why");
        QVERIFY2(status != 404 || r.reason.contains(id), qPrintable(r.reason));
    }
}

void TestServices::reserveIsIdempotentByOrderId()
{
    const qint64 before = stockOf(platform(), 3);
    // Reserving is the order service's business: users cannot reach it.
    QCOMPARE(call(platform(), QStringLiteral("POST"), QStringLiteral("/products/3/reserve"),
                  QJsonObject{{QStringLiteral("orderId"), QStringLiteral("mine")},
                              {QStringLiteral("quantity"), 40}})
                 .status,
             404);
    const Response first = reserve(3, QStringLiteral("order-a"), 4);
    QCOMPARE(describe(first), QStringLiteral("200 "));
    const Response second = reserve(3, QStringLiteral("order-a"), 4);
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body.toObject().value(QStringLiteral("replayed")).toBool(), true);
    QCOMPARE(second.body.toObject().value(QStringLiteral("quantity")).toInteger(), 4);

    QCOMPARE(stockOf(platform(), 3), before - 4); // dropped once
    QCOMPARE(scalar(dataDir(), QStringLiteral("product"),
                    QStringLiteral(
                        "SELECT count(*) FROM reservations WHERE order_id = ? AND status = 'HELD'"),
                    QStringLiteral("order-a")),
             qint64(1));

    // A different order for the same product is a different reservation.
    QCOMPARE(reserve(3, QStringLiteral("order-b"), 1).status, 200);
    QCOMPARE(stockOf(platform(), 3), before - 5);
}

void TestServices::releaseReturnsStock()
{
    const qint64 s3 = stockOf(platform(), 3), s4 = stockOf(platform(), 4);
    QCOMPARE(reserve(3, QStringLiteral("order-r"), 2).status, 200);
    QCOMPARE(reserve(4, QStringLiteral("order-r"), 5).status, 200);
    QCOMPARE(stockOf(platform(), 4), s4 - 5);

    const Response r = release(QStringLiteral("order-r"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.toObject().value(QStringLiteral("released")).toInt(), 2);
    QCOMPARE(stockOf(platform(), 3), s3);
    QCOMPARE(stockOf(platform(), 4), s4);

    // Releasing again (a retried compensation) changes nothing.
    const Response again = release(QStringLiteral("order-r"));
    QCOMPARE(again.status, 200);
    QCOMPARE(again.body.toObject().value(QStringLiteral("released")).toInt(), 0);
    QCOMPARE(stockOf(platform(), 3), s3);
    QCOMPARE(stockOf(platform(), 4), s4);
}

// A reserve that arrives after the saga compensated (a late retry) must not
// hold stock nobody will ever release.
void TestServices::reserveAfterReleaseIsRefused()
{
    const qint64 before = stockOf(platform(), 5);
    QCOMPARE(reserve(5, QStringLiteral("order-x"), 1).status, 200);
    QCOMPARE(release(QStringLiteral("order-x")).status, 200);
    const Response late = reserve(5, QStringLiteral("order-x"), 1);
    QCOMPARE(late.status, 409);
    QVERIFY2(late.reason.contains(QStringLiteral("released")), qPrintable(late.reason));
    QCOMPARE(stockOf(platform(), 5), before);

    // Also when the release came first and nothing had been reserved yet.
    QCOMPARE(release(QStringLiteral("order-y")).status, 200);
    QCOMPARE(reserve(5, QStringLiteral("order-y"), 1).status, 409);
    QCOMPARE(stockOf(platform(), 5), before);
}

void TestServices::reserveMoreThanInStockIsRefused()
{
    // Drain product 6 down to 3 in stock, then ask for 4.
    const qint64 stock = stockOf(platform(), 6);
    qint64 left = stock;
    for (int i = 0; left > 3; ++i) {
        const int take = int(std::min<qint64>(1000, left - 3));
        QCOMPARE(reserve(6, QStringLiteral("bulk-%1").arg(i), take).status, 200);
        left -= take;
    }
    QCOMPARE(stockOf(platform(), 6), qint64(3));
    const Response r = reserve(6, QStringLiteral("too-many"), 4);
    QCOMPARE(r.status, 409);
    QVERIFY2(r.reason.contains(QStringLiteral("out of stock")), qPrintable(r.reason));
    QCOMPARE(stockOf(platform(), 6), qint64(3));
    QCOMPARE(reserve(6, QStringLiteral("exactly"), 3).status, 200);
    QCOMPARE(stockOf(platform(), 6), qint64(0));
    QCOMPARE(reserve(6, QStringLiteral("one-more"), 1).status, 409);
    QCOMPARE(stockOf(platform(), 6), qint64(0));
}

void TestServices::reserveWithBadBody_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reasonMentions");

    const QString p7 = QStringLiteral("/products/7/reserve");
    QTest::newRow("no body") << p7 << QJsonValue() << 400 << QStringLiteral("orderId");
    QTest::newRow("no order id") << p7 << QJsonValue(QJsonObject{{QStringLiteral("quantity"), 1}})
                                 << 400 << QStringLiteral("orderId");
    QTest::newRow("zero quantity")
        << p7
        << QJsonValue(QJsonObject{{QStringLiteral("orderId"), QStringLiteral("o")},
                                  {QStringLiteral("quantity"), 0}})
        << 400 << QStringLiteral("quantity");
    QTest::newRow("negative quantity")
        << p7
        << QJsonValue(QJsonObject{{QStringLiteral("orderId"), QStringLiteral("o")},
                                  {QStringLiteral("quantity"), -2}})
        << 400 << QStringLiteral("quantity");
    QTest::newRow("fractional quantity")
        << p7
        << QJsonValue(QJsonObject{{QStringLiteral("orderId"), QStringLiteral("o")},
                                  {QStringLiteral("quantity"), 1.5}})
        << 400 << QStringLiteral("quantity");
    QTest::newRow("quantity as text")
        << p7
        << QJsonValue(QJsonObject{{QStringLiteral("orderId"), QStringLiteral("o")},
                                  {QStringLiteral("quantity"), QStringLiteral("2")}})
        << 400 << QStringLiteral("quantity");
    QTest::newRow("unknown product")
        << QStringLiteral("/products/999999/reserve")
        << QJsonValue(QJsonObject{{QStringLiteral("orderId"), QStringLiteral("o")},
                                  {QStringLiteral("quantity"), 1}})
        << 404 << QStringLiteral("999999");
    QTest::newRow("product id not a number")
        << QStringLiteral("/products/seven/reserve")
        << QJsonValue(QJsonObject{{QStringLiteral("orderId"), QStringLiteral("o")},
                                  {QStringLiteral("quantity"), 1}})
        << 400 << QStringLiteral("number");
}

void TestServices::reserveWithBadBody()
{
    QFETCH(QString, path);
    QFETCH(QJsonValue, body);
    QFETCH(int, status);
    QFETCH(QString, reasonMentions);
    const qint64 before = stockOf(platform(), 7);
    const Response r =
        callAs(platform(), QStringLiteral("order"), QStringLiteral("POST"), path, body);
    QCOMPARE(r.status, status);
    QVERIFY2(r.reason.contains(reasonMentions), qPrintable(r.reason));
    QCOMPARE(stockOf(platform(), 7), before);
    QCOMPARE(scalar(dataDir(), QStringLiteral("product"),
                    QStringLiteral("SELECT count(*) FROM reservations")),
             qint64(0));
}

// Restarting the product service must neither reseed nor lose stock.
void TestServices::catalogueSurvivesARestartUnchanged()
{
    QCOMPARE(reserve(2, QStringLiteral("order-keep"), 9).status, 200);
    const qint64 after = stockOf(platform(), 2);
    QVERIFY(platform().killService(QStringLiteral("product")));
    QVERIFY(platform().restartService(QStringLiteral("product")));
    QVERIFY(m_session->waitReady(seconds(10)));
    QCOMPARE(stockOf(platform(), 2), after);
    QCOMPARE(scalar(dataDir(), QStringLiteral("product"),
                    QStringLiteral("SELECT count(*) FROM products")),
             qint64(catalogue().size()));
}

void TestServices::emptyCart()
{
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/carts/alice"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.toObject().value(QStringLiteral("user")).toString(), QStringLiteral("alice"));
    QVERIFY(r.body.toObject().value(QStringLiteral("items")).isArray());
    QCOMPARE(r.body.toObject().value(QStringLiteral("items")).toArray().size(), 0);
}

void TestServices::addMergesQuantities()
{
    QCOMPARE(addToCart(platform(), QStringLiteral("alice"), 12, 2).status, 201);
    QCOMPARE(addToCart(platform(), QStringLiteral("alice"), 12, 3).status, 201);
    QCOMPARE(addToCart(platform(), QStringLiteral("alice"), 5, 1).status, 201);
    const QJsonArray items = cartItems(platform(), QStringLiteral("alice"));
    QCOMPARE(items.size(), 2);
    QCOMPARE(items[0].toObject().value(QStringLiteral("productId")).toInteger(), 5);
    QCOMPARE(items[0].toObject().value(QStringLiteral("quantity")).toInteger(), 1);
    QCOMPARE(items[1].toObject().value(QStringLiteral("productId")).toInteger(), 12);
    QCOMPARE(items[1].toObject().value(QStringLiteral("quantity")).toInteger(), 5);
    // The cart is in cart.db, nowhere else.
    QCOMPARE(scalar(dataDir(), QStringLiteral("cart"),
                    QStringLiteral("SELECT sum(quantity) FROM cart_items WHERE user_id = ?"),
                    QStringLiteral("alice")),
             qint64(6));
}

void TestServices::removeItem()
{
    QCOMPARE(addToCart(platform(), QStringLiteral("bob"), 1, 1).status, 201);
    QCOMPARE(addToCart(platform(), QStringLiteral("bob"), 2, 2).status, 201);
    const Response r =
        call(platform(), QStringLiteral("DELETE"), QStringLiteral("/carts/bob/items/1"));
    QCOMPARE(r.status, 200);
    const QJsonArray items = cartItems(platform(), QStringLiteral("bob"));
    QCOMPARE(items.size(), 1);
    QCOMPARE(items[0].toObject().value(QStringLiteral("productId")).toInteger(), 2);

    const Response again =
        call(platform(), QStringLiteral("DELETE"), QStringLiteral("/carts/bob/items/1"));
    QCOMPARE(again.status, 404);
    QVERIFY(!again.reason.isEmpty());
    QCOMPARE(
        call(platform(), QStringLiteral("DELETE"), QStringLiteral("/carts/bob/items/x")).status,
        400);
    QCOMPARE(cartItems(platform(), QStringLiteral("bob")).size(), 1);
}

void TestServices::clearCartLeavesOtherUsersAlone()
{
    QCOMPARE(addToCart(platform(), QStringLiteral("carol"), 1, 1).status, 201);
    QCOMPARE(addToCart(platform(), QStringLiteral("carol"), 2, 1).status, 201);
    QCOMPARE(addToCart(platform(), QStringLiteral("dave"), 3, 1).status, 201);
    const Response r = call(platform(), QStringLiteral("DELETE"), QStringLiteral("/carts/carol"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.toObject().value(QStringLiteral("cleared")).toInt(), 2);
    QCOMPARE(cartItems(platform(), QStringLiteral("carol")).size(), 0);
    QCOMPARE(cartItems(platform(), QStringLiteral("dave")).size(), 1);
    // Clearing an empty cart is fine (the outbox may retry it).
    QCOMPARE(call(platform(), QStringLiteral("DELETE"), QStringLiteral("/carts/carol")).status,
             200);
}

void TestServices::addWithBadBody_data()
{
    QTest::addColumn<QJsonValue>("body");
    QTest::addColumn<QString>("reasonMentions");
    auto item = [](QJsonValue productId, QJsonValue quantity) {
        QJsonObject o;
        if (!productId.isUndefined())
            o.insert(QStringLiteral("productId"), productId);
        if (!quantity.isUndefined())
            o.insert(QStringLiteral("quantity"), quantity);
        return QJsonValue(o);
    };
    QTest::newRow("no body") << QJsonValue() << QStringLiteral("productId");
    QTest::newRow("body is a list") << QJsonValue(QJsonArray{1, 2}) << QStringLiteral("productId");
    QTest::newRow("no product") << item(QJsonValue::Undefined, 1) << QStringLiteral("productId");
    QTest::newRow("product as text")
        << item(QStringLiteral("12"), 1) << QStringLiteral("productId");
    QTest::newRow("negative product") << item(-1, 1) << QStringLiteral("productId");
    QTest::newRow("no quantity") << item(12, QJsonValue::Undefined) << QStringLiteral("quantity");
    QTest::newRow("zero quantity") << item(12, 0) << QStringLiteral("quantity");
    QTest::newRow("quantity over 99") << item(12, 100) << QStringLiteral("quantity");
    QTest::newRow("fractional quantity") << item(12, 0.5) << QStringLiteral("quantity");
    QTest::newRow("quantity null") << item(12, QJsonValue::Null) << QStringLiteral("quantity");
    // Beyond any 64-bit integer: refused without converting (found by fuzz_request).
    QTest::newRow("product id 8.9e95") << item(8.9e95, 1) << QStringLiteral("productId");
    QTest::newRow("quantity 1e300") << item(12, 1e300) << QStringLiteral("quantity");
}

void TestServices::addWithBadBody()
{
    QFETCH(QJsonValue, body);
    QFETCH(QString, reasonMentions);
    const Response r =
        call(platform(), QStringLiteral("POST"), QStringLiteral("/carts/erin/items"), body);
    QCOMPARE(r.status, 400);
    QVERIFY2(r.reason.contains(reasonMentions), qPrintable(r.reason));
    QCOMPARE(r.outcome, Outcome::ClientError);
    QCOMPARE(cartItems(platform(), QStringLiteral("erin")).size(), 0);
}

void TestServices::orderRoutes()
{
    QCOMPARE(addToCart(platform(), QStringLiteral("u1"), 10, 2).status, 201);
    const Response placed = checkout(platform(), QStringLiteral("u1"), QStringLiteral("key-u1-1"));
    QCOMPARE(describe(placed), QStringLiteral("201 "));
    const QString id = placed.body.toObject().value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(addToCart(platform(), QStringLiteral("u2"), 11, 1).status, 201);
    QCOMPARE(checkout(platform(), QStringLiteral("u2"), QStringLiteral("key-u2-1")).status, 201);

    const Response one = call(platform(), QStringLiteral("GET"), QStringLiteral("/orders/") + id);
    QCOMPARE(one.status, 200);
    const QJsonObject order = one.body.toObject();
    QCOMPARE(order.value(QStringLiteral("id")).toString(), id);
    QCOMPARE(order.value(QStringLiteral("user")).toString(), QStringLiteral("u1"));
    QCOMPARE(order.value(QStringLiteral("status")).toString(), QStringLiteral("CONFIRMED"));
    const QJsonArray items = order.value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items[0].toObject().value(QStringLiteral("productId")).toInteger(), 10);
    QCOMPARE(items[0].toObject().value(QStringLiteral("quantity")).toInteger(), 2);
    qint64 price = 0;
    for (const CatalogueItem &c : catalogue())
        if (c.id == 10)
            price = c.priceCents;
    QCOMPARE(order.value(QStringLiteral("totalCents")).toInteger(), 2 * price);

    const Response mine =
        call(platform(), QStringLiteral("GET"), QStringLiteral("/orders?user=u1"));
    QCOMPARE(mine.status, 200);
    QCOMPARE(mine.body.toArray().size(), 1);
    QCOMPARE(mine.body.toArray()[0].toObject().value(QStringLiteral("id")).toString(), id);

    const Response nobody =
        call(platform(), QStringLiteral("GET"), QStringLiteral("/orders?user=nobody"));
    QCOMPARE(nobody.status, 200);
    QCOMPARE(nobody.body.toArray().size(), 0);
}

void TestServices::orderRoutesRejectBadInput_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QJsonValue>("body");
    QTest::addColumn<QString>("key");
    QTest::addColumn<int>("status");

    const QJsonValue u1(QJsonObject{{QStringLiteral("user"), QStringLiteral("u1")}});
    QTest::newRow("unknown order") << "GET"
                                   << "/orders/does-not-exist" << QJsonValue() << QString() << 404;
    QTest::newRow("list without user") << "GET"
                                       << "/orders" << QJsonValue() << QString() << 400;
    QTest::newRow("list with empty user") << "GET"
                                          << "/orders?user=" << QJsonValue() << QString() << 400;
    QTest::newRow("history limit zero")
        << "GET"
        << "/orders?user=u1&limit=0" << QJsonValue() << QString() << 400;
    QTest::newRow("history limit over the most")
        << "GET"
        << "/orders?user=u1&limit=101" << QJsonValue() << QString() << 400;
    QTest::newRow("history limit not a number")
        << "GET"
        << "/orders?user=u1&limit=all" << QJsonValue() << QString() << 400;
    QTest::newRow("checkout without key") << "POST"
                                          << "/orders" << u1 << QString() << 400;
    QTest::newRow("checkout without user") << "POST"
                                           << "/orders" << QJsonValue(QJsonObject{}) << "k1" << 400;
    QTest::newRow("checkout user not text")
        << "POST"
        << "/orders" << QJsonValue(QJsonObject{{QStringLiteral("user"), 5}}) << "k2" << 400;
}

void TestServices::orderRoutesRejectBadInput()
{
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QJsonValue, body);
    QFETCH(QString, key);
    QFETCH(int, status);
    const Response r = call(platform(), method, path, body, key);
    QVERIFY2(r.status == status, qPrintable(describe(r)));
    QVERIFY(!r.reason.isEmpty());
    QCOMPARE(
        scalar(dataDir(), QStringLiteral("order"), QStringLiteral("SELECT count(*) FROM orders")),
        qint64(0));
}

// The history is a page, newest first: 20 orders unless 'limit' asks for
// 1 to 100, so reading it costs the same however many orders a user has.
void TestServices::orderHistoryIsAPage()
{
    const int placed = OrderService::HistoryPage + 2;
    for (int i = 0; i < placed; ++i) {
        QCOMPARE(addToCart(platform(), QStringLiteral("pat"), 1 + i % 5, 1).status, 201);
        QCOMPARE(
            checkout(platform(), QStringLiteral("pat"), QStringLiteral("pat-%1").arg(i)).status,
            201);
    }
    const auto history = [&](const QString &query) {
        const Response r =
            call(platform(), QStringLiteral("GET"), QStringLiteral("/orders?user=pat") + query);
        return r.status == 200 ? r.body.toArray().size() : -r.status;
    };
    QCOMPARE(history(QString()), qsizetype(OrderService::HistoryPage));
    QCOMPARE(history(QStringLiteral("&limit=3")), qsizetype(3));
    QCOMPARE(history(QStringLiteral("&limit=1")), qsizetype(1));
    QCOMPARE(history(QStringLiteral("&limit=100")), qsizetype(placed));
    // Newest first: the page of one is the newest of the whole history.
    const Response all =
        call(platform(), QStringLiteral("GET"), QStringLiteral("/orders?user=pat&limit=100"));
    const Response one =
        call(platform(), QStringLiteral("GET"), QStringLiteral("/orders?user=pat&limit=1"));
    QString newest;
    for (const QJsonValue &o : all.body.toArray())
        newest = std::max(newest, o.toObject().value(QStringLiteral("createdAt")).toString());
    QCOMPARE(one.body.toArray().at(0).toObject().value(QStringLiteral("createdAt")).toString(),
             newest);
}

void TestServices::checkoutOfEmptyCartFails()
{
    const Response r =
        checkout(platform(), QStringLiteral("empty-handed"), QStringLiteral("k-empty"));
    QCOMPARE(r.status, 409);
    QVERIFY2(r.reason.contains(QStringLiteral("empty")), qPrintable(r.reason));
    QCOMPARE(text(dataDir(), QStringLiteral("order"),
                  QStringLiteral("SELECT status FROM orders WHERE idempotency_key = ?"),
                  QStringLiteral("k-empty")),
             QStringLiteral("FAILED"));
    QVERIFY(m_session->quiesce(seconds(10)));
    const AuditReport a = audit(dataDir());
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.confirmedOrders, 0);
}

void TestServices::eachServiceOwnsOnlyItsFile()
{
    QCOMPARE(addToCart(platform(), QStringLiteral("u9"), 1, 1).status, 201);
    QCOMPARE(checkout(platform(), QStringLiteral("u9"), QStringLiteral("k9")).status, 201);
    const QHash<QString, QStringList> expected{
        {QStringLiteral("product"),
         {QStringLiteral("products"), QStringLiteral("reservations"),
          QStringLiteral("released_orders"), QStringLiteral("restocks")}},
        {QStringLiteral("cart"), {QStringLiteral("cart_items")}},
        {QStringLiteral("order"),
         {QStringLiteral("orders"), QStringLiteral("order_items"), QStringLiteral("outbox")}},
    };
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        Database db(QDir(dataDir()).filePath(it.key() + QStringLiteral(".db")),
                    Database::Mode::ReadOnly);
        auto q = db.prepare(QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name"));
        QStringList tables;
        while (q.next())
            tables << q.text(0);
        QStringList want = it.value();
        want.sort();
        QCOMPARE(tables, want);
    }
    QStringList files =
        QDir(dataDir()).entryList({QStringLiteral("*.db")}, QDir::Files, QDir::Name);
    QCOMPARE(files, (QStringList{QStringLiteral("cart.db"), QStringLiteral("order.db"),
                                 QStringLiteral("product.db")}));
}

QTEST_GUILESS_MAIN(TestServices)
#include "tst_services.moc"
