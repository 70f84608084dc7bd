#include "retrypolicy.h"

#include <QtTest>

#include <algorithm>
#include <thread>
#include <vector>

using namespace microcosm;

class TestRetryPolicy : public QObject
{
    Q_OBJECT

private slots:
    void backoffBounds_data();
    void backoffBounds();
    void backoffIsReproducibleFromSeed();
    void budgetLimit_data();
    void budgetLimit();
    void budgetGrowsWithLoad();
    void budgetHoldsUnderContention();
};

void TestRetryPolicy::backoffBounds_data()
{
    QTest::addColumn<double>("multiplier");
    QTest::addColumn<double>("randomizationFactor");
    QTest::addColumn<int>("retry");
    QTest::addColumn<double>("lowMs");
    QTest::addColumn<double>("highMs");

    // initialBackoff 25 ms, maxBackoff 1000 ms throughout.
    QTest::newRow("first retry, defaults") << 2.0 << 0.5 << 1 << 12.5 << 37.5;
    QTest::newRow("third retry doubles twice") << 2.0 << 0.5 << 3 << 50.0 << 150.0;
    QTest::newRow("jitter clipped at max") << 2.0 << 0.5 << 6 << 400.0 << 1000.0;
    QTest::newRow("exponential capped at max") << 2.0 << 0.5 << 12 << 500.0 << 1000.0;
    QTest::newRow("no jitter is exact") << 2.0 << 0.0 << 4 << 200.0 << 200.0;
    QTest::newRow("full jitter from zero") << 2.0 << 1.0 << 2 << 0.0 << 100.0;
    QTest::newRow("factor above one clamps to one") << 2.0 << 3.0 << 2 << 0.0 << 100.0;
    QTest::newRow("constant back-off") << 1.0 << 0.2 << 7 << 20.0 << 30.0;
    QTest::newRow("retry zero counts as first") << 2.0 << 0.5 << 0 << 12.5 << 37.5;
}

// Every sample stays within the documented bounds, and the samples spread
// over the whole range rather than sitting in a corner of it.
void TestRetryPolicy::backoffBounds()
{
    QFETCH(double, multiplier);
    QFETCH(double, randomizationFactor);
    QFETCH(int, retry);
    QFETCH(double, lowMs);
    QFETCH(double, highMs);

    RetryPolicy policy;
    policy.multiplier = multiplier;
    policy.randomizationFactor = randomizationFactor;
    std::mt19937_64 rng(42);
    double minMs = 1e9, maxMs = -1, sumMs = 0;
    const int samples = 10000;
    for (int i = 0; i < samples; ++i) {
        const double ms = toMs(policy.backoff(retry, rng));
        minMs = std::min(minMs, ms);
        maxMs = std::max(maxMs, ms);
        sumMs += ms;
    }
    const double slack = 1e-6; // nanosecond truncation
    QVERIFY2(minMs >= lowMs - slack, qPrintable(QStringLiteral("min %1").arg(minMs)));
    QVERIFY2(maxMs <= highMs + slack, qPrintable(QStringLiteral("max %1").arg(maxMs)));
    const double spread = 0.02 * (highMs - lowMs) + slack;
    QVERIFY2(minMs - lowMs <= spread, qPrintable(QStringLiteral("min %1").arg(minMs)));
    QVERIFY2(highMs - maxMs <= spread, qPrintable(QStringLiteral("max %1").arg(maxMs)));
    if (retry <= 3) // unclipped: uniform around the exponential
        QVERIFY(qAbs(sumMs / samples - (lowMs + highMs) / 2) <= spread);
}

void TestRetryPolicy::backoffIsReproducibleFromSeed()
{
    const RetryPolicy policy;
    std::mt19937_64 a(7), b(7), c(8);
    int differences = 0;
    for (int retry = 1; retry <= 5; ++retry) {
        const Duration fromA = policy.backoff(retry, a);
        QCOMPARE(fromA, policy.backoff(retry, b));
        differences += fromA != policy.backoff(retry, c);
    }
    QCOMPARE(differences, 5);
}

void TestRetryPolicy::budgetLimit_data()
{
    QTest::addColumn<int>("activeRequests");
    QTest::addColumn<double>("budgetPercent");
    QTest::addColumn<int>("minRetryConcurrency");
    QTest::addColumn<int>("expectedLimit");

    QTest::newRow("idle edge still retries") << 0 << 20.0 << 3 << 3;
    QTest::newRow("minimum dominates light load") << 10 << 20.0 << 3 << 3;
    QTest::newRow("percentage takes over") << 20 << 20.0 << 3 << 4;
    QTest::newRow("Envoy default at 100 requests") << 100 << 20.0 << 3 << 20;
    QTest::newRow("fractions round down") << 14 << 25.0 << 0 << 3;
    QTest::newRow("no budget, no minimum") << 100 << 0.0 << 0 << 0;
}

// Exactly `limit` retries may be in flight; releasing one admits one more.
void TestRetryPolicy::budgetLimit()
{
    QFETCH(int, activeRequests);
    QFETCH(double, budgetPercent);
    QFETCH(int, minRetryConcurrency);
    QFETCH(int, expectedLimit);

    RetryBudget budget(budgetPercent, minRetryConcurrency);
    for (int i = 0; i < activeRequests; ++i)
        budget.onRequestStarted();
    QCOMPARE(budget.limit(), expectedLimit);
    for (int i = 0; i < expectedLimit; ++i)
        QVERIFY(budget.tryAcquireRetry());
    QVERIFY(!budget.tryAcquireRetry());
    QCOMPARE(budget.activeRetries(), expectedLimit);
    if (expectedLimit > 0) {
        budget.releaseRetry();
        QVERIFY(budget.tryAcquireRetry());
        QVERIFY(!budget.tryAcquireRetry());
    }
}

void TestRetryPolicy::budgetGrowsWithLoad()
{
    RetryBudget budget; // 20%, at least 3
    int granted = 0;
    while (budget.tryAcquireRetry())
        ++granted;
    QCOMPARE(granted, 3);
    for (int i = 0; i < 50; ++i)
        budget.onRequestStarted();
    while (budget.tryAcquireRetry())
        ++granted;
    QCOMPARE(granted, 10);
    for (int i = 0; i < 50; ++i)
        budget.onRequestFinished();
    QCOMPARE(budget.activeRequests(), 0);
    // Retries already in flight are not revoked, but no new one starts.
    QCOMPARE(budget.activeRetries(), 10);
    for (int i = 0; i < 7; ++i)
        budget.releaseRetry();
    QVERIFY(!budget.tryAcquireRetry());
    budget.releaseRetry();
    QVERIFY(budget.tryAcquireRetry());
}

void TestRetryPolicy::budgetHoldsUnderContention()
{
    RetryBudget budget(20, 3);
    std::atomic<int> inFlight = 0, peak = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i) {
                if (!budget.tryAcquireRetry())
                    continue;
                const int now = ++inFlight;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                }
                --inFlight;
                budget.releaseRetry();
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QVERIFY(peak.load() >= 1);
    QVERIFY(peak.load() <= 3);
    QCOMPARE(budget.activeRetries(), 0);
}

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
