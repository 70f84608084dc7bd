// Figure 8, the HTTP front: the same zero-work requests (GET /noop, zero
// service time) through the HTTP front on loopback, sent by real load tools,
// vs submitted in-process to the gateway, in the same run:
//   - the most each path carries: wrk (64 connections) vs an in-process closed
//     loop with as many requests in flight; ab -k is the second opinion;
//   - the latency each adds at about 5 000 requests/s: wrk paced by its Lua
//     delay() hook (50 connections, each sending its next request 10 ms after
//     the last answer; wrk times a request from its write, wrk.c
//     socket_writeable()), and hey (50 workers at 100/s each) as the second
//     opinion, vs an in-process open loop paced at 5 000/s, each latency from
//     the request's actual submit, as the tools time theirs.
// The load tool runs on the same cores as Microcosm, as it would on a
// laptop: its CPU is part of what the HTTP path costs here.

#include "benchservices.h"
#include "benchsupport.h"
#include "httpfront.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace microcosm::bench {

namespace {

constexpr int Connections = 64;
constexpr double PacedRate = 5000;
// wrk's paced run: PacedConnections connections, each waiting PacedDelayMs
// after an answer before its next request: a little under PacedRate a second.
constexpr int PacedConnections = 50;
constexpr int PacedDelayMs = 10;

Request noop()
{
    Request r;
    r.method = QStringLiteral("GET");
    r.path = QStringLiteral("/noop");
    return r;
}

// The most the gateway carries with `inFlight` requests always outstanding,
// sent by one client thread as a load tool's thread sends them: it submits,
// and each answer wakes it to submit the next (the hand-off back to the
// client is part of what a client pays, in-process or over a socket).
double closedLoopRps(Platform &platform, int inFlight, double seconds)
{
    std::mutex mutex;
    std::condition_variable answered;
    int free = inFlight, open = 0;
    std::uint64_t ok = 0;
    const TimePoint start = Clock::now();
    const TimePoint until =
        start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
    std::unique_lock lock(mutex);
    while (Clock::now() < until) {
        answered.wait(lock, [&] { return free > 0; });
        --free;
        ++open;
        lock.unlock();
        platform.gateway().submit(noop(), [&](Response r) {
            std::lock_guard guard(mutex);
            ok += r.ok() ? 1 : 0;
            ++free;
            --open;
            answered.notify_one();
        });
        lock.lock();
    }
    answered.wait(lock, [&] { return open == 0; });
    return double(ok) / secondsSince(start);
}

// Latencies (ms) of an open loop paced at `rate`, each from its submit (a
// late wake-up of the pacing thread is not the gateway's latency, and the
// load tools time a request from its write, too).
std::vector<double> pacedLatencies(Platform &platform, double rate, double seconds, int *failed)
{
    const auto count = std::size_t(rate * seconds);
    std::vector<double> latency(count, -1);
    std::atomic<std::size_t> answered{0};
    std::atomic<int> bad{0};
    const TimePoint start = Clock::now() + milliseconds(10);
    for (std::size_t i = 0; i < count; ++i) {
        const TimePoint intended =
            start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(i / rate));
        std::this_thread::sleep_until(intended);
        Request r = noop();
        r.intendedSend = intended;
        const TimePoint sent = Clock::now();
        platform.gateway().submit(std::move(r), [&, i, sent](Response response) {
            latency[i] = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
            if (!response.ok())
                bad.fetch_add(1);
            answered.fetch_add(1);
        });
    }
    while (answered.load() < count)
        std::this_thread::sleep_for(milliseconds(5));
    *failed = bad.load();
    return latency;
}

struct ToolRun
{
    bool ran = false;
    QString output;
};

ToolRun runTool(const QString &tool, const QStringList &args)
{
    ToolRun out;
    const QString path = QStandardPaths::findExecutable(tool);
    if (path.isEmpty())
        return out;
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(path, args);
    if (!p.waitForStarted() || !p.waitForFinished(120000))
        return out;
    out.ran = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    out.output = QString::fromUtf8(p.readAll());
    return out;
}

double captured(const QString &text, const QString &pattern)
{
    const auto m = QRegularExpression(pattern).match(text);
    return m.hasMatch() ? m.captured(1).toDouble() : -1;
}

// wrk's "Latency  1.23ms" style figure, in ms.
double wrkMs(const QString &text, const QString &label)
{
    const auto m =
        QRegularExpression(label + QStringLiteral("\\s+([\\d.]+)(us|ms|s)\\b")).match(text);
    if (!m.hasMatch())
        return -1;
    const double v = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    return unit == QLatin1String("us") ? v / 1000 : unit == QLatin1String("s") ? v * 1000 : v;
}

} // namespace

QJsonObject httpFront(const BenchOptions &options)
{
    QJsonObject out = figure(
        QStringLiteral("http"),
        QStringLiteral(
            "GET /noop (zero service time) through the HTTP front on loopback, sent by wrk (%1 "
            "connections, throughput; then %3 connections each waiting %4 ms after an answer, "
            "latency at about %2/s), vs the same requests submitted in-process to the gateway (a "
            "closed loop of %1 in flight; an open loop paced at %2/s, latency from the submit); "
            "ab -k is a second opinion on throughput, hey (%2/s) on latency. The load tools "
            "share the machine's cores with Microcosm.")
            .arg(Connections)
            .arg(PacedRate)
            .arg(PacedConnections)
            .arg(PacedDelayMs));
    const double seconds = options.quick ? 3 : 10;
    const QString dir = subdir(options, QStringLiteral("http"));
    Platform platform(dir);
    platform.addService(std::make_shared<NoopService>(), plainConfig(1, 4, 4096, 0));
    platform.start();
    waitReady(platform);
    net::HttpFront front(platform);
    QString error;
    if (!front.start(&error)) {
        out.insert(QStringLiteral("error"), error);
        platform.shutdown();
        return out;
    }
    const QString url = QStringLiteral("http://127.0.0.1:%1/noop").arg(front.port());
    const QString secs = QString::number(int(seconds));

    closedLoopRps(platform, Connections, 1); // warm-up
    const double inProcessRps = closedLoopRps(platform, Connections, seconds);
    int pacedFailed = 0;
    std::vector<double> paced = pacedLatencies(platform, PacedRate, seconds, &pacedFailed);
    const double pacedP50 = quantile(paced, 0.5), pacedP99 = quantile(paced, 0.99);

    const ToolRun wrk =
        runTool(QStringLiteral("wrk"),
                {QStringLiteral("-t2"), QStringLiteral("-c%1").arg(Connections),
                 QStringLiteral("-d%1s").arg(secs), QStringLiteral("--latency"), url});
    const double wrkRps = captured(wrk.output, QStringLiteral("Requests/sec:\\s+([\\d.]+)"));
    // wrk paced: its Lua delay() hook returns the milliseconds to wait before
    // the next request on a connection (wrk's SCRIPTING).
    const QString script = dir + QStringLiteral("/paced.lua");
    {
        QFile f(script);
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(QStringLiteral("function delay() return %1 end\n").arg(PacedDelayMs).toUtf8());
    }
    const ToolRun wrkPaced = runTool(
        QStringLiteral("wrk"), {QStringLiteral("-t2"), QStringLiteral("-c%1").arg(PacedConnections),
                                QStringLiteral("-d%1s").arg(secs), QStringLiteral("--latency"),
                                QStringLiteral("-s"), script, url});
    const double wrkPacedRps =
        captured(wrkPaced.output, QStringLiteral("Requests/sec:\\s+([\\d.]+)"));
    const double wrkPacedP50 = wrkMs(wrkPaced.output, QStringLiteral("50%"));
    const double wrkPacedP99 = wrkMs(wrkPaced.output, QStringLiteral("99%"));
    const ToolRun hey = runTool(QStringLiteral("hey"),
                                {QStringLiteral("-z"), secs + QStringLiteral("s"),
                                 QStringLiteral("-c"), QStringLiteral("50"), QStringLiteral("-q"),
                                 QString::number(int(PacedRate / 50)), url});
    // hey prints seconds: "  50% in 0.0003 secs".
    const double heyP50 = captured(hey.output, QStringLiteral("50% in ([\\d.]+) secs")) * 1000;
    const double heyP99 = captured(hey.output, QStringLiteral("99% in ([\\d.]+) secs")) * 1000;
    const double heyRps = captured(hey.output, QStringLiteral("Requests/sec:\\s+([\\d.]+)"));
    const ToolRun ab = runTool(QStringLiteral("ab"),
                               {QStringLiteral("-q"), QStringLiteral("-k"), QStringLiteral("-c"),
                                QString::number(Connections), QStringLiteral("-t"), secs,
                                QStringLiteral("-n"), QStringLiteral("100000000"), url});
    const double abRps = captured(ab.output, QStringLiteral("Requests per second:\\s+([\\d.]+)"));
    const net::HttpFrontStats stats = front.stats();
    front.stop();
    platform.shutdown();

    out.insert(QStringLiteral("inProcessRps"), round(inProcessRps, 0));
    out.insert(QStringLiteral("wrkRps"), round(wrkRps, 0));
    out.insert(QStringLiteral("wrkP50Ms"), round(wrkMs(wrk.output, QStringLiteral("50%")), 3));
    out.insert(QStringLiteral("wrkP99Ms"), round(wrkMs(wrk.output, QStringLiteral("99%")), 3));
    out.insert(QStringLiteral("abRps"), round(abRps, 0));
    out.insert(QStringLiteral("ratio"), inProcessRps > 0 ? round(wrkRps / inProcessRps, 3) : 0.0);
    out.insert(QStringLiteral("pacedRate"), PacedRate);
    out.insert(QStringLiteral("inProcessP50Ms"), round(pacedP50, 3));
    out.insert(QStringLiteral("inProcessP99Ms"), round(pacedP99, 3));
    out.insert(QStringLiteral("inProcessFailed"), pacedFailed);
    out.insert(QStringLiteral("heyRps"), round(heyRps, 0));
    out.insert(QStringLiteral("heyP50Ms"), round(heyP50, 3));
    out.insert(QStringLiteral("heyP99Ms"), round(heyP99, 3));
    out.insert(QStringLiteral("wrkPacedRps"), round(wrkPacedRps, 0));
    out.insert(QStringLiteral("wrkPacedP50Ms"), round(wrkPacedP50, 3));
    out.insert(QStringLiteral("wrkPacedP99Ms"), round(wrkPacedP99, 3));
    out.insert(QStringLiteral("addedP50Ms"), round(wrkPacedP50 - pacedP50, 3));
    out.insert(QStringLiteral("addedP99Ms"), round(wrkPacedP99 - pacedP99, 3));
    out.insert(QStringLiteral("heyAddedP50Ms"), round(heyP50 - pacedP50, 3));
    out.insert(QStringLiteral("heyAddedP99Ms"), round(heyP99 - pacedP99, 3));
    out.insert(QStringLiteral("frontRequests"), qint64(stats.requests));
    out.insert(QStringLiteral("front5xx"), qint64(stats.status5xx));
    QStringList missing;
    if (!wrk.ran || !wrkPaced.ran)
        missing << QStringLiteral("wrk");
    if (!hey.ran)
        missing << QStringLiteral("hey");
    if (!ab.ran)
        missing << QStringLiteral("ab");
    if (!missing.isEmpty())
        out.insert(QStringLiteral("toolsMissing"), missing.join(QStringLiteral(", ")));
    out.insert(QStringLiteral("target"),
               QStringLiteral("ratio >= 0.5 and added p99 <= 1 ms at 5000/s"));
    const bool met = wrk.ran && wrkPaced.ran && inProcessRps > 0 && wrkRps / inProcessRps >= 0.5 &&
                     wrkPacedP99 - pacedP99 <= 1.0;
    out.insert(QStringLiteral("met"), met);
    return out;
}

} // namespace microcosm::bench
