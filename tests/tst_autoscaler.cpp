#include "autoscaler.h"

#include <QtTest>

using namespace microcosm;

namespace {

const TimePoint t0 = TimePoint{} + seconds(100000);

HpaConfig config(int minReplicas = 1, int maxReplicas = 10, double tolerance = 0.1,
                 double target = 100)
{
    HpaConfig c;
    c.minReplicas = minReplicas;
    c.maxReplicas = maxReplicas;
    c.target = target;
    c.tolerance = tolerance;
    return c;
}

} // namespace

class TestAutoscaler : public QObject
{
    Q_OBJECT

private slots:
    void desiredReplicas_data();
    void desiredReplicas();
    void stabilization_data();
    void stabilization();
    void recommendationExplainsItself();
};

void TestAutoscaler::desiredReplicas_data()
{
    QTest::addColumn<int>("minReplicas");
    QTest::addColumn<int>("maxReplicas");
    QTest::addColumn<double>("tolerance");
    QTest::addColumn<double>("target");
    QTest::addColumn<int>("current");
    QTest::addColumn<double>("metric");
    QTest::addColumn<int>("expected");

    QTest::newRow("double the load, double the replicas")
        << 1 << 10 << 0.1 << 100.0 << 2 << 200.0 << 4;
    QTest::newRow("rounds up") << 1 << 10 << 0.1 << 100.0 << 3 << 120.0 << 4;
    QTest::newRow("scales down") << 1 << 10 << 0.1 << 100.0 << 10 << 30.0 << 3;
    QTest::newRow("10% over target is within tolerance")
        << 1 << 10 << 0.1 << 100.0 << 4 << 110.0 << 4;
    QTest::newRow("10% under target is within tolerance")
        << 1 << 10 << 0.1 << 100.0 << 4 << 90.0 << 4;
    QTest::newRow("just outside tolerance") << 1 << 10 << 0.1 << 100.0 << 4 << 111.0 << 5;
    QTest::newRow("zero tolerance reacts to 1%") << 1 << 20 << 0.0 << 100.0 << 10 << 101.0 << 11;
    QTest::newRow("utilization 1.05 over 0.6 on 4 replicas is 7")
        << 1 << 20 << 0.1 << 0.6 << 4 << 1.05 << 7;
    QTest::newRow("capped at maxReplicas") << 1 << 10 << 0.1 << 100.0 << 8 << 300.0 << 10;
    QTest::newRow("raised to minReplicas") << 2 << 10 << 0.1 << 100.0 << 4 << 10.0 << 2;
    QTest::newRow("idle scales to minReplicas") << 1 << 10 << 0.1 << 100.0 << 5 << 0.0 << 1;
    QTest::newRow("above maxReplicas comes down") << 1 << 10 << 0.1 << 100.0 << 12 << 100.0 << 10;
}

void TestAutoscaler::desiredReplicas()
{
    QFETCH(int, minReplicas);
    QFETCH(int, maxReplicas);
    QFETCH(double, tolerance);
    QFETCH(double, target);
    QFETCH(int, current);
    QFETCH(double, metric);
    QFETCH(int, expected);

    const HpaCalculator hpa(config(minReplicas, maxReplicas, tolerance, target));
    QCOMPARE(hpa.desiredReplicas(current, metric), expected);
}

void TestAutoscaler::stabilization_data()
{
    QTest::addColumn<int>("upWindowS");
    QTest::addColumn<int>("downWindowS");
    QTest::addColumn<QList<int>>("atS");
    QTest::addColumn<QList<int>>("current");
    QTest::addColumn<QList<double>>("metric"); // target 100
    QTest::addColumn<QList<int>>("expected");

    QTest::newRow("scale-up is immediate by default")
        << 0 << 300 << QList<int>{0} << QList<int>{2} << QList<double>{200} << QList<int>{4};
    QTest::newRow("scale-down waits out the window")
        << 0 << 300 << QList<int>{0, 15, 299, 300} << QList<int>{4, 4, 4, 4}
        << QList<double>{100, 50, 50, 50} << QList<int>{4, 4, 4, 2};
    QTest::newRow("scale-down to the highest recent recommendation")
        << 0 << 300 << QList<int>{0, 100, 301, 401} << QList<int>{8, 8, 8, 6}
        << QList<double>{100, 75, 25, 30} << QList<int>{8, 8, 6, 2};
    QTest::newRow("flapping load does not flap replicas")
        << 0 << 300 << QList<int>{0, 15, 30, 45, 60} << QList<int>{4, 4, 4, 4, 4}
        << QList<double>{100, 40, 100, 40, 100} << QList<int>{4, 4, 4, 4, 4};
    QTest::newRow("spike scales up through a scale-down hold")
        << 0 << 300 << QList<int>{0, 15, 30} << QList<int>{6, 6, 6} << QList<double>{100, 50, 200}
        << QList<int>{6, 6, 10};
    QTest::newRow("scale-up window takes the lowest recent recommendation")
        << 60 << 300 << QList<int>{0, 30, 60} << QList<int>{2, 2, 2} << QList<double>{100, 300, 300}
        << QList<int>{2, 2, 6};
    QTest::newRow("scale-up window longer than scale-down window")
        << 60 << 0 << QList<int>{0, 30, 60} << QList<int>{2, 2, 2} << QList<double>{100, 300, 300}
        << QList<int>{2, 2, 6};
    QTest::newRow("zero windows follow the formula")
        << 0 << 0 << QList<int>{0, 15, 30} << QList<int>{4, 8, 2} << QList<double>{200, 25, 150}
        << QList<int>{8, 2, 3};
}

// Each tick recommends with the replicas actually running and the metric of
// the moment; the stabilized answer is what the autoscaler would apply.
void TestAutoscaler::stabilization()
{
    QFETCH(int, upWindowS);
    QFETCH(int, downWindowS);
    QFETCH(QList<int>, atS);
    QFETCH(QList<int>, current);
    QFETCH(QList<double>, metric);
    QFETCH(QList<int>, expected);

    HpaConfig c = config();
    c.scaleUpStabilization = seconds(upWindowS);
    c.scaleDownStabilization = seconds(downWindowS);
    HpaCalculator hpa(c);
    QList<int> stabilized;
    for (int i = 0; i < atS.size(); ++i) {
        const auto r = hpa.recommend(t0 + seconds(atS[i]), current[i], metric[i]);
        QCOMPARE(r.desiredReplicas, hpa.desiredReplicas(current[i], metric[i]));
        stabilized << r.stabilizedReplicas;
    }
    QCOMPARE(stabilized, expected);
}

void TestAutoscaler::recommendationExplainsItself()
{
    HpaCalculator hpa(config());
    const auto up = hpa.recommend(t0, 2, 200);
    QCOMPARE(up.currentReplicas, 2);
    QCOMPARE(up.desiredReplicas, 4);
    QCOMPARE(up.stabilizedReplicas, 4);
    QCOMPARE(up.metric, 200.0);
    QCOMPARE(up.target, 100.0);
    QCOMPARE(up.reason,
             QStringLiteral("metric 200 / target 100 = 2, ceil(2 × 2) = 4; scale 2 → 4"));

    const auto held = hpa.recommend(t0 + seconds(15), 4, 50);
    QCOMPARE(held.desiredReplicas, 2);
    QCOMPARE(held.stabilizedReplicas, 4);
    QCOMPARE(held.reason, QStringLiteral("metric 50 / target 100 = 0.5, ceil(4 × 0.5) = 2; "
                                         "scale-down held at 4 by the highest recommendation of "
                                         "the last 300 s; keep 4"));

    const auto steady = hpa.recommend(t0 + seconds(30), 4, 105);
    QCOMPARE(steady.reason, QStringLiteral("metric 105 / target 100 = 1.05, within tolerance "
                                           "0.1; keep 4"));

    const auto capped = hpa.recommend(t0 + seconds(45), 4, 1000);
    QCOMPARE(capped.stabilizedReplicas, 10);
    QVERIFY2(capped.reason.contains(QStringLiteral("ceil(4 × 10) = 40, capped at maxReplicas 10")),
             qPrintable(capped.reason));
}

QTEST_GUILESS_MAIN(TestAutoscaler)
#include "tst_autoscaler.moc"
