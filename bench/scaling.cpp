// Figure 5, scaling: throughput of 1, 2, 4 and 8 replicas of a service
// whose work is a 10 ms wait.

#include "benchservices.h"
#include "benchsupport.h"

#include <QJsonArray>

namespace microcosm::bench {

QJsonObject scaling(const BenchOptions &options)
{
    QJsonObject out =
        figure(QStringLiteral("scaling"),
               QStringLiteral(
                   "throughput at 1, 2, 4 and 8 replicas (10 ms constant service time, 2 workers "
                   "each, saturated by a closed model of 4 users per worker, no think time); "
                   "efficiency(n) = throughput(n) / (n x throughput(1))"));
    const double measure = options.quick ? 2 : 5;
    QJsonArray points;
    double one = 0, worst = 1e9;
    for (int n : {1, 2, 4, 8}) {
        Platform platform(subdir(options, QStringLiteral("scaling-%1").arg(n)));
        platform.addService(std::make_shared<NoopService>(QStringLiteral("work")),
                            plainConfig(n, 2, 64, 10));
        platform.start();
        waitReady(platform);
        LoadConfig c;
        c.model = LoadConfig::Model::Closed;
        c.virtualUsers = 4 * 2 * n;
        c.spawnRate = 1e6;
        c.thinkTimeMs = 0;
        LoadGenerator users(platform,
                            std::make_shared<SingleRouteWorkload>(QStringLiteral("/work")), c);
        users.start();
        sleepSeconds(1);
        const auto s0 = users.stats();
        const double from = cut(platform);
        const TimePoint t0 = Clock::now();
        sleepSeconds(measure);
        const auto s1 = users.stats();
        const double throughput = double(s1.journeysOk - s0.journeysOk) / secondsSince(t0);
        const EntitySummary client =
            platform.metrics().range(EntityKey::client(), from, cut(platform));
        users.stop();
        users.waitIdle(seconds(30));
        platform.shutdown();
        if (n == 1)
            one = throughput;
        const double efficiency = one > 0 ? throughput / (n * one) : 0;
        worst = std::min(worst, efficiency);
        points.append(
            QJsonObject{{QStringLiteral("replicas"), n},
                        {QStringLiteral("throughput"), round(throughput, 1)},
                        {QStringLiteral("ideal"), 2 * n * 100},
                        {QStringLiteral("efficiency"), round(efficiency, 3)},
                        {QStringLiteral("p50Ms"), round(client.latency.percentileMs(0.5), 2)},
                        {QStringLiteral("p99Ms"), round(client.latency.percentileMs(0.99), 2)},
                        {QStringLiteral("failed"), qint64(s1.journeysFailed)}});
    }
    out.insert(QStringLiteral("points"), points);
    out.insert(QStringLiteral("minEfficiency"), round(worst, 3));
    out.insert(QStringLiteral("target"), 0.9);
    out.insert(QStringLiteral("met"), worst >= 0.9);
    return out;
}

} // namespace microcosm::bench
