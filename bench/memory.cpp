// Figure 6, memory: resident memory of a process running the shop at 2000
// requests/s, after one minute vs after five.

#include "benchsupport.h"
#include "shop.h"
#include "shopsession.h"

#include <QJsonArray>

#include <malloc.h>
#include <sqlite3.h>

#include <bit>

namespace microcosm::bench {

namespace {

// Bytes the C heap has handed out and not taken back, over every arena:
// live data, as opposed to VmRSS which also holds freed but kept pages.
double heapInUseMB()
{
    const struct mallinfo2 m = mallinfo2();
    return double(m.uordblks + m.hblkhd) / 1048576.0;
}

} // namespace

QJsonObject memory(const BenchOptions &options)
{
    const double first = options.quick ? 10 : 60, second = options.quick ? 30 : 300;
    QJsonObject out =
        figure(QStringLiteral("memory"),
               QStringLiteral(
                   "resident memory (VmRSS) of the process running the default shop at 2000 "
                   "requests/s (default journey mix, Poisson), after %1 s vs after %2 s of load; "
                   "growth = (later - earlier) / earlier")
                   .arg(first)
                   .arg(second));
    // The journey rate that makes 2000 requests/s with the default mix.
    ShopWorkload mixOf(int(catalogue().size()));
    std::mt19937_64 rng(1);
    double weights = 0, requests = 0;
    for (const QString &j : mixOf.journeys()) {
        weights += mixOf.defaultWeight(j);
        requests += mixOf.defaultWeight(j) * double(mixOf.journey(j, 1, rng).size());
    }
    const double requestRate = 2000;
    LoadConfig load;
    load.rate = requestRate / (requests / weights);
    load.seed = 3;
    const std::int64_t before = residentKb();
    ShopSession session(subdir(options, QStringLiteral("memory")), ShopConfig::defaults(), {},
                        load);
    std::int64_t atFirst = -1, atSecond = -1;
    QJsonArray series;
    double sentPerSec = 0, okPercent = 0;
    if (session.start()) {
        session.load().start();
        const TimePoint t0 = Clock::now();
        const double step = options.quick ? 5 : 30;
        for (double t = step; t <= second + 1e-9; t += step) {
            std::this_thread::sleep_until(
                t0 + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(t)));
            const std::int64_t kb = residentKb();
            // Where it goes: the metrics ring, SQLite's heap (page caches of
            // every connection) and the orders the workload remembers.
            const MetricsRegistry &metrics = session.platform().metrics();
            double ringBytes = 0;
            int windows = 0;
            for (const QString &name : metrics.names()) {
                for (const Window &w : metrics.series(name)) {
                    ringBytes +=
                        double(sizeof(Window) + w.latency.capacity() * sizeof(HistogramData::Cell));
                    ++windows;
                }
            }
            series.append(QJsonObject{
                {QStringLiteral("t"), t},
                {QStringLiteral("rssMB"), round(double(kb) / 1024.0, 1)},
                {QStringLiteral("anonMB"), round(double(statusKb("RssAnon:")) / 1024.0, 1)},
                {QStringLiteral("fileShmemMB"),
                 round(double(statusKb("RssFile:") + statusKb("RssShmem:")) / 1024.0, 1)},
                {QStringLiteral("ringMB"), round(ringBytes / 1048576.0, 2)},
                {QStringLiteral("ringWindows"), windows},
                {QStringLiteral("heapInUseMB"), round(heapInUseMB(), 1)},
                {QStringLiteral("sqliteMB"), round(double(sqlite3_memory_used()) / 1048576.0, 2)},
                {QStringLiteral("acknowledgedOrders"),
                 qint64(session.workload().acknowledgedOrders().size())}});
            if (std::abs(t - first) < 1e-9)
                atFirst = kb;
            if (std::abs(t - second) < 1e-9)
                atSecond = kb;
        }
        const auto stats = session.load().stats();
        sentPerSec = double(stats.requests) / secondsSince(t0);
        const auto journeys = double(stats.journeysOk + stats.journeysFailed);
        okPercent = journeys > 0 ? 100.0 * double(stats.journeysOk) / journeys : 0;
        session.load().stop();
    }
    session.shutdown();
    const double growth =
        atFirst > 0 && atSecond > 0 ? double(atSecond - atFirst) / double(atFirst) : -1;
    out.insert(QStringLiteral("journeysPerSec"), round(load.rate, 1));
    out.insert(QStringLiteral("requestsPerSec"), round(sentPerSec, 1));
    out.insert(QStringLiteral("journeysOkPct"), round(okPercent, 2));
    out.insert(QStringLiteral("rssBeforeMB"), round(double(before) / 1024.0, 1));
    out.insert(QStringLiteral("rssFirstMB"), round(double(atFirst) / 1024.0, 1));
    out.insert(QStringLiteral("rssSecondMB"), round(double(atSecond) / 1024.0, 1));
    out.insert(QStringLiteral("firstSec"), first);
    out.insert(QStringLiteral("secondSec"), second);
    out.insert(QStringLiteral("growthPct"), round(100 * growth, 2));
    out.insert(QStringLiteral("series"), series);
    out.insert(QStringLiteral("target"), QStringLiteral("growth <= 5%"));
    out.insert(QStringLiteral("met"), growth >= 0 && growth <= 0.05);
    return out;
}

} // namespace microcosm::bench
