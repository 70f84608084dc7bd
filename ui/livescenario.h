#pragma once

#include "auditor.h"
#include "backgroundjob.h"
#include "scenariorun.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace microcosm {

class ShopSession;

/*
 * A scenario running live in the window: plays its timeline on the shop
 * (through ScenarioRun), and when its duration is over settles the system,
 * audits the three databases and judges the expectations — all of that on a
 * worker thread, since settling waits for checkouts and the order outbox.
 * Each expectation that failed becomes an "expect-violated" event in the
 * platform's log, so the timeline shows it like any other event.
 *
 * Invariants: the GUI thread never blocks on the run (only start() and the
 * 4 Hz progress check run there); the worker is joined before the
 * ScenarioRun it uses goes away, and both go before the session (the
 * window destroys this object first); results are read only on the GUI
 * thread, after the worker handed them over.
 */
class LiveScenario : public QObject
{
    Q_OBJECT
public:
    enum class Phase
    {
        Running,
        Settling,
        Done
    };

    LiveScenario(ShopSession &session, Scenario scenario, QObject *parent = nullptr);
    ~LiveScenario() override;

    // Applies the policies, starts the load and the timeline (time 0 is now).
    void start();

    const Scenario &scenario() const { return m_run->scenario(); }
    ScenarioRun &run() { return *m_run; }
    Phase phase() const { return m_phase; }
    double elapsed() const;
    QList<TimelineAction> upcoming() const { return m_run->upcoming(); }

    // After Done: whether the system settled, the audit and each expectation's verdict.
    bool settled() const { return m_settled; }
    const AuditReport &audit() const { return m_audit; }
    const QList<ExpectationResult> &results() const { return m_results; }
    bool passed() const;
    // The run told in words from its recording (the window's
    // recording::defaultPath() of the session's data directory), made when
    // it is Done; empty when the recording could not be read.
    QString debrief() const { return m_debrief; }

signals:
    void phaseChanged(microcosm::LiveScenario::Phase phase);

private:
    void check();
    void beginSettling();

    ShopSession &m_session;
    std::unique_ptr<ScenarioRun> m_run;
    Phase m_phase = Phase::Running;
    QTimer m_timer;
    bool m_settled = false;
    AuditReport m_audit;
    QList<ExpectationResult> m_results;
    QString m_debrief;
    BackgroundJob m_job; // declared last: destroyed (and joined) first
};

} // namespace microcosm
