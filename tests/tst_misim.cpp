// The MiSim import as an architect uses it: the built `microcosm` converts
// MiSim architecture and experiment files (tests/data/misim/) into a
// scenario; the test reads the scenario it wrote (services, routes and their
// calls, edge policies, autoscaler, load and timeline), checks that what has
// no equivalent is listed with its JSON path on stderr and in the lesson,
// that a malformed MiSim file is refused with exit 2, its path and no output
// file, and that each converted scenario runs headless to a verdict.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "programrunner.h"

class TestMiSim : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void plainProbabilityRetryAndChaosMonkeys();
    void alternativesLoopsBreakerAndDelay();
    void autoscalingAndLimboProfile();
    void unmappedItemsAreListedWithTheirPaths();
    void architectureAlone();
    void malformedInputExitsWithTwo_data();
    void malformedInputExitsWithTwo();
    void optionMistakesExitWithTwo();
    void helpNamesTheOptions();
    void convertedScenarioRunsHeadless_data();
    void convertedScenarioRunsHeadless();

private:
    using Run = microcosm::test::ProgramRun;
    Run run(const QStringList &arguments, int timeoutMs = 60'000);
    static QString data(const QString &file);
    // Converts the pair named name (its -architecture.json and
    // -experiment.json) and returns the scenario written; r gets the run.
    QJsonObject convert(const QString &name, Run *r, bool withExperiment = true);
    static QJsonValue parse(const char *json);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestMiSim::initTestCase()
{
    const QString binary = microcosm::test::programBinary();
    QVERIFY2(QFileInfo(binary).isExecutable(),
             qPrintable(binary + QStringLiteral(" is not built")));
}

void TestMiSim::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

TestMiSim::Run TestMiSim::run(const QStringList &arguments, int timeoutMs)
{
    return microcosm::test::runProgram(arguments, timeoutMs, m_dir->path());
}

QString TestMiSim::data(const QString &file)
{
    return QStringLiteral(MICROCOSM_SOURCE_DIR "/tests/data/misim/") + file;
}

QJsonValue TestMiSim::parse(const char *json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json));
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

QJsonObject TestMiSim::convert(const QString &name, Run *r, bool withExperiment)
{
    const QString out = m_dir->filePath(name + QStringLiteral("-scenario.json"));
    QStringList args{QStringLiteral("--import-misim"),
                     data(name + QStringLiteral("-architecture.json"))};
    if (withExperiment)
        args << QStringLiteral("--experiment") << data(name + QStringLiteral("-experiment.json"));
    args << QStringLiteral("--output") << out;
    *r = run(args);
    QFile file(out);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

namespace {

QJsonObject services(const QJsonObject &scenario)
{
    return scenario.value(QStringLiteral("architecture"))
        .toObject()
        .value(QStringLiteral("services"))
        .toObject();
}

QJsonObject routeOf(const QJsonObject &scenario, const QString &service, const QString &route)
{
    return services(scenario)
        .value(service)
        .toObject()
        .value(QStringLiteral("routes"))
        .toObject()
        .value(route)
        .toObject();
}

QJsonObject edge(const QJsonObject &scenario, const QString &name)
{
    return scenario.value(QStringLiteral("policies"))
        .toObject()
        .value(QStringLiteral("edges"))
        .toObject()
        .value(name)
        .toObject();
}

QString text(const QJsonValue &v)
{
    return QString::fromUtf8(v.isArray()
                                 ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                 : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
}

} // namespace

#define REQUIRE_WRITTEN(r, scenario)                                                               \
    QVERIFY2(                                                                                      \
        (r).exitCode == 0 && !(scenario).isEmpty(),                                                \
        qPrintable(QStringLiteral("exit %1\n%2\n%3").arg((r).exitCode).arg((r).out, (r).err)))

void TestMiSim::plainProbabilityRetryAndChaosMonkeys()
{
    Run r;
    const QJsonObject s = convert(QStringLiteral("shop-retry"), &r);
    REQUIRE_WRITTEN(r, s);
    QCOMPARE(s.value(QStringLiteral("title")).toString(),
             QStringLiteral("MiSim: Shop with retries"));
    QCOMPARE(s.value(QStringLiteral("duration")).toDouble(), 5.0);
    QCOMPARE(s.value(QStringLiteral("seed")).toDouble(), 7.0);
    QCOMPARE(s.value(QStringLiteral("expect")), parse(R"([{"metric":"invariants"}])"));

    // MiSim's "gateway" is not Microcosm's gateway: renamed, and said so.
    QCOMPARE(services(s).keys(),
             (QStringList{QStringLiteral("cart"), QStringLiteral("catalog"),
                          QStringLiteral("gateway-service"), QStringLiteral("payment")}));
    QVERIFY2(r.err.contains(QLatin1String(
                 "shop-retry-architecture.json: $.microservices[0].name: \"gateway\" is named "
                 "\"gateway-service\"")),
             qPrintable(r.err));
    const QJsonObject catalog = services(s).value(QStringLiteral("catalog")).toObject();
    QCOMPARE(catalog.value(QStringLiteral("replicas")).toInt(), 2); // instances
    QCOMPARE(catalog.value(QStringLiteral("workers")).toInt(), 4);  // MiSim's CPU threads
    QCOMPARE(catalog.value(QStringLiteral("loadBalancing")).toString(), QStringLiteral("random"));
    QCOMPARE(services(s)
                 .value(QStringLiteral("payment"))
                 .toObject()
                 .value(QStringLiteral("loadBalancing"))
                 .toString(),
             QStringLiteral("least-outstanding"));
    QCOMPARE(services(s)
                 .value(QStringLiteral("gateway-service"))
                 .toObject()
                 .value(QStringLiteral("workers"))
                 .toInt(),
             32); // a caller also waits on its calls
    // demand 4 on capacity 400: 4 threads of 100 each, 40 ms.
    QCOMPARE(routeOf(s, QStringLiteral("catalog"), QStringLiteral("POST /catalog/list"))
                 .value(QStringLiteral("serviceTime")),
             parse(R"({"distribution":"constant","meanMs":40})"));

    // A plain dependency; two at once, one of them with a probability.
    QCOMPARE(routeOf(s, QStringLiteral("gateway-service"),
                     QStringLiteral("POST /gateway-service/browse"))
                 .value(QStringLiteral("calls")),
             parse(R"([{"call":"POST /catalog/list"}])"));
    const QJsonValue checkout = routeOf(s, QStringLiteral("gateway-service"),
                                        QStringLiteral("POST /gateway-service/checkout"))
                                    .value(QStringLiteral("calls"));
    QVERIFY2(checkout == parse(R"([{"parallel":[{"call":"POST /cart/read"},
                                                {"call":"POST /payment/charge","probability":0.5}]}])"),
             qPrintable(text(checkout)));

    // The retry pattern on every edge of its owner.
    for (const QString &callee :
         {QStringLiteral("catalog"), QStringLiteral("cart"), QStringLiteral("payment")}) {
        const QJsonObject e = edge(s, QStringLiteral("gateway-service>") + callee);
        QCOMPARE(e.value(QStringLiteral("retry")),
                 parse(R"({"maxAttempts":3,"initialBackoffMs":50,"multiplier":2,
                           "maxBackoffMs":500,"randomizationFactor":0})"));
        QCOMPARE(e.value(QStringLiteral("perTryTimeoutMs")).toDouble(), 8000.0);
        QVERIFY(!e.contains(QStringLiteral("circuitBreaker")));
    }

    // 20 + 10 requests/s, one journey per target operation.
    QCOMPARE(s.value(QStringLiteral("load")).toObject().value(QStringLiteral("profile")),
             parse(R"({"shape":"constant","rate":30})"));
    const QJsonObject journeys = s.value(QStringLiteral("architecture"))
                                     .toObject()
                                     .value(QStringLiteral("journeys"))
                                     .toObject();
    QCOMPARE(
        journeys.value(QStringLiteral("gateway-service-browse")),
        parse(R"({"weight":66.667,"steps":[{"method":"POST","path":"/gateway-service/browse"}]})"));
    QCOMPARE(journeys.value(QStringLiteral("gateway-service-checkout"))
                 .toObject()
                 .value(QStringLiteral("weight"))
                 .toDouble(),
             33.333);

    // One of catalog's two instances, then all of payment, then two back.
    const QJsonValue timeline = s.value(QStringLiteral("timeline"));
    QVERIFY2(timeline ==
                 parse(R"([{"at":1.5,"action":"kill-replica","service":"catalog","replica":2},
                                   {"at":2.5,"action":"kill","service":"payment"},
                                   {"at":3.5,"action":"restart","service":"payment"}])"),
             qPrintable(text(timeline)));
}

void TestMiSim::alternativesLoopsBreakerAndDelay()
{
    Run r;
    const QJsonObject s = convert(QStringLiteral("alternatives-breaker"), &r);
    REQUIRE_WRITTEN(r, s);
    const QString f = QStringLiteral("frontend");
    QCOMPARE(routeOf(s, f, QStringLiteral("POST /frontend/search")).value(QStringLiteral("calls")),
             parse(R"([{"alternatives":[{"call":"POST /index/query","weight":0.8},
                                        {"call":"POST /backup/query","weight":0.2}]}])"));
    QCOMPARE(routeOf(s, f, QStringLiteral("POST /frontend/feed")).value(QStringLiteral("calls")),
             parse(R"([{"call":"POST /index/query","times":3}])"));
    QCOMPARE(routeOf(s, f, QStringLiteral("POST /frontend/page")).value(QStringLiteral("calls")),
             parse(R"([{"parallel":[{"call":"POST /index/query"},{"call":"POST /ads/pick"}],
                        "probability":0.5,"times":2}])"));

    // The breaker on each of frontend's edges; request_volume_threshold is a bulkhead.
    for (const QString &callee :
         {QStringLiteral("index"), QStringLiteral("backup"), QStringLiteral("ads")}) {
        const QJsonObject e = edge(s, QStringLiteral("frontend>") + callee);
        const QJsonObject b = e.value(QStringLiteral("circuitBreaker")).toObject();
        QCOMPARE(b.value(QStringLiteral("failureRateThreshold")).toDouble(), 50.0);
        QCOMPARE(b.value(QStringLiteral("slidingWindowType")).toString(),
                 QStringLiteral("TIME_BASED"));
        QCOMPARE(b.value(QStringLiteral("slidingWindowSize")).toInt(), 10);
        QCOMPARE(b.value(QStringLiteral("waitDurationInOpenStateMs")).toDouble(), 2000.0);
        QCOMPARE(b.value(QStringLiteral("minimumNumberOfCalls")).toInt(), 5);
        QCOMPARE(e.value(QStringLiteral("bulkhead")).toInt(), 40);
        QVERIFY(!e.contains(QStringLiteral("retry")));
    }

    // 20 + 4 requests/s, 4 more from 1 s; the delay on the link for 2 s.
    QCOMPARE(s.value(QStringLiteral("load")).toObject().value(QStringLiteral("profile")),
             parse(R"({"shape":"constant","rate":24})"));
    const QJsonValue timeline = s.value(QStringLiteral("timeline"));
    QVERIFY2(timeline == parse(R"([{"at":1,"action":"set-rate","rate":28},
                                   {"at":1,"action":"latency","from":"frontend","to":"index","ms":200,"jitterMs":200},
                                   {"at":3,"action":"clear-faults","from":"frontend","to":"index"}])"),
             qPrintable(text(timeline)));
    // A delay on one operation's calls acts on the whole link here.
    QVERIFY2(r.err.contains(
                 QLatin1String("alternatives-breaker-experiment.json: $.slow_index: Microcosm "
                               "delays every call on the link frontend>index")),
             qPrintable(r.err));
    QVERIFY2(r.err.contains(QLatin1String("alternatives-breaker-experiment.json: $.generators: the "
                                          "generators' rates change apart")),
             qPrintable(r.err));
}

void TestMiSim::autoscalingAndLimboProfile()
{
    Run r;
    const QJsonObject s = convert(QStringLiteral("autoscaling-limbo"), &r);
    REQUIRE_WRITTEN(r, s);
    const QJsonObject a =
        s.value(QStringLiteral("autoscaler")).toObject().value(QStringLiteral("worker")).toObject();
    QCOMPARE(a.value(QStringLiteral("metric")).toString(), QStringLiteral("utilization"));
    QCOMPARE(a.value(QStringLiteral("target")).toDouble(), 0.7);
    QCOMPARE(a.value(QStringLiteral("minReplicas")).toInt(), 1);
    QCOMPARE(a.value(QStringLiteral("maxReplicas")).toInt(), 4);
    QCOMPARE(a.value(QStringLiteral("syncPeriodMs")).toDouble(), 1000.0);
    QCOMPARE(a.value(QStringLiteral("behavior"))
                 .toObject()
                 .value(QStringLiteral("scaleDown"))
                 .toObject()
                 .value(QStringLiteral("stabilizationWindowSeconds"))
                 .toDouble(),
             2.0); // hold_time
    QVERIFY(r.err.contains(
        QLatin1String("$.microservices[1].s_patterns[0].strategy.config.lower_bound: "
                      "lower_bound 0.2 has no equivalent")));
    // Retry without a strategy: MiSim's default, full-jitter exponential back-off.
    QCOMPARE(edge(s, QStringLiteral("edge>worker")).value(QStringLiteral("retry")),
             parse(R"({"maxAttempts":4,"initialBackoffMs":5,"multiplier":3,
                       "maxBackoffMs":1000,"randomizationFactor":1})"));
    // The limbo profile second by second (3.5;40.2 counts 40: no change);
    // the monkey kills worker's one instance at 3 s, and MiSim's autoscaler
    // starts min_instances again at its next tick.
    QCOMPARE(s.value(QStringLiteral("load")).toObject().value(QStringLiteral("profile")),
             parse(R"({"shape":"constant","rate":10})"));
    const QJsonValue timeline = s.value(QStringLiteral("timeline"));
    QVERIFY2(timeline == parse(R"([{"at":1,"action":"set-rate","rate":20},
                                   {"at":2,"action":"set-rate","rate":40},
                                   {"at":3,"action":"kill","service":"worker"},
                                   {"at":4,"action":"set-rate","rate":10},
                                   {"at":4,"action":"restart","service":"worker"}])"),
             qPrintable(text(timeline)));
}

void TestMiSim::unmappedItemsAreListedWithTheirPaths()
{
    Run r;
    const QJsonObject s = convert(QStringLiteral("unmapped"), &r);
    REQUIRE_WRITTEN(r, s);
    const QString lesson = s.value(QStringLiteral("lesson")).toString();
    const QString a = QStringLiteral("unmapped-architecture.json: ");
    const QString e = QStringLiteral("unmapped-experiment.json: ");
    const QStringList expected{
        a + QStringLiteral("$.network_latency: MiSim's network latency"),
        a + QStringLiteral("$.microservices[0].operations[0].dependencies[0].custom_delay:"),
        a + QStringLiteral("$.microservices[0].operations[0].dependencies[0].probability: MiSim "
                           "draws the probability from 0.6 ± 0.1"),
        a + QStringLiteral("$.microservices[0].operations[0].dependencies[1].iterations: a loop "
                           "of 0 iterations makes no call"),
        a + QStringLiteral(
                "$.microservices[0].patterns[0].config.maxTries: taken as \"max_tries\""),
        a + QStringLiteral("$.microservices[0].patterns[0].strategy: linear back-off"),
        a + QStringLiteral("$.microservices[0].patterns[1].config.errorThresholdPercentage: 75 "
                           "taken as 75 %"),
        a + QStringLiteral("$.microservices[0].color: ignored"),
        a + QStringLiteral("$.microservices[0].name: \"api_gateway\" is named \"api-gateway\""),
        a + QStringLiteral("$.microservices[1].patterns[0]: no error_threshold_percentage"),
        a + QStringLiteral("$.microservices[2].operations: \"idle\" has no operation"),
        e + QStringLiteral("$.simulation_meta_data.report_location: no equivalent"),
        e + QStringLiteral("$.simulation_meta_data.report_type: no equivalent"),
        e + QStringLiteral("$.unused_scalar: ignored"),
        e + QStringLiteral(
                "$.generators[0].config.distribution: \"spike\" sends 5 requests at once"),
        e + QStringLiteral("$.actions[1]: \"store\" sends no request the delay applies to"),
        e + QStringLiteral("$.actions[2]: at 7 s, after the experiment's end (5 s)"),
    };
    for (const QString &item : expected) {
        // On stderr the file as it was given; in the lesson its name alone.
        QVERIFY2(r.err.contains(QStringLiteral("microcosm: not imported as is: ") + data(item)),
                 qPrintable(QStringLiteral("not on stderr: %1\n%2").arg(item, r.err)));
        QVERIFY2(lesson.contains(QStringLiteral("\n- ") + item),
                 qPrintable(QStringLiteral("not in the lesson: %1\n%2").arg(item, lesson)));
    }
    // Every note is in both places, and the summary counts them.
    const qsizetype notes = r.err.count(QLatin1String("microcosm: not imported as is: "));
    QCOMPARE(lesson.count(QLatin1String("\n- ")), notes);
    QVERIFY(r.out.contains(QStringLiteral("%1 MiSim item(s) not imported as is").arg(notes)));

    // What was carried over: the loop of 0 left out, the probability's mean,
    // the linear back-off as a constant one, a service of no instance killed
    // at once and summoned back, the service of no operation left out.
    QCOMPARE(services(s).keys(),
             (QStringList{QStringLiteral("api-gateway"), QStringLiteral("store")}));
    QCOMPARE(routeOf(s, QStringLiteral("api-gateway"), QStringLiteral("POST /api-gateway/get"))
                 .value(QStringLiteral("calls")),
             parse(R"([{"call":"POST /store/read","probability":0.6}])"));
    const QJsonObject link = edge(s, QStringLiteral("api-gateway>store"));
    QCOMPARE(
        link.value(QStringLiteral("retry")).toObject().value(QStringLiteral("maxAttempts")).toInt(),
        3);
    QCOMPARE(link.value(QStringLiteral("retry"))
                 .toObject()
                 .value(QStringLiteral("multiplier"))
                 .toDouble(),
             1.0);
    QCOMPARE(link.value(QStringLiteral("circuitBreaker"))
                 .toObject()
                 .value(QStringLiteral("failureRateThreshold"))
                 .toDouble(),
             75.0);
    QCOMPARE(services(s)
                 .value(QStringLiteral("store"))
                 .toObject()
                 .value(QStringLiteral("replicas"))
                 .toInt(),
             1);
    QCOMPARE(s.value(QStringLiteral("timeline")),
             parse(R"([{"at":0,"action":"kill","service":"store"},
                       {"at":1,"action":"restart","service":"store"}])"));
    QCOMPARE(s.value(QStringLiteral("seed")).toDouble(), 12345.0); // given as a string
}

void TestMiSim::architectureAlone()
{
    Run r;
    const QJsonObject s = convert(QStringLiteral("shop-retry"), &r, false);
    REQUIRE_WRITTEN(r, s);
    QCOMPARE(s.value(QStringLiteral("duration")).toDouble(), 30.0);
    QCOMPARE(s.value(QStringLiteral("load")).toObject().value(QStringLiteral("profile")),
             parse(R"({"shape":"constant","rate":10})"));
    // The operations no other one calls are the journeys.
    QCOMPARE(s.value(QStringLiteral("architecture"))
                 .toObject()
                 .value(QStringLiteral("journeys"))
                 .toObject()
                 .keys(),
             (QStringList{QStringLiteral("gateway-service-browse"),
                          QStringLiteral("gateway-service-checkout")}));
    QVERIFY(!s.contains(QStringLiteral("timeline")));
    QVERIFY(r.err.contains(QLatin1String("shop-retry-architecture.json: $: no experiment file")));
}

void TestMiSim::malformedInputExitsWithTwo_data()
{
    QTest::addColumn<QString>("architecture");
    QTest::addColumn<QString>("experiment");
    QTest::addColumn<QStringList>("messages");
    QTest::newRow("unknown operation")
        << QStringLiteral("bad-dependency-architecture.json") << QString()
        << QStringList{QStringLiteral("bad-dependency-architecture.json: "
                                      "$.microservices[0].operations[0].dependencies[0].operation: "
                                      "no operation \"fetch\" in \"back\" (there are: back.read)")};
    QTest::newRow("wrong values and types")
        << QStringLiteral("bad-values-architecture.json") << QString()
        << QStringList{
               QStringLiteral("$.microservices[0].capacity: expected an integer of at least 1, "
                              "found \"ten\""),
               QStringLiteral("$.microservices[0].operations[0].dependencies[0].type: expected a "
                              "dependency type MiSim knows: basic, alternative or loop, found "
                              "\"fork\""),
               QStringLiteral("$.microservices[0].patterns[0].type: expected an instance pattern "
                              "MiSim knows"),
               QStringLiteral("3 problem(s) in the MiSim files")};
    QTest::newRow("not JSON") << QStringLiteral("bad-json-architecture.json") << QString()
                              << QStringList{QStringLiteral(
                                     "bad-json-architecture.json: $: not valid JSON at byte")};
    QTest::newRow("experiment names what the architecture lacks")
        << QStringLiteral("shop-retry-architecture.json") << QStringLiteral("bad-experiment.json")
        << QStringList{QStringLiteral("bad-experiment.json: $.generators[0].config.operation: no "
                                      "operation \"nothing\" of \"gateway\""),
                       QStringLiteral("bad-experiment.json: $.monkey.config.microservice: no "
                                      "microservice \"nobody\""),
                       QStringLiteral("bad-experiment.json: $.odd.type: expected an experiment "
                                      "action MiSim knows")};
    QTest::newRow("missing file") << QStringLiteral("no-such-architecture.json") << QString()
                                  << QStringList{QStringLiteral("cannot open")};
}

void TestMiSim::malformedInputExitsWithTwo()
{
    QFETCH(QString, architecture);
    QFETCH(QString, experiment);
    QFETCH(QStringList, messages);
    const QString out = m_dir->filePath(QStringLiteral("never.json"));
    QStringList args{QStringLiteral("--import-misim"), data(architecture)};
    if (!experiment.isEmpty())
        args << QStringLiteral("--experiment") << data(experiment);
    args << QStringLiteral("--output") << out;
    const Run r = run(args);
    QCOMPARE(r.exitCode, 2);
    for (const QString &m : messages)
        QVERIFY2(r.err.contains(m), qPrintable(QStringLiteral("missing: %1\n%2").arg(m, r.err)));
    QVERIFY(r.err.contains(QLatin1String("no scenario was written")));
    QVERIFY2(!QFileInfo::exists(out), "an output file was made from a bad input");
}

void TestMiSim::optionMistakesExitWithTwo()
{
    const QString arch = data(QStringLiteral("shop-retry-architecture.json"));
    const QString out = m_dir->filePath(QStringLiteral("o.json"));
    const QList<std::pair<QStringList, QString>> cases{
        {{QStringLiteral("--import-misim"), arch}, QStringLiteral("needs --output")},
        {{QStringLiteral("--output"), out}, QStringLiteral("go with --import-misim")},
        {{QStringLiteral("--import-misim"), arch, QStringLiteral("--output"), out,
          QStringLiteral("--scenario"), out},
         QStringLiteral("cannot be combined with --scenario")},
        {{QStringLiteral("--import-misim"), arch, QStringLiteral("--output"),
          m_dir->filePath(QStringLiteral("missing/o.json"))},
         QStringLiteral("cannot write --output")},
    };
    for (const auto &[args, message] : cases) {
        const Run r = run(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }
    QVERIFY(!QFileInfo::exists(out));
}

void TestMiSim::helpNamesTheOptions()
{
    const Run r = run({QStringLiteral("--help")}, 20'000);
    QCOMPARE(r.exitCode, 0);
    for (const char *option :
         {"--import-misim <ARCH>", "--experiment <EXP>", "--output <SCENARIO>"})
        QVERIFY2(r.out.contains(QLatin1String(option)), option);
}

void TestMiSim::convertedScenarioRunsHeadless_data()
{
    QTest::addColumn<QString>("name");
    for (const char *name : {"shop-retry", "alternatives-breaker", "autoscaling-limbo", "unmapped"})
        QTest::newRow(name) << QString::fromLatin1(name);
}

void TestMiSim::convertedScenarioRunsHeadless()
{
    QFETCH(QString, name);
    Run r;
    const QJsonObject s = convert(name, &r);
    REQUIRE_WRITTEN(r, s);
    // The scenario parser accepts it and the run comes to a verdict: its
    // expectations held (0) or not (1), never a refused file (2).
    const Run h = run({QStringLiteral("--headless"), QStringLiteral("--scenario"),
                       m_dir->filePath(name + QStringLiteral("-scenario.json")),
                       QStringLiteral("--duration"), QStringLiteral("5"),
                       QStringLiteral("--data-dir"), m_dir->filePath(QStringLiteral("run"))},
                      120'000);
    QVERIFY2(h.exitCode == 0 || h.exitCode == 1,
             qPrintable(QStringLiteral("exit %1\n%2\n%3").arg(h.exitCode).arg(h.out, h.err)));
}

QTEST_GUILESS_MAIN(TestMiSim)
#include "tst_misim.moc"
