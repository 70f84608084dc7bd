// Scenario files: a malformed file is refused with one message per problem
// naming the JSON path, and exit code 2; nothing runs. A well-formed file
// parses into what it says.
#include "jsonreader.h"
#include "scenario.h"
#include "scenariowriter.h"
#include "shopsession.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <sys/stat.h>

using namespace microcosm;

class TestScenario : public QObject
{
    Q_OBJECT

private slots:
    void malformedFileIsRefused_data();
    void malformedFileIsRefused();
    void everyBadFileIsInTheTable();
    void missingFileIsRefused();
    void onlyRegularFilesAreRead_data();
    void onlyRegularFilesAreRead();
    void fileSizeIsCapped();
    void numberReadersRefuseNonFinite();
    void durationOverrideIsValidated();
    void shorterDurationIsRefusedByTheProgram_data();
    void shorterDurationIsRefusedByTheProgram();
    void expectationThatMeasuredNothingIsNotEvaluated();
    void expectationMetricsAreOneTable();
    void presetsParse_data();
    void presetsParse();
    void parsesWhatItSays();
    void upstreamNamesParse();
    void rateWithScenarioIsRefused();
    void presetsSurviveWriteAndParse_data();
    void presetsSurviveWriteAndParse();
    void givenMixIsTheWholeMix();
    void viewOnlyMixSendsOnlyProductViews();
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
        // QJsonDocument keeps the last of two equal keys; "titl\u0065" is "title".
        {QStringLiteral("duplicate-key.json"),
         {QStringLiteral("$.duration: duplicate key"), QStringLiteral("$.title: duplicate key"),
          QStringLiteral("$.timeline[0].service: duplicate key")}},
        {QStringLiteral("unknown-route.json"),
         {QStringLiteral("$.expect[0].entity: unknown route \"route:cart:GET /cart/{user}\" "
                         "(expected one of: route:cart:GET /carts/{user}, route:cart:POST "
                         "/carts/{user}/items")}},
        {QStringLiteral("unknown-service-route.json"),
         {QStringLiteral("$.services.cart.routes: unknown route \"GET /cart/{user}\" (expected "
                         "one of: GET /carts/{user}, ")}},
        {QStringLiteral("unknown-timeout-route.json"),
         {QStringLiteral("$.policies.edges[\"users>product\"].routeTimeoutsMs: users cannot call "
                         "the internal route \"POST /products/{id}/reserve\" (expected one of: "
                         "GET /products, GET /products/{id})")}},
        {QStringLiteral("window-after-end.json"),
         {QStringLiteral("$.expect[0].from: expected less than the duration (3 s), found 50"),
          QStringLiteral("$.expect[1].to: expected at most the duration (3 s), found 4")}},
        // Played in time order: the scale to 4 at 1 s comes first; step 0 is still named so.
        {QStringLiteral("missing-replica.json"),
         {QStringLiteral("$.timeline[0].replica: expected at most 4 (cart has at most 4 replicas "
                         "at 5 s), found 9")}},
        // autoscaling/v2 HorizontalPodAutoscalerBehavior: selectPolicy Max|Min|Disabled,
        // policy type Pods|Percent, 0 < periodSeconds <= 1800.
        {QStringLiteral("hpa-behavior.json"),
         {QStringLiteral("$.autoscaler.cart.behavior.scaleUp.selectPolicy: expected one of"),
          QStringLiteral("$.autoscaler.cart.behavior.scaleUp.policies[0].type: expected one of"),
          QStringLiteral("$.autoscaler.cart.behavior.scaleDown.policies[0].periodSeconds")}},
        // Envoy DetectorImpl::create refuses max_ejection_time < base_ejection_time.
        {QStringLiteral("ejection-max-below-base.json"),
         {QStringLiteral("$.services.cart.health.outlierDetection.maxEjectionMs")}},
        {QStringLiteral("infinite-number.json"),
         {QStringLiteral("$.duration: expected a finite number, found 1e999")}},
        {QStringLiteral("nan-number.json"),
         {QStringLiteral("$.seed: expected a finite number, found NaN")}},
        // A mix that is given is the whole mix: all of it at 0 would start nothing.
        {QStringLiteral("mix-all-zero.json"),
         {QStringLiteral("$.load.mix: expected a weight above 0 for at least one journey, found "
                         "none (a journey the mix does not name weighs 0; one of: browse, view, "
                         "add-to-cart, checkout, order-history)")}},
        {QStringLiteral("whole-run-metrics.json"),
         {QStringLiteral("$.expect[0]: invariants is counted over the whole run; it takes no "
                         "\"from\" or \"to\""),
          QStringLiteral("$.expect[1].entity: dropped is about the whole shop; it takes no entity"),
          QStringLiteral("$.expect[2].entity: a service does not call itself")}},
    };
    return files;
}

struct Run
{
    int exitCode = -1;
    QString output;
};

Run runMicrocosm(const QStringList &arguments, int timeoutMs = 60000)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(MICROCOSM_BINARY), arguments);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-1, QString::fromUtf8(p.readAll())};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAll())};
}

QString presetPath(const QString &name)
{
    return QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios/") + name;
}

// Where what a file gives (given, at path) is not in what the writer wrote
// for it, one line each. Every key the file names must be written with the
// same value (numbers within a part in 10^9: ms and seconds go through the
// clock's units); a breaker named by its preset ("demo") is written as the
// preset's fields, with "preset" saying which.
void notWritten(const QJsonValue &given, const QJsonValue &written, const QString &path,
                QStringList *diffs)
{
    const auto found = [&] {
        return QString::fromUtf8(QJsonDocument(QJsonArray{written}).toJson(QJsonDocument::Compact));
    };
    if (given.isObject()) {
        if (!written.isObject()) {
            *diffs << QStringLiteral("%1: written as %2").arg(path, found());
            return;
        }
        const QJsonObject g = given.toObject();
        const QJsonObject w = written.toObject();
        for (auto it = g.begin(); it != g.end(); ++it) {
            const QString p = JsonReader::member(path, it.key());
            if (!w.contains(it.key()))
                *diffs << QStringLiteral("%1: not written").arg(p);
            else
                notWritten(it.value(), w.value(it.key()), p, diffs);
        }
    } else if (given.isArray()) {
        const QJsonArray g = given.toArray();
        const QJsonArray w = written.toArray();
        if (!written.isArray() || w.size() != g.size()) {
            *diffs << QStringLiteral("%1: written as %2").arg(path, found());
            return;
        }
        for (qsizetype i = 0; i < g.size(); ++i)
            notWritten(g.at(i), w.at(i), QStringLiteral("%1[%2]").arg(path).arg(i), diffs);
    } else if (given.isString() && written.isObject()) {
        if (written.toObject().value(QStringLiteral("preset")) != given)
            *diffs << QStringLiteral("%1: preset %2 written as %3")
                          .arg(path, given.toString(), found());
    } else if (given.isDouble()) {
        const double a = given.toDouble();
        const double b = written.toDouble(std::nan(""));
        if (!written.isDouble() || std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(a)))
            *diffs << QStringLiteral("%1: %2 written as %3").arg(path).arg(a).arg(found());
    } else if (given != written) {
        *diffs << QStringLiteral("%1: written as %2").arg(path, found());
    }
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
    const QString path = QStringLiteral("/nonexistent/scenario.json");
    QStringList errors;
    QVERIFY(!Scenario::fromFile(path, &errors));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors[0].startsWith(QStringLiteral("cannot open: ")), qPrintable(errors[0]));
    // The caller names the file, once: the message does not repeat it.
    QVERIFY2(!errors[0].contains(path), qPrintable(errors[0]));
    const Run run =
        runMicrocosm({QStringLiteral("--headless"), QStringLiteral("--scenario"), path});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.output.contains(QStringLiteral("microcosm: %1: cannot open: ").arg(path)),
             qPrintable(run.output));
    QVERIFY2(!run.output.contains(QStringLiteral("%1: %1").arg(path)), qPrintable(run.output));
}

void TestScenario::onlyRegularFilesAreRead_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("fifo") << QStringLiteral("fifo");
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero");
    QTest::newRow("directory") << QStringLiteral("directory");
}

void TestScenario::onlyRegularFilesAreRead()
{
    // A FIFO would block the open for ever and /dev/zero never ends (it
    // reports size 0): both are refused before anything is read.
    QFETCH(QString, kind);
    QTemporaryDir dir;
    QString path = kind;
    if (kind == QLatin1String("fifo")) {
        path = dir.filePath(QStringLiteral("scenario.json"));
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    } else if (kind == QLatin1String("directory")) {
        path = dir.path();
    }
    QElapsedTimer timer;
    timer.start();
    QStringList errors;
    QVERIFY(!Scenario::fromFile(path, &errors));
    QVERIFY(timer.elapsed() < 5000);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors[0].contains(QStringLiteral("not a regular file")), qPrintable(errors[0]));

    QTemporaryDir data;
    const Run run = runMicrocosm({QStringLiteral("--headless"), QStringLiteral("--scenario"), path,
                                  QStringLiteral("--data-dir"), data.path()},
                                 20000);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.output.contains(QStringLiteral("microcosm: %1: %2").arg(path, errors[0])),
             qPrintable(run.output));
}

void TestScenario::fileSizeIsCapped()
{
    // At most MaxFileBytes are read: a file of exactly that size is parsed
    // (and refused as JSON, being all spaces), one byte more is refused unread.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("big.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(QByteArray(Scenario::MaxFileBytes, ' ')), Scenario::MaxFileBytes);
    file.close();
    QStringList errors;
    QVERIFY(!Scenario::fromFile(path, &errors));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors[0].startsWith(QStringLiteral("$: not valid JSON")), qPrintable(errors[0]));

    QVERIFY(file.open(QIODevice::Append));
    QCOMPARE(file.write(" "), 1);
    file.close();
    errors.clear();
    QVERIFY(!Scenario::fromFile(path, &errors));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors[0].startsWith(QStringLiteral("is larger than a scenario may be")),
             qPrintable(errors[0]));
}

void TestScenario::numberReadersRefuseNonFinite()
{
    // QJsonDocument refuses 1e999 and NaN in text, but a QJsonObject built
    // in code can hold them: every number reader refuses them, with the path.
    for (const double bad : {qInf(), -qInf(), qQNaN()}) {
        const QJsonObject o{{QStringLiteral("x"), bad}};
        JsonReader r;
        QCOMPARE(r.number(o, QStringLiteral("$.a"), QStringLiteral("x"), 7, -1e300, 1e300), 7.0);
        QCOMPARE(r.integer(o, QStringLiteral("$.a"), QStringLiteral("x"), 7, INT_MIN, INT_MAX), 7);
        QCOMPARE(r.errors().size(), 2);
        QVERIFY2(r.errors()[0].startsWith(QStringLiteral("$.a.x: expected a number from")),
                 qPrintable(r.errors()[0]));
        QVERIFY2(r.errors()[1].startsWith(QStringLiteral("$.a.x: expected an integer from")),
                 qPrintable(r.errors()[1]));
    }
}

void TestScenario::durationOverrideIsValidated()
{
    // --duration replaces the file's after parse(); validate() then names
    // every step and window that would no longer fit.
    QStringList errors;
    auto s = Scenario::fromFile(presetPath(QStringLiteral("kill-product.json")), &errors);
    QVERIFY2(s, qPrintable(errors.join(QLatin1Char('\n'))));
    QVERIFY(s->validate().isEmpty());
    s->duration = 10;
    const QStringList problems = s->validate();
    const QStringList expected{
        QStringLiteral("$.timeline[1].at: expected at most the duration (10 s), found 20 (the "
                       "step \"restart product\" would never be played)"),
        QStringLiteral("$.expect[0].to: expected at most the duration (10 s), found 20"),
        QStringLiteral("$.expect[1].to: expected at most the duration (10 s), found 20"),
        QStringLiteral("$.expect[2].to: expected at most the duration (10 s), found 20"),
        QStringLiteral("$.expect[3].from: expected less than the duration (10 s), found 24 (the "
                       "window of \"gateway success-rate >= 0.99 between 24 s and 30 s\" would "
                       "begin after the run)")};
    QCOMPARE(problems.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i)
        QVERIFY2(problems[i].startsWith(expected[i]),
                 qPrintable(problems[i] + QStringLiteral(" lacks ") + expected[i]));
    s->duration = 30;
    QVERIFY(s->validate().isEmpty());
}

void TestScenario::shorterDurationIsRefusedByTheProgram_data()
{
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("duration");
    QTest::addColumn<QString>("message");
    QTest::newRow("rolling-update") << QStringLiteral("rolling-update.json") << QStringLiteral("4")
                                    << QStringLiteral("$.timeline[0].at: expected at most the "
                                                      "duration (4 s), found 6");
    QTest::newRow("kill-product") << QStringLiteral("kill-product.json") << QStringLiteral("10")
                                  << QStringLiteral("$.expect[3].from: expected less than the "
                                                    "duration (10 s), found 24");
}

void TestScenario::shorterDurationIsRefusedByTheProgram()
{
    // A --duration that cuts the timeline short is a bad option: exit 2 and
    // nothing run, not steps skipped and their windows passed.
    QFETCH(QString, preset);
    QFETCH(QString, duration);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const Run run = runMicrocosm({QStringLiteral("--headless"), QStringLiteral("--scenario"),
                                  presetPath(preset), QStringLiteral("--duration"), duration,
                                  QStringLiteral("--data-dir"), dir.path()});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.output.contains(message), qPrintable(run.output));
    QVERIFY2(run.output.contains(QStringLiteral("nothing was run")), qPrintable(run.output));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("product.db"))));
}

// services/expectationmetrics.h: every metric's name, scope and whether it
// takes "op"/"value" come from one table, and the reader, the writer and the
// README follow it.
void TestScenario::expectationMetricsAreOneTable()
{
    QFile readme(QStringLiteral(MICROCOSM_SOURCE_DIR "/README.md"));
    QVERIFY(readme.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(readme.readAll());
    const qsizetype listAt = text.indexOf(QStringLiteral("Expectation metrics:"));
    QVERIFY(listAt >= 0);
    const QString list = text.mid(listAt, 900);
    int i = 0;
    for (const ExpectationMetricInfo &m : expectationMetrics()) {
        const QString name = QString::fromLatin1(m.name);
        QCOMPARE(int(m.metric), i++); // expectationMetric(m) indexes the table by the enum
        QVERIFY(expectationMetricFromName(name) == m.metric);
        QVERIFY2(list.contains(QLatin1Char('`') + name + QLatin1Char('`')), m.name);

        // What the reader takes follows the scope: an entity and a window...
        const QString entity = m.scope == MetricScope::EdgeCounter ? QStringLiteral("users>product")
                                                                   : QStringLiteral("cart");
        const QString value =
            m.yesNo ? QString() : QStringLiteral(", \"op\": \">=\", \"value\": 0");
        auto parsed = [&](const QString &extra, QStringList *errors) {
            const QString json =
                QStringLiteral(
                    R"({ "title": "t", "duration": 5, "expect": [ { "metric": "%1"%2%3 } ] })")
                    .arg(name, value, extra);
            return Scenario::parse(json.toUtf8(), errors);
        };
        QStringList errors;
        const auto withEntity = parsed(QStringLiteral(R"(, "entity": "%1")").arg(entity), &errors);
        QVERIFY2(bool(withEntity) == (m.scope != MetricScope::WholeRun),
                 qPrintable(name + QLatin1Char(' ') + errors.join(u'\n')));
        if (!withEntity)
            QVERIFY2(errors.join(u'\n').contains(QStringLiteral("takes no entity")),
                     qPrintable(errors.join(u'\n')));
        errors.clear();
        const auto withWindow =
            parsed(m.scope == MetricScope::WholeRun
                       ? QStringLiteral(R"(, "from": 1)")
                       : QStringLiteral(R"(, "entity": "%1", "from": 1)").arg(entity),
                   &errors);
        QCOMPARE(bool(withWindow), m.scope == MetricScope::Window);
        if (!withWindow)
            QVERIFY2(errors.join(u'\n').contains(QStringLiteral("whole run")),
                     qPrintable(errors.join(u'\n')));
        // ...and "value" only where the metric is not a yes or no.
        errors.clear();
        const auto bare = Scenario::parse(
            QStringLiteral(R"({ "title": "t", "duration": 5, "expect": [ { "metric": "%1"%2 } ] })")
                .arg(name, m.scope == MetricScope::WholeRun
                               ? QString()
                               : QStringLiteral(R"(, "entity": "%1")").arg(entity))
                .toUtf8(),
            &errors);
        QCOMPARE(bool(bare), m.yesNo);
        // The writer writes the name back.
        if (withEntity) {
            QCOMPARE(withEntity->expectations.size(), 1);
            QCOMPARE(withEntity->expectations[0].metric, m.metric);
            QVERIFY(withEntity->expectations[0].describe().contains(name));
        }
    }
    QCOMPARE(i, int(expectationMetricNames().size()));
}

void TestScenario::expectationThatMeasuredNothingIsNotEvaluated()
{
    // The load stops at 1 s: the cart gets no request from 3 s on, so an
    // expectation on that window measured nothing. It is not evaluated, and
    // the run fails naming it; the others are judged as usual.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("idle.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({ "title": "Idle window", "duration": 5, "seed": 3,
        "load": { "profile": { "shape": "constant", "rate": 40 } },
        "timeline": [ { "at": 1, "action": "set-rate", "rate": 0 } ],
        "expect": [
          { "metric": "success-rate", "entity": "cart", "op": ">=", "value": 0.99, "from": 3, "to": 5 },
          { "metric": "server-errors", "entity": "cart", "op": "==", "value": 0, "from": 3, "to": 5 },
          { "metric": "requests", "entity": "gateway", "op": ">", "value": 0, "from": 0, "to": 2 },
          { "metric": "dropped", "op": "==", "value": 0 },
          { "metric": "invariants" } ] })");
    file.close();
    const QString report = dir.filePath(QStringLiteral("report.json"));
    const Run run = runMicrocosm({QStringLiteral("--headless"), QStringLiteral("--scenario"), path,
                                  QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("db")),
                                  QStringLiteral("--report"), report});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.output.contains(QStringLiteral(
                 "NOT EVALUATED cart success-rate >= 0.99 between 3 s and 5 s (measured nothing: "
                 "no requests to cart in its window)")),
             qPrintable(run.output));
    QVERIFY2(run.output.contains(QStringLiteral(
                 "NOT EVALUATED cart server-errors == 0 between 3 s and 5 s (measured nothing")),
             qPrintable(run.output));
    // Judged after the shutdown, from the figures the load generator left.
    QVERIFY2(run.output.contains(QStringLiteral("PASS dropped == 0")), qPrintable(run.output));
    QVERIFY2(run.output.contains(QStringLiteral("PASS gateway requests > 0 between 0 s and 2 s")),
             qPrintable(run.output));
    QVERIFY2(run.output.contains(QStringLiteral("PASS invariants")), qPrintable(run.output));
    // The report counts them as not held, so the run did not pass.
    QFile f(report);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(o.value(QStringLiteral("passed")).toBool(true), false);
    const QJsonArray results = o.value(QStringLiteral("expectations")).toArray();
    QCOMPARE(results.size(), 5);
    const bool held[] = {false, false, true, true, true};
    for (int i = 0; i < 5; ++i)
        QVERIFY2(results[i].toObject().value(QStringLiteral("held")).toBool() == held[i],
                 qPrintable(results[i].toObject().value(QStringLiteral("expect")).toString()));
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
    const ServiceConfig *product = s->serviceConfig(QStringLiteral("product"));
    QVERIFY(product);
    QCOMPARE(product->replicas, 3);
    QCOMPARE(product->workers, 2);
    QCOMPARE(product->queueCapacity, 10);
    QCOMPARE(product->profile.serviceTime.kind, ServiceTime::Kind::LogNormal);
    QCOMPARE(product->balancing, LoadBalancer::Strategy::PowerOfTwoChoices);
    QVERIFY(s->serviceConfig(QStringLiteral("cart")));
    QCOMPARE(s->serviceConfig(QStringLiteral("cart"))->replicas,
             ShopConfig::defaults().cart.replicas);
    QVERIFY(!s->serviceConfig(QStringLiteral("payment")));
    QCOMPARE(s->rateLimit, 50.0);
    const EdgePolicy &e =
        s->edges.at(EntityKey::edge(QStringLiteral("order"), QStringLiteral("product")));
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

// The upstream names: HPA behavior as in autoscaling/v2, Envoy's outlier
// detection interval and its max_ejection_time default of max(300 s, base).
void TestScenario::upstreamNamesParse()
{
    const QByteArray json = R"({
      "title": "t", "duration": 10,
      "services": { "cart": { "health": { "outlierDetection": { "baseEjectionMs": 400000, "intervalMs": 2000 } } } },
      "autoscaler": { "product": { "target": 0.6, "behavior": {
          "scaleUp": { "stabilizationWindowSeconds": 30, "selectPolicy": "Min",
                       "policies": [ { "type": "Pods", "value": 2, "periodSeconds": 10 },
                                     { "type": "Percent", "value": 50, "periodSeconds": 20 } ] },
          "scaleDown": { "selectPolicy": "Disabled" } } } }
    })";
    QStringList errors;
    const auto s = Scenario::parse(json, &errors);
    QVERIFY2(s, qPrintable(errors.join(QLatin1Char('\n'))));
    const HpaConfig &hpa = s->autoscalers.at(QStringLiteral("product")).hpa;
    QCOMPARE(hpa.scaleUpStabilization, seconds(30));
    QCOMPARE(hpa.scaleUp.selectPolicy, HpaScalingRules::SelectPolicy::Min);
    QCOMPARE(hpa.scaleUp.policies.size(), std::size_t(2));
    QCOMPARE(hpa.scaleUp.policies[0].type, HpaScalingPolicy::Type::Pods);
    QCOMPARE(hpa.scaleUp.policies[0].value, 2);
    QCOMPARE(hpa.scaleUp.policies[1].period, seconds(20));
    QCOMPARE(hpa.scaleDown.selectPolicy, HpaScalingRules::SelectPolicy::Disabled);
    // Left out: Kubernetes' defaults (scale-down window 300 s, 100 % per 15 s).
    QCOMPARE(hpa.scaleDownStabilization, seconds(300));
    QCOMPARE(hpa.scaleDown.policies.size(), HpaScalingRules::defaultScaleDown().policies.size());
    QVERIFY(s->serviceConfig(QStringLiteral("cart")));
    const OutlierDetectionConfig &d = s->serviceConfig(QStringLiteral("cart"))->health.outlier;
    QCOMPARE(d.interval, milliseconds(2000));
    QCOMPARE(d.maxEjectionTime, seconds(400)); // max(300 s, base 400 s)
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

void TestScenario::presetsSurviveWriteAndParse_data()
{
    presetsParse_data();
}

void TestScenario::presetsSurviveWriteAndParse()
{
    // The writer beside the reader, without a window: parse, write, parse
    // again gives the same scenario, and what the file said is all written.
    QFETCH(QString, path);
    QStringList errors;
    const auto original = Scenario::fromFile(path, &errors);
    QVERIFY2(original, qPrintable(errors.join(QLatin1Char('\n'))));
    const QByteArray written = scenarioToBytes(*original);
    const auto again = Scenario::parse(written, &errors);
    QVERIFY2(again, qPrintable(errors.join(QLatin1Char('\n')) + QLatin1Char('\n') +
                               QString::fromUtf8(written)));
    QCOMPARE(scenarioToJson(*again), scenarioToJson(*original));
    QCOMPARE(again->timeline.size(), original->timeline.size());
    QCOMPARE(again->expectations.size(), original->expectations.size());
    QCOMPARE(scenarioToBytes(*again), written);

    // Every key of the file, with its value, is in what was written. The
    // writer writes the timeline as it is played (in time order): the file's
    // steps are compared in that order.
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject given = QJsonDocument::fromJson(file.readAll()).object();
    QVERIFY(!given.isEmpty());
    if (given.contains(QStringLiteral("timeline"))) {
        const QJsonArray inFile = given.value(QStringLiteral("timeline")).toArray();
        QJsonArray played;
        for (const TimelineAction &a : original->timeline) {
            // A service inside a monolith is written as the deployable it acted on.
            QJsonObject step = inFile.at(a.fileIndex).toObject();
            if (step.contains(QStringLiteral("service")))
                step.insert(QStringLiteral("service"),
                            original->architecture.deployableOf(
                                step.value(QStringLiteral("service")).toString()));
            played.append(step);
        }
        given.insert(QStringLiteral("timeline"), played);
    }
    // An architecture the file names is written in full.
    if (given.value(QStringLiteral("architecture")).isString()) {
        QFile named(
            QFileInfo(path).dir().filePath(given.value(QStringLiteral("architecture")).toString()));
        QVERIFY(named.open(QIODevice::ReadOnly));
        given.insert(QStringLiteral("architecture"),
                     QJsonDocument::fromJson(named.readAll()).object());
    }
    QStringList diffs;
    notWritten(given, QJsonDocument::fromJson(written).object(), QStringLiteral("$"), &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));
}

void TestScenario::givenMixIsTheWholeMix()
{
    // Only what the file names is in the mix; the writer writes that back.
    const QByteArray json = R"({ "title": "t", "duration": 10,
                                 "load": { "mix": { "view": 1, "checkout": 0 } } })";
    QStringList errors;
    const auto s = Scenario::parse(json, &errors);
    QVERIFY2(s, qPrintable(errors.join(QLatin1Char('\n'))));
    const QMap<QString, double> mix{{QStringLiteral("view"), 1}, {QStringLiteral("checkout"), 0}};
    QCOMPARE(s->load.mix, mix);
    const auto again = Scenario::parse(scenarioToBytes(*s), &errors);
    QVERIFY2(again, qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(again->load.mix, mix);
    // No mix: the workload's own weights (an empty map).
    const auto plain = Scenario::parse(R"({ "title": "t", "duration": 10 })", &errors);
    QVERIFY2(plain, qPrintable(errors.join(QLatin1Char('\n'))));
    QVERIFY(plain->load.mix.isEmpty());
}

void TestScenario::viewOnlyMixSendsOnlyProductViews()
{
    // {"view": 1} is the whole mix: browse, add-to-cart, checkout and
    // order-history weigh 0, so every request the users send is a
    // GET /products/{id} and no other route of any service is called.
    const QByteArray json = R"({ "title": "views only", "duration": 10,
      "load": { "profile": { "shape": "constant", "rate": 200 }, "mix": { "view": 1 } } })";
    QStringList errors;
    const auto s = Scenario::parse(json, &errors);
    QVERIFY2(s, qPrintable(errors.join(QLatin1Char('\n'))));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ShopSession session(dir.path(), s->architecture, s->platform, s->load);
    QVERIFY2(session.start(), qPrintable(session.startError()));
    session.load().start();
    QTRY_VERIFY_WITH_TIMEOUT(session.load().stats().requests >= 200, 20000);
    session.load().stop();
    QVERIFY(session.quiesce());
    const LoadGenerator::Stats sent = session.load().stats();
    QCOMPARE(sent.dropped, std::uint64_t(0));

    const EntityKey view =
        EntityKey::route(QStringLiteral("product"), QStringLiteral("GET /products/{id}"));
    MetricsRegistry &metrics = session.platform().metrics();
    // The totals are counted when each one-second window closes.
    QTRY_COMPARE_WITH_TIMEOUT(metrics.summary(view).total(), sent.requests, 10000);
    QStringList others;
    for (const EntityKey &key : metrics.keys())
        if (key.isRoute() && key != view && metrics.summary(key).total() > 0)
            others << QStringLiteral("%1: %2").arg(key.name()).arg(metrics.summary(key).total());
    QVERIFY2(others.isEmpty(), qPrintable(others.join(QStringLiteral(", "))));
    qInfo("%llu requests sent, %llu answered by %s", qulonglong(sent.requests),
          qulonglong(metrics.summary(view).total()), qPrintable(view.name()));
    session.shutdown();
}

QTEST_GUILESS_MAIN(TestScenario)
#include "tst_scenario.moc"
