// Figure 6, memory: resident memory of a process running the shop at 2000
// requests/s, after one minute vs after five.

#include "benchsupport.h"
#include "shop.h"
#include "shopsession.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <cstdio>
#include <cstdlib>

#include <malloc.h>
#include <sqlite3.h>

#include <bit>

namespace microcosm::bench {

namespace {

// What the C heap holds from the system over every arena (the worker
// threads allocate in arenas of their own, which mallinfo2 does not see), and
// how much of it lies free in its bins: freed but kept, part of VmRSS. From
// malloc_info's totals. What the program itself keeps live is not visible
// from inside; heaptrack measures it (see the README's "Performance").
struct HeapUse
{
    double heldMB = 0;
    double freeMB = 0;
    int arenas = 0;
};

HeapUse heapUse()
{
    char *buffer = nullptr;
    std::size_t size = 0;
    FILE *f = open_memstream(&buffer, &size);
    if (!f)
        return {};
    malloc_info(0, f);
    std::fclose(f);
    const QString xml = QString::fromUtf8(buffer, qsizetype(size));
    std::free(buffer);
    // The document ends with the totals over all arenas.
    const qsizetype tail = xml.lastIndexOf(QLatin1String("</heap>"));
    const QString totals = tail >= 0 ? xml.mid(tail) : xml;
    auto number = [&totals](const QString &pattern) {
        const QRegularExpressionMatch m = QRegularExpression(pattern).match(totals);
        return m.hasMatch() ? m.captured(1).toDouble() : 0.0;
    };
    const double free = number(QStringLiteral("<total type=\"fast\" count=\"\\d+\" "
                                              "size=\"(\\d+)\"")) +
                        number(QStringLiteral("<total type=\"rest\" count=\"\\d+\" "
                                              "size=\"(\\d+)\""));
    const double system = number(QStringLiteral("<system type=\"current\" size=\"(\\d+)\""));
    const double mmapped = number(QStringLiteral("<total type=\"mmap\" count=\"\\d+\" "
                                                 "size=\"(\\d+)\""));
    HeapUse h;
    h.heldMB = (system + mmapped) / 1048576.0;
    h.freeMB = free / 1048576.0;
    h.arenas = int(xml.count(QLatin1String("<heap nr=")));
    return h;
}

// A current value of sqlite3_status.
qint64 sqliteStatus(int what)
{
    sqlite3_int64 current = 0, highwater = 0;
    sqlite3_status64(what, &current, &highwater, 0);
    return qint64(current);
}

} // namespace

QJsonObject memory(const BenchOptions &options)
{
    const double first = options.quick ? 10 : options.minutes > 0 ? 300 : 60;
    const double second = options.quick ? 30 : options.minutes > 0 ? 60.0 * options.minutes : 300;
    QJsonObject out = figure(
        QStringLiteral("memory"),
        QStringLiteral("resident memory (VmRSS) of the process running the default shop at 2000 "
                       "requests/s (default journey mix, Poisson; the product service restocks, so "
                       "the workload stays the same), after %1 s vs after %2 s of load; "
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
    load.profile.rate = requestRate / (requests / weights);
    load.seed = 3;
    const std::int64_t before = residentKb();
    // Without restocking the shop sells out after about 200 s at this rate,
    // and the minutes after that measure a different workload (checkouts
    // refused at once). Every second, a product below 500 goes back to 3000.
    ShopConfig shop = ShopConfig::defaults();
    shop.restock = {std::chrono::seconds(1), 500, 3000};
    ShopSession session(subdir(options, QStringLiteral("memory")), shop, {}, load);
    std::int64_t atFirst = -1, atSecond = -1;
    QJsonArray series;
    double sentPerSec = 0, okPercent = 0;
    if (session.start()) {
        session.load().start();
        const TimePoint t0 = Clock::now();
        const double step = options.quick ? 5 : 30;
        std::uint64_t okBefore = 0, failedBefore = 0;
        for (double t = step; t <= second + 1e-9; t += step) {
            std::this_thread::sleep_until(
                t0 + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(t)));
            const std::int64_t kb = residentKb();
            const HeapUse heap = heapUse();
            // The workload is steady only if its success rate is: each step's own.
            const auto now = session.load().stats();
            const double ended =
                double(now.journeysOk - okBefore + now.journeysFailed - failedBefore);
            const double stepOk =
                ended > 0 ? round(100.0 * double(now.journeysOk - okBefore) / ended, 2) : 0;
            okBefore = now.journeysOk;
            failedBefore = now.journeysFailed;
            // Where it goes: the C heap and what lies free in it, the metrics
            // ring, SQLite's heap and page-cache pool, and the orders the
            // workload remembers.
            const MetricsRegistry &metrics = session.platform().metrics();
            const double ringBytes = double(metrics.ringBytes());
            const int entities = int(metrics.keys().size());
            series.append(QJsonObject{
                {QStringLiteral("t"), t},
                {QStringLiteral("rssMB"), round(double(kb) / 1024.0, 1)},
                {QStringLiteral("anonMB"), round(double(statusKb("RssAnon:")) / 1024.0, 1)},
                {QStringLiteral("fileShmemMB"),
                 round(double(statusKb("RssFile:") + statusKb("RssShmem:")) / 1024.0, 1)},
                {QStringLiteral("ringMB"), round(ringBytes / 1048576.0, 2)},
                {QStringLiteral("ringEntities"), entities},
                {QStringLiteral("heapHeldMB"), round(heap.heldMB, 1)},
                {QStringLiteral("heapFreeMB"), round(heap.freeMB, 1)},
                {QStringLiteral("arenas"), heap.arenas},
                {QStringLiteral("sqliteMB"), round(double(sqlite3_memory_used()) / 1048576.0, 2)},
                {QStringLiteral("sqlitePoolPages"), sqliteStatus(SQLITE_STATUS_PAGECACHE_USED)},
                {QStringLiteral("sqlitePageOverflowMB"),
                 round(double(sqliteStatus(SQLITE_STATUS_PAGECACHE_OVERFLOW)) / 1048576.0, 2)},
                {QStringLiteral("acknowledgedOrders"),
                 qint64(session.workload().acknowledgedCount())},
                {QStringLiteral("journeysOkPctThisStep"), stepOk}});
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
    out.insert(QStringLiteral("journeysPerSec"), round(load.profile.rate, 1));
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
