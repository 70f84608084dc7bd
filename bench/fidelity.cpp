// Figure 11, fidelity: one service held against queueing theory. M/M/c
// (Poisson arrivals, exponential service of mean 10 ms, c workers, one
// replica, one route, an unbounded queue) at ρ = 0.5, 0.8 and 0.9 for c = 1,
// 4 and 16: measured p50/p95/p99 against the exact response-time
// distribution (core/queueing.h); and M/D/1 (constant 10 ms) against the
// Pollaczek–Khinchine mean.

#include "benchservices.h"
#include "benchsupport.h"
#include "queueing.h"

#include <QJsonArray>

namespace microcosm::bench {

namespace {

constexpr double ServiceMs = 10;

struct Level
{
    int servers = 1;
    double rho = 0.5;
    bool deterministic = false;
};

struct Measured
{
    double seconds = 0;
    std::uint64_t samples = 0;
    double meanMs = 0, p50 = 0, p95 = 0, p99 = 0;
    std::uint64_t failed = 0;
    // What the run delivered, as against what was asked: the mean time a
    // worker spent on a request (its timed wait, the service's code and the
    // wait's lateness) and the answers per second.
    double serviceMs = 0;
    double arrivalsPerSec = 0;
};

Duration busyTime(Platform &platform)
{
    Duration busy{};
    for (const auto &r : platform.host(QStringLiteral("work"))->replicas())
        busy += r->busyTime();
    return busy;
}

Measured measure(const BenchOptions &options, const Level &level, double lambda,
                 double measureSeconds)
{
    Platform platform(subdir(options, QStringLiteral("fidelity-c%1-%2%3")
                                          .arg(level.servers)
                                          .arg(level.rho)
                                          .arg(level.deterministic ? "-d" : "")));
    ServiceConfig config = plainConfig(1, level.servers, 1 << 20, ServiceMs);
    config.profile.serviceTime = level.deterministic ? ServiceTime::constant(ServiceMs)
                                                     : ServiceTime::exponential(ServiceMs);
    platform.addService(std::make_shared<NoopService>(QStringLiteral("work")), config);
    platform.start();
    waitReady(platform);
    LoadConfig load;
    load.profile.rate = lambda;
    load.poisson = true;
    load.maxInFlight = 1 << 20;
    load.seed = 11 + level.servers;
    LoadGenerator generator(platform,
                            std::make_shared<SingleRouteWorkload>(QStringLiteral("/work")), load);
    generator.start();
    // Long enough for the queue to forget that it started empty: several
    // of its relaxation times, 1 / (μ (1 − √ρ)²), at ρ = 0.9 and c = 1 about 4 s.
    sleepSeconds(options.quick ? 2 : 8);
    const double from = cut(platform);
    const int watch = platform.metrics().watch(QStringLiteral("service:work"), from, 1e300);
    const TimePoint t0 = Clock::now();
    const Duration busy0 = busyTime(platform);
    sleepSeconds(measureSeconds);
    cut(platform);
    const Duration busy = busyTime(platform) - busy0;
    Measured m;
    m.seconds = secondsSince(t0);
    const EntitySummary s = platform.metrics().watched(watch);
    platform.metrics().unwatch(watch);
    generator.stop();
    generator.waitIdle(seconds(30));
    platform.shutdown();
    m.samples = s.total();
    m.failed = s.total() - s.totals[int(Outcome::Ok)];
    m.meanMs = s.latency.meanUs() / 1000.0;
    m.p50 = s.latency.percentileMs(0.50);
    m.p95 = s.latency.percentileMs(0.95);
    m.p99 = s.latency.percentileMs(0.99);
    if (m.samples > 0) {
        m.serviceMs = toMs(busy) / double(m.samples);
        m.arrivalsPerSec = double(m.samples) / m.seconds;
    }
    return m;
}

double relativeError(double measured, double exact)
{
    return exact > 0 ? measured / exact - 1 : 0;
}

} // namespace

QJsonObject fidelity(const BenchOptions &options)
{
    QJsonObject out = figure(
        QStringLiteral("fidelity"),
        QStringLiteral("one service (one replica, c workers, Poisson arrivals, exponential "
                       "service of mean 10 ms, unbounded queue) at utilization 0.5/0.8/0.9 for "
                       "c = 1/4/16: its measured response time p50/p95/p99 vs the exact M/M/c "
                       "distribution; and M/D/1 (constant 10 ms) mean vs Pollaczek-Khinchine; "
                       "error = measured / exact - 1"));
    QJsonArray levels;
    double worst = 0;
    QString worstAt;
    for (int c : options.fidelityServers) {
        for (double rho : {0.5, 0.8, 0.9}) {
            const Level level{c, rho, false};
            const queueing::MmcPrediction p =
                queueing::mmc(rho * c * 1000.0 / ServiceMs, ServiceMs, c);
            // About 30 000 answers a level (a p99 from 300 samples above
            // it), between 30 s and 180 s; --quick: 6 s, a smoke test.
            const double seconds = options.quick ? 6 : std::clamp(30000.0 / p.lambda, 30.0, 180.0);
            const Measured m = measure(options, level, p.lambda, seconds);
            // The same queue at the rates the run delivered: what is left of
            // the error is the engine's queueing, not its clock.
            const queueing::MmcPrediction delivered =
                m.serviceMs > 0 ? queueing::mmc(m.arrivalsPerSec, m.serviceMs, c) : p;
            QJsonObject o{{QStringLiteral("servers"), c},
                          {QStringLiteral("rho"), rho},
                          {QStringLiteral("arrivalsPerSec"), round(p.lambda, 1)},
                          {QStringLiteral("seconds"), round(m.seconds, 0)},
                          {QStringLiteral("samples"), qint64(m.samples)},
                          {QStringLiteral("failed"), qint64(m.failed)},
                          {QStringLiteral("erlangC"), round(p.probabilityWait, 4)}};
            const std::array<std::pair<const char *, double>, 3> qs{
                {{"p50", 0.50}, {"p95", 0.95}, {"p99", 0.99}}};
            const std::array<double, 3> measured{m.p50, m.p95, m.p99};
            for (std::size_t i = 0; i < qs.size(); ++i) {
                const double exact = p.responseQuantileMs(qs[i].second);
                const double error = relativeError(measured[i], exact);
                o.insert(QStringLiteral("%1Ms").arg(QLatin1String(qs[i].first)),
                         round(measured[i], 2));
                o.insert(QStringLiteral("%1ExactMs").arg(QLatin1String(qs[i].first)),
                         round(exact, 2));
                o.insert(QStringLiteral("%1Error").arg(QLatin1String(qs[i].first)),
                         round(error, 4));
                o.insert(
                    QStringLiteral("%1ErrorAtDelivered").arg(QLatin1String(qs[i].first)),
                    round(relativeError(measured[i], delivered.responseQuantileMs(qs[i].second)),
                          4));
                if (std::abs(error) > std::abs(worst)) {
                    worst = error;
                    worstAt = QStringLiteral("c=%1 rho=%2 %3")
                                  .arg(c)
                                  .arg(rho)
                                  .arg(QLatin1String(qs[i].first));
                }
            }
            o.insert(QStringLiteral("serviceMsDelivered"), round(m.serviceMs, 3));
            o.insert(QStringLiteral("arrivalsPerSecDelivered"), round(m.arrivalsPerSec, 1));
            o.insert(QStringLiteral("rhoDelivered"), round(delivered.utilization, 4));
            o.insert(QStringLiteral("meanMs"), round(m.meanMs, 2));
            o.insert(QStringLiteral("meanExactMs"), round(p.meanResponseMs, 2));
            levels.append(o);
        }
    }
    QJsonArray md1;
    double worstMd1 = 0;
    for (double rho : {0.5, 0.8, 0.9}) {
        if (!options.fidelityServers.contains(1))
            break; // M/D/1 is a one-worker queue
        const double lambda = rho * 1000.0 / ServiceMs;
        const double seconds = options.quick ? 6 : std::clamp(30000.0 / lambda, 30.0, 180.0);
        const Measured m = measure(options, {1, rho, true}, lambda, seconds);
        const double exact = queueing::md1MeanResponseMs(lambda, ServiceMs);
        const double error = relativeError(m.meanMs, exact);
        worstMd1 = std::abs(error) > std::abs(worstMd1) ? error : worstMd1;
        md1.append(QJsonObject{{QStringLiteral("rho"), rho},
                               {QStringLiteral("seconds"), round(m.seconds, 0)},
                               {QStringLiteral("samples"), qint64(m.samples)},
                               {QStringLiteral("meanMs"), round(m.meanMs, 2)},
                               {QStringLiteral("meanExactMs"), round(exact, 2)},
                               {QStringLiteral("meanError"), round(error, 4)}});
    }
    out.insert(QStringLiteral("mmc"), levels);
    out.insert(QStringLiteral("md1"), md1);
    out.insert(QStringLiteral("worstError"), round(worst, 4));
    out.insert(QStringLiteral("worstAt"), worstAt);
    out.insert(QStringLiteral("worstMd1MeanError"), round(worstMd1, 4));
    out.insert(QStringLiteral("target"), QStringLiteral("every |error| <= 5%"));
    out.insert(QStringLiteral("met"), std::abs(worst) <= 0.05 && std::abs(worstMd1) <= 0.05);
    return out;
}

} // namespace microcosm::bench
