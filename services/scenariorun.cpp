#include "scenariorun.h"

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

// The metrics entity an expectation is about, or empty for those judged by
// the audit or by counters of their own.
QString metricsEntity(const Expectation &e)
{
    static const QStringList notMetrics{QStringLiteral("invariants"), QStringLiteral("lost-orders"),
                                        QStringLiteral("duplicate-orders"),
                                        QStringLiteral("dropped"), QStringLiteral("retries")};
    if (notMetrics.contains(e.metric))
        return {};
    if (e.entity == QLatin1String("gateway") || e.entity == QLatin1String("client") ||
        e.entity.startsWith(QLatin1String("route:")))
        return e.entity;
    return e.entity.contains(QLatin1Char('>')) ? QStringLiteral("edge:") + e.entity
                                               : QStringLiteral("service:") + e.entity;
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
        const QString entity = metricsEntity(e);
        m_watches.push_back(
            entity.isEmpty()
                ? -1
                : platform.metrics().watch(entity, m_platformStart + (e.from >= 0 ? e.from : 0),
                                           m_platformStart +
                                               (e.to >= 0 ? e.to : m_scenario.duration + 0.5)));
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
    const QString &m = e.metric;
    if (m == QLatin1String("invariants"))
        return audit.ok ? 1 : 0;
    if (m == QLatin1String("lost-orders"))
        return audit.acknowledgedMissing;
    if (m == QLatin1String("duplicate-orders"))
        return audit.duplicateKeys;
    if (m == QLatin1String("dropped"))
        return double(m_session.load().stats().dropped);
    if (m == QLatin1String("retries")) {
        for (const EdgeStatus &s : m_session.platform().gateway().edgeStatus())
            if (s.from + QLatin1Char('>') + s.to == e.entity)
                return double(s.retries);
        *nothing = QStringLiteral("the edge %1 was never called").arg(e.entity);
        return std::nullopt;
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
    if (m == QLatin1String("max-replicas"))
        return s.maxReplicasReady;
    if (m == QLatin1String("min-replicas"))
        return s.minReplicasReady;
    // Rates, latencies and counts of outcomes are about requests: with none,
    // "success-rate >= 0.99" or "timeouts == 0" would hold by accident. Only
    // the count of requests itself is measured as 0.
    if (s.total() == 0 && m != QLatin1String("requests")) {
        *nothing = QStringLiteral("no requests to %1 %2").arg(e.entity, window);
        return std::nullopt;
    }
    const auto count = [&s](Outcome o) { return double(s.totals[int(o)]); };
    if (m == QLatin1String("success-rate"))
        return s.successRate();
    if (m == QLatin1String("error-rate"))
        return 1.0 - s.successRate();
    if (m == QLatin1String("p50-ms"))
        return s.latency.percentileMs(0.50);
    if (m == QLatin1String("p95-ms"))
        return s.latency.percentileMs(0.95);
    if (m == QLatin1String("p99-ms"))
        return s.latency.percentileMs(0.99);
    if (m == QLatin1String("max-ms"))
        return double(s.latency.maxUs()) / 1000.0;
    if (m == QLatin1String("throughput"))
        return s.rps;
    if (m == QLatin1String("requests"))
        return double(s.total());
    if (m == QLatin1String("timeouts"))
        return count(Outcome::Timeout);
    if (m == QLatin1String("rejected"))
        return count(Outcome::Rejected);
    if (m == QLatin1String("short-circuited"))
        return count(Outcome::ShortCircuited);
    if (m == QLatin1String("fallbacks"))
        return count(Outcome::Fallback);
    if (m == QLatin1String("server-errors"))
        return count(Outcome::ServerError);
    *nothing = QStringLiteral("no measure for the metric %1").arg(m);
    return std::nullopt;
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
        if (e.metric == QLatin1String("invariants"))
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
