// The topology view draws any architecture, not only the shop: services in
// columns by call depth, a monolith as one box listing its modules, a
// shared database file as one box every sharer points into, 45 services
// without two boxes on top of each other, layouts a user dragged kept per
// architecture, and colours that are the same in every run.
//
// The architectures are made up here: tiny services on a real platform
// (real worker threads, real SQLite files), their calls declared, some
// sharing a database file, one running three modules.
#include "guitestsupport.h"
#include "platform.h"
#include "sqlite.h"
#include "theme.h"
#include "topologyedge.h"
#include "topologylayout.h"
#include "topologynode.h"
#include "topologyview.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QMouseEvent>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <random>

using namespace microcosm;

namespace {

// A service that answers its one route with its own name.
class MadeUpService final : public Service
{
public:
    explicit MadeUpService(QString name, QStringList modules = {}, bool internal = false)
        : m_name(std::move(name)), m_modules(std::move(modules)), m_internal(internal)
    {
    }
    QString name() const override { return m_name; }
    QList<RouteSpec> routes() const override
    {
        RouteSpec r{QStringLiteral("GET"), QStringLiteral("/") + m_name, true};
        r.internal = m_internal;
        return {r};
    }
    QStringList modules() const override
    {
        return m_modules.isEmpty() ? QStringList{m_name} : m_modules;
    }
    void migrate(Database &db) override
    {
        db.execScript(QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (id INTEGER PRIMARY KEY)")
                          .arg(QString(m_name).replace(QLatin1Char('-'), QLatin1Char('_'))));
    }
    Response handle(const Request &, WorkerContext &) override
    {
        return Response::make(200, QJsonObject{{QStringLiteral("service"), m_name}});
    }

private:
    QString m_name;
    QStringList m_modules;
    bool m_internal;
};

struct Deployable
{
    Deployable(QString n, QString file = {}, QStringList m = {}, bool i = false)
        : name(std::move(n)), databaseFile(std::move(file)), modules(std::move(m)), internal(i)
    {
    }
    QString name;
    QString databaseFile; // empty: its own
    QStringList modules;  // empty: itself
    bool internal = false;
};

// A started platform running the deployables, with the calls declared.
std::unique_ptr<Platform> startPlatform(const QString &dir, const QList<Deployable> &deployables,
                                        const std::vector<std::pair<QString, QString>> &calls)
{
    auto platform = std::make_unique<Platform>(dir);
    ServiceConfig config;
    config.replicas = 1;
    config.workers = 1;
    config.coldStart = milliseconds(0);
    for (const Deployable &d : deployables)
        platform->addService(std::make_shared<MadeUpService>(d.name, d.modules, d.internal), config,
                             d.databaseFile);
    for (const auto &[from, to] : calls)
        platform->declareCall(from, to);
    platform->start();
    return platform;
}

bool allReady(const Platform &platform)
{
    for (ServiceHost *h : platform.hosts())
        if (h->readyCount() < 1)
            return false;
    return true;
}

// The made-up shop of this test. web (what users call) calls basket and
// catalog and the back office's billing module; basket calls pricing,
// pricing calls catalog, so catalog sits right of pricing, its deepest
// caller. audit and ledger call each other (a cycle); ledger is internal.
// basket, pricing and catalog share commerce.db.
QList<Deployable> madeUp()
{
    const QString commerce = QStringLiteral("commerce");
    return {{QStringLiteral("web")},
            {QStringLiteral("basket"), commerce},
            {QStringLiteral("pricing"), commerce},
            {QStringLiteral("catalog"), commerce},
            {QStringLiteral("backoffice"),
             {},
             {QStringLiteral("billing"), QStringLiteral("shipping"), QStringLiteral("returns")}},
            {QStringLiteral("audit")},
            {QStringLiteral("ledger"), {}, {}, true}};
}

std::vector<std::pair<QString, QString>> madeUpCalls()
{
    return {{QStringLiteral("web"), QStringLiteral("basket")},
            {QStringLiteral("web"), QStringLiteral("catalog")},
            {QStringLiteral("web"), QStringLiteral("billing")},
            {QStringLiteral("basket"), QStringLiteral("pricing")},
            {QStringLiteral("pricing"), QStringLiteral("catalog")},
            {QStringLiteral("audit"), QStringLiteral("ledger")},
            {QStringLiteral("ledger"), QStringLiteral("audit")},
            {QStringLiteral("shipping"), QStringLiteral("shipping")}};
}

// n services, s01 … sN: s(i) calls s(2i) and s(2i+1), a tree five calls
// deep; every fifth shares a file with the one before it.
QList<Deployable> many(int n, bool calls)
{
    QList<Deployable> out;
    for (int i = 1; i <= n; ++i) {
        Deployable d(QStringLiteral("s%1").arg(i, 2, 10, QLatin1Char('0')));
        if (i % 5 == 0)
            d.databaseFile = QStringLiteral("s%1").arg(i - 1, 2, 10, QLatin1Char('0'));
        d.internal = calls && i > 1;
        out << d;
    }
    return out;
}

std::vector<std::pair<QString, QString>> treeCalls(int n)
{
    std::vector<std::pair<QString, QString>> out;
    auto name = [](int i) { return QStringLiteral("s%1").arg(i, 2, 10, QLatin1Char('0')); };
    for (int i = 1; i <= n; ++i)
        for (int child : {2 * i, 2 * i + 1})
            if (child <= n)
                out.emplace_back(name(i), name(child));
    return out;
}

// The nodes' boxes (badges included), two by two: none may overlap.
QString firstOverlap(const TopologyView &view)
{
    const QList<TopologyNode *> nodes = view.nodes();
    for (int i = 0; i < nodes.size(); ++i)
        for (int j = i + 1; j < nodes.size(); ++j)
            if (nodes[i]->sceneBoundingRect().intersects(nodes[j]->sceneBoundingRect()))
                return nodes[i]->id() + QStringLiteral(" and ") + nodes[j]->id();
    return {};
}

QString outsideScene(const TopologyView &view)
{
    for (TopologyNode *n : view.nodes())
        if (!view.sceneRect().contains(n->sceneBoundingRect()))
            return n->id();
    return {};
}

int edgesInto(const TopologyView &view, const QString &id)
{
    int n = 0;
    for (TopologyEdge *e : view.edges())
        n += e->dest()->id() == id;
    return n;
}

} // namespace

class TestTopology : public QObject
{
    Q_OBJECT

private slots:
    void columnsFollowCallDepth();
    void layoutIsStableWhateverTheOrder();
    void viewDrawsTheMadeUpArchitecture();
    void badgesComeFromTheSnapshot();
    void manyServicesLayOutWithoutOverlap_data();
    void manyServicesLayOutWithoutOverlap();
    void oneServiceLaysOut();
    void draggedNodesAreSavedPerArchitecture();
    void coloursAreStableAndNeighboursDiffer();

private:
    IsolatedSettings m_settings; // never the user's own settings
};

void TestTopology::columnsFollowCallDepth()
{
    QTemporaryDir dir;
    auto platform = startPlatform(dir.path(), madeUp(), madeUpCalls());
    const SystemSnapshot snap = platform->snapshot();
    const TopologyLayout layout = layoutTopology(snap.services, snap.calls);

    const QHash<QString, int> expected = {
        {QStringLiteral("web"), 0},        {QStringLiteral("basket"), 1},
        {QStringLiteral("backoffice"), 1}, {QStringLiteral("pricing"), 2},
        {QStringLiteral("catalog"), 3},    {QStringLiteral("audit"), 0},
        {QStringLiteral("ledger"), 1}};
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QVERIFY2(layout.depth.value(it.key(), -1) == it.value(),
                 qPrintable(QStringLiteral("%1 at depth %2, not %3")
                                .arg(it.key())
                                .arg(layout.depth.value(it.key(), -1))
                                .arg(it.value())));
    // The module's name became its deployable's; the self-call is gone.
    QVERIFY(std::find(layout.calls.begin(), layout.calls.end(),
                      std::pair{QStringLiteral("web"), QStringLiteral("backoffice")}) !=
            layout.calls.end());
    for (const auto &[from, to] : layout.calls)
        QVERIFY(from != to);

    // Left to right: users, gateway, each column, the databases.
    auto x = [&](const QString &id) { return layout.positions.value(id).x(); };
    QVERIFY(x(QStringLiteral("users")) < x(QStringLiteral("gateway")));
    qreal previous = x(QStringLiteral("gateway"));
    for (const QStringList &column : layout.columns) {
        qreal left = 1e9, right = -1e9;
        for (const QString &s : column) {
            left = std::min(left, x(s));
            right = std::max(right, x(s));
        }
        QVERIFY2(left > previous, qPrintable(column.join(QLatin1Char(','))));
        previous = right;
    }
    for (const TopologyLayout::Database &d : layout.databases)
        QVERIFY2(x(d.id) > previous, qPrintable(d.id));
    // Every call that is not the cycle's broken one goes right.
    for (const auto &[from, to] : layout.calls)
        if (!(from == QLatin1String("ledger") && to == QLatin1String("audit")))
            QVERIFY2(x(to) > x(from), qPrintable(from + QLatin1Char('>') + to));
    // Top to bottom by name within a column.
    for (const QStringList &column : layout.columns) {
        QStringList byY = column;
        std::sort(byY.begin(), byY.end(), [&](const QString &a, const QString &b) {
            return layout.positions.value(a).y() < layout.positions.value(b).y();
        });
        QStringList byName = column;
        byName.sort();
        QCOMPARE(byY, byName);
    }
    // The gateway calls the user-facing ones only.
    QVERIFY(layout.userFacing.contains(QStringLiteral("web")));
    QVERIFY(!layout.userFacing.contains(QStringLiteral("ledger")));
}

void TestTopology::layoutIsStableWhateverTheOrder()
{
    QTemporaryDir dir;
    auto platform = startPlatform(dir.path(), madeUp(), madeUpCalls());
    const SystemSnapshot snap = platform->snapshot();
    const TopologyLayout first = layoutTopology(snap.services, snap.calls);
    std::mt19937 rng(7);
    for (int round = 0; round < 5; ++round) {
        QVector<ServiceSnapshot> services = snap.services;
        std::vector<std::pair<QString, QString>> calls = snap.calls;
        std::shuffle(services.begin(), services.end(), rng);
        std::shuffle(calls.begin(), calls.end(), rng);
        const TopologyLayout again = layoutTopology(services, calls);
        QCOMPARE(again.positions, first.positions);
        QCOMPARE(again.key, first.key);
    }
}

void TestTopology::viewDrawsTheMadeUpArchitecture()
{
    QTemporaryDir dir;
    auto platform = startPlatform(dir.path(), madeUp(), madeUpCalls());
    QTRY_VERIFY_WITH_TIMEOUT(allReady(*platform), 10000);
    TopologyView view(nullptr);
    view.resize(1400, 900);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSnapshot(platform->snapshot());

    // One box per deployable and per file, each where the layout says.
    for (const QString &id : view.layout().ids()) {
        TopologyNode *n = view.node(id);
        QVERIFY2(n, qPrintable(id));
        QCOMPARE(n->pos(), view.layout().positions.value(id));
    }
    QCOMPARE(view.nodes().size(), 2 + 7 + 5); // users, gateway, 7 services, 5 files
    QVERIFY2(firstOverlap(view).isEmpty(), qPrintable(firstOverlap(view)));
    QVERIFY2(outsideScene(view).isEmpty(), qPrintable(outsideScene(view)));

    // The shared file: one box, an arrow from each of its three services.
    TopologyNode *shared = view.node(QStringLiteral("db:commerce"));
    QVERIFY(shared);
    QVERIFY(!view.node(QStringLiteral("db:basket")));
    QCOMPARE(shared->services(), (QStringList{QStringLiteral("basket"), QStringLiteral("catalog"),
                                              QStringLiteral("pricing")}));
    QCOMPARE(edgesInto(view, shared->id()), 3);
    for (const QString &s : shared->services())
        QVERIFY(view.edge(s, shared->id()));
    QCOMPARE(view.databaseNode(QStringLiteral("pricing")), shared);
    QVERIFY(shared->toolTip().contains(QStringLiteral("basket, catalog, pricing")));
    std::unique_ptr<QMenu> dbMenu(view.contextMenuFor(shared));
    QVERIFY(!dbMenu); // no controller, no actions
    QCOMPARE(edgesInto(view, QStringLiteral("db:web")), 1);

    // The monolith: one box listing its modules, one database.
    TopologyNode *monolith = view.node(QStringLiteral("backoffice"));
    QVERIFY(monolith);
    QCOMPARE(monolith->modules(),
             (QStringList{QStringLiteral("billing"), QStringLiteral("shipping"),
                          QStringLiteral("returns")}));
    const QString listed = monolith->moduleLines().join(QLatin1Char(' '));
    for (const QString &m : monolith->modules())
        QVERIFY2(listed.contains(m), qPrintable(listed));
    QVERIFY(monolith->sceneBody().height() >
            view.node(QStringLiteral("web"))->sceneBody().height());
    QVERIFY(!view.node(QStringLiteral("billing")));
    QCOMPARE(edgesInto(view, QStringLiteral("db:backoffice")), 1);
    QVERIFY(view.edge(QStringLiteral("web"), QStringLiteral("backoffice")));

    // Declared calls are drawn before any is made; the gateway reaches the
    // user-facing services only.
    QVERIFY(view.edge(QStringLiteral("web"), QStringLiteral("basket")));
    QVERIFY(view.edge(QStringLiteral("pricing"), QStringLiteral("catalog")));
    QVERIFY(view.edge(QStringLiteral("gateway"), QStringLiteral("web")));
    QVERIFY(!view.edge(QStringLiteral("gateway"), QStringLiteral("ledger")));
    QVERIFY(view.edge(QStringLiteral("users"), QStringLiteral("gateway")));

    // The picture is shown as the snapshot says: every service ready.
    for (const QString &s : platform->serviceNames())
        QVERIFY2(!view.node(s)->isDown(), qPrintable(s));
}

void TestTopology::badgesComeFromTheSnapshot()
{
    QTemporaryDir dir;
    auto platform = startPlatform(dir.path(), madeUp(), madeUpCalls());
    QTRY_VERIFY_WITH_TIMEOUT(allReady(*platform), 10000);
    TopologyView view(nullptr);
    view.setSnapshot(platform->snapshot());
    QVERIFY(view.node(QStringLiteral("catalog"))->faultBadge().isEmpty());

    Fault slow;
    slow.latencyMs = 300;
    platform->chaos().setServiceFault(QStringLiteral("catalog"), slow);
    Fault lost;
    lost.partitioned = true;
    platform->chaos().setLinkFault(QStringLiteral("web"), QStringLiteral("basket"), lost);
    QVERIFY(platform->chaos().blockWrites(QStringLiteral("pricing")));
    const SystemSnapshot faulty = platform->snapshot();
    QCOMPARE(faulty.service(QStringLiteral("pricing"))->dbFault, DatabaseFault::WritesBlocked);
    view.setSnapshot(faulty);
    QVERIFY2(view.node(QStringLiteral("catalog"))->faultBadge().contains(QStringLiteral("+300 ms")),
             qPrintable(view.node(QStringLiteral("catalog"))->faultBadge()));
    QVERIFY(view.node(QStringLiteral("basket"))->faultBadge().isEmpty());
    QVERIFY(view.edge(QStringLiteral("web"), QStringLiteral("basket"))
                ->fault()
                .contains(QStringLiteral("PARTITIONED")));
    // Blocking pricing's writes blocks the file all three share.
    QCOMPARE(view.node(QStringLiteral("db:commerce"))->faultBadge(),
             QStringLiteral("WRITES BLOCKED"));
    QVERIFY(view.node(QStringLiteral("db:web"))->faultBadge().isEmpty());

    QVERIFY(platform->chaos().releaseDatabase(QStringLiteral("pricing")));
    platform->chaos().clearAll();
    view.setSnapshot(platform->snapshot());
    QVERIFY(view.node(QStringLiteral("catalog"))->faultBadge().isEmpty());
    QVERIFY(view.node(QStringLiteral("db:commerce"))->faultBadge().isEmpty());
    QVERIFY(view.edge(QStringLiteral("web"), QStringLiteral("basket"))->fault().isEmpty());
}

void TestTopology::manyServicesLayOutWithoutOverlap_data()
{
    QTest::addColumn<bool>("calls");
    QTest::newRow("a tree of calls") << true;
    QTest::newRow("no calls: one column") << false;
}

void TestTopology::manyServicesLayOutWithoutOverlap()
{
    QFETCH(bool, calls);
    constexpr int N = 45;
    QTemporaryDir dir;
    auto platform =
        startPlatform(dir.path(), many(N, calls),
                      calls ? treeCalls(N) : std::vector<std::pair<QString, QString>>());
    TopologyView view(nullptr);
    view.resize(1400, 900);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSnapshot(platform->snapshot());
    const TopologyLayout &layout = view.layout();
    QCOMPARE(layout.density, TopologyLayout::Density::Compact);
    QCOMPARE(view.nodes().size(), 2 + N + (N - N / 5));
    QVERIFY2(firstOverlap(view).isEmpty(), qPrintable(firstOverlap(view)));
    QVERIFY2(outsideScene(view).isEmpty(), qPrintable(outsideScene(view)));
    if (calls) {
        QCOMPARE(layout.columns.size(), 6); // s01 → s02 → s04 → s08 → s16 → s32
        for (const auto &[from, to] : layout.calls)
            QVERIFY2(layout.positions.value(to).x() > layout.positions.value(from).x(),
                     qPrintable(from + QLatin1Char('>') + to));
    } else {
        QCOMPARE(layout.columns.size(), 1);
    }
    // The picture fits the window, and zoomed in as far as the view goes a
    // service's title is as large as a menu's text.
    const QRectF shown = view.mapToScene(view.viewport()->rect()).boundingRect();
    for (TopologyNode *n : view.nodes())
        QVERIFY2(shown.contains(n->sceneBoundingRect()), qPrintable(n->id()));
    const double fitted = view.titlePixelSize();
    view.zoomBy(1000);
    const double zoomed = view.titlePixelSize();
    qInfo("45 services, %s: title %.1f px fitted, %.1f px zoomed in (×%.1f)",
          calls ? "tree" : "one column", fitted, zoomed, view.zoom());
    QVERIFY2(zoomed >= 14, qPrintable(QString::number(zoomed)));
}

void TestTopology::oneServiceLaysOut()
{
    QTemporaryDir dir;
    auto platform = startPlatform(dir.path(), {{QStringLiteral("solo")}}, {});
    TopologyView view(nullptr);
    view.resize(1400, 900);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSnapshot(platform->snapshot());
    QCOMPARE(view.nodes().size(), 4);
    QCOMPARE(view.layout().density, TopologyLayout::Density::Normal);
    QVERIFY(view.edge(QStringLiteral("gateway"), QStringLiteral("solo")));
    QCOMPARE(edgesInto(view, QStringLiteral("db:solo")), 1);
    QVERIFY2(firstOverlap(view).isEmpty(), qPrintable(firstOverlap(view)));
    QVERIFY2(outsideScene(view).isEmpty(), qPrintable(outsideScene(view)));
    qInfo("one service: title %.1f px", view.titlePixelSize());
    QVERIFY(view.titlePixelSize() >= 14);
}

void TestTopology::draggedNodesAreSavedPerArchitecture()
{
    QSettings().clear();
    QTemporaryDir dir;
    auto platform = startPlatform(dir.path(), madeUp(), madeUpCalls());
    const SystemSnapshot snap = platform->snapshot();
    QPointF dragged;
    QPointF home;
    {
        TopologyView view(nullptr);
        view.setPersistLayout(true);
        view.resize(1400, 900);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setSnapshot(snap);
        TopologyNode *n = view.node(QStringLiteral("pricing"));
        home = n->pos();
        // A real drag with the mouse: press on the box, move, let go.
        const QPoint from = view.mapFromScene(n->pos());
        const QPoint to = from + QPoint(60, 40);
        QWidget *vp = view.viewport();
        QMouseEvent press(QEvent::MouseButtonPress, from, vp->mapToGlobal(from), Qt::LeftButton,
                          Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(vp, &press);
        for (int i = 1; i <= 4; ++i) {
            const QPoint at = from + (to - from) * i / 4;
            QMouseEvent move(QEvent::MouseMove, at, vp->mapToGlobal(at), Qt::NoButton,
                             Qt::LeftButton, Qt::NoModifier);
            QCoreApplication::sendEvent(vp, &move);
        }
        QMouseEvent release(QEvent::MouseButtonRelease, to, vp->mapToGlobal(to), Qt::LeftButton,
                            Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(vp, &release);
        dragged = n->pos();
        QVERIFY2(dragged.x() > home.x() + 10 && dragged.y() > home.y() + 10,
                 qPrintable(QStringLiteral("(%1, %2) → (%3, %4)")
                                .arg(home.x())
                                .arg(home.y())
                                .arg(dragged.x())
                                .arg(dragged.y())));
    }
    {
        // The same architecture: the dragged box where it was left, the
        // others where the layout puts them.
        TopologyView view(nullptr);
        view.setPersistLayout(true);
        view.setSnapshot(snap);
        QCOMPARE(view.node(QStringLiteral("pricing"))->pos(), dragged);
        QCOMPARE(view.node(QStringLiteral("basket"))->pos(),
                 view.layout().positions.value(QStringLiteral("basket")));
        QVERIFY(QSettings().childGroups().contains(QStringLiteral("topology")));
    }
    {
        // Another architecture with a service of the same name: its own layout.
        QTemporaryDir other;
        auto second =
            startPlatform(other.path(), {{QStringLiteral("pricing")}, {QStringLiteral("web")}}, {});
        TopologyView view(nullptr);
        view.setPersistLayout(true);
        view.setSnapshot(second->snapshot());
        QCOMPARE(view.node(QStringLiteral("pricing"))->pos(),
                 view.layout().positions.value(QStringLiteral("pricing")));
    }
    {
        // "Reset layout" on the background's menu: back home, and forgotten.
        TopologyView view(nullptr);
        view.setPersistLayout(true);
        view.setSnapshot(snap);
        std::unique_ptr<QMenu> menu(view.backgroundMenu());
        QAction *reset = menu->findChild<QAction *>(QStringLiteral("reset-layout"));
        QVERIFY(reset);
        reset->trigger();
        QCOMPARE(view.node(QStringLiteral("pricing"))->pos(), home);
    }
    {
        TopologyView view(nullptr);
        view.setPersistLayout(true);
        view.setSnapshot(snap);
        QCOMPARE(view.node(QStringLiteral("pricing"))->pos(), home);
    }
}

void TestTopology::coloursAreStableAndNeighboursDiffer()
{
    // The shop's keep theirs.
    QCOMPARE(theme::serviceColor(QStringLiteral("product")), QColor(0x3d, 0x8b, 0xe0));
    QCOMPARE(theme::serviceColor(QStringLiteral("cart")), QColor(0x2e, 0xa0, 0x4f));
    QCOMPARE(theme::serviceColor(QStringLiteral("order")), QColor(0xa8, 0x5c, 0xd6));
    // Any other name: from the palette by a hash that is the same in every
    // run (FNV-1a of "inventory" is 11 modulo the palette's 12).
    const QList<QColor> palette = theme::servicePalette();
    QCOMPARE(palette.size(), 12);
    theme::assignServiceColors({}, {});
    QCOMPARE(theme::serviceColor(QStringLiteral("inventory")), palette[11]);
    // "payment" and "search" hash to the same colour; as neighbours they
    // get two, and the same two every time.
    QCOMPARE(theme::serviceColor(QStringLiteral("payment")),
             theme::serviceColor(QStringLiteral("search")));
    const QStringList names = {QStringLiteral("search"), QStringLiteral("payment"),
                               QStringLiteral("inventory"), QStringLiteral("cart")};
    theme::assignServiceColors(names, {{QStringLiteral("payment"), QStringLiteral("search")}});
    const QColor payment = theme::serviceColor(QStringLiteral("payment"));
    const QColor search = theme::serviceColor(QStringLiteral("search"));
    QVERIFY(payment != search);
    QCOMPARE(theme::serviceColor(QStringLiteral("cart")), QColor(0x2e, 0xa0, 0x4f));
    theme::assignServiceColors({names[3], names[1], names[0], names[2]},
                               {{QStringLiteral("search"), QStringLiteral("payment")}});
    QCOMPARE(theme::serviceColor(QStringLiteral("payment")), payment);
    QCOMPARE(theme::serviceColor(QStringLiteral("search")), search);
    // Twelve services of one architecture: twelve colours.
    QStringList twelve;
    for (int i = 0; i < 12; ++i)
        twelve << QStringLiteral("svc-%1").arg(i);
    theme::assignServiceColors(twelve, {});
    QSet<QRgb> seen;
    for (const QString &s : twelve)
        seen.insert(theme::serviceColor(s).rgb());
    QCOMPARE(seen.size(), 12);
}

QTEST_MAIN(TestTopology)
#include "tst_gui_topology.moc"
