// The capacity search (services/capacity.h): on one service that is the
// textbook M/M/4 queue it finds the rate Erlang C gives, within 10 %; the
// SLO's syntax is checked rule by rule; bad input to --capacity is named.

#include "capacity.h"
#include "programrunner.h"
#include "queueing.h"

#include <QTemporaryDir>
#include <QTest>

using namespace microcosm;

class TestCapacity : public QObject
{
    Q_OBJECT
private slots:
    void parsesRules_data();
    void parsesRules();
    void findsTheErlangCRate();
    void badInputIsNamed_data();
    void badInputIsNamed();
};

void TestCapacity::parsesRules_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error"); // empty: parses
    QTest::newRow("two rules") << "p99-ms<300,success-rate>=0.999"
                               << "";
    QTest::newRow("spaces") << " p95-ms <= 40 , mean-ms<10"
                            << "";
    QTest::newRow("unknown figure") << "p98-ms<300"
                                    << "unknown figure \"p98-ms\"";
    QTest::newRow("no operator") << "p99-ms300"
                                 << "is not FIGURE OP NUMBER";
    QTest::newRow("not a number") << "p99-ms<fast"
                                  << "is not FIGURE OP NUMBER";
    QTest::newRow("success rate as percent") << "success-rate>=99.9"
                                             << "between 0 and 1";
    QTest::newRow("empty") << ","
                           << "no rule given";
}

void TestCapacity::parsesRules()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString message;
    const auto rules = parseSlo(text, &message);
    if (error.isEmpty()) {
        QVERIFY2(rules, qPrintable(message));
        QCOMPARE(rules->size(), 2);
        return;
    }
    QVERIFY(!rules);
    QVERIFY2(message.contains(error), qPrintable(message));
    QVERIFY(message.startsWith(QStringLiteral("--slo: ")));
}

void TestCapacity::findsTheErlangCRate()
{
    QStringList problems;
    const auto scenario = Scenario::fromFile(
        QStringLiteral(MICROCOSM_SOURCE_DIR "/examples/capacity/mmc-one-service.json"), &problems);
    QVERIFY2(scenario, qPrintable(problems.join(QLatin1Char('\n'))));
    QTemporaryDir dir;
    CapacityOptions o;
    o.scenario = *scenario;
    QString error;
    o.slo = *parseSlo(QStringLiteral("p99-ms<200"), &error);
    o.dataDir = dir.path();
    o.warmSeconds = 2;
    o.measureSeconds = 5;
    const CapacityResult r = searchCapacity(o);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY(r.found);
    QVERIFY(r.ceiling > r.rate);
    QVERIFY(r.steps.size() >= 4);
    // Erlang C's answer: the highest λ at which M/M/4 with a mean service
    // of 20 ms keeps its p99 under 200 ms (175.0 per second).
    double lo = 0, hi = 200;
    for (int i = 0; i < 60; ++i) {
        const double mid = (lo + hi) / 2;
        (queueing::mmc(mid, 20, 4).responseQuantileMs(0.99) < 200 ? lo : hi) = mid;
    }
    qInfo("found %.1f (broke at %.1f), Erlang C %.1f, estimate %.1f", r.rate, r.ceiling, lo,
          r.theoryRate);
    QVERIFY2(std::abs(r.rate / lo - 1) <= 0.10,
             qPrintable(QStringLiteral("found %1, Erlang C %2").arg(r.rate).arg(lo)));
    // The estimate printed beside it is the same theory from the measured
    // calls per journey (one), so it agrees closely.
    QVERIFY2(std::abs(r.theoryRate / lo - 1) <= 0.02, qPrintable(r.theoryNote));
    QVERIFY(r.firstToBreak.contains(QStringLiteral("p99-ms<200")));
    for (const CapacityStep &s : r.steps)
        QCOMPARE(s.held, s.rate <= r.rate);
}

void TestCapacity::badInputIsNamed_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString mmc =
        QStringLiteral(MICROCOSM_SOURCE_DIR "/examples/capacity/mmc-one-service.json");
    QTest::newRow("no --slo") << QStringList{QStringLiteral("--capacity"), mmc}
                              << "--capacity SCENARIO and --slo RULES go together";
    QTest::newRow("bad rule") << QStringList{QStringLiteral("--capacity"), mmc,
                                             QStringLiteral("--slo"), QStringLiteral("p99<3")}
                              << "unknown figure \"p99\"";
    QTest::newRow("missing scenario")
        << QStringList{QStringLiteral("--capacity"), QStringLiteral("/nonexistent.json"),
                       QStringLiteral("--slo"), QStringLiteral("p99-ms<3")}
        << "/nonexistent.json";
}

void TestCapacity::badInputIsNamed()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const auto r = test::runProgram(arguments, 30'000, dir.path());
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
}

QTEST_GUILESS_MAIN(TestCapacity)
#include "tst_capacity.moc"
