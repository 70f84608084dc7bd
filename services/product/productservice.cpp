#include "productservice.h"

#include "datafiles.h"
#include "shopjson.h"
#include "sqlite.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace microcosm {

using namespace shop;

const char *ProductService::schema()
{
    return R"(
CREATE TABLE IF NOT EXISTS products (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    price_cents   INTEGER NOT NULL CHECK (price_cents >= 0),
    stock         INTEGER NOT NULL CHECK (stock >= 0),
    initial_stock INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reservations (
    order_id    TEXT    NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    status      TEXT    NOT NULL CHECK (status IN ('HELD', 'RELEASED')),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
CREATE TABLE IF NOT EXISTS released_orders (
    order_id    TEXT PRIMARY KEY,
    released_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS restocks (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    restocked_at TEXT   NOT NULL
);
)";
}

const DataFileKind &ProductService::dataFile()
{
    static const DataFileKind kind{QStringLiteral("product"), 0x4D435052, 2, schema(), 1};
    return kind;
}

QList<RouteSpec> ProductService::routes() const
{
    return {
        {QStringLiteral("GET"), QStringLiteral("/products"), true},
        {QStringLiteral("GET"), QStringLiteral("/products/{id}"), true},
        {QStringLiteral("POST"), QStringLiteral("/products/{id}/reserve"), true, true},
        {QStringLiteral("POST"), QStringLiteral("/reservations/{orderId}/release"), true, true}};
}

void ProductService::seed(Database &db)
{
    QFile file(QStringLiteral(":/catalogue.json"));
    if (!file.open(QIODevice::ReadOnly))
        throw DbError(QStringLiteral("catalogue resource missing"), 1);
    const QJsonArray products = QJsonDocument::fromJson(file.readAll())
                                    .object()
                                    .value(QStringLiteral("products"))
                                    .toArray();
    auto insert = db.prepare(QStringLiteral("INSERT INTO products (id, name, price_cents, stock, "
                                            "initial_stock) VALUES (?, ?, ?, ?, ?)"));
    for (const QJsonValue &v : products) {
        const QJsonObject p = v.toObject();
        insert.bind(1, qint64(p.value(QStringLiteral("id")).toInteger()))
            .bind(2, p.value(QStringLiteral("name")).toString())
            .bind(3, qint64(p.value(QStringLiteral("priceCents")).toInteger()))
            .bind(4, qint64(p.value(QStringLiteral("stock")).toInteger()))
            .bind(5, qint64(p.value(QStringLiteral("stock")).toInteger()))
            .exec();
    }
}

void ProductService::migrate(Database &db)
{
    // The catalogue is seeded once, when the file is made, in the same
    // transaction as the schema and the stamp; never again (an empty
    // catalogue in a file that has been made is not one to fill in).
    prepareServiceFile(db, dataFile(), &ProductService::seed);
}

namespace {

// A product as JSON text, {"id":…,"name":…,"priceCents":…,"stock":…}: the
// list and the product page are written straight from the row, no values
// built between (what the allocation figure counts).
void appendProduct(QByteArray &out, const Query &s)
{
    JsonObjectWriter(out)
        .member("id", s.int64(0))
        .member("name", s.utf8(1))
        .member("priceCents", s.int64(2))
        .member("stock", s.int64(3))
        .close();
}

Response reserve(const Request &request, Database &db)
{
    bool idOk = false;
    const qint64 productId = request.param(QStringLiteral("id")).toLongLong(&idOk);
    QString orderId, error;
    qint64 quantity = 0;
    if (!idOk)
        return Response::error(400, QStringLiteral("product id must be a number"));
    const QJsonValue body = request.body.value(); // text is parsed once
    if (!nonEmptyString(body, QStringLiteral("orderId"), &orderId, &error) ||
        !positiveInt(body, QStringLiteral("quantity"), 1000, &quantity, &error))
        return Response::error(400, error);

    Transaction tx(db);
    auto product = db.prepare(
        QStringLiteral("SELECT id, name, price_cents, stock FROM products WHERE id = ?"));
    product.bind(1, productId);
    if (!product.next())
        return Response::error(404, QStringLiteral("no product %1").arg(productId));
    const qint64 priceCents = product.int64(2);
    const qint64 stock = product.int64(3);

    auto released = db.prepare(QStringLiteral("SELECT 1 FROM released_orders WHERE order_id = ?"));
    released.bind(1, orderId);
    if (released.next())
        return Response::error(409, QStringLiteral("order %1 was already released").arg(orderId));

    auto existing = db.prepare(
        QStringLiteral("SELECT quantity FROM reservations WHERE order_id = ? AND product_id = ?"));
    existing.bind(1, orderId).bind(2, productId);
    // {"orderId":…,"priceCents":…,"productId":…,"quantity":…}, and
    // "replayed":true for a reservation already made (idempotent: same
    // order, same answer), written as text: the order service parses it
    // once, cheaper than building it.
    auto answer = [&](bool replayed) {
        QByteArray text;
        text.reserve(128);
        JsonObjectWriter object(text);
        object.member("orderId", orderId.toUtf8())
            .member("priceCents", priceCents)
            .member("productId", productId)
            .member("quantity", quantity);
        if (replayed)
            object.keyed("replayed").append("true");
        const qsizetype members = object.close();
        return Response::make(200, Body::fromJsonText(std::move(text), members));
    };
    if (existing.next())
        return answer(true);
    if (stock < quantity)
        return Response::error(409, QStringLiteral("out of stock: product %1 has %2, wanted %3")
                                        .arg(productId)
                                        .arg(stock)
                                        .arg(quantity));
    db.prepare(QStringLiteral("UPDATE products SET stock = stock - ? WHERE id = ?"))
        .bind(1, quantity)
        .bind(2, productId)
        .exec();
    db.prepare(QStringLiteral("INSERT INTO reservations (order_id, product_id, quantity, status, "
                              "created_at) VALUES (?, ?, ?, 'HELD', ?)"))
        .bind(1, orderId)
        .bind(2, productId)
        .bind(3, quantity)
        .bind(4, nowText())
        .exec();
    tx.commit();
    return answer(false);
}

Response release(const Request &request, Database &db)
{
    const QString orderId = request.param(QStringLiteral("orderId"));
    if (orderId.isEmpty())
        return Response::error(400, QStringLiteral("order id missing"));
    Transaction tx(db);
    db.prepare(QStringLiteral("UPDATE products SET stock = stock + (SELECT quantity FROM "
                              "reservations r WHERE r.order_id = ?1 AND r.product_id = products.id "
                              "AND r.status = 'HELD') WHERE id IN (SELECT product_id FROM "
                              "reservations WHERE order_id = ?1 AND status = 'HELD')"))
        .bind(1, orderId)
        .exec();
    const int n = db.prepare(QStringLiteral("UPDATE reservations SET status = 'RELEASED' "
                                            "WHERE order_id = ? AND status = 'HELD'"))
                      .bind(1, orderId)
                      .exec();
    db.prepare(QStringLiteral(
                   "INSERT OR IGNORE INTO released_orders (order_id, released_at) VALUES (?, ?)"))
        .bind(1, orderId)
        .bind(2, nowText())
        .exec();
    tx.commit();
    return Response::make(
        200, QJsonObject{{QStringLiteral("orderId"), orderId}, {QStringLiteral("released"), n}});
}

} // namespace

Duration ProductService::maintenancePeriod() const
{
    return m_restock.enabled() ? m_restock.every : Duration::zero();
}

void ProductService::maintain(WorkerContext &ctx)
{
    if (!m_restock.enabled())
        return;
    Database &db = ctx.db();
    Transaction tx(db);
    std::vector<std::pair<qint64, qint64>> low; // product, units to add
    {
        auto s = db.prepare(QStringLiteral("SELECT id, stock FROM products WHERE stock < ?"));
        s.bind(1, m_restock.below);
        while (s.next())
            if (s.int64(1) < m_restock.upTo)
                low.emplace_back(s.int64(0), m_restock.upTo - s.int64(1));
    }
    if (low.empty())
        return;
    const QString now = nowText();
    auto add = db.prepare(QStringLiteral("UPDATE products SET stock = stock + ? WHERE id = ?"));
    auto note = db.prepare(QStringLiteral(
        "INSERT INTO restocks (product_id, quantity, restocked_at) VALUES (?, ?, ?)"));
    qint64 units = 0;
    for (const auto &[id, quantity] : low) {
        add.bind(1, quantity).bind(2, id).exec();
        note.bind(1, id).bind(2, quantity).bind(3, now).exec();
        units += quantity;
    }
    tx.commit();
    ctx.event(QStringLiteral("restock"),
              QStringLiteral("restocked %1 product(s) below %2 up to %3: +%4 units")
                  .arg(low.size())
                  .arg(m_restock.below)
                  .arg(m_restock.upTo)
                  .arg(units));
}

Response ProductService::handle(const Request &request, WorkerContext &ctx)
{
    Database &db = ctx.db();
    if (request.route == QLatin1String("GET /products")) {
        auto s = db.prepare(
            QStringLiteral("SELECT id, name, price_cents, stock FROM products ORDER BY id"));
        // The last list's length, so the next is written into one buffer.
        thread_local qsizetype lastSize = 4096;
        QByteArray list;
        list.reserve(lastSize + lastSize / 8);
        list.append('[');
        qsizetype n = 0;
        while (s.next()) {
            if (n++ > 0)
                list.append(',');
            appendProduct(list, s);
        }
        list.append(']');
        lastSize = list.size();
        return Response::make(200, Body::fromJsonText(std::move(list), n));
    }
    if (request.route == QLatin1String("GET /products/{id}")) {
        bool ok = false;
        const qint64 id = request.param(QStringLiteral("id")).toLongLong(&ok);
        if (!ok)
            return Response::error(400, QStringLiteral("product id must be a number"));
        auto s = db.prepare(
            QStringLiteral("SELECT id, name, price_cents, stock FROM products WHERE id = ?"));
        s.bind(1, id);
        if (!s.next())
            return Response::error(404, QStringLiteral("no product %1").arg(id));
        QByteArray product;
        product.reserve(128);
        appendProduct(product, s);
        return Response::make(200, Body::fromJsonText(std::move(product), 4));
    }
    if (request.route == QLatin1String("POST /products/{id}/reserve"))
        return reserve(request, db);
    if (request.route == QLatin1String("POST /reservations/{orderId}/release"))
        return release(request, db);
    return Response::error(404, QStringLiteral("product has no route %1").arg(request.route));
}

} // namespace microcosm
