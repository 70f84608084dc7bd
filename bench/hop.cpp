// Figure 4, hop overhead: one request through gateway and replica vs a
// direct call of the service's handle().

#include "benchservices.h"
#include "benchsupport.h"

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <mutex>

namespace microcosm::bench {

namespace {

// The context of the direct call: the no-op service touches none of it.
class NullContext final : public WorkerContext
{
public:
    Database &db() override { std::abort(); }
    Response call(Request) override { return Response::error(501, QStringLiteral("no calls")); }
    QString replicaName() const override { return QStringLiteral("noop#direct"); }
    QString incarnation() const override { return QStringLiteral("noop#direct.1"); }
    bool isLive(const QString &) const override { return true; }
    std::mt19937_64 &rng() override { return m_rng; }
    void span(const QString &, TimePoint, TimePoint, const QString &) override {}
    void event(const QString &, const QString &) override {}

private:
    std::mt19937_64 m_rng;
};

// The least any thread-per-request hop costs: hand a task to a worker
// thread waiting on a condition variable and get its answer back. What the
// gateway → replica hop adds on top of this is the platform's own work.
std::vector<double> handoffs(int count)
{
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<std::function<void()>> inbox;
    bool stop = false;
    std::thread worker([&] {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex);
                ready.wait(lock, [&] { return stop || !inbox.empty(); });
                if (stop)
                    return;
                task = std::move(inbox.front());
                inbox.pop_front();
            }
            task();
        }
    });
    std::vector<double> out;
    for (int i = 0; i < count; ++i) {
        auto answered = std::make_shared<std::promise<TimePoint>>();
        auto f = answered->get_future();
        const TimePoint t0 = Clock::now();
        {
            std::lock_guard lock(mutex);
            inbox.push_back([answered] { answered->set_value(Clock::now()); });
            ready.notify_one();
        }
        out.push_back(std::chrono::duration<double, std::micro>(f.get() - t0).count());
    }
    {
        std::lock_guard lock(mutex);
        stop = true;
        ready.notify_one();
    }
    worker.join();
    return out;
}

} // namespace

QJsonObject hopOverhead(const BenchOptions &options)
{
    QJsonObject out =
        figure(QStringLiteral("hop-overhead"),
               QStringLiteral(
                   "latency of one request through gateway -> replica -> completion on an idle "
                   "system (GET /noop, zero service time, one at a time) vs calling the service's "
                   "handle() directly; added = hop - direct, at the median and p99. For scale: a "
                   "bare hand-off to a waiting thread and back (condition variable + promise)"));
    const int samples = options.quick ? 3000 : 20000, warmup = 500;
    Platform platform(subdir(options, QStringLiteral("hop")));
    platform.addService(std::make_shared<NoopService>(), plainConfig(1, 2, 64, 0));
    platform.start();
    waitReady(platform);
    Request request;
    request.method = QStringLiteral("GET");
    request.path = QStringLiteral("/noop");
    std::vector<double> hop, direct;
    int failed = 0;
    for (int i = 0; i < samples + warmup; ++i) {
        auto answered = std::make_shared<std::promise<std::pair<TimePoint, bool>>>();
        auto f = answered->get_future();
        const TimePoint t0 = Clock::now();
        platform.gateway().submit(request, [answered](Response r) {
            answered->set_value({Clock::now(), r.ok()});
        });
        const auto [t1, ok] = f.get();
        failed += !ok;
        if (i >= warmup)
            hop.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    platform.shutdown();

    NoopService service;
    NullContext ctx;
    Request routed = request;
    routed.route = QStringLiteral("GET /noop");
    int sink = 0;
    for (int i = 0; i < samples + warmup; ++i) {
        const TimePoint t0 = Clock::now();
        const Response r = service.handle(routed, ctx);
        const TimePoint t1 = Clock::now();
        sink += r.status;
        if (i >= warmup)
            direct.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::vector<double> handoff = handoffs(samples + warmup);
    handoff.erase(handoff.begin(), handoff.begin() + warmup);
    const double hopP50 = quantile(hop, 0.5), hopP99 = quantile(hop, 0.99);
    const double directP50 = quantile(direct, 0.5), directP99 = quantile(direct, 0.99);
    out.insert(QStringLiteral("samples"), samples);
    out.insert(QStringLiteral("failed"), failed);
    out.insert(QStringLiteral("hopP50Us"), round(hopP50, 2));
    out.insert(QStringLiteral("hopP99Us"), round(hopP99, 2));
    out.insert(QStringLiteral("hopMaxUs"), round(hop.empty() ? 0 : hop.back(), 1));
    out.insert(QStringLiteral("directP50Us"), round(directP50, 3));
    out.insert(QStringLiteral("directP99Us"), round(directP99, 3));
    out.insert(QStringLiteral("addedP50Us"), round(hopP50 - directP50, 2));
    out.insert(QStringLiteral("addedP99Us"), round(hopP99 - directP99, 2));
    out.insert(QStringLiteral("handoffP50Us"), round(quantile(handoff, 0.5), 2));
    out.insert(QStringLiteral("handoffP99Us"), round(quantile(handoff, 0.99), 2));
    out.insert(QStringLiteral("directCalls"), qint64(sink / 200));
    out.insert(QStringLiteral("target"), QJsonValue::Null);
    out.insert(QStringLiteral("met"), QJsonValue::Null);
    return out;
}

} // namespace microcosm::bench
