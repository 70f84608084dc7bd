// Time in the window: every run the window starts is recorded; the time bar
// shows any recorded second in the topology (replica states, breakers), the
// charts and a banner, while the run goes on; "Freeze the picture" keeps what
// is shown while the engine counts on; File → Open recording plays a
// recording back at the chosen speed without running anything.
#include "chartspanel.h"
#include "controlspanel.h"
#include "databaseinspector.h"
#include "eventmodel.h"
#include "eventtimeline.h"
#include "guitestsupport.h"
#include "headless.h"
#include "mainwindow.h"
#include "recording.h"
#include "recordingdocuments.h"
#include "replaywindow.h"
#include "shopcontroller.h"
#include "sqlite.h"
#include "sqlitetablemodel.h"
#include "timebar.h"
#include "topologyedge.h"
#include "topologynode.h"
#include "topologyview.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QXYSeries>

#include <cmath>

using namespace microcosm;

namespace {

// Product dies at 1 s and comes back at 8 s; its callers' breakers open
// while it is down.
const QByteArray DownAndBack = R"({
  "title": "product down and back",
  "duration": 120,
  "seed": 3,
  "policies": { "edges": {
    "users>product": { "timeoutMs": 1000, "fallback": true, "circuitBreaker": "demo" },
    "order>product": { "timeoutMs": 500, "circuitBreaker": "demo" } } },
  "load": { "profile": { "shape": "constant", "rate": 60 } },
  "timeline": [
    { "at": 1, "action": "kill", "service": "product" },
    { "at": 8, "action": "restart", "service": "product" }
  ]
})";

BreakerState breakerOf(const SystemSnapshot &s, const QString &from, const QString &to)
{
    for (const EdgeSnapshot &e : s.edges)
        if (e.from == from && e.to == to)
            return e.breaker;
    return BreakerState::None;
}

// "product#1 dead, product#2 dead": a service's replicas as a node shows them.
QStringList replicaStates(const ServiceSnapshot &s)
{
    QStringList out;
    for (const ReplicaSnapshot &r : s.replicas)
        out << r.name + QLatin1Char(' ') + replicaStateName(r.state);
    return out;
}

// The topology shows exactly what the recording says of that second: each
// service's health and replica states, each edge's breaker badge (some
// breaker among them, unless the run had none).
void compareWithRecording(TopologyView *view, const SystemSnapshot &want, bool breakersShown = true)
{
    QVERIFY(!want.services.isEmpty());
    for (const ServiceSnapshot &svc : want.services) {
        TopologyNode *n = view->node(svc.name);
        QVERIFY2(n, qPrintable(svc.name));
        QCOMPARE(replicaStates(n->lastService()), replicaStates(svc));
        QCOMPARE(n->health(), svc.health);
    }
    int breakers = 0;
    for (const EdgeSnapshot &e : want.edges) {
        if (e.from == QLatin1String("http"))
            continue;
        const QString from = e.from == QLatin1String("users") ? QStringLiteral("gateway") : e.from;
        TopologyEdge *edge = view->edge(from, e.to);
        QVERIFY2(edge, qPrintable(from + QLatin1Char('>') + e.to));
        QCOMPARE(TopologyEdge::breakerName(edge->breaker()), TopologyEdge::breakerName(e.breaker));
        breakers += e.breaker != BreakerState::None;
    }
    if (breakersShown)
        QVERIFY(breakers > 0); // the comparison covered some badge
}

// The events a list cut at `cut` must show: those of the model up to then.
int eventsUpTo(EventTimeline *events, double cut)
{
    int n = 0;
    for (int r = 0; r < events->model()->rowCount(); ++r)
        n += events->model()->event(r).t <= cut;
    return n;
}

// A recording that a run finished: complete, with the audit, a report from
// where it ran and a copy of every database.
void checkFinished(const Recording &r, const QString &ranIn)
{
    QVERIFY2(r.complete(), qPrintable(r.path()));
    const QJsonObject audit = QJsonDocument::fromJson(r.document(QStringLiteral("audit"))).object();
    QVERIFY(audit.contains(QStringLiteral("ok")));
    QCOMPARE(r.report().value(QStringLiteral("ranIn")).toString(), ranIn);
    QCOMPARE(r.report().value(QStringLiteral("audit")).toObject(), audit);
    QVERIFY(!r.document(QStringLiteral("debrief")).isEmpty());
    const QJsonArray files =
        QJsonDocument::fromJson(r.document(recording::databasesIndexDocument()))
            .object()
            .value(QStringLiteral("files"))
            .toArray();
    QCOMPARE(files.size(), 3);
    for (const QJsonValue &f : files)
        QVERIFY(!r.document(f.toObject().value(QStringLiteral("document")).toString()).isEmpty());
}

} // namespace

class TestGuiTime : public QObject
{
    Q_OBJECT

private slots:
    void scrubbingShowsTheRecordedSecond();
    void freezeKeepsThePictureWhileTheRunGoesOn();
    void replayPlaysAtTheChosenSpeed();
    void openRecordingNamesTheProblem();
    void replayOfAnUnfinishedRunSaysSo();

private:
    IsolatedSettings m_settings;
};

void TestGuiTime::scrubbingShowsTheRecordedSecond()
{
    QTemporaryDir dir;
    auto window = openTestWindow(dir.path());
    QVERIFY(window);
    QStringList errors;
    const auto scenario = Scenario::parse(DownAndBack, &errors);
    QVERIFY2(scenario, qPrintable(errors.join(QLatin1Char('\n'))));
    // As a preset starts: a fresh shop in a folder of its own, recorded there.
    QSignalSpy replaced(window.get(), &MainWindow::sessionReplaced);
    window->openScenario(*scenario);
    QVERIFY(replaced.wait(20000));
    // The session replaced (the hand-driven one the window began with) has
    // its recording finished off the GUI thread: complete, audited, with
    // copies of its databases.
    const QString firstRun = QDir(dir.path()).filePath(QStringLiteral("run.microcosm"));
    std::optional<Recording> replacedRun;
    QString replacedError;
    QTRY_VERIFY2_WITH_TIMEOUT((replacedRun = Recording::open(firstRun, &replacedError)),
                              qPrintable(replacedError), 20000);
    checkFinished(*replacedRun, QStringLiteral("window"));
    QTRY_VERIFY(window->liveScenario());
    QVERIFY(window->recorder());
    const QString path = window->recorder()->path();
    QCOMPARE(
        path,
        QDir(window->controller()->platform().dataDir()).filePath(QStringLiteral("run.microcosm")));

    // Wait for product to be back live, with a recorded second behind it
    // when it was down and its breaker open.
    double downAt = -1;
    QElapsedTimer reading;
    qint64 slowestRead = 0;
    const auto ready = [&] {
        const ServiceSnapshot *live =
            window->controller()->snapshot().service(QStringLiteral("product"));
        if (!live || live->ready() == 0)
            return false;
        QString error;
        reading.start();
        const auto rec = Recording::open(path, &error, /*allowLive=*/true);
        slowestRead = std::max(slowestRead, reading.elapsed());
        if (!rec)
            return false;
        for (double t : rec->seconds()) {
            const SystemSnapshot s = rec->snapshotAt(t);
            const ServiceSnapshot *p = s.service(QStringLiteral("product"));
            if (p && p->ready() == 0 && p->health == ServiceSnapshot::Health::Down &&
                breakerOf(s, QStringLiteral("users"), QStringLiteral("product")) ==
                    BreakerState::Open) {
                downAt = t;
                return true;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(ready(), 60000);
    qInfo("reading the live recording took at most %lld ms", slowestRead);

    // Look back at that second: the topology shows product down and the
    // breaker open, although live product is serving again.
    QVERIFY(window->showTime(downAt));
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Past);
    QString error;
    const auto rec = Recording::open(path, &error, /*allowLive=*/true);
    QVERIFY2(rec, qPrintable(error));
    const SystemSnapshot want = rec->snapshotAt(downAt);
    QCOMPARE(window->viewTime(), want.t);
    compareWithRecording(window->topology(), want);
    QVERIFY(window->topology()->node(QStringLiteral("product"))->isDown());
    QCOMPARE(
        window->topology()->edge(QStringLiteral("gateway"), QStringLiteral("product"))->breaker(),
        TopologyEdge::Breaker::Open);
    QVERIFY(window->controller()->snapshot().service(QStringLiteral("product"))->ready() > 0);
    // The live snapshots keep coming and are not shown.
    const double liveBefore = window->controller()->snapshot().t;
    QTRY_VERIFY(window->controller()->snapshot().t > liveBefore + 0.2);
    QCOMPARE(window->topology()->shownSnapshot().t, want.t);
    compareWithRecording(window->topology(), want);

    // The banner says which second; the bar's handle is on it; the charts
    // end there.
    const QString second = QStringLiteral("t = %1 s").arg(std::lround(want.t));
    QVERIFY(window->viewBanner()->isVisible());
    QVERIFY2(window->viewBanner()->text().contains(second),
             qPrintable(window->viewBanner()->text()));
    QCOMPARE(window->timeBar()->position(), std::optional<double>(want.t));
    QCOMPARE(window->charts()->cutAt(), std::optional<double>(want.t));
    const QList<QPointF> points =
        window->charts()->series(QStringLiteral("throughput:cart"))->points();
    QVERIFY(!points.isEmpty());
    QVERIFY(points.last().x() <= want.t);
    QVERIFY(window->timeBar()->marks().size() >= 2); // the kill and the breaker at least
    // The events list ends there too: product's restart, later, is not in it.
    EventTimeline *events = window->timeline();
    QCOMPARE(events->cutAt(), std::optional<double>(want.t));
    QCOMPARE(events->visibleRows(), eventsUpTo(events, want.t));
    QVERIFY(events->visibleRows() > 0);
    QVERIFY(events->visibleRows() < events->model()->rowCount());

    // ← is the recorded second before, as the recording has it.
    const std::vector<double> seconds = rec->seconds();
    const auto at = std::find(seconds.begin(), seconds.end(), want.t);
    QVERIFY(at != seconds.end() && at != seconds.begin());
    window->topology()->setFocus();
    QTest::keyClick(window->topology(), Qt::Key_Left);
    QCOMPARE(window->viewTime(), *std::prev(at));
    compareWithRecording(window->topology(), rec->snapshotAt(*std::prev(at)));
    QCOMPARE(events->cutAt(), std::optional<double>(*std::prev(at)));
    QCOMPARE(events->visibleRows(), eventsUpTo(events, *std::prev(at)));

    // End: live again, product up.
    QTest::keyClick(window->topology(), Qt::Key_End);
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Live);
    QVERIFY(!window->viewBanner()->isVisible());
    QVERIFY(!window->charts()->cutAt());
    QTRY_VERIFY(window->topology()->shownSnapshot().t > liveBefore);
    QVERIFY(!window->topology()->node(QStringLiteral("product"))->isDown());
    QVERIFY(!events->cutAt());
    QCOMPARE(events->visibleRows(), events->model()->rowCount());

    // The window closed mid-scenario: its recording is finished all the
    // same, and its report says the scenario was not judged.
    window.reset();
    const auto closed = Recording::open(path, &error);
    QVERIFY2(closed, qPrintable(error));
    checkFinished(*closed, QStringLiteral("window"));
    const QJsonArray notes = closed->report().value(QStringLiteral("notes")).toArray();
    QVERIFY(!notes.isEmpty());
    QVERIFY2(notes.first().toString().contains(QStringLiteral("before its expectations were "
                                                              "judged")),
             qPrintable(notes.first().toString()));
}

void TestGuiTime::freezeKeepsThePictureWhileTheRunGoesOn()
{
    QTemporaryDir dir;
    TestWindow w;
    w.rate = 60;
    auto window = openTestWindow(dir.path(), w);
    QVERIFY(window);
    window->controller()->startLoad();
    Platform &platform = window->controller()->platform();
    QTRY_VERIFY(platform.metrics().summary(EntityKey::gateway()).total() > 0);

    // P freezes the picture (not the load: Space is that).
    QTest::keyClick(window.get(), Qt::Key_P);
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Frozen);
    auto *freeze = window->findChild<QAction *>(QStringLiteral("action-freeze"));
    QVERIFY(freeze && freeze->isChecked());
    QVERIFY(freeze->text().contains(QStringLiteral("Freeze the picture")));
    QVERIFY(window->controller()->loadRunning());
    QVERIFY(window->viewBanner()->text().contains(QStringLiteral("frozen")));
    const SystemSnapshot frozen = window->topology()->shownSnapshot();
    const std::uint64_t before = platform.metrics().summary(EntityKey::gateway()).total();
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 2200) {
        QTest::qWait(100);
        QCOMPARE(window->topology()->shownSnapshot().t, frozen.t);
        QCOMPARE(window->topology()->shownSnapshot().gateway.total(), frozen.gateway.total());
        QCOMPARE(window->charts()->cutAt(), std::optional<double>(frozen.t));
        QCOMPARE(window->timeline()->cutAt(), std::optional<double>(frozen.t));
    }
    const std::uint64_t after = platform.metrics().summary(EntityKey::gateway()).total();
    QVERIFY2(after > before, qPrintable(QStringLiteral("%1 → %2").arg(before).arg(after)));
    QVERIFY(window->controller()->snapshot().t >= frozen.t + 2);
    QVERIFY(!window->topology()->animating()); // the particles stand still too

    // P again: live, and the picture moves on.
    QTest::keyClick(window.get(), Qt::Key_P);
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Live);
    QVERIFY(!freeze->isChecked());
    QTRY_VERIFY(window->topology()->shownSnapshot().t > frozen.t + 2);
    QVERIFY(!window->timeline()->cutAt());

    // A rate set by hand in the controls is in the recording: its event,
    // and from it on the users' rate of every second after.
    window->controls()->rateBox()->setValue(90);
    QCOMPARE(window->controller()->rate(), 90.0);
    const QString path = window->recorder()->path();
    std::optional<Recording> rec;
    double setAt = -1, setFrom = -1;
    const auto recorded = [&] {
        QString error;
        rec = Recording::open(path, &error, /*allowLive=*/true);
        if (!rec)
            return false;
        for (const Event &e : rec->events())
            if (const auto r = handSetRate(e); r && r->to == 90) {
                setFrom = r->from;
                setAt = e.t;
            }
        return setAt >= 0 && rec->seconds().back() > setAt;
    };
    QTRY_VERIFY_WITH_TIMEOUT(recorded(), 10000);
    QCOMPARE(setFrom, 60.0);
    QCOMPARE(recordedUsersRate(*rec, nullptr, rec->seconds().front()), 60.0);
    QCOMPARE(recordedUsersRate(*rec, nullptr, rec->seconds().back()), 90.0);

    // Closing the window finishes the recording: a replay of it has the
    // audit, and its users' box the rate set by hand.
    window.reset();
    QString error;
    const auto closed = Recording::open(path, &error);
    QVERIFY2(closed, qPrintable(error));
    checkFinished(*closed, QStringLiteral("window"));
    const QJsonObject audit =
        QJsonDocument::fromJson(closed->document(QStringLiteral("audit"))).object();
    QCOMPARE(closed->report().value(QStringLiteral("passed")).toBool(),
             audit.value(QStringLiteral("ok")).toBool());
    QStringList problems;
    const auto setup =
        Scenario::parse(QJsonDocument(closed->scenario()).toJson(), &problems, QString());
    QVERIFY2(setup, qPrintable(problems.join(QLatin1Char('\n'))));
    // A second of load before the rate was set (the load began after the
    // recording did: before it, no rate), and the last one.
    const std::vector<double> seconds = closed->seconds();
    const auto loaded = std::find_if(seconds.begin(), seconds.end(),
                                     [&](double t) { return t > closed->loadStart(); });
    QVERIFY(loaded != seconds.end() && *loaded < setAt);
    QCOMPARE(recordedUsersRate(*closed, &*setup, *loaded), 60.0);
    QCOMPARE(recordedUsersRate(*closed, &*setup, seconds.back()), 90.0);
}

void TestGuiTime::replayPlaysAtTheChosenSpeed()
{
    // 30 s of the shop at a low rate, recorded by a headless run.
    QTemporaryDir dir;
    HeadlessOptions options;
    options.dataDir = dir.filePath(QStringLiteral("shop"));
    options.durationSeconds = 30;
    options.rate = 20;
    QString text;
    QTextStream out(&text), err(&text);
    QCOMPARE(runHeadless(options, out, err), 0);
    const QString path = options.effectiveRecordPath();

    QString error;
    std::unique_ptr<ReplayWindow> replay(ReplayWindow::open(path, false, &error));
    QVERIFY2(replay, qPrintable(error));
    replay->setAttribute(Qt::WA_DeleteOnClose, false); // this test owns it
    replay->show();
    QVERIFY(QTest::qWaitForWindowExposed(replay.get()));
    const Recording &rec = replay->recording();
    QCOMPARE(replay->events()->model()->rowCount(), int(rec.events().size()));
    QCOMPARE(replay->topology()->shownSnapshot().t, replay->first());
    QCOMPARE(replay->events()->cutAt(), std::optional<double>(replay->first()));
    QCOMPARE(replay->events()->visibleRows(), eventsUpTo(replay->events(), replay->first()));

    // The databases as the run left them: every file, and in order.db's
    // orders table the rows the data directory's file holds.
    DatabaseInspector *inspector = replay->inspector();
    QVERIFY2(inspector, qPrintable(replay->databasesNote()->text()));
    QCOMPARE(inspector->files(),
             (QStringList{QStringLiteral("product.db"), QStringLiteral("cart.db"),
                          QStringLiteral("order.db")}));
    inspector->selectService(QStringLiteral("order"));
    QCOMPARE(inspector->file(), QStringLiteral("order.db"));
    QVERIFY(inspector->selectTable(QStringLiteral("orders")));
    qint64 orders = 0;
    {
        Database db(QDir(options.dataDir).filePath(QStringLiteral("order.db")),
                    Database::Mode::Immutable);
        orders = db.prepare(QStringLiteral("SELECT count(*) FROM orders")).scalar();
    }
    QVERIFY(orders > 0);
    QCOMPARE(inspector->model()->table(), QStringLiteral("orders"));
    QCOMPARE(inspector->model()->totalRows(), orders);
    // The report: the verdict, the audit and the debrief, in words.
    const QString report = replay->report()->toPlainText();
    QVERIFY2(report.contains(QStringLiteral("PASSED")), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("Audit passed")), qPrintable(report));
    const QString debrief = QString::fromUtf8(rec.document(QStringLiteral("debrief")));
    QVERIFY(!debrief.isEmpty());
    QVERIFY2(report.contains(debrief.section(QLatin1Char('\n'), 0, 0)), qPrintable(report));
    const double span = replay->last() - replay->first();
    QVERIFY2(span > 28 && span < 32, qPrintable(QString::number(span)));

    replay->setSpeed(4);
    QCOMPARE(replay->timeBar()->speed(), 4.0);
    QSignalSpy end(replay.get(), &ReplayWindow::reachedEnd);
    QElapsedTimer clock;
    clock.start();
    replay->play();
    QVERIFY(replay->playing());
    // On the way, the views follow the recording second by second.
    QTRY_VERIFY_WITH_TIMEOUT(replay->secondShown() > replay->first() + span / 2, 10000);
    compareWithRecording(replay->topology(), rec.snapshotAt(replay->secondShown()), false);
    QCOMPARE(replay->events()->cutAt(), std::optional<double>(replay->secondShown()));
    QCOMPARE(replay->events()->visibleRows(), eventsUpTo(replay->events(), replay->secondShown()));
    QTRY_COMPARE_WITH_TIMEOUT(end.count(), 1, 20000);
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    qInfo("replayed %.1f recorded seconds at 4x in %.2f s of wall time (expected %.2f s)", span,
          seconds, span / 4);
    QVERIFY2(seconds > 6 && seconds < 10, qPrintable(QString::number(seconds)));
    QVERIFY(!replay->playing());
    QCOMPARE(replay->secondShown(), replay->last());
    QCOMPARE(replay->charts()->cutAt(), std::optional<double>(replay->last()));
    compareWithRecording(replay->topology(), rec.snapshotAt(replay->last()), false);
    // At the end of the run every event shows, those of its settling too.
    QVERIFY(!replay->events()->cutAt());
    QCOMPARE(replay->events()->visibleRows(), int(rec.events().size()));

    // ← steps one recorded second back.
    const std::vector<double> recorded = rec.seconds();
    replay->topology()->setFocus();
    QTest::keyClick(replay->topology(), Qt::Key_Left);
    QCOMPARE(replay->secondShown(), recorded[recorded.size() - 2]);
    QCOMPARE(replay->topology()->shownSnapshot().t, recorded[recorded.size() - 2]);

    // With MICROCOSM_SCREENSHOT_DIR set: the replay at 1280×720 with its
    // Databases tab raised on the orders (docs/replay-databases.png), then
    // its Report tab (replay-report.png); of MICROCOSM_REPLAY_RECORDING
    // (a kill-product run shows more) when that is set, at its middle.
    const QString shots = qEnvironmentVariable("MICROCOSM_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        const QString other = qEnvironmentVariable("MICROCOSM_REPLAY_RECORDING");
        if (!other.isEmpty()) {
            replay.reset(ReplayWindow::open(other, false, &error));
            QVERIFY2(replay, qPrintable(error));
            replay->setAttribute(Qt::WA_DeleteOnClose, false);
            replay->show();
            QVERIFY(QTest::qWaitForWindowExposed(replay.get()));
            QVERIFY(replay->inspector());
            replay->inspector()->selectService(QStringLiteral("order"));
            replay->inspector()->selectTable(QStringLiteral("orders"));
        }
        replay->resize(1280, 720);
        replay->findChild<QDockWidget *>(QStringLiteral("replay-databases-dock"))->raise();
        replay->seek((replay->first() + replay->last()) / 2);
        QTest::qWait(300); // the docks and the charts lay out
        const QString shot = QDir(shots).filePath(QStringLiteral("replay-databases.png"));
        QVERIFY2(replay->grab().save(shot), qPrintable(shot));
        replay->findChild<QDockWidget *>(QStringLiteral("replay-report-dock"))->raise();
        QTest::qWait(100);
        const QString report = QDir(shots).filePath(QStringLiteral("replay-report.png"));
        QVERIFY2(replay->grab().save(report), qPrintable(report));
    }
}

void TestGuiTime::openRecordingNamesTheProblem()
{
    QTemporaryDir dir;
    auto window = openTestWindow(dir.path());
    QVERIFY(window);
    const QString bad = dir.filePath(QStringLiteral("notes.microcosm"));
    QFile file(bad);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("these are notes, not a recording\n");
    file.close();
    QString expected;
    QVERIFY(!Recording::open(bad, &expected));
    QVERIFY(!window->openRecording(bad));
    auto *box = window->findChild<QMessageBox *>(QStringLiteral("recording-error"));
    QVERIFY(box);
    QCOMPARE(box->text(), expected);
    box->close();
    QTRY_VERIFY(!window->findChild<QMessageBox *>(QStringLiteral("recording-error")));

    // The window's own recording, while it runs, is being written: the
    // time bar looks back at it; opening it for replay says so.
    QVERIFY(window->recorder());
    QVERIFY(!window->openRecording(window->recorder()->path()));
    QTRY_VERIFY(window->findChild<QMessageBox *>(QStringLiteral("recording-error")));
    box = window->findChild<QMessageBox *>(QStringLiteral("recording-error"));
    QVERIFY2(box->text().contains(QStringLiteral("being written")), qPrintable(box->text()));
}

void TestGuiTime::replayOfAnUnfinishedRunSaysSo()
{
    // A run that ended without finishing its recording (as a crash leaves it).
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cut-short.microcosm"));
    {
        Platform platform(dir.filePath(QStringLiteral("data")));
        platform.start();
        QString error;
        auto recorder = Recorder::create(path, platform, {}, &error);
        QVERIFY2(recorder, qPrintable(error));
        platform.rotateMetrics();
        recorder->flush();
        recorder.reset();
        platform.shutdown();
    }
    QString error;
    std::unique_ptr<ReplayWindow> replay(ReplayWindow::open(path, false, &error));
    QVERIFY2(replay, qPrintable(error));
    replay->setAttribute(Qt::WA_DeleteOnClose, false);
    QVERIFY(!replay->recording().complete());
    QVERIFY(!replay->inspector());
    QVERIFY2(replay->databasesNote()->text().contains(QStringLiteral("not finished")),
             qPrintable(replay->databasesNote()->text()));
    QVERIFY2(replay->report()->toPlainText().contains(QStringLiteral("not finished")),
             qPrintable(replay->report()->toPlainText()));
}

QTEST_MAIN(TestGuiTime)
#include "tst_gui_time.moc"
