// The window's HTTP front: File → "Serve over HTTP" opens the shop on
// loopback, the status bar shows the address, a real HTTP client's requests
// appear as the "HTTP" clients node and its edge in the topology and as a
// line of their own in the throughput chart, the front follows the shop when
// a scenario replaces it, and File → Export traces writes what was sampled.
#include "chartspanel.h"
#include "guitestsupport.h"
#include "httpfrontcontrol.h"
#include "mainwindow.h"
#include "shopcontroller.h"
#include "topologynode.h"
#include "topologyview.h"

#include <QAction>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

using namespace microcosm;

namespace {

// GET url with a real HTTP client; the status, 0 when there was no answer.
int get(QNetworkAccessManager &net, const QString &url, QByteArray *body = nullptr)
{
    QNetworkReply *reply = net.get(QNetworkRequest(QUrl(url)));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (body)
        *body = reply->readAll();
    reply->deleteLater();
    return status;
}

TopologyNode *node(MainWindow &w, const QString &id)
{
    for (QGraphicsItem *item : w.topology()->scene()->items())
        if (item->type() == TopologyNode::Type && static_cast<TopologyNode *>(item)->id() == id)
            return static_cast<TopologyNode *>(item);
    return nullptr;
}

} // namespace

class TestGuiHttp : public QObject
{
    Q_OBJECT

private slots:
    void toggleServesTheShopAndShowsItsClients();
    void exportTracesWritesTheSampledRequests();

private:
    IsolatedSettings m_settings;
};

void TestGuiHttp::toggleServesTheShopAndShowsItsClients()
{
    QTemporaryDir dir;
    auto w = openTestWindow(dir.path());
    QVERIFY(w);
    HttpFrontControl *http = w->http();
    QVERIFY(!http->isOn());
    QVERIFY(!http->statusLabel()->isVisible());
    http->setEndpoint(QStringLiteral("127.0.0.1"), 0); // any free port, not the default 8080
    http->toggleAction()->trigger();
    QVERIFY(http->isOn());
    QVERIFY(http->toggleAction()->isChecked());
    const QString url = http->url();
    QVERIFY2(url.startsWith(QLatin1String("http://127.0.0.1:")), qPrintable(url));
    QVERIFY(http->statusLabel()->isVisible());
    QVERIFY2(http->statusLabel()->text().contains(url), qPrintable(http->statusLabel()->text()));

    // No request from outside yet: no node for it.
    w->controller()->poll();
    QVERIFY(!node(*w, QStringLiteral("http")));

    QNetworkAccessManager net;
    QByteArray body;
    QCOMPARE(get(net, url + QStringLiteral("products"), &body), 200);
    QVERIFY(QJsonDocument::fromJson(body).isArray() || QJsonDocument::fromJson(body).isObject());
    for (int i = 0; i < 20; ++i)
        QCOMPARE(get(net, url + QStringLiteral("products/%1").arg(1 + i % 5)), 200);

    // The next closed second shows them: a node, its edge to the gateway,
    // and a throughput line of their own.
    QTRY_VERIFY_WITH_TIMEOUT((w->controller()->poll(), node(*w, QStringLiteral("http")) != nullptr),
                             5000);
    TopologyNode *clients = node(*w, QStringLiteral("http"));
    QCOMPARE(clients->kind(), TopologyNode::Kind::Users);
    QVERIFY(w->topology()->edge(QStringLiteral("http"), QStringLiteral("gateway")));
    // Its requests leave the gateway like the users': no edge from the node past the gateway.
    QVERIFY(!w->topology()->edge(QStringLiteral("http"), QStringLiteral("product")));
    QTRY_VERIFY_WITH_TIMEOUT(w->charts()->series(QStringLiteral("throughput:http")) != nullptr,
                             5000);
    QTRY_VERIFY_WITH_TIMEOUT(w->charts()->series(QStringLiteral("throughput:http"))->count() > 0,
                             5000);
    // The requests are the "http" caller's, on their own edge.
    bool edgeSeen = false;
    for (const EdgeSnapshot &e : w->controller()->snapshot().edges)
        edgeSeen |= e.from == QLatin1String("http") && e.to == QLatin1String("product") &&
                    e.stats.total() >= 21;
    QVERIFY(edgeSeen);

    // Off: the address goes, the port is closed.
    http->toggleAction()->trigger();
    QVERIFY(!http->isOn());
    QVERIFY(!http->statusLabel()->isVisible());
    QCOMPARE(get(net, url + QStringLiteral("products")), 0);
}

void TestGuiHttp::exportTracesWritesTheSampledRequests()
{
    QTemporaryDir dir;
    auto w = openTestWindow(dir.path());
    QVERIFY(w);
    w->http()->setEndpoint(QStringLiteral("127.0.0.1"), 0);
    QString error;
    QVERIFY2(w->http()->start(&error), qPrintable(error));
    QNetworkAccessManager net;
    // A request that asks to be traced (W3C traceparent, sampled flag set).
    QNetworkRequest request(QUrl(w->http()->url() + QStringLiteral("products/2")));
    const QByteArray traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    request.setRawHeader("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
    QNetworkReply *reply = net.get(request);
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->rawHeader("X-Trace-Id"), traceId);
    reply->deleteLater();

    const QString path = dir.filePath(QStringLiteral("traces.json"));
    QTRY_VERIFY_WITH_TIMEOUT(w->controller()->platform().traces().size() > 0, 5000);
    // The menu item's export without its file dialog.
    QVERIFY(w->findChild<QAction *>(QStringLiteral("action-export-traces")));
    QVERIFY2(w->exportTracesTo(path, &error), qPrintable(error));
    QFile f(path);
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
    const QJsonObject otlp = QJsonDocument::fromJson(f.readAll()).object();
    bool found = false;
    for (const QJsonValue &rs : otlp[QLatin1String("resourceSpans")].toArray())
        for (const QJsonValue &ss : rs[QLatin1String("scopeSpans")].toArray())
            for (const QJsonValue &span : ss[QLatin1String("spans")].toArray())
                found |= span[QLatin1String("traceId")].toString().toLatin1() == traceId;
    QVERIFY2(found, "the traced request's spans are in the exported OTLP file");
}

QTEST_MAIN(TestGuiHttp)
#include "tst_gui_http.moc"
