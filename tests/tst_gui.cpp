// The main window driven as a user would, offscreen: start the load and see
// the charts move, kill a service from its right-click menu and see what a
// student should see, check out by hand and find the order in order.db;
// open a preset scenario and read its lesson, run one to its verdict, save
// the set-up as a scenario, and work the policy, autoscaler and chaos
// controls and every right-click action.
#include "autoscalercontrols.h"
#include "chaoscontrols.h"
#include "chartspanel.h"
#include "controlspanel.h"
#include "databaseinspector.h"
#include "eventmodel.h"
#include "eventtimeline.h"
#include "exporter.h"
#include "gui.h"
#include "guitestsupport.h"
#include "livescenario.h"
#include "mainwindow.h"
#include "policycontrols.h"
#include "scenariopanel.h"
#include "scenariowriter.h"
#include "setupcapture.h"
#include "shopcontroller.h"
#include "sqlitetablemodel.h"
#include "storefront.h"
#include "topologyedge.h"
#include "topologynode.h"
#include "topologyview.h"
#include "waterfallview.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

using namespace microcosm;

class TestGui : public QObject
{
    Q_OBJECT

private slots:
    void startLoadAndSeeThroughputGrow();
    void killProductFromItsContextMenu();
    void checkoutInStorefrontShowsOrderInDatabase();
    void exportsWriteFiles();
    void badGuiOptionsExitWith2_data();
    void badGuiOptionsExitWith2();
    void screenshotOptionWritesPng();
    void openPresetFromScenariosMenu();
    void scenarioRunsToItsVerdict();
    void presetsSurviveWriteAndParse_data();
    void presetsSurviveWriteAndParse();
    void saveScenarioRoundTrip();
    void policyControlsChangeTheGateway();
    void autoscalerAndLoadShapeControls();
    void chaosControlsInjectAFault();
    void everyRightClickActionDoesSomething();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &dir, double rate);
    IsolatedSettings m_settings; // never the user's own settings
};

std::unique_ptr<MainWindow> TestGui::openWindow(const QString &dir, double rate)
{
    TestWindow w;
    w.rate = rate;
    return openTestWindow(dir, w);
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
    QCOMPARE(lines.first(), QByteArray("time,entity,metric,value"));
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
    QTest::newRow("quit-after NaN")
        << QStringList{QStringLiteral("--quit-after"), QStringLiteral("nan")};
    QTest::newRow("quit-after infinite")
        << QStringList{QStringLiteral("--quit-after"), QStringLiteral("inf")};
    QTest::newRow("kill-at NaN") << QStringList{QStringLiteral("--kill-at"),
                                                QStringLiteral("product@nan")};
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

void TestGui::openPresetFromScenariosMenu()
{
    const QString presets = MainWindow::presetsDirectory();
    QVERIFY2(!presets.isEmpty(), "the preset scenarios were not found");
    QStringList problems;
    const auto preset =
        Scenario::fromFile(QDir(presets).filePath(QStringLiteral("kill-product.json")), &problems);
    QVERIFY2(preset, qPrintable(problems.join(QLatin1Char('\n'))));

    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 50);
    QVERIFY(window);
    const QString firstDir = window->controller()->platform().dataDir();

    // Scenarios → Kill the product service.
    QAction *action = window->scenariosMenu()->findChild<QAction *>(
        QStringLiteral("scenario-preset-kill-product"));
    QVERIFY(action);
    QCOMPARE(action->text(), preset->title);
    QSignalSpy replaced(window.get(), &MainWindow::sessionReplaced);
    action->trigger();
    QVERIFY(window->startingSession());
    QVERIFY(replaced.wait(15000));
    QTRY_VERIFY(window->liveScenario());

    // A fresh shop in a sub-folder of the data directory, running the scenario's load.
    const QString runDir = window->controller()->platform().dataDir();
    QVERIFY(runDir != firstDir);
    QCOMPARE(QFileInfo(runDir).absolutePath(), QFileInfo(firstDir).absoluteFilePath());
    QVERIFY(QFileInfo::exists(QDir(runDir).filePath(QStringLiteral("product.db"))));
    QVERIFY(window->controller()->loadRunning());
    QCOMPARE(window->controller()->rate(), 150.0);
    // Its policies are in force and shown.
    QVERIFY(window->controller()
                ->policy(QStringLiteral("users"), QStringLiteral("product"))
                .fallbackEnabled);

    // The side panel: title, the lesson, and the steps to come.
    ScenarioPanel *panel = window->scenarioPanel();
    QVERIFY(panel->isVisible());
    QCOMPARE(panel->titleText(), preset->title);
    QCOMPARE(panel->lessonText(), preset->lesson);
    QVERIFY(panel->lessonText().contains(QLatin1String("Watch the cart")));
    const QStringList steps = panel->timelineRows();
    QCOMPARE(steps.size(), 2);
    QVERIFY2(steps[0].contains(QLatin1String("kill product")), qPrintable(steps.join('|')));
    QVERIFY2(steps[1].contains(QLatin1String("restart product")), qPrintable(steps.join('|')));
    QCOMPARE(window->liveScenario()->upcoming().size(), 2);
    QTRY_VERIFY(panel->progress()->value() > 0);
    // The expectations are listed, to be judged at the end.
    QCOMPARE(panel->resultRows().size(), preset->expectations.size());
    QVERIFY(hasEvent(*window, QStringLiteral("scenario-start")) ||
            window->controller()->platform().events().lastSeq() > 0);
}

void TestGui::scenarioRunsToItsVerdict()
{
    // A short scenario with one expectation that holds and one that cannot.
    QStringList problems;
    const auto scenario = Scenario::parse(R"({
        "title": "Short run", "lesson": "Two seconds of load, then the verdict.",
        "duration": 2, "load": { "profile": { "shape": "constant", "rate": 40 } },
        "timeline": [ { "at": 1, "action": "latency", "service": "cart", "ms": 5 } ],
        "expect": [
            { "metric": "success-rate", "entity": "gateway", "op": ">=", "value": 0.5 },
            { "metric": "requests", "entity": "gateway", "op": ">=", "value": 1000000 },
            { "metric": "invariants" } ] })",
                                          &problems);
    QVERIFY2(scenario, qPrintable(problems.join(QLatin1Char('\n'))));
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    window->openScenario(*scenario);
    QTRY_VERIFY_WITH_TIMEOUT(window->liveScenario(), 15000);
    LiveScenario *live = window->liveScenario();
    QTRY_VERIFY_WITH_TIMEOUT(live->phase() == LiveScenario::Phase::Done, 20000);
    QVERIFY(live->settled());
    QVERIFY(live->audit().ok);
    QCOMPARE(live->results().size(), 3);
    QVERIFY(live->results()[0].held);
    QVERIFY(!live->results()[1].held);
    QVERIFY(!live->passed());

    // PASS / FAIL with the measured value, in the panel...
    const QStringList rows = window->scenarioPanel()->resultRows();
    QCOMPARE(rows.size(), 3);
    QVERIFY2(rows[0].startsWith(QLatin1String("PASS")), qPrintable(rows[0]));
    QVERIFY2(rows[1].startsWith(QLatin1String("FAIL")), qPrintable(rows[1]));
    QVERIFY(rows[1].contains(QLatin1String("measured")));
    // ...and the failure as an event on the timeline.
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("expect-violated"), QStringLiteral("scenario")));
    QVERIFY(!window->controller()->loadRunning());
    // The debrief, told from the window's recording, names the fault and
    // the audit's verdict, and the panel shows it.
    QVERIFY2(live->debrief().contains(QStringLiteral("fault injected into cart")),
             qPrintable(live->debrief()));
    QVERIFY2(live->debrief().contains(QStringLiteral("the audit passed")),
             qPrintable(live->debrief()));
    auto *debrief =
        window->scenarioPanel()->findChild<QLabel *>(QStringLiteral("scenario-debrief"));
    QVERIFY(debrief);
    QVERIFY(debrief->isVisible());
    QVERIFY(debrief->text().contains(live->debrief()));
}

void TestGui::presetsSurviveWriteAndParse_data()
{
    QTest::addColumn<QString>("file");
    const QString presets = MainWindow::presetsDirectory();
    for (const QFileInfo &f :
         QDir(presets).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(f.completeBaseName())) << f.filePath();
}

void TestGui::presetsSurviveWriteAndParse()
{
    // Every field the writer knows, written and read back, gives the same file.
    QFETCH(QString, file);
    QStringList problems;
    const auto original = Scenario::fromFile(file, &problems);
    QVERIFY2(original, qPrintable(problems.join(QLatin1Char('\n'))));
    const QByteArray written = scenarioToBytes(*original);
    const auto again = Scenario::parse(written, &problems);
    QVERIFY2(again, qPrintable(problems.join(QLatin1Char('\n'))));
    QCOMPARE(scenarioToJson(*again), scenarioToJson(*original));
    QCOMPARE(again->timeline.size(), original->timeline.size());
    QCOMPARE(again->expectations.size(), original->expectations.size());
}

void TestGui::saveScenarioRoundTrip()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.filePath(QStringLiteral("run")), 60);
    QVERIFY(window);
    ShopController *c = window->controller();
    // Set up by hand: cart scaled to 3, the rate at 77, retries and a tighter
    // timeout on users → product, a rate limit, product's autoscaler on.
    QVERIFY(c->scaleService(QStringLiteral("cart"), 3));
    window->controls()->rateBox()->setValue(77);
    PolicyControls *policies = window->controls()->policies();
    QVERIFY(policies->selectEdge(QStringLiteral("users>product")));
    policies->retryBox()->click();
    policies->timeoutBox()->setValue(700);
    QTRY_COMPARE(toMs(c->policy(QStringLiteral("users"), QStringLiteral("product")).timeout),
                 700.0);
    policies->rateLimitBox()->click();
    AutoscalerControls *as = window->controls()->autoscalers();
    QVERIFY(as->selectService(QStringLiteral("product")));
    as->enabledBox()->click();

    const QString path = dir.filePath(QStringLiteral("saved.json"));
    QString error;
    QVERIFY2(window->saveScenario(path, &error), qPrintable(error));
    QStringList problems;
    const auto saved = Scenario::fromFile(path, &problems);
    QVERIFY2(saved, qPrintable(problems.join(QLatin1Char('\n'))));
    QVERIFY(saved->serviceConfig(QStringLiteral("cart")) &&
            saved->serviceConfig(QStringLiteral("product")));
    QCOMPARE(saved->serviceConfig(QStringLiteral("cart"))->replicas, 3);
    QCOMPARE(saved->serviceConfig(QStringLiteral("product"))->replicas,
             c->configuredReplicas(QStringLiteral("product")));
    QCOMPARE(saved->load.profile.rate, 77.0);
    QVERIFY(
        saved->edges.count(EntityKey::edge(QStringLiteral("users"), QStringLiteral("product"))));
    const EdgePolicy &p =
        saved->edges.at(EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")));
    QVERIFY(p.retryEnabled);
    QCOMPARE(toMs(p.timeout), 700.0);
    QVERIFY(saved->rateLimit > 0);
    QVERIFY(saved->autoscalers.count(QStringLiteral("product")));
    QVERIFY(saved->autoscalers.at(QStringLiteral("product")).enabled);
    // And what was read back writes the same file again.
    QCOMPARE(scenarioToJson(*saved), scenarioToJson(captureSetup(*c, nullptr)));
}

void TestGui::policyControlsChangeTheGateway()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    ShopController *c = window->controller();
    window->controls()->showSection(QStringLiteral("policies")); // folded at first
    PolicyControls *policies = window->controls()->policies();
    const QString users = QStringLiteral("users"), product = QStringLiteral("product");
    QVERIFY(policies->selectEdge(QStringLiteral("users>product")));
    QVERIFY(!c->policy(users, product).breakerEnabled);
    QVERIFY(!policies->breakerBox()->isChecked());

    QTest::mouseClick(policies->breakerBox(), Qt::LeftButton);
    QVERIFY(c->policy(users, product).breakerEnabled);
    QTest::mouseClick(policies->fallbackBox(), Qt::LeftButton);
    QVERIFY(c->policy(users, product).fallbackEnabled);
    QTest::mouseClick(policies->retryBox(), Qt::LeftButton);
    QVERIFY(c->policy(users, product).retryEnabled);
    policies->attemptsBox()->setValue(4);
    QTRY_COMPARE(c->policy(users, product).retry.maxAttempts, 4);
    policies->bulkheadBox()->setValue(12);
    QTRY_COMPARE(c->policy(users, product).bulkheadMaxConcurrentCalls, 12);
    // Other edges keep theirs.
    QVERIFY(!c->policy(users, QStringLiteral("cart")).breakerEnabled);
    // Each change is an event on the timeline.
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("policy"), QStringLiteral("users>product")));

    // The order saga's edge, and the gateway default.
    QVERIFY(policies->selectEdge(QStringLiteral("order>product")));
    QVERIFY(!policies->breakerBox()->isChecked());
    policies->timeoutBox()->setValue(250);
    QTRY_COMPARE(toMs(c->policy(QStringLiteral("order"), product).timeout), 250.0);
    QVERIFY(policies->selectEdge(QStringLiteral("users>*")));
    QTest::mouseClick(policies->retryBox(), Qt::LeftButton);
    QVERIFY(c->policy(users, QStringLiteral("cart")).retryEnabled);

    QTest::mouseClick(policies->rateLimitBox(), Qt::LeftButton);
    QCOMPARE(c->rateLimit(), double(policies->rateLimitRateBox()->value()));
    QTest::mouseClick(policies->rateLimitBox(), Qt::LeftButton);
    QCOMPARE(c->rateLimit(), 0.0);
}

void TestGui::autoscalerAndLoadShapeControls()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    ShopController *c = window->controller();
    window->controls()->showSection(QStringLiteral("autoscaler")); // folded at first
    AutoscalerControls *as = window->controls()->autoscalers();
    QVERIFY(as->selectService(QStringLiteral("cart")));
    QVERIFY(!c->autoscaler(QStringLiteral("cart")).enabled);
    QTest::mouseClick(as->enabledBox(), Qt::LeftButton);
    AutoscalerConfig on = c->autoscaler(QStringLiteral("cart"));
    QVERIFY(on.enabled);
    QCOMPARE(on.metric, AutoscalerConfig::Metric::Utilization);
    as->maxBox()->setValue(5);
    QTRY_COMPARE(c->autoscaler(QStringLiteral("cart")).hpa.maxReplicas, 5);
    as->targetBox()->setValue(40);
    QTRY_COMPARE(c->autoscaler(QStringLiteral("cart")).hpa.target, 0.4);
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("autoscaler-on")));
    QTest::mouseClick(as->enabledBox(), Qt::LeftButton);
    QVERIFY(!c->autoscaler(QStringLiteral("cart")).enabled);

    // The load's shape: a ramp from 20 journeys/s climbs; a rate typed by hand ends it.
    c->setRate(20);
    QComboBox *shape = window->controls()->shapeBox();
    shape->setFocus();
    QTest::keyClick(shape, Qt::Key_Down);
    QCOMPARE(shape->currentData().toInt(), int(LoadProfile::Shape::Ramp));
    QVERIFY(c->shaping());
    QCOMPARE(c->loadShape().to, 80.0);
    QTRY_VERIFY_WITH_TIMEOUT(c->rate() > 22, 3000);
    QTRY_VERIFY(window->controls()->rateBox()->value() > 22);
    window->controls()->rateBox()->setValue(30);
    QVERIFY(!c->shaping());
    QCOMPARE(c->rate(), 30.0);
    QCOMPARE(shape->currentData().toInt(), int(LoadProfile::Shape::Constant));
}

void TestGui::chaosControlsInjectAFault()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    ShopController *c = window->controller();
    window->controls()->showSection(QStringLiteral("chaos")); // folded at first
    ChaosControls *chaos = window->controls()->chaos();
    const QString product = QStringLiteral("product");
    QVERIFY(chaos->selectService(product));
    QVERIFY(!chaos->injectButton()->isEnabled()); // nothing to inject yet
    chaos->latencyBox()->setValue(300);
    chaos->errorPercentBox()->setValue(10);
    QVERIFY(chaos->injectButton()->isEnabled());
    QTest::mouseClick(chaos->injectButton(), Qt::LeftButton);
    const Fault f = c->serviceFault(product);
    QCOMPARE(f.latencyMs, 300.0);
    QCOMPARE(f.errorPercent, 10.0);
    // The event, and the badge on the node.
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("fault-start"), product));
    QTRY_VERIFY(window->topology()->node(product)->faultBadge().contains(QLatin1String("+300 ms")));
    QTest::mouseClick(chaos->clearButton(), Qt::LeftButton);
    QVERIFY(!c->serviceFault(product).active());
    QTRY_VERIFY(window->topology()->node(product)->faultBadge().isEmpty());

    // Block the database's writes (reads go on), and unblock them.
    QTest::mouseClick(chaos->lockButton(), Qt::LeftButton);
    QTRY_VERIFY(c->databaseLocked(product));
    QTRY_COMPARE(window->topology()->node(QStringLiteral("db:product"))->faultBadge(),
                 QStringLiteral("WRITES BLOCKED"));
    QTest::mouseClick(chaos->lockButton(), Qt::LeftButton);
    QTRY_VERIFY(!c->databaseLocked(product));

    // The chaos monkey, on and off.
    QTest::mouseClick(chaos->monkeyBox(), Qt::LeftButton);
    QVERIFY(c->monkeyRunning());
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("monkey-on")));
    QTest::mouseClick(chaos->clearAllButton(), Qt::LeftButton);
    QVERIFY(!c->monkeyRunning());
    QTRY_VERIFY(!chaos->monkeyBox()->isChecked());
}

void TestGui::everyRightClickActionDoesSomething()
{
    // No dead clicks: every enabled action of a service's and a link's menu
    // reports what it did (a status message) or opens the panel it names.
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    ShopController *c = window->controller();
    TopologyView *topo = window->topology();
    QSignalSpy messages(c, &ShopController::message);
    QSignalSpy chaosRequested(topo, &TopologyView::chaosRequested);
    QSignalSpy policyRequested(topo, &TopologyView::policyRequested);
    QSignalSpy inspect(topo, &TopologyView::inspectDatabase);
    auto leaves = [](QMenu *menu) {
        QStringList names;
        std::function<void(QMenu *)> walk = [&](QMenu *m) {
            for (QAction *a : m->actions()) {
                if (a->menu())
                    walk(a->menu());
                else if (!a->isSeparator() && !a->objectName().isEmpty())
                    names << a->objectName();
            }
        };
        walk(menu);
        return names;
    };
    auto findAction = [](QMenu *menu, const QString &name) -> QAction * {
        return menu->findChild<QAction *>(name);
    };
    struct Target
    {
        QString what;
        std::function<QMenu *()> menu;
    };
    const QList<Target> targets{
        {QStringLiteral("order node"),
         [topo] { return topo->serviceMenu(QStringLiteral("order")); }},
        {QStringLiteral("gateway→cart edge"),
         [topo] {
             return topo->contextMenuFor(
                 topo->edge(QStringLiteral("gateway"), QStringLiteral("cart")));
         }},
        {QStringLiteral("order→product edge"),
         [topo] {
             return topo->contextMenuFor(
                 topo->edge(QStringLiteral("order"), QStringLiteral("product")));
         }},
    };
    int triggered = 0;
    for (const Target &t : targets) {
        std::unique_ptr<QMenu> first(t.menu());
        QVERIFY(first);
        const QStringList names = leaves(first.get());
        QVERIFY2(names.size() >= 8, qPrintable(t.what + ": " + names.join(',')));
        for (const QString &name : names) {
            // A fresh menu each time: enabled states follow what the last action did.
            std::unique_ptr<QMenu> menu(t.menu());
            QAction *a = findAction(menu.get(), name);
            QVERIFY2(a, qPrintable(t.what + ": " + name));
            if (!a->isEnabled())
                continue;
            const qsizetype before =
                messages.size() + chaosRequested.size() + policyRequested.size() + inspect.size();
            a->trigger();
            ++triggered;
            QVERIFY2(messages.size() + chaosRequested.size() + policyRequested.size() +
                             inspect.size() >
                         before,
                     qPrintable(QStringLiteral("%1: \"%2\" (%3) did nothing visible")
                                    .arg(t.what, a->text(), name)));
        }
    }
    QVERIFY(triggered >= 25);
    // A few effects, as a user would check them.
    QVERIFY(c->linkFault(QStringLiteral("order"), QStringLiteral("product")).active() ||
            hasEvent(*window, QStringLiteral("fault-end"), QStringLiteral("order>product")));
    QVERIFY(c->policy(QStringLiteral("users"), QStringLiteral("cart")).breakerEnabled);
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("update-started"), QStringLiteral("order")));
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("fault-start"), QStringLiteral("users>cart")));

    // The breaker added above can now be forced open from the same menu.
    std::unique_ptr<QMenu> menu(
        topo->contextMenuFor(topo->edge(QStringLiteral("gateway"), QStringLiteral("cart"))));
    QAction *forceOpen = menu->findChild<QAction *>(QStringLiteral("breaker-force-open"));
    QVERIFY(forceOpen);
    forceOpen->trigger();
    QTRY_VERIFY([&] {
        for (const EdgeSnapshot &e : c->snapshot().edges)
            if (e.from == QLatin1String("users") && e.to == QLatin1String("cart"))
                return e.breaker == BreakerState::ForcedOpen;
        return false;
    }());
    QTRY_COMPARE(topo->edge(QStringLiteral("gateway"), QStringLiteral("cart"))->breaker(),
                 TopologyEdge::Breaker::ForcedOpen);
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
