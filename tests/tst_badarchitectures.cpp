// Malformed architectures as a user meets them: the real program is run on
// each scenario of tests/data/bad-architectures/, must refuse it with exit
// code 2 and one message per problem (the JSON path and what was wrong),
// and must leave its data directory as it found it: empty.
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "programrunner.h"

using namespace microcosm;

class TestBadArchitectures : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void malformedArchitectureIsRefused_data();
    void malformedArchitectureIsRefused();
    void everyFileIsInTheTable();
    void everyIncludedFileIsNamedByAScenario();
};

namespace {

QString badDir()
{
    return QStringLiteral(MICROCOSM_SOURCE_DIR "/tests/data/bad-architectures");
}

// Architecture files that scenarios of the folder name by path: not
// scenarios themselves, so not run alone.
QString includedDir()
{
    return badDir() + QStringLiteral("/included");
}

// Each scenario and what each message it must get says, one per problem:
// the JSON path and what was wrong (" … " stands for any text between two
// pieces of one message). The program must count exactly as many.
const QList<QPair<QString, QStringList>> &badFiles()
{
    static const QList<QPair<QString, QStringList>> files{
        // Calls.
        {QStringLiteral("unknown-callee-route.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].calls[0]."
                         "call: no service has the route \"GET /ledgers/{id}\" (routes: GET "
                         "/ledger/{id}, POST /payments)")}},
        {QStringLiteral("call-step-without-kind.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].calls[0]: a "
                         "call step is exactly one of call, parallel, sequence or alternatives; "
                         "found none")}},
        {QStringLiteral("probability-above-one.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].calls[0]."
                         "parallel[1].probability: expected a number from 0 to 1, found 1.5")}},
        {QStringLiteral("times-zero.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].calls[0]."
                         "times: expected an integer from 1 to 100, found 0")}},
        // The loop is named from the route that comes first, at the calls that close it.
        {QStringLiteral("call-cycle.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].calls: call "
                         "cycle POST /ledger → POST /payments → POST /ledger: it would hold a "
                         "worker at every hop")}},
        {QStringLiteral("self-call.json"),
         {QStringLiteral("$.architecture.services.catalogue.routes[\"GET /catalogue/{id}\"]."
                         "calls: call cycle GET /catalogue/{id} → GET /catalogue/{id}: ")}},

        // Routes and names.
        {QStringLiteral("same-shape.json"),
         {QStringLiteral("$.architecture.services.b: route \"GET /items/{key}\" of b is \"GET "
                         "/items/{id}\" of a under other parameter names")}},
        {QStringLiteral("users-service.json"),
         {QStringLiteral("$.architecture.services.gateway: \"gateway\" is the platform's own name "
                         "for the gateway"),
          QStringLiteral("$.architecture.services.users: \"users\" is the platform's own name for "
                         "the users")}},
        {QStringLiteral("dup-param.json"),
         {QStringLiteral("$.architecture.services.a.routes[\"GET /a/{id}/{id}\"]: the parameter "
                         "{id} is named twice")}},
        {QStringLiteral("mix-unknown.json"),
         {QStringLiteral("$.load.mix: unknown key \"browse\" (expected one of: GET /a)"),
          QStringLiteral("$.load.mix: expected a weight above 0 for at least one journey")}},
        {QStringLiteral("route-claimed-twice.json"),
         {QStringLiteral("$.architecture.services.payment: route \"POST /payments\" is claimed by "
                         "both billing and payment: each route has one owner")}},
        {QStringLiteral("route-unknown-method.json"),
         {QStringLiteral("$.architecture.services.catalogue.routes[\"FETCH /catalogue/{id}\"]: a "
                         "route is \"METHOD /path\" with METHOD one of GET, POST, PUT, PATCH, "
                         "DELETE and path segments or {names}; found \"FETCH /catalogue/{id}\"")}},
        {QStringLiteral("route-path-without-slash.json"),
         {QStringLiteral("$.architecture.services.catalogue.routes[\"GET catalogue\"]: a route is "
                         "\"METHOD /path\"")}},
        {QStringLiteral("bad-service-name.json"),
         {QStringLiteral("$.architecture.services[\"2fa\"]: a service name is a letter, then "
                         "letters, digits or '-', at most 32 in all; found \"2fa\"")}},
        {QStringLiteral("bad-table-name.json"),
         {QStringLiteral("$.architecture.services.billing.tables.order-lines: a table name is a "
                         "letter or '_', then letters, digits or '_'")}},
        {QStringLiteral("shop-kind-renamed.json"),
         {QStringLiteral("$.architecture.services.catalogue.kind: the shop's product service "
                         "keeps its name: call it \"product\", not \"catalogue\"")}},

        // Services.
        {QStringLiteral("empty-services.json"),
         {QStringLiteral("$.architecture.services: an architecture needs at least one service")}},
        {QStringLiteral("too-many-services.json"),
         {QStringLiteral("$.architecture.services: at most 64 services, found 65")}},
        {QStringLiteral("generic-service-empty-routes.json"),
         {QStringLiteral(
             "$.architecture.services.audit.routes: a generic service needs at least one route")}},
        {QStringLiteral("generic-service-without-routes.json"),
         {QStringLiteral("$.architecture.services.audit.routes: expected the routes of a generic "
                         "service (an object)")}},

        // External services.
        {QStringLiteral("external-url-not-http.json"),
         {QStringLiteral("$.architecture.services.recommendation.url: an external service is "
                         "reached over plain HTTP: the url starts with http://; found "
                         "\"https://127.0.0.1:8090\"")}},
        {QStringLiteral("external-url-remote.json"),
         {QStringLiteral("$.architecture.services.recommendation.url: \"example.com\" is not "
                         "this machine: an external service is on loopback (127.0.0.1, localhost "
                         "or ::1) unless it says \"allowRemote\": true")}},
        {QStringLiteral("external-url-malformed.json"),
         {QStringLiteral("$.architecture.services.recommendation.url: expected a URL "
                         "\"http://HOST:PORT\" with no path, query or user (e.g. "
                         "\"http://127.0.0.1:8090\"), found \"http//127.0.0.1:8090\"")}},
        {QStringLiteral("external-tables-and-sql.json"),
         {QStringLiteral("$.architecture.services.recommendation.tables: an external service "
                         "keeps its data in its own process"),
          QStringLiteral("$.architecture.services.recommendation.routes[\"GET "
                         "/recommendations/{user}\"].sql: an external route's work, data and "
                         "calls are its process's own")}},

        // SQL.
        {QStringLiteral("sql-on-other-service-table.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].sql[1].read: "
                         "\"entries\" is not one of payment's tables (a service touches only its "
                         "own database); its tables: payments")}},
        {QStringLiteral("sql-step-two-kinds.json"),
         {QStringLiteral("$.architecture.services.payment.routes[\"PUT /payments/{id}\"].sql[0]: "
                         "an SQL step is exactly one of read, write, insert or scan; found read, "
                         "write")}},

        // Deployments.
        {QStringLiteral("deployment-names-service-twice.json"),
         {QStringLiteral("$.architecture.deployments[0].services[2]: \"payment\" is named twice "
                         "in this deployment")}},
        {QStringLiteral("service-in-two-deployments.json"),
         {QStringLiteral("$.architecture.deployments[1].services[0]: \"ledger\" is already in the "
                         "deployment at $.architecture.deployments[0]: a service is in at most "
                         "one")}},
        {QStringLiteral("deployment-unknown-service.json"),
         {QStringLiteral("$.architecture.deployments[0].services[1]: expected one of the "
                         "architecture's services (ledger, payment), found \"legder\"")}},
        {QStringLiteral("colocated-named-like-service.json"),
         {QStringLiteral("$.architecture.deployments[0].name: \"payment\" is a service's name; a "
                         "co-located deployable needs a name of its own")}},
        {QStringLiteral("deployment-name-and-database.json"),
         {QStringLiteral("$.architecture.deployments[0]: a deployment has either \"name\" "
                         "(services co-located in one deployable) or \"database\" (separate "
                         "deployables sharing one file), not both")}},

        // Journeys.
        {QStringLiteral("journey-matches-no-route.json"),
         {QStringLiteral("$.architecture.journeys.browse.steps[1].path: GET /products matches no "
                         "route (users may call: GET /catalogue, GET /catalogue/{id})")}},
        {QStringLiteral("journey-calls-internal-route.json"),
         {QStringLiteral("$.architecture.journeys.cheat.steps[0].path: POST /ledger is ledger's "
                         "internal route POST /ledger: users cannot call it")}},
        {QStringLiteral("journeys-all-weigh-zero.json"),
         {QStringLiteral(
             "$.architecture.journeys: every journey weighs 0: nothing would be sent")}},

        // The rest of the scenario against the architecture.
        {QStringLiteral("timeline-names-missing-service.json"),
         {QStringLiteral("$.timeline[0].service: expected one of ledger, payment, found "
                         "\"product\"")}},
        {QStringLiteral("expectation-names-missing-service.json"),
         {QStringLiteral("$.expect[1].entity: expected gateway, client, a service (ledger, "
                         "payment), … found \"cart\"")}},

        // "architecture" as a path, relative to the scenario's folder: the
        // message names the file, and a path inside it.
        {QStringLiteral("architecture-file-missing.json"),
         {QStringLiteral("$.architecture: expected an architecture object, or the path of a "
                         "readable JSON file (/ … /bad-architectures/included/"
                         "no-such-architecture.json: no such file), found "
                         "\"included/no-such-architecture.json\"")}},
        {QStringLiteral("architecture-file-not-json.json"),
         {QStringLiteral("$.architecture (/ … /bad-architectures/included/not-json.yaml): not "
                         "valid JSON at byte ")}},
        {QStringLiteral("architecture-file-malformed.json"),
         {QStringLiteral("$.architecture (/ … /bad-architectures/included/malformed.json): "
                         "$.services.payment.tables.sqlite_stat1: a table name is a letter or "
                         "'_', … not starting sqlite_; found \"sqlite_stat1\""),
          QStringLiteral("$.architecture (/ … /bad-architectures/included/malformed.json): "
                         "$.services.payment.routes[\"POST /payments\"].calls[0].times: "
                         "expected an integer from 1 to 100, found 0")}},

        // Every problem is reported, not only the first.
        {QStringLiteral("four-problems.json"),
         {QStringLiteral("$.architecture.services[\"Payment Service\"]: a service name is a "
                         "letter"),
          QStringLiteral("$.architecture.services.payment.routes[\"POST /payments\"].calls[0]."
                         "probability: expected a number from 0 to 1, found 1.5"),
          QStringLiteral("$.architecture.deployments[0].services[1]: expected one of the "
                         "architecture's services (ledger, payment), found \"ledgre\""),
          QStringLiteral("$.architecture.journeys.pay.steps[0].path: POST /payment matches no "
                         "route")}},
    };
    return files;
}

// Whether message holds the pieces of expected, in order.
bool says(const QString &message, const QString &expected)
{
    qsizetype from = 0;
    for (const QString &piece : expected.split(QStringLiteral(" … "))) {
        const qsizetype at = message.indexOf(piece, from);
        if (at < 0)
            return false;
        from = at + piece.size();
    }
    return true;
}

} // namespace

void TestBadArchitectures::initTestCase()
{
    const QString binary = test::programBinary();
    QVERIFY2(QFileInfo(binary).isExecutable(),
             qPrintable(binary + QStringLiteral(" is not built")));
}

void TestBadArchitectures::malformedArchitectureIsRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("messages");
    for (const auto &[file, messages] : badFiles())
        QTest::newRow(qPrintable(file)) << file << messages;
}

void TestBadArchitectures::malformedArchitectureIsRefused()
{
    QFETCH(QString, file);
    QFETCH(QStringList, messages);
    const QString path = QDir(badDir()).filePath(file);
    QVERIFY2(QFileInfo::exists(path), qPrintable(path));

    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString data = tmp.filePath(QStringLiteral("data"));
    const QString scratch = tmp.filePath(QStringLiteral("scratch"));
    QVERIFY(QDir().mkpath(data));
    QVERIFY(QDir().mkpath(scratch));

    const test::ProgramRun run =
        test::runProgram({QStringLiteral("--headless"), QStringLiteral("--scenario"), path,
                          QStringLiteral("--data-dir"), data},
                         60'000, scratch);
    const QString said =
        QStringLiteral("exit %1\nstdout:\n%2\nstderr:\n%3").arg(run.exitCode).arg(run.out, run.err);
    QVERIFY2(run.exitCode == 2, qPrintable(said));

    // One line per problem, each naming the scenario file, then the count.
    const QStringList lines = run.err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QString prefix = QStringLiteral("microcosm: %1: ").arg(path);
    QStringList problems;
    for (const QString &line : lines)
        if (line.startsWith(prefix) && !line.endsWith(QLatin1String("; nothing was run")))
            problems << line.mid(prefix.size());
    const QString count =
        prefix + QStringLiteral("%1 problem(s); nothing was run").arg(messages.size());
    QVERIFY2(lines.contains(count),
             qPrintable(QStringLiteral("no \"%1\" in\n%2").arg(count, said)));
    QVERIFY2(problems.size() == messages.size(), qPrintable(said));

    // Each expected message matched by its own problem, in any order.
    QStringList unmatched = problems;
    for (const QString &m : messages) {
        qsizetype hit = -1;
        for (qsizetype i = 0; i < unmatched.size() && hit < 0; ++i)
            if (says(unmatched[i], m))
                hit = i;
        QVERIFY2(hit >= 0, qPrintable(QStringLiteral("no message has \"%1\":\n%2").arg(m, said)));
        unmatched.removeAt(hit);
    }

    // Nothing was run: the data directory is as empty as it was given.
    const QStringList left =
        QDir(data).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    QVERIFY2(left.isEmpty(), qPrintable(left.join(QStringLiteral(", "))));
}

void TestBadArchitectures::everyFileIsInTheTable()
{
    QStringList listed;
    for (const auto &entry : badFiles())
        listed << entry.first;
    const QStringList onDisk = QDir(badDir()).entryList(QDir::Files);
    QCOMPARE(QSet<QString>(onDisk.begin(), onDisk.end()),
             QSet<QString>(listed.begin(), listed.end()));
    QCOMPARE(listed.size(), QSet<QString>(listed.begin(), listed.end()).size());
}

void TestBadArchitectures::everyIncludedFileIsNamedByAScenario()
{
    QSet<QString> named;
    for (const auto &entry : badFiles()) {
        QFile f(QDir(badDir()).filePath(entry.first));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(entry.first));
        const QJsonValue a = QJsonDocument::fromJson(f.readAll()).object().value("architecture");
        if (a.isString())
            named.insert(QDir::cleanPath(QDir(badDir()).filePath(a.toString())));
    }
    const QStringList onDisk = QDir(includedDir()).entryList(QDir::Files);
    QVERIFY(!onDisk.isEmpty());
    for (const QString &file : onDisk) {
        const QString path = QDir::cleanPath(QDir(includedDir()).filePath(file));
        QVERIFY2(named.contains(path),
                 qPrintable(path + QStringLiteral(" is named by no scenario")));
    }
}

QTEST_GUILESS_MAIN(TestBadArchitectures)
#include "tst_badarchitectures.moc"
