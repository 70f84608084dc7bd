#include "ratelimiter.h"

#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace microcosm;

namespace {

const TimePoint t0 = TimePoint{} + seconds(1000);

TimePoint at(double ms)
{
    return t0 + fromMs(ms);
}

} // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT

private slots:
    void tokenBucket_data();
    void tokenBucket();
    void refillIsLinearUpToBurst();
    void longRunGrantsBurstPlusRate();
    void burstIsExactUnderContention();
};

void TestRateLimiter::tokenBucket_data()
{
    QTest::addColumn<double>("ratePerSecond");
    QTest::addColumn<double>("burst");
    QTest::addColumn<double>("tokens");
    QTest::addColumn<QList<int>>("atMs");
    QTest::addColumn<QString>("expected"); // 1 granted, 0 rejected

    QTest::newRow("starts full, then rejects")
        << 1.0 << 3.0 << 1.0 << QList<int>{0, 0, 0, 0} << "1110";
    QTest::newRow("refills at the rate")
        << 10.0 << 1.0 << 1.0 << QList<int>{0, 50, 100, 150, 200, 299, 300} << "1010101";
    QTest::newRow("refill stops at burst")
        << 10.0 << 2.0 << 1.0 << QList<int>{0, 0, 10000, 10000, 10000} << "11110";
    QTest::newRow("fractional requests")
        << 4.0 << 1.0 << 0.5 << QList<int>{0, 0, 0, 124, 125} << "11001";
    QTest::newRow("more than burst never passes")
        << 100.0 << 5.0 << 6.0 << QList<int>{0, 100000} << "00";
    QTest::newRow("zero rate is a fixed allowance")
        << 0.0 << 2.0 << 1.0 << QList<int>{0, 1000, 1000000} << "110";
    QTest::newRow("an earlier time adds nothing")
        << 10.0 << 1.0 << 1.0 << QList<int>{1000, 0, 1050, 1100} << "1001";
}

void TestRateLimiter::tokenBucket()
{
    QFETCH(double, ratePerSecond);
    QFETCH(double, burst);
    QFETCH(double, tokens);
    QFETCH(QList<int>, atMs);
    QFETCH(QString, expected);

    RateLimiter limiter(ratePerSecond, burst);
    QString granted;
    for (int ms : atMs)
        granted += limiter.tryAcquire(at(ms), tokens) ? u'1' : u'0';
    QCOMPARE(granted, expected);
}

void TestRateLimiter::refillIsLinearUpToBurst()
{
    RateLimiter limiter(10, 5);
    for (int i = 0; i < 5; ++i)
        QVERIFY(limiter.tryAcquire(t0));
    QCOMPARE(limiter.availableTokens(t0), 0.0);
    QCOMPARE(limiter.availableTokens(at(250)), 2.5);
    QCOMPARE(limiter.availableTokens(at(400)), 4.0);
    QCOMPARE(limiter.availableTokens(at(60000)), 5.0);
}

// Offered 200 requests per second for ten seconds, a 50/s bucket with a burst
// of 10 lets exactly 10 + 50 × 10 through.
void TestRateLimiter::longRunGrantsBurstPlusRate()
{
    RateLimiter limiter(50, 10);
    int granted = 0;
    for (int ms = 0; ms <= 10000; ms += 5)
        granted += limiter.tryAcquire(at(ms));
    QCOMPARE(granted, 510);
}

void TestRateLimiter::burstIsExactUnderContention()
{
    RateLimiter limiter(1, 100);
    std::atomic<int> granted = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i)
                granted += limiter.tryAcquire(t0);
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(granted.load(), 100);
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
