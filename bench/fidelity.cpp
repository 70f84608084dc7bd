// Figure 11, fidelity: one service held against queueing theory. M/M/c
// (Poisson arrivals, exponential service of mean 10 ms, c workers, one
// replica, one route, an unbounded queue) at ρ = 0.5, 0.8 and 0.9 for c = 1,
// 4 and 16: measured p50/p95/p99 against the exact response-time
// distribution (core/queueing.h); and M/D/1 (constant 10 ms) against the
// Pollaczek–Khinchine mean. Each level runs independent copies of its queue
// side by side and for 2 000 relaxation times in all (secondsFor): about
// 40 minutes for the whole figure, 10 for one c (--servers).

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

// Independent copies of one queue, fed by one Poisson stream split at
// random: each copy's arrivals are a Poisson stream of their own
// (thinning), so k copies measured for T seconds are k independent runs of
// T seconds, in a k-th of the time.
class SplitWorkload final : public Workload
{
public:
    explicit SplitWorkload(int copies)
    {
        for (int i = 0; i < copies; ++i)
            m_names << QStringLiteral("work%1").arg(i);
    }
    QStringList journeys() const override { return m_names; }
    double defaultWeight(const QString &) const override { return 1; }
    QList<Request> journey(const QString &name, int, std::mt19937_64 &) override
    {
        Request r;
        r.method = QStringLiteral("GET");
        r.path = QLatin1Char('/') + name;
        return {r};
    }
    void observe(const Request &, const Response &) override {}

private:
    QStringList m_names;
};

// How many copies a level gets: as many as keep the arrivals at about
// 1 500 a second in all (what two cores carry without the clock slipping:
// the c = 16 level at ρ = 0.9 delivered 10.03 ms for 10 ms), at most 16.
int copiesFor(double lambda)
{
    return std::clamp(int(1500.0 / lambda), 1, 16);
}

// How long a level is measured. A queue's response times are correlated
// over its relaxation time, 1 / (μ (1 − √ρ)²) for one server (about c times
// shorter with c; at ρ = 0.9 and 10 ms, 3.8 s for c = 1): the copies
// together are measured for 2 000 of them, about 1 000 independent
// stretches, so that the mean's standard error is about 3 % of it at
// ρ = 0.9 and c = 1 and less elsewhere. Between 30 s and 10 minutes a level.
double secondsFor(const Level &level, int copies)
{
    const double relaxation =
        ServiceMs / 1000.0 / std::pow(1 - std::sqrt(level.rho), 2) / level.servers;
    return std::clamp(2000.0 * relaxation / copies, 30.0, 600.0);
}

Measured measure(const BenchOptions &options, const Level &level, double lambda,
                 double measureSeconds, int copies)
{
    Platform platform(subdir(options, QStringLiteral("fidelity-c%1-%2%3")
                                          .arg(level.servers)
                                          .arg(level.rho)
                                          .arg(level.deterministic ? "-d" : "")));
    ServiceConfig config = plainConfig(1, level.servers, 1 << 20, ServiceMs);
    config.profile.serviceTime = level.deterministic ? ServiceTime::constant(ServiceMs)
                                                     : ServiceTime::exponential(ServiceMs);
    for (int i = 0; i < copies; ++i)
        platform.addService(std::make_shared<NoopService>(QStringLiteral("work%1").arg(i)), config);
    platform.start();
    waitReady(platform);
    LoadConfig load;
    load.profile.rate = lambda * copies;
    load.poisson = true;
    load.maxInFlight = 1 << 20;
    load.seed = 11 + level.servers;
    LoadGenerator generator(platform, std::make_shared<SplitWorkload>(copies), load);
    generator.start();
    const auto busyTime = [&] {
        Duration busy{};
        for (ServiceHost *h : platform.hosts())
            for (const auto &r : h->replicas())
                busy += r->busyTime();
        return busy;
    };
    // Long enough for the queue to forget that it started empty: several
    // of its relaxation times (above).
    sleepSeconds(options.quick ? 2 : 8);
    const double from = cut(platform);
    std::vector<int> watches;
    for (int i = 0; i < copies; ++i)
        watches.push_back(platform.metrics().watch(
            EntityKey::service(QStringLiteral("work%1").arg(i)), from, 1e300));
    const TimePoint t0 = Clock::now();
    const Duration busy0 = busyTime();
    sleepSeconds(measureSeconds);
    cut(platform);
    const Duration busy = busyTime() - busy0;
    Measured m;
    m.seconds = secondsSince(t0);
    EntitySummary s;
    for (int id : watches) {
        const EntitySummary one = platform.metrics().watched(id);
        platform.metrics().unwatch(id);
        for (int i = 0; i < OutcomeCount; ++i)
            s.totals[i] += one.totals[i];
        s.latency.merge(one.latency);
    }
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
        m.arrivalsPerSec = double(m.samples) / m.seconds / copies; // per copy
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
            // --quick: 6 s, a smoke test.
            const int copies = copiesFor(p.lambda);
            const double seconds = options.quick ? 6 : secondsFor(level, copies);
            const Measured m = measure(options, level, p.lambda, seconds, copies);
            // The same queue at the rates the run delivered: what is left of
            // the error is the engine's queueing, not its clock.
            const queueing::MmcPrediction delivered =
                m.serviceMs > 0 ? queueing::mmc(m.arrivalsPerSec, m.serviceMs, c) : p;
            QJsonObject o{{QStringLiteral("servers"), c},
                          {QStringLiteral("rho"), rho},
                          {QStringLiteral("arrivalsPerSec"), round(p.lambda, 1)},
                          {QStringLiteral("copies"), copies},
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
        const Level level{1, rho, true};
        const int copies = copiesFor(lambda);
        const double seconds = options.quick ? 6 : secondsFor(level, copies);
        const Measured m = measure(options, level, lambda, seconds, copies);
        const double exact = queueing::md1MeanResponseMs(lambda, ServiceMs);
        const double error = relativeError(m.meanMs, exact);
        worstMd1 = std::abs(error) > std::abs(worstMd1) ? error : worstMd1;
        md1.append(QJsonObject{{QStringLiteral("rho"), rho},
                               {QStringLiteral("copies"), copies},
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
