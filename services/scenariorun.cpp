#include "scenariorun.h"

#include "edgekey.h"

#include <QFile>

#include <thread>

namespace microcosm {

QString ExpectationResult::text() const
{
    if (!evaluated())
        return QStringLiteral("NOT EVALUATED %1 (measured nothing: %2)")
            .arg(expectation.describe(), notEvaluated);
    return QStringLiteral("%1 %2 (measured %3)")
        .arg(held ? QStringLiteral("PASS") : QStringLiteral("FAIL"), expectation.describe())
        .arg(measured, 0, 'g', 6);
}

ScenarioRun::ScenarioRun(ShopSession &session, Scenario scenario)
    : m_session(session), m_scenario(std::move(scenario))
{
}

ScenarioRun::~ScenarioRun()
{
    std::vector<Scheduler::TimerId> timers;
    {
        std::lock_guard lock(m_mutex);
        timers.swap(m_timers);
    }
    for (auto id : timers)
        m_session.platform().scheduler().cancelAndWait(id);
    for (int id : m_watches)
        if (id >= 0)
            m_session.platform().metrics().unwatch(id);
}

namespace {

// The metrics entity an expectation is about, or none for those judged by
// the audit or by counters of their own. The scenario reader has checked
// the entity's words (checkEntity): "gateway", "client", a full route
// name, an edge "caller>service" or a service.
std::optional<EntityKey> metricsEntity(const Expectation &e)
{
    if (expectationMetric(e.metric).scope != MetricScope::Window)
        return std::nullopt;
    return EntityKey::named(e.entity);
}

} // namespace

void ScenarioRun::start()
{
    Platform &platform = m_session.platform();
    m_scenario.applyPolicies(platform);
    platform.events().add(QStringLiteral("scenario"), QStringLiteral("scenario-start"),
                          QStringLiteral("scenario \"%1\" started (%2 s)")
                              .arg(m_scenario.title)
                              .arg(m_scenario.duration));
    m_platformStart = platform.elapsed();
    // Each expectation's range is watched as it happens, at full
    // resolution, however long the run.
    for (const Expectation &e : m_scenario.expectations) {
        const std::optional<EntityKey> entity = metricsEntity(e);
        m_watches.push_back(
            !entity ? -1
                    : platform.metrics().watch(
                          *entity, m_platformStart + (e.from >= 0 ? e.from : 0),
                          m_platformStart + (e.to >= 0 ? e.to : m_scenario.duration + 0.5)));
    }
    m_started = true;
    m_session.load().start();
    std::lock_guard lock(m_mutex);
    for (const TimelineAction &a : m_scenario.timeline)
        m_timers.push_back(
            platform.scheduler().after(fromMs(a.at * 1000.0), [this, a] { play(a); }));
}

double ScenarioRun::elapsed() const
{
    return m_started ? m_session.platform().elapsed() - m_platformStart : 0.0;
}

QList<TimelineAction> ScenarioRun::upcoming() const
{
    std::lock_guard lock(m_mutex);
    return m_scenario.timeline.mid(m_played);
}

void ScenarioRun::play(const TimelineAction &a)
{
    {
        std::lock_guard lock(m_mutex);
        ++m_played;
    }
    Platform &p = m_session.platform();
    ChaosController &chaos = p.chaos();
    using K = TimelineAction::Kind;
    p.events().add(QStringLiteral("scenario"), QStringLiteral("timeline"),
                   QStringLiteral("t=%1 s: %2").arg(a.at).arg(a.describe()));
    switch (a.kind) {
    case K::Kill:
        p.killService(a.service, QStringLiteral("by the scenario"));
        break;
    case K::KillReplica:
        p.killReplica(a.service, a.replica - 1, QStringLiteral("by the scenario"));
        break;
    case K::Restart:
        p.restartService(a.service);
        break;
    case K::Scale:
        p.scaleService(a.service, a.replicas);
        break;
    case K::Latency:
    case K::Errors:
    case K::Partition:
        if (a.service.isEmpty())
            chaos.setLinkFault(a.from, a.to, a.fault);
        else
            chaos.setServiceFault(a.service, a.fault);
        break;
    case K::SlowDatabase:
        chaos.setServiceFault(a.service, a.fault);
        break;
    case K::LockDatabase: // the first name of block-writes
    case K::BlockWrites:
        chaos.blockWrites(a.service);
        break;
    case K::UnlockDatabase:
    case K::UnblockWrites:
        if (chaos.databaseFault(a.service) == DatabaseFault::WritesBlocked)
            chaos.releaseDatabase(a.service);
        break;
    case K::UnlockFile:
        if (chaos.databaseFault(a.service) == DatabaseFault::FileLocked)
            chaos.releaseDatabase(a.service);
        break;
    case K::LockFile:
        chaos.lockFile(a.service);
        break;
    case K::ClearFaults:
        if (!a.service.isEmpty())
            chaos.setServiceFault(a.service, {});
        else if (!a.from.isEmpty())
            chaos.setLinkFault(a.from, a.to, {});
        else
            chaos.clearAll();
        break;
    case K::RollingUpdate:
        if (ServiceHost *h = p.host(a.service))
            h->startRollingUpdate(a.update);
        break;
    case K::ChaosMonkey:
        chaos.startMonkey(a.monkey);
        break;
    case K::ChaosMonkeyOff:
        chaos.stopMonkey();
        break;
    case K::SetRate: {
        const double from = m_session.load().rate();
        m_session.load().setRate(a.rate);
        if (from != a.rate)
            p.events().add(QStringLiteral("load"), QStringLiteral("load-change"),
                           QStringLiteral("load %1 → %2 journeys/s (set-rate step)")
                               .arg(QString::number(from), QString::number(a.rate)));
        break;
    }
    case K::Breaker:
        p.gateway().setBreakerState(a.from, a.to, a.breakerState);
        break;
    }
}

bool ScenarioRun::settle(Duration timeout)
{
    const TimePoint until = Clock::now() + timeout;
    Platform &p = m_session.platform();
    m_session.load().stop();
    {
        std::vector<Scheduler::TimerId> timers;
        {
            std::lock_guard lock(m_mutex);
            timers.swap(m_timers);
        }
        for (auto id : timers)
            p.scheduler().cancelAndWait(id);
    }
    p.chaos().clearAll();
    for (const QString &name : p.serviceNames())
        p.restartService(name);
    if (!m_session.waitReady(std::max(Duration::zero(), until - Clock::now())))
        return false;
    return m_session.quiesce(std::max(
        milliseconds(100), std::chrono::duration_cast<milliseconds>(until - Clock::now())));
}

std::optional<double> ScenarioRun::measure(std::size_t index, const AuditReport &audit,
                                           QString *nothing) const
{
    const Expectation &e = m_scenario.expectations[qsizetype(index)];
    const ExpectationMetricInfo &metric = expectationMetric(e.metric);
    MetricInputs in;
    switch (metric.scope) {
    case MetricScope::WholeRun:
        in.audit = &audit;
        in.dropped = m_session.loadStats().dropped; // evaluated after the shutdown
        return metric.measure(in);
    case MetricScope::EdgeCounter:
        for (const EdgeStatus &s : m_session.platform().gateway().edgeStatus())
            if (edgeKey(s.from, s.to) == e.entity) {
                in.edgeRetries = s.retries;
                return metric.measure(in);
            }
        *nothing = QStringLiteral("the edge %1 was never called").arg(e.entity);
        return std::nullopt;
    case MetricScope::Window:
        break;
    }
    const QString window = e.from >= 0 || e.to >= 0 ? QStringLiteral("in its window")
                                                    : QStringLiteral("during the run");
    if (index >= m_watches.size() || m_watches[index] < 0) {
        *nothing = QStringLiteral("the run did not start");
        return std::nullopt;
    }
    const EntitySummary s = m_session.platform().metrics().watched(m_watches[index]);
    // No second of the window was recorded for the entity: nothing to judge.
    if (s.windows == 0) {
        *nothing = QStringLiteral("no sample of %1 %2").arg(e.entity, window);
        return std::nullopt;
    }
    if (metric.needsRequests && s.total() == 0) {
        *nothing = QStringLiteral("no requests to %1 %2").arg(e.entity, window);
        return std::nullopt;
    }
    in.window = &s;
    return metric.measure(in);
}

QList<ExpectationResult> ScenarioRun::evaluate(const AuditReport &audit) const
{
    QList<ExpectationResult> out;
    for (std::size_t i = 0; i < std::size_t(m_scenario.expectations.size()); ++i) {
        const Expectation &e = m_scenario.expectations[qsizetype(i)];
        ExpectationResult r{e, 0, false, {}};
        const std::optional<double> measured = measure(i, audit, &r.notEvaluated);
        if (!measured) {
            if (r.notEvaluated.isEmpty())
                r.notEvaluated = QStringLiteral("nothing to measure");
            out.append(r);
            continue;
        }
        r.measured = *measured;
        const double v = r.measured, want = e.value;
        if (expectationMetric(e.metric).yesNo)
            r.held = v == 1;
        else if (e.op == QLatin1String(">="))
            r.held = v >= want;
        else if (e.op == QLatin1String(">"))
            r.held = v > want;
        else if (e.op == QLatin1String("<="))
            r.held = v <= want;
        else if (e.op == QLatin1String("<"))
            r.held = v < want;
        else
            r.held = v == want;
        out.append(r);
    }
    return out;
}

bool ScenarioRun::writeCsv(const QString &path, CsvLayout layout, QString *error) const
{
    return writeMetricsCsv(m_session.platform().metrics(), m_platformStart, layout, path, error);
}

} // namespace microcosm
