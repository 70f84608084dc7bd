#include "cartservice.h"

#include "datafiles.h"
#include "shopjson.h"
#include "sqlite.h"

namespace microcosm {

using namespace shop;

const char *CartService::schema()
{
    return R"(
CREATE TABLE IF NOT EXISTS cart_items (
    user_id    TEXT    NOT NULL,
    product_id INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, product_id)
);
)";
}

const DataFileKind &CartService::dataFile()
{
    static const DataFileKind kind{QStringLiteral("cart"), 0x4D434341, 1, schema()};
    return kind;
}

QList<RouteSpec> CartService::routes() const
{
    return {{QStringLiteral("GET"), QStringLiteral("/carts/{user}"), true},
            {QStringLiteral("POST"), QStringLiteral("/carts/{user}/items"), false},
            {QStringLiteral("DELETE"), QStringLiteral("/carts/{user}/items/{product}"), true},
            {QStringLiteral("DELETE"), QStringLiteral("/carts/{user}"), true}};
}

void CartService::migrate(Database &db)
{
    prepareServiceFile(db, dataFile());
}

Response CartService::handle(const Request &request, WorkerContext &ctx)
{
    Database &db = ctx.db();
    const QString user = request.param(QStringLiteral("user"));
    if (!validUserId(user))
        return Response::error(400,
                               QStringLiteral("user must be 1 to 200 letters, digits or - _ . @"));

    if (request.route == QLatin1String("GET /carts/{user}")) {
        auto s = db.prepare(QStringLiteral(
            "SELECT product_id, quantity FROM cart_items WHERE user_id = ? ORDER BY product_id"));
        s.bind(1, user);
        // {"items":[{"productId":…,"quantity":…},…],"user":…} written as
        // text: the order service parses it once, cheaper than building it.
        QByteArray answer;
        answer.reserve(256);
        JsonObjectWriter cart(answer);
        cart.keyed("items").append('[');
        for (int n = 0; s.next(); ++n) {
            if (n > 0)
                answer.append(',');
            JsonObjectWriter(answer)
                .member("productId", s.int64(0))
                .member("quantity", s.int64(1))
                .close();
        }
        answer.append(']');
        const qsizetype members = cart.member("user", user.toUtf8()).close();
        return Response::make(200, Body::fromJsonText(std::move(answer), members));
    }
    if (request.route == QLatin1String("POST /carts/{user}/items")) {
        qint64 productId = 0, quantity = 0;
        QString error;
        const QJsonValue body = request.body.value(); // text is parsed once
        if (!positiveInt(body, QStringLiteral("productId"), 1'000'000'000, &productId, &error) ||
            !positiveInt(body, QStringLiteral("quantity"), 99, &quantity, &error))
            return Response::error(400, error);
        auto s = db.prepare(QStringLiteral(
            "INSERT INTO cart_items (user_id, product_id, quantity, updated_at) VALUES (?, ?, ?, "
            "?) "
            "ON CONFLICT (user_id, product_id) DO UPDATE SET "
            "quantity = min(99, quantity + excluded.quantity), updated_at = excluded.updated_at"));
        s.bind(1, user).bind(2, productId).bind(3, quantity).bind(4, nowText()).exec();
        // {"added":…,"productId":…,"user":…}, written as text: the users'
        // answer, read by no service.
        QByteArray answer;
        answer.reserve(64 + user.size() * 3);
        const qsizetype members = JsonObjectWriter(answer)
                                      .member("added", quantity)
                                      .member("productId", productId)
                                      .member("user", user.toUtf8())
                                      .close();
        return Response::make(201, Body::fromJsonText(std::move(answer), members));
    }
    if (request.route == QLatin1String("DELETE /carts/{user}/items/{product}")) {
        bool ok = false;
        const qint64 productId = request.param(QStringLiteral("product")).toLongLong(&ok);
        if (!ok)
            return Response::error(400, QStringLiteral("product id must be a number"));
        const int n = db.prepare(QStringLiteral(
                                     "DELETE FROM cart_items WHERE user_id = ? AND product_id = ?"))
                          .bind(1, user)
                          .bind(2, productId)
                          .exec();
        if (n == 0)
            return Response::error(
                404, QStringLiteral("product %1 is not in %2's cart").arg(productId).arg(user));
        return Response::make(200, QJsonObject{{QStringLiteral("removed"), productId}});
    }
    if (request.route == QLatin1String("DELETE /carts/{user}")) {
        const int n = db.prepare(QStringLiteral("DELETE FROM cart_items WHERE user_id = ?"))
                          .bind(1, user)
                          .exec();
        return Response::make(200, QJsonObject{{QStringLiteral("cleared"), n}});
    }
    return Response::error(404, QStringLiteral("cart has no route %1").arg(request.route));
}

} // namespace microcosm
