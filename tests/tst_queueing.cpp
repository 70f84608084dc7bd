// The queueing formulas the views and the fidelity benchmark hold
// Microcosm against (core/queueing.h): Erlang C against its closed form
// and textbook cases, the M/M/c response-time distribution against M/M/1's
// exact exponential and against a simulation of the FCFS queue itself, and
// Pollaczek–Khinchine for M/D/1.

#include "queueing.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <random>
#include <vector>

using namespace microcosm::queueing;

namespace {

// Erlang C from its closed form, a^c/c! · c/(c − a) over the sum: a
// different computation from erlangC's recursion (fine for small c).
double erlangCClosedForm(int c, double a)
{
    double term = 1, sum = 0;
    for (int k = 0; k < c; ++k) {
        sum += term;
        term *= a / (k + 1);
    }
    const double top = term * c / (c - a); // term is now a^c / c!
    return top / (sum + top);
}

// The FCFS queue with c servers, simulated: each arrival starts when the
// earliest server frees up. Returns the sorted response times in ms.
std::vector<double> simulate(double lambda, double serviceMs, int c, int customers,
                             bool exponential = true)
{
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> gap(lambda);
    std::exponential_distribution<double> service(1000.0 / serviceMs);
    std::priority_queue<double, std::vector<double>, std::greater<>> free;
    for (int i = 0; i < c; ++i)
        free.push(0);
    std::vector<double> out;
    out.reserve(customers);
    double t = 0;
    for (int i = 0; i < customers + customers / 10; ++i) {
        t += gap(rng);
        const double start = std::max(t, free.top());
        free.pop();
        const double end = start + (exponential ? service(rng) : serviceMs / 1000.0);
        free.push(end);
        if (i >= customers / 10) // the first tenth warms the queue up
            out.push_back(1000.0 * (end - t));
    }
    std::sort(out.begin(), out.end());
    return out;
}

double quantile(const std::vector<double> &sorted, double q)
{
    return sorted[std::size_t(q * double(sorted.size() - 1))];
}

} // namespace

class TestQueueing : public QObject
{
    Q_OBJECT
private slots:
    void erlangCCases_data();
    void erlangCCases();
    void mm1IsExponential();
    void mmcAgainstSimulation_data();
    void mmcAgainstSimulation();
    void pollaczekKhinchine();
    void unstable();
};

void TestQueueing::erlangCCases_data()
{
    QTest::addColumn<int>("c");
    QTest::addColumn<double>("a");
    QTest::addColumn<double>("expected"); // < 0: the closed form's value
    QTest::newRow("c=1: the utilization") << 1 << 0.7 << 0.7;
    QTest::newRow("c=2, a=1: one third") << 2 << 1.0 << 1.0 / 3.0;
    QTest::newRow("c=4, rho=0.8") << 4 << 3.2 << -1.0;
    QTest::newRow("c=16, rho=0.9") << 16 << 14.4 << -1.0;
    QTest::newRow("c=16, rho=0.5") << 16 << 8.0 << -1.0;
    QTest::newRow("no load") << 4 << 0.0 << 0.0;
    QTest::newRow("at capacity") << 4 << 4.0 << 1.0;
}

void TestQueueing::erlangCCases()
{
    QFETCH(int, c);
    QFETCH(double, a);
    QFETCH(double, expected);
    if (expected < 0)
        expected = erlangCClosedForm(c, a);
    QVERIFY2(std::abs(erlangC(c, a) - expected) < 1e-12,
             qPrintable(QStringLiteral("%1 vs %2").arg(erlangC(c, a)).arg(expected)));
    // No overflow where a^c and c! would.
    const double big = erlangC(500, 450);
    QVERIFY(big > 0 && big < 1);
}

void TestQueueing::mm1IsExponential()
{
    // M/M/1: the response time is Exp(μ − λ), so its quantile q is
    // −ln(1 − q) / (μ − λ); the mean 1 / (μ − λ).
    const MmcPrediction p = mmc(80, 10, 1); // μ = 100/s
    QVERIFY(p.stable);
    QCOMPARE(p.utilization, 0.8);
    QVERIFY(std::abs(p.meanResponseMs - 50.0) < 1e-9);
    for (double q : {0.5, 0.9, 0.95, 0.99, 0.999})
        QVERIFY2(std::abs(p.responseQuantileMs(q) - 1000.0 * -std::log(1 - q) / 20.0) < 1e-6,
                 qPrintable(QString::number(q)));
    QCOMPARE(mmcResponseSurvival(p, 0), 1.0);
}

void TestQueueing::mmcAgainstSimulation_data()
{
    QTest::addColumn<int>("c");
    QTest::addColumn<double>("rho");
    for (int c : {1, 4, 16})
        for (double rho : {0.5, 0.9})
            QTest::newRow(qPrintable(QStringLiteral("c=%1 rho=%2").arg(c).arg(rho))) << c << rho;
    QTest::newRow("c=2 rho=0.5: the rates meet (γ = μ)") << 2 << 0.5;
}

void TestQueueing::mmcAgainstSimulation()
{
    QFETCH(int, c);
    QFETCH(double, rho);
    const double serviceMs = 10;
    const MmcPrediction p = mmc(rho * c * 100.0, serviceMs, c);
    const std::vector<double> sim = simulate(p.lambda, serviceMs, c, 2'000'000);
    for (double q : {0.5, 0.95, 0.99}) {
        const double exact = p.responseQuantileMs(q), simulated = quantile(sim, q);
        QVERIFY2(std::abs(simulated / exact - 1) < 0.04,
                 qPrintable(QStringLiteral("q=%1: simulated %2 ms, formula %3 ms")
                                .arg(q)
                                .arg(simulated)
                                .arg(exact)));
    }
    double mean = 0;
    for (double v : sim)
        mean += v;
    mean /= double(sim.size());
    QVERIFY2(std::abs(mean / p.meanResponseMs - 1) < 0.03,
             qPrintable(QStringLiteral("mean %1 vs %2").arg(mean).arg(p.meanResponseMs)));
}

void TestQueueing::pollaczekKhinchine()
{
    QCOMPARE(md1MeanResponseMs(50, 10), 15.0); // ρ = 0.5: S + S/2
    QCOMPARE(md1MeanResponseMs(90, 10), 55.0); // ρ = 0.9: S + 9S/2
    const std::vector<double> sim = simulate(80, 10, 1, 400'000, false);
    double mean = 0;
    for (double v : sim)
        mean += v;
    mean /= double(sim.size());
    QVERIFY2(std::abs(mean / md1MeanResponseMs(80, 10) - 1) < 0.03,
             qPrintable(QString::number(mean)));
}

void TestQueueing::unstable()
{
    const MmcPrediction p = mmc(400, 10, 4); // exactly at capacity
    QVERIFY(!p.stable);
    QVERIFY(std::isinf(p.meanResponseMs));
    QVERIFY(std::isinf(p.responseQuantileMs(0.99)));
    QCOMPARE(p.capacityPerSecond, 400.0);
    QVERIFY(std::isinf(md1MeanResponseMs(100, 10)));
}

QTEST_GUILESS_MAIN(TestQueueing)
#include "tst_queueing.moc"
