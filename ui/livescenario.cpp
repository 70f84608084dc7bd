#include "livescenario.h"

#include "debrief.h"
#include "recording.h"
#include "shopsession.h"

#include <thread>

namespace microcosm {

LiveScenario::LiveScenario(ShopSession &session, Scenario scenario, QObject *parent)
    : QObject(parent), m_session(session),
      m_run(std::make_unique<ScenarioRun>(session, std::move(scenario)))
{
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &LiveScenario::check);
}

LiveScenario::~LiveScenario()
{
    m_timer.stop();
    // Settling uses the run: let it finish before the run goes (m_job is
    // destroyed first, but say it here too for the reader).
    m_job.cancel();
    m_job.wait();
}

void LiveScenario::start()
{
    m_run->start();
    m_timer.start();
}

double LiveScenario::elapsed() const
{
    return std::min(m_run->elapsed(), m_run->scenario().duration);
}

bool LiveScenario::passed() const
{
    if (m_phase != Phase::Done || !m_settled || !m_audit.ok)
        return false;
    for (const ExpectationResult &r : m_results)
        if (!r.held)
            return false;
    return true;
}

void LiveScenario::check()
{
    if (m_phase == Phase::Running && m_run->finished())
        beginSettling();
}

void LiveScenario::beginSettling()
{
    m_timer.stop();
    m_phase = Phase::Settling;
    emit phaseChanged(m_phase);

    struct Verdict
    {
        bool settled = false;
        AuditReport audit;
        QList<ExpectationResult> results;
        QString debrief;
    };
    auto verdict = std::make_shared<Verdict>();
    ScenarioRun *run = m_run.get();
    ShopSession *session = &m_session;
    m_job.start(
        [run, session, verdict] {
            // As the headless runner does: stop the load and the faults, bring
            // back what is down, wait for checkouts, compensations and the
            // outbox; then audit the files from outside and judge.
            verdict->settled = run->settle(seconds(30));
            session->platform().rotateMetrics();
            verdict->audit = session->runAudit();
            verdict->results = run->evaluate(verdict->audit);
            // Told from the window's recording, once its writer (every
            // 100 ms) has the last second.
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            QString error;
            if (const auto recording = Recording::open(
                    recording::defaultPath(session->platform().dataDir()), &error, true))
                verdict->debrief = debriefOf(*recording, verdict->audit.toJson()).text;
        },
        [this, verdict] {
            m_settled = verdict->settled;
            m_audit = verdict->audit;
            m_results = verdict->results;
            m_debrief = verdict->debrief;
            EventLog &log = m_session.platform().events();
            int held = 0;
            for (const ExpectationResult &r : std::as_const(m_results)) {
                if (r.held)
                    ++held;
                else
                    log.add(QStringLiteral("scenario"), QStringLiteral("expect-violated"),
                            r.text());
            }
            if (!m_audit.ok)
                log.add(QStringLiteral("auditor"), QStringLiteral("expect-violated"),
                        QStringLiteral("invariants violated: %1")
                            .arg(m_audit.violations.join(QStringLiteral("; "))));
            if (!m_settled)
                log.add(QStringLiteral("scenario"), QStringLiteral("expect-violated"),
                        QStringLiteral("the system did not settle within 30 s after the run"));
            log.add(QStringLiteral("scenario"), QStringLiteral("scenario-end"),
                    QStringLiteral("scenario \"%1\" over: %2 of %3 expectations held; %4")
                        .arg(m_run->scenario().title)
                        .arg(held)
                        .arg(m_results.size())
                        .arg(m_audit.summary()));
            m_phase = Phase::Done;
            emit phaseChanged(m_phase);
        });
}

} // namespace microcosm
