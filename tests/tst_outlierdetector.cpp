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
    void heldBackHostNeedsAFreshRun();
    void script_data();
    void script();
    void maxEjectionTime_data();
    void maxEjectionTime();
    void configDefaultsAndValidation_data();
    void configDefaultsAndValidation();
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

// Envoy resets a host's run of 5xx after the ejection attempt, whether or
// not maxEjectionPercent let it happen (onConsecutiveErrorWorker), so a host
// held back needs a fresh run once there is room. This test used to expect
// the held-back host to go at its next 5xx.
void TestOutlierDetector::heldBackHostNeedsAFreshRun()
{
    OutlierDetector detector(10);
    QCOMPARE(feed(detector, 0, t0, QStringLiteral("EEEEE")), 1);
    QCOMPARE(feed(detector, 1, t0, QStringLiteral("EEEEEEE")), 0); // the 5th was held back
    QVERIFY(!detector.isEjected(1, t0));
    // Host 0 returns at the sweep 30 s on; host 1's run is at 2.
    QCOMPARE(feed(detector, 1, t0 + seconds(30), QStringLiteral("EE")), 0);
    QVERIFY(!detector.isEjected(0, t0 + seconds(30)));
    QCOMPARE(feed(detector, 1, t0 + seconds(30), QStringLiteral("E")), 1);
    QVERIFY(detector.isEjected(1, t0 + seconds(30)));
}

// Steps of outlier_detection_impl_test.cc tests. Each step is "S action…" at
// S seconds after t0 (the detector first sees the time at t0, so its sweeps
// fall every 10 s from there, where the tests fire the interval timer):
// hN:5xxK or hN:okK feeds host N K answers, hN:ejected / hN:in checks it,
// hN:mult=K checks its ejection multiplier (ejectTimeBackoff), hosts=N
// changes the number of hosts; hN: may be left out for host 0.
void TestOutlierDetector::script_data()
{
    QTest::addColumn<int>("hosts");
    QTest::addColumn<int>("baseS");
    QTest::addColumn<double>("maxEjectionPercent");
    QTest::addColumn<QStringList>("steps");

    // Re-ejected before a sweep has found it in for an interval: no forgiveness yet.
    QTest::newRow("OutlierDetectorImplTest.BasicFlow5xxViaHttpCodes")
        << 2 << 30 << 100.0 << QStringList{"0 5xx1 ok1 5xx4 in",
                                           "0 5xx1 ejected mult=1",
                                           "9.999 ejected",
                                           "29.999 ejected",
                                           "30.001 in",
                                           "39 5xx4 in",
                                           "39 5xx1 ejected mult=2"};
    QTest::newRow("OutlierDetectorImplTest.EjectTimeBackoff")
        << 1 << 10 << 100.0
        << QStringList{"0 5xx5 ejected mult=1",
                       "10 in",
                       "10 5xx5 ejected mult=2",
                       "20 ejected",
                       "30 in",
                       "30 5xx5 ejected mult=3",
                       "40 ejected",
                       "50 ejected",
                       "60 in mult=3",
                       "70 in mult=2",
                       "80 in mult=1",
                       "80 5xx5 ejected mult=2",
                       "90 ejected",
                       "100 in",
                       "600 in mult=0",
                       "610 5xx5 ejected mult=1",
                       "620 in"};
    QTest::newRow("OutlierDetectorImplTest.Consecutive_5xxAlreadyEjected")
        << 1 << 30 << 100.0
        << QStringList{"0 5xx4 in", "0 5xx1 ejected mult=1", "0 ok1 5xx5 ejected mult=1",
                       "30 in mult=1"};
    QTest::newRow("OutlierDetectorImplTest.Overflow")
        << 2 << 30 << 60.0 << QStringList{"0 h0:5xx4 h0:in h0:5xx1 h0:ejected", "0 h1:5xx5 h1:in"};
    QTest::newRow("OutlierDetectorImplTest.MaxEjectionPercentage")
        << 3 << 30 << 50.0 << QStringList{"0 h0:5xx5 h1:5xx5 h2:5xx5 h0:ejected h1:in h2:in"};
    QTest::newRow("OutlierDetectorImplTest.MaxEjectionPercentageSingleHost")
        << 1 << 30 << 90.0 << QStringList{"0 5xx5 in"};
    // The ejection percentage counts the host about to be ejected: one of two is 50 %.
    QTest::newRow("OutlierDetectorImplTest.EjectionActiveValueIsAccountedWithoutMetricStorage")
        << 2 << 30 << 50.0 << QStringList{"0 h0:5xx5 h0:ejected h1:5xx5 h1:in"};
    // A second run of 5xx reported for a host already ejected does nothing.
    QTest::newRow("OutlierDetectorImplTest.CrossThreadFailRace")
        << 1 << 30 << 100.0
        << QStringList{"0 5xx5 ejected mult=1", "0 5xx5 ejected mult=1", "30 in"};
    // A host removed while ejected no longer holds an ejection; one added
    // in its place starts healthy.
    QTest::newRow("OutlierDetectorImplTest.RemoveWhileEjected")
        << 1 << 30 << 100.0
        << QStringList{"0 5xx5 ejected", "0 hosts=0", "9.999 hosts=1 in", "9.999 5xx5 ejected"};
    // DetectorImpl::onIntervalTimer: the multiplier of a host that is in and
    // has been for an interval goes down at every sweep (EjectTimeBackoff:
    // "for the next two intervals the node is healthy").
    QTest::newRow("EjectTimeBackoff: a recovered host is forgiven")
        << 1 << 30 << 100.0
        << QStringList{"0 5xx5 ejected mult=1",  "30 in mult=1",   "40 in mult=0",
                       "40 5xx5 ejected mult=1", "69.999 ejected", "70 in"};
    // checkHostForUneject runs only at the sweep (BasicFlow5xxViaHttpCodes:
    // "Interval that doesn't bring the host back in").
    QTest::newRow("BasicFlow5xxViaHttpCodes: back at the first sweep after the ejection time")
        << 1 << 20 << 100.0 << QStringList{"0 in",       "5 5xx5 ejected", "20 ejected",
                                           "25 ejected", "29.999 ejected", "30 in"};
}

void TestOutlierDetector::script()
{
    QFETCH(int, hosts);
    QFETCH(int, baseS);
    QFETCH(double, maxEjectionPercent);
    QFETCH(QStringList, steps);

    OutlierDetectionConfig config;
    config.baseEjectionTime = seconds(baseS);
    config.maxEjectionTime =
        OutlierDetectionConfig::defaultMaxEjectionTime(config.baseEjectionTime);
    config.maxEjectionPercent = maxEjectionPercent;
    OutlierDetector detector(hosts, config);
    for (const QString &step : steps) {
        QStringList words = step.split(u' ');
        const TimePoint at = t0 + fromMs(words.takeFirst().toDouble() * 1000);
        for (QString word : words) {
            int host = 0;
            if (word.startsWith(u'h')) {
                host = word.mid(1, word.indexOf(u':') - 1).toInt();
                word = word.mid(word.indexOf(u':') + 1);
            }
            const QString where = step + QStringLiteral(": ") + word;
            if (word.startsWith(QLatin1String("5xx")) || word.startsWith(QLatin1String("ok"))) {
                const bool error = word.startsWith(QLatin1String("5xx"));
                const int n = word.mid(error ? 3 : 2).toInt();
                feed(detector, host, at, QString(n, error ? u'E' : u'O'));
            } else if (word == QLatin1String("ejected") || word == QLatin1String("in")) {
                QVERIFY2(detector.isEjected(host, at) == (word == QLatin1String("ejected")),
                         qPrintable(where));
            } else if (word.startsWith(QLatin1String("hosts="))) {
                detector.setHostCount(word.mid(6).toInt());
            } else if (word.startsWith(QLatin1String("mult="))) {
                detector.advance(at);
                QVERIFY2(detector.ejectionMultiplier(host) == word.mid(5).toInt(),
                         qPrintable(
                             where +
                             QStringLiteral(", found %1").arg(detector.ejectionMultiplier(host))));
            } else {
                QFAIL(qPrintable(QStringLiteral("bad step ") + where));
            }
        }
    }
}

// outlier_detection_impl_test.cc MaxEjectTime and MaxEjectTimeNotAlligned:
// base 10 s; the nth ejection in a row lasts min(n × base, max), and ends at
// the first sweep after that (sweeps every 10 s). With a max that is no
// multiple of the base, the multiplier stops one past it: 305 s becomes 310.
void TestOutlierDetector::maxEjectionTime_data()
{
    QTest::addColumn<int>("maxS");
    QTest::addColumn<int>("ejection");
    QTest::addColumn<int>("expectedS");

    QTest::newRow("MaxEjectTime: first") << 300 << 1 << 10;
    QTest::newRow("MaxEjectTime: fifteenth") << 300 << 15 << 150;
    QTest::newRow("MaxEjectTime: thirtieth reaches max") << 300 << 30 << 300;
    QTest::newRow("MaxEjectTime: thirty-first stays at max") << 300 << 31 << 300;
    QTest::newRow("MaxEjectTime: thirty-ninth stays at max") << 300 << 39 << 300;
    QTest::newRow("MaxEjectTimeNotAlligned: thirtieth") << 305 << 30 << 300;
    QTest::newRow("MaxEjectTimeNotAlligned: thirty-first, one sweep past max") << 305 << 31 << 310;
    QTest::newRow("MaxEjectTimeNotAlligned: fortieth") << 305 << 40 << 310;
}

void TestOutlierDetector::maxEjectionTime()
{
    QFETCH(int, maxS);
    QFETCH(int, ejection);
    QFETCH(int, expectedS);

    OutlierDetectionConfig config;
    config.baseEjectionTime = seconds(10);
    config.maxEjectionTime = seconds(maxS);
    config.maxEjectionPercent = 100;
    OutlierDetector detector(1, config);
    TimePoint now = t0;
    int lasted = 0;
    for (int n = 1; n <= ejection; ++n) {
        QCOMPARE(feed(detector, 0, now, QStringLiteral("EEEEE")), 1);
        const TimePoint ejectedAt = now;
        do {
            now += seconds(10);
        } while (detector.isEjected(0, now) && now - ejectedAt < seconds(1000));
        lasted = int(std::chrono::duration_cast<seconds>(now - ejectedAt).count());
    }
    QCOMPARE(lasted, expectedS);
}

// outlier_detection_impl_test.cc DetectorStaticConfig… tests.
void TestOutlierDetector::configDefaultsAndValidation_data()
{
    QTest::addColumn<int>("baseS");
    QTest::addColumn<int>("maxS"); // -1: not given
    QTest::addColumn<int>("expectedMaxS");
    QTest::addColumn<bool>("valid");

    QTest::newRow("DetectorStaticConfig") << 10 << 400 << 400 << true;
    QTest::newRow("DetectorStaticConfigMaxDefaultValue") << 10 << -1 << 300 << true;
    QTest::newRow("DetectorStaticConfigBaseLargerThanMaxNoMax") << 400 << -1 << 400 << true;
    QTest::newRow("DetectorStaticConfigiInvalidMaxEjectTime") << 10 << 3 << 3 << false;
}

void TestOutlierDetector::configDefaultsAndValidation()
{
    QFETCH(int, baseS);
    QFETCH(int, maxS);
    QFETCH(int, expectedMaxS);
    QFETCH(bool, valid);

    OutlierDetectionConfig config;
    config.baseEjectionTime = seconds(baseS);
    config.maxEjectionTime =
        maxS < 0 ? OutlierDetectionConfig::defaultMaxEjectionTime(config.baseEjectionTime)
                 : seconds(maxS);
    QCOMPARE(config.maxEjectionTime, Duration(seconds(expectedMaxS)));
    QCOMPARE(config.validationError().isEmpty(), valid);
    QCOMPARE(OutlierDetectionConfig().interval, Duration(seconds(10)));
    QCOMPARE(OutlierDetectionConfig().validationError(), QString());
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
