// The main window driven as a user would, offscreen: start the load and see
// the charts move, kill a service from its right-click menu and see what a
// student should see, check out by hand and find the order in order.db.
#include "chartspanel.h"
#include "databaseinspector.h"
#include "eventmodel.h"
#include "eventtimeline.h"
#include "exporter.h"
#include "gui.h"
#include "mainwindow.h"
#include "shopcontroller.h"
#include "sqlitetablemodel.h"
#include "storefront.h"
#include "topologyedge.h"
#include "topologynode.h"
#include "topologyview.h"
#include "waterfallview.h"

#include <QAction>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonObject>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

using namespace microcosm;

class TestGui : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void startLoadAndSeeThroughputGrow();
    void killProductFromItsContextMenu();
    void checkoutInStorefrontShowsOrderInDatabase();
    void exportsWriteFiles();
    void badGuiOptionsExitWith2_data();
    void badGuiOptionsExitWith2();
    void screenshotOptionWritesPng();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &dir, double rate);
    QTemporaryDir m_settings;
};

void TestGui::initTestCase()
{
    // Never touch the user's own settings.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
}

std::unique_ptr<MainWindow> TestGui::openWindow(const QString &dir, double rate)
{
    LoadConfig load;
    load.rate = rate;
    load.profile.rate = rate;
    auto session =
        std::make_unique<ShopSession>(dir, ShopConfig::defaults(), PlatformConfig{}, load);
    if (!session->start())
        return nullptr;
    MainWindow::Options options;
    options.persistSettings = false;
    auto window = std::make_unique<MainWindow>(std::move(session), options);
    window->resize(1400, 900);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return nullptr;
    return window;
}

static double lastY(QXYSeries *s)
{
    return s && s->count() ? s->at(s->count() - 1).y() : -1;
}

void TestGui::startLoadAndSeeThroughputGrow()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 120);
    QVERIFY(window);
    ShopController *c = window->controller();
    QVERIFY(!c->loadRunning());

    auto *start = window->findChild<QPushButton *>(QStringLiteral("load-toggle"));
    QVERIFY(start);
    QTest::mouseClick(start, Qt::LeftButton);
    QVERIFY(c->loadRunning());

    QXYSeries *cart = window->charts()->series(QStringLiteral("throughput:cart"));
    QXYSeries *product = window->charts()->series(QStringLiteral("throughput:product"));
    QVERIFY(cart && product);
    QTRY_VERIFY_WITH_TIMEOUT(product->count() >= 2 && lastY(product) > 0, 10000);
    const int points = product->count();
    QTRY_VERIFY_WITH_TIMEOUT(product->count() > points, 5000);
    QVERIFY(lastY(cart) > 0);
    QVERIFY(window->charts()->series(QStringLiteral("latency:p99"))->count() > 0);

    // The particles move while there is traffic...
    QTRY_VERIFY(window->topology()->animating());
    QTRY_VERIFY(window->topology()->particleCount() > 0);

    // ...and Space pauses the users; the animation stops once nothing flows.
    window->activateWindow();
    QTest::keyClick(window.get(), Qt::Key_Space);
    QVERIFY(!c->loadRunning());
    QVERIFY(!start->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(!window->topology()->animating(), 8000);
}

void TestGui::killProductFromItsContextMenu()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 150);
    QVERIFY(window);
    ShopController *c = window->controller();
    c->startLoad();
    QXYSeries *cart = window->charts()->series(QStringLiteral("throughput:cart"));
    QTRY_VERIFY_WITH_TIMEOUT(lastY(cart) > 0, 10000);

    // Right-click product: the menu the view builds, and its "Kill" action.
    std::unique_ptr<QMenu> menu(window->topology()->serviceMenu(QStringLiteral("product")));
    QVERIFY(menu);
    QAction *kill = menu->findChild<QAction *>(QStringLiteral("kill-service"));
    QVERIFY(kill);
    QVERIFY(kill->isEnabled());
    const double killedAt = c->platform().elapsed();
    kill->trigger();

    // The node says DOWN...
    TopologyNode *product = window->topology()->node(QStringLiteral("product"));
    QTRY_VERIFY(product->isDown());
    QCOMPARE(product->health(), ServiceSnapshot::Health::Down);

    // ...the timeline has the event...
    EventModel *events = window->timeline()->model();
    int killedRow = -1;
    QTRY_VERIFY([&] {
        for (int r = 0; r < events->rowCount(); ++r)
            if (events->event(r).kind == QLatin1String("killed") &&
                events->event(r).source == QLatin1String("product"))
                killedRow = r;
        return killedRow >= 0;
    }());
    QVERIFY(window->charts()->markerCount() >= 1);

    // ...clicking it selects the product node...
    window->timeline()->activateRow(killedRow);
    QCOMPARE(window->topology()->selectedService(), QStringLiteral("product"));

    // ...and cart keeps serving: its chart line goes on above zero after the kill,
    // and its node and last second's calls are fine.
    QTRY_VERIFY_WITH_TIMEOUT(cart->count() > 0 && cart->at(cart->count() - 1).x() > killedAt + 2.0,
                             8000);
    QVERIFY(lastY(cart) > 0);
    const ServiceSnapshot *cartSnap = c->snapshot().service(QStringLiteral("cart"));
    QVERIFY(cartSnap);
    QVERIFY(cartSnap->stats.last.total() > 0);
    QCOMPARE(cartSnap->stats.last.succeeded(), cartSnap->stats.last.total());
    QVERIFY(!window->topology()->node(QStringLiteral("cart"))->isDown());
    QCOMPARE(window->topology()->node(QStringLiteral("cart"))->health(),
             ServiceSnapshot::Health::Healthy);

    // The menu now offers a restart; R on the selected node does it.
    std::unique_ptr<QMenu> again(window->topology()->serviceMenu(QStringLiteral("product")));
    QAction *restart = again->findChild<QAction *>(QStringLiteral("restart-service"));
    QVERIFY(restart && restart->isEnabled());
    window->activateWindow();
    QTest::keyClick(window.get(), Qt::Key_R);
    QTRY_VERIFY_WITH_TIMEOUT(!product->isDown(), 5000);
}

void TestGui::checkoutInStorefrontShowsOrderInDatabase()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    StorefrontPanel *store = window->storefront();

    // Opening the storefront browses the catalogue.
    window->showDock(QStringLiteral("storefront"));
    QTRY_VERIFY(store->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(store->products()->rowCount() > 0, 5000);
    store->products()->selectRow(0);

    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("store-add")),
                      Qt::LeftButton);
    QTRY_VERIFY(store->lastReply().label.startsWith(QLatin1String("POST /carts/")));
    QCOMPARE(store->lastReply().status, 201);

    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("store-checkout")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(store->lastReply().label == QLatin1String("POST /orders"), 5000);
    QCOMPARE(store->lastReply().status, 201);
    const QString orderId =
        store->lastReply().body.toObject().value(QStringLiteral("id")).toString();
    QVERIFY(!orderId.isEmpty());

    // The waterfall shows the saga's path: users → order, then order → cart and order → product.
    QStringList hops;
    for (const Span &s : store->waterfall()->spans())
        hops << s.name;
    QVERIFY2(hops.contains(QStringLiteral("users→order")), qPrintable(hops.join(QLatin1Char(','))));
    QVERIFY2(hops.contains(QStringLiteral("order→cart")), qPrintable(hops.join(QLatin1Char(','))));
    QVERIFY2(hops.contains(QStringLiteral("order→product")),
             qPrintable(hops.join(QLatin1Char(','))));

    // The same key again: the first answer, not a second order.
    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("store-retry")),
                      Qt::LeftButton);
    QTRY_VERIFY(store->pending() == 0);
    QCOMPARE(store->lastReply().body.toObject().value(QStringLiteral("id")).toString(), orderId);

    // The database inspector shows it in order.db; cart.db holds only carts.
    window->showDock(QStringLiteral("databases"));
    DatabaseInspector *inspector = window->inspector();
    QTRY_VERIFY(inspector->isVisible());
    inspector->selectService(QStringLiteral("cart"));
    QCOMPARE(inspector->tables(), QStringList{QStringLiteral("cart_items")});
    inspector->selectService(QStringLiteral("order"));
    QVERIFY(inspector->selectTable(QStringLiteral("orders")));
    SqliteTableModel *rows = inspector->model();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < rows->rowCount(); ++r)
                if (rows->value(r, QStringLiteral("id")) == orderId)
                    return rows->value(r, QStringLiteral("status")) == QLatin1String("CONFIRMED");
            return false;
        }(),
        5000);
    QCOMPARE(rows->totalRows(), 1);
}

void TestGui::exportsWriteFiles()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.filePath(QStringLiteral("run")), 100);
    QVERIFY(window);
    window->controller()->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window->controller()->lastWindow() >= 2, 5000);
    QString error;
    const QString csv = dir.filePath(QStringLiteral("series.csv"));
    QVERIFY2(exportSeriesCsv(window->controller()->platform(), csv, &error), qPrintable(error));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QVERIFY(lines.first().startsWith("t,entity,requests,ok,"));
    QVERIFY(std::any_of(lines.begin(), lines.end(),
                        [](const QByteArray &l) { return l.contains(",service:cart,"); }));
    for (const QString &name : {QStringLiteral("topology.png"), QStringLiteral("topology.svg")}) {
        QVERIFY2(exportScene(window->topology(), dir.filePath(name), &error), qPrintable(error));
        QVERIFY(QFileInfo(dir.filePath(name)).size() > 1000);
    }
    const QString charts = dir.filePath(QStringLiteral("charts.svg"));
    QVERIFY2(exportWidget(window->charts(), charts, &error), qPrintable(error));
    QVERIFY(QFileInfo(charts).size() > 1000);
    QVERIFY(!exportScene(window->topology(), QStringLiteral("/no/such/folder/t.png"), &error));
    QVERIFY(error.contains(QLatin1String("/no/such/folder/t.png")));
}

void TestGui::badGuiOptionsExitWith2_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("quit-after not a number")
        << QStringList{QStringLiteral("--quit-after"), QStringLiteral("soon")};
    QTest::newRow("quit-after negative")
        << QStringList{QStringLiteral("--quit-after"), QStringLiteral("-1")};
    QTest::newRow("screenshot not png")
        << QStringList{QStringLiteral("--screenshot"), QStringLiteral("shot.txt")};
    QTest::newRow("screenshot folder missing")
        << QStringList{QStringLiteral("--screenshot"), QStringLiteral("/no/such/folder/shot.png")};
    QTest::newRow("size too small")
        << QStringList{QStringLiteral("--size"), QStringLiteral("10x10")};
    QTest::newRow("kill-at malformed")
        << QStringList{QStringLiteral("--kill-at"), QStringLiteral("product")};
    QTest::newRow("kill-at unknown service")
        << QStringList{QStringLiteral("--kill-at"), QStringLiteral("billing@2")};
}

void TestGui::badGuiOptionsExitWith2()
{
    QFETCH(QStringList, args);
    QTemporaryDir dir;
    QCommandLineParser parser;
    addGuiOptions(parser);
    QVERIFY(parser.parse(QStringList{QStringLiteral("microcosm")} + args));
    HeadlessOptions options;
    options.dataDir = dir.path();
    QCOMPARE(runGui(parser, options), 2);
}

void TestGui::screenshotOptionWritesPng()
{
    QTemporaryDir dir;
    const QString shot = dir.filePath(QStringLiteral("shot.png"));
    QCommandLineParser parser;
    addGuiOptions(parser);
    QVERIFY(parser.parse({QStringLiteral("microcosm"), QStringLiteral("--screenshot"), shot,
                          QStringLiteral("--quit-after"), QStringLiteral("1.5"),
                          QStringLiteral("--size"), QStringLiteral("1200x800")}));
    HeadlessOptions options;
    options.dataDir = dir.filePath(QStringLiteral("run"));
    options.rate = 50;
    QCOMPARE(runGui(parser, options), 0);
    const QImage image(shot);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(1200, 800));
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
