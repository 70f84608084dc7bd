// Recordings: a headless run's recording holds every second and every event
// its report counts, reproduces the report's figures exactly, survives a
// SIGKILL with every second up to at most 2 s before it, and refuses bad
// files without changing them.

#include "headless.h"
#include "platform.h"
#include "programrunner.h"
#include "recording.h"
#include "recordingdocuments.h"
#include "scenario.h"
#include "sqlite.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace microcosm;

namespace {

QByteArray hashOf(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// A short run with a kill and a restart, so that states change.
const char *KillScenario = R"({
  "title": "record a kill",
  "duration": 8,
  "policies": {"edges": {"users>product": {"timeoutMs": 1000, "fallback": true,
                                             "circuitBreaker": "demo"}}},
  "load": {"profile": {"shape": "constant", "rate": 60}},
  "timeline": [
    {"at": 2, "action": "kill", "service": "product"},
    {"at": 5, "action": "restart", "service": "product"}
  ]
})";

} // namespace

class TestRecording : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void holdsEverySecondAndEvent();
    void reproducesTheReportExactly();
    void showsEachSecondsState();
    void keepsTheDatabasesAsTheRunLeftThem();
    void histogramsRoundTrip();
    void survivesSigkill();
    void refusesBadFiles_data();
    void refusesBadFiles();
    void refusesAFileBeingWritten();
    void doesNotReplaceAnotherProgramsFile();

private:
    QTemporaryDir m_dir;
    QString m_recording;
    QJsonObject m_report;
};

void TestRecording::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QStringList errors;
    const auto scenario = Scenario::parse(KillScenario, &errors);
    QVERIFY2(scenario, qPrintable(errors.join(QLatin1Char('\n'))));
    HeadlessOptions options;
    options.scenario = scenario;
    options.dataDir = m_dir.filePath(QStringLiteral("shop"));
    options.reportPath = m_dir.filePath(QStringLiteral("report.json"));
    QString text;
    QTextStream out(&text), err(&text);
    QCOMPARE(runHeadless(options, out, err), 0);
    m_recording = QDir(options.dataDir).filePath(QStringLiteral("run.microcosm"));
    QVERIFY2(text.contains(QStringLiteral("recording: ")), qPrintable(text));
    QFile report(options.reportPath);
    QVERIFY(report.open(QIODevice::ReadOnly));
    m_report = QJsonDocument::fromJson(report.readAll()).object();
    QVERIFY(!m_report.isEmpty());
}

void TestRecording::holdsEverySecondAndEvent()
{
    QString error;
    const auto r = Recording::open(m_recording, &error);
    QVERIFY2(r, qPrintable(error));
    QVERIFY(r->complete());
    QCOMPARE(r->title(), QStringLiteral("record a kill"));
    // Every event of the report, in order, with its time and words.
    const QJsonArray events = m_report.value(QStringLiteral("events")).toArray();
    QCOMPARE(qsizetype(r->events().size()), events.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        const QJsonObject e = events.at(i).toObject();
        QCOMPARE(r->events()[i].kind, e.value(QStringLiteral("kind")).toString());
        QCOMPARE(r->events()[i].source, e.value(QStringLiteral("source")).toString());
        QCOMPARE(r->events()[i].t, e.value(QStringLiteral("t")).toDouble());
    }
    // Every second: one row per closed window, each second of the gateway's
    // counts there, so that together they are the report's total.
    const QJsonObject recorded = m_report.value(QStringLiteral("recording")).toObject();
    QCOMPARE(qsizetype(r->seconds().size()),
             qsizetype(recorded.value(QStringLiteral("seconds")).toInt()));
    QVERIFY(r->seconds().size() >= 8); // 8 s of load, the settling and the last window
    const std::vector<Window> gateway = r->series(QStringLiteral("gateway"));
    QCOMPARE(gateway.size(), r->seconds().size());
    std::uint64_t requests = 0;
    for (const Window &w : gateway)
        requests += w.total();
    QCOMPARE(qint64(requests), m_report.value(QStringLiteral("gateway"))
                                   .toObject()
                                   .value(QStringLiteral("requests"))
                                   .toInteger());
    for (std::size_t i = 1; i < r->seconds().size(); ++i)
        QVERIFY(r->seconds()[i] > r->seconds()[i - 1]);
    // The kill and the restart are where the timeline put them, from the load's start.
    bool killed = false;
    for (const Event &e : r->events())
        if (e.kind == QLatin1String("killed") && e.source == QLatin1String("product")) {
            killed = true;
            QVERIFY2(std::abs(e.t - r->loadStart() - 2.0) < 0.5,
                     qPrintable(QString::number(e.t - r->loadStart())));
        }
    QVERIFY(killed);
    QCOMPARE(r->report().value(QStringLiteral("scenario")).toString(),
             QStringLiteral("record a kill"));
    QVERIFY(!r->document(QStringLiteral("audit")).isEmpty());
    QVERIFY(QJsonDocument::fromJson(r->document(QStringLiteral("traces")))
                .object()
                .contains(QStringLiteral("resourceSpans")));
}

void TestRecording::reproducesTheReportExactly()
{
    QString error;
    const auto r = Recording::open(m_recording, &error);
    QVERIFY2(r, qPrintable(error));
    const auto check = [](const EntitySummary &s, const QJsonObject &o) {
        QCOMPARE(qint64(s.total()), o.value(QStringLiteral("requests")).toInteger());
        QCOMPARE(s.successRate(), o.value(QStringLiteral("successRate")).toDouble());
        QCOMPARE(s.latency.percentileMs(0.50), o.value(QStringLiteral("p50Ms")).toDouble());
        QCOMPARE(s.latency.percentileMs(0.95), o.value(QStringLiteral("p95Ms")).toDouble());
        QCOMPARE(s.latency.percentileMs(0.99), o.value(QStringLiteral("p99Ms")).toDouble());
        QCOMPARE(s.latency.percentileMs(0.999), o.value(QStringLiteral("p999Ms")).toDouble());
        QCOMPARE(double(s.latency.maxUs()) / 1000.0, o.value(QStringLiteral("maxMs")).toDouble());
        const QJsonObject outcomes = o.value(QStringLiteral("outcomes")).toObject();
        for (int i = 0; i < OutcomeCount; ++i)
            QCOMPARE(qint64(s.totals[i]), outcomes.value(outcomeName(Outcome(i))).toInteger());
    };
    const QJsonArray services = m_report.value(QStringLiteral("services")).toArray();
    QCOMPARE(services.size(), 3);
    for (const QJsonValue &v : services) {
        const QJsonObject o = v.toObject();
        check(r->total(QStringLiteral("service:") + o.value(QStringLiteral("name")).toString()), o);
        if (QTest::currentTestFailed())
            return;
    }
    check(r->total(QStringLiteral("gateway")),
          m_report.value(QStringLiteral("gateway")).toObject());
    check(r->total(QStringLiteral("client")), m_report.value(QStringLiteral("client")).toObject());
    const QJsonObject edges = m_report.value(QStringLiteral("edges")).toObject();
    QVERIFY(edges.contains(QStringLiteral("users>product")));
    for (auto it = edges.begin(); it != edges.end(); ++it) {
        check(r->total(QStringLiteral("edge:") + it.key()), it.value().toObject());
        if (QTest::currentTestFailed())
            return;
    }
}

void TestRecording::showsEachSecondsState()
{
    QString error;
    const auto r = Recording::open(m_recording, &error);
    QVERIFY2(r, qPrintable(error));
    const double load = r->loadStart();
    // Mid-kill (2 s to 5 s after the load began) no product replica is
    // ready; a second before the kill and at the end both are.
    const auto readyAt = [&](double t) {
        const SystemSnapshot s = r->snapshotAt(load + t);
        const ServiceSnapshot *product = s.service(QStringLiteral("product"));
        return product ? product->ready() : -1;
    };
    QCOMPARE(readyAt(1.2), 2);
    QCOMPARE(readyAt(3.5), 0);
    QCOMPARE(readyAt(r->seconds().back() - load), 2);
    const SystemSnapshot mid = r->snapshotAt(load + 3.5);
    QCOMPARE(mid.service(QStringLiteral("product"))->health, ServiceSnapshot::Health::Down);
    for (const ReplicaSnapshot &replica : mid.service(QStringLiteral("product"))->replicas)
        QVERIFY2(replica.state != ReplicaState::Ready,
                 qPrintable(replica.name + replicaStateName(replica.state)));
    // Each entity's window there is that second's row of the metrics table.
    Database db(m_recording, Database::Mode::ReadOnly);
    Query q = db.prepare(QStringLiteral("SELECT ok, p99_ms FROM metrics WHERE entity = 'gateway' "
                                        "AND t = ?"));
    q.bind(1, mid.t);
    QVERIFY(q.next());
    QCOMPARE(qint64(mid.gateway.last.counts[int(Outcome::Ok)]), q.int64(0));
    QCOMPARE(mid.gateway.last.p99, q.real(1));
    // Users were answered by the fallback while product was down.
    QVERIFY(r->range(QStringLiteral("edge:users>product"), load + 2.5, load + 5)
                .totals[int(Outcome::Fallback)] > 0);
}

// Every table of a database file and its row count.
static QMap<QString, qint64> rowCounts(const QString &path)
{
    QMap<QString, qint64> out;
    Database db(path, Database::Mode::Immutable);
    QStringList tables;
    auto q = db.prepare(QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                                       "name NOT LIKE 'sqlite_%'"));
    while (q.next())
        tables << q.text(0);
    for (const QString &t : std::as_const(tables))
        out[t] = db.prepare(QStringLiteral("SELECT count(*) FROM \"%1\"").arg(t)).scalar();
    return out;
}

void TestRecording::keepsTheDatabasesAsTheRunLeftThem()
{
    QString error;
    const auto r = Recording::open(m_recording, &error);
    QVERIFY2(r, qPrintable(error));
    QTemporaryDir out;
    const RecordedDatabases copies = extractDatabases(*r, out.path(), &error);
    QVERIFY(copies.indexed);
    QVERIFY2(error.isEmpty() && copies.skipped.isEmpty(),
             qPrintable(error + copies.skipped.join(QLatin1Char(';'))));
    QStringList files;
    for (const RecordedDatabase &d : copies.files)
        files << d.file;
    QCOMPARE(files, (QStringList{QStringLiteral("product.db"), QStringLiteral("cart.db"),
                                 QStringLiteral("order.db")}));
    // Each copy holds what the data directory's file holds after the run:
    // the same tables with the same rows, and orders among them.
    const QDir data(QFileInfo(m_recording).path());
    for (const RecordedDatabase &d : copies.files) {
        QCOMPARE(d.users, QStringList{QFileInfo(d.file).baseName()});
        const QMap<QString, qint64> copy = rowCounts(d.path);
        QVERIFY2(!copy.isEmpty(), qPrintable(d.file));
        QCOMPARE(copy, rowCounts(data.filePath(d.file)));
    }
    QVERIFY(rowCounts(out.filePath(QStringLiteral("order.db"))).value(QStringLiteral("orders")) >
            0);
    // Copying left nothing beside the services' files.
    for (const RecordedDatabase &d : copies.files)
        for (const char *suffix : {"-wal", "-shm"})
            QVERIFY2(!QFile::exists(data.filePath(d.file + QLatin1String(suffix))),
                     qPrintable(d.file + QLatin1String(suffix)));
}

void TestRecording::histogramsRoundTrip()
{
    HistogramData data;
    for (std::int64_t us : {1, 2, 3, 900, 901, 20'000, 20'001, 7'000'000, 99'000'000})
        data.record(us, std::uint64_t(us % 5 + 1));
    std::vector<HistogramData::Cell> cells;
    QVERIFY(recording::decodeCells(recording::encodeCells(data.cells()), &cells));
    QCOMPARE(cells.size(), data.cells().size());
    for (std::size_t i = 0; i < cells.size(); ++i) {
        QCOMPARE(cells[i].bucket, data.cells()[i].bucket);
        QCOMPARE(cells[i].count, data.cells()[i].count);
    }
    QVERIFY(!recording::decodeCells(QByteArray("\x80", 1), &cells)); // a varint cut short
    QVERIFY(
        !recording::decodeCells(QByteArray("\xff\xff\x7f\x01", 4), &cells)); // past the last bucket
}

void TestRecording::survivesSigkill()
{
    if (qEnvironmentVariableIsSet("MICROCOSM_NO_FORK"))
        QSKIP("not under ThreadSanitizer (MICROCOSM_NO_FORK): it kills a child process");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("killed.microcosm"));
    QProcess process;
    process.setProcessEnvironment(test::programEnvironment());
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(test::programBinary(),
                  {QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("60"),
                   QStringLiteral("--rate"), QStringLiteral("300"), QStringLiteral("--data-dir"),
                   dir.filePath(QStringLiteral("shop")), QStringLiteral("--record"), path});
    QVERIFY(process.waitForStarted(10'000));
    // Killed just after it printed its sixth second of load.
    QByteArray seen;
    QDeadlineTimer deadline(60'000);
    const QRegularExpression line(QStringLiteral("t=\\s*(\\d+) s"));
    int lastSecond = 0;
    while (lastSecond < 6 && !deadline.hasExpired() && process.state() == QProcess::Running) {
        process.waitForReadyRead(100);
        seen += process.readAll();
        for (auto m = line.globalMatch(QString::fromUtf8(seen)); m.hasNext();)
            lastSecond = std::max(lastSecond, m.next().captured(1).toInt());
    }
    QVERIFY2(lastSecond >= 6, seen.constData());
    const QByteArray before = hashOf(path);
    ::kill(pid_t(process.processId()), SIGKILL);
    QVERIFY(process.waitForFinished(10'000));
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);

    QString error;
    const auto r = Recording::open(path, &error);
    QVERIFY2(r, qPrintable(error));
    QVERIFY(!r->complete());
    QVERIFY(!r->seconds().empty());
    // The kill came at least lastSecond seconds after the load began; the
    // recording holds every second up to at most 2 s before that.
    const double last = r->seconds().back() - r->loadStart();
    QVERIFY2(
        last >= lastSecond - 2.0,
        qPrintable(
            QStringLiteral("last recorded second %1, killed after %2").arg(last).arg(lastSecond)));
    for (std::size_t i = 1; i < r->seconds().size(); ++i)
        QVERIFY2(r->seconds()[i] - r->seconds()[i - 1] < 1.5, "a second is missing");
    QVERIFY(r->total(QStringLiteral("gateway")).total() > 0);
    {
        Database db(path, Database::Mode::ReadOnly);
        Query q = db.prepare(QStringLiteral("PRAGMA integrity_check"));
        QVERIFY(q.next());
        QCOMPARE(q.text(0), QStringLiteral("ok"));
    }
    Q_UNUSED(before);
    // And it may be recorded over by the next run.
    const auto next =
        test::runProgram({QStringLiteral("--headless"), QStringLiteral("--duration"),
                          QStringLiteral("1"), QStringLiteral("--data-dir"),
                          dir.filePath(QStringLiteral("shop2")), QStringLiteral("--record"), path},
                         60'000, dir.path());
    QVERIFY2(next.exitCode == 0, qPrintable(next.out + next.err));
    QVERIFY(Recording::open(path, &error)->complete());
}

void TestRecording::refusesBadFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << "missing"
                             << "no such file";
    QTest::newRow("empty") << "empty"
                           << "is empty";
    QTest::newRow("text") << "text"
                          << "not a SQLite database";
    QTest::newRow("another program's database") << "other"
                                                << "another program's SQLite database";
    QTest::newRow("newer format") << "newer"
                                  << "written by a newer Microcosm";
    QTest::newRow("truncated") << "truncated"
                               << "damaged or truncated";
}

void TestRecording::refusesBadFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.microcosm"));
    if (kind == QLatin1String("empty") || kind == QLatin1String("text")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        if (kind == QLatin1String("text"))
            f.write("{\"title\": \"a scenario, not a recording\"}\n");
    } else if (kind == QLatin1String("other")) {
        Database db(path);
        db.execScript(QStringLiteral("CREATE TABLE t(x); INSERT INTO t VALUES(1);"));
    } else if (kind == QLatin1String("newer") || kind == QLatin1String("truncated")) {
        QVERIFY(QFile::copy(m_recording, path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        if (kind == QLatin1String("newer")) {
            Database db(path);
            db.execScript(QStringLiteral("UPDATE meta SET value = '99' WHERE key = 'version'"));
        } else {
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.resize(f.size() / 2));
        }
    }
    const QByteArray before = hashOf(path);
    QString error;
    QVERIFY(!Recording::open(path, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QCOMPARE(hashOf(path), before); // nothing changed in it
    if (kind == QLatin1String("missing"))
        QVERIFY(!QFile::exists(path));
}

void TestRecording::refusesAFileBeingWritten()
{
    QTemporaryDir dir;
    Platform platform(dir.filePath(QStringLiteral("data")));
    platform.start();
    const QString path = dir.filePath(QStringLiteral("live.microcosm"));
    QString error;
    auto recorder = Recorder::create(path, platform, {}, &error);
    QVERIFY2(recorder, qPrintable(error));
    platform.rotateMetrics();
    recorder->flush();
    QVERIFY(!Recording::open(path, &error));
    QVERIFY2(error.contains(QStringLiteral("being written by a running Microcosm")),
             qPrintable(error));
    QVERIFY(!Recorder::create(path, platform, {}, &error));
    QVERIFY2(error.contains(QStringLiteral("being written")), qPrintable(error));
    // The window may read its own run while it is written.
    const auto live = Recording::open(path, &error, /*allowLive=*/true);
    QVERIFY2(live, qPrintable(error));
    QVERIFY(!live->complete());
    QCOMPARE(live->seconds().size(), std::size_t(1));
    recorder.reset();
    QVERIFY2(Recording::open(path, &error), qPrintable(error));
    platform.shutdown();
}

void TestRecording::doesNotReplaceAnotherProgramsFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.txt"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("my notes\n");
    }
    const QByteArray before = hashOf(path);
    const auto run =
        test::runProgram({QStringLiteral("--headless"), QStringLiteral("--duration"),
                          QStringLiteral("1"), QStringLiteral("--data-dir"),
                          dir.filePath(QStringLiteral("shop")), QStringLiteral("--record"), path},
                         60'000, dir.path());
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(QStringLiteral("--record")) && run.err.contains(path) &&
                 run.err.contains(QStringLiteral("not a Microcosm recording")),
             qPrintable(run.err));
    QCOMPARE(hashOf(path), before);
}

QTEST_GUILESS_MAIN(TestRecording)
#include "tst_recording.moc"
