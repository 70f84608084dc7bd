#include "replica.h"

#include "enginethreads.h"
#include "platform.h"
#include "servicehost.h"
#include "sqlite.h"

#include <algorithm>

namespace microcosm {

// The worker's view of the platform while it handles a request.
class WorkerContextImpl final : public WorkerContext
{
public:
    WorkerContextImpl(Replica &replica, Database &db, int worker)
        : m_replica(replica), m_db(db),
          m_rng(std::random_device{}() ^ (std::uint64_t(worker) << 32))
    {
    }

    Database &db() override { return m_db; }
    QString replicaName() const override { return m_replica.name(); }
    QString incarnation() const override { return m_replica.incarnation(); }
    std::mt19937_64 &rng() override { return m_rng; }
    void event(const QString &kind, const QString &message) override
    {
        m_replica.m_host.platform().events().add(m_replica.m_host.name(), kind, message);
    }

    bool isLive(const QString &incarnation) const override
    {
        for (const auto &r : m_replica.m_host.replicas())
            if (r && r->incarnation() == incarnation) // a slot may be empty (retired)
                return !r->killed();
        return false;
    }

    Response call(Request request) override
    {
        if (m_replica.killed())
            return Response::error(502, QStringLiteral("reset: %1 was killed").arg(replicaName()));
        struct Slot
        {
            std::atomic<bool> ready{false};
            Response response;
        };
        auto slot = std::make_shared<Slot>();
        std::weak_ptr<Replica> replica = m_replica.weak_from_this();
        if (m_current) {
            request.trace = m_current->trace;
            request.depth = m_current->depth + 1;
            request.parentSpanId = m_spanId; // the context passes on: this handling's span
        }
        // A kill wakes this worker, which returns at once; a reply arriving
        // later only fills the shared slot and wakes a replica still alive.
        m_replica.m_host.platform().gateway().call(
            m_replica.m_host.name(), std::move(request), [slot, replica](Response response) {
                slot->response = std::move(response);
                slot->ready.store(true, std::memory_order_release);
                if (auto waiting = replica.lock())
                    waiting->notify();
            });
        m_replica.waitUntil(TimePoint::max(),
                            [&] { return slot->ready.load(std::memory_order_acquire); });
        if (!slot->ready.load(std::memory_order_acquire))
            return Response::error(502, QStringLiteral("reset: %1 was killed").arg(replicaName()));
        return slot->response;
    }

    QList<Response> callAll(QList<Request> requests) override
    {
        if (m_replica.killed() || requests.size() < 2)
            return WorkerContext::callAll(std::move(requests));
        struct Answers
        {
            explicit Answers(qsizetype n) : responses(n) {}
            std::mutex mutex;
            QList<Response> responses;
            std::atomic<qsizetype> remaining{0};
        };
        auto answers = std::make_shared<Answers>(requests.size());
        answers->remaining.store(requests.size(), std::memory_order_relaxed);
        std::weak_ptr<Replica> replica = m_replica.weak_from_this();
        for (qsizetype i = 0; i < requests.size(); ++i) {
            Request &request = requests[i];
            if (m_current) {
                request.trace = m_current->trace;
                request.depth = m_current->depth + 1;
                request.parentSpanId = m_spanId;
            }
            m_replica.m_host.platform().gateway().call(
                m_replica.m_host.name(), std::move(request),
                [answers, replica, i](Response response) {
                    {
                        std::lock_guard lock(answers->mutex);
                        answers->responses[i] = std::move(response);
                    }
                    if (answers->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
                        if (auto waiting = replica.lock())
                            waiting->notify();
                });
        }
        m_replica.waitUntil(TimePoint::max(), [&] {
            return answers->remaining.load(std::memory_order_acquire) == 0;
        });
        std::lock_guard lock(answers->mutex);
        if (answers->remaining.load(std::memory_order_acquire) != 0) {
            const Response reset =
                Response::error(502, QStringLiteral("reset: %1 was killed").arg(replicaName()));
            for (Response &r : answers->responses)
                if (r.status == 0)
                    r = reset;
        }
        return answers->responses;
    }

    void span(const QString &name, TimePoint start, TimePoint end, const QString &note) override
    {
        if (m_current && m_current->trace)
            m_current->trace->add(step(name, start, end, 0, note));
    }

    // A step inside the traced request being handled (Internal, under its Server span).
    Span step(const QString &name, TimePoint start, TimePoint end, int status,
              const QString &note) const
    {
        Span s;
        s.name = name;
        s.start = start;
        s.end = end;
        s.status = status;
        s.note = note;
        s.depth = m_current->depth + 1;
        s.id = newSpanId();
        s.parentId = m_spanId;
        s.service = m_replica.m_host.name();
        s.replica = m_replica.name();
        s.route = m_current->route;
        return s;
    }

    const Request *m_current = nullptr;
    quint64 m_spanId = 0; // of the traced request being handled, else 0

private:
    Replica &m_replica;
    Database &m_db;
    std::mt19937_64 m_rng;
};

Replica::Replica(ServiceHost &host, int index, int generation, int workers, int queueCapacity,
                 QString version)
    : m_host(host), m_index(index), m_name(QStringLiteral("%1#%2").arg(host.name()).arg(index + 1)),
      m_incarnation(QStringLiteral("%1#%2.%3@%4")
                        .arg(host.name())
                        .arg(index + 1)
                        .arg(generation)
                        .arg(host.platform().runId())),
      m_workerCount(workers), m_capacity(queueCapacity), m_version(std::move(version)),
      m_running(workers), m_connections(workers, nullptr)
{
}

Replica::~Replica()
{
    if (!killed()) {
        m_killed.store(true);
        std::lock_guard lock(m_mutex);
        m_inboxReady.notify_all();
        m_wake.notify_all();
    }
    join();
}

void Replica::start()
{
    m_liveWorkers.store(m_workerCount);
    m_threads.reserve(m_workerCount);
    for (int w = 0; w < m_workerCount; ++w)
        m_threads.emplace_back([this, w] { workerMain(w); });
}

void Replica::markReady()
{
    State expected = State::Starting;
    m_state.compare_exchange_strong(expected, State::Ready);
}

bool Replica::kill(const QString &reason)
{
    std::deque<Job> queued;
    std::vector<std::shared_ptr<PendingCall>> running;
    {
        std::lock_guard lock(m_mutex);
        if (m_killed.exchange(true))
            return false;
        m_state.store(State::Dead);
        queued.swap(m_inbox);
        m_queued.store(0);
        running = m_running;
        for (Database *db : m_connections)
            if (db)
                db->interrupt(); // the running statement fails; its transaction rolls back
        m_inboxReady.notify_all();
        m_wake.notify_all();
    }
    const QString why = QStringLiteral("reset: %1 %2").arg(m_name, reason);
    for (auto &call : running)
        if (call)
            call->complete(Response::error(502, why));
    for (auto &job : queued)
        if (job.call)
            job.call->complete(Response::error(502, why));
    return true;
}

void Replica::join()
{
    for (auto &t : m_threads)
        if (t.joinable())
            t.join();
    m_threads.clear();
}

bool Replica::enqueue(Job job, Response *refusal)
{
    std::lock_guard lock(m_mutex);
    if (m_killed.load() || m_state.load() != State::Ready) {
        *refusal = Response::error(
            503, QStringLiteral("refused: %1 is %2").arg(m_name, replicaStateName(m_state.load())),
            Outcome::Rejected);
        return false;
    }
    if (!job.maintenance && int(m_inbox.size()) >= m_capacity) {
        *refusal =
            Response::error(503, QStringLiteral("queue full: %1").arg(m_name), Outcome::Rejected);
        return false;
    }
    m_inbox.push_back(std::move(job));
    m_queued.fetch_add(1, std::memory_order_relaxed);
    m_inboxReady.notify_one();
    return true;
}

void Replica::workerMain(int worker)
{
    engineThreadStarted(); // the service time is a timed wait
    try {
        Database db(m_host.databasePath());
        db.setAbortFlag(&m_killed);
        {
            std::lock_guard lock(m_mutex);
            m_connections[worker] = &db;
        }
        try {
            m_host.service().migrate(db);
            m_servingWorkers.fetch_add(1);
            serve(worker, db);
            m_servingWorkers.fetch_sub(1);
        } catch (const DbError &e) {
            if (!killed()) {
                m_host.platform().events().add(m_name, QStringLiteral("worker-failed"),
                                               QString::fromUtf8(e.what()));
                noteDatabaseFailure(e);
            }
        }
        std::lock_guard lock(m_mutex);
        m_connections[worker] = nullptr;
    } catch (const DbError &e) {
        m_host.platform().events().add(m_name, QStringLiteral("worker-failed"),
                                       QString::fromUtf8(e.what()));
        noteDatabaseFailure(e);
    }
    m_liveWorkers.fetch_sub(1);
}

void Replica::noteDatabaseFailure(const DbError &e)
{
    if (e.fileFailure())
        m_host.platform().noteDatabaseFailure(m_host.name(), m_name, QString::fromUtf8(e.what()));
}

void Replica::serve(int worker, Database &db)
{
    WorkerContextImpl ctx(*this, db, worker);
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_inboxReady.wait(lock, [&] { return killed() || !m_inbox.empty(); });
            if (killed())
                return;
            job = std::move(m_inbox.front());
            m_inbox.pop_front();
            m_queued.fetch_sub(1, std::memory_order_relaxed);
            m_running[worker] = job.call;
            m_busy.fetch_add(1, std::memory_order_relaxed);
        }
        const TimePoint started = Clock::now();
        ctx.m_current = &job.request;
        ctx.m_spanId = job.request.trace ? newSpanId() : 0;
        Response response;
        if (job.maintenance) {
            try {
                m_host.service().maintain(ctx);
            } catch (const DbError &e) {
                if (!killed()) {
                    m_host.platform().events().add(m_name, QStringLiteral("maintenance-failed"),
                                                   QString::fromUtf8(e.what()));
                    noteDatabaseFailure(e);
                }
            }
        } else if (!job.call->done()) {
            response = work(job, ctx, started);
            if (job.request.trace) {
                // The service's handling, from the moment it was queued.
                Span s;
                s.name = m_name + QLatin1Char(' ') + job.request.route;
                s.start = job.enqueued;
                s.end = Clock::now();
                s.status = killed() ? 502 : response.status;
                s.note =
                    killed() ? QStringLiteral("reset: %1 was killed").arg(m_name) : response.reason;
                s.depth = job.request.depth + 1;
                s.id = ctx.m_spanId;
                s.parentId = job.request.parentSpanId;
                s.kind = Span::Kind::Server;
                s.service = m_host.name();
                s.replica = m_name;
                s.route = job.request.route;
                s.attempt = job.request.attempt;
                job.request.trace->add(std::move(s));
            }
        }
        ctx.m_current = nullptr;
        ctx.m_spanId = 0;
        {
            std::lock_guard lock(m_mutex);
            m_running[worker].reset();
            m_busy.fetch_sub(1, std::memory_order_relaxed);
        }
        m_busyTime.fetch_add((Clock::now() - started).count(), std::memory_order_relaxed);
        if (killed())
            return; // the kill already answered this job with a reset
        if (!job.call)
            continue;
        m_host.onReplicaResult(m_index, response.status >= 500);
        if (!job.call->complete(std::move(response)))
            m_wasted.fetch_add(1, std::memory_order_relaxed);
    }
}

// A service time ends at its deadline on average, not a wake-up later.
// Even with the timer slack at its least (engineThreadStarted()) a timed
// wait returns some tens of microseconds after its deadline on this kind of
// machine (the kernel's timer interrupt, then the scheduler running the
// thread): 0.3 % of a 10 ms service time, which a queue near saturation
// magnifies by 1 / (1 − ρ) — the fidelity figure's M/D/1 mean was 13 % over
// Pollaczek–Khinchine at ρ = 0.9. So each wait aims that much early, by
// the replica's running mean of how late its waits woke (each sample at
// most 1 ms, so one stall does not shorten the next hundred waits).
void Replica::serviceWait(TimePoint workEnd)
{
    const TimePoint now = Clock::now();
    if (workEnd <= now) // zero service time: no wait at all
        return;
    const Duration lateness(m_wakeLateness.load(std::memory_order_relaxed));
    const TimePoint wakeAt = workEnd - lateness;
    if (wakeAt <= now)
        return;
    waitUntil(wakeAt, [] { return false; });
    if (killed())
        return;
    const Duration late =
        std::clamp(Clock::now() - wakeAt, Duration::zero(), Duration(std::chrono::milliseconds(1)));
    // Workers of one replica share the mean: a lost update costs one sample.
    m_wakeLateness.store((lateness + (late - lateness) / 32).count(), std::memory_order_relaxed);
}

Response Replica::work(Job &job, WorkerContextImpl &ctx, TimePoint started)
{
    const VersionProfile profile = m_host.profileFor(m_version);
    const ServiceTime serviceTime =
        profile.routeServiceTime.value(job.request.route, profile.serviceTime);
    const Fault fault = m_host.platform().faults().service(m_host.name());

    // Service time: I/O-bound work, slept so that replicas add capacity;
    // injected latency comes on top.
    const Duration injected = fault.drawLatency(ctx.rng());
    const TimePoint workEnd = started + serviceTime.sample(ctx.rng()) + injected;
    serviceWait(workEnd);
    if (killed())
        return {};
    if (fault.drawError(ctx.rng()))
        return Response::error(
            fault.errorStatus,
            QStringLiteral("injected %1 at %2").arg(fault.errorStatus).arg(m_name));
    if (profile.errorPercent > 0 &&
        std::uniform_real_distribution<double>(0, 100)(ctx.rng()) < profile.errorPercent)
        return Response::error(profile.errorStatus,
                               QStringLiteral("%1 (%2) failed").arg(m_name, m_version));

    const TimePoint sqlStart = Clock::now();
    if (fault.dbDelayMs > 0) // a slow database: every request's database work takes longer
        waitUntil(sqlStart + fromMs(fault.dbDelayMs), [] { return false; });
    Response response;
    try {
        response = m_host.service().handle(job.request, ctx);
    } catch (const DbError &e) {
        noteDatabaseFailure(e);
        response = Response::error(
            e.busy() ? 503 : 500,
            QStringLiteral("database error at %1: %2").arg(m_name, QString::fromUtf8(e.what())));
    } catch (const std::exception &e) {
        response =
            Response::error(500, QStringLiteral("%1: %2").arg(m_name, QString::fromUtf8(e.what())));
    }
    if (job.request.trace) {
        job.request.trace->add(
            ctx.step(m_name + QStringLiteral(" queue"), job.enqueued, started, 0, {}));
        job.request.trace->add(ctx.step(
            m_name + QStringLiteral(" work"), started, workEnd, 0,
            serviceTime.describe() +
                (injected > Duration::zero() ? QStringLiteral(" + injected") : QString())));
        job.request.trace->add(ctx.step(m_host.name() + QStringLiteral(".db + logic"), sqlStart,
                                        Clock::now(), response.status, response.reason));
    }
    return response;
}

} // namespace microcosm
