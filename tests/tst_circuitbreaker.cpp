#include "circuitbreaker.h"

#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace microcosm;
using State = CircuitBreaker::State;
using WindowType = CircuitBreakerConfig::SlidingWindowType;

namespace {

const TimePoint t0 = TimePoint{} + seconds(1000);
const Duration fast = milliseconds(10);
const Duration slow = milliseconds(1500);

TimePoint at(double ms)
{
    return t0 + fromMs(ms);
}

CircuitBreakerConfig smallConfig(int windowSize, int minCalls, double failureThreshold = 50,
                                 double slowThreshold = 100)
{
    CircuitBreakerConfig config;
    config.slidingWindowSize = windowSize;
    config.minimumNumberOfCalls = minCalls;
    config.failureRateThreshold = failureThreshold;
    config.slowCallRateThreshold = slowThreshold;
    config.slowCallDurationThreshold = milliseconds(1000);
    config.waitDurationInOpenState = seconds(3);
    config.permittedNumberOfCallsInHalfOpenState = 3;
    return config;
}

// One permitted call per character: S success, F failure, s slow success, f slow failure.
void feed(CircuitBreaker &breaker, TimePoint now, const QString &outcomes)
{
    for (QChar c : outcomes) {
        QVERIFY2(breaker.tryAcquirePermission(now), "a call in the sequence was short-circuited");
        breaker.onResult(now, c.isLower() ? slow : fast, c.toUpper() == u'F');
    }
}

QString stateOf(CircuitBreaker &breaker, TimePoint now)
{
    return CircuitBreaker::stateName(breaker.state(now));
}

// A breaker that has just tripped at t0.
void trip(CircuitBreaker &breaker)
{
    feed(breaker, t0, QString(breaker.config().slidingWindowSize, u'F'));
    QCOMPARE(breaker.state(t0), State::OPEN);
}

// CircuitBreakerStateMachineTest's setUp: a 20 s time-based window of at
// least 5 calls, 4 trial calls, 50% thresholds, 5 s in OPEN (slow: longer
// than 1 s here, where upstream has 4 s; `slow` is 1.5 s).
CircuitBreakerConfig stateMachineTestConfig()
{
    CircuitBreakerConfig config;
    config.slidingWindowType = WindowType::TIME_BASED;
    config.slidingWindowSize = 20;
    config.minimumNumberOfCalls = 5;
    config.failureRateThreshold = 50;
    config.slowCallRateThreshold = 50;
    config.slowCallDurationThreshold = milliseconds(1000);
    config.waitDurationInOpenState = seconds(5);
    config.permittedNumberOfCallsInHalfOpenState = 4;
    return config;
}

} // namespace

class TestCircuitBreaker : public QObject
{
    Q_OBJECT

private slots:
    void defaultsWaitForHundredCalls();
    void countBasedThresholds_data();
    void countBasedThresholds();
    void slowMeansLongerThanTheThreshold();
    void timeBasedWindow_data();
    void timeBasedWindow();
    void openShortCircuitsUntilWaitElapses();
    void halfOpenTrials_data();
    void halfOpenTrials();
    void halfOpenLimitsTrialCalls();
    void reopeningRestartsTheWait();
    void resultsWhileOpenAreIgnored();
    void operatorOverrides();
    void observerSeesEveryTransitionWithReason();
    void demoPresetTripsAndRecoversWithinSeconds();
    void halfOpenPermitsAreExactUnderContention();
    void stateMachine_data();
    void stateMachine();
    void halfOpenDecidesAtTheMinimum_data();
    void halfOpenDecidesAtTheMinimum();
    void slidingWindowMetrics_data();
    void slidingWindowMetrics();
    void stateMachineScript_data();
    void stateMachineScript();
};

void TestCircuitBreaker::defaultsWaitForHundredCalls()
{
    CircuitBreaker breaker;
    feed(breaker, t0, QString(99, u'F'));
    QCOMPARE(breaker.state(t0), State::CLOSED);
    QCOMPARE(breaker.failureRate(), -1.0);
    feed(breaker, t0, QStringLiteral("F"));
    QCOMPARE(breaker.state(t0), State::OPEN);
    QCOMPARE(breaker.failureRate(), 100.0);
    // Resilience4j's 60 s wait in OPEN.
    QVERIFY(!breaker.tryAcquirePermission(t0 + milliseconds(59999)));
    QVERIFY(breaker.tryAcquirePermission(t0 + milliseconds(60000)));
    QCOMPARE(breaker.state(t0 + milliseconds(60000)), State::HALF_OPEN);
}

void TestCircuitBreaker::countBasedThresholds_data()
{
    QTest::addColumn<int>("windowSize");
    QTest::addColumn<int>("minCalls");
    QTest::addColumn<double>("failureThreshold");
    QTest::addColumn<double>("slowThreshold");
    QTest::addColumn<QString>("outcomes");
    QTest::addColumn<QString>("expectedState");
    QTest::addColumn<double>("expectedFailureRate");
    QTest::addColumn<double>("expectedSlowRate");

    QTest::newRow("below minimum calls nothing trips") << 10 << 10 << 50.0 << 100.0 << "FFFFFFFFF"
                                                       << "CLOSED" << -1.0 << -1.0;
    QTest::newRow("failure rate reaching threshold trips")
        << 10 << 10 << 50.0 << 100.0 << "SSSSSFFFFF"
        << "OPEN" << 50.0 << 0.0;
    QTest::newRow("failure rate just below threshold") << 10 << 10 << 50.0 << 100.0 << "SSSSSSFFFF"
                                                       << "CLOSED" << 40.0 << 0.0;
    QTest::newRow("trips at the minimum, not at a full window")
        << 20 << 4 << 50.0 << 100.0 << "SSFF"
        << "OPEN" << 50.0 << 0.0;
    QTest::newRow("minimum capped at window size") << 5 << 100 << 50.0 << 100.0 << "FFFFF"
                                                   << "OPEN" << 100.0 << 0.0;
    QTest::newRow("slow call rate trips") << 10 << 10 << 50.0 << 50.0 << "SSSSSsssss"
                                          << "OPEN" << 0.0 << 50.0;
    QTest::newRow("default slow threshold needs every call slow")
        << 4 << 4 << 50.0 << 100.0 << "sssS"
        << "CLOSED" << 0.0 << 75.0;
    QTest::newRow("slow failure counts as both") << 4 << 4 << 75.0 << 75.0 << "ffSS"
                                                 << "CLOSED" << 50.0 << 50.0;
    // Cumulatively 3 of 9 failed (33%), but no 4 consecutive calls hold more than one.
    QTest::newRow("old calls slide out of the window") << 4 << 4 << 30.0 << 100.0 << "FSSSFSSSF"
                                                       << "CLOSED" << 25.0 << 0.0;
    QTest::newRow("window slides onto a burst of failures") << 4 << 4 << 75.0 << 100.0 << "SSSFFSF"
                                                            << "OPEN" << 75.0 << 0.0;
}

void TestCircuitBreaker::countBasedThresholds()
{
    QFETCH(int, windowSize);
    QFETCH(int, minCalls);
    QFETCH(double, failureThreshold);
    QFETCH(double, slowThreshold);
    QFETCH(QString, outcomes);
    QFETCH(QString, expectedState);
    QFETCH(double, expectedFailureRate);
    QFETCH(double, expectedSlowRate);

    CircuitBreaker breaker(smallConfig(windowSize, minCalls, failureThreshold, slowThreshold));
    feed(breaker, t0, outcomes);
    QCOMPARE(stateOf(breaker, t0), expectedState);
    QCOMPARE(breaker.failureRate(), expectedFailureRate);
    QCOMPARE(breaker.slowCallRate(), expectedSlowRate);
}

void TestCircuitBreaker::slowMeansLongerThanTheThreshold()
{
    CircuitBreaker breaker(smallConfig(4, 4)); // slow: longer than 1000 ms
    for (int i = 0; i < 3; ++i) {
        QVERIFY(breaker.tryAcquirePermission(t0));
        breaker.onResult(t0, milliseconds(1000), false);
    }
    QVERIFY(breaker.tryAcquirePermission(t0));
    breaker.onResult(t0, milliseconds(1000) + microseconds(1), false);
    QCOMPARE(breaker.slowCallRate(), 25.0);
}

void TestCircuitBreaker::timeBasedWindow_data()
{
    QTest::addColumn<QList<int>>("atMs");
    QTest::addColumn<QString>("outcomes");
    QTest::addColumn<QString>("expectedState");
    QTest::addColumn<double>("expectedFailureRate");

    // Window: the last 10 whole seconds, at least 4 calls, opens at 50% failures.
    QTest::newRow("failures within ten seconds trip") << QList<int>{0, 1000, 5000, 9900} << "FFSS"
                                                      << "OPEN" << 50.0;
    QTest::newRow("failures older than the window are forgotten")
        << QList<int>{0, 500, 1000, 11000, 11500, 12000, 12500} << "FFFSSSF"
        << "CLOSED" << 25.0;
    QTest::newRow("a whole second expires at once")
        << QList<int>{0, 900, 10000, 10100, 10200} << "FFSSF"
        << "CLOSED" << -1.0;
    QTest::newRow("a long silence clears every bucket")
        << QList<int>{0, 100, 200, 100000, 100100, 100200, 100300} << "FFFSSSF"
        << "CLOSED" << 25.0;
    QTest::newRow("many calls in one bucket")
        << QList<int>{9000, 9100, 9200, 9300, 9400, 9500} << "SSSFFF"
        << "OPEN" << 50.0;
}

void TestCircuitBreaker::timeBasedWindow()
{
    QFETCH(QList<int>, atMs);
    QFETCH(QString, outcomes);
    QFETCH(QString, expectedState);
    QFETCH(double, expectedFailureRate);

    CircuitBreakerConfig config = smallConfig(10, 4);
    config.slidingWindowType = WindowType::TIME_BASED;
    CircuitBreaker breaker(config);
    for (int i = 0; i < atMs.size(); ++i)
        feed(breaker, at(atMs[i]), outcomes.mid(i, 1));
    QCOMPARE(stateOf(breaker, at(atMs.last())), expectedState);
    QCOMPARE(breaker.failureRate(), expectedFailureRate);
}

void TestCircuitBreaker::openShortCircuitsUntilWaitElapses()
{
    CircuitBreaker breaker(smallConfig(4, 4));
    trip(breaker);
    QVERIFY(!breaker.tryAcquirePermission(at(1)));
    QVERIFY(!breaker.tryAcquirePermission(at(2999)));
    QCOMPARE(breaker.state(at(2999)), State::OPEN);
    // No call needed: observing the state after the wait moves it on.
    QCOMPARE(breaker.state(at(3000)), State::HALF_OPEN);
    QCOMPARE(breaker.failureRate(), -1.0);
}

void TestCircuitBreaker::halfOpenTrials_data()
{
    QTest::addColumn<QString>("trials");
    QTest::addColumn<QString>("expectedState");

    // Three trial calls; failure and slow thresholds 50%.
    QTest::newRow("all succeed") << "SSS"
                                 << "CLOSED";
    QTest::newRow("one of three fails") << "SSF"
                                        << "CLOSED";
    QTest::newRow("two of three fail") << "SFF"
                                       << "OPEN";
    QTest::newRow("two of three slow") << "ssS"
                                       << "OPEN";
    QTest::newRow("all fail") << "FFF"
                              << "OPEN";
    QTest::newRow("waiting for the last trial") << "SS"
                                                << "HALF_OPEN";
}

void TestCircuitBreaker::halfOpenTrials()
{
    QFETCH(QString, trials);
    QFETCH(QString, expectedState);

    CircuitBreaker breaker(smallConfig(4, 4, 50, 50));
    trip(breaker);
    feed(breaker, at(3000), trials);
    QCOMPARE(stateOf(breaker, at(3000)), expectedState);
    if (expectedState == "CLOSED") // a fresh window: the trials do not count against it
        QCOMPARE(breaker.failureRate(), -1.0);
}

void TestCircuitBreaker::halfOpenLimitsTrialCalls()
{
    CircuitBreaker breaker(smallConfig(4, 4));
    trip(breaker);
    for (int i = 0; i < 3; ++i)
        QVERIFY(breaker.tryAcquirePermission(at(3000)));
    QVERIFY(!breaker.tryAcquirePermission(at(3000)));
    // A trial that never ran gives its permission back, once.
    breaker.releasePermission();
    QVERIFY(breaker.tryAcquirePermission(at(3001)));
    QVERIFY(!breaker.tryAcquirePermission(at(3001)));
    breaker.onResult(at(3100), fast, false);
    breaker.onResult(at(3100), fast, false);
    QCOMPARE(breaker.state(at(3100)), State::HALF_OPEN);
    breaker.onResult(at(3100), fast, false);
    QCOMPARE(breaker.state(at(3100)), State::CLOSED);
}

void TestCircuitBreaker::reopeningRestartsTheWait()
{
    CircuitBreaker breaker(smallConfig(4, 4));
    trip(breaker);
    feed(breaker, at(3000), QStringLiteral("FFF"));
    QCOMPARE(breaker.state(at(3000)), State::OPEN);
    QCOMPARE(breaker.failureRate(), 100.0);
    QVERIFY(!breaker.tryAcquirePermission(at(5999)));
    QVERIFY(breaker.tryAcquirePermission(at(6000)));
}

void TestCircuitBreaker::resultsWhileOpenAreIgnored()
{
    CircuitBreaker breaker(smallConfig(4, 4));
    trip(breaker);
    // Calls let through before the trip that finish while OPEN.
    for (int i = 0; i < 10; ++i)
        breaker.onResult(at(100), fast, false);
    QCOMPARE(breaker.failureRate(), 100.0);
    QCOMPARE(breaker.state(at(3000)), State::HALF_OPEN);
}

void TestCircuitBreaker::operatorOverrides()
{
    CircuitBreaker breaker(smallConfig(4, 4));

    breaker.transitionToDisabled();
    feed(breaker, t0, QStringLiteral("FFFFFFFF"));
    QCOMPARE(breaker.state(t0), State::DISABLED);

    breaker.transitionToForcedOpen();
    QVERIFY(!breaker.tryAcquirePermission(t0));
    QVERIFY(!breaker.tryAcquirePermission(t0 + seconds(3600)));
    QCOMPARE(breaker.state(t0 + seconds(3600)), State::FORCED_OPEN);

    breaker.transitionToClosed();
    QCOMPARE(breaker.state(t0), State::CLOSED);
    feed(breaker, t0, QStringLiteral("SSF"));
    // Already CLOSED: keeps its window, so one more failure trips it.
    breaker.transitionToClosed();
    feed(breaker, t0, QStringLiteral("F"));
    QCOMPARE(breaker.state(t0), State::OPEN);

    breaker.reset();
    QCOMPARE(breaker.state(t0), State::CLOSED);
    QCOMPARE(breaker.failureRate(), -1.0);
    feed(breaker, t0, QStringLiteral("SSF"));
    breaker.reset();
    feed(breaker, t0, QStringLiteral("F"));
    QCOMPARE(breaker.state(t0), State::CLOSED);
}

void TestCircuitBreaker::observerSeesEveryTransitionWithReason()
{
    CircuitBreaker breaker(smallConfig(8, 8));
    QStringList seen;
    breaker.setOnStateChange([&](State from, State to, const QString &reason) {
        // Runs after the change and outside the lock: calling back in sees the new state.
        QCOMPARE(breaker.state(t0), to);
        seen << CircuitBreaker::stateName(from) + "->" + CircuitBreaker::stateName(to) + ": " +
                    reason;
    });

    feed(breaker, t0, QStringLiteral("SSSFFFFF"));
    QVERIFY(!breaker.tryAcquirePermission(at(1000)));
    feed(breaker, at(3000), QStringLiteral("FFS"));
    feed(breaker, at(6000), QStringLiteral("SSs"));
    breaker.transitionToForcedOpen();
    breaker.transitionToForcedOpen();
    breaker.reset();

    const QStringList expected = {
        "CLOSED->OPEN: failure rate 62.5% >= 50% over 8 calls",
        "OPEN->HALF_OPEN: waited 3000 ms in OPEN",
        "HALF_OPEN->OPEN: failure rate 66.6667% >= 50% over 3 calls",
        "OPEN->HALF_OPEN: waited 3000 ms in OPEN",
        "HALF_OPEN->CLOSED: failure rate 0% < 50% and slow call rate 33.3333% < 100% over 3 calls",
        "CLOSED->FORCED_OPEN: forced open by operator",
        "FORCED_OPEN->CLOSED: reset",
    };
    QCOMPARE(seen, expected);
}

// At 20 requests per second, the demo preset must open within about two
// seconds of a total outage and close within about five of its end.
void TestCircuitBreaker::demoPresetTripsAndRecoversWithinSeconds()
{
    CircuitBreaker breaker(CircuitBreakerConfig::demo());
    const int faultStartMs = 10000, faultEndMs = 20000;
    int openedAtMs = -1, closedAtMs = -1;
    for (int ms = 0; ms < 30000; ms += 50) {
        const bool failing = ms >= faultStartMs && ms < faultEndMs;
        if (breaker.tryAcquirePermission(at(ms)))
            breaker.onResult(at(ms), milliseconds(20), failing);
        const State state = breaker.state(at(ms));
        if (openedAtMs < 0 && state == State::OPEN)
            openedAtMs = ms;
        if (openedAtMs >= 0 && closedAtMs < 0 && ms >= faultEndMs && state == State::CLOSED)
            closedAtMs = ms;
    }
    QVERIFY2(openedAtMs >= faultStartMs && openedAtMs - faultStartMs <= 2000,
             qPrintable(QString::number(openedAtMs)));
    QVERIFY2(closedAtMs >= faultEndMs && closedAtMs - faultEndMs <= 5000,
             qPrintable(QString::number(closedAtMs)));
}

void TestCircuitBreaker::halfOpenPermitsAreExactUnderContention()
{
    CircuitBreakerConfig config = smallConfig(4, 4);
    config.permittedNumberOfCallsInHalfOpenState = 10;
    CircuitBreaker breaker(config);
    trip(breaker);

    std::atomic<int> granted = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i)
                granted += breaker.tryAcquirePermission(at(3000 + i));
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    QCOMPARE(granted.load(), 10);
    QCOMPARE(breaker.state(at(5000)), State::HALF_OPEN);
}

// CircuitBreakerStateMachineTest in CLOSED, one call per character at the
// given times (S, F, s, f as feed()).
void TestCircuitBreaker::stateMachine_data()
{
    QTest::addColumn<QList<int>>("atMs");
    QTest::addColumn<QString>("outcomes");
    QTest::addColumn<QString>("expectedState");
    QTest::addColumn<double>("expectedFailureRate");
    QTest::addColumn<double>("expectedSlowRate");

    QTest::newRow("shouldOpenAfterFailureRateThresholdExceeded")
        << QList<int>{0, 0, 0, 0, 0} << "FFFSS"
        << "OPEN" << 60.0 << 0.0;
    QTest::newRow("shouldOpenAfterFailureRateThresholdExceeded2: 40% of five")
        << QList<int>{0, 1000, 2000, 3000, 4000} << "SSSFF"
        << "CLOSED" << 40.0 << 0.0;
    QTest::newRow("shouldOpenAfterFailureRateThresholdExceeded2: 50% of six")
        << QList<int>{0, 1000, 2000, 3000, 4000, 5000} << "SSSFFF"
        << "OPEN" << 50.0 << 0.0;
    QTest::newRow("shouldOpenAfterSlowCallRateThresholdExceeded")
        << QList<int>{0, 0, 0, 0, 0} << "fsFSs"
        << "OPEN" << 40.0 << 60.0;
    // Each call takes the clock forward by its duration and is recorded when it ends.
    QTest::newRow("shouldOpenAfterSlowCallRateThresholdExceededUsingMockClock")
        << QList<int>{5000, 10000, 11000, 12000, 17000} << "ssSSs"
        << "OPEN" << 0.0 << 60.0;
    QTest::newRow("shouldOpenAfterSlowCallRateThresholdExceededUsingMockClock: 2 of 4 below the "
                  "minimum")
        << QList<int>{0, 5000, 10000, 11000} << "ssSS"
        << "CLOSED" << -1.0 << -1.0;
}

void TestCircuitBreaker::stateMachine()
{
    QFETCH(QList<int>, atMs);
    QFETCH(QString, outcomes);
    QFETCH(QString, expectedState);
    QFETCH(double, expectedFailureRate);
    QFETCH(double, expectedSlowRate);

    CircuitBreaker breaker(stateMachineTestConfig());
    for (int i = 0; i < atMs.size(); ++i)
        feed(breaker, at(atMs[i]), outcomes.mid(i, 1));
    const TimePoint last = at(atMs.last());
    QCOMPARE(stateOf(breaker, last), expectedState);
    QCOMPARE(breaker.failureRate(last), expectedFailureRate);
    QCOMPARE(breaker.slowCallRate(last), expectedSlowRate);
}

// HALF_OPEN decides once min(minimumNumberOfCalls,
// permittedNumberOfCallsInHalfOpenState) trial calls have reported
// (CircuitBreakerMetrics.forHalfOpen), not when every permitted one has.
void TestCircuitBreaker::halfOpenDecidesAtTheMinimum_data()
{
    QTest::addColumn<int>("minimumCalls");
    QTest::addColumn<int>("permitted");
    QTest::addColumn<QString>("trials");
    QTest::addColumn<QString>("expectedState");
    QTest::addColumn<double>("expectedFailureRate");
    QTest::addColumn<double>("expectedSlowRate");

    // CircuitBreakerStateMachineTest: minimum 5, 4 permitted, so 4 decide.
    QTest::newRow("shouldTransitionBackToOpenStateWhenFailureRateIsAboveThreshold")
        << 5 << 4 << "FFSF"
        << "OPEN" << 75.0 << 0.0;
    QTest::newRow("shouldTransitionBackToOpenStateWhenSlowCallRateIsAboveThreshold")
        << 5 << 4 << "sssS"
        << "OPEN" << 0.0 << 75.0;
    QTest::newRow("shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold")
        << 5 << 4 << "FSSS"
        << "CLOSED" << -1.0 << -1.0;
    QTest::newRow("shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold: 3 of 4")
        << 5 << 4 << "FSS"
        << "HALF_OPEN" << -1.0 << -1.0;
    // The same rule with a minimum below the permitted calls.
    QTest::newRow("forHalfOpen: minimum 2 of 4 permitted, two failures of two re-open")
        << 2 << 4 << "FF"
        << "OPEN" << 100.0 << 0.0;
    QTest::newRow("forHalfOpen: minimum 2 of 4 permitted, two successes close")
        << 2 << 4 << "SS"
        << "CLOSED" << -1.0 << -1.0;
    QTest::newRow("forHalfOpen: minimum 2 of 4 permitted, one call decides nothing")
        << 2 << 4 << "F"
        << "HALF_OPEN" << -1.0 << -1.0;
}

void TestCircuitBreaker::halfOpenDecidesAtTheMinimum()
{
    QFETCH(int, minimumCalls);
    QFETCH(int, permitted);
    QFETCH(QString, trials);
    QFETCH(QString, expectedState);
    QFETCH(double, expectedFailureRate);
    QFETCH(double, expectedSlowRate);

    CircuitBreakerConfig config = stateMachineTestConfig();
    config.minimumNumberOfCalls = minimumCalls;
    config.permittedNumberOfCallsInHalfOpenState = permitted;
    CircuitBreaker breaker(config);
    feed(breaker, t0, QString(minimumCalls, u'F')); // trips at its minimum
    QCOMPARE(breaker.state(t0), State::OPEN);
    const TimePoint trial = t0 + seconds(5);
    QCOMPARE(breaker.state(trial), State::HALF_OPEN);
    feed(breaker, trial, trials);
    QCOMPARE(stateOf(breaker, trial), expectedState);
    QCOMPARE(breaker.failureRate(trial), expectedFailureRate);
    QCOMPARE(breaker.slowCallRate(trial), expectedSlowRate);
}

// SlidingTimeWindowMetricsTest and FixedSizeSlidingWindowMetricsTest: the
// window's counts after each call ('.' reads without a call). A time-based
// window is moved to the current second on every read, so calls older than
// the window are gone whether or not a call was recorded since. The rates
// are those of the breaker's Metrics with minimumNumberOfCalls 1, compared
// where the window holds a call (an empty Snapshot says 0 upstream, the
// breaker's Metrics -1); thresholds above 100 % keep the breaker CLOSED.
void TestCircuitBreaker::slidingWindowMetrics_data()
{
    QTest::addColumn<bool>("timeBased");
    QTest::addColumn<int>("windowSize");
    QTest::addColumn<QList<int>>("atMs");
    QTest::addColumn<QString>("outcomes");
    QTest::addColumn<QList<int>>("expectedCalls");
    QTest::addColumn<QList<int>>("expectedFailed");
    QTest::addColumn<QList<int>>("expectedSlow");
    QTest::addColumn<QList<double>>("expectedFailureRate");

    using L = QList<int>;
    using D = QList<double>;
    for (const bool timeBased : {true, false}) {
        const char *test =
            timeBased ? "SlidingTimeWindowMetricsTest" : "FixedSizeSlidingWindowMetricsTest";
        QTest::addRow("%s.testRecordSuccess", test)
            << timeBased << 5 << L{0} << "S" << L{1} << L{0} << L{0} << D{0};
        QTest::addRow("%s.testRecordError", test)
            << timeBased << 5 << L{0} << "F" << L{1} << L{1} << L{0} << D{100};
        QTest::addRow("%s.testRecordSlowSuccess", test)
            << timeBased << 5 << L{0} << "s" << L{1} << L{0} << L{1} << D{0};
        QTest::addRow("%s.testSlowCallsPercentage", test)
            << timeBased << 5 << L{0, 0, 0, 0, 0} << "sfSSS" << L{1, 2, 3, 4, 5} << L{0, 1, 1, 1, 1}
            << L{1, 2, 2, 2, 2} << D{0, 50, 100.0 / 3, 25, 20};
    }
    QTest::newRow("SlidingTimeWindowMetricsTest.testSlidingTimeWindowMetrics")
        << true << 5 << L{0, 100, 200, 1200, 2200, 3200, 4200, 5200, 6200, 11200} << "FSSSSFSSSS"
        << L{1, 2, 3, 4, 5, 6, 7, 5, 5, 1} << L{1, 1, 1, 1, 1, 2, 2, 1, 1, 0}
        << L{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
        << D{100, 50, 100.0 / 3, 25, 20, 200.0 / 6, 200.0 / 7, 20, 20, 0};
    QTest::newRow("SlidingTimeWindowMetricsTest.shouldClearSlidingTimeWindowMetrics")
        << true << 5 << L{0, 100, 800, 4800, 5800, 5900, 10900} << "FSf..SS"
        << L{1, 2, 3, 3, 0, 1, 1} << L{1, 1, 2, 2, 0, 0, 0} << L{0, 0, 1, 1, 0, 0, 0}
        << D{100, 50, 200.0 / 3, 200.0 / 3, 0, 0, 0};
    // An idle edge: its failures age out without a call to push them out.
    QTest::newRow("SlidingTimeWindowMetricsTest.shouldClearSlidingTimeWindowMetrics: an idle edge "
                  "forgets")
        << true << 10 << L{0, 0, 0, 9999, 10000} << "FFF.." << L{1, 2, 3, 3, 0} << L{1, 2, 3, 3, 0}
        << L{0, 0, 0, 0, 0} << D{100, 100, 100, 100, 0};
    QTest::newRow("FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetrics")
        << false << 4 << L{0, 0, 0, 0, 0} << "FSSSS" << L{1, 2, 3, 4, 4} << L{1, 1, 1, 1, 0}
        << L{0, 0, 0, 0, 0} << D{100, 50, 100.0 / 3, 25, 0};
    QTest::newRow("FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetricsWithSlowCalls")
        << false << 2 << L{0, 0, 0, 0, 0} << "fsSSS" << L{1, 2, 2, 2, 2} << L{1, 1, 0, 0, 0}
        << L{1, 2, 1, 0, 0} << D{100, 50, 0, 0, 0};
}

void TestCircuitBreaker::slidingWindowMetrics()
{
    QFETCH(bool, timeBased);
    QFETCH(int, windowSize);
    QFETCH(QList<int>, atMs);
    QFETCH(QString, outcomes);
    QFETCH(QList<int>, expectedCalls);
    QFETCH(QList<int>, expectedFailed);
    QFETCH(QList<int>, expectedSlow);
    QFETCH(QList<double>, expectedFailureRate);

    CircuitBreakerConfig config = smallConfig(windowSize, 1, 101, 101);
    config.slidingWindowType = timeBased ? WindowType::TIME_BASED : WindowType::COUNT_BASED;
    CircuitBreaker breaker(config);
    for (int i = 0; i < atMs.size(); ++i) {
        if (outcomes[i] != u'.')
            feed(breaker, at(atMs[i]), outcomes.mid(i, 1));
        const CircuitBreaker::Metrics m = breaker.metrics(at(atMs[i]));
        const QByteArray where = QByteArray::number(i);
        QVERIFY2(m.bufferedCalls == expectedCalls[i], where);
        QVERIFY2(m.failedCalls == expectedFailed[i], where);
        QVERIFY2(m.slowCalls == expectedSlow[i], where);
        QVERIFY2(m.bufferedCalls == 0 ? m.failureRate == -1
                                      : qFuzzyCompare(m.failureRate, expectedFailureRate[i]),
                 where + " failure rate " + QByteArray::number(m.failureRate));
    }
    QCOMPARE(breaker.state(at(atMs.last())), State::CLOSED);
}

// CircuitBreakerStateMachineTest with its setUp (stateMachineTestConfig),
// as steps "T word…" at T ms after t0: S F s f (a call each, as feed()),
// allow / deny (a permission asked for, granted or refused, with no result
// yet), ok / err (the result of a permitted call), release (a permission
// given back), disable / forceOpen / reset (operator actions), a state name
// (the state now), calls=N failed=N rate=R (the metrics now; R -1 below the
// minimum). Upstream's transitionToOpenState is a trip by five failures
// here, so the OPEN window holds them; the rows compare states and
// permissions there.
void TestCircuitBreaker::stateMachineScript_data()
{
    QTest::addColumn<QStringList>("steps");

    QTest::newRow("shouldOnlyPermitFourCallsInHalfOpenState") << QStringList{
        "0 FFFFF OPEN", "5000 HALF_OPEN allow allow allow allow deny deny",
        "5000 err err err err OPEN", "10000 allow allow allow allow deny deny HALF_OPEN"};
    QTest::newRow("shouldThrowCallNotPermittedExceptionWhenNotFurtherTestCallsArePermitted")
        << QStringList{"0 FFFFF", "5000 allow allow allow allow deny"};
    QTest::newRow("shouldIncreaseCounterOnReleasePermission")
        << QStringList{"0 FFFFF", "5000 allow allow allow allow deny deny release allow deny"};
    QTest::newRow("shouldTransitionToHalfOpenAfterWaitDuration") << QStringList{
        "0 FFFFF OPEN deny", "3000 OPEN deny", "6000 allow HALF_OPEN calls=0 rate=-1"};
    QTest::newRow("shouldOpenAfterFailureRateThresholdExceeded2")
        << QStringList{"0 S",
                       "1000 S",
                       "2000 S",
                       "3000 F",
                       "4000 F CLOSED rate=40",
                       "5000 CLOSED F",
                       "5000 OPEN calls=6 failed=3 rate=50"};
    QTest::newRow("shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold")
        << QStringList{"0 FFFFF", "5000 FSSS CLOSED calls=0 rate=-1", "5000 allow CLOSED",
                       "5000 S calls=1 failed=0 rate=-1"};
    QTest::newRow("shouldResetMetrics")
        << QStringList{"0 CLOSED calls=0", "0 SF calls=2 failed=1 rate=-1",
                       "0 reset CLOSED calls=0 failed=0 rate=-1"};
    QTest::newRow("shouldDisableCircuitBreaker")
        << QStringList{"0 disable DISABLED calls=0 rate=-1", "0 SFFFFFFF DISABLED calls=0 rate=-1"};
    QTest::newRow("shouldForceOpenCircuitBreaker")
        << QStringList{"0 forceOpen FORCED_OPEN deny", "6000 deny FORCED_OPEN calls=0 rate=-1"};
    QTest::newRow("shouldResetToClosedState") << QStringList{"0 FFFFF OPEN", "0 reset CLOSED"};
    QTest::newRow("shouldResetClosedState")
        << QStringList{"0 SS calls=2", "0 reset CLOSED calls=0"};
}

void TestCircuitBreaker::stateMachineScript()
{
    QFETCH(QStringList, steps);

    const QStringList states{"CLOSED", "OPEN", "HALF_OPEN", "DISABLED", "FORCED_OPEN"};
    const QRegularExpression calls(QRegularExpression::anchoredPattern(QStringLiteral("[SFsf]+")));
    CircuitBreaker breaker(stateMachineTestConfig());
    for (const QString &step : steps) {
        QStringList words = step.split(u' ');
        const TimePoint now = at(words.takeFirst().toDouble());
        for (const QString &word : words) {
            const QByteArray where = (step + QStringLiteral(": ") + word).toUtf8();
            const CircuitBreaker::Metrics m = breaker.metrics(now);
            if (word == QLatin1String("allow") || word == QLatin1String("deny")) {
                QVERIFY2(breaker.tryAcquirePermission(now) == (word == QLatin1String("allow")),
                         where);
            } else if (word == QLatin1String("ok") || word == QLatin1String("err")) {
                breaker.onResult(now, fast, word == QLatin1String("err"));
            } else if (word == QLatin1String("release")) {
                breaker.releasePermission();
            } else if (word == QLatin1String("disable")) {
                breaker.transitionToDisabled();
            } else if (word == QLatin1String("forceOpen")) {
                breaker.transitionToForcedOpen();
            } else if (word == QLatin1String("reset")) {
                breaker.reset();
            } else if (word.startsWith(QLatin1String("calls="))) {
                QVERIFY2(m.bufferedCalls == word.mid(6).toInt(), where);
            } else if (word.startsWith(QLatin1String("failed="))) {
                QVERIFY2(m.failedCalls == word.mid(7).toInt(), where);
            } else if (word.startsWith(QLatin1String("rate="))) {
                QVERIFY2(qFuzzyCompare(m.failureRate, word.mid(5).toDouble()),
                         where + " found " + QByteArray::number(m.failureRate));
            } else if (states.contains(word)) {
                QVERIFY2(stateOf(breaker, now) == word,
                         where + " found " + stateOf(breaker, now).toUtf8());
            } else if (calls.match(word).hasMatch()) {
                feed(breaker, now, word);
            } else {
                QFAIL("bad step " + where);
            }
        }
    }
}

QTEST_GUILESS_MAIN(TestCircuitBreaker)
#include "tst_circuitbreaker.moc"
