#include "outlierdetector.h"

#include <QtTest>

using namespace microcosm;
using Kind = OutlierEvent::Kind;

namespace {

const TimePoint t0 = TimePoint{} + seconds(1000);

// E answers 5xx, O answers anything else; returns how many of them ejected the host.
int feed(OutlierDetector &detector, int host, TimePoint now, const QString &results)
{
    int ejections = 0;
    for (QChar c : results)
        ejections += detector.onResult(host, now, c == u'E');
    return ejections;
}

} // namespace

class TestOutlierDetector : public QObject
{
    Q_OBJECT

private slots:
    void consecutive5xx_data();
    void consecutive5xx();
    void ejectionTimeGrows_data();
    void ejectionTimeGrows();
    void maxEjectionPercent_data();
    void maxEjectionPercent();
    void heldBackHostGoesWhenThereIsRoom();
    void resultsWhileEjectedDoNotCount();
    void observerSeesEjectionsAndReturns();
    void hostCountFollowsReplicas();
};

void TestOutlierDetector::consecutive5xx_data()
{
    QTest::addColumn<QString>("results");
    QTest::addColumn<bool>("expectEjected");

    QTest::newRow("five 5xx in a row eject") << "EEEEE" << true;
    QTest::newRow("four do not") << "EEEE" << false;
    QTest::newRow("a success resets the run") << "EEEEOEEEE" << false;
    QTest::newRow("a new run of five ejects") << "EEEEOEEEEE" << true;
    QTest::newRow("interleaved errors never eject") << "EOEOEOEOEOEOEO" << false;
}

void TestOutlierDetector::consecutive5xx()
{
    QFETCH(QString, results);
    QFETCH(bool, expectEjected);

    OutlierDetector detector(10);
    QCOMPARE(feed(detector, 3, t0, results), expectEjected ? 1 : 0);
    QCOMPARE(detector.isEjected(3, t0), expectEjected);
    for (int other : {0, 2, 4, 9})
        QVERIFY(!detector.isEjected(other, t0));
}

void TestOutlierDetector::ejectionTimeGrows_data()
{
    QTest::addColumn<int>("ejectionNumber");
    QTest::addColumn<int>("expectedSeconds");

    // base 30 s × times ejected, capped at 300 s.
    QTest::newRow("first") << 1 << 30;
    QTest::newRow("second") << 2 << 60;
    QTest::newRow("third") << 3 << 90;
    QTest::newRow("tenth reaches the cap") << 10 << 300;
    QTest::newRow("twelfth stays at the cap") << 12 << 300;
}

void TestOutlierDetector::ejectionTimeGrows()
{
    QFETCH(int, ejectionNumber);
    QFETCH(int, expectedSeconds);

    OutlierDetector detector(4);
    TimePoint now = t0;
    Duration ejection{};
    for (int n = 1; n <= ejectionNumber; ++n) {
        QCOMPARE(feed(detector, 0, now, QStringLiteral("EEEEE")), 1);
        ejection = std::min<Duration>(seconds(30) * n, seconds(300));
        QVERIFY(detector.isEjected(0, now + ejection - milliseconds(1)));
        now += ejection;
        QVERIFY(!detector.isEjected(0, now));
    }
    QCOMPARE(ejection, Duration(seconds(expectedSeconds)));
}

void TestOutlierDetector::maxEjectionPercent_data()
{
    QTest::addColumn<int>("hosts");
    QTest::addColumn<double>("maxEjectionPercent");
    QTest::addColumn<int>("failingHosts");
    QTest::addColumn<int>("expectedEjected");

    QTest::newRow("default 10% of 10") << 10 << 10.0 << 3 << 1;
    QTest::newRow("default 10% of 20") << 20 << 10.0 << 5 << 2;
    QTest::newRow("at least one of two") << 2 << 10.0 << 2 << 1;
    QTest::newRow("never a lone host") << 1 << 10.0 << 1 << 0;
    QTest::newRow("half of four") << 4 << 50.0 << 4 << 2;
    QTest::newRow("all of three at 100%") << 3 << 100.0 << 3 << 3;
}

void TestOutlierDetector::maxEjectionPercent()
{
    QFETCH(int, hosts);
    QFETCH(double, maxEjectionPercent);
    QFETCH(int, failingHosts);
    QFETCH(int, expectedEjected);

    OutlierDetectionConfig config;
    config.maxEjectionPercent = maxEjectionPercent;
    OutlierDetector detector(hosts, config);
    for (int host = 0; host < failingHosts; ++host)
        feed(detector, host, t0, QStringLiteral("EEEEEEEEEE"));
    int ejected = 0;
    for (int host = 0; host < hosts; ++host)
        ejected += detector.isEjected(host, t0 + seconds(1));
    QCOMPARE(ejected, expectedEjected);
}

void TestOutlierDetector::heldBackHostGoesWhenThereIsRoom()
{
    OutlierDetector detector(10);
    QCOMPARE(feed(detector, 0, t0, QStringLiteral("EEEEE")), 1);
    QCOMPARE(feed(detector, 1, t0, QStringLiteral("EEEEEEE")), 0);
    QVERIFY(!detector.isEjected(1, t0));
    // Host 0 returns after 30 s; host 1's next 5xx ejects it at once.
    QCOMPARE(feed(detector, 1, t0 + seconds(30), QStringLiteral("E")), 1);
    QVERIFY(detector.isEjected(1, t0 + seconds(30)));
    QVERIFY(!detector.isEjected(0, t0 + seconds(30)));
}

void TestOutlierDetector::resultsWhileEjectedDoNotCount()
{
    OutlierDetector detector(10);
    feed(detector, 0, t0, QStringLiteral("EEEEE"));
    feed(detector, 0, t0 + seconds(1), QStringLiteral("EEEEEEEEEE")); // late replies
    const TimePoint back = t0 + seconds(30);
    QCOMPARE(feed(detector, 0, back, QStringLiteral("EEEE")), 0);
    QCOMPARE(feed(detector, 0, back, QStringLiteral("E")), 1);
    // Second ejection: 60 s.
    QVERIFY(detector.isEjected(0, back + seconds(59)));
    QVERIFY(!detector.isEjected(0, back + seconds(60)));
}

void TestOutlierDetector::observerSeesEjectionsAndReturns()
{
    OutlierDetector detector(4);
    QList<OutlierEvent> events;
    detector.setOnEvent([&](const OutlierEvent &event) {
        // Outside the lock: calling back in must not deadlock.
        QCOMPARE(detector.isEjected(event.host, event.at), event.kind == Kind::Ejected);
        events << event;
    });

    feed(detector, 2, t0, QStringLiteral("OEEEEE"));
    QCOMPARE(events.size(), 1);
    QCOMPARE(events[0].kind, Kind::Ejected);
    QCOMPARE(events[0].host, 2);
    QCOMPARE(events[0].at, t0);
    QCOMPARE(events[0].reason, QStringLiteral("5 consecutive 5xx: ejected for 30 s (ejection #1)"));

    // Noticed late, but dated when the ejection ended.
    QVERIFY(!detector.isEjected(0, t0 + seconds(45)));
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[1].kind, Kind::Returned);
    QCOMPARE(events[1].host, 2);
    QCOMPARE(events[1].at, t0 + seconds(30));
    QCOMPARE(events[1].reason, QStringLiteral("ejection #1 ended"));

    QVERIFY(!detector.isEjected(2, t0 + seconds(60)));
    QCOMPARE(events.size(), 2);
}

void TestOutlierDetector::hostCountFollowsReplicas()
{
    OutlierDetector detector(2);
    QCOMPARE(feed(detector, 5, t0, QStringLiteral("EEEEE")), 0); // unknown host
    detector.setHostCount(6);
    QCOMPARE(feed(detector, 5, t0, QStringLiteral("EEEEE")), 1);
    QVERIFY(detector.isEjected(5, t0));
    detector.setHostCount(3);
    QVERIFY(!detector.isEjected(5, t0));
    // The removed host no longer holds the one-host allowance.
    QCOMPARE(feed(detector, 1, t0, QStringLiteral("EEEEE")), 1);
}

QTEST_GUILESS_MAIN(TestOutlierDetector)
#include "tst_outlierdetector.moc"
