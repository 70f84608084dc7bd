// Faults and operations as a student meets them in the window, offscreen:
// "Block writes" from a service's right-click menu leaves browsing at full
// success while writes fail, "Lock the whole file" fails the reads too; the
// rolling-update preset is slow enough that the surge replica is seen in the
// snapshots; and a spike preset's load change is an event and a step of the
// Scenario panel's timeline.
#include "eventmodel.h"
#include "eventtimeline.h"
#include "guitestsupport.h"
#include "livescenario.h"
#include "mainwindow.h"
#include "scenariopanel.h"
#include "shopcontroller.h"
#include "topologyview.h"

#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QMenu>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace microcosm;

namespace {

const QString product = QStringLiteral("product");
const QStringList reads{QStringLiteral("route:product:GET /products"),
                        QStringLiteral("route:product:GET /products/{id}")};
const QString reserve = QStringLiteral("route:product:POST /products/{id}/reserve");

// Calls counted so far (every outcome) of some metrics entities, added up.
OutcomeCounts countsOf(Platform &p, const QStringList &entities)
{
    OutcomeCounts sum{};
    for (const QString &e : entities) {
        const OutcomeCounts c = p.metrics().summary(EntityKey::named(e)).totals;
        for (std::size_t i = 0; i < sum.size(); ++i)
            sum[i] += c[i];
    }
    return sum;
}

// The calls between two counts, as one summary (for its success rate).
EntitySummary between(const OutcomeCounts &before, const OutcomeCounts &after)
{
    EntitySummary s;
    for (std::size_t i = 0; i < s.totals.size(); ++i)
        s.totals[i] = after[i] - before[i];
    return s;
}

} // namespace

class TestGuiOperations : public QObject
{
    Q_OBJECT

private slots:
    void blockWritesFromTheMenuKeepsReadsGoing();
    void lockFileFromTheMenuFailsReadsToo();
    void rollingUpdatePresetShowsItsSurge();
    void spikePresetShowsItsLoadChange();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &dir, double rate);
    // Triggers the action named `name` of the service's right-click menu.
    static bool triggerMenuAction(MainWindow &window, const QString &service, const QString &name);
    IsolatedSettings m_settings; // never the user's own settings
};

std::unique_ptr<MainWindow> TestGuiOperations::openWindow(const QString &dir, double rate)
{
    TestWindow w;
    w.rate = rate;
    return openTestWindow(dir, w);
}

bool TestGuiOperations::triggerMenuAction(MainWindow &window, const QString &service,
                                          const QString &name)
{
    std::unique_ptr<QMenu> menu(window.topology()->serviceMenu(service));
    QAction *action = menu ? menu->findChild<QAction *>(name) : nullptr;
    if (!action || !action->isEnabled())
        return false;
    action->trigger();
    return true;
}

void TestGuiOperations::blockWritesFromTheMenuKeepsReadsGoing()
{
    // The shop's usual mix: browsing and viewing (reads of product.db) and
    // checkouts, whose reservations write to it.
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 100);
    QVERIFY(window);
    ShopController *c = window->controller();
    Platform &p = c->platform();
    c->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(c->lastWindow() >= 2, 10000);

    QVERIFY(triggerMenuAction(*window, product, QStringLiteral("block-writes")));
    QTRY_VERIFY_WITH_TIMEOUT(c->databaseLocked(product), 5000);
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("fault-start"), product));

    // A few seconds of load with the writes blocked, counted from a moment
    // when the first writes have had their busy timeout to pile up.
    QTest::qWait(1000);
    const OutcomeCounts readsBefore = countsOf(p, reads), writesBefore = countsOf(p, {reserve});
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(
        clock.elapsed() >= 6000 && between(readsBefore, countsOf(p, reads)).total() >= 200, 30000);
    const EntitySummary browsing = between(readsBefore, countsOf(p, reads));
    const EntitySummary writes = between(writesBefore, countsOf(p, {reserve}));
    qInfo("writes blocked: browse/view %.1f%% ok of %lld, reservations %.1f%% ok of %lld",
          100 * browsing.successRate(), qlonglong(browsing.total()), 100 * writes.successRate(),
          qlonglong(writes.total()));
    QVERIFY2(browsing.successRate() >= 0.99,
             qPrintable(QStringLiteral("browse/view succeeded for %1% of %2 calls")
                            .arg(100 * browsing.successRate())
                            .arg(browsing.total())));
    QVERIFY2(writes.total() > 0 && writes.successRate() < 0.5,
             qPrintable(QStringLiteral("reservations succeeded for %1% of %2 calls")
                            .arg(100 * writes.successRate())
                            .arg(writes.total())));

    // The same menu ends it.
    QVERIFY(triggerMenuAction(*window, product, QStringLiteral("block-writes")));
    QTRY_VERIFY(!c->databaseLocked(product));
    QTRY_VERIFY(hasEvent(*window, QStringLiteral("fault-end"), product));
}

void TestGuiOperations::lockFileFromTheMenuFailsReadsToo()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 60);
    QVERIFY(window);
    ShopController *c = window->controller();
    Platform &p = c->platform();
    c->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(c->lastWindow() >= 2, 10000);
    const OutcomeCounts before = countsOf(p, reads);
    QTRY_VERIFY_WITH_TIMEOUT(between(before, countsOf(p, reads)).total() >= 20, 10000);
    QCOMPARE(between(before, countsOf(p, reads)).successRate(), 1.0);

    QVERIFY(triggerMenuAction(*window, product, QStringLiteral("lock-file")));
    QTRY_VERIFY_WITH_TIMEOUT(c->databaseLocked(product), 5000);
    // Reads that begin now wait for the lock and fail.
    const OutcomeCounts locked = countsOf(p, reads);
    QTRY_VERIFY_WITH_TIMEOUT(between(locked, countsOf(p, reads)).total() >= 60, 30000);
    const EntitySummary browsing = between(locked, countsOf(p, reads));
    QVERIFY2(browsing.successRate() < 0.5,
             qPrintable(QStringLiteral("browse/view succeeded for %1% of %2 calls")
                            .arg(100 * browsing.successRate())
                            .arg(browsing.total())));

    // Unlocked, browsing comes back.
    QVERIFY(triggerMenuAction(*window, product, QStringLiteral("lock-file")));
    QTRY_VERIFY(!c->databaseLocked(product));
    QTest::qWait(3500); // the calls that waited on the lock are answered or timed out
    const OutcomeCounts after = countsOf(p, reads);
    QTRY_VERIFY_WITH_TIMEOUT(between(after, countsOf(p, reads)).total() >= 30, 10000);
    QVERIFY(between(after, countsOf(p, reads)).successRate() >= 0.99);
}

void TestGuiOperations::rollingUpdatePresetShowsItsSurge()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    const QString presets = MainWindow::presetsDirectory();
    QVERIFY(
        window->openScenarioFile(QDir(presets).filePath(QStringLiteral("rolling-update.json"))));
    QTRY_VERIFY_WITH_TIMEOUT(window->liveScenario(), 15000);
    ShopController *c = window->controller();

    // Polled as the views poll it: how long the cart had more ready
    // replicas than the 3 it wants, the surge a rolling update adds.
    double surgeSeconds = 0, lastT = -1;
    int mostReady = 0;
    connect(c, &ShopController::snapshotUpdated, this, [&](const SystemSnapshot &s) {
        const ServiceSnapshot *cart = s.service(QStringLiteral("cart"));
        if (!cart)
            return;
        const double t = c->platform().elapsed();
        mostReady = std::max(mostReady, cart->ready());
        if (lastT >= 0 && cart->ready() > 3)
            surgeSeconds += t - lastT;
        lastT = t;
    });
    QTRY_VERIFY_WITH_TIMEOUT(hasEvent(*window, QStringLiteral("update-done")), 40000);
    qInfo("rolling update: a surge replica for %.1f s in all, at most %d ready", surgeSeconds,
          mostReady);
    QVERIFY2(surgeSeconds >= 2, qPrintable(QStringLiteral("surge seen for %1 s (at most %2 ready)")
                                               .arg(surgeSeconds)
                                               .arg(mostReady)));
    QCOMPARE(mostReady, 4);                                                   // max surge 1
    QVERIFY(window->liveScenario()->phase() == LiveScenario::Phase::Running); // within the run
}

void TestGuiOperations::spikePresetShowsItsLoadChange()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), 0);
    QVERIFY(window);
    const QString presets = MainWindow::presetsDirectory();
    QVERIFY(window->openScenarioFile(
        QDir(presets).filePath(QStringLiteral("spike-autoscaler-on.json"))));
    QTRY_VERIFY_WITH_TIMEOUT(window->liveScenario(), 15000);

    // The panel lists the spike's rise and fall at their times, not "a steady run".
    const QStringList rows = window->scenarioPanel()->timelineRows();
    const QString joined = rows.join(QLatin1Char('|'));
    QVERIFY2(!joined.contains(QLatin1String("steady run")), qPrintable(joined));
    QCOMPARE(rows.size(), 2);
    QVERIFY2(rows[0].contains(QLatin1String("10 s")) &&
                 rows[0].contains(QStringLiteral("load 80 → 320 journeys/s")),
             qPrintable(joined));
    QVERIFY2(rows[1].contains(QLatin1String("35 s")) &&
                 rows[1].contains(QStringLiteral("load 320 → 80 journeys/s")),
             qPrintable(joined));

    // At 10 s the load quadruples: an event of its own.
    QTRY_VERIFY_WITH_TIMEOUT(
        hasEvent(*window, QStringLiteral("load-change"), QStringLiteral("load")), 30000);
    QTRY_VERIFY(window->scenarioPanel()->timelineRows().value(0).startsWith(QStringLiteral("✓")));
}

QTEST_MAIN(TestGuiOperations)
#include "tst_gui_operations.moc"
