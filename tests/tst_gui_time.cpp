// Time in the window: every run the window starts is recorded; the time bar
// shows any recorded second in the topology (replica states, breakers), the
// charts and a banner, while the run goes on; "Freeze the picture" keeps what
// is shown while the engine counts on; File → Open recording plays a
// recording back at the chosen speed without running anything.
#include "chartspanel.h"
#include "eventmodel.h"
#include "eventtimeline.h"
#include "guitestsupport.h"
#include "headless.h"
#include "mainwindow.h"
#include "recording.h"
#include "replaywindow.h"
#include "shopcontroller.h"
#include "timebar.h"
#include "topologyedge.h"
#include "topologynode.h"
#include "topologyview.h"

#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
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

QString breakerOf(const SystemSnapshot &s, const QString &from, const QString &to)
{
    for (const EdgeSnapshot &e : s.edges)
        if (e.from == from && e.to == to)
            return e.breaker;
    return {};
}

// "product#1 dead, product#2 dead": a service's replicas as a node shows them.
QStringList replicaStates(const ServiceSnapshot &s)
{
    QStringList out;
    for (const ReplicaSnapshot &r : s.replicas)
        out << r.name + QLatin1Char(' ') + r.state;
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
        QCOMPARE(TopologyEdge::breakerName(edge->breaker()),
                 TopologyEdge::breakerName(TopologyEdge::breakerFromName(e.breaker)));
        breakers += !e.breaker.isEmpty();
    }
    if (breakersShown)
        QVERIFY(breakers > 0); // the comparison covered some badge
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
                    QLatin1String("open")) {
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

    // ← is the recorded second before, as the recording has it.
    const std::vector<double> seconds = rec->seconds();
    const auto at = std::find(seconds.begin(), seconds.end(), want.t);
    QVERIFY(at != seconds.end() && at != seconds.begin());
    window->topology()->setFocus();
    QTest::keyClick(window->topology(), Qt::Key_Left);
    QCOMPARE(window->viewTime(), *std::prev(at));
    compareWithRecording(window->topology(), rec->snapshotAt(*std::prev(at)));

    // End: live again, product up.
    QTest::keyClick(window->topology(), Qt::Key_End);
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Live);
    QVERIFY(!window->viewBanner()->isVisible());
    QVERIFY(!window->charts()->cutAt());
    QTRY_VERIFY(window->topology()->shownSnapshot().t > liveBefore);
    QVERIFY(!window->topology()->node(QStringLiteral("product"))->isDown());
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
    QTRY_VERIFY(platform.metrics().summary(QStringLiteral("gateway")).total() > 0);

    // P freezes the picture (not the load: Space is that).
    QTest::keyClick(window.get(), Qt::Key_P);
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Frozen);
    auto *freeze = window->findChild<QAction *>(QStringLiteral("action-freeze"));
    QVERIFY(freeze && freeze->isChecked());
    QVERIFY(freeze->text().contains(QStringLiteral("Freeze the picture")));
    QVERIFY(window->controller()->loadRunning());
    QVERIFY(window->viewBanner()->text().contains(QStringLiteral("frozen")));
    const SystemSnapshot frozen = window->topology()->shownSnapshot();
    const std::uint64_t before = platform.metrics().summary(QStringLiteral("gateway")).total();
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 2200) {
        QTest::qWait(100);
        QCOMPARE(window->topology()->shownSnapshot().t, frozen.t);
        QCOMPARE(window->topology()->shownSnapshot().gateway.total(), frozen.gateway.total());
        QCOMPARE(window->charts()->cutAt(), std::optional<double>(frozen.t));
    }
    const std::uint64_t after = platform.metrics().summary(QStringLiteral("gateway")).total();
    QVERIFY2(after > before, qPrintable(QStringLiteral("%1 → %2").arg(before).arg(after)));
    QVERIFY(window->controller()->snapshot().t >= frozen.t + 2);
    QVERIFY(!window->topology()->animating()); // the particles stand still too

    // P again: live, and the picture moves on.
    QTest::keyClick(window.get(), Qt::Key_P);
    QCOMPARE(window->viewMode(), MainWindow::ViewMode::Live);
    QVERIFY(!freeze->isChecked());
    QTRY_VERIFY(window->topology()->shownSnapshot().t > frozen.t + 2);
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
    QTRY_COMPARE_WITH_TIMEOUT(end.count(), 1, 20000);
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    qInfo("replayed %.1f recorded seconds at 4x in %.2f s of wall time (expected %.2f s)", span,
          seconds, span / 4);
    QVERIFY2(seconds > 6 && seconds < 10, qPrintable(QString::number(seconds)));
    QVERIFY(!replay->playing());
    QCOMPARE(replay->secondShown(), replay->last());
    QCOMPARE(replay->charts()->cutAt(), std::optional<double>(replay->last()));
    compareWithRecording(replay->topology(), rec.snapshotAt(replay->last()), false);

    // ← steps one recorded second back.
    const std::vector<double> recorded = rec.seconds();
    replay->topology()->setFocus();
    QTest::keyClick(replay->topology(), Qt::Key_Left);
    QCOMPARE(replay->secondShown(), recorded[recorded.size() - 2]);
    QCOMPARE(replay->topology()->shownSnapshot().t, recorded[recorded.size() - 2]);
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

QTEST_MAIN(TestGuiTime)
#include "tst_gui_time.moc"
