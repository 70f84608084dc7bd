// Scenario files: a malformed file is refused with one message per problem
// naming the JSON path, and exit code 2; nothing runs. A well-formed file
// parses into what it says.
#include "scenario.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace microcosm;

class TestScenario : public QObject
{
    Q_OBJECT

private slots:
    void malformedFileIsRefused_data();
    void malformedFileIsRefused();
    void everyBadFileIsInTheTable();
    void missingFileIsRefused();
    void presetsParse_data();
    void presetsParse();
    void parsesWhatItSays();
    void rateWithScenarioIsRefused();
};

namespace {

QString badDir()
{
    return QStringLiteral(MICROCOSM_SOURCE_DIR "/tests/data/bad-scenarios");
}

// The file, and a piece of each message it must produce (JSON path and what was wrong).
const QList<QPair<QString, QStringList>> &badFiles()
{
    static const QList<QPair<QString, QStringList>> files{
        {QStringLiteral("not-json.json"), {QStringLiteral("$: not valid JSON at byte")}},
        {QStringLiteral("empty.json"), {QStringLiteral("$: not valid JSON")}},
        {QStringLiteral("not-an-object.json"),
         {QStringLiteral("$: expected an object, found an array")}},
        {QStringLiteral("missing-title.json"), {QStringLiteral("$.title: is required")}},
        {QStringLiteral("unknown-key.json"), {QStringLiteral("$: unknown key \"colour\"")}},
        {QStringLiteral("bad-replicas.json"),
         {QStringLiteral(
             "$.services.product.replicas: expected an integer from 1 to 32, found \"two\"")}},
        {QStringLiteral("unknown-service.json"),
         {QStringLiteral("$.services: unknown key \"payment\"")}},
        {QStringLiteral("bad-edge.json"),
         {QStringLiteral(
             "$.policies.edges[\"users>payment\"]: an edge is named \"caller>service\"")}},
        {QStringLiteral("unknown-action.json"),
         {QStringLiteral("$.timeline[0].action: expected one of kill,")}},
        {QStringLiteral("action-after-end.json"),
         {QStringLiteral("$.timeline[0].at: expected at most the duration (10 s), found 100")}},
        {QStringLiteral("unknown-metric.json"),
         {QStringLiteral("$.expect[0].metric: expected one of success-rate")}},
        {QStringLiteral("bad-operator.json"),
         {QStringLiteral("$.expect[0].op: expected one of >=, >, <=, <, ==, found \"=>\"")}},
        {QStringLiteral("negative-duration.json"),
         {QStringLiteral("$.duration: expected a number from 1 to 86400, found -5")}},
        {QStringLiteral("unknown-distribution.json"),
         {QStringLiteral("$.services.cart.serviceTime.distribution: expected one of constant, "
                         "exponential, lognormal, found \"gaussian\"")}},
        {QStringLiteral("autoscaler-bounds.json"),
         {QStringLiteral(
             "$.autoscaler.product.maxReplicas: expected at least minReplicas (5), found 2")}},
        {QStringLiteral("spike-without-peak.json"),
         {QStringLiteral("$.load.profile.to: is required")}},
        {QStringLiteral("key-not-for-action.json"),
         {QStringLiteral("$.timeline[0]: unknown key \"replicas\"")}},
        {QStringLiteral("three-problems.json"),
         {QStringLiteral("$.title: expected a string, found 7"),
          QStringLiteral("$.duration: expected a number from 1 to 86400, found \"long\""),
          QStringLiteral("$.seed: expected a number from 0 to")}},
        {QStringLiteral("update-cannot-progress.json"),
         {QStringLiteral("$.timeline[0]: maxUnavailable and maxSurge cannot both be 0")}},
    };
    return files;
}

struct Run
{
    int exitCode = -1;
    QString output;
};

Run runMicrocosm(const QStringList &arguments)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(MICROCOSM_BINARY), arguments);
    if (!p.waitForFinished(60000))
        return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAll())};
}

} // namespace

void TestScenario::malformedFileIsRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("messages");
    for (const auto &[file, messages] : badFiles())
        QTest::newRow(qPrintable(file)) << file << messages;
}

void TestScenario::malformedFileIsRefused()
{
    QFETCH(QString, file);
    QFETCH(QStringList, messages);
    const QString path = QDir(badDir()).filePath(file);

    QStringList errors;
    QVERIFY(!Scenario::fromFile(path, &errors));
    QCOMPARE(errors.size(), messages.size());
    for (int i = 0; i < messages.size(); ++i)
        QVERIFY2(errors[i].contains(messages[i]),
                 qPrintable(errors[i] + QStringLiteral(" lacks ") + messages[i]));

    // The program says the same, exits with 2, and runs nothing: no database appears.
    QTemporaryDir dir;
    const Run run = runMicrocosm({QStringLiteral("--headless"), QStringLiteral("--scenario"), path,
                                  QStringLiteral("--data-dir"), dir.path()});
    QCOMPARE(run.exitCode, 2);
    for (const QString &m : messages)
        QVERIFY2(run.output.contains(m), qPrintable(run.output));
    QVERIFY(run.output.contains(QStringLiteral("nothing was run")));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("product.db"))));
}

void TestScenario::everyBadFileIsInTheTable()
{
    QStringList listed;
    for (const auto &entry : badFiles())
        listed << entry.first;
    const QStringList onDisk = QDir(badDir()).entryList({QStringLiteral("*.json")}, QDir::Files);
    QCOMPARE(QSet<QString>(onDisk.begin(), onDisk.end()),
             QSet<QString>(listed.begin(), listed.end()));
}

void TestScenario::missingFileIsRefused()
{
    QStringList errors;
    QVERIFY(!Scenario::fromFile(QStringLiteral("/nonexistent/scenario.json"), &errors));
    QVERIFY(errors.value(0).contains(QStringLiteral("cannot open")));
    const Run run = runMicrocosm({QStringLiteral("--headless"), QStringLiteral("--scenario"),
                                  QStringLiteral("/nonexistent/scenario.json")});
    QCOMPARE(run.exitCode, 2);
}

void TestScenario::presetsParse_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files);
    QVERIFY(files.size() >= 9);
    for (const QString &f : files)
        QTest::newRow(qPrintable(f)) << dir.filePath(f);
}

void TestScenario::presetsParse()
{
    QFETCH(QString, path);
    QStringList errors;
    const auto s = Scenario::fromFile(path, &errors);
    QVERIFY2(s, qPrintable(errors.join(QLatin1Char('\n'))));
    QVERIFY(!s->title.isEmpty());
    QVERIFY2(s->lesson.size() > 80, "each preset's lesson says what to watch and why");
    QVERIFY(!s->expectations.isEmpty());
}

void TestScenario::parsesWhatItSays()
{
    const QByteArray json = R"({
      "title": "t", "duration": 40, "seed": 9,
      "services": { "product": { "replicas": 3, "workers": 2, "queue": 10,
                                 "serviceTime": { "distribution": "lognormal", "meanMs": 12, "sigma": 0.8 },
                                 "loadBalancing": "power-of-two" } },
      "policies": { "rateLimit": { "perSecond": 50, "burst": 10 },
                    "edges": { "order>product": { "timeoutMs": 250, "circuitBreaker": "demo",
                                                  "retry": { "maxAttempts": 4, "budgetPercent": 10 }, "bulkhead": 7 } } },
      "autoscaler": { "cart": { "metric": "in-flight", "target": 3, "maxReplicas": 5 } },
      "load": { "profile": { "shape": "ramp", "rate": 10, "to": 110, "at": 5, "duration": 10 } },
      "timeline": [ { "at": 20, "action": "kill", "service": "cart" },
                    { "at": 3, "action": "latency", "from": "order", "to": "product", "ms": 500, "percent": 50 } ],
      "expect": [ { "metric": "success-rate", "entity": "cart", "op": ">=", "value": 0.99, "from": 10, "to": 20 } ]
    })";
    QStringList errors;
    const auto s = Scenario::parse(json, &errors);
    QVERIFY2(s, qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(s->duration, 40.0);
    QCOMPARE(s->seed, 9u);
    QCOMPARE(s->shop.product.replicas, 3);
    QCOMPARE(s->shop.product.workers, 2);
    QCOMPARE(s->shop.product.queueCapacity, 10);
    QCOMPARE(s->shop.product.serviceTime.kind, ServiceTime::Kind::LogNormal);
    QCOMPARE(s->shop.product.balancing, LoadBalancer::Strategy::PowerOfTwoChoices);
    QCOMPARE(s->shop.cart.replicas, ShopConfig::defaults().cart.replicas);
    QCOMPARE(s->rateLimit, 50.0);
    const EdgePolicy &e = s->edges.at(QStringLiteral("order>product"));
    QCOMPARE(e.timeout, fromMs(250));
    QVERIFY(e.breakerEnabled && e.retryEnabled && e.retryBudgetEnabled);
    QCOMPARE(e.retry.maxAttempts, 4);
    QCOMPARE(e.bulkheadMaxConcurrentCalls, 7);
    QCOMPARE(s->autoscalers.at(QStringLiteral("cart")).metric, AutoscalerConfig::Metric::InFlight);
    QCOMPARE(s->load.profile.rateAt(0), 10.0);
    QCOMPARE(s->load.profile.rateAt(10), 60.0);
    QCOMPARE(s->load.profile.rateAt(30), 110.0);
    // The timeline is played in time order, whatever the file's order.
    QCOMPARE(s->timeline.size(), 2);
    QCOMPARE(s->timeline[0].kind, TimelineAction::Kind::Latency);
    QCOMPARE(s->timeline[0].fault.latencyPercent, 50.0);
    QCOMPARE(s->timeline[1].kind, TimelineAction::Kind::Kill);
    QCOMPARE(s->expectations[0].describe(),
             QStringLiteral("cart success-rate >= 0.99 between 10 s and 20 s"));
}

void TestScenario::rateWithScenarioIsRefused()
{
    const Run run = runMicrocosm(
        {QStringLiteral("--headless"), QStringLiteral("--rate"), QStringLiteral("10"),
         QStringLiteral("--scenario"),
         QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios/steady-state.json")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.output.contains(QStringLiteral("--rate cannot be combined with --scenario")));
}

QTEST_GUILESS_MAIN(TestScenario)
#include "tst_scenario.moc"
