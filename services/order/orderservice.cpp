#include "orderservice.h"

#include "datafiles.h"
#include "shopjson.h"
#include "sqlite.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

namespace microcosm {

using namespace shop;

const char *OrderService::schema()
{
    return R"(
CREATE TABLE IF NOT EXISTS orders (
    id              TEXT    PRIMARY KEY,
    user_id         TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'FAILED')),
    owner           TEXT    NOT NULL,
    reason          TEXT,
    total_cents     INTEGER,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS order_items (
    order_id   TEXT    NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   TEXT    NOT NULL REFERENCES orders(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('release-stock', 'clear-cart')),
    user_id    TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id);
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status);
)";
}

const DataFileKind &OrderService::dataFile()
{
    static const DataFileKind kind{QStringLiteral("order"), 0x4D434F52, 1, schema()};
    return kind;
}

QList<RouteSpec> OrderService::routes() const
{
    // POST /orders is not idempotent by itself; the Idempotency-Key makes it safe to retry.
    return {{QStringLiteral("POST"), QStringLiteral("/orders"), false},
            {QStringLiteral("GET"), QStringLiteral("/orders/{id}"), true},
            {QStringLiteral("GET"), QStringLiteral("/orders"), true}};
}

void OrderService::migrate(Database &db)
{
    prepareServiceFile(db, dataFile());
}

namespace {

// An order as JSON text, straight from its rows, with Qt's order of keys:
// {"createdAt","id","items":[{"productId","quantity"}…],"reason"?,"status",
// "totalCents","user"}. Returns how many members it wrote: 0, and nothing
// written, for an unknown id.
qsizetype appendOrder(QByteArray &out, Database &db, const QString &id)
{
    auto o = db.prepare(QStringLiteral("SELECT id, user_id, status, reason, total_cents, "
                                       "created_at FROM orders WHERE id = ?"));
    o.bind(1, id);
    if (!o.next())
        return 0;
    JsonObjectWriter order(out);
    order.member("createdAt", o.utf8(5)).member("id", o.utf8(0));
    QByteArray &list = order.keyed("items");
    list.append('[');
    auto items = db.prepare(QStringLiteral(
        "SELECT product_id, quantity FROM order_items WHERE order_id = ? ORDER BY product_id"));
    items.bind(1, id);
    for (int n = 0; items.next(); ++n) {
        if (n > 0)
            list.append(',');
        JsonObjectWriter(list)
            .member("productId", items.int64(0))
            .member("quantity", items.int64(1))
            .close();
    }
    list.append(']');
    if (!o.isNull(3))
        order.member("reason", o.utf8(3));
    order.member("status", o.utf8(2)).member("totalCents", o.int64(4)).member("user", o.utf8(1));
    return order.close();
}

Request internalRequest(const QString &method, const QString &path, Body body = {})
{
    Request r;
    r.method = method;
    r.path = path;
    r.body = std::move(body);
    return r;
}

QString downstreamReason(const QString &service, const Response &r)
{
    return QStringLiteral("%1: %2").arg(service,
                                        r.reason.isEmpty() ? QString::number(r.status) : r.reason);
}

} // namespace

Response OrderService::handle(const Request &request, WorkerContext &ctx)
{
    Database &db = ctx.db();
    if (request.route == QLatin1String("POST /orders"))
        return checkout(request, ctx);
    if (request.route == QLatin1String("GET /orders/{id}")) {
        QByteArray order;
        order.reserve(512);
        const qsizetype members = appendOrder(order, db, request.param(QStringLiteral("id")));
        if (members == 0)
            return Response::error(
                404, QStringLiteral("no order %1").arg(request.param(QStringLiteral("id"))));
        return Response::make(200, Body::fromJsonText(std::move(order), members));
    }
    if (request.route == QLatin1String("GET /orders")) {
        const QString user = request.param(QStringLiteral("user"));
        if (user.isEmpty())
            return Response::error(400, QStringLiteral("query parameter 'user' is required"));
        // A page of the history, newest first: HistoryPage orders unless
        // 'limit' asks for 1 to HistoryMax. A whole history would grow with
        // every order its user places, and so would the cost of reading it:
        // a shop under steady load would slow down for ever.
        qint64 limit = HistoryPage;
        if (const QString text = request.param(QStringLiteral("limit")); !text.isEmpty()) {
            bool ok = false;
            limit = text.toLongLong(&ok);
            if (!ok || limit < 1 || limit > HistoryMax)
                return Response::error(400, QStringLiteral("query parameter 'limit' must be a "
                                                           "whole number from 1 to %1, not '%2'")
                                                .arg(HistoryMax)
                                                .arg(text.left(40)));
        }
        QStringList ids;
        {
            auto s = db.prepare(QStringLiteral(
                "SELECT id FROM orders WHERE user_id = ? ORDER BY created_at DESC LIMIT ?"));
            s.bind(1, user).bind(2, limit);
            while (s.next())
                ids << s.text(0);
        }
        QByteArray list;
        list.reserve(256 * (ids.size() + 1));
        list.append('[');
        qsizetype n = 0;
        for (const QString &id : ids) {
            if (n > 0)
                list.append(',');
            if (appendOrder(list, db, id) > 0)
                ++n;
            else if (n > 0)
                list.chop(1); // gone between the two reads: left out
        }
        list.append(']');
        return Response::make(200, Body::fromJsonText(std::move(list), n));
    }
    return Response::error(404, QStringLiteral("order has no route %1").arg(request.route));
}

Response OrderService::checkout(const Request &request, WorkerContext &ctx)
{
    Database &db = ctx.db();
    const QString key = request.idempotencyKey;
    if (key.isEmpty() || key.size() > 200)
        return Response::error(
            400, QStringLiteral("header Idempotency-Key is required (1 to 200 characters)"));
    QString user, error;
    if (!nonEmptyString(request.body.value(), QStringLiteral("user"), &user, &error))
        return Response::error(400, error);
    if (!validUserId(user))
        return Response::error(400,
                               QStringLiteral("field 'user' must be letters, digits or - _ . @"));

    // Step 1: the order, PENDING, under its key — or the first answer for that key.
    QString orderId;
    {
        Transaction tx(db);
        auto existing =
            db.prepare(QStringLiteral("SELECT id, status, response_status, response_body, user_id "
                                      "FROM orders WHERE idempotency_key = ?"));
        existing.bind(1, key);
        if (existing.next()) {
            if (existing.text(4) != user)
                return Response::error(
                    409, QStringLiteral("Idempotency-Key %1 was used for another user").arg(key));
            if (existing.text(1) == QLatin1String("PENDING"))
                return Response::error(
                    409, QStringLiteral("checkout %1 is still in progress").arg(existing.text(0)));
            Response first = Response::make(
                existing.integer(2), QJsonDocument::fromJson(existing.text(3).toUtf8()).object());
            if (!first.ok())
                first.reason = first.body.toObject().value(QStringLiteral("reason")).toString();
            else
                first.location = QStringLiteral("/orders/") + existing.text(0);
            first.replayed = true;
            return first;
        }
        orderId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const QString now = nowText();
        db.prepare(
              QStringLiteral("INSERT INTO orders (id, user_id, idempotency_key, status, owner, "
                             "created_at, updated_at) VALUES (?, ?, ?, 'PENDING', ?, ?, ?)"))
            .bind(1, orderId)
            .bind(2, user)
            .bind(3, key)
            .bind(4, ctx.incarnation())
            .bind(5, now)
            .bind(6, now)
            .exec();
        tx.commit();
    }

    // Step 2: what is in the cart.
    const Response cart =
        ctx.call(internalRequest(QStringLiteral("GET"), QStringLiteral("/carts/") + user));
    if (!cart.ok())
        return fail(ctx, orderId, cart.status >= 500 ? cart.status : 502,
                    downstreamReason(QStringLiteral("cart"), cart));
    const QJsonArray items = cart.body.toObject().value(QStringLiteral("items")).toArray();
    if (items.isEmpty())
        return fail(ctx, orderId, 409, QStringLiteral("cart is empty"));
    {
        Transaction tx(db);
        for (const QJsonValue &v : items) {
            const QJsonObject item = v.toObject();
            db
                .prepare(QStringLiteral(
                    "INSERT INTO order_items (order_id, product_id, quantity) VALUES (?, ?, ?)"))
                .bind(1, orderId)
                .bind(2, qint64(item.value(QStringLiteral("productId")).toInteger()))
                .bind(3, qint64(item.value(QStringLiteral("quantity")).toInteger()))
                .exec();
        }
        tx.commit();
    }

    // Step 3: reserve every item at product.
    qint64 total = 0;
    for (const QJsonValue &v : items) {
        const QJsonObject item = v.toObject();
        const qint64 productId = item.value(QStringLiteral("productId")).toInteger();
        // {"orderId":…,"quantity":…}, written as text (product parses it once).
        QByteArray reservation;
        reservation.reserve(96);
        const qsizetype members =
            JsonObjectWriter(reservation)
                .member("orderId", orderId.toUtf8())
                .member("quantity", item.value(QStringLiteral("quantity")).toInteger())
                .close();
        const Response reserved = ctx.call(internalRequest(
            QStringLiteral("POST"), QStringLiteral("/products/%1/reserve").arg(productId),
            Body::fromJsonText(std::move(reservation), members)));
        if (!reserved.ok())
            return fail(ctx, orderId,
                        reserved.status == 409 || reserved.status == 404
                            ? 409
                            : (reserved.status >= 500 ? reserved.status : 502),
                        downstreamReason(QStringLiteral("product"), reserved));
        total += reserved.body.toObject().value(QStringLiteral("priceCents")).toInteger() *
                 item.value(QStringLiteral("quantity")).toInteger();
    }

    // Step 4: CONFIRMED, and the cart clear queued in the same transaction.
    QByteArray answer;
    qsizetype members = 0;
    {
        Transaction tx(db);
        const QString now = nowText();
        const int changed =
            db
                .prepare(QStringLiteral(
                    "UPDATE orders SET status = 'CONFIRMED', total_cents = ?, updated_at = ? "
                    "WHERE id = ? AND status = 'PENDING'"))
                .bind(1, total)
                .bind(2, now)
                .bind(3, orderId)
                .exec();
        if (changed != 1) {
            // Maintenance compensated this order meanwhile (its owner looked dead).
            return Response::error(
                409, QStringLiteral("order %1 was compensated before it could be confirmed")
                         .arg(orderId));
        }
        answer.reserve(512);
        members = appendOrder(answer, db, orderId);
        db.prepare(QStringLiteral(
                       "UPDATE orders SET response_status = 201, response_body = ? WHERE id = ?"))
            .bindUtf8(1, answer)
            .bind(2, orderId)
            .exec();
        db.prepare(QStringLiteral("INSERT INTO outbox (order_id, kind, user_id, created_at) VALUES "
                                  "(?, 'clear-cart', ?, ?)"))
            .bind(1, orderId)
            .bind(2, user)
            .bind(3, now)
            .exec();
        tx.commit();
    }

    // Step 5: clear the cart, best effort (the outbox retries it).
    relayOutbox(ctx, orderId);
    Response created = Response::make(201, Body::fromJsonText(std::move(answer), members));
    created.location = QStringLiteral("/orders/") + orderId;
    return created;
}

Response OrderService::fail(WorkerContext &ctx, const QString &orderId, int status,
                            const QString &reason)
{
    Database &db = ctx.db();
    {
        Transaction tx(db);
        const QJsonObject body{{QStringLiteral("id"), orderId},
                               {QStringLiteral("status"), QStringLiteral("FAILED")},
                               {QStringLiteral("reason"), reason}};
        const int changed =
            db.prepare(QStringLiteral(
                           "UPDATE orders SET status = 'FAILED', reason = ?, response_status = ?, "
                           "response_body = ?, updated_at = ? WHERE id = ? AND status = 'PENDING'"))
                .bind(1, reason)
                .bind(2, status)
                .bind(3, QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)))
                .bind(4, nowText())
                .bind(5, orderId)
                .exec();
        if (changed == 1) {
            auto user = db.prepare(QStringLiteral("SELECT user_id FROM orders WHERE id = ?"));
            user.bind(1, orderId);
            const QString userId = user.next() ? user.text(0) : QString();
            db.prepare(QStringLiteral("INSERT INTO outbox (order_id, kind, user_id, created_at) "
                                      "VALUES (?, 'release-stock', ?, ?)"))
                .bind(1, orderId)
                .bind(2, userId)
                .bind(3, nowText())
                .exec();
        }
        tx.commit();
    }
    relayOutbox(ctx, orderId);
    return Response::error(status, reason);
}

void OrderService::relayOutbox(WorkerContext &ctx, const QString &orderId)
{
    Database &db = ctx.db();
    struct Row
    {
        qint64 id;
        QString orderId, kind, user;
    };
    std::vector<Row> rows;
    {
        auto s = orderId.isEmpty()
                     ? db.prepare(QStringLiteral(
                           "SELECT id, order_id, kind, user_id FROM outbox ORDER BY id LIMIT 100"))
                     : db.prepare(QStringLiteral("SELECT id, order_id, kind, user_id FROM outbox "
                                                 "WHERE order_id = ? ORDER BY id"));
        if (!orderId.isEmpty())
            s.bind(1, orderId);
        while (s.next())
            rows.push_back({s.int64(0), s.text(1), s.text(2), s.text(3)});
    }
    for (const Row &row : rows) {
        const Response r = row.kind == QLatin1String("release-stock")
                               ? ctx.call(internalRequest(
                                     QStringLiteral("POST"),
                                     QStringLiteral("/reservations/%1/release").arg(row.orderId)))
                               : ctx.call(internalRequest(QStringLiteral("DELETE"),
                                                          QStringLiteral("/carts/") + row.user));
        if (r.ok())
            db.prepare(QStringLiteral("DELETE FROM outbox WHERE id = ?")).bind(1, row.id).exec();
        else
            db
                .prepare(QStringLiteral(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?"))
                .bind(1, r.reason)
                .bind(2, row.id)
                .exec();
    }
}

void OrderService::maintain(WorkerContext &ctx)
{
    Database &db = ctx.db();
    // Orders left PENDING by a replica that is gone, or by a checkout that
    // stopped part-way in a live one (its own database failed under it, so
    // it could not even mark the order FAILED): nobody will finish them, so
    // compensate (release whatever was reserved). A checkout still running
    // after StrandedAfter loses nothing by it: its confirmation needs the
    // order still PENDING, and product refuses reservations for a released
    // order.
    const QString cutoff =
        QDateTime::currentDateTimeUtc()
            .addMSecs(-std::chrono::duration_cast<milliseconds>(StrandedAfter).count())
            .toString(Qt::ISODateWithMs);
    struct Stranded
    {
        QString id, owner;
        bool stale;
    };
    std::vector<Stranded> stranded;
    {
        auto s = db.prepare(QStringLiteral(
            "SELECT id, owner, created_at < ? FROM orders WHERE status = 'PENDING'"));
        s.bind(1, cutoff);
        while (s.next())
            stranded.push_back({s.text(0), s.text(1), s.int64(2) != 0});
    }
    for (const Stranded &o : stranded) {
        if (!ctx.isLive(o.owner))
            fail(ctx, o.id, 503,
                 QStringLiteral("compensated: %1 stopped before the checkout finished")
                     .arg(o.owner));
        else if (o.stale)
            fail(ctx, o.id, 503,
                 QStringLiteral("compensated: the checkout made no progress for %1 s")
                     .arg(std::chrono::duration_cast<std::chrono::seconds>(StrandedAfter).count()));
    }
    relayOutbox(ctx);
}

} // namespace microcosm
