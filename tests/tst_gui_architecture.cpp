// The window on architectures other than the shop: every panel lists what
// runs (its deployables, its declared calls, its database files once each),
// the storefront becomes a request panel whose traced request succeeds, and
// the shop deployed as one monolith still shops, its calls in-process.
#include "chaoscontrols.h"
#include "controlspanel.h"
#include "databaseinspector.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "policycontrols.h"
#include "scenario.h"
#include "shopcontroller.h"
#include "sqlitetablemodel.h"
#include "storefront.h"
#include "waterfallview.h"

#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace microcosm;

namespace {

// Made up for this test: front reads its pages and calls items; items and
// ledger are separate deployables sharing one file; POST /items records in
// ledger through an internal route the users may not call.
const char *Generic = R"({
  "title": "a generic architecture",
  "duration": 30,
  "architecture": {
    "name": "pages-and-items",
    "services": {
      "front": {
        "replicas": 2, "workers": 4, "coldStartMs": 20,
        "serviceTime": { "distribution": "constant", "meanMs": 1 },
        "tables": { "pages": { "rows": 12, "payloadBytes": 16 } },
        "routes": {
          "GET /pages/{id}": { "sql": [ { "read": "pages", "rows": 2 } ],
                               "calls": [ { "call": "GET /items/{id}" } ] }
        }
      },
      "items": {
        "replicas": 1, "workers": 4, "coldStartMs": 20,
        "serviceTime": { "distribution": "constant", "meanMs": 1 },
        "tables": { "items": { "rows": 40 } },
        "routes": {
          "GET /items/{id}": { "sql": [ { "read": "items" } ] },
          "POST /items": { "sql": [ { "insert": "items" } ],
                           "calls": [ { "call": "POST /ledger" } ] }
        }
      },
      "ledger": {
        "replicas": 1, "workers": 2, "coldStartMs": 20,
        "serviceTime": { "distribution": "constant", "meanMs": 1 },
        "tables": { "entries": { "rows": 5 } },
        "routes": {
          "POST /ledger": { "internal": true, "sql": [ { "insert": "entries" } ] }
        }
      }
    },
    "deployments": [ { "database": "shared", "services": ["items", "ledger"] } ]
  }
})";

// The shop's own three services in one deployable.
const char *Monolith = R"({
  "title": "the shop as a monolith",
  "duration": 30,
  "architecture": {
    "name": "shop-monolith",
    "services": { "product": {}, "cart": {}, "order": {} },
    "deployments": [ { "name": "monolith", "services": ["product", "cart", "order"],
                       "replicas": 1, "workers": 8, "coldStartMs": 20 } ]
  }
})";

QStringList comboData(QComboBox *box)
{
    QStringList out;
    for (int i = 0; i < box->count(); ++i)
        out << box->itemData(i).toString();
    return out;
}

QStringList spanNames(const StorefrontPanel *store)
{
    QStringList hops;
    for (const Span &s : store->waterfall()->spans())
        hops << s.name;
    return hops;
}

} // namespace

class TestGuiArchitecture : public QObject
{
    Q_OBJECT

private slots:
    void panelsNameExactlyTheDeployables();
    void inspectorListsEachFileOnce();
    void requestPanelSendsATracedRequest();
    void monolithStorefrontStillShops();

private:
    // A window on a fresh session of the scenario's architecture, load paused.
    std::unique_ptr<MainWindow> open(const QString &dir, const char *scenarioJson);
    IsolatedSettings m_settings; // never the user's own settings
};

std::unique_ptr<MainWindow> TestGuiArchitecture::open(const QString &dir, const char *scenarioJson)
{
    QStringList errors;
    const std::optional<Scenario> scenario = Scenario::parse(QByteArray(scenarioJson), &errors);
    if (!scenario) {
        qWarning().noquote() << errors.join(QLatin1Char('\n'));
        return nullptr;
    }
    LoadConfig load = scenario->load;
    load.profile.rate = 0;
    auto session =
        std::make_unique<ShopSession>(dir, scenario->architecture, scenario->platform, load);
    if (!session->start(seconds(20))) {
        qWarning().noquote() << session->startError();
        return nullptr;
    }
    MainWindow::Options options;
    options.persistSettings = false;
    options.size = QSize(1400, 900);
    auto window = std::make_unique<MainWindow>(std::move(session), options);
    window->resize(options.size);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return nullptr;
    return window;
}

void TestGuiArchitecture::panelsNameExactlyTheDeployables()
{
    QTemporaryDir dir;
    auto window = open(dir.path(), Generic);
    QVERIFY(window);
    const QStringList deployables{"front", "items", "ledger"};
    QCOMPARE(window->controller()->architecture().deployables(), deployables);
    QCOMPARE(window->controller()->platform().serviceNames(), deployables);
    QVERIFY(window->windowTitle().contains(QLatin1String("pages-and-items")));

    // Services: one row of replicas, kill and restart per deployable, no other.
    QStringList rows;
    for (const QSpinBox *box : window->controls()->findChildren<QSpinBox *>())
        if (box->objectName().startsWith(QLatin1String("replicas-")))
            rows << box->objectName().mid(int(qstrlen("replicas-")));
    rows.sort();
    QCOMPARE(rows, deployables);
    QCOMPARE(window->controls()->replicasBox(QStringLiteral("front"))->value(), 2);
    for (const QString &s : deployables) {
        QVERIFY(window->controls()->findChild<QPushButton *>(QStringLiteral("kill-") + s));
        QVERIFY(window->controls()->findChild<QPushButton *>(QStringLiteral("restart-") + s));
    }
    QVERIFY(!window->controls()->findChild<QSpinBox *>(QStringLiteral("replicas-product")));

    // Policies: the gateway default, users → each deployable, and the two
    // calls the routes declare (front → items, items → ledger); nothing of the shop's.
    auto *edges = window->findChild<QComboBox *>(QStringLiteral("policy-edge"));
    QVERIFY(edges);
    QCOMPARE(comboData(edges), (QStringList{"users>*", "users>front", "users>items", "users>ledger",
                                            "front>items", "items>ledger"}));
    for (int i = 0; i < edges->count(); ++i)
        QVERIFY2(!edges->itemText(i).contains(QLatin1String("saga")),
                 qPrintable(edges->itemText(i)));
    // A declared call's policy is the gateway's for that edge.
    PolicyControls *policies = window->controls()->policies();
    QVERIFY(policies->selectEdge(QStringLiteral("front>items")));
    policies->timeoutBox()->setValue(700);
    QTRY_COMPARE(qint64(toMs(window->controller()
                                 ->policy(QStringLiteral("front"), QStringLiteral("items"))
                                 .timeout)),
                 qint64(700));

    // Autoscaler and chaos: each deployable, once.
    auto *autoscaled = window->findChild<QComboBox *>(QStringLiteral("autoscaler-service"));
    auto *broken = window->findChild<QComboBox *>(QStringLiteral("chaos-service"));
    QVERIFY(autoscaled && broken);
    QCOMPARE(comboData(autoscaled), deployables);
    QCOMPARE(comboData(broken), deployables);

    // A database fault names the shared file and who shares it.
    ChaosControls *chaos = window->controls()->chaos();
    QVERIFY(chaos->selectService(QStringLiteral("ledger")));
    QVERIFY(chaos->lockButton()->toolTip().contains(QLatin1String("shared.db is shared by "
                                                                  "items, ledger")));
    QTest::mouseClick(chaos->lockButton(), Qt::LeftButton);
    QTRY_VERIFY(window->controller()->databaseLocked(QStringLiteral("ledger")));
    const QLabel *now = window->findChild<QLabel *>(QStringLiteral("chaos-now"));
    QTRY_VERIFY2(now->text().contains(QLatin1String("shared.db: writes blocked")),
                 qPrintable(now->text()));
    QTest::mouseClick(chaos->lockButton(), Qt::LeftButton);
    QTRY_VERIFY(!window->controller()->databaseLocked(QStringLiteral("ledger")));
}

void TestGuiArchitecture::inspectorListsEachFileOnce()
{
    QTemporaryDir dir;
    auto window = open(dir.path(), Generic);
    QVERIFY(window);
    window->showDock(QStringLiteral("databases"));
    DatabaseInspector *inspector = window->inspector();
    QTRY_VERIFY(inspector->isVisible());

    // front.db for front alone; one shared.db for items and ledger, listed once.
    QCOMPARE(inspector->files(), (QStringList{"front.db", "shared.db"}));
    auto *files = inspector->findChild<QComboBox *>(QStringLiteral("db-file"));
    QVERIFY(files);
    QCOMPARE(files->count(), 2);
    QCOMPARE(files->itemText(1), QStringLiteral("shared.db (shared by items, ledger)"));

    inspector->selectService(QStringLiteral("front"));
    QCOMPARE(inspector->file(), QStringLiteral("front.db"));
    QCOMPARE(inspector->tables(), QStringList{QStringLiteral("pages")});
    // A generic table's own columns, seeded with ids 1..rows.
    QVERIFY(inspector->selectTable(QStringLiteral("pages")));
    SqliteTableModel *rows = inspector->model();
    QTRY_COMPARE(rows->columns(), (QStringList{"id", "value", "payload"}));
    QCOMPARE(rows->totalRows(), 12);
    QCOMPARE(rows->value(0, QStringLiteral("id")), QStringLiteral("12"));
    QCOMPARE(rows->value(0, QStringLiteral("payload")), QStringLiteral("(binary, 16 bytes)"));

    // Either sharer opens the same file, with both services' tables.
    inspector->selectService(QStringLiteral("ledger"));
    QCOMPARE(inspector->file(), QStringLiteral("shared.db"));
    QCOMPARE(inspector->tables(), (QStringList{"entries", "items"}));
    inspector->selectService(QStringLiteral("items"));
    QCOMPARE(inspector->file(), QStringLiteral("shared.db"));
    QVERIFY(inspector->selectTable(QStringLiteral("items")));
    QTRY_COMPARE(rows->totalRows(), 40);
}

void TestGuiArchitecture::requestPanelSendsATracedRequest()
{
    QTemporaryDir dir;
    auto window = open(dir.path(), Generic);
    QVERIFY(window);
    window->showDock(QStringLiteral("storefront"));
    StorefrontPanel *store = window->storefront();
    QTRY_VERIFY(store->isVisible());
    QVERIFY(!store->isShop());
    QVERIFY(!store->products());
    QVERIFY(!window->findChild<QPushButton *>(QStringLiteral("store-checkout")));

    // The routes the users may call, and not the internal one.
    QStringList routes = store->routes();
    routes.sort();
    QCOMPARE(routes, (QStringList{"GET /items/{id}", "GET /pages/{id}", "POST /items"}));

    // A picked route's parameters are random ids; Send goes through the gateway, traced.
    QVERIFY(store->selectRoute(QStringLiteral("GET /pages/{id}")));
    static const QRegularExpression page(QStringLiteral("^/pages/([0-9]+)$"));
    const QRegularExpressionMatch m = page.match(store->requestPath());
    QVERIFY2(m.hasMatch(), qPrintable(store->requestPath()));
    const int id = m.captured(1).toInt();
    QVERIFY(id >= 1 && id <= 1000);
    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("request-send")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(store->pending() == 0 && store->lastReply().token != 0, 5000);
    QCOMPARE(store->lastReply().label, QStringLiteral("GET ") + store->requestPath());
    QCOMPARE(store->lastReply().status, 200);
    QCOMPARE(store->lastReply().body.toObject().value(QStringLiteral("service")).toString(),
             QStringLiteral("front"));
    // The status line says so, and the waterfall shows the hops: users → front, front → items.
    const QLabel *status = window->findChild<QLabel *>(QStringLiteral("store-status"));
    QVERIFY2(status->text().contains(QLatin1String("200 OK")), qPrintable(status->text()));
    const QStringList hops = spanNames(store);
    QVERIFY2(hops.contains(QStringLiteral("users→front")), qPrintable(hops.join(',')));
    QVERIFY2(hops.contains(QStringLiteral("front→items")), qPrintable(hops.join(',')));
    QVERIFY(store->lastReply().ms > 0);

    // A POST sent from the path field (Enter): items creates, then records in ledger.
    QVERIFY(store->selectRoute(QStringLiteral("POST /items")));
    QCOMPARE(store->requestPath(), QStringLiteral("/items"));
    auto *path = window->findChild<QLineEdit *>(QStringLiteral("request-path"));
    QTest::keyClick(path, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(
        store->pending() == 0 && store->lastReply().label == QLatin1String("POST /items"), 5000);
    QCOMPARE(store->lastReply().status, 201);
    QTRY_VERIFY(spanNames(store).contains(QStringLiteral("items→ledger")));
}

void TestGuiArchitecture::monolithStorefrontStillShops()
{
    QTemporaryDir dir;
    auto window = open(dir.path(), Monolith);
    QVERIFY(window);
    ShopController *controller = window->controller();
    QCOMPARE(controller->platform().serviceNames(), QStringList{QStringLiteral("monolith")});
    QVERIFY(controller->hasShop());
    // Calls between modules are in-process: no edge to set a policy on.
    QVERIFY(controller->platform().declaredCalls().empty());
    auto *edges = window->findChild<QComboBox *>(QStringLiteral("policy-edge"));
    QCOMPARE(comboData(edges), (QStringList{"users>*", "users>monolith"}));
    auto *broken = window->findChild<QComboBox *>(QStringLiteral("chaos-service"));
    QCOMPARE(broken->itemText(0), QStringLiteral("monolith (product, cart, order)"));

    // The shop's routes are there, all served by the monolith.
    const QMap<QString, QStringList> routes = controller->architecture().routeKeys();
    QCOMPARE(routes.keys(), QStringList{QStringLiteral("monolith")});
    for (const char *key : {"GET /products", "POST /carts/{user}/items", "POST /orders"})
        QVERIFY2(routes.value(QStringLiteral("monolith")).contains(QLatin1String(key)), key);

    window->showDock(QStringLiteral("storefront"));
    StorefrontPanel *store = window->storefront();
    QTRY_VERIFY(store->isVisible());
    QVERIFY(store->isShop());
    QTRY_VERIFY_WITH_TIMEOUT(store->products()->rowCount() > 0, 5000);
    store->products()->selectRow(0);
    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("store-add")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(store->lastReply().label.startsWith(QLatin1String("POST /carts/")),
                             5000);
    QCOMPARE(store->lastReply().status, 201);
    QTest::mouseClick(window->findChild<QPushButton *>(QStringLiteral("store-checkout")),
                      Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(store->lastReply().label == QLatin1String("POST /orders"), 5000);
    QCOMPARE(store->lastReply().status, 201);
    const QString orderId =
        store->lastReply().body.toObject().value(QStringLiteral("id")).toString();
    QVERIFY(!orderId.isEmpty());
    // The saga ran inside the one deployable: the gateway's hop to it, and no hop out of it.
    const QStringList hops = spanNames(store);
    QVERIFY2(hops.contains(QStringLiteral("users→monolith")), qPrintable(hops.join(',')));
    QVERIFY2(
        std::none_of(hops.begin(), hops.end(),
                     [](const QString &h) { return h.startsWith(QLatin1String("monolith→")); }),
        qPrintable(hops.join(',')));
    for (const char *edge : {"edge:order>product", "edge:order>cart", "edge:monolith>monolith"})
        QCOMPARE(controller->platform()
                     .metrics()
                     .summary(EntityKey::named(QString::fromLatin1(edge)))
                     .total(),
                 std::uint64_t(0));

    // One file, holding every module's tables, with the order confirmed in it.
    window->showDock(QStringLiteral("databases"));
    DatabaseInspector *inspector = window->inspector();
    QTRY_VERIFY(inspector->isVisible());
    QCOMPARE(inspector->files(), QStringList{QStringLiteral("monolith.db")});
    inspector->selectService(QStringLiteral("order"));
    QCOMPARE(inspector->file(), QStringLiteral("monolith.db"));
    const QStringList tables = inspector->tables();
    for (const char *t : {"products", "cart_items", "orders"})
        QVERIFY2(tables.contains(QLatin1String(t)), qPrintable(tables.join(',')));
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
}

QTEST_MAIN(TestGuiArchitecture)
#include "tst_gui_architecture.moc"
