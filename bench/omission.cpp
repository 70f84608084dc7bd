// Figure 3, coordinated omission: one stall as the open-model generator
// reports it vs as a closed-loop client would.

#include "benchservices.h"
#include "benchsupport.h"

#include <atomic>
#include <future>

namespace microcosm::bench {

QJsonObject coordinatedOmission(const BenchOptions &options)
{
    QJsonObject out = figure(
        QStringLiteral("coordinated-omission"),
        QStringLiteral(
            "p99 with one 500 ms stall of a one-worker service under 1000 requests/s: the "
            "open-model generator measuring from each request's intended send time (the "
            "'client' entity) vs a closed-loop client paced at the same rate that sends only "
            "after the previous answer and measures from the actual send"));
    const double rate = 1000;
    const Duration stall = milliseconds(500);
    const double total = options.quick ? 6 : 10;
    auto service = std::make_shared<StallService>();
    Platform platform(subdir(options, QStringLiteral("omission")));
    platform.addService(service, plainConfig(1, 1, 100000, 0));
    platform.start();
    waitReady(platform);

    auto workload = std::make_shared<SingleRouteWorkload>(QStringLiteral("/stall"), true);
    LoadConfig c;
    c.profile.rate = rate;
    c.profile.rate = rate;
    c.poisson = false;
    LoadGenerator generator(platform, workload, c);

    // The closed-loop client: one request at a time, paced at `rate`, never
    // catching up on the sends it missed while it waited.
    std::atomic<bool> stop{false};
    std::vector<std::pair<TimePoint, Duration>> closedSamples;
    std::thread closedLoop([&] {
        const Duration period =
            std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1 / rate));
        TimePoint next = Clock::now();
        while (!stop.load()) {
            std::this_thread::sleep_until(next);
            auto answered = std::make_shared<std::promise<TimePoint>>();
            auto f = answered->get_future();
            Request r;
            r.method = QStringLiteral("GET");
            r.path = QStringLiteral("/stall");
            const TimePoint sent = Clock::now();
            platform.gateway().submit(r,
                                      [answered](Response) { answered->set_value(Clock::now()); });
            closedSamples.emplace_back(sent, f.get() - sent);
            next += period;
            next = std::max(next, Clock::now());
        }
    });
    const double from = cut(platform);
    generator.start();
    sleepSeconds(0.4 * total);
    service->arm(stall);
    sleepSeconds(0.6 * total);
    stop.store(true);
    closedLoop.join();
    generator.stop();
    generator.waitIdle(seconds(30));
    const EntitySummary client = platform.metrics().range(EntityKey::client(), from, cut(platform));
    platform.shutdown();

    const TimePoint s = service->stallStart(), e = service->stallEnd();
    std::vector<double> open, closed;
    int due = 0, reflected = 0;
    for (const auto &sample : workload->samples()) {
        open.push_back(toMs(sample.latency));
        if (service->stalled() && sample.intended >= s && sample.intended <= e) {
            ++due;
            reflected += sample.latency + microseconds(100) >= e - sample.intended;
        }
    }
    int closedDuring = 0;
    for (const auto &[sent, latency] : closedSamples) {
        closed.push_back(toMs(latency));
        closedDuring += service->stalled() && sent >= s && sent <= e;
    }
    const double openP99 = quantile(open, 0.99), closedP99 = quantile(closed, 0.99);
    const double stallMs = service->stalled() ? toMs(e - s) : 0;
    out.insert(QStringLiteral("ratePerSec"), rate);
    out.insert(QStringLiteral("seconds"), total);
    out.insert(QStringLiteral("stallMs"), round(stallMs, 1));
    out.insert(QStringLiteral("openRequests"), qint64(open.size()));
    out.insert(QStringLiteral("openP50Ms"), round(quantile(open, 0.5), 3));
    out.insert(QStringLiteral("openP99Ms"), round(openP99, 3));
    out.insert(QStringLiteral("openMaxMs"), round(open.empty() ? 0 : open.back(), 1));
    out.insert(QStringLiteral("clientEntityP99Ms"), round(client.latency.percentileMs(0.99), 3));
    out.insert(QStringLiteral("dueDuringStall"), due);
    out.insert(QStringLiteral("dueDuringStallReflected"), reflected);
    out.insert(QStringLiteral("closedRequests"), qint64(closed.size()));
    out.insert(QStringLiteral("closedSentDuringStall"), closedDuring);
    out.insert(QStringLiteral("closedP50Ms"), round(quantile(closed, 0.5), 3));
    out.insert(QStringLiteral("closedP99Ms"), round(closedP99, 3));
    out.insert(QStringLiteral("closedMaxMs"), round(closed.empty() ? 0 : closed.back(), 1));
    out.insert(QStringLiteral("p99Ratio"), round(closedP99 > 0 ? openP99 / closedP99 : 0, 1));
    out.insert(QStringLiteral("target"),
               QStringLiteral("every request due during the stall reflects it (latency >= stall "
                              "end - intended send)"));
    out.insert(QStringLiteral("met"),
               stallMs >= 490 && due >= 0.9 * rate * toMs(stall) / 1000 && reflected == due);
    return out;
}

} // namespace microcosm::bench
