#include "headless.h"

#include "auditor.h"
#include "debrief.h"
#include "edgekey.h"
#include "platform.h"
#include "recording.h"
#include "recordingdocuments.h"
#include "savefile.h"
#include "scenariorun.h"
#include "scenariowriter.h"
#include "shopsession.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace microcosm {

namespace {

QJsonObject summaryJson(const EntitySummary &s)
{
    QJsonObject outcomes;
    for (int i = 0; i < OutcomeCount; ++i)
        outcomes.insert(outcomeName(Outcome(i)), qint64(s.totals[i]));
    return {{QStringLiteral("requests"), qint64(s.total())},
            {QStringLiteral("successRate"), s.successRate()},
            {QStringLiteral("outcomes"), outcomes},
            {QStringLiteral("p50Ms"), s.latency.percentileMs(0.50)},
            {QStringLiteral("p90Ms"), s.latency.percentileMs(0.90)},
            {QStringLiteral("p95Ms"), s.latency.percentileMs(0.95)},
            {QStringLiteral("p99Ms"), s.latency.percentileMs(0.99)},
            {QStringLiteral("p999Ms"), s.latency.percentileMs(0.999)},
            {QStringLiteral("maxMs"), double(s.latency.maxUs()) / 1000.0}};
}

QString row(const QString &name, const EntitySummary &s, const QString &replicas)
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
        .arg(name, -10)
        .arg(s.total(), 9)
        .arg(QString::number(100.0 * s.successRate(), 'f', 2), 9)
        .arg(QString::number(s.latency.percentileMs(0.50), 'f', 1), 8)
        .arg(QString::number(s.latency.percentileMs(0.95), 'f', 1), 8)
        .arg(QString::number(s.latency.percentileMs(0.99), 'f', 1), 8)
        .arg(replicas, 8);
}

// SIGINT and SIGTERM during a run, through a self-pipe: the handler only
// writes one byte (write() is async-signal-safe, POSIX.1-2017 2.4.3); the
// run's loop polls the pipe between its seconds.
int stopPipe[2] = {-1, -1};
volatile sig_atomic_t stopSignal = 0;

extern "C" void onStopSignal(int signal)
{
    stopSignal = signal;
    const int saved = errno;
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(stopPipe[1], &byte, 1);
    errno = saved;
}

class StopSignals
{
public:
    StopSignals()
    {
        stopSignal = 0;
        if (::pipe2(stopPipe, O_CLOEXEC | O_NONBLOCK) != 0)
            return;
        struct sigaction action = {};
        action.sa_handler = onStopSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGINT, &action, &m_oldInt);
        sigaction(SIGTERM, &action, &m_oldTerm);
        m_installed = true;
    }
    ~StopSignals()
    {
        if (!m_installed)
            return;
        sigaction(SIGINT, &m_oldInt, nullptr);
        sigaction(SIGTERM, &m_oldTerm, nullptr);
        ::close(stopPipe[0]);
        ::close(stopPipe[1]);
        stopPipe[0] = stopPipe[1] = -1;
    }
    // Sleeps until `until`; true at once when a stop signal came.
    bool waitUntil(TimePoint until)
    {
        if (!m_installed) {
            std::this_thread::sleep_until(until);
            return false;
        }
        for (;;) {
            if (stopSignal)
                return true;
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (left.count() <= 0)
                return false;
            pollfd fd{stopPipe[0], POLLIN, 0};
            if (::poll(&fd, 1, int(std::min<qint64>(left.count() + 1, 1000))) > 0) {
                char drain[16];
                while (::read(stopPipe[0], drain, sizeof drain) > 0) {
                }
            }
        }
    }
    static const char *name() { return stopSignal == SIGTERM ? "SIGTERM" : "SIGINT"; }

private:
    bool m_installed = false;
    struct sigaction m_oldInt = {}, m_oldTerm = {};
};

} // namespace

QString HeadlessOptions::effectiveRecordPath() const
{
    return recordPath.isEmpty() ? recording::defaultPath(dataDir) : recordPath;
}

Scenario HeadlessOptions::effectiveScenario() const
{
    return scenario ? *scenario : Scenario::steadyState(rate, durationSeconds, seed);
}

int runHeadless(const HeadlessOptions &options, QTextStream &out, QTextStream &err)
{
    const Scenario scenario = options.effectiveScenario();
    LoadConfig load = scenario.load;
    load.seed = scenario.seed;
    PlatformConfig platformConfig = scenario.platform;
    if (options.traceSample)
        platformConfig.traceSampleEvery = *options.traceSample;
    ShopSession session(options.dataDir, scenario.architecture, platformConfig, load);
    QJsonObject report;
    QList<ExpectationResult> results;
    std::unique_ptr<ScenarioRun> run;
    std::unique_ptr<Recorder> recorder;
    {
        Platform &platform = session.platform();
        LoadGenerator &generator = session.load();
        out << "Microcosm headless: \"" << scenario.title << "\" for " << scenario.duration
            << " s, data in " << options.dataDir << Qt::endl;
        if (!scenario.lesson.isEmpty())
            out << "  " << scenario.lesson << Qt::endl;
        if (!scenario.architecture.isShop())
            out << "  architecture \"" << scenario.architecture.name
                << "\": " << scenario.architecture.deployables().join(QStringLiteral(", "))
                << Qt::endl;
        for (const QString &warning : scenario.architecture.warnings)
            err << "microcosm: warning: " << warning << Qt::endl;
        if (!session.start()) {
            err << "microcosm: " << session.startError() << Qt::endl;
            return session.dataDirInUse() ? 2 : 1;
        }
        StopSignals stopSignals;
        if (options.httpPort) {
            net::HttpFrontOptions http;
            http.address = options.httpBind;
            http.port = *options.httpPort;
            QString error;
            if (!session.startHttp(http, &error)) {
                err << "microcosm: --http: " << error << Qt::endl;
                return 2;
            }
            out << "HTTP front: " << session.http()->url() << Qt::endl; // flushed: tests read it
        }
        {
            QString error;
            recorder = Recorder::create(options.effectiveRecordPath(), platform,
                                        scenarioToJson(scenario), &error);
            if (!recorder) {
                err << "microcosm: --record: " << error << Qt::endl;
                return 2;
            }
        }
        run = std::make_unique<ScenarioRun>(session, scenario);
        const TimePoint begin = Clock::now();
        run->start();
        recorder->setLoadStart(platform.elapsed());
        const auto total = std::chrono::duration<double>(scenario.duration);
        for (int second = 1; Clock::now() - begin < total; ++second) {
            if (stopSignals.waitUntil(
                    std::min(begin + seconds(second),
                             begin + std::chrono::duration_cast<Duration>(total)))) {
                err << "microcosm: " << StopSignals::name()
                    << ": stopping the load early; settling, auditing and reporting" << Qt::endl;
                break;
            }
            const auto g = platform.metrics().summary(EntityKey::gateway());
            out << QStringLiteral("  t=%1 s  %2 req/s  ok %3%  p99 %4 ms  in flight %5")
                       .arg(second, 3)
                       .arg(g.rps, 7, 'f', 0)
                       .arg(100.0 * (g.last.total() ? double(g.last.succeeded()) / g.last.total()
                                                    : 1.0),
                            6, 'f', 2)
                       .arg(g.last.p99, 7, 'f', 1)
                       .arg(generator.stats().inFlight)
                << Qt::endl;
        }
        const double loadSeconds = std::chrono::duration<double>(Clock::now() - begin).count();
        if (!run->settle(seconds(30)))
            err << "microcosm: services, journeys, compensations or the order outbox were still "
                   "busy "
                   "30 s after the load stopped"
                << Qt::endl;
        platform.rotateMetrics();
        recorder->flush(); // the last second's state as it was, not as the shutdown leaves it

        const SystemSnapshot snap = platform.snapshot();
        out << Qt::endl
            << QStringLiteral("%1 %2 %3 %4 %5 %6 %7")
                   .arg(QStringLiteral("service"), -10)
                   .arg(QStringLiteral("requests"), 9)
                   .arg(QStringLiteral("success%"), 9)
                   .arg(QStringLiteral("p50 ms"), 8)
                   .arg(QStringLiteral("p95 ms"), 8)
                   .arg(QStringLiteral("p99 ms"), 8)
                   .arg(QStringLiteral("replicas"), 8)
            << Qt::endl;
        QJsonArray services;
        for (const ServiceSnapshot &s : snap.services) {
            const QString replicas = QStringLiteral("%1/%2").arg(s.ready()).arg(s.replicas.size());
            out << row(s.name, s.stats, replicas) << Qt::endl;
            QJsonObject o = summaryJson(s.stats);
            o.insert(QStringLiteral("name"), s.name);
            o.insert(QStringLiteral("replicasReady"), s.ready());
            o.insert(QStringLiteral("replicas"), int(s.replicas.size()));
            o.insert(QStringLiteral("database"), s.databasePath);
            services.append(o);
        }
        out << row(QStringLiteral("gateway"), snap.gateway, QString()) << Qt::endl;

        QJsonObject edges;
        for (const EdgeSnapshot &e : snap.edges)
            edges.insert(edgeKey(e.from, e.to), summaryJson(e.stats));
        const auto stats = generator.stats();
        QJsonObject gateway = summaryJson(snap.gateway);
        gateway.insert(QStringLiteral("throughputRps"), double(snap.gateway.total()) / loadSeconds);
        gateway.insert(QStringLiteral("wastedReplies"), qint64(platform.wastedReplies()));
        QJsonObject client = summaryJson(snap.client);
        client.insert(QStringLiteral("arrivals"), qint64(stats.arrivals));
        client.insert(QStringLiteral("dropped"), qint64(stats.dropped));
        client.insert(QStringLiteral("requestsSent"), qint64(stats.requests));
        client.insert(QStringLiteral("journeysOk"), qint64(stats.journeysOk));
        client.insert(QStringLiteral("journeysFailed"), qint64(stats.journeysFailed));
        const TrackedWorkload &shop = session.workload();
        client.insert(QStringLiteral("ordersPlaced"), qint64(shop.placedCount()));
        client.insert(QStringLiteral("checkoutReplays"), qint64(shop.replayedCount()));
        client.insert(QStringLiteral("runId"), shop.runId());
        client.insert(QStringLiteral("note"),
                      QStringLiteral("latency from each request's intended send time"));
        QJsonArray events;
        for (const Event &e : platform.events().all())
            events.append(QJsonObject{{QStringLiteral("t"), e.t},
                                      {QStringLiteral("source"), e.source},
                                      {QStringLiteral("kind"), e.kind},
                                      {QStringLiteral("message"), e.message}});
        report = {{QStringLiteral("scenario"), scenario.title},
                  {QStringLiteral("durationSeconds"), loadSeconds},
                  {QStringLiteral("seed"), qint64(scenario.seed)},
                  {QStringLiteral("dataDir"), options.dataDir},
                  {QStringLiteral("services"), services},
                  {QStringLiteral("gateway"), gateway},
                  {QStringLiteral("client"), client},
                  {QStringLiteral("edges"), edges},
                  {QStringLiteral("events"), events}};
        out << QStringLiteral("client: %1 journeys arrived, %2 dropped, %3 requests sent; %4 "
                              "orders placed, %5 checkout answers were replays of a key "
                              "already used")
                   .arg(stats.arrivals)
                   .arg(stats.dropped)
                   .arg(stats.requests)
                   .arg(shop.placedCount())
                   .arg(shop.replayedCount())
            << Qt::endl;
    }
    session.shutdown(); // every thread joined and every database closed before the audit
    const AuditReport auditReport = session.runAudit();
    report.insert(QStringLiteral("audit"), auditReport.toJson());
    out << auditReport.summary() << Qt::endl;

    results = run->evaluate(auditReport);
    bool allHeld = auditReport.ok;
    // A database that could not be written fails the run, whatever else held.
    QJsonArray databaseFailures;
    for (const Platform::DatabaseFailure &f : session.platform().databaseFailures()) {
        err << "microcosm: " << f.path << " failed " << f.count
            << " time(s) during the run; last: " << f.lastReason << Qt::endl;
        databaseFailures.append(QJsonObject{{QStringLiteral("service"), f.service},
                                            {QStringLiteral("file"), f.path},
                                            {QStringLiteral("failures"), qint64(f.count)},
                                            {QStringLiteral("lastReason"), f.lastReason}});
        allHeld = false;
    }
    report.insert(QStringLiteral("databaseFailures"), databaseFailures);
    QJsonArray expectations;
    if (!results.isEmpty())
        out << Qt::endl << "expectations:" << Qt::endl;
    for (const ExpectationResult &r : results) {
        out << "  " << r.text() << Qt::endl;
        allHeld = allHeld && r.held;
        expectations.append(expectationJson(r));
    }
    report.insert(QStringLiteral("expectations"), expectations);
    report.insert(QStringLiteral("passed"), allHeld);

    // The recording ends with the run's documents; the report says where it
    // is, and the debrief is told from what it holds.
    bool recordingFailed = false;
    {
        QString error;
        if (const auto debrief = debriefSoFar(*recorder, auditReport, &error)) {
            out << Qt::endl << debrief->text << Qt::endl;
            report.insert(QStringLiteral("debrief"), debrief->toJson());
        } else {
            err << "microcosm: no debrief: " << error << Qt::endl;
        }
    }
    report.insert(QStringLiteral("recording"),
                  QJsonObject{{QStringLiteral("file"), recorder->path()},
                              {QStringLiteral("seconds"), recorder->secondsWritten()},
                              {QStringLiteral("events"), recorder->eventsWritten()}});
    {
        QString error;
        // With copies of the databases as the run left them (the session is
        // shut down: nothing writes them), for a replay's inspector.
        const std::map<QString, QByteArray> documents =
            endOfRunDocuments(session, report, auditReport,
                              report.value(QStringLiteral("debrief"))
                                  .toObject()
                                  .value(QStringLiteral("text"))
                                  .toString());
        if (recorder->finish(documents, &error))
            out << "recording: " << recorder->secondsWritten() << " seconds and "
                << recorder->eventsWritten() << " events in " << recorder->path() << Qt::endl;
        else {
            err << "microcosm: " << error << Qt::endl;
            recordingFailed = true;
        }
        recorder.reset();
    }
    out << (allHeld                       ? "RESULT: every expectation held"
            : !databaseFailures.isEmpty() ? "RESULT: FAILED — a database could not be written"
                                          : "RESULT: an expectation failed")
        << Qt::endl;

    if (!options.csvPath.isEmpty()) {
        QString error;
        if (!run->writeCsv(options.csvPath, options.csvLayout, &error)) {
            err << "microcosm: " << error << Qt::endl;
            return 2;
        }
        out << "per-second metrics written to " << options.csvPath << Qt::endl;
    }

    if (!options.tracesPath.isEmpty()) {
        QString error;
        const TraceStore &traces = session.platform().traces();
        if (!writeWhole(options.tracesPath, exportTraces(session.platform(), options.traceFormat),
                        &error)) {
            err << "microcosm: the traces were not written: " << error << Qt::endl;
            return 2;
        }
        out << traces.size() << " traces (" << traceFormatName(options.traceFormat)
            << ", one users' request in " << session.platform().traceSampling() << " sampled; "
            << traces.dropped() << " older ones dropped) written to " << options.tracesPath
            << Qt::endl;
    }

    if (!options.reportPath.isEmpty()) {
        QString error;
        if (!writeWhole(options.reportPath, QJsonDocument(report).toJson(QJsonDocument::Indented),
                        &error)) {
            err << "microcosm: the report was not written: " << error << Qt::endl;
            return 2;
        }
        out << "report written to " << options.reportPath << Qt::endl;
    }
    // A recording that could not be written is an output that failed, but it
    // does not hide a run that failed (a full disk fails both).
    return !allHeld ? 1 : recordingFailed ? 2 : 0;
}

} // namespace microcosm
