#pragma once

// Tiny services and workloads the benchmark hosts next to (or instead of)
// the shop: they isolate the platform's own cost from the shop's SQL.

#include "loadgenerator.h"
#include "service.h"

#include <QJsonObject>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace microcosm::bench {

// GET /noop answers 200 at once: no SQL, no state. Its service time is
// whatever its ServiceConfig says (zero for the no-op figures).
class NoopService final : public Service
{
public:
    explicit NoopService(QString name = QStringLiteral("noop")) : m_name(std::move(name)) {}
    QString name() const override { return m_name; }
    QList<RouteSpec> routes() const override
    {
        return {{QStringLiteral("GET"), QStringLiteral("/") + m_name, true}};
    }
    void migrate(Database &) override {}
    Response handle(const Request &, WorkerContext &) override
    {
        return Response::make(200, QJsonObject{{QStringLiteral("ok"), true}});
    }

private:
    QString m_name;
};

// GET /stall answers at once, except for the first request after arm():
// that one sleeps in its worker for the stall time, like a stop-the-world
// pause. With one worker the whole service stands still meanwhile.
class StallService final : public Service
{
public:
    QString name() const override { return QStringLiteral("stall"); }
    QList<RouteSpec> routes() const override
    {
        return {{QStringLiteral("GET"), QStringLiteral("/stall"), true}};
    }
    void migrate(Database &) override {}
    Response handle(const Request &, WorkerContext &) override
    {
        if (m_armed.exchange(false)) {
            const TimePoint start = Clock::now();
            m_start.store(start.time_since_epoch().count());
            std::this_thread::sleep_for(m_stall);
            m_end.store(Clock::now().time_since_epoch().count());
        }
        return Response::make(200, QJsonObject{{QStringLiteral("ok"), true}});
    }

    void arm(Duration stall)
    {
        m_stall = stall;
        m_armed.store(true);
    }
    bool stalled() const { return m_end.load() != 0; }
    TimePoint stallStart() const { return TimePoint(Duration(m_start.load())); }
    TimePoint stallEnd() const { return TimePoint(Duration(m_end.load())); }

private:
    std::atomic<bool> m_armed{false};
    Duration m_stall{};
    std::atomic<Duration::rep> m_start{0};
    std::atomic<Duration::rep> m_end{0};
};

// One journey of one request, GET /<route>. Optionally keeps, for every
// answer, when it was meant to be sent and how long after that it came back
// (the latency the "client" entity records, per request).
class SingleRouteWorkload final : public Workload
{
public:
    struct Sample
    {
        TimePoint intended;
        Duration latency;
        bool ok;
    };

    explicit SingleRouteWorkload(QString path, bool keepSamples = false)
        : m_path(std::move(path)), m_keep(keepSamples)
    {
    }
    QStringList journeys() const override { return {QStringLiteral("call")}; }
    double defaultWeight(const QString &) const override { return 1; }
    QList<Request> journey(const QString &, int, std::mt19937_64 &) override
    {
        Request r;
        r.method = QStringLiteral("GET");
        r.path = m_path;
        return {r};
    }
    void observe(const Request &request, const Response &response) override
    {
        if (!m_keep)
            return;
        const TimePoint now = Clock::now();
        std::lock_guard lock(m_mutex);
        m_samples.push_back({request.intendedSend, now - request.intendedSend, response.ok()});
    }
    std::vector<Sample> samples() const
    {
        std::lock_guard lock(m_mutex);
        return m_samples;
    }

private:
    QString m_path;
    bool m_keep;
    mutable std::mutex m_mutex;
    std::vector<Sample> m_samples;
};

} // namespace microcosm::bench
