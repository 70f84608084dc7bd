#include "figures.h"

#include "benchsupport.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSysInfo>

#include <sqlite3.h>

namespace microcosm::bench {

// --------------------------------------------------------------- 7. GUI

QJsonObject guiFigure(const BenchOptions &options)
{
    QJsonObject out = figure(QStringLiteral("gui"),
                             QStringLiteral("the GUI benchmark's own figure, included as it is"));
    if (options.guiFigure.isEmpty()) {
        out.insert(QStringLiteral("present"), false);
        out.insert(QStringLiteral("note"), QStringLiteral("absent: no --gui-figure FILE given"));
        out.insert(QStringLiteral("target"), QJsonValue::Null);
        out.insert(QStringLiteral("met"), QJsonValue::Null);
        return out;
    }
    QFile file(options.guiFigure);
    QJsonParseError error;
    const QJsonDocument doc = file.open(QIODevice::ReadOnly)
                                  ? QJsonDocument::fromJson(file.readAll(), &error)
                                  : QJsonDocument();
    if (!doc.isObject()) {
        out.insert(QStringLiteral("present"), false);
        out.insert(QStringLiteral("note"),
                   QStringLiteral("absent: %1 %2")
                       .arg(options.guiFigure, file.exists()
                                                   ? QStringLiteral("is not a JSON object")
                                                   : QStringLiteral("does not exist")));
        out.insert(QStringLiteral("target"), QJsonValue::Null);
        out.insert(QStringLiteral("met"), QJsonValue::Null);
        return out;
    }
    QJsonObject gui = doc.object();
    for (auto it = gui.begin(); it != gui.end(); ++it)
        if (it.key() != QLatin1String("figure"))
            out.insert(it.key(), it.value());
    out.insert(QStringLiteral("present"), true);
    out.insert(QStringLiteral("source"), options.guiFigure);
    if (gui.contains(QStringLiteral("figure")))
        out.insert(QStringLiteral("guiFigure"), gui.value(QStringLiteral("figure")));
    if (!out.contains(QStringLiteral("target")))
        out.insert(QStringLiteral("target"), QJsonValue::Null);
    if (!out.contains(QStringLiteral("met")))
        out.insert(QStringLiteral("met"), QJsonValue::Null);
    return out;
}

// ------------------------------------------------------------ plumbing

QStringList figureNames()
{
    return {QStringLiteral("pipeline-efficiency"),
            QStringLiteral("generator-accuracy"),
            QStringLiteral("coordinated-omission"),
            QStringLiteral("hop-overhead"),
            QStringLiteral("scaling"),
            QStringLiteral("memory"),
            QStringLiteral("gui"),
            QStringLiteral("http"),
            QStringLiteral("allocations"),
            QStringLiteral("recording"),
            QStringLiteral("fidelity")};
}

QString figureName(const QString &alias)
{
    const QStringList names = figureNames();
    bool isNumber = false;
    const int n = alias.toInt(&isNumber);
    if (isNumber)
        return n >= 1 && n <= names.size() ? names[n - 1] : QString();
    for (const QString &name : names)
        if (name.startsWith(alias.trimmed()) && !alias.trimmed().isEmpty())
            return name;
    // "generator", "omission", "hop" also name their figures.
    for (const QString &name : names)
        if (name.contains(alias.trimmed()) && alias.trimmed().size() >= 3)
            return name;
    return {};
}

double loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? f.readAll().split(' ').value(0).toDouble() : -1;
}

namespace {

QJsonObject runOne(const QString &name, const BenchOptions &options)
{
    if (name == QLatin1String("pipeline-efficiency"))
        return pipelineEfficiency(options);
    if (name == QLatin1String("generator-accuracy"))
        return generatorAccuracy(options);
    if (name == QLatin1String("coordinated-omission"))
        return coordinatedOmission(options);
    if (name == QLatin1String("hop-overhead"))
        return hopOverhead(options);
    if (name == QLatin1String("scaling"))
        return scaling(options);
    if (name == QLatin1String("gui"))
        return guiFigure(options);
    if (name == QLatin1String("http"))
        return httpFront(options);
    if (name == QLatin1String("allocations"))
        return allocationCount(options);
    if (name == QLatin1String("recording"))
        return recordingCost(options);
    if (name == QLatin1String("fidelity"))
        return fidelity(options);
    if (name != QLatin1String("memory"))
        return {};
    if (options.memoryInProcess)
        return memory(options);
    // A process of its own: its resident memory is the shop's, not the
    // leftovers of the figures before it.
    QProcess child;
    QStringList args{QStringLiteral("--only"), QStringLiteral("memory"),
                     QStringLiteral("--data-dir"), options.dataDir};
    if (options.quick)
        args << QStringLiteral("--quick");
    if (options.minutes > 0)
        args << QStringLiteral("--minutes") << QString::number(options.minutes);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(options.program, args);
    child.waitForFinished(-1);
    for (const QByteArray &line : child.readAllStandardOutput().split('\n')) {
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (doc.isObject() &&
            doc.object().value(QStringLiteral("figure")) == QLatin1String("memory"))
            return doc.object();
    }
    QJsonObject failed =
        figure(QStringLiteral("memory"), QStringLiteral("resident memory over time"));
    failed.insert(QStringLiteral("error"),
                  QStringLiteral("the memory run (%1) failed with exit code %2")
                      .arg(options.program)
                      .arg(child.exitCode()));
    failed.insert(QStringLiteral("target"), QStringLiteral("growth <= 5%"));
    failed.insert(QStringLiteral("met"), false);
    return failed;
}

} // namespace

QJsonObject runFigure(const QString &name, const BenchOptions &options)
{
    // Other processes on the machine make every figure noisier: say how busy it was.
    const double before = loadAverage();
    QJsonObject f = runOne(name, options);
    if (!f.contains(QStringLiteral("loadAvgBefore")))
        f.insert(QStringLiteral("loadAvgBefore"), before);
    return f;
}

QByteArray jsonLine(const QJsonObject &figure)
{
    auto value = [](const QJsonValue &v) {
        const QByteArray wrapped = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        return wrapped.mid(1, wrapped.size() - 2);
    };
    QStringList keys{QStringLiteral("figure"), QStringLiteral("compares")};
    for (const QString &k : figure.keys())
        if (!keys.contains(k) && k != QLatin1String("target") && k != QLatin1String("met"))
            keys << k;
    keys << QStringLiteral("target") << QStringLiteral("met");
    QByteArray line = "{";
    for (const QString &k : keys) {
        if (!figure.contains(k))
            continue;
        if (line.size() > 1)
            line += ", ";
        line += value(k) + ": " + value(figure.value(k));
    }
    return line + "}";
}

namespace {

QString num(const QJsonValue &v, int decimals = 1)
{
    return v.isNull() || v.isUndefined() ? QStringLiteral("-")
                                         : QString::number(v.toDouble(), 'f', decimals);
}

QString verdict(const QJsonObject &f)
{
    const QJsonValue met = f.value(QStringLiteral("met"));
    const QJsonValue target = f.value(QStringLiteral("target"));
    const QString t = target.isString()   ? target.toString()
                      : target.isDouble() ? num(target, 2)
                                          : QStringLiteral("none");
    return QStringLiteral("    target: %1   met: %2")
        .arg(t, met.isBool() ? (met.toBool() ? QStringLiteral("yes") : QStringLiteral("NO"))
                             : QStringLiteral("n/a"));
}

} // namespace

QStringList describe(const QJsonObject &f)
{
    const QString name = f.value(QStringLiteral("figure")).toString();
    QStringList rows{QStringLiteral("%1. %2").arg(figureNames().indexOf(name) + 1).arg(name)};
    auto v = [&f](const char *key) { return f.value(QLatin1String(key)); };
    if (f.contains(QStringLiteral("error")))
        rows << QStringLiteral("    error: ") + v("error").toString();
    if (name == QLatin1String("pipeline-efficiency")) {
        rows << QStringLiteral(
                    "    (a) direct, %1 threads      %2 journeys/s  (before %3, after %4)")
                    .arg(v("threads").toInt())
                    .arg(num(v("directJourneysPerSec")), 9)
                    .arg(num(v("directBeforeJourneysPerSec")), num(v("directAfterJourneysPerSec")));
        rows << QStringLiteral(
                    "    (b) gateway, open model     %1 journeys/s  at offered %2/s, p99 %3 ms")
                    .arg(num(v("pipelineJourneysPerSec")), 9)
                    .arg(num(v("pipelineOfferedRate"), 0), num(v("pipelineP99Ms"), 2));
        rows << QStringLiteral("    (b') gateway, closed 64 VUs %1 journeys/s  p99 %2 ms")
                    .arg(num(v("closedJourneysPerSec")), 9)
                    .arg(num(v("closedP99Ms"), 2));
        rows << QStringLiteral(
                    "    CPU per journey: direct %1 us, gateway %2 us (open) / %3 us (closed)")
                    .arg(num(v("directCpuUsPerJourney")), num(v("pipelineCpuUsPerJourney")),
                         num(v("closedCpuUsPerJourney")));
        rows << QStringLiteral("    b/a = %1   (closed: %2; per CPU second: %3)")
                    .arg(num(v("ratio"), 3), num(v("ratioClosed"), 3), num(v("cpuRatio"), 3));
    } else if (name == QLatin1String("generator-accuracy")) {
        rows << QStringLiteral(
            "    target/s  arrivals   sent/s      dev%    allowed%  ok/s        dropped  p99 ms");
        for (const QJsonValue &r : v("runs").toArray()) {
            const QJsonObject o = r.toObject();
            rows << QStringLiteral("    %1  %2 %3 %4 %5 %6 %7 %8")
                        .arg(num(o.value(QStringLiteral("target")), 0), 8)
                        .arg(o.value(QStringLiteral("arrivals")).toString(), -8)
                        .arg(num(o.value(QStringLiteral("sentPerSec"))), 10)
                        .arg(num(o.value(QStringLiteral("deviationPct")), 3), 8)
                        .arg(num(o.value(QStringLiteral("allowedPct")), 2), 8)
                        .arg(num(o.value(QStringLiteral("okPerSec"))), 10)
                        .arg(o.value(QStringLiteral("dropped")).toInteger(), 8)
                        .arg(num(o.value(QStringLiteral("p99Ms")), 3), 8);
        }
    } else if (name == QLatin1String("coordinated-omission")) {
        rows << QStringLiteral(
                    "    stall %1 ms at %2 requests/s; %3 requests were due during it, %4 of them "
                    "reported it")
                    .arg(num(v("stallMs"), 0), num(v("ratePerSec"), 0))
                    .arg(v("dueDuringStall").toInt())
                    .arg(v("dueDuringStallReflected").toInt());
        rows << QStringLiteral(
                    "    open model, from intended send:  p50 %1 ms  p99 %2 ms  max %3 ms  "
                    "(client entity p99 %4 ms)")
                    .arg(num(v("openP50Ms"), 3), num(v("openP99Ms"), 1), num(v("openMaxMs"), 1),
                         num(v("clientEntityP99Ms"), 1));
        rows << QStringLiteral(
                    "    closed loop, from actual send:   p50 %1 ms  p99 %2 ms  max %3 ms  "
                    "(%4 sent during the stall)")
                    .arg(num(v("closedP50Ms"), 3), num(v("closedP99Ms"), 3),
                         num(v("closedMaxMs"), 1))
                    .arg(v("closedSentDuringStall").toInt());
    } else if (name == QLatin1String("allocations")) {
        rows << QStringLiteral("    %1 allocations in %2 s: %3 per journey, %4 per request (%5/s)")
                    .arg(v("allocations").toInteger())
                    .arg(num(v("seconds"), 0), num(v("perJourney"), 1), num(v("perRequest"), 1),
                         num(v("perSecond"), 0));
    } else if (name == QLatin1String("fidelity")) {
        rows << QStringLiteral(
            "    c   rho  samples   p50 ms (exact)    p95 ms (exact)    p99 ms (exact)");
        for (const QJsonValue &l : v("mmc").toArray()) {
            const QJsonObject o = l.toObject();
            const auto q = [&](const char *k) {
                const QString key = QLatin1String(k);
                return QStringLiteral("%1 (%2) %3%")
                    .arg(num(o.value(key + QStringLiteral("Ms")), 2),
                         num(o.value(key + QStringLiteral("ExactMs")), 2),
                         num(QJsonValue(100 * o.value(key + QStringLiteral("Error")).toDouble()),
                             1));
            };
            rows << QStringLiteral("    %1 %2 %3  %4  %5  %6")
                        .arg(o.value(QStringLiteral("servers")).toInt(), 2)
                        .arg(num(o.value(QStringLiteral("rho")), 1), 4)
                        .arg(o.value(QStringLiteral("samples")).toInteger(), 8)
                        .arg(q("p50"), -17)
                        .arg(q("p95"), -17)
                        .arg(q("p99"), -17);
        }
        for (const QJsonValue &l : v("md1").toArray()) {
            const QJsonObject o = l.toObject();
            rows << QStringLiteral(
                        "    M/D/1 rho %1: mean %2 ms vs Pollaczek-Khinchine %3 ms (%4%)")
                        .arg(num(o.value(QStringLiteral("rho")), 1),
                             num(o.value(QStringLiteral("meanMs")), 2),
                             num(o.value(QStringLiteral("meanExactMs")), 2),
                             num(QJsonValue(100 * o.value(QStringLiteral("meanError")).toDouble()),
                                 1));
        }
    } else if (name == QLatin1String("recording")) {
        rows << QStringLiteral("    journeys/s: not recorded %1, recorded %2; cost %3%")
                    .arg(num(v("offJourneysPerSec"), 0), num(v("onJourneysPerSec"), 0),
                         num(QJsonValue(100 * v("cost").toDouble()), 2));
        rows << QStringLiteral("    the shop at %1 journeys/s: %2 bytes a minute (%3 MB an hour)")
                    .arg(num(v("sizeRunJourneysPerSec"), 0))
                    .arg(v("bytesPerMinute").toInteger())
                    .arg(num(v("megabytesPerHour"), 1));
    } else if (name == QLatin1String("http")) {
        rows << QStringLiteral("    throughput: wrk %1/s   ab -k %2/s   in-process %3/s   ratio %4")
                    .arg(num(v("wrkRps"), 0), num(v("abRps"), 0), num(v("inProcessRps"), 0),
                         num(v("ratio"), 3));
        rows << QStringLiteral("    in-process at %1/s: p50 %2 ms p99 %3 ms")
                    .arg(num(v("pacedRate"), 0), num(v("inProcessP50Ms"), 3),
                         num(v("inProcessP99Ms"), 3));
        rows << QStringLiteral(
                    "    wrk paced (%1/s): p50 %2 ms p99 %3 ms   added p50 %4 ms p99 %5 ms")
                    .arg(num(v("wrkPacedRps"), 0), num(v("wrkPacedP50Ms"), 3),
                         num(v("wrkPacedP99Ms"), 3), num(v("addedP50Ms"), 3),
                         num(v("addedP99Ms"), 3));
        rows << QStringLiteral("    hey (%1/s): p50 %2 ms p99 %3 ms   added p50 %4 ms p99 %5 ms")
                    .arg(num(v("heyRps"), 0), num(v("heyP50Ms"), 3), num(v("heyP99Ms"), 3),
                         num(v("heyAddedP50Ms"), 3), num(v("heyAddedP99Ms"), 3));
        if (v("toolsMissing").isString())
            rows << QStringLiteral("    not measured (not installed): ") +
                        v("toolsMissing").toString();
    } else if (name == QLatin1String("hop-overhead")) {
        rows << QStringLiteral("    gateway -> replica hop   p50 %1 us   p99 %2 us")
                    .arg(num(v("hopP50Us"), 1), num(v("hopP99Us"), 1));
        rows << QStringLiteral("    direct handle() call     p50 %1 us   p99 %2 us")
                    .arg(num(v("directP50Us"), 2), num(v("directP99Us"), 2));
        rows << QStringLiteral("    added by the hop         p50 %1 us   p99 %2 us")
                    .arg(num(v("addedP50Us"), 1), num(v("addedP99Us"), 1));
        rows << QStringLiteral("    (for scale: bare thread hand-off p50 %1 us   p99 %2 us)")
                    .arg(num(v("handoffP50Us"), 1), num(v("handoffP99Us"), 1));
    } else if (name == QLatin1String("scaling")) {
        rows << QStringLiteral("    replicas  throughput/s  ideal/s  efficiency  p99 ms");
        for (const QJsonValue &p : v("points").toArray()) {
            const QJsonObject o = p.toObject();
            rows << QStringLiteral("    %1 %2 %3 %4 %5")
                        .arg(o.value(QStringLiteral("replicas")).toInt(), 8)
                        .arg(num(o.value(QStringLiteral("throughput"))), 13)
                        .arg(o.value(QStringLiteral("ideal")).toInt(), 8)
                        .arg(num(o.value(QStringLiteral("efficiency")), 3), 11)
                        .arg(num(o.value(QStringLiteral("p99Ms")), 2), 7);
        }
    } else if (name == QLatin1String("memory")) {
        rows << QStringLiteral("    %1 requests/s sent (%2 journeys/s, %3% ok)")
                    .arg(num(v("requestsPerSec"), 0), num(v("journeysPerSec"), 0),
                         num(v("journeysOkPct"), 2));
        rows << QStringLiteral(
                    "    VmRSS before %1 MB; after %2 s %3 MB; after %4 s %5 MB; growth %6%")
                    .arg(num(v("rssBeforeMB")), num(v("firstSec"), 0), num(v("rssFirstMB")),
                         num(v("secondSec"), 0), num(v("rssSecondMB")), num(v("growthPct"), 2));
        rows << QStringLiteral(
            "         t s   VmRSS MB (anon, file+shm)   C heap MB (free in it)   metrics "
            "ring MB   SQLite heap MB (pool pages)   acknowledged orders   journeys ok %");
        for (const QJsonValue &p : v("series").toArray()) {
            const QJsonObject o = p.toObject();
            const auto pair = [&o](const char *outer, const char *inner, int innerDecimals) {
                return QStringLiteral("%1 (%2)").arg(
                    num(o.value(QLatin1String(outer))),
                    num(o.value(QLatin1String(inner)), innerDecimals));
            };
            rows << QStringLiteral("    %1 %2 %3 %4 %5 %6 %7")
                        .arg(num(o.value(QStringLiteral("t")), 0), 8)
                        .arg(QStringLiteral("%1 (%2, %3)")
                                 .arg(num(o.value(QStringLiteral("rssMB"))),
                                      num(o.value(QStringLiteral("anonMB"))),
                                      num(o.value(QStringLiteral("fileShmemMB")))),
                             25)
                        .arg(pair("heapHeldMB", "heapFreeMB", 1), 24)
                        .arg(num(o.value(QStringLiteral("ringMB")), 2), 17)
                        .arg(pair("sqliteMB", "sqlitePoolPages", 0), 29)
                        .arg(o.value(QStringLiteral("acknowledgedOrders")).toInteger(), 21)
                        .arg(num(o.value(QStringLiteral("journeysOkPctThisStep")), 2), 15);
        }
    } else if (name == QLatin1String("gui")) {
        if (!v("present").toBool())
            rows << QStringLiteral("    ") + v("note").toString();
        else
            rows << QStringLiteral("    ") + QString::fromUtf8(jsonLine(f));
    }
    rows << verdict(f);
    return rows;
}

QString machine()
{
    QString cpu;
    QFile info(QStringLiteral("/proc/cpuinfo"));
    if (info.open(QIODevice::ReadOnly))
        for (const QByteArray &line : info.readAll().split('\n'))
            if (line.startsWith("model name")) {
                cpu = QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
                break;
            }
    return QStringLiteral("%1, %2 cores, %3 %4, Qt %5, SQLite %6")
        .arg(cpu.isEmpty() ? QSysInfo::currentCpuArchitecture() : cpu)
        .arg(std::thread::hardware_concurrency())
        .arg(QSysInfo::kernelType(), QSysInfo::kernelVersion(), QString::fromLatin1(qVersion()),
             QString::fromLatin1(sqlite3_libversion()));
}

} // namespace microcosm::bench
