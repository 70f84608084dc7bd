#pragma once

// Helpers shared by the engine tests: blocking calls through the gateway, a
// fast shop deployment, and read-only looks into the services' database files
// (the way the auditor and the database inspector look: from outside).

#include "headless.h"
#include "platform.h"
#include "scenario.h"
#include "shop.h"
#include "shopsession.h"
#include "sqlite.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <future>
#include <memory>

namespace microcosm::test {

inline Request makeRequest(const QString &method, const QString &path, const QJsonValue &body = {},
                           const QString &idempotencyKey = {})
{
    Request r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.idempotencyKey = idempotencyKey;
    return r;
}

// Submits a request as a user would and returns a future for its answer.
inline std::future<Response> submit(Platform &platform, const QString &method, const QString &path,
                                    const QJsonValue &body = {}, const QString &key = {})
{
    auto promise = std::make_shared<std::promise<Response>>();
    std::future<Response> future = promise->get_future();
    platform.gateway().submit(makeRequest(method, path, body, key),
                              [promise](Response r) { promise->set_value(std::move(r)); });
    return future;
}

// Waits for an answer; a call that never completes (a bug: the gateway
// promises exactly one completion) comes back as status -1.
inline Response await(std::future<Response> &future, Duration limit = seconds(20))
{
    if (future.wait_for(limit) != std::future_status::ready)
        return Response::error(-1, QStringLiteral("test: the call never completed"));
    return future.get();
}

// A blocking call through the gateway, as the storefront would make it.
inline Response call(Platform &platform, const QString &method, const QString &path,
                     const QJsonValue &body = {}, const QString &key = {})
{
    auto f = submit(platform, method, path, body, key);
    return await(f);
}

// A blocking call made by another service (internal routes are only open to them).
inline Response callAs(Platform &platform, const QString &caller, const QString &method,
                       const QString &path, const QJsonValue &body = {})
{
    auto promise = std::make_shared<std::promise<Response>>();
    std::future<Response> future = promise->get_future();
    platform.gateway().call(caller, makeRequest(method, path, body, {}),
                            [promise](Response r) { promise->set_value(std::move(r)); });
    return await(future);
}

// Status and reason together, so a failed QCOMPARE says why.
inline QString describe(const Response &r)
{
    return QStringLiteral("%1 %2").arg(r.status).arg(r.reason);
}

// The default shop, but with no simulated service time and a short cold
// start, so that route tests measure logic and not sleeps.
inline ShopConfig fastShop()
{
    ShopConfig c = ShopConfig::defaults();
    for (ServiceConfig *s : {&c.product, &c.cart, &c.order}) {
        s->profile.serviceTime = ServiceTime::constant(0);
        s->coldStart = milliseconds(30);
    }
    return c;
}

// One read-only connection to a service's file, opened per query.
inline qint64 scalar(const QString &dataDir, const QString &service, const QString &sql,
                     const QString &arg = {})
{
    Database db(QDir(dataDir).filePath(service + QStringLiteral(".db")), Database::Mode::ReadOnly);
    auto q = db.prepare(sql);
    if (!arg.isNull())
        q.bind(1, arg);
    return q.scalar();
}

inline QString text(const QString &dataDir, const QString &service, const QString &sql,
                    const QString &arg = {})
{
    Database db(QDir(dataDir).filePath(service + QStringLiteral(".db")), Database::Mode::ReadOnly);
    auto q = db.prepare(sql);
    if (!arg.isNull())
        q.bind(1, arg);
    return q.next() ? q.text(0) : QString();
}

// The stock of a product as the product service reports it (-1 when not found).
inline qint64 stockOf(Platform &platform, qint64 productId)
{
    const Response r =
        call(platform, QStringLiteral("GET"), QStringLiteral("/products/%1").arg(productId));
    return r.status == 200 ? r.body.toObject().value(QStringLiteral("stock")).toInteger() : -1;
}

inline QJsonArray cartItems(Platform &platform, const QString &user)
{
    const Response r = call(platform, QStringLiteral("GET"), QStringLiteral("/carts/") + user);
    return r.body.toObject().value(QStringLiteral("items")).toArray();
}

inline Response addToCart(Platform &platform, const QString &user, qint64 productId, int quantity)
{
    return call(platform, QStringLiteral("POST"), QStringLiteral("/carts/%1/items").arg(user),
                QJsonObject{{QStringLiteral("productId"), productId},
                            {QStringLiteral("quantity"), quantity}});
}

inline Response checkout(Platform &platform, const QString &user, const QString &key)
{
    return call(platform, QStringLiteral("POST"), QStringLiteral("/orders"),
                QJsonObject{{QStringLiteral("user"), user}}, key);
}

// Jobs queued or running on every replica of a service.
inline int outstanding(Platform &platform, const QString &service)
{
    int n = 0;
    for (const auto &r : platform.host(service)->replicas())
        if (r)
            n += r->outstanding();
    return n;
}

// A cascade preset's lesson in 18 s instead of 30 (tst_compare and
// tst_gui_compare run both cascades so): the link between order and product slows at 4 s instead of
// 8 and recovers at 14 instead of 22, and the expectation windows move with it.
inline std::optional<Scenario> shortenedPreset(const QString &preset, QString *problem)
{
    QStringList problems;
    const QString path =
        QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios/%1.json").arg(preset);
    std::optional<Scenario> s = Scenario::fromFile(path, &problems);
    if (!s) {
        *problem = path + QStringLiteral(": ") + problems.join(QStringLiteral("; "));
        return std::nullopt;
    }
    s->duration = 18;
    for (TimelineAction &a : s->timeline)
        a.at = std::min(a.at - 4, 14.0);
    for (Expectation &e : s->expectations) {
        if (e.from >= 0)
            e.from -= 4;
        if (e.to >= 0)
            e.to = std::min(e.to - 4, 14.0);
    }
    problems = s->validate();
    if (!problems.isEmpty()) {
        *problem = preset + QStringLiteral(" shortened: ") + problems.join(QStringLiteral("; "));
        return std::nullopt;
    }
    return s;
}

// Runs a shortened cascade preset headless into dataDir: the path of its
// recording, or empty with what went wrong in *problem (the run's output
// when its expectations did not hold).
inline QString recordShortenedPreset(const QString &preset, const QString &dataDir,
                                     QString *problem)
{
    HeadlessOptions options;
    options.scenario = shortenedPreset(preset, problem);
    if (!options.scenario)
        return {};
    options.dataDir = dataDir;
    QString printed;
    QTextStream out(&printed);
    QTextStream err(&printed);
    const int code = runHeadless(options, out, err);
    out.flush();
    err.flush();
    if (code != 0) {
        *problem = preset + QStringLiteral(" did not hold:\n") + printed;
        return {};
    }
    return options.effectiveRecordPath();
}

} // namespace microcosm::test
