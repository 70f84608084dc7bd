// Architectures written as data, run for real: generic services with their
// own SQLite files and their calls through the gateway; a monolith whose
// modules call each other in-process and share one file; separate services
// sharing one database; journeys with templates; and the auditor's checks
// for what it can check of a generic service.
#include "auditor.h"
#include "journeyworkload.h"
#include "scenario.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

using namespace microcosm;
using namespace microcosm::test;

class TestArchitecture : public QObject
{
    Q_OBJECT

private slots:
    void cleanup();

    void genericRouteRunsItsSqlAndCallsThroughTheGateway();
    void optionalFailureDegradesRequiredFailureFails();
    void loopsParallelGroupsAndAlternatives();
    void monolithCallsBetweenModulesInProcess();
    void sharedDatabaseIsOneFileForEveryone();
    void actionsOnAModuleActOnItsDeployable();
    void journeyTemplatesFillFromUsersRandomsAndAnswers();
    void auditorFindsATableNoServiceOwns();
    void defaultJourneysCoverEveryUserRoute();
    void cycleInsideAMonolithIsBoundedNotACrash();

private:
    // Parses a scenario holding `architecture` and starts it on a fresh directory.
    bool start(const QJsonObject &architecture, const QJsonObject &extra = {});
    Platform &platform() { return m_session->platform(); }
    QString dataDir() const { return m_dir->path(); }
    std::uint64_t edgeCalls(const QString &key) const
    {
        return total(QStringLiteral("edge:") + key);
    }
    std::uint64_t total(const QString &entity) const
    {
        m_session->platform().rotateMetrics(); // totals are kept per closed window
        return m_session->platform().metrics().summary(EntityKey::named(entity)).total();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::optional<Scenario> m_scenario;
    std::unique_ptr<ShopSession> m_session;
};

namespace {

QJsonObject obj(const char *json)
{
    QJsonParseError e;
    const QJsonDocument d = QJsonDocument::fromJson(QByteArray(json), &e);
    if (d.isNull())
        qFatal("test JSON: %s at %d", qPrintable(e.errorString()), e.offset);
    return d.object();
}

// Front calls back; back owns a table of 50 rows. Instant service times.
const char *FrontBack = R"({
  "name": "front-back",
  "services": {
    "front": {
      "replicas": 1, "workers": 4, "coldStartMs": 20,
      "serviceTime": { "distribution": "constant", "meanMs": 0 },
      "tables": { "pages": { "rows": 10 } },
      "routes": {
        "GET /front/{id}": { "sql": [ { "read": "pages", "rows": 2 } ],
                              "calls": [ { "call": "GET /back/{id}" } ] },
        "GET /soft/{id}": { "calls": [ { "call": "GET /back/{id}", "optional": true } ] },
        "GET /fan/{id}": { "calls": [
          { "call": "GET /back/{id}", "times": 3 },
          { "parallel": [ { "call": "GET /back/{id}" }, { "call": "GET /side" } ] },
          { "alternatives": [ { "weight": 1000000, "call": "POST /back/items" },
                              { "weight": 0.000001, "call": "GET /side" } ] } ] }
      }
    },
    "back": {
      "replicas": 1, "workers": 4, "coldStartMs": 20,
      "serviceTime": { "distribution": "constant", "meanMs": 0 },
      "tables": { "items": { "rows": 50, "payloadBytes": 8 } },
      "routes": {
        "GET /back/{id}": { "internal": true, "sql": [ { "read": "items" } ] },
        "POST /back/items": { "internal": true, "sql": [ { "insert": "items" }, { "write": "items", "rows": 2 } ] }
      }
    },
    "side": {
      "replicas": 1, "workers": 2, "coldStartMs": 20,
      "serviceTime": { "distribution": "constant", "meanMs": 0 },
      "routes": { "GET /side": { "internal": true } }
    }
  }
})";

const char *ShopMonolith = R"({
  "name": "shop-monolith",
  "services": { "product": {}, "cart": {}, "order": {} },
  "deployments": [ { "name": "monolith", "services": ["product", "cart", "order"],
                     "replicas": 2, "workers": 8, "coldStartMs": 20,
                     "serviceTime": { "distribution": "constant", "meanMs": 0 } } ]
})";

const char *ShopShared = R"({
  "name": "shop-shared-database",
  "services": {
    "product": { "coldStartMs": 20 }, "cart": { "coldStartMs": 20 }, "order": { "coldStartMs": 20 }
  },
  "deployments": [ { "database": "shop", "services": ["product", "cart", "order"] } ]
})";

QStringList tablesOf(const QString &path)
{
    Database db(path, Database::Mode::ReadOnly);
    auto q = db.prepare(
        QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
    QStringList out;
    while (q.next())
        out << q.text(0);
    return out;
}

} // namespace

bool TestArchitecture::start(const QJsonObject &architecture, const QJsonObject &extra)
{
    m_dir = std::make_unique<QTemporaryDir>();
    QJsonObject s{{QStringLiteral("title"), QStringLiteral("architecture test")},
                  {QStringLiteral("duration"), 5},
                  {QStringLiteral("architecture"), architecture}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        s.insert(it.key(), it.value());
    QStringList errors;
    m_scenario = Scenario::parse(QJsonDocument(s).toJson(), &errors);
    if (!m_scenario) {
        qWarning().noquote() << errors.join(QLatin1Char('\n'));
        return false;
    }
    m_session = std::make_unique<ShopSession>(m_dir->path(), m_scenario->architecture,
                                              m_scenario->platform, LoadConfig{});
    if (!m_session->start(seconds(20))) {
        qWarning().noquote() << m_session->startError();
        return false;
    }
    m_scenario->applyPolicies(m_session->platform());
    return true;
}

void TestArchitecture::cleanup()
{
    m_session.reset();
    m_scenario.reset();
    m_dir.reset();
}

void TestArchitecture::genericRouteRunsItsSqlAndCallsThroughTheGateway()
{
    QVERIFY(start(obj(FrontBack)));
    // Services come in name order (a JSON object keeps none of its own).
    QCOMPARE(platform().serviceNames(), (QStringList{"back", "front", "side"}));
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/front/7"));
    QCOMPARE(describe(r), QStringLiteral("200 "));
    QCOMPARE(r.body.toObject().value(QStringLiteral("service")).toString(),
             QStringLiteral("front"));
    QCOMPARE(r.body.toObject().value(QStringLiteral("id")).toString(), QStringLiteral("7"));
    // The call went through the gateway's client, as its own edge.
    QCOMPARE(edgeCalls(QStringLiteral("front>back")), std::uint64_t(1));
    // Users cannot reach the internal route.
    QCOMPARE(call(platform(), QStringLiteral("GET"), QStringLiteral("/back/1")).status, 404);
    // Each service has its own file with its own tables, seeded.
    QCOMPARE(tablesOf(QDir(dataDir()).filePath(QStringLiteral("back.db"))),
             QStringList{QStringLiteral("items")});
    QCOMPARE(tablesOf(QDir(dataDir()).filePath(QStringLiteral("front.db"))),
             QStringList{QStringLiteral("pages")});
    QCOMPARE(
        scalar(dataDir(), QStringLiteral("back"), QStringLiteral("SELECT count(*) FROM items")),
        qint64(50));
    QVERIFY(!QFileInfo::exists(QDir(dataDir()).filePath(QStringLiteral("product.db"))));
    QCOMPARE(platform().declaredCalls().size(), std::size_t(2)); // front→back, front→side
}

void TestArchitecture::optionalFailureDegradesRequiredFailureFails()
{
    QVERIFY(start(obj(FrontBack)));
    QVERIFY(platform().killService(QStringLiteral("back")));
    const Response soft = call(platform(), QStringLiteral("GET"), QStringLiteral("/soft/3"));
    QCOMPARE(soft.status, 200);
    const QJsonArray degraded = soft.body.toObject().value(QStringLiteral("degraded")).toArray();
    QCOMPARE(degraded.size(), 1);
    QVERIFY2(degraded[0].toString().startsWith(QStringLiteral("GET /back/{id} → 503")),
             qPrintable(degraded[0].toString()));
    const Response hard = call(platform(), QStringLiteral("GET"), QStringLiteral("/front/3"));
    QVERIFY2(hard.status >= 500, qPrintable(describe(hard)));
    QVERIFY2(hard.reason.contains(QStringLiteral("front: GET /back/{id} →")),
             qPrintable(describe(hard)));
}

void TestArchitecture::loopsParallelGroupsAndAlternatives()
{
    QVERIFY(start(obj(FrontBack)));
    const qint64 before =
        scalar(dataDir(), QStringLiteral("back"), QStringLiteral("SELECT count(*) FROM items"));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(
            describe(call(platform(), QStringLiteral("GET"), QStringLiteral("/fan/%1").arg(i))),
            QStringLiteral("200 "));
    // Per request: 3 looped calls + 1 in the parallel group + the heavy alternative.
    QCOMPARE(edgeCalls(QStringLiteral("front>back")), std::uint64_t(5 * 5));
    QCOMPARE(edgeCalls(QStringLiteral("front>side")), std::uint64_t(5));
    // The alternative that was taken inserted a row each time.
    QCOMPARE(
        scalar(dataDir(), QStringLiteral("back"), QStringLiteral("SELECT count(*) FROM items")),
        before + 5);
}

void TestArchitecture::monolithCallsBetweenModulesInProcess()
{
    QVERIFY(start(obj(ShopMonolith)));
    QCOMPARE(platform().serviceNames(), QStringList{QStringLiteral("monolith")});
    QCOMPARE(platform().snapshot().services.first().modules,
             (QStringList{"product", "cart", "order"}));
    QCOMPARE(addToCart(platform(), QStringLiteral("u1"), 3, 2).status, 201);
    const Response placed = checkout(platform(), QStringLiteral("u1"), QStringLiteral("k1"));
    QCOMPARE(describe(placed), QStringLiteral("201 "));
    // The saga's calls to cart and product never left the worker.
    for (const EdgeStatus &e : platform().gateway().edgeStatus())
        QVERIFY2(e.from == QLatin1String("users"), qPrintable(e.from + " > " + e.to));
    // One file with every module's tables; none of their own.
    const QString file = QDir(dataDir()).filePath(QStringLiteral("monolith.db"));
    const QStringList tables = tablesOf(file);
    for (const char *t : {"products", "reservations", "cart_items", "orders", "order_items"})
        QVERIFY2(tables.contains(QLatin1String(t)), qPrintable(tables.join(", ")));
    for (const char *own : {"product.db", "cart.db", "order.db"})
        QVERIFY(!QFileInfo::exists(QDir(dataDir()).filePath(QLatin1String(own))));
    // Each module is measured by its routes too.
    QVERIFY(total(QStringLiteral("service:cart")) >= 1);
    QVERIFY(m_session->quiesce(seconds(10)));
    m_session->shutdown();
    const AuditReport a =
        audit(dataDir(), m_session->workload().acknowledgedOrders(), &m_scenario->architecture);
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QVERIFY(a.shopChecked);
    QCOMPARE(a.confirmedOrders, 1);
}

void TestArchitecture::sharedDatabaseIsOneFileForEveryone()
{
    QVERIFY(start(obj(ShopShared)));
    QCOMPARE(platform().serviceNames(), (QStringList{"cart", "order", "product"}));
    const SystemSnapshot snap = platform().snapshot();
    for (const ServiceSnapshot &s : snap.services)
        QCOMPARE(QFileInfo(s.databasePath).fileName(), QStringLiteral("shop.db"));
    QCOMPARE(addToCart(platform(), QStringLiteral("u2"), 5, 1).status, 201);
    QCOMPARE(describe(checkout(platform(), QStringLiteral("u2"), QStringLiteral("k2"))),
             QStringLiteral("201 "));
    // Still separate deployables: the saga's calls are edges.
    QVERIFY(edgeCalls(QStringLiteral("order>product")) >= 1);
    QVERIFY(edgeCalls(QStringLiteral("order>cart")) >= 1);
    for (const char *own : {"product.db", "cart.db", "order.db"})
        QVERIFY(!QFileInfo::exists(QDir(dataDir()).filePath(QLatin1String(own))));
    QVERIFY(m_session->quiesce(seconds(10)));
    m_session->shutdown();
    const AuditReport a = m_session->runAudit();
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QCOMPARE(a.confirmedOrders, 1);
}

void TestArchitecture::actionsOnAModuleActOnItsDeployable()
{
    QJsonObject extra{
        {QStringLiteral("timeline"),
         QJsonArray{QJsonObject{{QStringLiteral("at"), 1},
                                {QStringLiteral("action"), QStringLiteral("kill")},
                                {QStringLiteral("service"), QStringLiteral("cart")}}}},
        {QStringLiteral("expect"),
         QJsonArray{QJsonObject{{QStringLiteral("metric"), QStringLiteral("success-rate")},
                                {QStringLiteral("entity"), QStringLiteral("cart")},
                                {QStringLiteral("op"), QStringLiteral("<=")},
                                {QStringLiteral("value"), 0.5}}}}};
    QVERIFY(start(obj(ShopMonolith), extra));
    QCOMPARE(m_scenario->timeline.size(), 1);
    QCOMPARE(m_scenario->timeline.first().service, QStringLiteral("monolith"));
    QCOMPARE(m_scenario->expectations.first().entity, QStringLiteral("cart"));
}

void TestArchitecture::journeyTemplatesFillFromUsersRandomsAndAnswers()
{
    JourneySpec j;
    j.name = QStringLiteral("buy");
    j.steps = {{QStringLiteral("POST"), QStringLiteral("/carts/{user}/items"),
                QJsonObject{{QStringLiteral("productId"), QStringLiteral("{random 4..4}")},
                            {QStringLiteral("note"), QStringLiteral("for {user}")}},
                false},
               {QStringLiteral("POST"), QStringLiteral("/orders"),
                QJsonObject{{QStringLiteral("user"), QStringLiteral("{user}")}}, true},
               {QStringLiteral("GET"), QStringLiteral("/orders/{answer.id}"), {}, false}};
    JourneyWorkload w({j}, QStringLiteral("run1"));
    std::mt19937_64 rng(1);
    QList<Request> steps = w.journey(QStringLiteral("buy"), 17, rng);
    QCOMPARE(steps.size(), 3);
    QCOMPARE(steps[0].path, QStringLiteral("/carts/user17/items"));
    // A value that is only a {random} template becomes a number.
    QCOMPARE(steps[0].body.toObject().value(QStringLiteral("productId")).toInteger(), 4);
    QCOMPARE(steps[0].body.toObject().value(QStringLiteral("note")).toString(),
             QStringLiteral("for user17"));
    QVERIFY(steps[0].idempotencyKey.isEmpty());
    QVERIFY(steps[1].idempotencyKey.startsWith(QLatin1String("run1-user17-")));
    QCOMPARE(steps[2].path, QStringLiteral("/orders/{answer.id}"));
    w.carry(Response::make(201, QJsonObject{{QStringLiteral("id"), QStringLiteral("abc")}}), steps,
            2);
    QCOMPARE(steps[2].path, QStringLiteral("/orders/abc"));
    // A later answer does not replace what the first one filled.
    w.carry(Response::make(200, QJsonObject{{QStringLiteral("id"), QStringLiteral("zzz")}}), steps,
            2);
    QCOMPARE(steps[2].path, QStringLiteral("/orders/abc"));
}

void TestArchitecture::auditorFindsATableNoServiceOwns()
{
    QVERIFY(start(obj(FrontBack)));
    QCOMPARE(call(platform(), QStringLiteral("GET"), QStringLiteral("/front/1")).status, 200);
    m_session->shutdown();
    AuditReport a = m_session->runAudit();
    QVERIFY2(a.ok, qPrintable(a.summary()));
    QVERIFY(!a.shopChecked);
    QCOMPARE(a.tables.size(), 2); // pages, items
    {
        Database db(QDir(dataDir()).filePath(QStringLiteral("back.db")));
        db.execScript(QStringLiteral("CREATE TABLE stolen (x); DELETE FROM items WHERE id > 40;"));
    }
    a = m_session->runAudit();
    QVERIFY(!a.ok);
    const QString all = a.violations.join(QLatin1Char('\n'));
    QVERIFY2(all.contains(QLatin1String("holds table stolen, which none of back owns")),
             qPrintable(all));
    QVERIFY2(all.contains(QLatin1String("table items of back has 40 rows, fewer than the 50")),
             qPrintable(all));
}

void TestArchitecture::defaultJourneysCoverEveryUserRoute()
{
    QStringList errors;
    const QJsonObject s{{QStringLiteral("title"), QStringLiteral("t")},
                        {QStringLiteral("duration"), 5},
                        {QStringLiteral("architecture"), obj(FrontBack)}};
    const auto scenario = Scenario::parse(QJsonDocument(s).toJson(), &errors);
    QVERIFY2(scenario, qPrintable(errors.join('\n')));
    QStringList names;
    for (const JourneySpec &j : scenario->architecture.effectiveJourneys())
        names << j.name;
    QCOMPARE(names, (QStringList{"GET /fan/{id}", "GET /front/{id}", "GET /soft/{id}"}));
}

void TestArchitecture::cycleInsideAMonolithIsBoundedNotACrash()
{
    // allowCycles lets a cycle through; inside one deployable its calls are
    // function calls, so the depth bound is what stops it (508, not a stack overflow).
    QVERIFY(start(obj(R"({
      "allowCycles": true,
      "services": {
        "a": { "serviceTime": { "distribution": "constant", "meanMs": 0 },
               "routes": { "GET /a": { "calls": [ { "call": "GET /b" } ] } } },
        "b": { "serviceTime": { "distribution": "constant", "meanMs": 0 },
               "routes": { "GET /b": { "internal": true, "calls": [ { "call": "GET /a" } ] } } }
      },
      "deployments": [ { "name": "mono", "services": ["a", "b"], "coldStartMs": 20 } ]
    })")));
    QCOMPARE(m_scenario->architecture.warnings.size(), 1);
    const Response r = call(platform(), QStringLiteral("GET"), QStringLiteral("/a"));
    QCOMPARE(r.status, 508);
    QVERIFY2(r.reason.contains(QLatin1String("a call cycle inside the deployable")),
             qPrintable(describe(r)));
}

QTEST_GUILESS_MAIN(TestArchitecture)
#include "tst_architecture.moc"
