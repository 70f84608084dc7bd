// `microcosm compare`: two real recordings (the cascading-failure presets,
// without and with timeouts and a breaker, run headless in this process)
// compared figure by figure, and the --fail-if gate over them.
#include "compare.h"
#include "headless.h"
#include "recording.h"
#include "scenario.h"
#include "testsupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace microcosm;

namespace {

struct CommandRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

CommandRun compare(const QStringList &args)
{
    CommandRun run;
    QTextStream out(&run.out);
    QTextStream err(&run.err);
    run.exitCode = runCompare(args, out, err);
    out.flush();
    err.flush();
    return run;
}

} // namespace

class TestCompare : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void figuresMatchTheRecordings();
    void breakerShortCircuitsWhereTheOtherHasNone();
    void failIfFailsOnlyWhereBIsWorse_data();
    void failIfFailsOnlyWhereBIsWorse();
    void aRecordingAgainstItselfIsTheSame();
    void parsesRules_data();
    void parsesRules();
    void badRulesAreRefused_data();
    void badRulesAreRefused();
    void aFileThatIsNotARecordingIsRefused();
    void jsonHoldsTheTable();
    void helpPrintsUsage();

private:
    QTemporaryDir m_dir;
    QString m_noTimeouts; // A: the slow link holds the order service's threads
    QString m_breaker;    // B: timeouts and a breaker contain it
    std::optional<Recording> m_a, m_b;
};

void TestCompare::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const auto &[preset, path] :
         {std::pair{QStringLiteral("cascade-no-timeouts"), &m_noTimeouts},
          std::pair{QStringLiteral("cascade-with-breaker"), &m_breaker}}) {
        QString problem;
        *path = test::recordShortenedPreset(preset, m_dir.filePath(preset), &problem);
        QVERIFY2(!path->isEmpty(), qPrintable(problem));
    }
    QString error;
    m_a = Recording::open(m_noTimeouts, &error);
    QVERIFY2(m_a, qPrintable(error));
    m_b = Recording::open(m_breaker, &error);
    QVERIFY2(m_b, qPrintable(error));
    QVERIFY(m_a->complete() && m_b->complete());
}

void TestCompare::figuresMatchTheRecordings()
{
    const CompareTable t = compareRecordings(*m_a, *m_b);
    QCOMPARE(t.a.path, m_noTimeouts);
    QCOMPARE(t.a.title, QStringLiteral("Cascading failure: no timeouts"));
    QCOMPARE(t.b.title, QStringLiteral("Cascading failure: timeouts and a breaker"));
    QCOMPARE(t.a.seconds, int(m_a->seconds().size()));
    // 18 s of load, give or take the second the load started in.
    QVERIFY2(std::abs(t.a.loadSeconds - 18) < 1.5, qPrintable(QString::number(t.a.loadSeconds)));

    // Throughput over the load's seconds is the gateway's request count
    // over them, and that count is the one the run itself reported.
    const EntitySummary gateway = m_a->total(QStringLiteral("gateway"));
    const QJsonObject reported = m_a->report().value(QStringLiteral("gateway")).toObject();
    QCOMPARE(qint64(gateway.total()), reported.value(QStringLiteral("requests")).toInteger());
    const CompareRow *throughput = t.find(QStringLiteral("gateway"), CompareFigure::Throughput);
    QVERIFY(throughput && throughput->a);
    QCOMPARE(std::llround(*throughput->a * t.a.loadSeconds), qint64(gateway.total()));
    const CompareRow *success = t.find(QStringLiteral("gateway"), CompareFigure::SuccessRate);
    QVERIFY(success && success->a);
    QCOMPARE(*success->a, 100.0 * reported.value(QStringLiteral("successRate")).toDouble());
    const CompareRow *p99 = t.find(QStringLiteral("gateway"), CompareFigure::P99);
    QVERIFY(p99 && p99->a);
    QCOMPARE(*p99->a, reported.value(QStringLiteral("p99Ms")).toDouble());

    // Every service's count of timeouts is its recorded total's.
    for (const QString &service :
         {QStringLiteral("product"), QStringLiteral("cart"), QStringLiteral("order")}) {
        const QString entity = QStringLiteral("service:") + service;
        const double recorded = double(m_b->total(entity).totals[std::size_t(Outcome::Timeout)]);
        const CompareRow *row = t.find(entity, CompareFigure::Timeouts);
        QCOMPARE(row ? row->b.value_or(-1) : 0.0, recorded);
        const CompareRow *replicas = t.find(entity, CompareFigure::MaxReplicas);
        QVERIFY(replicas && replicas->a && replicas->b);
        QCOMPARE(*replicas->a, 2.0); // the shop runs two of each, and none was killed
        QCOMPARE(replicas->verdict, CompareVerdict::None);
    }

    // The lesson, as the table tells it: without timeouts order history is
    // slow; with them it stays fast.
    const CompareRow *history =
        t.find(QStringLiteral("route:order:GET /orders"), CompareFigure::P99);
    QVERIFY(history && history->a && history->b);
    QVERIFY2(*history->a > 1000, qPrintable(QString::number(*history->a)));
    QVERIFY2(*history->b < 300, qPrintable(QString::number(*history->b)));
    QCOMPARE(history->verdict, CompareVerdict::Better);
    QVERIFY(history->changePercent && *history->changePercent < -50);

    // Both expectation lists, as the reports state them.
    QCOMPARE(t.a.expectations.size(), 3);
    QCOMPARE(t.b.expectations.size(), 5);
    for (const CompareSide *side : {&t.a, &t.b})
        for (const CompareExpectation &e : side->expectations)
            QVERIFY2(e.held, qPrintable(e.text));
    QVERIFY(t.b.expectations[2].text.contains(QStringLiteral("short-circuited")));
}

void TestCompare::breakerShortCircuitsWhereTheOtherHasNone()
{
    const CompareTable t = compareRecordings(*m_a, *m_b);
    const QString edge = QStringLiteral("edge:order>product");
    const CompareRow *row = t.find(edge, CompareFigure::ShortCircuits);
    QVERIFY(row && row->a && row->b);
    QCOMPARE(*row->a, 0.0);
    QCOMPARE(*row->b, double(m_b->total(edge).totals[std::size_t(Outcome::ShortCircuited)]));
    QVERIFY(*row->b > 0);
    QCOMPARE(row->verdict, CompareVerdict::Worse);
    QVERIFY(!row->changePercent); // no percentage of nothing
    // No other edge short-circuited in either run: no row for them.
    for (const CompareRow &r : t.rows)
        if (r.figure == CompareFigure::ShortCircuits)
            QCOMPARE(r.entity, edge);

    const CommandRun run = compare({m_noTimeouts, m_breaker});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.isEmpty());
    QVERIFY(run.out.contains(QStringLiteral("  edge:order>product\n")));
    QVERIFY(run.out.contains(QStringLiteral("Cascading failure: timeouts and a breaker")));
    QVERIFY(run.out.contains(QStringLiteral("Expectations of B")));
    // A terminal's width, but for the lines naming the files (as long as their paths).
    for (const QString &line : run.out.split(QLatin1Char('\n')))
        QVERIFY2(line.size() <= 100 || line.contains(m_dir.path()), qPrintable(line));
}

void TestCompare::failIfFailsOnlyWhereBIsWorse_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<bool>("breakerIsB");
    QTest::addColumn<int>("exitCode");
    // The breaker's runs answer fast: its p99 is far below the other's.
    QTest::newRow("p99 better in B") << "p99-ms:+10%" << true << 0;
    QTest::newRow("p99 worse in B") << "p99-ms:+10%" << false << 1;
    // The breaker refuses checkouts on order>product: they short-circuit.
    QTest::newRow("short-circuits worse in B") << "short-circuits@order>product:+0" << true << 1;
    QTest::newRow("short-circuits better in B")
        << "short-circuits@edge:order>product:+0" << false << 0;
    QTest::newRow("history p99 by route") << "p99-ms@route:order:GET /orders:+50%" << true << 0;
    QTest::newRow("history p99 by route, reversed")
        << "p99-ms@route:order:GET /orders:+50%" << false << 1;
}

void TestCompare::failIfFailsOnlyWhereBIsWorse()
{
    QFETCH(QString, rule);
    QFETCH(bool, breakerIsB);
    QFETCH(int, exitCode);
    const QString a = breakerIsB ? m_noTimeouts : m_breaker;
    const QString b = breakerIsB ? m_breaker : m_noTimeouts;
    const CommandRun run = compare({a, b, QStringLiteral("--fail-if"), rule});
    QVERIFY2(run.exitCode == exitCode, qPrintable(run.out + run.err));
    const QString verdict =
        exitCode == 0 ? QStringLiteral("\n  PASS ") : QStringLiteral("\n  FAIL ");
    QVERIFY2(run.out.contains(verdict), qPrintable(run.out));
    QVERIFY(run.out.contains(exitCode == 0 ? QStringLiteral("every rule passed")
                                           : QStringLiteral("a rule failed")));
}

void TestCompare::aRecordingAgainstItselfIsTheSame()
{
    const CompareTable t = compareRecordings(*m_b, *m_b);
    QVERIFY(!t.rows.empty());
    for (const CompareRow &row : t.rows) {
        QVERIFY(row.a && row.b);
        QCOMPARE(*row.change, 0.0);
        QVERIFY2(row.verdict == (row.figure == CompareFigure::MaxReplicas ? CompareVerdict::None
                                                                          : CompareVerdict::Same),
                 qPrintable(row.entity + QLatin1Char(' ') + compareFigureName(row.figure)));
    }
    // Every figure that can be a rule, with no slack at all, holds.
    const CommandRun run =
        compare({m_breaker, m_breaker, QStringLiteral("--fail-if"),
                 QStringLiteral("success-rate:-0,throughput:-0%,p50-ms:+0,p95-ms:+0%,p99-ms:+0,"
                                "timeouts@order:+0,short-circuits@order>product:+0,fallbacks:+0,"
                                "retries@users>product:+0")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    QCOMPARE(run.out.count(QStringLiteral("\n  PASS ")), 9);
    QVERIFY(!run.out.contains(QStringLiteral("FAIL")));
}

void TestCompare::parsesRules_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("figure");
    QTest::addColumn<QString>("entity");
    QTest::addColumn<double>("threshold");
    QTest::addColumn<bool>("percent");
    QTest::addColumn<QString>("resolved");
    QTest::newRow("p99 percent") << "p99-ms:+10%" << int(CompareFigure::P99) << "gateway" << 10.0
                                 << true << "gateway";
    QTest::newRow("success points")
        << " success-rate@product : -0.5 " << int(CompareFigure::SuccessRate) << "product" << -0.5
        << false << "service:product";
    QTest::newRow("edge key") << "retries@users>product:+20" << int(CompareFigure::Retries)
                              << "users>product" << 20.0 << false << "edge:users>product";
    QTest::newRow("route with colons")
        << "p95-ms@route:order:GET /orders:+5" << int(CompareFigure::P95)
        << "route:order:GET /orders" << 5.0 << false << "route:order:GET /orders";
}

void TestCompare::parsesRules()
{
    QFETCH(QString, text);
    QFETCH(int, figure);
    QFETCH(QString, entity);
    QFETCH(double, threshold);
    QFETCH(bool, percent);
    QFETCH(QString, resolved);
    QString error;
    const auto rules = parseFailIf(text, &error);
    QVERIFY2(rules, qPrintable(error));
    QCOMPARE(rules->size(), 1);
    const FailRule &r = rules->first();
    QCOMPARE(int(r.figure), figure);
    QCOMPARE(r.entity, entity);
    QCOMPARE(r.threshold, threshold);
    QCOMPARE(r.percent, percent);
    QCOMPARE(resolveRuleEntity(r, *m_a, *m_b, &error), resolved);
}

void TestCompare::badRulesAreRefused_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("message");
    QTest::newRow("wrong sign") << "p99-ms:-10%"
                                << "p99-ms gets worse as it rises, so its threshold must be "
                                   "positive";
    QTest::newRow("wrong sign, success") << "success-rate:+0.5"
                                         << "success-rate gets worse as it falls";
    QTest::newRow("no sign") << "timeouts:5"
                             << "the threshold needs a sign";
    QTest::newRow("unknown figure") << "latency:+10%"
                                    << "unknown figure 'latency'";
    QTest::newRow("max replicas") << "max-replicas@product:+1"
                                  << "cannot be a rule";
    QTest::newRow("not a number") << "p99-ms:+ten%"
                                  << "the threshold '+ten%' is not a number";
    QTest::newRow("infinite") << "p99-ms:+inf"
                              << "is not a number";
    QTest::newRow("no threshold") << "p99-ms"
                                  << "expected FIGURE[@ENTITY]:THRESHOLD";
    QTest::newRow("empty rule") << "p99-ms:+10%,,timeouts:+1"
                                << "has an empty rule";
    QTest::newRow("no entity") << "p99-ms@:+10%"
                               << "nothing after '@'";
    QTest::newRow("unknown service") << "p99-ms@payment:+10%"
                                     << "neither recording has 'service:payment'";
    QTest::newRow("unknown edge") << "timeouts@cart>order:+0"
                                  << "neither recording has 'edge:cart>order'";
    QTest::newRow("retries off an edge") << "retries@product:+1"
                                         << "retries is counted on edges only";
}

void TestCompare::badRulesAreRefused()
{
    QFETCH(QString, rule);
    QFETCH(QString, message);
    const CommandRun run = compare({m_noTimeouts, m_breaker, QStringLiteral("--fail-if"), rule});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QVERIFY(run.out.isEmpty()); // refused before anything is compared
}

void TestCompare::aFileThatIsNotARecordingIsRefused()
{
    const QString text = m_dir.filePath(QStringLiteral("notes.microcosm"));
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    const QByteArray bytes("not a recording, just notes\n");
    f.write(bytes);
    f.close();

    CommandRun run = compare({m_noTimeouts, text});
    QCOMPARE(run.exitCode, 2);
    QCOMPARE(run.err.count(QLatin1Char('\n')), 1);
    QVERIFY2(run.err.contains(text + QStringLiteral(" is not a Microcosm recording")),
             qPrintable(run.err));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), bytes); // left as it was

    const QString missing = m_dir.filePath(QStringLiteral("missing.microcosm"));
    run = compare({missing, m_breaker});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(missing + QStringLiteral(": no such file")), qPrintable(run.err));
    QVERIFY(!QFile::exists(missing));

    run = compare({m_noTimeouts});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains(QStringLiteral("needs two recordings, A and B (got 1)")));
    run = compare({m_noTimeouts, m_breaker, QStringLiteral("--frail-if"), QStringLiteral("x")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(QStringLiteral("frail-if")), qPrintable(run.err));
}

void TestCompare::jsonHoldsTheTable()
{
    const QString path = m_dir.filePath(QStringLiteral("compare.json"));
    const CommandRun run = compare({m_noTimeouts, m_breaker, QStringLiteral("--json"), path,
                                    QStringLiteral("--fail-if"),
                                    QStringLiteral("p99-ms:+10%,short-circuits@order>product:+0")});
    QCOMPARE(run.exitCode, 1);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonParseError parseError;
    const QJsonObject doc = QJsonDocument::fromJson(f.readAll(), &parseError).object();
    QCOMPARE(parseError.error, QJsonParseError::NoError);

    const CompareTable t = compareRecordings(*m_a, *m_b);
    const QJsonArray rows = doc.value(QStringLiteral("rows")).toArray();
    QCOMPARE(rows.size(), qsizetype(t.rows.size()));
    bool found = false;
    for (const QJsonValue &v : rows) {
        const QJsonObject row = v.toObject();
        if (row.value(QStringLiteral("entity")) != QLatin1String("edge:order>product") ||
            row.value(QStringLiteral("figure")) != QLatin1String("short-circuits"))
            continue;
        found = true;
        QCOMPARE(row.value(QStringLiteral("a")).toDouble(), 0.0);
        QCOMPARE(row.value(QStringLiteral("b")).toDouble(),
                 *t.find(QStringLiteral("edge:order>product"), CompareFigure::ShortCircuits)->b);
        QCOMPARE(row.value(QStringLiteral("verdict")).toString(), QStringLiteral("worse"));
        QVERIFY(row.value(QStringLiteral("changePercent")).isNull());
    }
    QVERIFY(found);
    QCOMPARE(doc.value(QStringLiteral("a")).toObject().value(QStringLiteral("title")).toString(),
             t.a.title);
    const QJsonArray rules = doc.value(QStringLiteral("rules")).toArray();
    QCOMPARE(rules.size(), 2);
    QCOMPARE(rules[0].toObject().value(QStringLiteral("passed")).toBool(), true);
    QCOMPARE(rules[1].toObject().value(QStringLiteral("passed")).toBool(), false);
    QCOMPARE(doc.value(QStringLiteral("passed")).toBool(), false);
}

void TestCompare::helpPrintsUsage()
{
    const CommandRun run = compare({QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.startsWith(QStringLiteral("Usage: microcosm compare A.microcosm B.microcosm")));
    QVERIFY(run.out.contains(QStringLiteral("--fail-if")));
}

QTEST_GUILESS_MAIN(TestCompare)
#include "tst_compare.moc"
