// Every preset scenario runs headless and meets its own expectations; and an
// experiment can tell the difference: with its protective policy removed, a
// preset's expectation fails.
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestPresets : public QObject
{
    Q_OBJECT

private slots:
    void runPreset_data();
    void runPreset();
    void protectionOffFails();
};

namespace {

const QString ScenarioDir = QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios");

struct Run
{
    int exitCode = -1;
    QString output;
    QJsonObject report;
};

Run runScenario(const QString &file, const QTemporaryDir &dir)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    const QString report = dir.filePath(QStringLiteral("report.json"));
    p.start(QStringLiteral(MICROCOSM_BINARY),
            {QStringLiteral("--headless"), QStringLiteral("--scenario"), file,
             QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("data")),
             QStringLiteral("--report"), report, QStringLiteral("--csv"),
             dir.filePath(QStringLiteral("series.csv"))});
    Run run;
    if (!p.waitForFinished(240000))
        return run;
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    run.output = QString::fromUtf8(p.readAll());
    QFile f(report);
    if (f.open(QIODevice::ReadOnly))
        run.report = QJsonDocument::fromJson(f.readAll()).object();
    return run;
}

} // namespace

void TestPresets::runPreset_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : QDir(ScenarioDir).entryList({QStringLiteral("*.json")}, QDir::Files))
        QTest::newRow(qPrintable(QFileInfo(f).completeBaseName())) << QDir(ScenarioDir).filePath(f);
}

void TestPresets::runPreset()
{
    QFETCH(QString, file);
    QTemporaryDir dir;
    const Run run = runScenario(file, dir);
    QVERIFY2(run.exitCode == 0, qPrintable(run.output));
    QVERIFY(run.report.value(QStringLiteral("passed")).toBool());
    const QJsonArray expectations = run.report.value(QStringLiteral("expectations")).toArray();
    QVERIFY(!expectations.isEmpty());
    for (const QJsonValue &e : expectations)
        QVERIFY2(e.toObject().value(QStringLiteral("held")).toBool(),
                 qPrintable(e.toObject().value(QStringLiteral("expect")).toString()));
    // The auditor's proof that nothing was lost, checked from its figures.
    const QJsonObject audit = run.report.value(QStringLiteral("audit")).toObject();
    QVERIFY(audit.value(QStringLiteral("ok")).toBool());
    QCOMPARE(audit.value(QStringLiteral("acknowledgedMissing")).toInt(), 0);
    QCOMPARE(audit.value(QStringLiteral("duplicateIdempotencyKeys")).toInt(), 0);
    QCOMPARE(audit.value(QStringLiteral("initialStock")).toInteger(),
             audit.value(QStringLiteral("currentStock")).toInteger() +
                 audit.value(QStringLiteral("heldQuantity")).toInteger());
    QCOMPARE(audit.value(QStringLiteral("heldQuantity")).toInteger(),
             audit.value(QStringLiteral("confirmedQuantity")).toInteger());
    // Every acknowledged order is confirmed; a confirmed order whose answer
    // came too late for its client (a timeout) is not acknowledged.
    QVERIFY(audit.value(QStringLiteral("acknowledgedOrders")).toInt() <=
            audit.value(QStringLiteral("confirmedOrders")).toInt());
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("series.csv"))).size() > 1000);
    if (file.endsWith(QLatin1String("chaos-monkey.json"))) {
        // The monkey really struck, and orders were really taken meanwhile.
        int kills = 0;
        for (const QJsonValue &e : run.report.value(QStringLiteral("events")).toArray())
            kills +=
                e.toObject().value(QStringLiteral("kind")).toString() == QLatin1String("killed");
        QVERIFY2(kills >= 8, qPrintable(QString::number(kills)));
        QVERIFY(audit.value(QStringLiteral("confirmedOrders")).toInt() > 100);
    }
}

void TestPresets::protectionOffFails()
{
    // The breaker preset, with the order service's timeouts and breaker taken away.
    QFile in(QDir(ScenarioDir).filePath(QStringLiteral("cascade-with-breaker.json")));
    QVERIFY(in.open(QIODevice::ReadOnly));
    QJsonObject scenario = QJsonDocument::fromJson(in.readAll()).object();
    QJsonObject policies = scenario.value(QStringLiteral("policies")).toObject();
    QJsonObject edges = policies.value(QStringLiteral("edges")).toObject();
    edges.insert(QStringLiteral("order>*"), QJsonObject{{QStringLiteral("timeoutMs"), 0}});
    edges.remove(QStringLiteral("order>product"));
    policies.insert(QStringLiteral("edges"), edges);
    scenario.insert(QStringLiteral("policies"), policies);
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("unprotected.json"));
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(scenario).toJson());
    out.close();

    const Run run = runScenario(file, dir);
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.output.contains(QStringLiteral("FAIL route:order:GET /orders p99-ms < 300")),
             qPrintable(run.output));
    QVERIFY(run.output.contains(QStringLiteral("RESULT: an expectation failed")));
    // The data are still safe: the failure is in latency, not in correctness.
    QVERIFY(
        run.report.value(QStringLiteral("audit")).toObject().value(QStringLiteral("ok")).toBool());
}

QTEST_GUILESS_MAIN(TestPresets)
#include "tst_presets.moc"
