// The HTTP front over loopback: a real shop session in a temporary folder,
// its front on a free port, driven by Qt Network's client for ordinary
// requests and by raw sockets for what a browser would never send.
#include "gateway.h"
#include "httpfront.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace microcosm;
using namespace microcosm::net;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QString transportError;                // empty when an HTTP answer came
    QJsonValue json() const
    {
        const QJsonDocument d = QJsonDocument::fromJson(body);
        return d.isArray() ? QJsonValue(d.array()) : QJsonValue(d.object());
    }
    QString describe() const
    {
        return QStringLiteral("%1 %2 %3").arg(status).arg(QString::fromUtf8(body), transportError);
    }
};

// One HTTP response off a raw socket: status line, headers, Content-Length body.
bool readResponse(QTcpSocket &socket, QByteArray &buffer, Reply *out, int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    qsizetype end = -1;
    while ((end = buffer.indexOf("\r\n\r\n")) < 0) {
        if (deadline.hasExpired() ||
            (!socket.waitForReadyRead(int(deadline.remainingTime())) && !socket.bytesAvailable()))
            return false;
        buffer += socket.readAll();
    }
    const QList<QByteArray> lines = buffer.left(end).split('\n');
    Reply r;
    r.status = lines.value(0).split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            r.headers.insert(lines[i].left(colon).trimmed().toLower(),
                             lines[i].mid(colon + 1).trimmed());
    }
    const qsizetype length = r.headers.value("content-length").toLongLong();
    while (buffer.size() < end + 4 + length) {
        if (deadline.hasExpired() ||
            (!socket.waitForReadyRead(int(deadline.remainingTime())) && !socket.bytesAvailable()))
            return false;
        buffer += socket.readAll();
    }
    r.body = buffer.mid(end + 4, length);
    buffer = buffer.mid(end + 4 + length);
    *out = r;
    return true;
}

bool waitClosed(QTcpSocket &socket, int timeoutMs)
{
    if (socket.state() == QAbstractSocket::UnconnectedState)
        return true;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        socket.readAll();
        if (socket.state() == QAbstractSocket::UnconnectedState)
            return true;
        socket.waitForDisconnected(int(std::min<qint64>(deadline.remainingTime(), 200)));
    }
    return socket.state() == QAbstractSocket::UnconnectedState;
}

} // namespace

class TestHttpFront : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ShopSession> m_session;
    QNetworkAccessManager m_nam;
    quint16 m_port = 0;
    HttpFrontOptions m_options;

    HttpFront &front() { return *m_session->http(); }

    Reply send(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
               const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(
            QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_port) + target));
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        if (!body.isEmpty() && !request.hasRawHeader("Content-Type"))
            request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        QNetworkReply *reply = m_nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(20000);
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        for (const auto &[name, value] : reply->rawHeaderPairs())
            r.headers.insert(name.toLower(), value);
        if (r.status == 0)
            r.transportError = reply->errorString();
        reply->deleteLater();
        return r;
    }

    // Raw bytes on a fresh connection; the first response, if any.
    Reply raw(const QByteArray &bytes)
    {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        if (!socket.waitForConnected(5000))
            return {0, {}, {}, QStringLiteral("could not connect")};
        socket.write(bytes);
        socket.waitForBytesWritten(5000);
        QByteArray buffer;
        Reply r;
        if (!readResponse(socket, buffer, &r))
            r.transportError = QStringLiteral("no response");
        return r;
    }

    QByteArray order(const QByteArray &user, const QByteArray &key)
    {
        const QByteArray body = "{\"user\":\"" + user + "\"}";
        return "POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
               "Idempotency-Key: " +
               key + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_session = std::make_unique<ShopSession>(m_dir.path(), test::fastShop());
        QVERIFY2(m_session->start(), qPrintable(m_session->startError()));
        m_options.limits.maxHeaderBytes = 4096;
        m_options.limits.maxBodyBytes = 8192;
        m_options.limits.maxConnections = 8;
        m_options.limits.idleTimeout = seconds(2);
        m_options.limits.readTimeout = milliseconds(800);
        m_options.maxTargetBytes = 1024;
        QString error;
        QVERIFY2(m_session->startHttp(m_options, &error), qPrintable(error));
        m_port = front().port();
        QVERIFY(m_port != 0);
        QCOMPARE(front().url(), QStringLiteral("http://127.0.0.1:%1/").arg(m_port));
    }

    void cleanupTestCase() { m_session.reset(); }

    void products()
    {
        const Reply all = send("GET", "/products");
        QVERIFY2(all.status == 200, qPrintable(all.describe()));
        QCOMPARE(all.json().toArray().size(), microcosm::catalogue().size());
        QVERIFY(all.headers.contains("x-microcosm-latency-ms"));
        QCOMPARE(all.headers.value("content-type"), QByteArray("application/json"));

        const Reply one = send("GET", "/products/3");
        QVERIFY2(one.status == 200, qPrintable(one.describe()));
        QCOMPARE(one.json().toObject().value(QStringLiteral("id")).toInteger(), 3);

        const Reply missing = send("GET", "/products/99999");
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.json().toObject().value(QStringLiteral("error")).toString(),
                 QStringLiteral("no product 99999"));
        QCOMPARE(missing.headers.value("x-microcosm-reason"), QByteArray("no product 99999"));

        const Reply notNumber = send("GET", "/products/abc");
        QCOMPARE(notNumber.status, 400);
        QCOMPARE(notNumber.json().toObject().value(QStringLiteral("status")).toInt(), 400);
    }

    void cart()
    {
        const Reply add = send("POST", "/carts/alice/items", "{\"productId\": 5, \"quantity\": 2}");
        QVERIFY2(add.status == 201, qPrintable(add.describe()));
        QCOMPARE(add.json().toObject().value(QStringLiteral("added")).toInteger(), 2);
        QCOMPARE(send("POST", "/carts/alice/items", "{\"productId\": 7, \"quantity\": 1}").status,
                 201);

        const Reply cart = send("GET", "/carts/alice");
        QCOMPARE(cart.status, 200);
        QCOMPARE(cart.json().toObject().value(QStringLiteral("items")).toArray().size(), 2);

        const Reply removed = send("DELETE", "/carts/alice/items/5");
        QVERIFY2(removed.status == 200, qPrintable(removed.describe()));
        QCOMPARE(send("DELETE", "/carts/alice/items/5").status, 404);
        QCOMPARE(test::cartItems(m_session->platform(), QStringLiteral("alice")).size(), 1);

        const Reply cleared = send("DELETE", "/carts/alice");
        QCOMPARE(cleared.status, 200);
        QCOMPARE(cleared.json().toObject().value(QStringLiteral("cleared")).toInt(), 1);
        QVERIFY(test::cartItems(m_session->platform(), QStringLiteral("alice")).isEmpty());

        // A user id with an encoded '@' reaches the cart decoded.
        QCOMPARE(
            send("POST", "/carts/bob%40shop/items", "{\"productId\": 1, \"quantity\": 1}").status,
            201);
        QCOMPARE(test::cartItems(m_session->platform(), QStringLiteral("bob@shop")).size(), 1);
    }

    void checkoutAndRetry()
    {
        QCOMPARE(send("POST", "/carts/carol/items", "{\"productId\": 9, \"quantity\": 1}").status,
                 201);
        const QList<QPair<QByteArray, QByteArray>> key{{"Idempotency-Key", "http-test-key-1"}};
        const Reply first = send("POST", "/orders", "{\"user\": \"carol\"}", key);
        QVERIFY2(first.status == 201, qPrintable(first.describe()));
        const QString id = first.json().toObject().value(QStringLiteral("id")).toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(!first.headers.contains("idempotent-replayed"));
        QCOMPARE(first.headers.value("location"), "/orders/" + id.toLatin1());

        const Reply retry = send("POST", "/orders", "{\"user\": \"carol\"}", key);
        QCOMPARE(retry.status, 201);
        QCOMPARE(retry.json().toObject().value(QStringLiteral("id")).toString(), id);
        QCOMPARE(retry.headers.value("idempotent-replayed"), QByteArray("true"));
        QCOMPARE(retry.headers.value("location"), "/orders/" + id.toLatin1());
        QCOMPARE(test::scalar(m_dir.path(), QStringLiteral("order"),
                              QStringLiteral("SELECT count(*) FROM orders WHERE user_id = ?"),
                              QStringLiteral("carol")),
                 1);

        const Reply history = send("GET", "/orders?user=carol");
        QCOMPARE(history.status, 200);
        QCOMPARE(history.json().toArray().size(), 1);
        QCOMPARE(history.json().toArray().first().toObject().value(QStringLiteral("id")).toString(),
                 id);
        const Reply one = send("GET", "/orders/" + id.toLatin1());
        QCOMPARE(one.status, 200);
        QCOMPARE(one.json().toObject().value(QStringLiteral("status")).toString(),
                 QStringLiteral("CONFIRMED"));

        const Reply noKey = send("POST", "/orders", "{\"user\": \"carol\"}");
        QCOMPARE(noKey.status, 400);
        QVERIFY(noKey.headers.value("x-microcosm-reason").contains("Idempotency-Key"));

        // The auditor is told of the order acknowledged over HTTP.
        QVERIFY(m_session->workload().acknowledgedOrders().contains(id));
        QVERIFY(front().stats().ordersAcknowledged >= 2);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        const QByteArray h = " HTTP/1.1\r\nHost: t\r\n";
        auto post = [&h](const QByteArray &target, const QByteArray &type, const QByteArray &body) {
            return "POST " + target + h + "Content-Type: " + type +
                   "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        };
        QTest::newRow("405 method") << QByteArray("PUT /products" + h + "\r\n") << 405
                                    << QByteArray("method PUT is not allowed");
        QTest::newRow("414 long target")
            << QByteArray("GET /products?x=" + QByteArray(1500, 'a') + h + "\r\n") << 414
            << QByteArray("request target is 1512 bytes");
        QTest::newRow("400 long segment")
            << QByteArray("GET /carts/" + QByteArray(201, 'u') + h + "\r\n") << 400
            << QByteArray("path segment 2 is 201 characters");
        QTest::newRow("400 bad percent") << QByteArray("GET /carts/a%G1" + h + "\r\n") << 400
                                         << QByteArray("bad percent-encoding in path segment 2");
        QTest::newRow("400 encoded slash")
            << QByteArray("GET /carts/a%2Fb" + h + "\r\n") << 400 << QByteArray("decodes to '/'");
        QTest::newRow("400 bad utf-8")
            << QByteArray("GET /carts/%C3%28" + h + "\r\n") << 400 << QByteArray("not valid UTF-8");
        QTest::newRow("415 not json") << post("/carts/u/items", "text/plain", "hi") << 415
                                      << QByteArray("must be application/json, not 'text/plain'");
        QTest::newRow("400 bad json")
            << post("/carts/u/items", "application/json", "{\"productId\": 1,}") << 400
            << QByteArray("bad JSON body at byte ");
        QTest::newRow("411 no length")
            << QByteArray("POST /orders" + h + "Connection: close\r\n\r\n") << 411
            << QByteArray("needs a Content-Length");
        QTest::newRow("400 malformed")
            << QByteArray("GARBAGE\r\n\r\n") << 400 << QByteArray("malformed HTTP request");
        QTest::newRow("400 bad header") << QByteArray("GET /products" + h + "No colon here\r\n\r\n")
                                        << 400 << QByteArray("malformed HTTP request");
        QTest::newRow("431 header")
            << QByteArray("GET /products" + h + "X-Big: " + QByteArray(5000, 'x') + "\r\n\r\n")
            << 431 << QByteArray("header is larger than 4096 bytes");
        QTest::newRow("413 body")
            << QByteArray("POST /carts/u/items" + h +
                          "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
            << 413 << QByteArray("body is larger than 8192 bytes");
        QTest::newRow("404 unknown route") << QByteArray("GET /nowhere" + h + "\r\n") << 404
                                           << QByteArray("no route for GET /nowhere");
        QTest::newRow("404 internal route")
            << post("/products/1/reserve", "application/json",
                    "{\"orderId\": \"x\", \"quantity\": 1}")
            << 404 << QByteArray("no route for POST /products/1/reserve");
        QTest::newRow("static no escape") << QByteArray("GET /../catalogue.json" + h + "\r\n")
                                          << 400 << QByteArray("path segment 1 is '..'");
    }

    void errors()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        const Reply r = raw(request);
        QVERIFY2(r.status == status, qPrintable(r.describe()));
        const QJsonObject body = r.json().toObject();
        QCOMPARE(body.value(QStringLiteral("status")).toInt(), status);
        QVERIFY2(
            body.value(QStringLiteral("error")).toString().contains(QString::fromLatin1(reason)),
            qPrintable(r.describe()));
        QVERIFY2(r.headers.value("x-microcosm-reason").contains(reason), qPrintable(r.describe()));
        if (status == 405)
            QCOMPARE(r.headers.value("allow"), QByteArray("GET, POST, DELETE"));
    }

    void keepAlive()
    {
        const std::uint64_t accepted = front().stats().server.connectionsAccepted;
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(socket.waitForConnected(5000));
        QByteArray buffer;
        for (int i = 1; i <= 3; ++i) {
            socket.write("GET /products/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: t\r\n\r\n");
            Reply r;
            QVERIFY(readResponse(socket, buffer, &r));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.json().toObject().value(QStringLiteral("id")).toInt(), i);
        }
        // Two pipelined requests in one write: two answers, in order.
        socket.write(order("dave", "http-pipelined-1") + "GET /orders?user=dave HTTP/1.1\r\nHost: "
                                                         "t\r\n\r\n");
        Reply first, second;
        QVERIFY(readResponse(socket, buffer, &first));
        QVERIFY(readResponse(socket, buffer, &second));
        QVERIFY2(first.status >= 400, qPrintable(first.describe())); // dave's cart is empty
        QVERIFY(!first.headers.value("x-microcosm-reason").isEmpty());
        QCOMPARE(second.status, 200);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
        QCOMPARE(front().stats().server.connectionsAccepted, accepted + 1);
    }

    void http10KeepAlive()
    {
        // An HTTP/1.0 client asking to keep the connection (ab -k does) is
        // told so, and its next request gets an answer on the same one.
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(socket.waitForConnected(5000));
        QByteArray buffer;
        for (int i = 1; i <= 2; ++i) {
            socket.write("GET /products/" + QByteArray::number(i) +
                         " HTTP/1.0\r\nHost: t\r\nConnection: Keep-Alive\r\n\r\n");
            Reply r;
            QVERIFY(readResponse(socket, buffer, &r));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.headers.value("connection").toLower(), QByteArray("keep-alive"));
        }
        // Without the header an HTTP/1.0 connection closes after its answer.
        socket.write("GET /products/3 HTTP/1.0\r\nHost: t\r\n\r\n");
        Reply last;
        QVERIFY(readResponse(socket, buffer, &last));
        QCOMPARE(last.status, 200);
        QCOMPARE(last.headers.value("connection").toLower(), QByteArray("close"));
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);
    }

    void staticFiles()
    {
        const Reply index = send("GET", "/");
        QCOMPARE(index.status, 200);
        QCOMPARE(index.headers.value("content-type"), QByteArray("text/html; charset=utf-8"));
        QVERIFY(index.body.toLower().contains("<html"));
        QFile file(QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/web/index.html"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(index.body, file.readAll());
        QCOMPARE(send("GET", "/index.html").body, index.body);
        // Other resources of the program are not the storefront's.
        QCOMPARE(raw("GET /%2E%2E/catalogue.json HTTP/1.1\r\nHost: t\r\n\r\n").status, 400);
        QCOMPARE(HttpFront::staticResource("/../catalogue.json"), QString());
        QCOMPARE(HttpFront::staticResource("/%2e%2e/catalogue.json"), QString());
        QCOMPARE(HttpFront::staticResource("/?x=1"), QStringLiteral(":/web/index.html"));
    }

    void endpoint()
    {
        front().addEndpoint("GET", "/healthz", [](const HttpRequest &) {
            HttpResponse r;
            r.contentType = "text/plain";
            r.body = "ok\n";
            return r;
        });
        const Reply r = send("GET", "/healthz?verbose=1");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("ok\n"));
    }

    void httpEdgeInMetrics()
    {
        for (int i = 0; i < 5; ++i)
            QCOMPARE(send("GET", "/products/2").status, 200);
        Platform &platform = m_session->platform();
        platform.rotateMetrics();
        const SystemSnapshot snap = platform.snapshot();
        std::uint64_t viaHttp = 0, viaUsers = 0;
        for (const EdgeSnapshot &e : snap.edges) {
            if (e.from == QLatin1String("http") && e.to == QLatin1String("product"))
                viaHttp += e.stats.total();
            if (e.from == QLatin1String("users") && e.to == QLatin1String("product"))
                viaUsers += e.stats.total();
        }
        QVERIFY2(viaHttp >= 5, qPrintable(QString::number(viaHttp)));
        QCOMPARE(viaUsers, std::uint64_t(0)); // the product requests all came over HTTP
        const HttpFrontStats s = front().stats();
        QVERIFY(s.requests >= s.toGateway + s.staticFiles + s.endpoints);
        QVERIFY(s.status4xx > 0 && s.status2xx > 0 && s.refusedByFront > 0);
        QVERIFY(s.server.malformed >= 2 && s.server.headerTooLarge >= 1 &&
                s.server.bodyTooLarge >= 1);
    }

    void gatewayRateLimitAppliesToHttp()
    {
        Gateway &gateway = m_session->platform().gateway();
        gateway.setRateLimit(2, 1); // two requests a second, a burst of one
        int limited = 0, ok = 0;
        QString reason;
        for (int i = 0; i < 10; ++i) {
            const Reply r = send("GET", "/products/1");
            if (r.status == 429) {
                ++limited;
                reason = QString::fromUtf8(r.headers.value("x-microcosm-reason"));
            }
            ok += r.status == 200;
        }
        gateway.setRateLimit(0, 0);
        QVERIFY2(limited >= 5, qPrintable(QString::number(limited)));
        QVERIFY(ok >= 1);
        QVERIFY2(reason.startsWith(QLatin1String("rate limited at the gateway")),
                 qPrintable(reason));
        QCOMPARE(send("GET", "/products/1").status, 200); // off again
    }

    void tracesEndpoint()
    {
        // A request that asks to be traced, then the trace store over HTTP.
        const QByteArray traceId = "0af7651916cd43dd8448eb211c80319c";
        const Reply traced = send("GET", "/products/4", {},
                                  {{"traceparent", "00-" + traceId + "-b7ad6b7169203331-01"}});
        QCOMPARE(traced.status, 200);
        QCOMPARE(traced.headers.value("x-trace-id"), traceId);
        const Reply otlp = send("GET", "/traces");
        QCOMPARE(otlp.status, 200);
        QVERIFY2(otlp.body.contains("\"traceId\":\"" + traceId + "\""),
                 otlp.body.left(400).constData());
        QVERIFY(otlp.json().toObject().contains(QStringLiteral("resourceSpans")));
        const Reply zipkin = send("GET", "/traces?format=zipkin");
        QCOMPARE(zipkin.status, 200);
        QVERIFY(zipkin.json().isArray());
        QVERIFY(zipkin.body.contains(traceId));
        const Reply bad = send("GET", "/traces?format=jaeger");
        QCOMPARE(bad.status, 400);
        QVERIFY2(bad.headers.value("x-microcosm-reason").contains("otlp or zipkin"),
                 bad.headers.value("x-microcosm-reason").constData());
    }

    void slowClientIsCutOff()
    {
        const std::uint64_t timeouts = front().stats().server.timeouts;
        // Slowloris: a request begun and never finished, a byte now and then.
        QTcpSocket slow;
        slow.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(slow.waitForConnected(5000));
        slow.write("GET /products HTTP/1.1\r\nHost: t\r\n");
        slow.waitForBytesWritten(1000);
        QDeadlineTimer giveUp(15000);
        while (slow.state() == QAbstractSocket::ConnectedState && !giveUp.hasExpired()) {
            slow.write("X");
            slow.waitForBytesWritten(200);
            slow.waitForDisconnected(200);
        }
        QCOMPARE(slow.state(), QAbstractSocket::UnconnectedState);
        // A connection that never sends anything is closed once idle.
        QTcpSocket idle;
        idle.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(idle.waitForConnected(5000));
        QVERIFY(waitClosed(idle, 15000));
        QVERIFY(front().stats().server.timeouts >= timeouts + 2);
        QCOMPARE(send("GET", "/products/1").status, 200); // still serving
    }

    void tooManyConnections()
    {
        m_nam.clearConnectionCache();
        QTRY_COMPARE_WITH_TIMEOUT(front().stats().server.connectionsOpen, std::uint64_t(0), 15000);
        std::vector<std::unique_ptr<QTcpSocket>> held;
        for (int i = 0; i < m_options.limits.maxConnections; ++i) {
            held.push_back(std::make_unique<QTcpSocket>());
            held.back()->connectToHost(QStringLiteral("127.0.0.1"), m_port);
            QVERIFY(held.back()->waitForConnected(5000));
        }
        QTRY_COMPARE_WITH_TIMEOUT(front().stats().server.connectionsOpen,
                                  std::uint64_t(m_options.limits.maxConnections), 5000);
        const Reply refused = raw("GET /products/1 HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY2(refused.status == 503, qPrintable(refused.describe()));
        QVERIFY(refused.headers.value("x-microcosm-reason").contains("too many connections"));
        // The held ones still work, and once they go a new one is served again.
        QByteArray buffer;
        Reply r;
        held.front()->write("GET /products/4 HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(readResponse(*held.front(), buffer, &r));
        QCOMPARE(r.status, 200);
        held.clear();
        QTRY_COMPARE_WITH_TIMEOUT(front().stats().server.connectionsOpen, std::uint64_t(0), 5000);
        QCOMPARE(send("GET", "/products/1").status, 200);
        QVERIFY(front().stats().server.connectionsRefused >= 1);
    }

    void auditAfterShutdown()
    {
        m_session->shutdown();
        const AuditReport a = m_session->runAudit();
        QVERIFY2(a.ok, qPrintable(a.summary()));
        // The front is stopped with the session: nothing listens any more.
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), m_port);
        QVERIFY(!socket.waitForConnected(2000) ||
                (socket.write("GET / HTTP/1.1\r\n\r\n") && waitClosed(socket, 5000)));
    }
};

QTEST_GUILESS_MAIN(TestHttpFront)
#include "tst_httpfront.moc"
