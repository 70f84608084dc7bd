#include "loadgenerator.h"

#include "platform.h"

namespace microcosm {

struct LoadGenerator::Run
{
    QList<Request> steps;
    int next = 0;
    TimePoint intended;
};

LoadGenerator::LoadGenerator(Platform &platform, std::shared_ptr<Workload> workload, LoadConfig config)
    : m_platform(platform)
    , m_workload(std::move(workload))
    , m_config(std::move(config))
    , m_rng(m_config.seed)
    , m_client(platform.metrics().entity(QStringLiteral("client")))
{
}

LoadGenerator::~LoadGenerator()
{
    stop();
    // Journeys still under way call back into this object: wait for them.
    waitIdle(seconds(30));
}

void LoadGenerator::start()
{
    if (running())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_nextArrival = Clock::now();
    }
    m_timer.store(m_platform.scheduler().every(milliseconds(1), [this] { tick(); }));
}

void LoadGenerator::stop()
{
    if (const auto id = m_timer.exchange(0))
        m_platform.scheduler().cancel(id);
}

void LoadGenerator::setRate(double perSecond)
{
    std::lock_guard lock(m_mutex);
    m_config.rate = std::max(0.0, perSecond);
    m_nextArrival = std::max(m_nextArrival, Clock::now());
}

double LoadGenerator::rate() const
{
    std::lock_guard lock(m_mutex);
    return m_config.rate;
}

LoadConfig LoadGenerator::config() const
{
    std::lock_guard lock(m_mutex);
    return m_config;
}

LoadGenerator::Stats LoadGenerator::stats() const
{
    return {m_arrivals.load(), m_dropped.load(), m_requests.load(),
            m_ok.load(),       m_failed.load(),  m_inFlight.load()};
}

bool LoadGenerator::waitIdle(Duration timeout)
{
    std::unique_lock lock(m_idleMutex);
    return m_idle.wait_for(lock, timeout, [this] { return m_inFlight.load() == 0; });
}

QString LoadGenerator::pickJourney()
{
    const QStringList names = m_workload->journeys();
    std::vector<double> weights;
    for (const QString &n : names)
        weights.push_back(m_config.mix.value(n, m_workload->defaultWeight(n)));
    std::discrete_distribution<int> pick(weights.begin(), weights.end());
    return names.value(pick(m_rng));
}

void LoadGenerator::tick()
{
    const TimePoint now = Clock::now();
    std::vector<std::shared_ptr<Run>> due;
    {
        std::lock_guard lock(m_mutex);
        if (m_config.rate <= 0) {
            m_nextArrival = now;
            return;
        }
        std::exponential_distribution<double> gap(m_config.rate);
        std::uniform_int_distribution<int> user(1, std::max(1, m_config.users));
        while (m_nextArrival <= now) {
            auto run = std::make_shared<Run>();
            run->intended = m_nextArrival;
            run->steps = m_workload->journey(pickJourney(), user(m_rng), m_rng);
            due.push_back(std::move(run));
            m_nextArrival += std::chrono::duration_cast<Duration>(
                std::chrono::duration<double>(gap(m_rng)));
        }
    }
    for (auto &run : due) {
        m_arrivals.fetch_add(1, std::memory_order_relaxed);
        if (m_inFlight.load(std::memory_order_relaxed) >= m_config.maxInFlight || run->steps.isEmpty()) {
            m_dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        m_inFlight.fetch_add(1, std::memory_order_relaxed);
        send(run);
    }
}

void LoadGenerator::send(const std::shared_ptr<Run> &run)
{
    Request request = run->steps[run->next];
    request.intendedSend = run->intended;
    m_requests.fetch_add(1, std::memory_order_relaxed);
    m_platform.gateway().submit(request, [this, run, request](Response r) {
        const TimePoint now = Clock::now();
        m_workload->observe(request, r);
        // From the intended send time: a stall counts for every request due during it.
        m_client->record(r.outcome, now - run->intended);
        if (!r.ok()) {
            finish(false);
            return;
        }
        if (++run->next >= run->steps.size()) {
            finish(true);
            return;
        }
        run->intended = now; // the next step is sent as soon as this one answered
        send(run);
    });
}

void LoadGenerator::finish(bool ok)
{
    (ok ? m_ok : m_failed).fetch_add(1, std::memory_order_relaxed);
    if (m_inFlight.fetch_sub(1) == 1) {
        std::lock_guard lock(m_idleMutex);
        m_idle.notify_all();
    }
}

} // namespace microcosm
