// The theory panel (ui/theorypanel.*) on a real one-service shop that is
// the textbook M/M/4 queue: its predicted figures are core/queueing.h's for
// the measured arrival rate, its curve reaches capacity, each second is a
// measured point, and its tooltips say what is assumed.

#include "guitestsupport.h"
#include "mainwindow.h"
#include "queueing.h"
#include "scenario.h"
#include "shopcontroller.h"
#include "theorypanel.h"

#include <QDockWidget>
#include <QLineSeries>
#include <QScatterSeries>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace microcosm;

class TestGuiTheory : public QObject
{
    Q_OBJECT
private slots:
    void predictsBesideTheMeasurement();
    // With MICROCOSM_SCREENSHOT_DIR set: the window at 1600x1000 on the
    // spike preset, the theory tab raised, saved as
    // theory-spike.png there (the README's picture); skipped otherwise.
    void screenshotOnTheSpike();
};

void TestGuiTheory::predictsBesideTheMeasurement()
{
    QStringList problems;
    const auto scenario = Scenario::fromFile(
        QStringLiteral(MICROCOSM_SOURCE_DIR "/examples/capacity/mmc-one-service.json"), &problems);
    QVERIFY2(scenario, qPrintable(problems.join(QLatin1Char('\n'))));
    QTemporaryDir dir;
    LoadConfig load = scenario->load;
    load.profile.rate = 120; // ρ = 0.6 for 4 workers of 20 ms
    auto session =
        std::make_unique<ShopSession>(dir.path(), scenario->architecture, scenario->platform, load);
    QVERIFY2(session->start(), qPrintable(session->startError()));
    ShopController controller(std::move(session));
    TheoryPanel panel(&controller);
    panel.resize(900, 700);
    panel.show();
    controller.startLoad();
    QTest::qWait(4500);
    panel.refresh();

    QCOMPARE(panel.table()->rowCount(), 1);
    QCOMPARE(panel.table()->item(0, 0)->text(), QStringLiteral("work"));
    QCOMPARE(panel.table()->item(0, 2)->text(), QStringLiteral("1 × 4"));
    QCOMPARE(panel.table()->item(0, 3)->text(), QStringLiteral("20"));
    QCOMPARE(panel.table()->item(0, 7)->text(), QStringLiteral("200")); // 4 · 50/s · 1
    // The prediction shown is M/M/4's at the arrivals shown.
    const double lambda = panel.table()->item(0, 1)->text().toDouble();
    QVERIFY2(lambda > 60 && lambda < 180, qPrintable(QString::number(lambda)));
    const queueing::MmcPrediction p = queueing::mmc(lambda, 20, 4);
    QVERIFY(std::abs(panel.table()->item(0, 5)->text().toDouble() - p.probabilityWait) <= 0.011);
    QVERIFY(p.stable);
    // (The arrivals are shown rounded: the utilization within a point.)
    const QString util = panel.table()->item(0, 4)->text();
    QVERIFY2(std::abs(util.section(QStringLiteral(" / "), 1).chopped(1).toDouble() -
                      100 * p.utilization) <= 1,
             qPrintable(util + QStringLiteral(" vs %1").arg(100 * p.utilization)));
    const QString predictedP95 =
        panel.table()->item(0, 6)->text().section(QStringLiteral(" / "), 1);
    QVERIFY2(std::abs(predictedP95.toDouble() - p.responseQuantileMs(0.95)) <= 1.5,
             qPrintable(predictedP95 + QStringLiteral(" vs %1").arg(p.responseQuantileMs(0.95))));

    // The curve runs from no load up to just short of capacity and rises.
    const QList<QPointF> curve = panel.predicted()->points();
    QVERIFY(curve.size() > 40);
    QCOMPARE(curve.first().x(), 0.0);
    QVERIFY(curve.last().x() > 195 && curve.last().x() < 200); // one replica: c·μ = 200
    for (int i = 1; i < curve.size(); ++i)
        QVERIFY(curve[i].y() >= curve[i - 1].y());
    QVERIFY(curve.last().y() > 10 * curve.first().y()); // the knee
    QCOMPARE(panel.capacityLine()->points().first().x(), 200.0);
    // One measured point per second that had calls, each its own window.
    const std::vector<Window> windows =
        controller.platform().metrics().series(EntityKey::service(QStringLiteral("work")));
    qsizetype withCalls = 0;
    for (const Window &w : windows)
        withCalls += w.total() > 0;
    QCOMPARE(panel.measured()->points().size(), withCalls);
    QVERIFY(withCalls >= 3);
    QVERIFY(panel.chartToolTip().contains(QStringLiteral("exponential service times")));
    QVERIFY(panel.table()->item(0, 0)->toolTip().contains(QStringLiteral("Poisson arrivals")));
    controller.shutdown();
}

void TestGuiTheory::screenshotOnTheSpike()
{
    const QString out = qEnvironmentVariable("MICROCOSM_SCREENSHOT_DIR");
    if (out.isEmpty())
        QSKIP("set MICROCOSM_SCREENSHOT_DIR to take the screenshot");
    QStringList problems;
    const auto scenario = Scenario::fromFile(
        QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios/spike-autoscaler-on.json"),
        &problems);
    QVERIFY(scenario);
    QTemporaryDir dir;
    TestWindow w;
    w.size = QSize(1600, 1000);
    auto window = openTestWindow(dir.path(), w);
    QVERIFY(window);
    window->openScenario(*scenario);
    QTest::qWait(24000); // into the spike, with the autoscaler at work
    auto *dock = window->findChild<QDockWidget *>(QStringLiteral("theory-dock"));
    QVERIFY(dock);
    dock->raise();
    auto *panel = window->findChild<TheoryPanel *>();
    QVERIFY(panel);
    panel->setService(QStringLiteral("product"));
    QTest::qWait(2500);
    QVERIFY(window->grab().save(QDir(out).filePath(QStringLiteral("theory-spike.png"))));
}

QTEST_MAIN(TestGuiTheory)
#include "tst_gui_theory.moc"
