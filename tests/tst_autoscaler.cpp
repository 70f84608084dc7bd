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

// generateScalingRules(pods, podsPeriod, percent, percentPeriod, _) of
// horizontal_test.go; an empty list is GenerateHPAScale{Up,Down}Rules(nil).
HpaScalingRules rules(const QList<int> &spec, bool up)
{
    if (spec.isEmpty())
        return up ? HpaScalingRules::defaultScaleUp() : HpaScalingRules::defaultScaleDown();
    HpaScalingRules r;
    if (spec[0] != 0)
        r.policies.push_back({HpaScalingPolicy::Type::Pods, spec[0], seconds(spec[1])});
    if (spec[2] != 0)
        r.policies.push_back({HpaScalingPolicy::Type::Percent, spec[2], seconds(spec[3])});
    return r;
}

// generateEventsUniformDistribution(events, 120): how many seconds before now
// each event happened.
QList<int> eventAges(int count)
{
    QList<int> ages;
    const double segment = 120.0 / count;
    for (int i = 0; i < count; ++i)
        ages << int(120 - segment * (i + 1) + segment / 2);
    return ages;
}

// Pods as replica_calculator_test.go builds them: `ready` has one letter per
// pod (T ready, F unready or pending), the first levels.size() pods report
// levels (milli), the others have no metric; requests are milli too (1000
// each when empty).
std::vector<HpaPodMetric> pods(const QString &ready, const QList<int> &levels,
                               const QList<int> &requests = {})
{
    std::vector<HpaPodMetric> result;
    for (int i = 0; i < ready.size(); ++i) {
        HpaPodMetric p;
        p.ready = ready[i] == u'T';
        p.request = requests.isEmpty() ? 1000 : requests[i];
        if (i < levels.size())
            p.value = levels[i];
        result.push_back(p);
    }
    return result;
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
    void scalingWithRules_data();
    void scalingWithRules();
    void stabilizeWithBehavior_data();
    void stabilizeWithBehavior();
    void podReplicas_data();
    void podReplicas();
    void reconcile_data();
    void reconcile();
    void reconcileWithBehavior_data();
    void reconcileWithBehavior();
    void loadJumpScalesInSteps_data();
    void loadJumpScalesInSteps();
    void switchingOnWaitsOutTheScaleDownWindow();
    void specEditKeepsTheHistory();
    void selectPolicyMinAndDisabled();
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

    // Capped at maxReplicas 10, then by the default scale-up policies (4
    // pods or 100% per 15 s) at 8; this used to be 10 in one step.
    const auto capped = hpa.recommend(t0 + seconds(45), 4, 1000);
    QCOMPARE(capped.desiredReplicas, 10);
    QCOMPARE(capped.stabilizedReplicas, 8);
    QCOMPARE(capped.scalingLimited, QStringLiteral("ScaleUpLimit"));
    QVERIFY2(capped.reason.contains(QStringLiteral("ceil(4 × 10) = 40, capped at maxReplicas 10")),
             qPrintable(capped.reason));
    QVERIFY2(capped.reason.endsWith(QStringLiteral(
                 "; scale-up limited to 8 by behavior.scaleUp.policies; scale 4 → 8")),
             qPrintable(capped.reason));
}

// horizontal_test.go TestScalingWithRules: convertDesiredReplicasWithBehaviorRate
// on a proposal, with the scale events of the last periods. The proposal is
// made with a service-wide metric of proposal / current against a target of
// 1, and stabilization windows of 0 (the upstream test calls the rate limit
// alone).
void TestAutoscaler::scalingWithRules_data()
{
    QTest::addColumn<QList<int>>("upEvents");   // replicas added, spread over the last 120 s
    QTest::addColumn<QList<int>>("downEvents"); // replicas removed, likewise
    QTest::addColumn<int>("minReplicas");
    QTest::addColumn<int>("maxReplicas");
    QTest::addColumn<QList<int>>("upRules"); // pods, period, percent, period; empty: default
    QTest::addColumn<QList<int>>("downRules");
    QTest::addColumn<int>("current");
    QTest::addColumn<int>("proposal");
    QTest::addColumn<int>("expected");
    QTest::addColumn<QString>("condition"); // ScalingLimited's reason; empty: not compared

    using L = QList<int>;
    const L none;
    QTest::newRow("TestScalingWithRules/prenormalized desired replicas within range")
        << none << none << 3 << 8 << none << none << 5 << 7 << 7 << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/prenormalized desired replicas < minReplicas")
        << none << none << 2 << 8 << none << none << 3 << 1 << 2 << "TooFewReplicas";
    QTest::newRow(
        "TestScalingWithRules/prenormalized desired replicas within range when minReplicas is 0")
        << none << none << 0 << 10 << none << none << 1 << 0 << 0 << "DesiredWithinRange";
    // Upstream calls the rate limit with current 20 > maxReplicas 10 (and
    // expects TooManyReplicas); a reconcile sends such a count straight to
    // the bound, so only the count is compared.
    QTest::newRow(
        "TestScalingWithRules/maxReplicas is the limit because maxReplicas < scaleUpLimit")
        << none << none << 1 << 10 << none << none << 20 << 1000 << 10 << "";
    QTest::newRow(
        "TestScalingWithRules/desired replica count is more than the maximum replica count")
        << none << none << 100 << 150 << none << none << 100 << 1000 << 150 << "TooManyReplicas";
    QTest::newRow("TestScalingWithRules/scaleUpLimit is the limit because scaleUpLimit < "
                  "maxReplicas with user policies")
        << none << none << 1 << 2000 << L{0, 0, 1, 60} << none << 3 << 1000 << 4 << "ScaleUpLimit";
    // Marked testThis, which makes the upstream loop skip it; the arithmetic holds.
    QTest::newRow("TestScalingWithRules/scaleDownLimit is the limit because scaleDownLimit > "
                  "minReplicas with user "
                  "defined policies")
        << none << none << 3 << 2000 << none << L{20, 60, 0, 0} << 1000 << 3 << 980
        << "ScaleDownLimit";
    QTest::newRow("TestScalingWithRules/scaleUp with default behavior")
        << none << none << 1 << 1000 << none << none << 10 << 50 << 20 << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleUp with pods policy larger than percent policy")
        << none << none << 1 << 1000 << L{100, 60, 100, 60} << none << 10 << 500 << 110
        << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleUp with percent policy larger than pods policy")
        << none << none << 1 << 1000 << L{2, 60, 100, 60} << none << 10 << 500 << 20
        << "ScaleUpLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleUp with spec MaxReplicas limitation with large pod policy")
        << none << none << 1 << 1000 << L{100, 60, 0, 0} << none << 10 << 50 << 50
        << "DesiredWithinRange";
    QTest::newRow(
        "TestScalingWithRules/scaleUp with spec MaxReplicas limitation with large percent policy")
        << none << none << 1 << 1000 << L{10000, 60, 0, 0} << none << 10 << 50 << 50
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/scaleUp with pod policy limitation")
        << none << none << 1 << 1000 << L{30, 60, 0, 0} << none << 10 << 50 << 40 << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleUp with percent policy limitation")
        << none << none << 1 << 1000 << L{0, 0, 200, 60} << none << 10 << 50 << 30
        << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleDown with percent policy larger than pod policy")
        << none << none << 1 << 1000 << none << L{20, 60, 1, 60} << 100 << 2 << 80
        << "ScaleDownLimit";
    QTest::newRow("TestScalingWithRules/scaleDown with pod policy larger than percent policy")
        << none << none << 1 << 1000 << none << L{2, 60, 1, 60} << 100 << 2 << 98
        << "ScaleDownLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with spec MinReplicas=nil limitation with large pod policy")
        << none << none << 1 << 1000 << none << L{100, 60, 0, 0} << 10 << 0 << 1
        << "TooFewReplicas";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with spec MinReplicas limitation with large pod policy")
        << none << none << 1 << 1000 << none << L{100, 60, 0, 0} << 10 << 0 << 1
        << "TooFewReplicas";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with spec MinReplicas limitation with large percent policy")
        << none << none << 5 << 1000 << none << L{0, 0, 100, 60} << 10 << 2 << 5
        << "TooFewReplicas";
    QTest::newRow("TestScalingWithRules/scaleDown with pod policy limitation")
        << none << none << 1 << 1000 << none << L{5, 60, 0, 0} << 10 << 2 << 5 << "ScaleDownLimit";
    QTest::newRow("TestScalingWithRules/scaleDown with percent policy limitation")
        << none << none << 1 << 1000 << none << L{0, 0, 50, 60} << 10 << 5 << 5
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/scaleUp with spec MaxReplicas limitation with large pod "
                  "policy and events")
        << L{1, 5, 9} << none << 1 << 200 << L{300, 60, 0, 0} << none << 100 << 500 << 200
        << "TooManyReplicas";
    QTest::newRow("TestScalingWithRules/scaleUp with spec MaxReplicas limitation with large "
                  "percent policy and events")
        << L{1, 5, 9} << none << 1 << 200 << L{0, 0, 10000, 60} << none << 100 << 500 << 200
        << "TooManyReplicas";
    QTest::newRow("TestScalingWithRules/scaleUp with currentReplicas limitation with "
                  "rate.PeriodSeconds with a lot of "
                  "recent scale up events")
        << L{1, 5, 9} << none << 1 << 1000 << L{5, 120, 0, 0} << none << 100 << 500 << 100
        << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleUp with pod policy and previous scale up events")
        << L{1, 5, 9} << none << 1 << 1000 << L{150, 120, 0, 0} << none << 100 << 500 << 235
        << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleUp with percent policy and previous scale up events")
        << L{1, 5, 9} << none << 1 << 1000 << L{0, 0, 200, 120} << none << 100 << 500 << 255
        << "ScaleUpLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleUp with percent policy and previous scale up and down events")
        << L{4} << L{2} << 1 << 1000 << L{0, 0, 300, 300} << none << 6 << 24 << 16
        << "ScaleUpLimit";
    QTest::newRow("TestScalingWithRules/scaleDown with default policy and previous events")
        << none << L{1, 5, 9} << 1 << 1000 << none << none << 10 << 5 << 5 << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/scaleDown with spec MinReplicas=nil limitation with large "
                  "pod policy and "
                  "previous events")
        << none << L{1, 5, 9} << 1 << 1000 << none << L{115, 120, 0, 0} << 100 << 0 << 1
        << "TooFewReplicas";
    QTest::newRow("TestScalingWithRules/scaleDown with spec MinReplicas limitation with large pod "
                  "policy and previous "
                  "events")
        << none << L{1, 5, 9} << 5 << 1000 << none << L{130, 120, 0, 0} << 100 << 0 << 5
        << "TooFewReplicas";
    QTest::newRow("TestScalingWithRules/scaleDown with spec MinReplicas limitation with large "
                  "percent policy and "
                  "previous events")
        << none << L{1, 5, 9} << 5 << 1000 << none << L{0, 0, 100, 120} << 100 << 2 << 5
        << "TooFewReplicas";
    QTest::newRow("TestScalingWithRules/scaleDown with pod policy limitation and previous events")
        << none << L{1, 5, 9} << 1 << 1000 << none << L{5, 120, 0, 0} << 100 << 2 << 100
        << "ScaleDownLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with percent policy limitation and previous events")
        << none << L{2, 4, 6} << 1 << 1000 << none << L{0, 0, 50, 120} << 100 << 0 << 56
        << "ScaleDownLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with percent policy and previous scale up and down events")
        << L{2} << L{4} << 1 << 1000 << none << L{0, 0, 50, 180} << 10 << 1 << 6
        << "ScaleDownLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with previous events preventing further scale down")
        << none << L{10, 10, 10} << 1 << 1000 << none << L{0, 0, 10, 120} << 100 << 0 << 100
        << "ScaleDownLimit";
    QTest::newRow(
        "TestScalingWithRules/scaleDown with with previous events still allowing more scale down")
        << none << L{10, 10, 10} << 1 << 1000 << none << L{0, 0, 1000, 120} << 10 << 5 << 5
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/check 'outdated' flag for events for one behavior for up")
        << L{8, 12, 9, 11} << none << 1 << 1000 << L{1000, 60, 0, 0} << none << 100 << 200 << 200
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/check that events were not marked 'outdated' for two "
                  "different policies in "
                  "the behavior for up")
        << L{8, 12, 9, 11} << none << 1 << 1000 << L{1000, 120, 100, 60} << none << 100 << 200
        << 200 << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/check that events were marked 'outdated' for two different "
                  "policies in the "
                  "behavior for up")
        << L{8, 12, 9, 11} << none << 1 << 1000 << L{1000, 30, 100, 60} << none << 100 << 200 << 200
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/check 'outdated' flag for events for one behavior for down")
        << none << L{8, 12, 9, 11} << 1 << 1000 << none << L{1000, 60, 0, 0} << 100 << 5 << 5
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/check that events were not marked 'outdated' for two "
                  "different policies in "
                  "the behavior for down")
        << none << L{8, 12, 9, 11} << 1 << 1000 << none << L{1000, 120, 100, 60} << 100 << 5 << 5
        << "DesiredWithinRange";
    QTest::newRow("TestScalingWithRules/check that events were marked 'outdated' for two different "
                  "policies in the "
                  "behavior for down")
        << none << L{8, 12, 9, 11} << 1 << 1000 << none << L{1000, 30, 100, 60} << 100 << 5 << 5
        << "DesiredWithinRange";
}

void TestAutoscaler::scalingWithRules()
{
    QFETCH(QList<int>, upEvents);
    QFETCH(QList<int>, downEvents);
    QFETCH(int, minReplicas);
    QFETCH(int, maxReplicas);
    QFETCH(QList<int>, upRules);
    QFETCH(QList<int>, downRules);
    QFETCH(int, current);
    QFETCH(int, proposal);
    QFETCH(int, expected);
    QFETCH(QString, condition);

    HpaConfig c = config(minReplicas, maxReplicas, 0.1, 1);
    c.scaleUpStabilization = c.scaleDownStabilization = seconds(0);
    c.scaleUp = rules(upRules, true);
    c.scaleDown = rules(downRules, false);
    HpaCalculator hpa(c);
    // Oldest first, so that none is forgotten before its time.
    QList<std::pair<int, int>> events; // age, change (+ up, - down)
    for (int i = 0; i < upEvents.size(); ++i)
        events << std::pair{eventAges(int(upEvents.size()))[i], upEvents[i]};
    for (int i = 0; i < downEvents.size(); ++i)
        events << std::pair{eventAges(int(downEvents.size()))[i], -downEvents[i]};
    std::sort(events.begin(), events.end(), [](auto a, auto b) { return a.first > b.first; });
    for (const auto &[age, change] : events)
        hpa.recordScaleEvent(t0 - seconds(age), 0, change);

    const auto r = hpa.recommend(t0, current, double(proposal) / current);
    QCOMPARE(r.stabilizedReplicas, expected);
    if (!condition.isEmpty())
        QCOMPARE(r.scalingLimited, condition);
}

// horizontal_test.go TestNormalizeDesiredReplicasWithBehavior
// (stabilizeRecommendationWithBehaviors) and TestNormalizeDesiredReplicas
// (stabilizeRecommendation, before behavior): over recommendations of the past. Each
// one is made by a sync that keeps its own count, and scale-up policies
// wide enough not to limit the answer.
void TestAutoscaler::stabilizeWithBehavior_data()
{
    QTest::addColumn<QList<int>>("agesS"); // how long ago each past recommendation was made
    QTest::addColumn<QList<int>>("recommended");
    QTest::addColumn<int>("current");
    QTest::addColumn<int>("proposal");
    QTest::addColumn<int>("upWindowS");
    QTest::addColumn<int>("downWindowS");
    QTest::addColumn<int>("expected");

    using L = QList<int>;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/empty recommendations for scaling down")
        << L{} << L{} << 100 << 5 << 0 << 0 << 5;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/simple scale down stabilization")
        << L{120, 60} << L{4, 5} << 100 << 3 << 0 << 180 << 5;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/simple scale up stabilization")
        << L{120, 60} << L{4, 5} << 1 << 7 << 300 << 0 << 4;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/no scale down stabilization")
        << L{120, 60} << L{1, 2} << 100 << 3 << 300 << 0 << 3;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/no scale up stabilization")
        << L{120, 60} << L{4, 5} << 1 << 3 << 0 << 300 << 3;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/no scale down stabilization, reuse "
                  "recommendation element")
        << L{600, 540} << L{10, 9} << 100 << 3 << 0 << 0 << 3;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/no scale up stabilization, reuse "
                  "recommendation element")
        << L{600, 540} << L{10, 9} << 1 << 100 << 0 << 0 << 100;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/scale down stabilization, reuse one of "
                  "obsolete recommendation element")
        << L{600, 540, 120, 60} << L{10, 9, 5, 4} << 100 << 3 << 0 << 180 << 5;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/scale up stabilization, reuse one of "
                  "obsolete recommendation element")
        << L{6000, 180, 120, 60} << L{10, 9, 5, 6} << 1 << 100 << 300 << 0 << 5;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/scale up and down stabilization, do "
                  "not scale up when prenormalized rec goes "
                  "down")
        << L{6000, 180} << L{2, 3} << 2 << 1 << 300 << 300 << 2;
    QTest::newRow("TestNormalizeDesiredReplicasWithBehavior/scale up and down stabilization, do "
                  "not scale down when prenormalized rec goes "
                  "up")
        << L{6000, 180} << L{2, 1} << 2 << 3 << 300 << 300 << 2;
    // TestNormalizeDesiredReplicas: the same window before behavior existed,
    // scale-down only and 5 minutes (the controller's default). Its last
    // row's log is given out of time order upstream; here it is replayed in
    // order, which is how it came about.
    // An empty log, not none: the HPA has run before (an hour ago).
    QTest::newRow("TestNormalizeDesiredReplicas/empty log")
        << L{3600} << L{100} << 100 << 5 << 0 << 300 << 5;
    QTest::newRow("TestNormalizeDesiredReplicas/stabilize")
        << L{120, 60} << L{4, 5} << 100 << 3 << 0 << 300 << 5;
    QTest::newRow("TestNormalizeDesiredReplicas/no stabilize")
        << L{120, 60} << L{1, 2} << 100 << 3 << 0 << 300 << 3;
    QTest::newRow("TestNormalizeDesiredReplicas/no stabilize - old recommendations")
        << L{600, 540} << L{10, 9} << 100 << 3 << 0 << 300 << 3;
    QTest::newRow("TestNormalizeDesiredReplicas/stabilize - old recommendations")
        << L{600, 540, 120, 60} << L{10, 9, 5, 4} << 100 << 3 << 0 << 300 << 5;
}

void TestAutoscaler::stabilizeWithBehavior()
{
    QFETCH(QList<int>, agesS);
    QFETCH(QList<int>, recommended);
    QFETCH(int, current);
    QFETCH(int, proposal);
    QFETCH(int, upWindowS);
    QFETCH(int, downWindowS);
    QFETCH(int, expected);

    HpaConfig c = config(1, 1000, 0.1, 1);
    c.scaleUpStabilization = seconds(upWindowS);
    c.scaleDownStabilization = seconds(downWindowS);
    c.scaleUp = rules({10000, 15, 0, 0}, true);
    HpaCalculator hpa(c);
    for (int i = 0; i < agesS.size(); ++i) {
        // At its own count and at the target: recommends that count, keeps it.
        const auto past = hpa.recommend(t0 - seconds(agesS[i]), recommended[i], 1);
        QCOMPARE(past.stabilizedReplicas, recommended[i]);
    }
    const auto r = hpa.recommend(t0, current, double(proposal) / current);
    QCOMPARE(r.stabilizedReplicas, expected);
}

// replica_calculator_test.go: the replica count proposed from per-pod metrics
// (GetResourceReplicas, and GetMetricReplicas for a Pods metric), each row
// named <test>/<its row>. A pod in its CPU initialization period ("hot
// CPU") and a Pending pod are unready pods, as a replica in its cold start
// is; failed pods and pods being deleted are left out by the caller, as a
// killed replica is (HorizontalAutoscaler::podMetrics), so they are not
// passed. The upstream tolerances that differ by direction are given as the
// tolerance of the direction the row exercises.
void TestAutoscaler::podReplicas_data()
{
    QTest::addColumn<int>("current");
    QTest::addColumn<QString>("ready"); // one letter per pod: T ready, F unready or pending
    QTest::addColumn<QList<int>>("levels");
    QTest::addColumn<QList<int>>("requests");
    QTest::addColumn<bool>("utilization"); // false: AverageValue
    QTest::addColumn<double>("target");    // a fraction, or the average value
    QTest::addColumn<double>("tolerance");
    QTest::addColumn<int>("expected");

    using L = QList<int>;
    const L mixed{900, 1000, 1100};
    const L cpu10(10, 150);
    const L requests10{400, 200, 310, 290, 302, 298, 301, 299, 300, 300};

    QTest::newRow("TestReplicaCalcResourceScale/scale up")
        << 3 << "TTT" << L{300, 500, 700} << L{} << true << 0.3 << 0.1 << 5;
    QTest::newRow("TestReplicaCalcResourceScale/scale up: unready pod scales less")
        << 3 << "FTT" << L{300, 500, 700} << L{} << true << 0.3 << 0.1 << 4;
    QTest::newRow("TestReplicaCalcResourceScale/scale up: hot-CPU pod scales less")
        << 3 << "FTT" << L{300, 500, 700} << L{} << true << 0.3 << 0.1 << 4;
    QTest::newRow("TestReplicaCalcResourceScale/no scale: unready pods ignored")
        << 3 << "TFF" << L{400, 500, 700} << L{} << true << 0.3 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceScale/no scale: hot-CPU pods ignored")
        << 3 << "TFF" << L{400, 500, 700} << L{} << true << 0.3 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceScale/scale up: failed pods ignored")
        << 2 << "TT" << L{500, 700} << L{} << true << 0.3 << 0.1 << 4;
    QTest::newRow("TestReplicaCalcResourceScale/scale down")
        << 5 << "TTTTT" << L{100, 300, 500, 250, 250} << L{} << true << 0.5 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceScale/scale down: exclude unready pods")
        << 5 << "TTTFF" << L{100, 300, 500, 250, 250} << L{} << true << 0.5 << 0.1 << 2;
    QTest::newRow("TestReplicaCalcResourceScale/scale down: exclude unscheduled pods")
        << 5 << "TFFFF" << L{100} << L{} << true << 0.5 << 0.1 << 1;
    QTest::newRow("TestReplicaCalcResourceScale/scale down: ignore hot-CPU pods")
        << 5 << "TTTFF" << L{100, 300, 500, 250, 250} << L{} << true << 0.5 << 0.1 << 2;
    QTest::newRow("TestReplicaCalcResourceScale/scale down: failed pods ignored")
        << 5 << "TTTTT" << L{100, 300, 500, 250, 250} << L{} << true << 0.5 << 0.1 << 3;

    QTest::newRow("TestReplicaCalcResourceTolerance/within default tolerance")
        << 3 << "TTT" << L{1010, 1030, 1020} << mixed << true << 1.0 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceTolerance/outside 0% tolerance")
        << 3 << "TTT" << L{909, 1010, 1111} << mixed << true << 1.0 << 0.0 << 4;
    QTest::newRow("TestReplicaCalcResourceTolerance/within 200% scale-up tolerance")
        << 3 << "TTT" << L{1890, 1910, 1900} << mixed << true << 1.0 << 2.0 << 3;
    QTest::newRow("TestReplicaCalcResourceTolerance/outside 8% scale-up tolerance (superfluous "
                  "scale-down tolerance)")
        << 3 << "TTT" << L{1100, 1080, 1090} << mixed << true << 1.0 << 0.08 << 4;
    QTest::newRow("TestReplicaCalcResourceTolerance/within 36% scale-down tolerance")
        << 3 << "TTT" << L{660, 640, 650} << mixed << true << 1.0 << 0.36 << 3;
    QTest::newRow("TestReplicaCalcResourceTolerance/outside 34% scale-down tolerance")
        << 3 << "TTT" << L{660, 640, 650} << mixed << true << 1.0 << 0.34 << 2;

    // The metrics of the two pods that do not exist are not passed.
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/superfluous metrics counted")
        << 4 << "TTTT" << L{4000, 9500, 3000, 7000} << L{} << true << 1.0 << 0.1 << 24;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/some pods missing metrics scales down")
        << 4 << "TTTT" << L{400, 95} << L{} << true << 1.0 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/no change: metric equal to target")
        << 2 << "TT" << L{1000} << L{} << true << 1.0 << 0.1 << 2;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/no change: metric above target")
        << 2 << "TT" << L{1900} << L{} << true << 1.0 << 0.1 << 2;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/no change: metric below target")
        << 2 << "TT" << L{600} << L{} << true << 1.0 << 0.1 << 2;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/no change: unready pod metric missing")
        << 3 << "FTT" << L{100, 450} << L{} << true << 0.5 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/no change: hot-CPU pod metric missing")
        << 3 << "FTT" << L{100, 450} << L{} << true << 0.5 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/scale up: unready pod metric missing")
        << 3 << "FTT" << L{100, 2000} << L{} << true << 0.5 << 0.1 << 4;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/scale up: hot-CPU pod metric missing")
        << 3 << "FTT" << L{100, 2000} << L{} << true << 0.5 << 0.1 << 4;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/scale down: unready pod metric missing")
        << 4 << "FTTT" << L{100, 100, 100} << L{} << true << 0.5 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/scale down: target over 100")
        << 4 << "FTTT" << L{200, 100, 100} << L{1000, 1000, 2000, 2000} << true << 3.0 << 0.1 << 2;
    QTest::newRow("TestReplicaCalcResourceMissingMetrics/rolling update with maxSurge: extra pod "
                  "missing metric")
        << 2 << "TTT" << L{100, 100} << L{} << true << 0.5 << 0.1 << 2;

    // 150 m of 300 m each: 50 % against 56 % is just outside the tolerance, against 55 % within.
    QTest::newRow("TestReplicaCalcComputedToleranceAlgImplementation/scales down")
        << 10 << "TTTTTTTTTT" << cpu10 << requests10 << true << 0.56 << 0.1 << 9;
    QTest::newRow("TestReplicaCalcComputedToleranceAlgImplementation/no scale near the tolerance")
        << 10 << "TTTTTTTTTT" << cpu10 << requests10 << true << 0.55 << 0.1 << 10;

    // A Pods metric: only a Pending pod is set aside, so the upstream
    // "unready hot-CPU" pods here are running and ready.
    QTest::newRow("TestReplicaCalcPodMetric/scale up")
        << 3 << "TTT" << L{20000, 10000, 30000} << L{} << false << 15000.0 << 0.1 << 4;
    QTest::newRow("TestReplicaCalcPodMetric/scale up: unready hot-CPU pod scales less")
        << 3 << "TTT" << L{50000, 10000, 30000} << L{} << false << 15000.0 << 0.1 << 6;
    QTest::newRow("TestReplicaCalcPodMetric/scale up: unready hot-CPU pods avoid scale-down")
        << 3 << "TTT" << L{50000, 15000, 30000} << L{} << false << 15000.0 << 0.1 << 7;
    QTest::newRow("TestReplicaCalcPodMetric/scale down")
        << 5 << "TTTTT" << L{12000, 12000, 12000, 12000, 12000} << L{} << false << 20000.0 << 0.1
        << 3;
    QTest::newRow("TestReplicaCalcPodMetric/within default tolerance")
        << 3 << "TTT" << L{20000, 21000, 21000} << L{} << false << 20000.0 << 0.1 << 3;
    QTest::newRow("TestReplicaCalcPodMetric/outside configurable 1% tolerance")
        << 3 << "TTT" << L{20000, 21000, 21000} << L{} << false << 20000.0 << 0.01 << 4;
    QTest::newRow("TestReplicaCalcPodMetric/no change: missing metrics")
        << 5 << "TTTTT" << L{20000, 19000, 21000} << L{} << false << 20000.0 << 0.1 << 5;
    QTest::newRow("TestReplicaCalcPodMetric/rolling update with maxSurge: extra pod missing "
                  "metric")
        << 2 << "TTT" << L{10000, 10000} << L{} << false << 17000.0 << 0.1 << 2;
}

void TestAutoscaler::podReplicas()
{
    QFETCH(int, current);
    QFETCH(QString, ready);
    QFETCH(QList<int>, levels);
    QFETCH(QList<int>, requests);
    QFETCH(bool, utilization);
    QFETCH(double, target);
    QFETCH(double, tolerance);
    QFETCH(int, expected);

    const HpaCalculator hpa(config(1, 1000, tolerance, target));
    const auto replicas =
        hpa.podReplicas(current, pods(ready, levels, requests),
                        utilization ? HpaTargetType::Utilization : HpaTargetType::AverageValue);
    QVERIFY(replicas.has_value());
    QCOMPARE(*replicas, expected);
}

// horizontal_test.go: one reconcile of a CPU-utilization HPA on pods. A
// history of true stands for kube's `recommendations: []` (the HPA has run
// before, with nothing in the window), false for nil (its first reconcile).
void TestAutoscaler::reconcile_data()
{
    QTest::addColumn<int>("minReplicas");
    QTest::addColumn<int>("maxReplicas");
    QTest::addColumn<int>("current");
    QTest::addColumn<double>("target");
    QTest::addColumn<QString>("ready");
    QTest::addColumn<QList<int>>("levels");
    QTest::addColumn<QList<int>>("requests");
    QTest::addColumn<bool>("history");
    QTest::addColumn<int>("expected");
    QTest::addColumn<bool>("active"); // ScalingActive

    using L = QList<int>;
    const L cpu3{900, 1000, 1100};
    QTest::newRow("TestScaleUp") << 2 << 6 << 3 << 0.3 << "TTT" << L{300, 500, 700} << L{} << false
                                 << 5 << true;
    QTest::newRow("TestScaleUpUnreadyLessScale")
        << 2 << 6 << 3 << 0.3 << "FTT" << L{300, 500, 700} << L{} << false << 4 << true;
    QTest::newRow("TestScaleUpUnreadyNoScale")
        << 2 << 6 << 3 << 0.3 << "TFF" << L{400, 500, 700} << L{} << false << 3 << true;
    QTest::newRow("TestScaleDown")
        << 2 << 6 << 5 << 0.5 << "TTTTT" << L{100, 300, 500, 250, 250} << L{} << true << 3 << true;
    QTest::newRow("TestScaleDownStabilizeInitialSize")
        << 2 << 6 << 5 << 0.5 << "TTTTT" << L{100, 300, 500, 250, 250} << L{} << false << 5 << true;
    QTest::newRow("TestMinReplicas")
        << 2 << 5 << 3 << 0.9 << "TTT" << L{10, 95, 10} << cpu3 << true << 2 << true;
    QTest::newRow("TestZeroMinReplicasDesiredZero")
        << 0 << 5 << 3 << 0.9 << "TTT" << L{0, 0, 0} << cpu3 << true << 0 << true;
    QTest::newRow("TestMinReplicasDesiredZero")
        << 2 << 5 << 3 << 0.9 << "TTT" << L{0, 0, 0} << cpu3 << true << 2 << true;
    QTest::newRow("TestZeroReplicas")
        << 3 << 5 << 0 << 0.9 << "" << L{} << L{} << false << 0 << false;
    QTest::newRow("TestTooFewReplicas")
        << 3 << 5 << 2 << 0.9 << "" << L{} << L{} << false << 3 << true;
    QTest::newRow("TestTooManyReplicas")
        << 3 << 5 << 10 << 0.9 << "" << L{} << L{} << false << 5 << true;
    QTest::newRow("TestMaxReplicas")
        << 2 << 5 << 3 << 0.9 << "TTT" << L{8000, 9500, 1000} << cpu3 << false << 5 << true;
    QTest::newRow("TestScaleUpRCImmediately")
        << 2 << 6 << 1 << 0.8 << "TTTT" << L{0, 0, 0, 0} << L{} << false << 2 << true;
    QTest::newRow("TestScaleDownRCImmediately")
        << 2 << 5 << 6 << 0.5 << "TTT" << L{8000, 9500, 1000} << cpu3 << false << 5 << true;
    QTest::newRow("TestMissingMetrics")
        << 2 << 6 << 4 << 1.0 << "TTTT" << L{400, 95} << L{} << true << 3 << true;
    QTest::newRow("TestEmptyMetrics")
        << 2 << 6 << 4 << 1.0 << "TTTT" << L{} << L{} << true << 4 << false;
    // Hot-CPU pods (in their CPU initialization period) are unready pods, as
    // replicas in their cold start are; failed pods are left out by the caller.
    QTest::newRow("TestScaleUpHotCpuLessScale")
        << 2 << 6 << 3 << 0.3 << "FTT" << L{300, 500, 700} << L{} << false << 4 << true;
    QTest::newRow("TestScaleUpHotCpuNoScale")
        << 2 << 6 << 3 << 0.3 << "TFF" << L{400, 500, 700} << L{} << false << 3 << true;
    QTest::newRow("TestScaleUpIgnoresFailedPods")
        << 2 << 6 << 2 << 0.3 << "TT" << L{500, 700} << L{} << false << 4 << true;
    QTest::newRow("TestScaleDownIncludeUnreadyPods")
        << 2 << 6 << 5 << 0.5 << "TTTFF" << L{100, 300, 500, 250, 250} << L{} << true << 2 << true;
    QTest::newRow("TestScaleDownIgnoreHotCpuPods")
        << 2 << 6 << 5 << 0.5 << "TTTFF" << L{100, 300, 500, 250, 250} << L{} << true << 2 << true;
    QTest::newRow("TestScaleDownIgnoresFailedPods")
        << 2 << 6 << 5 << 0.5 << "TTTTT" << L{100, 300, 500, 250, 250} << L{} << true << 3 << true;
    QTest::newRow("TestTolerance")
        << 1 << 5 << 3 << 1.0 << "TTT" << L{1010, 1030, 1020} << cpu3 << false << 3 << true;
    // The metrics of pods that do not exist are not passed.
    QTest::newRow("TestSuperfluousMetrics")
        << 2 << 6 << 4 << 1.0 << "TTTT" << L{4000, 9500, 3000, 7000} << L{} << false << 6 << true;
    // Four replicas, but one pod is listed: the proposal is made from it.
    QTest::newRow("TestMissingReports")
        << 1 << 5 << 4 << 0.5 << "T" << L{200} << L{200} << true << 2 << true;
    QTest::newRow("TestEmptyCPURequest")
        << 1 << 5 << 1 << 1.0 << "T" << L{200} << L{0} << false << 1 << false;
    QTest::newRow("TestEventCreated")
        << 1 << 5 << 1 << 0.5 << "T" << L{200} << L{200} << false << 2 << true;
    QTest::newRow("TestEventNotCreated")
        << 1 << 5 << 2 << 0.5 << "TT" << L{200, 200} << L{400, 400} << false << 2 << true;
    // A Deployment mid-update with 25 % surge: five pods for four replicas.
    QTest::newRow("TestMoreReplicasThanSpecNoScale")
        << 1 << 8 << 4 << 0.5 << "TTTTT" << L{500, 500, 500, 500, 500} << L{} << false << 4 << true;
    // 150 m of 300 m each: 50 % against 56 % is just outside the tolerance, against 55 % within.
    const L cpu10(10, 150);
    const L requests10{400, 200, 310, 290, 302, 298, 301, 299, 300, 300};
    QTest::newRow("TestComputedToleranceAlgImplementation/scales down")
        << 0 << 1000 << 10 << 0.56 << "TTTTTTTTTT" << cpu10 << requests10 << true << 9 << true;
    QTest::newRow("TestComputedToleranceAlgImplementation/no scale near the tolerance")
        << 0 << 1000 << 10 << 0.55 << "TTTTTTTTTT" << cpu10 << requests10 << true << 10 << true;
}

void TestAutoscaler::reconcile()
{
    QFETCH(int, minReplicas);
    QFETCH(int, maxReplicas);
    QFETCH(int, current);
    QFETCH(double, target);
    QFETCH(QString, ready);
    QFETCH(QList<int>, levels);
    QFETCH(QList<int>, requests);
    QFETCH(bool, history);
    QFETCH(int, expected);
    QFETCH(bool, active);

    HpaCalculator hpa(config(minReplicas, maxReplicas, 0.1, target));
    if (history) // an hour ago, at its own count and at the target
        hpa.recommend(t0 - seconds(3600), current, target);
    const auto r =
        hpa.recommend(t0, current, pods(ready, levels, requests), HpaTargetType::Utilization);
    QCOMPARE(r.stabilizedReplicas, expected);
    QCOMPARE(r.scalingActive, active);
}

// horizontal_test.go: reconciles with behavior.scaleUp rules and with a
// history of recommendations. upRules as generateScalingRules (pods,
// period, percent, period; empty: the default); a history is recorded by
// syncs at their own count, agesS seconds ago; upWindowS -1 keeps the
// default stabilizationWindowSeconds.
void TestAutoscaler::reconcileWithBehavior_data()
{
    QTest::addColumn<QList<int>>("upRules");
    QTest::addColumn<int>("upWindowS");
    QTest::addColumn<QList<int>>("agesS");
    QTest::addColumn<QList<int>>("recommended");
    QTest::addColumn<int>("minReplicas");
    QTest::addColumn<int>("maxReplicas");
    QTest::addColumn<int>("current");
    QTest::addColumn<double>("target");
    QTest::addColumn<QString>("ready");
    QTest::addColumn<QList<int>>("levels");
    QTest::addColumn<QList<int>>("requests");
    QTest::addColumn<int>("expected");
    QTest::addColumn<QString>("ableToScale");    // empty: not compared
    QTest::addColumn<QString>("scalingLimited"); // likewise

    using L = QList<int>;
    const L cpu100{100, 100, 100};
    QTest::newRow("TestUpscaleCap") << L{0, 0, 700, 60} << -1 << L{} << L{} << 1 << 100 << 3 << 0.1
                                    << "TTT" << L{100, 200, 300} << cpu100 << 24 << ""
                                    << "ScaleUpLimit";
    QTest::newRow("TestUpscaleCapGreaterThanMaxReplicas")
        << L{0, 0, 700, 60} << -1 << L{} << L{} << 1 << 20 << 3 << 0.1 << "TTT" << L{100, 200, 300}
        << cpu100 << 20 << ""
        << "TooManyReplicas";
    // recommendations: [] upstream: the HPA has run before, an hour ago.
    QTest::newRow("TestScaleDownWithScalingRules")
        << L{0, 0, 100, 15} << 30 << L{3600} << L{5} << 2 << 6 << 5 << 0.5 << "TTTTT"
        << L{100, 300, 500, 250, 250} << L{} << 3 << ""
        << "DesiredWithinRange";
    // 10 replicas recommended 10 minutes ago (out of the window), 4 a minute ago.
    QTest::newRow("TestStabilizeDownscale")
        << L{} << -1 << L{600, 60} << L{10, 4} << 1 << 5 << 4 << 1.0 << "TTT" << L{50, 50, 50}
        << cpu100 << 4 << "ScaleDownStabilized"
        << "DesiredWithinRange";
}

void TestAutoscaler::reconcileWithBehavior()
{
    QFETCH(QList<int>, upRules);
    QFETCH(int, upWindowS);
    QFETCH(QList<int>, agesS);
    QFETCH(QList<int>, recommended);
    QFETCH(int, minReplicas);
    QFETCH(int, maxReplicas);
    QFETCH(int, current);
    QFETCH(double, target);
    QFETCH(QString, ready);
    QFETCH(QList<int>, levels);
    QFETCH(QList<int>, requests);
    QFETCH(int, expected);
    QFETCH(QString, ableToScale);
    QFETCH(QString, scalingLimited);

    HpaConfig c = config(minReplicas, maxReplicas, 0.1, target);
    c.scaleUp = rules(upRules, true);
    if (upWindowS >= 0)
        c.scaleUpStabilization = seconds(upWindowS);
    HpaCalculator hpa(c);
    for (int i = 0; i < agesS.size(); ++i) // at its own count and at the target
        hpa.recommend(t0 - seconds(agesS[i]), recommended[i], target);
    const auto r =
        hpa.recommend(t0, current, pods(ready, levels, requests), HpaTargetType::Utilization);
    QCOMPARE(r.stabilizedReplicas, expected);
    if (!ableToScale.isEmpty())
        QCOMPARE(r.ableToScale, ableToScale);
    if (!scalingLimited.isEmpty())
        QCOMPARE(r.scalingLimited, scalingLimited);
}

// The default behavior (GenerateHPAScaleUpRules(nil): 4 pods or 100% per
// 15 s, whichever is more) over successive syncs: a load that wants 50 of 10
// replicas gets them 10 → 20 → 40 → 50. The first step is
// TestScalingWithRules/scaleUp with default behavior.
void TestAutoscaler::loadJumpScalesInSteps_data()
{
    QTest::addColumn<int>("syncS");
    QTest::addColumn<QList<int>>("expected");

    // Default scaleUp policies (Percent 100 and Pods 4 per 15 s, Max),
    // stabilization 0, as GenerateHPAScaleUpRules(nil).
    QTest::newRow("15 s syncs: 10 → 20 → 40 → 50") << 15 << QList<int>{20, 40, 50, 50};
    // A sync within the period of the last scale-up counts it.
    QTest::newRow("5 s syncs: one doubling per 15 s")
        << 5 << QList<int>{20, 20, 20, 40, 40, 40, 50};
}

void TestAutoscaler::loadJumpScalesInSteps()
{
    QFETCH(int, syncS);
    QFETCH(QList<int>, expected);

    HpaCalculator hpa(config(1, 100, 0.1, 100));
    int current = 10;
    QList<int> steps;
    for (int i = 0; i < expected.size(); ++i) {
        // The load of 50 replicas at target, spread over the current ones.
        const auto r = hpa.recommend(t0 + seconds(syncS * i), current, 100.0 * 50 / current);
        QCOMPARE(r.desiredReplicas, 50);
        current = r.stabilizedReplicas;
        steps << current;
    }
    QCOMPARE(steps, expected);
}

// horizontal_test.go TestScaleDownStabilizeInitialSize, over time: switched
// on at 10 replicas with the load of 2, the first sync records 10, so the
// service comes down only once that recommendation leaves the 300 s window.
void TestAutoscaler::switchingOnWaitsOutTheScaleDownWindow()
{
    HpaCalculator hpa(config(1, 10, 0.1, 100));
    QList<int> replicas;
    for (int s : {0, 15, 285, 300}) {
        const auto r = hpa.recommend(t0 + seconds(s), 10, 20);
        QCOMPARE(r.desiredReplicas, 2);
        replicas << r.stabilizedReplicas;
        if (s == 0)
            QCOMPARE(r.ableToScale, QStringLiteral("ScaleDownStabilized"));
    }
    QCOMPARE(replicas, (QList<int>{10, 10, 10, 2}));
}

// TestScaleDownStabilizeInitialSize when a setting changes: kube keeps an
// HPA's recommendations across edits of its spec, so an edit 100 s after
// the HPA was created changes nothing about when it scales down (300 s
// after creation). A fresh calculator, as a newly created HPA, waits out a
// whole window from the edit; neither scales down at once.
void TestAutoscaler::specEditKeepsTheHistory()
{
    // The load of 2 replicas at the target, spread over the current ones.
    const auto sync = [](HpaCalculator &hpa, int atS, int current) {
        return hpa.recommend(t0 + seconds(atS), current, 100.0 * 2 / current).stabilizedReplicas;
    };
    HpaCalculator created(config(1, 10, 0.1, 100));
    QCOMPARE(sync(created, 0, 10), 10);
    QCOMPARE(sync(created, 15, 10), 10);

    const HpaConfig edited = config(1, 12, 0.1, 100); // maxReplicas 10 → 12 at 100 s
    HpaCalculator same(edited, created);
    HpaCalculator fresh(edited);
    QList<int> kept, recreated;
    for (int s : {115, 285, 300, 400, 415}) {
        kept << sync(same, s, kept.isEmpty() ? 10 : kept.last());
        recreated << sync(fresh, s, recreated.isEmpty() ? 10 : recreated.last());
    }
    QCOMPARE(kept, (QList<int>{10, 10, 2, 2, 2}));
    QCOMPARE(recreated, (QList<int>{10, 10, 10, 10, 2}));
    QCOMPARE(same.config().maxReplicas, 12);
}

// horizontal_test.go TestCalculateScaleUpLimitWithScalingRules and
// TestCalculateScaleDownLimitWithBehaviors (selectPolicy Min: the smaller of
// Pods 2 and Percent 50 per 60 s), and selectPolicy Disabled.
void TestAutoscaler::selectPolicyMinAndDisabled()
{
    HpaConfig c = config(1, 100, 0.1, 1);
    c.scaleUpStabilization = c.scaleDownStabilization = seconds(0);
    c.scaleUp = rules({2, 60, 50, 60}, true);
    c.scaleUp.selectPolicy = HpaScalingRules::SelectPolicy::Min;
    c.scaleDown = c.scaleUp;
    {
        HpaCalculator hpa(c);
        QCOMPARE(hpa.recommend(t0, 1, 100).stabilizedReplicas, 2); // min(1 + 2, ceil(1.5))
    }
    {
        HpaCalculator hpa(c);
        QCOMPARE(hpa.recommend(t0, 5, 0.2).stabilizedReplicas, 3); // max(5 - 2, int(2.5))
    }
    c.scaleUp.selectPolicy = HpaScalingRules::SelectPolicy::Disabled;
    c.scaleDown.selectPolicy = HpaScalingRules::SelectPolicy::Disabled;
    HpaCalculator hpa(c);
    const auto up = hpa.recommend(t0, 5, 4);
    QCOMPARE(up.stabilizedReplicas, 5);
    QCOMPARE(up.scalingLimited, QStringLiteral("ScaleUpLimit"));
    QCOMPARE(hpa.recommend(t0 + seconds(60), 5, 0.2).stabilizedReplicas, 5);
}

QTEST_GUILESS_MAIN(TestAutoscaler)
#include "tst_autoscaler.moc"
