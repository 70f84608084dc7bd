// libFuzzer target: arbitrary bytes as HTTP-like requests, the way a user
// (or a future HTTP front) would send them to the shop:
//
//   METHOD SP TARGET [SP HTTP/1.1] LF
//   Header: value LF            (Idempotency-Key, Content-Length; others ignored)
//   LF
//   body                        (JSON; Content-Length bytes, or the rest of the input)
//
// Several requests may follow one another when each says its Content-Length.
// Each is routed by the real Gateway::match (path segments and query) and
// handled by the product, cart and order services' own code on their own
// connections to three database files in a temporary directory (the
// benchmark's DirectShop; order's calls to cart and product run inline and
// are routed by Gateway::match too). State carries over between inputs.
//
// Besides crashes and sanitizer reports, it aborts when the product
// service's own invariant breaks: initial stock = stock + HELD reservations,
// and no stock below zero — something no request may ever achieve.
#include "cart/cartservice.h"
#include "directshop.h"
#include "order/orderservice.h"
#include "platform.h"
#include "product/productservice.h"
#include "shop.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace microcosm;
using namespace microcosm::bench;

namespace {

// MICROCOSM_FUZZ_VERBOSE prints every request and its answer (to read a
// reproducer); MICROCOSM_FUZZ_DATA_DIR keeps the database files somewhere to look at
// afterwards; by default they live in a temporary directory.
QString dataDir(QTemporaryDir &temporary)
{
    const QString kept = qEnvironmentVariable("MICROCOSM_FUZZ_DATA_DIR");
    if (kept.isEmpty())
        return temporary.path();
    QDir().mkpath(kept);
    return kept;
}

struct Harness
{
    QTemporaryDir temporary;
    QString dir = dataDir(temporary);
    std::unique_ptr<Platform> platform; // never started: its gateway's routes only
    Router router;
    std::unique_ptr<DirectShop> shop;
    std::unique_ptr<OrderService> order; // for maintain(): the outbox relay
    int inputs = 0;
    int generation = 0;

    Harness()
    {
        platform = std::make_unique<Platform>(dir + QStringLiteral("/routes"));
        installShop(*platform, ShopConfig::defaults());
        Gateway *gateway = &platform->gateway();
        router = [gateway](const QString &method,
                           const QString &target) -> std::optional<RouteMatch> {
            const auto m = gateway->match(method, target);
            if (!m)
                return std::nullopt;
            return RouteMatch{m->host->name(), m->route, m->params};
        };
        order = std::make_unique<OrderService>();
        renew();
    }

    // State carries over between inputs, but only for a while: the
    // databases start afresh every so many inputs, so that they stay small
    // and every input runs at about the same speed.
    void renew()
    {
        const QString old = shop ? shopDir() : QString();
        shop.reset();
        if (!old.isEmpty())
            QDir(old).removeRecursively();
        ++generation;
        QDir().mkpath(shopDir());
        shop = std::make_unique<DirectShop>(
            shopDir(),
            std::vector<std::shared_ptr<Service>>{std::make_shared<ProductService>(),
                                                  std::make_shared<CartService>(),
                                                  std::make_shared<OrderService>()},
            1, router);
    }
    QString shopDir() const { return QStringLiteral("%1/shop-%2").arg(dir).arg(generation); }
};

Harness &harness()
{
    static Harness h;
    return h;
}

// One request off the front of the input; false when nothing is left.
bool nextRequest(QByteArray &input, Request *out)
{
    if (input.trimmed().isEmpty())
        return false;
    qsizetype eol = input.indexOf('\n');
    const QByteArray requestLine = (eol < 0 ? input : input.left(eol)).trimmed();
    input = eol < 0 ? QByteArray() : input.mid(eol + 1);
    const QList<QByteArray> parts = requestLine.split(' ');
    Request r;
    r.method = QString::fromUtf8(parts.value(0));
    r.path = QString::fromUtf8(parts.value(1));
    qsizetype contentLength = -1;
    while (!input.isEmpty()) {
        eol = input.indexOf('\n');
        const QByteArray line = (eol < 0 ? input : input.left(eol));
        input = eol < 0 ? QByteArray() : input.mid(eol + 1);
        if (line.trimmed().isEmpty())
            break;
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "idempotency-key")
            r.idempotencyKey = QString::fromUtf8(value);
        else if (name == "content-length")
            contentLength = std::min<qsizetype>(value.toLongLong(), input.size());
    }
    if (contentLength < 0)
        contentLength = input.size();
    const QByteArray body = input.left(std::max<qsizetype>(0, contentLength));
    input = input.mid(std::max<qsizetype>(0, contentLength));
    if (!body.trimmed().isEmpty()) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
        if (doc.isObject())
            r.body = doc.object();
        else if (doc.isArray())
            r.body = doc.array();
        else
            r.body = QJsonValue(QString::fromUtf8(body)); // not JSON: the services see a string
    }
    *out = r;
    return true;
}

void checkProductInvariant(Database &db)
{
    auto q = db.prepare(QStringLiteral(
        "SELECT p.id, p.stock, p.initial_stock, COALESCE(h.held, 0) FROM products p LEFT JOIN "
        "(SELECT product_id, sum(quantity) AS held FROM reservations WHERE status = 'HELD' "
        "GROUP BY product_id) h ON h.product_id = p.id "
        "WHERE p.stock < 0 OR p.initial_stock != p.stock + COALESCE(h.held, 0)"));
    if (q.next()) {
        std::fprintf(stderr,
                     "product invariant broken: product %lld stock %lld initial %lld held %lld\n",
                     q.int64(0), q.int64(1), q.int64(2), q.int64(3));
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    Harness &h = harness();
    if (++h.inputs % 5000 == 0)
        h.renew();
    static const bool verbose = qEnvironmentVariableIsSet("MICROCOSM_FUZZ_VERBOSE");
    QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    Request request;
    for (int n = 0; n < 16 && nextRequest(input, &request); ++n) {
        const Response r = h.shop->handle(request);
        if (verbose)
            std::fprintf(stderr, "%s [key %s] %s -> %d %s %s\n", qPrintable(request.label()),
                         qPrintable(request.idempotencyKey),
                         QJsonDocument(QJsonArray{request.body.value()})
                             .toJson(QJsonDocument::Compact)
                             .constData(),
                         r.status, qPrintable(r.reason),
                         QJsonDocument(QJsonArray{r.body.value()})
                             .toJson(QJsonDocument::Compact)
                             .constData());
        if (r.status < 200 || r.status > 599)
            std::abort(); // every answer is an HTTP-like status
        (void)QJsonDocument(QJsonArray{r.body.value()})
            .toJson(QJsonDocument::Compact); // as a front would send it
    }
    // What the order service's maintenance does with whatever the input left
    // in the outbox (user ids become paths of calls to cart).
    try {
        h.order->maintain(h.shop->context(QStringLiteral("order")));
    } catch (const DbError &) {
    }
    checkProductInvariant(h.shop->database(QStringLiteral("product")));
    return 0;
}
