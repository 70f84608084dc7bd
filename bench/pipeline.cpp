// Figure 1, pipeline efficiency: the shop's mix through the whole pipeline
// vs the services' own code called directly.

#include "benchsupport.h"
#include "cart/cartservice.h"
#include "directshop.h"
#include "order/orderservice.h"
#include "product/productservice.h"
#include "shop.h"
#include "shopsession.h"

#include <QJsonArray>

#include <atomic>

namespace microcosm::bench {

namespace {

// The operation mix of the pipeline-efficiency figure.
const QMap<QString, double> &pipelineMix()
{
    static const QMap<QString, double> mix{{QStringLiteral("browse"), 40},
                                           {QStringLiteral("view"), 0},
                                           {QStringLiteral("add-to-cart"), 20},
                                           {QStringLiteral("checkout"), 10},
                                           {QStringLiteral("order-history"), 0}};
    return mix;
}

QJsonObject mixJson(const QMap<QString, double> &mix)
{
    QJsonObject o;
    for (auto it = mix.begin(); it != mix.end(); ++it)
        if (it.value() > 0)
            o.insert(it.key(), it.value());
    return o;
}

struct DirectRun
{
    double seconds = 0;
    double cpuSeconds = 0;
    std::uint64_t journeysOk = 0;
    std::uint64_t journeysFailed = 0;
    std::uint64_t requests = 0;
};

// The mix run straight against the three files, one thread per core, each
// with its own connections; no gateway, no queues, no service time.
DirectRun runDirect(const QString &dir, int threads, double seconds, quint64 seed)
{
    const std::vector<std::shared_ptr<Service>> services{std::make_shared<ProductService>(),
                                                         std::make_shared<CartService>(),
                                                         std::make_shared<OrderService>()};
    { // schema and seed once, before the clock starts
        DirectShop migrate(dir, services);
    }
    const int products = int(catalogue().size());
    std::atomic<int> ready{0};
    std::atomic<bool> go{false}, stop{false};
    std::vector<DirectRun> perThread(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            DirectShop shop(dir, services, seed + 100 * t);
            ShopWorkload workload(products);
            std::mt19937_64 rng(seed + t);
            QStringList names;
            std::vector<double> weights;
            for (auto it = pipelineMix().begin(); it != pipelineMix().end(); ++it) {
                names << it.key();
                weights.push_back(it.value());
            }
            std::discrete_distribution<int> pick(weights.begin(), weights.end());
            std::uniform_int_distribution<int> user(1, LoadConfig{}.users);
            DirectRun &mine = perThread[t];
            ready.fetch_add(1);
            while (!go.load())
                std::this_thread::yield();
            while (!stop.load(std::memory_order_relaxed)) {
                const QList<Request> steps = workload.journey(names[pick(rng)], user(rng), rng);
                bool ok = true;
                for (const Request &step : steps) {
                    ++mine.requests;
                    if (!shop.handle(step).ok()) {
                        ok = false;
                        break;
                    }
                }
                ++(ok ? mine.journeysOk : mine.journeysFailed);
            }
        });
    }
    while (ready.load() < threads)
        std::this_thread::sleep_for(milliseconds(1));
    const TimePoint start = Clock::now();
    const double cpuStart = processCpu();
    go.store(true);
    sleepSeconds(seconds);
    stop.store(true);
    for (auto &t : pool)
        t.join();
    DirectRun total;
    total.seconds = secondsSince(start);
    total.cpuSeconds = processCpu() - cpuStart;
    for (const DirectRun &r : perThread) {
        total.journeysOk += r.journeysOk;
        total.journeysFailed += r.journeysFailed;
        total.requests += r.requests;
    }
    return total;
}

struct Step
{
    double rate = 0;
    double cpuUsPerJourney = 0;
    double okPerSecond = 0;
    double p99Ms = 0;
    double failedPercent = 0;
    std::uint64_t dropped = 0;
    bool degraded = false;
    QString why;
};

QJsonObject stepJson(const Step &s)
{
    QJsonObject o{{QStringLiteral("rate"), round(s.rate, 0)},
                  {QStringLiteral("okPerSec"), round(s.okPerSecond, 1)},
                  {QStringLiteral("p99Ms"), round(s.p99Ms, 2)},
                  {QStringLiteral("cpuUsPerJourney"), round(s.cpuUsPerJourney, 1)},
                  {QStringLiteral("failedPct"), round(s.failedPercent, 2)},
                  {QStringLiteral("dropped"), qint64(s.dropped)}};
    if (s.degraded)
        o.insert(QStringLiteral("degraded"), s.why);
    return o;
}

} // namespace

QJsonObject pipelineEfficiency(const BenchOptions &options)
{
    QJsonObject out =
        figure(QStringLiteral("pipeline-efficiency"),
               QStringLiteral(
                   "journeys/s of the same mix (browse, add to cart, checkout; zero service time) "
                   "(b) through load generator -> gateway -> replicas (default deployment, highest "
                   "open-model rate before p99 or drops degrade) vs (a) the services' own "
                   "handle() and SQL called directly, one thread per core; ratio = b/a"));
    const int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    const double directSeconds = options.quick ? 3 : 8;
    const quint64 seed = 7;

    // (a) the limit. Measured again after (b), and the better of the two
    // taken, so that a burst of other work on the machine during one of them
    // does not flatter the ratio.
    const DirectRun direct =
        runDirect(subdir(options, QStringLiteral("pipeline-direct")), threads, directSeconds, seed);
    const double aBefore = double(direct.journeysOk) / direct.seconds;
    double a = aBefore;

    // (b) the pipeline, stepping the open-model rate up until it degrades.
    ShopConfig shop = ShopConfig::defaults();
    for (ServiceConfig *s : {&shop.product, &shop.cart, &shop.order}) {
        s->profile.serviceTime = ServiceTime::constant(0);
        s->coldStart = milliseconds(50);
    }
    LoadConfig load;
    load.mix = pipelineMix();
    load.seed = seed;
    load.profile.rate = std::max(50.0, 0.15 * a);
    ShopSession session(subdir(options, QStringLiteral("pipeline-gateway")), shop, {}, load);
    QJsonArray steps;
    Step best;
    double closedRate = 0, closedP99 = 0, closedCpuUs = 0;
    const double warm = 1.0, measure = options.quick ? 1.5 : 2.0;
    if (session.start()) {
        Platform &platform = session.platform();
        LoadGenerator &generator = session.load();
        generator.start();
        double baselineP99 = 0;
        auto measureStep = [&](double rate) {
            sleepSeconds(warm);
            const auto s0 = generator.stats();
            const double from = cut(platform);
            const TimePoint t0 = Clock::now();
            const double cpu0 = processCpu();
            sleepSeconds(measure);
            const auto s1 = generator.stats();
            const double dt = secondsSince(t0);
            const double cpu = processCpu() - cpu0;
            const double to = cut(platform);
            const EntitySummary client = platform.metrics().range(EntityKey::client(), from, to);
            Step step;
            step.rate = rate;
            step.okPerSecond = double(s1.journeysOk - s0.journeysOk) / dt;
            step.cpuUsPerJourney = 1e6 * cpu /
                                   std::max(1.0, double(s1.journeysOk - s0.journeysOk +
                                                        s1.journeysFailed - s0.journeysFailed));
            const double due = double(s1.arrivals - s0.arrivals) / dt;
            step.p99Ms = client.latency.percentileMs(0.99);
            const double finished =
                double(s1.journeysOk - s0.journeysOk + s1.journeysFailed - s0.journeysFailed);
            step.failedPercent =
                finished > 0 ? 100.0 * double(s1.journeysFailed - s0.journeysFailed) / finished : 0;
            step.dropped = s1.dropped - s0.dropped;
            if (baselineP99 == 0)
                baselineP99 = std::max(step.p99Ms, 0.1);
            if (step.dropped > 0)
                step.why = QStringLiteral("arrivals dropped");
            else if (step.failedPercent > 0.5)
                step.why = QStringLiteral("more than 0.5% of journeys failed");
            else if (step.p99Ms > std::max(20.0, 10 * baselineP99))
                step.why = QStringLiteral("p99 above max(20 ms, 10 x the first step's)");
            else if (step.okPerSecond < 0.97 * due)
                step.why =
                    QStringLiteral("answered less than 97% of the arrivals (a backlog grows)");
            step.degraded = !step.why.isEmpty();
            return step;
        };
        for (double rate = load.profile.rate; rate < 4 * a + 1000; rate *= 1.2) {
            generator.setRate(rate);
            Step step = measureStep(rate);
            if (step.degraded) {
                // Confirm it at the same rate: one noisy second on a shared
                // machine is not yet the pipeline's limit.
                steps.append(stepJson(step));
                step = measureStep(rate);
            }
            steps.append(stepJson(step));
            if (step.degraded)
                break;
            if (step.okPerSecond > best.okPerSecond)
                best = step;
        }
        generator.stop();
        generator.waitIdle(seconds(30));

        // The same pipeline pushed by a closed model: 64 users, no think time.
        LoadConfig closed = load;
        closed.model = LoadConfig::Model::Closed;
        closed.virtualUsers = 64;
        closed.spawnRate = 1e6;
        closed.thinkTimeMs = 0;
        LoadGenerator users(platform, session.workloadPtr(), closed);
        users.start();
        sleepSeconds(warm);
        const auto c0 = users.stats();
        const double from = cut(platform);
        const TimePoint t0 = Clock::now();
        const double cpu0 = processCpu();
        sleepSeconds(measure * 2);
        const auto c1 = users.stats();
        closedRate = double(c1.journeysOk - c0.journeysOk) / secondsSince(t0);
        closedCpuUs = 1e6 * (processCpu() - cpu0) /
                      std::max(1.0, double(c1.journeysOk - c0.journeysOk + c1.journeysFailed -
                                           c0.journeysFailed));
        closedP99 = platform.metrics()
                        .range(EntityKey::client(), from, cut(platform))
                        .latency.percentileMs(0.99);
        users.stop();
        users.waitIdle(seconds(30));
    }
    session.shutdown();
    const DirectRun again = runDirect(subdir(options, QStringLiteral("pipeline-direct-2")), threads,
                                      directSeconds, seed + 1);
    const double aAfter = double(again.journeysOk) / again.seconds;
    a = std::max(aBefore, aAfter);

    const double ratio = a > 0 ? best.okPerSecond / a : 0;
    // CPU per journey does not depend on what else the machine runs: the
    // ratio of the two is the pipeline's efficiency per core.
    const auto cpuPerJourney = [](const DirectRun &r) {
        return 1e6 * r.cpuSeconds / std::max(1.0, double(r.journeysOk + r.journeysFailed));
    };
    const double directCpuUs = std::min(cpuPerJourney(direct), cpuPerJourney(again));
    out.insert(QStringLiteral("mix"), mixJson(pipelineMix()));
    out.insert(QStringLiteral("threads"), threads);
    out.insert(QStringLiteral("directJourneysPerSec"), round(a, 1));
    out.insert(QStringLiteral("directBeforeJourneysPerSec"), round(aBefore, 1));
    out.insert(QStringLiteral("directAfterJourneysPerSec"), round(aAfter, 1));
    out.insert(QStringLiteral("directRequestsPerJourney"),
               round(double(direct.requests) / double(std::max<std::uint64_t>(
                                                   1, direct.journeysOk + direct.journeysFailed)),
                     3));
    out.insert(QStringLiteral("directFailedJourneys"),
               qint64(direct.journeysFailed + again.journeysFailed));
    out.insert(QStringLiteral("pipelineJourneysPerSec"), round(best.okPerSecond, 1));
    out.insert(QStringLiteral("pipelineOfferedRate"), round(best.rate, 0));
    out.insert(QStringLiteral("pipelineP99Ms"), round(best.p99Ms, 2));
    out.insert(QStringLiteral("steps"), steps);
    out.insert(QStringLiteral("closedJourneysPerSec"), round(closedRate, 1));
    out.insert(QStringLiteral("closedP99Ms"), round(closedP99, 2));
    out.insert(QStringLiteral("directCpuUsPerJourney"), round(directCpuUs, 1));
    out.insert(QStringLiteral("pipelineCpuUsPerJourney"), round(best.cpuUsPerJourney, 1));
    out.insert(QStringLiteral("closedCpuUsPerJourney"), round(closedCpuUs, 1));
    out.insert(QStringLiteral("cpuRatio"),
               round(closedCpuUs > 0 ? directCpuUs / closedCpuUs : 0, 3));
    out.insert(QStringLiteral("ratio"), round(ratio, 3));
    out.insert(QStringLiteral("ratioClosed"), round(a > 0 ? closedRate / a : 0, 3));
    out.insert(QStringLiteral("target"), 0.5);
    out.insert(QStringLiteral("met"), ratio >= 0.5);
    return out;
}

} // namespace microcosm::bench
