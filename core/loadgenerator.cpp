#include "loadgenerator.h"

#include "platform.h"

#include <cmath>

namespace microcosm {

struct LoadGenerator::Run
{
    QList<Request> steps;
    int next = 0;
    TimePoint intended;
    int virtualUser = -1; // closed model: whose journey this is
};

double LoadProfile::rateAt(double t) const
{
    switch (shape) {
    case Shape::Constant:
        return rate;
    case Shape::Ramp:
        if (t <= at)
            return rate;
        if (t >= at + duration || duration <= 0)
            return to;
        return rate + (to - rate) * (t - at) / duration;
    case Shape::Step:
        return t < at ? rate : to;
    case Shape::Spike:
        return t >= at && t < at + duration ? to : rate;
    case Shape::Wave:
        return std::max(0.0, rate + amplitude * std::sin(2 * M_PI * t / std::max(0.001, period)));
    }
    return rate;
}

QList<LoadChange> LoadProfile::changes() const
{
    const auto journeys = [](double r) { return QString::number(r); };
    QList<LoadChange> out;
    auto change = [&](double t, double a, double b, const QString &why) {
        if (a != b)
            out.append({t, a, b,
                        QStringLiteral("load %1 → %2 journeys/s (%3)")
                            .arg(journeys(a), journeys(b), why)});
    };
    switch (shape) {
    case Shape::Constant:
        break;
    case Shape::Step:
        change(at, rate, to, QStringLiteral("step"));
        break;
    case Shape::Spike:
        change(at, rate, to, QStringLiteral("spike for %1 s").arg(duration));
        change(at + duration, to, rate, QStringLiteral("spike over"));
        break;
    case Shape::Ramp:
        if (duration <= 0) {
            change(at, rate, to, QStringLiteral("ramp"));
            break;
        }
        change(at, rate, to, QStringLiteral("ramp over %1 s begins").arg(duration));
        if (rate != to)
            out.append({at + duration, to, to,
                        QStringLiteral("load at %1 journeys/s (ramp done)").arg(journeys(to))});
        break;
    case Shape::Wave:
        if (amplitude > 0)
            out.append({0, rate, rate,
                        QStringLiteral("load waves %1–%2 journeys/s every %3 s (wave)")
                            .arg(journeys(std::max(0.0, rate - amplitude)),
                                 journeys(rate + amplitude), journeys(period))});
        break;
    }
    return out;
}

QString LoadProfile::shapeName(Shape s)
{
    switch (s) {
    case Shape::Constant:
        return QStringLiteral("constant");
    case Shape::Ramp:
        return QStringLiteral("ramp");
    case Shape::Step:
        return QStringLiteral("step");
    case Shape::Spike:
        return QStringLiteral("spike");
    case Shape::Wave:
        return QStringLiteral("wave");
    }
    return {};
}

bool LoadProfile::shapeFromName(const QString &name, Shape *out)
{
    for (Shape s : {Shape::Constant, Shape::Ramp, Shape::Step, Shape::Spike, Shape::Wave}) {
        if (shapeName(s) == name) {
            *out = s;
            return true;
        }
    }
    return false;
}

LoadGenerator::LoadGenerator(Platform &platform, std::shared_ptr<Workload> workload,
                             LoadConfig config)
    : m_platform(platform), m_workload(std::move(workload)), m_config(std::move(config)),
      m_rng(m_config.seed), m_started(Clock::now()),
      m_client(platform.metrics().entity(EntityKey::client()))
{
    // A mix that is given is the whole mix: what it does not name weighs 0.
    if (m_workload)
        m_journeyNames = m_workload->journeys();
    const bool given = !m_config.mix.isEmpty();
    std::vector<double> weights;
    double total = 0;
    for (const QString &n : m_journeyNames) {
        const double w = given ? m_config.mix.value(n, 0.0) : m_workload->defaultWeight(n);
        weights.push_back(w > 0 && std::isfinite(w) ? w : 0.0);
        total += weights.back();
    }
    if (total > 0)
        m_journeyPick.emplace(weights.begin(), weights.end());
}

LoadGenerator::~LoadGenerator()
{
    stop();
    // Journeys still under way call back into this object: wait for them,
    // then for the think-time timers they may have armed.
    waitIdle(seconds(30));
    std::set<Scheduler::TimerId> thinking;
    {
        std::lock_guard lock(m_mutex);
        thinking.swap(m_thinking);
    }
    for (auto id : thinking)
        m_platform.scheduler().cancelAndWait(id);
    if (const auto id = m_timer.exchange(0))
        m_platform.scheduler().cancelAndWait(id);
}

void LoadGenerator::start()
{
    if (running())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_nextArrival = Clock::now();
        m_started = m_nextArrival;
        m_spawned = 0;
        m_changes = m_config.model == LoadConfig::Model::Open ? m_config.profile.changes()
                                                              : QList<LoadChange>();
    }
    m_timer.store(m_platform.scheduler().every(milliseconds(1), [this] { tick(); }));
}

void LoadGenerator::stop()
{
    if (const auto id = m_timer.exchange(0))
        m_platform.scheduler().cancelAndWait(id);
}

void LoadGenerator::setRate(double perSecond)
{
    std::lock_guard lock(m_mutex);
    m_config.model = LoadConfig::Model::Open;
    m_config.profile = LoadProfile{};
    m_config.profile.rate = std::max(0.0, perSecond);
    m_changes.clear(); // the profile's changes to come are no more
    m_nextArrival = std::max(m_nextArrival, Clock::now());
}

double LoadGenerator::elapsed() const
{
    return std::chrono::duration<double>(Clock::now() - m_started).count();
}

double LoadGenerator::rate() const
{
    std::lock_guard lock(m_mutex);
    return m_config.profile.rateAt(elapsed());
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
    return m_journeyPick ? m_journeyNames.value((*m_journeyPick)(m_rng)) : QString();
}

std::shared_ptr<LoadGenerator::Run> LoadGenerator::newRun(int user, TimePoint intended)
{
    // Called with m_mutex held. No journey to pick leaves the run without
    // steps: its arrival is counted as dropped.
    auto run = std::make_shared<Run>();
    run->intended = intended;
    if (const QString journey = pickJourney(); !journey.isEmpty())
        run->steps = m_workload->journey(journey, user, m_rng);
    return run;
}

void LoadGenerator::tick()
{
    const TimePoint now = Clock::now();
    const double t = std::chrono::duration<double>(now - m_started).count();
    std::vector<std::shared_ptr<Run>> due;
    std::vector<int> spawn;
    QStringList changed;
    {
        std::lock_guard lock(m_mutex);
        while (!m_changes.isEmpty() && m_changes.front().at <= t)
            changed << m_changes.takeFirst().text;
        if (m_config.model == LoadConfig::Model::Closed) {
            const int target = std::min(m_config.virtualUsers, int(m_config.spawnRate * t) + 1);
            while (m_spawned < target)
                spawn.push_back(m_spawned++);
        } else {
            std::uniform_int_distribution<int> user(1, std::max(1, m_config.users));
            while (m_nextArrival <= now) {
                const double rate = m_config.profile.rateAt(
                    std::chrono::duration<double>(m_nextArrival - m_started).count());
                // A NaN or infinite rate (never accepted from users) must not stall the clock.
                if (!(rate > 0) || !std::isfinite(rate)) {
                    m_nextArrival = now + milliseconds(10); // look again shortly
                    break;
                }
                due.push_back(newRun(user(m_rng), m_nextArrival));
                const double gap = m_config.poisson
                                       ? std::exponential_distribution<double>(rate)(m_rng)
                                       : 1.0 / rate;
                m_nextArrival +=
                    std::chrono::duration_cast<Duration>(std::chrono::duration<double>(gap));
            }
        }
    }
    for (const QString &text : changed)
        m_platform.events().add(QStringLiteral("load"), QStringLiteral("load-change"), text);
    for (int vu : spawn)
        startVirtualUser(vu);
    for (auto &run : due) {
        m_arrivals.fetch_add(1, std::memory_order_relaxed);
        if (m_inFlight.load(std::memory_order_relaxed) >= m_config.maxInFlight ||
            run->steps.isEmpty()) {
            m_dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        m_inFlight.fetch_add(1, std::memory_order_relaxed);
        send(run);
    }
}

void LoadGenerator::startVirtualUser(int vu)
{
    std::shared_ptr<Run> run;
    {
        std::lock_guard lock(m_mutex);
        if (!running() || m_config.model != LoadConfig::Model::Closed ||
            vu >= m_config.virtualUsers)
            return; // the user leaves
        run = newRun(vu % std::max(1, m_config.users) + 1, Clock::now());
        run->virtualUser = vu;
    }
    m_arrivals.fetch_add(1, std::memory_order_relaxed);
    if (run->steps.isEmpty()) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return; // nothing to do: the user leaves
    }
    m_inFlight.fetch_add(1, std::memory_order_relaxed);
    send(run);
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
            finish(run, false);
            return;
        }
        if (++run->next >= run->steps.size()) {
            finish(run, true);
            return;
        }
        run->intended = now; // the next step is sent as soon as this one answered
        m_workload->carry(r, run->steps, run->next);
        send(run);
    });
}

void LoadGenerator::finish(const std::shared_ptr<Run> &run, bool ok)
{
    (ok ? m_ok : m_failed).fetch_add(1, std::memory_order_relaxed);
    if (run->virtualUser >= 0 && running()) {
        // Closed model: this user thinks, then starts its next journey.
        double thinkMs;
        {
            std::lock_guard lock(m_mutex);
            thinkMs = m_config.thinkTimeMs > 0
                          ? std::exponential_distribution<double>(1.0 / m_config.thinkTimeMs)(m_rng)
                          : 0.0;
        }
        const int vu = run->virtualUser;
        std::lock_guard lock(m_mutex);
        auto id = std::make_shared<Scheduler::TimerId>(0);
        *id = m_platform.scheduler().after(fromMs(thinkMs), [this, vu, id] {
            {
                std::lock_guard lock(m_mutex);
                m_thinking.erase(*id);
            }
            startVirtualUser(vu);
        });
        m_thinking.insert(*id);
    }
    if (m_inFlight.fetch_sub(1) == 1) {
        std::lock_guard lock(m_idleMutex);
        m_idle.notify_all();
    }
}

} // namespace microcosm
