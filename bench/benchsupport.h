#pragma once

// What the figures share: timing, percentiles, resident memory, fresh data
// directories and platforms that are ready to take load.

#include "figures.h"
#include "platform.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <thread>
#include <vector>

namespace microcosm::bench {

// CPU time of the whole process (every thread), in seconds.
inline double processCpu()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

inline double secondsSince(TimePoint t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

inline void sleepSeconds(double s)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

inline double round(double v, int decimals)
{
    const double f = std::pow(10.0, decimals);
    return std::round(v * f) / f;
}

inline QString subdir(const BenchOptions &options, const QString &name)
{
    const QString path = QDir(options.dataDir).filePath(name);
    QDir(path).removeRecursively(); // every figure starts from empty database files
    QDir().mkpath(path);
    return path;
}

// Start-up only: polls until every service has all its replicas ready.
inline bool waitReady(Platform &platform, Duration timeout = seconds(30))
{
    const TimePoint until = Clock::now() + timeout;
    auto ready = [&] {
        for (ServiceHost *h : platform.hosts())
            if (h->readyCount() < h->config().replicas)
                return false;
        return true;
    };
    while (!ready() && Clock::now() < until)
        std::this_thread::sleep_for(milliseconds(5));
    return ready();
}

// The q-quantile of samples (sorted in place), nearest rank.
inline double quantile(std::vector<double> &samples, double q)
{
    if (samples.empty())
        return 0;
    std::sort(samples.begin(), samples.end());
    const auto rank = std::size_t(std::ceil(q * double(samples.size())));
    return samples[std::min(samples.size() - 1, rank > 0 ? rank - 1 : 0)];
}

// A "Name:  1234 kB" line of /proc/self/status, in kB (VmRSS, RssAnon...).
inline std::int64_t statusKb(const char *field = "VmRSS:")
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(qsizetype(qstrlen(field))).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

inline std::int64_t residentKb()
{
    return statusKb("VmRSS:");
}

// Closes the current metrics window now and returns the time that later
// windows are newer than.
inline double cut(Platform &platform)
{
    platform.rotateMetrics();
    return platform.elapsed();
}

inline ServiceConfig plainConfig(int replicas, int workers, int queue, double serviceMs)
{
    ServiceConfig c;
    c.replicas = replicas;
    c.workers = workers;
    c.queueCapacity = queue;
    c.profile.serviceTime = ServiceTime::constant(serviceMs);
    c.coldStart = milliseconds(10);
    return c;
}

inline QJsonObject figure(const QString &name, const QString &compares)
{
    return {{QStringLiteral("figure"), name}, {QStringLiteral("compares"), compares}};
}

} // namespace microcosm::bench
