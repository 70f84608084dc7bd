// Figure 2, generator accuracy: the rate the open-model generator sends at
// vs the rate it was asked for.

#include "benchservices.h"
#include "benchsupport.h"

#include <QJsonArray>

namespace microcosm::bench {

QJsonObject generatorAccuracy(const BenchOptions &options)
{
    QJsonObject out =
        figure(QStringLiteral("generator-accuracy"),
               QStringLiteral(
                   "requests/s the open-model load generator actually sent vs the target rate, "
                   "against a no-op route (GET /noop, zero service time); uniform arrivals must be "
                   "within 1%, Poisson within max(1%, 3 standard deviations of the count)"));
    Platform platform(subdir(options, QStringLiteral("generator")));
    platform.addService(std::make_shared<NoopService>(), plainConfig(2, 4, 10000, 0));
    platform.start();
    const bool ready = waitReady(platform);
    const double measure = options.quick ? 2 : 5;
    QJsonArray runs;
    bool met = ready;
    double worstUniform = 0;
    std::uint64_t droppedTotal = 0;
    for (double rate : {1000.0, 5000.0, 20000.0}) {
        for (bool poisson : {false, true}) {
            LoadConfig c;
            c.profile.rate = rate;
            c.profile.rate = rate;
            c.poisson = poisson;
            c.seed = 11;
            LoadGenerator generator(
                platform, std::make_shared<SingleRouteWorkload>(QStringLiteral("/noop")), c);
            generator.start();
            sleepSeconds(0.5);
            const auto s0 = generator.stats();
            const double from = cut(platform);
            const TimePoint t0 = Clock::now();
            sleepSeconds(measure);
            const auto s1 = generator.stats();
            const double dt = secondsSince(t0);
            const double to = cut(platform);
            generator.stop();
            generator.waitIdle(seconds(30));
            const auto s2 = generator.stats();
            const double sent = double(s1.requests - s0.requests) / dt;
            const double due = double(s1.arrivals - s0.arrivals) / dt;
            const double deviation = sent / rate - 1;
            const double allowed = poisson ? std::max(0.01, 3 / std::sqrt(rate * dt)) : 0.01;
            const bool ok = std::abs(deviation) <= allowed;
            met = met && ok;
            if (!poisson)
                worstUniform = std::max(worstUniform, std::abs(deviation));
            droppedTotal += s2.dropped;
            const EntitySummary client = platform.metrics().range(EntityKey::client(), from, to);
            runs.append(QJsonObject{
                {QStringLiteral("target"), rate},
                {QStringLiteral("arrivals"),
                 poisson ? QStringLiteral("poisson") : QStringLiteral("uniform")},
                {QStringLiteral("sentPerSec"), round(sent, 1)},
                {QStringLiteral("duePerSec"), round(due, 1)},
                {QStringLiteral("deviationPct"), round(100 * deviation, 3)},
                {QStringLiteral("allowedPct"), round(100 * allowed, 2)},
                {QStringLiteral("okPerSec"), round(double(s1.journeysOk - s0.journeysOk) / dt, 1)},
                {QStringLiteral("dropped"), qint64(s2.dropped)},
                {QStringLiteral("failed"), qint64(s2.journeysFailed)},
                {QStringLiteral("p50Ms"), round(client.latency.percentileMs(0.5), 3)},
                {QStringLiteral("p99Ms"), round(client.latency.percentileMs(0.99), 3)},
                {QStringLiteral("met"), ok}});
        }
    }
    platform.shutdown();
    out.insert(QStringLiteral("seconds"), measure);
    out.insert(QStringLiteral("runs"), runs);
    out.insert(QStringLiteral("worstUniformDeviationPct"), round(100 * worstUniform, 3));
    out.insert(QStringLiteral("droppedArrivals"), qint64(droppedTotal));
    out.insert(QStringLiteral("target"), QStringLiteral("within 1% (uniform)"));
    out.insert(QStringLiteral("met"), met);
    return out;
}

} // namespace microcosm::bench
