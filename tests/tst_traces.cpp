// Traces as a user of Jaeger or Zipkin sees them: the shop under load with
// every request sampled, exported as OTLP/JSON and as Zipkin v2 JSON, and
// each file held to its published field rules (ids as lower-case hex of the
// right length and never zero, times in order and within the run, parents
// that resolve); a checkout's trace crossing order → cart and order →
// product; a retry as two attempts; a killed service's reason in the status;
// the W3C traceparent kept when valid and replaced when not; the sampler's
// one in N; the bounded store; and the program's --traces option.
#include "programrunner.h"
#include "testsupport.h"
#include "traceexport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

#include <thread>

using namespace microcosm;
using namespace microcosm::test;

namespace {

const QString ValidTraceId = QStringLiteral("4bf92f3577b34da6a3ce929d0e0e4736");
const QString ValidParent = QStringLiteral("00f067aa0ba902b7");

bool isHexId(const QString &s, int length)
{
    static const QRegularExpression lowerHex(QStringLiteral("^[0-9a-f]+$"));
    return s.size() == length && lowerHex.match(s).hasMatch() &&
           s != QString(length, QLatin1Char('0'));
}

qint64 wallNanosNow()
{
    return QDateTime::currentMSecsSinceEpoch() * 1000000;
}

// A blocking request from the HTTP front's side, with a traceparent header.
Response callWithTraceparent(Platform &platform, const QByteArray &traceparent)
{
    Request r = makeRequest(QStringLiteral("GET"), QStringLiteral("/products/1"));
    r.caller = QStringLiteral("http");
    r.traceparent = traceparent;
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    platform.gateway().submit(
        std::move(r), [promise](Response answer) { promise->set_value(std::move(answer)); });
    return await(future);
}

// The spans of one trace in an OTLP/JSON document, each with its service.name.
QList<QJsonObject> otlpSpans(const QJsonObject &doc, const QString &traceId = {})
{
    QList<QJsonObject> out;
    for (const QJsonValue &rs : doc.value(QStringLiteral("resourceSpans")).toArray()) {
        QString service;
        for (const QJsonValue &a :
             rs[QStringLiteral("resource")][QStringLiteral("attributes")].toArray())
            if (a[QStringLiteral("key")] == QStringLiteral("service.name"))
                service = a[QStringLiteral("value")][QStringLiteral("stringValue")].toString();
        for (const QJsonValue &ss : rs[QStringLiteral("scopeSpans")].toArray())
            for (const QJsonValue &sp : ss[QStringLiteral("spans")].toArray()) {
                QJsonObject o = sp.toObject();
                if (!traceId.isEmpty() && o.value(QStringLiteral("traceId")).toString() != traceId)
                    continue;
                o.insert(QStringLiteral("service"), service);
                out.append(o);
            }
    }
    return out;
}

QJsonValue otlpAttribute(const QJsonObject &span, const QString &key)
{
    for (const QJsonValue &a : span.value(QStringLiteral("attributes")).toArray())
        if (a[QStringLiteral("key")] == key)
            return a[QStringLiteral("value")];
    return {};
}

QJsonObject exportOtlp(const Platform &platform)
{
    QJsonParseError error;
    const QJsonDocument doc =
        QJsonDocument::fromJson(exportTraces(platform, TraceFormat::Otlp), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("OTLP export is not JSON: %s", qPrintable(error.errorString()));
    return doc.object();
}

} // namespace

class TestTraces : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void parseTraceparent_data();
    void parseTraceparent();
    void newIdsAreValid();
    void storeKeepsTheLastN();
    void storeTakesTracesFromManyThreads();

    void exportsUnderLoadFollowTheFieldRules();
    void checkoutTraceCrossesServices();
    void retryShowsAsTwoAttempts();
    void killedServiceShowsItsReason();
    void validTraceparentIsContinued();
    void invalidTraceparentStartsANewTrace_data();
    void invalidTraceparentStartsANewTrace();
    void samplerTakesOneInN();
    void programWritesTraces();

private:
    void startShop(int sampleEvery);
    Platform &platform() { return m_session->platform(); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestTraces::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestTraces::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestTraces::startShop(int sampleEvery)
{
    PlatformConfig config;
    config.traceSampleEvery = sampleEvery;
    config.traceCapacity = 100000; // nothing dropped during a test
    config.clientTimeout = milliseconds(4000);
    config.gatewayTimeout = milliseconds(10000);
    m_session = std::make_unique<ShopSession>(m_dir->path(), fastShop(), config);
    QVERIFY(m_session->start(seconds(10)));
}

void TestTraces::parseTraceparent_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("sampled");
    const QByteArray id = ValidTraceId.toLatin1(), parent = ValidParent.toLatin1();
    QTest::newRow("sampled") << "00-" + id + "-" + parent + "-01" << true << true;
    QTest::newRow("not sampled") << "00-" + id + "-" + parent + "-00" << true << false;
    QTest::newRow("other flag bits") << "00-" + id + "-" + parent + "-09" << true << true;
    QTest::newRow("later version, more fields")
        << "cc-" + id + "-" + parent + "-01-what-the-future-brings" << true << true;
    QTest::newRow("upper-case trace id")
        << "00-" + id.toUpper() + "-" + parent + "-01" << false << false;
    QTest::newRow("all-zero trace id")
        << "00-00000000000000000000000000000000-" + parent + "-01" << false << false;
    QTest::newRow("all-zero parent id") << "00-" + id + "-0000000000000000-01" << false << false;
    QTest::newRow("version ff") << "ff-" + id + "-" + parent + "-01" << false << false;
    QTest::newRow("version 00 too long") << "00-" + id + "-" + parent + "-01-x" << false << false;
    QTest::newRow("too short") << "00-" + id + "-" + parent.left(15) + "-01" << false << false;
    QTest::newRow("later version, no dash after")
        << "cc-" + id + "-" + parent + "-01x" << false << false;
    QTest::newRow("wrong separator") << "00_" + id + "-" + parent + "-01" << false << false;
    QTest::newRow("flags not hex") << "00-" + id + "-" + parent + "-0g" << false << false;
    QTest::newRow("empty") << QByteArray() << false << false;
}

void TestTraces::parseTraceparent()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, valid);
    QFETCH(bool, sampled);
    QString error;
    const auto parsed = microcosm::parseTraceparent(header, &error);
    QCOMPARE(parsed.has_value(), valid);
    if (!valid) {
        QVERIFY2(error.startsWith(QLatin1String("invalid traceparent")), qPrintable(error));
        return;
    }
    QCOMPARE(parsed->traceId.toHex(), ValidTraceId);
    QCOMPARE(spanIdHex(parsed->parentId), ValidParent);
    QCOMPARE(parsed->sampled, sampled);
    // What we would send on: the same trace, our span, version 00.
    const QByteArray out = formatTraceparent(parsed->traceId, 0x1234, parsed->sampled);
    QCOMPARE(out, "00-" + ValidTraceId.toLatin1() + "-0000000000001234-" +
                      (sampled ? QByteArray("01") : QByteArray("00")));
    QVERIFY(microcosm::parseTraceparent(out).has_value());
}

void TestTraces::newIdsAreValid()
{
    QSet<quint64> seen;
    for (int i = 0; i < 10000; ++i) {
        const quint64 id = newSpanId();
        QVERIFY(id != 0);
        seen.insert(id);
        QVERIFY(isHexId(spanIdHex(id), 16));
    }
    QCOMPARE(seen.size(), 10000); // 64 random bits: a repeat would be a broken generator
    for (int i = 0; i < 100; ++i)
        QVERIFY(isHexId(Trace().idHex(), 32));
    QVERIFY(Trace().idHex() != Trace().idHex());
}

void TestTraces::storeKeepsTheLastN()
{
    TraceStore store(3);
    std::vector<std::shared_ptr<const Trace>> made;
    for (int i = 0; i < 5; ++i) {
        made.push_back(std::make_shared<Trace>());
        store.add(made.back());
    }
    QCOMPARE(store.size(), 3);
    QCOMPARE(store.added(), 5u);
    QCOMPARE(store.dropped(), 2u);
    const auto kept = store.traces();
    QCOMPARE(kept.size(), 3u);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(kept[i], made[i + 2]); // the oldest went first
    QCOMPARE(store.find(made[4]->idHex()), made[4]);
    QVERIFY(!store.find(made[0]->idHex()));
    store.setCapacity(1);
    QCOMPARE(store.size(), 1);
    QCOMPARE(store.traces().front(), made[4]);
    store.setCapacity(0); // at least one is kept
    QCOMPARE(store.capacity(), 1);
}

void TestTraces::storeTakesTracesFromManyThreads()
{
    TraceStore store(500);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&store] {
            for (int i = 0; i < 2000; ++i) {
                store.add(std::make_shared<Trace>());
                if (i % 100 == 0)
                    (void)store.traces(); // a reader at the same time
            }
        });
    for (auto &t : threads)
        t.join();
    QCOMPARE(store.added(), 8000u);
    QCOMPARE(store.dropped(), 7500u);
    QCOMPARE(store.size(), 500);
}

void TestTraces::exportsUnderLoadFollowTheFieldRules()
{
    const qint64 runStart = wallNanosNow();
    startShop(1);
    LoadGenerator &load = m_session->load();
    load.setRate(80);
    load.start();
    // Until some checkouts (the longest traces) are in.
    QTRY_VERIFY_WITH_TIMEOUT(m_session->workload().placedCount() >= 5, 20000);
    QVERIFY(m_session->quiesce(seconds(15)));
    const auto stored = platform().traces().traces();
    QVERIFY2(stored.size() >= 20, qPrintable(QString::number(stored.size())));
    const qint64 runEnd = wallNanosNow();
    // The wall clock is read once at the start: allow the two clocks a second of drift.
    const qint64 slack = 1000000000;

    // OTLP/JSON.
    QJsonParseError error;
    const QJsonDocument otlpDoc =
        QJsonDocument::fromJson(exportTraces(platform(), TraceFormat::Otlp), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QHash<QString, QSet<QString>> idsByTrace;
    QHash<QString, int> rootsByTrace;
    QList<QPair<QString, QString>> parentLinks; // (trace, parent)
    int otlpCount = 0;
    QSet<QString> services;
    for (const QJsonValue &rs : otlpDoc.object().value(QStringLiteral("resourceSpans")).toArray()) {
        const QJsonArray attrs =
            rs[QStringLiteral("resource")][QStringLiteral("attributes")].toArray();
        QCOMPARE(attrs.size(), 1);
        QCOMPARE(attrs[0][QStringLiteral("key")].toString(), QStringLiteral("service.name"));
        const QString service =
            attrs[0][QStringLiteral("value")][QStringLiteral("stringValue")].toString();
        QVERIFY(!service.isEmpty());
        services.insert(service);
        for (const QJsonValue &ss : rs[QStringLiteral("scopeSpans")].toArray()) {
            QCOMPARE(ss[QStringLiteral("scope")][QStringLiteral("name")].toString(),
                     QStringLiteral("microcosm"));
            for (const QJsonValue &v : ss[QStringLiteral("spans")].toArray()) {
                const QJsonObject s = v.toObject();
                ++otlpCount;
                const QString trace = s.value(QStringLiteral("traceId")).toString();
                const QString id = s.value(QStringLiteral("spanId")).toString();
                QVERIFY2(isHexId(trace, 32), qPrintable(trace));
                QVERIFY2(isHexId(id, 16), qPrintable(id));
                QVERIFY(!s.value(QStringLiteral("name")).toString().isEmpty());
                idsByTrace[trace].insert(id);
                if (s.contains(QStringLiteral("parentSpanId"))) {
                    const QString parent = s.value(QStringLiteral("parentSpanId")).toString();
                    QVERIFY2(isHexId(parent, 16), qPrintable(parent));
                    parentLinks.append({trace, parent});
                } else {
                    ++rootsByTrace[trace];
                }
                // Times are fixed64 in the JSON mapping: decimal strings.
                QVERIFY(s.value(QStringLiteral("startTimeUnixNano")).isString());
                bool ok1 = false, ok2 = false;
                const qint64 start =
                    s.value(QStringLiteral("startTimeUnixNano")).toString().toLongLong(&ok1);
                const qint64 end =
                    s.value(QStringLiteral("endTimeUnixNano")).toString().toLongLong(&ok2);
                QVERIFY(ok1 && ok2);
                QVERIFY(start <= end);
                QVERIFY2(start >= runStart - slack && end <= runEnd + slack,
                         qPrintable(QStringLiteral("%1..%2 outside %3..%4")
                                        .arg(start)
                                        .arg(end)
                                        .arg(runStart)
                                        .arg(runEnd)));
                const int kind = s.value(QStringLiteral("kind")).toInt(-1);
                QVERIFY(kind >= 1 && kind <= 3);
                const QJsonObject status = s.value(QStringLiteral("status")).toObject();
                const int code = status.value(QStringLiteral("code")).toInt(-1);
                QVERIFY(code == 0 || code == 2);
                if (code == 2)
                    QVERIFY(!status.value(QStringLiteral("message")).toString().isEmpty());
                for (const QJsonValue &a : s.value(QStringLiteral("attributes")).toArray()) {
                    QVERIFY(!a[QStringLiteral("key")].toString().isEmpty());
                    const QJsonObject value = a[QStringLiteral("value")].toObject();
                    QCOMPARE(value.size(), 1);
                    QVERIFY(value.contains(QStringLiteral("stringValue")) ||
                            value.contains(QStringLiteral("intValue")));
                }
                if (kind == 2 && service != QLatin1String("gateway"))
                    QVERIFY(
                        otlpAttribute(s, QStringLiteral("replica"))[QStringLiteral("stringValue")]
                            .toString()
                            .startsWith(service + QLatin1Char('#')));
            }
        }
    }
    for (const QString &s : {QStringLiteral("gateway"), QStringLiteral("product"),
                             QStringLiteral("cart"), QStringLiteral("order")})
        QVERIFY2(services.contains(s), qPrintable(s));
    QCOMPARE(idsByTrace.size(), qsizetype(stored.size()));
    for (auto it = idsByTrace.begin(); it != idsByTrace.end(); ++it)
        QVERIFY2(rootsByTrace.value(it.key()) == 1,
                 qPrintable(QStringLiteral("trace %1 has %2 roots")
                                .arg(it.key())
                                .arg(rootsByTrace.value(it.key()))));
    for (const auto &[trace, parent] : parentLinks)
        QVERIFY2(idsByTrace[trace].contains(parent),
                 qPrintable(QStringLiteral("trace %1: parent %2 is not in it").arg(trace, parent)));

    // Zipkin v2: the same spans.
    const QJsonDocument zipkinDoc =
        QJsonDocument::fromJson(exportTraces(platform(), TraceFormat::Zipkin), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QVERIFY(zipkinDoc.isArray());
    const QJsonArray zipkin = zipkinDoc.array();
    QCOMPARE(zipkin.size(), otlpCount);
    QHash<QString, QSet<QString>> zipkinIds;
    QList<QPair<QString, QString>> zipkinParents;
    for (const QJsonValue &v : zipkin) {
        const QJsonObject s = v.toObject();
        const QString trace = s.value(QStringLiteral("traceId")).toString();
        QVERIFY(isHexId(trace, 32));
        QVERIFY(isHexId(s.value(QStringLiteral("id")).toString(), 16));
        zipkinIds[trace].insert(s.value(QStringLiteral("id")).toString());
        if (s.contains(QStringLiteral("parentId"))) {
            QVERIFY(isHexId(s.value(QStringLiteral("parentId")).toString(), 16));
            zipkinParents.append({trace, s.value(QStringLiteral("parentId")).toString()});
        }
        if (s.contains(QStringLiteral("kind")))
            QVERIFY(s.value(QStringLiteral("kind")) == QStringLiteral("SERVER") ||
                    s.value(QStringLiteral("kind")) == QStringLiteral("CLIENT"));
        // Microseconds as integers; a duration of at least 1.
        const double ts = s.value(QStringLiteral("timestamp")).toDouble();
        const double duration = s.value(QStringLiteral("duration")).toDouble();
        QCOMPARE(ts, std::floor(ts));
        QCOMPARE(duration, std::floor(duration));
        QVERIFY(duration >= 1);
        QVERIFY(qint64(ts) * 1000 >= runStart - slack);
        QVERIFY((qint64(ts) + qint64(duration)) * 1000 <= runEnd + slack);
        QVERIFY(!s.value(QStringLiteral("localEndpoint"))[QStringLiteral("serviceName")]
                     .toString()
                     .isEmpty());
        const QJsonObject tags = s.value(QStringLiteral("tags")).toObject();
        for (auto t = tags.begin(); t != tags.end(); ++t)
            QVERIFY2(t.value().isString(), qPrintable(t.key()));
    }
    for (const auto &[trace, parent] : zipkinParents)
        QVERIFY(zipkinIds[trace].contains(parent));
}

void TestTraces::checkoutTraceCrossesServices()
{
    startShop(1);
    QCOMPARE(describe(addToCart(platform(), QStringLiteral("u1"), 3, 1)), QStringLiteral("201 "));
    QCOMPARE(describe(addToCart(platform(), QStringLiteral("u1"), 7, 2)), QStringLiteral("201 "));
    const Response r = checkout(platform(), QStringLiteral("u1"), QStringLiteral("k1"));
    QCOMPARE(describe(r), QStringLiteral("201 "));
    QVERIFY2(isHexId(r.traceId, 32), qPrintable(r.traceId));
    QVERIFY(m_session->quiesce(seconds(15))); // late spans (the outbox) are in

    QJsonParseError error;
    const QJsonArray spans =
        QJsonDocument::fromJson(exportTraces(platform(), TraceFormat::Zipkin), &error).array();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QHash<QString, QJsonObject> byId;
    for (const QJsonValue &v : spans)
        if (v[QStringLiteral("traceId")] == r.traceId)
            byId.insert(v[QStringLiteral("id")].toString(), v.toObject());
    QVERIFY(!byId.isEmpty());
    auto service = [](const QJsonObject &s) {
        return s.value(QStringLiteral("localEndpoint"))[QStringLiteral("serviceName")].toString();
    };
    // The root: the gateway's, with users→order under it, and order's handling under that.
    QJsonObject root, orderServer;
    for (const QJsonObject &s : std::as_const(byId))
        if (!s.contains(QStringLiteral("parentId")))
            root = s;
    QCOMPARE(service(root), QStringLiteral("gateway"));
    QCOMPARE(root.value(QStringLiteral("name")).toString(), QStringLiteral("POST /orders"));
    QCOMPARE(root.value(QStringLiteral("kind")).toString(), QStringLiteral("SERVER"));
    // Each call order makes: a CLIENT span under order's SERVER span, and the
    // callee's SERVER span under it, all in this trace.
    QSet<QString> calledFromOrder;
    for (const QJsonObject &client : std::as_const(byId)) {
        if (client.value(QStringLiteral("kind")) != QStringLiteral("CLIENT") ||
            service(client) != QLatin1String("order"))
            continue;
        const QJsonObject parent = byId.value(client.value(QStringLiteral("parentId")).toString());
        QCOMPARE(service(parent), QStringLiteral("order"));
        QCOMPARE(parent.value(QStringLiteral("kind")).toString(), QStringLiteral("SERVER"));
        QVERIFY(
            parent.value(QStringLiteral("tags"))[QStringLiteral("replica")].toString().startsWith(
                QLatin1String("order#")));
        const QString name = client.value(QStringLiteral("name")).toString();
        calledFromOrder.insert(name);
        const QString callee = name.section(QStringLiteral("→"), 1);
        bool found = false;
        for (const QJsonObject &s : std::as_const(byId))
            found = found || (s.value(QStringLiteral("parentId")) == client[QStringLiteral("id")] &&
                              s.value(QStringLiteral("kind")) == QStringLiteral("SERVER") &&
                              service(s) == callee);
        QVERIFY2(found, qPrintable(name + QStringLiteral(": no server span of ") + callee));
    }
    QVERIFY2(calledFromOrder.contains(QStringLiteral("order→cart")),
             qPrintable(QStringList(calledFromOrder.values()).join(QLatin1Char(','))));
    QVERIFY2(calledFromOrder.contains(QStringLiteral("order→product")),
             qPrintable(QStringList(calledFromOrder.values()).join(QLatin1Char(','))));
}

void TestTraces::retryShowsAsTwoAttempts()
{
    startShop(1);
    const QString users = QStringLiteral("users"), product = QStringLiteral("product");
    EdgePolicy policy = platform().gateway().policy(users, product);
    policy.retryEnabled = true;
    policy.retry.maxAttempts = 2;
    policy.retry.initialBackoff = milliseconds(1);
    platform().gateway().setPolicy(users, product, policy);
    Fault fault;
    fault.errorPercent = 100;
    fault.errorStatus = 503;
    platform().faults().setLink(users, product, fault);

    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products/1"));
    QCOMPARE(r.status, 503);
    const QList<QJsonObject> spans = otlpSpans(exportOtlp(platform()), r.traceId);
    QList<QJsonObject> attempts;
    QString root;
    for (const QJsonObject &s : spans) {
        if (s.value(QStringLiteral("kind")).toInt() == 3)
            attempts.append(s);
        if (!s.contains(QStringLiteral("parentSpanId")))
            root = s.value(QStringLiteral("spanId")).toString();
    }
    QCOMPARE(attempts.size(), 2);
    std::sort(attempts.begin(), attempts.end(), [](const QJsonObject &a, const QJsonObject &b) {
        return a.value(QStringLiteral("startTimeUnixNano")).toString().toLongLong() <
               b.value(QStringLiteral("startTimeUnixNano")).toString().toLongLong();
    });
    for (int i = 0; i < 2; ++i) {
        const QJsonObject &a = attempts[i];
        QCOMPARE(a.value(QStringLiteral("name")).toString(), QStringLiteral("users→product"));
        QCOMPARE(a.value(QStringLiteral("service")).toString(), QStringLiteral("gateway"));
        QCOMPARE(a.value(QStringLiteral("parentSpanId")).toString(), root);
        QCOMPARE(otlpAttribute(a, QStringLiteral("attempt"))[QStringLiteral("intValue")].toString(),
                 QString::number(i + 1));
        QCOMPARE(a.value(QStringLiteral("status"))[QStringLiteral("code")].toInt(), 2);
        QCOMPARE(a.value(QStringLiteral("status"))[QStringLiteral("message")].toString(),
                 QStringLiteral("injected 503 on users→product"));
    }
    QVERIFY(attempts[0].value(QStringLiteral("spanId")) !=
            attempts[1].value(QStringLiteral("spanId")));
}

void TestTraces::killedServiceShowsItsReason()
{
    startShop(1);
    QVERIFY(platform().killService(QStringLiteral("product")));
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/products/1"));
    QVERIFY2(r.status >= 500, qPrintable(describe(r)));
    QVERIFY(!r.reason.isEmpty());
    QVERIFY2(isHexId(r.traceId, 32), qPrintable(r.traceId));
    const QList<QJsonObject> spans = otlpSpans(exportOtlp(platform()), r.traceId);
    QVERIFY(!spans.isEmpty());
    int withReason = 0;
    for (const QJsonObject &s : spans) {
        const QJsonObject status = s.value(QStringLiteral("status")).toObject();
        if (s.value(QStringLiteral("kind")).toInt() == 3 ||
            !s.contains(QStringLiteral("parentSpanId"))) {
            // The call on users→product and the gateway's root both failed, saying why.
            QCOMPARE(status.value(QStringLiteral("code")).toInt(), 2);
            QCOMPARE(status.value(QStringLiteral("message")).toString(), r.reason);
            ++withReason;
        }
    }
    QCOMPARE(withReason, 2);
}

void TestTraces::validTraceparentIsContinued()
{
    startShop(0); // the sampler off: only the header asks for the trace
    const QByteArray header =
        "00-" + ValidTraceId.toLatin1() + "-" + ValidParent.toLatin1() + "-01";
    const Response r = callWithTraceparent(platform(), header);
    QCOMPARE(describe(r), QStringLiteral("200 "));
    QCOMPARE(r.traceId, ValidTraceId);
    const QList<QJsonObject> spans = otlpSpans(exportOtlp(platform()), ValidTraceId);
    QSet<QString> ids;
    for (const QJsonObject &s : spans)
        ids.insert(s.value(QStringLiteral("spanId")).toString());
    int roots = 0;
    for (const QJsonObject &s : spans) {
        const QString parent = s.value(QStringLiteral("parentSpanId")).toString();
        if (!ids.contains(parent)) {
            // The root's parent is the caller outside, as the header named it.
            QCOMPARE(parent, ValidParent);
            QCOMPARE(s.value(QStringLiteral("service")).toString(), QStringLiteral("gateway"));
            ++roots;
        }
    }
    QCOMPARE(roots, 1);
    QVERIFY(spans.size() >= 3); // the root, the call on http→product, product's handling

    // Not sampled by the caller and not by the sampler: not traced.
    const Response quiet = callWithTraceparent(platform(), "00-" + ValidTraceId.toLatin1() + "-" +
                                                               ValidParent.toLatin1() + "-00");
    QCOMPARE(describe(quiet), QStringLiteral("200 "));
    QVERIFY(quiet.traceId.isEmpty());
    QCOMPARE(platform().traces().size(), 1);
}

void TestTraces::invalidTraceparentStartsANewTrace_data()
{
    QTest::addColumn<QByteArray>("header");
    const QByteArray id = ValidTraceId.toLatin1(), parent = ValidParent.toLatin1();
    QTest::newRow("upper case") << "00-" + id.toUpper() + "-" + parent.toUpper() + "-01";
    QTest::newRow("zero parent") << "00-" + id + "-0000000000000000-01";
    QTest::newRow("version ff") << "ff-" + id + "-" + parent + "-01";
    QTest::newRow("garbage") << QByteArray("hello");
}

void TestTraces::invalidTraceparentStartsANewTrace()
{
    QFETCH(QByteArray, header);
    startShop(1);
    const Response r = callWithTraceparent(platform(), header);
    QCOMPARE(describe(r), QStringLiteral("200 "));
    QVERIFY2(isHexId(r.traceId, 32), qPrintable(r.traceId));
    QVERIFY(r.traceId != ValidTraceId);
    const QList<QJsonObject> spans = otlpSpans(exportOtlp(platform()), r.traceId);
    int roots = 0;
    for (const QJsonObject &s : spans)
        if (!s.contains(QStringLiteral("parentSpanId")))
            ++roots;
    QCOMPARE(roots, 1); // a root of its own: the invalid header's parent is not used
}

void TestTraces::samplerTakesOneInN()
{
    startShop(10);
    const std::uint64_t before = platform().traces().added();
    for (int i = 0; i < 200; ++i)
        QCOMPARE(call(platform(), QStringLiteral("GET"), QStringLiteral("/products/2")).status,
                 200);
    // One shared counter: 200 requests in a row hold exactly 20 tenths.
    QCOMPARE(platform().traces().added() - before, 20u);

    platform().setTraceSampling(0);
    const std::uint64_t off = platform().traces().added();
    for (int i = 0; i < 50; ++i)
        QVERIFY(call(platform(), QStringLiteral("GET"), QStringLiteral("/products/2"))
                    .traceId.isEmpty());
    QCOMPARE(platform().traces().added(), off);

    // The storefront's requests come with their own trace: kept whatever the sampler says.
    Request shown = makeRequest(QStringLiteral("GET"), QStringLiteral("/products/2"));
    shown.trace = std::make_shared<Trace>();
    const QString id = shown.trace->idHex();
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    platform().gateway().submit(std::move(shown),
                                [promise](Response r) { promise->set_value(std::move(r)); });
    const Response r = await(future);
    QCOMPARE(r.traceId, id);
    QCOMPARE(platform().traces().added(), off + 1);
    QVERIFY(platform().traces().find(id));
}

void TestTraces::programWritesTraces()
{
    const QString file = m_dir->filePath(QStringLiteral("run.zipkin.json"));
    const QString data = m_dir->filePath(QStringLiteral("data"));
    const ProgramRun run = runProgram(
        {QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("2"),
         QStringLiteral("--rate"), QStringLiteral("30"), QStringLiteral("--trace-sample"),
         QStringLiteral("5"), QStringLiteral("--traces"), file, QStringLiteral("--data-dir"), data},
        120000, m_dir->path());
    QVERIFY2(run.exitCode == 0, qPrintable(run.err + run.out.right(2000)));
    QVERIFY2(run.out.contains(QStringLiteral("written to ") + file), qPrintable(run.out));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    QVERIFY(doc.isArray()); // the name says Zipkin
    QVERIFY(!doc.array().isEmpty());
    QVERIFY(isHexId(doc.array()[0][QStringLiteral("id")].toString(), 16));

    // A bad format is refused before anything runs, naming what was wrong.
    const ProgramRun bad =
        runProgram({QStringLiteral("--headless"), QStringLiteral("--traces"), file,
                    QStringLiteral("--trace-format"), QStringLiteral("jaeger"),
                    QStringLiteral("--data-dir"), data},
                   30000, m_dir->path());
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains(QStringLiteral("unknown trace format 'jaeger'")),
             qPrintable(bad.err));
    const ProgramRun badN =
        runProgram({QStringLiteral("--headless"), QStringLiteral("--trace-sample"),
                    QStringLiteral("-3"), QStringLiteral("--data-dir"), data},
                   30000, m_dir->path());
    QCOMPARE(badN.exitCode, 2);
    QVERIFY2(badN.err.contains(QStringLiteral("--trace-sample")), qPrintable(badN.err));
}

QTEST_GUILESS_MAIN(TestTraces)
#include "tst_traces.moc"
