#include "bulkhead.h"

#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace microcosm;

class TestBulkhead : public QObject
{
    Q_OBJECT

private slots:
    void admitsUpToLimit_data();
    void admitsUpToLimit();
    void exitFreesASlot();
    void limitHoldsUnderContention();
};

void TestBulkhead::admitsUpToLimit_data()
{
    QTest::addColumn<int>("maxConcurrentCalls");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<int>("expectedAdmitted");

    QTest::newRow("Resilience4j default of 25") << 25 << 40 << 25;
    QTest::newRow("under the limit") << 5 << 3 << 3;
    QTest::newRow("exactly the limit") << 5 << 5 << 5;
    QTest::newRow("single slot") << 1 << 10 << 1;
    QTest::newRow("zero admits nothing") << 0 << 3 << 0;
}

void TestBulkhead::admitsUpToLimit()
{
    QFETCH(int, maxConcurrentCalls);
    QFETCH(int, attempts);
    QFETCH(int, expectedAdmitted);

    Bulkhead bulkhead(maxConcurrentCalls);
    int admitted = 0;
    for (int i = 0; i < attempts; ++i)
        admitted += bulkhead.tryEnter();
    QCOMPARE(admitted, expectedAdmitted);
    QCOMPARE(bulkhead.active(), expectedAdmitted);
}

void TestBulkhead::exitFreesASlot()
{
    Bulkhead bulkhead; // 25
    QCOMPARE(bulkhead.maxConcurrentCalls(), 25);
    for (int i = 0; i < 25; ++i)
        QVERIFY(bulkhead.tryEnter());
    QVERIFY(!bulkhead.tryEnter());
    bulkhead.exit();
    QCOMPARE(bulkhead.active(), 24);
    QVERIFY(bulkhead.tryEnter());
    QVERIFY(!bulkhead.tryEnter());
}

void TestBulkhead::limitHoldsUnderContention()
{
    Bulkhead bulkhead(3);
    std::atomic<int> inside = 0, peak = 0, admitted = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i) {
                if (!bulkhead.tryEnter())
                    continue;
                ++admitted;
                const int now = ++inside;
                int seen = peak.load();
                while (now > seen && !peak.compare_exchange_weak(seen, now)) {
                }
                --inside;
                bulkhead.exit();
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QVERIFY(admitted.load() > 0);
    QVERIFY(peak.load() <= 3);
    QCOMPARE(bulkhead.active(), 0);
}

QTEST_GUILESS_MAIN(TestBulkhead)
#include "tst_bulkhead.moc"
