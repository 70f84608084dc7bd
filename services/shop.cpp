#include "shop.h"

#include "cart/cartservice.h"
#include "order/orderservice.h"
#include "platform.h"
#include "product/productservice.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>

static void initShopResources()
{
    Q_INIT_RESOURCE(shop);
}

namespace microcosm {

ShopConfig ShopConfig::defaults()
{
    ShopConfig c;
    c.product.replicas = 2;
    c.product.workers = 4;
    c.product.profile.serviceTime = ServiceTime::exponential(4);
    c.cart.replicas = 2;
    c.cart.workers = 4;
    c.cart.profile.serviceTime = ServiceTime::exponential(3);
    // Checkout workers block on their calls to cart and product, so order gets more of them.
    c.order.replicas = 2;
    c.order.workers = 8;
    c.order.profile.serviceTime = ServiceTime::exponential(5);
    return c;
}

void installShop(Platform &platform, const ShopConfig &config)
{
    initShopResources();
    platform.addService(std::make_shared<ProductService>(config.restock), config.product);
    platform.addService(std::make_shared<CartService>(), config.cart);
    platform.addService(std::make_shared<OrderService>(), config.order);
    // The order saga's calls.
    platform.declareCall(QStringLiteral("order"), QStringLiteral("product"));
    platform.declareCall(QStringLiteral("order"), QStringLiteral("cart"));
}

QList<CatalogueItem> catalogue()
{
    initShopResources();
    QFile file(QStringLiteral(":/catalogue.json"));
    QList<CatalogueItem> out;
    if (!file.open(QIODevice::ReadOnly))
        return out;
    const QJsonArray products = QJsonDocument::fromJson(file.readAll())
                                    .object()
                                    .value(QStringLiteral("products"))
                                    .toArray();
    for (const QJsonValue &v : products) {
        const QJsonObject p = v.toObject();
        out.append({p.value(QStringLiteral("id")).toInteger(),
                    p.value(QStringLiteral("name")).toString(),
                    p.value(QStringLiteral("priceCents")).toInteger(),
                    p.value(QStringLiteral("stock")).toInteger()});
    }
    return out;
}

TrackedWorkload::TrackedWorkload(QString runId)
    : m_runId(runId.isEmpty() ? QUuid::createUuid().toString(QUuid::Id128).left(8)
                              : std::move(runId))
{
}

QString TrackedWorkload::freshKey(const QString &who, std::mt19937_64 &rng)
{
    return QStringLiteral("%1-%2-%3-%4").arg(m_runId, who).arg(++m_keys).arg(rng() % 1000000);
}

ShopWorkload::ShopWorkload(int products, QString runId)
    : TrackedWorkload(std::move(runId)), m_products(products)
{
    for (int product = 1; product <= m_products; ++product) {
        m_productPaths.append(QStringLiteral("/products/%1").arg(product));
        for (int quantity = 1; quantity <= 2; ++quantity)
            m_itemBodies.append(QJsonObject{{QStringLiteral("productId"), product},
                                            {QStringLiteral("quantity"), quantity}});
    }
}

QStringList ShopWorkload::journeys() const
{
    return {QStringLiteral("browse"), QStringLiteral("view"), QStringLiteral("add-to-cart"),
            QStringLiteral("checkout"), QStringLiteral("order-history")};
}

double ShopWorkload::defaultWeight(const QString &journey) const
{
    if (journey == QLatin1String("browse"))
        return 40;
    if (journey == QLatin1String("view"))
        return 30;
    if (journey == QLatin1String("add-to-cart"))
        return 20;
    if (journey == QLatin1String("checkout"))
        return 10;
    return 5; // order-history
}

QList<Request> ShopWorkload::journey(const QString &name, int user, std::mt19937_64 &rng)
{
    const int product = std::uniform_int_distribution<int>(1, m_products)(rng);
    // "user17" and the texts made from it, each in one allocation, and only
    // for the journeys that name their user.
    auto text = [user](const char *format) {
        char buffer[64];
        const int n = std::snprintf(buffer, sizeof buffer, format, user);
        return QString::fromLatin1(buffer, std::clamp(n, 0, int(sizeof buffer) - 1));
    };
    auto make = [](QString method, QString path, Body body = {}) {
        Request r;
        r.method = std::move(method);
        r.path = std::move(path);
        r.body = std::move(body);
        return r;
    };
    auto addItem = [&] {
        const int quantity = std::uniform_int_distribution<int>(1, 2)(rng);
        return make(QStringLiteral("POST"), text("/carts/user%d/items"),
                    m_itemBodies[2 * (product - 1) + quantity - 1]);
    };
    if (name == QLatin1String("browse"))
        return {make(QStringLiteral("GET"), QStringLiteral("/products"))};
    if (name == QLatin1String("view"))
        return {make(QStringLiteral("GET"), m_productPaths[product - 1])};
    if (name == QLatin1String("add-to-cart"))
        return {addItem()};
    if (name == QLatin1String("order-history"))
        return {make(QStringLiteral("GET"), text("/orders?user=user%d"))};
    const QString who = text("user%d");
    QByteArray body;
    const qsizetype members = JsonObjectWriter(body).member("user", who.toLatin1()).close();
    Request order = make(QStringLiteral("POST"), QStringLiteral("/orders"),
                         Body::fromJsonText(std::move(body), members));
    order.idempotencyKey = freshKey(who, rng);
    return {addItem(), order};
}

void TrackedWorkload::observe(const Request &request, const Response &response)
{
    if (request.method == QLatin1String("POST") && request.path == QLatin1String("/orders") &&
        response.status == 201) {
        std::lock_guard lock(m_mutex);
        ++(response.replayed ? m_replayed : m_placed);
        // The new order's id from its Location, "/orders/<id>"; an answer
        // without one (another order service) is read from its body.
        const QStringView prefix = u"/orders/";
        m_acknowledged.push_back(
            response.location.startsWith(prefix)
                ? QUuid::fromString(QStringView(response.location).sliced(prefix.size()))
                : QUuid::fromString(
                      response.body.toObject().value(QStringLiteral("id")).toString()));
    }
}

void TrackedWorkload::acknowledge(const QString &orderId)
{
    const QUuid id = QUuid::fromString(orderId);
    if (id.isNull())
        return;
    std::lock_guard lock(m_mutex);
    m_acknowledged.push_back(id);
}

QSet<QString> TrackedWorkload::acknowledgedOrders() const
{
    std::lock_guard lock(m_mutex);
    QSet<QString> out;
    out.reserve(qsizetype(m_acknowledged.size()));
    for (const QUuid &id : m_acknowledged)
        out.insert(id.toString(QUuid::WithoutBraces));
    return out;
}

std::size_t TrackedWorkload::placedCount() const
{
    std::lock_guard lock(m_mutex);
    return m_placed;
}

std::size_t TrackedWorkload::replayedCount() const
{
    std::lock_guard lock(m_mutex);
    return m_replayed;
}

std::size_t TrackedWorkload::acknowledgedCount() const
{
    std::lock_guard lock(m_mutex);
    return m_acknowledged.size();
}

} // namespace microcosm
