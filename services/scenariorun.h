#pragma once

#include "auditor.h"
#include "metricscsv.h"
#include "scenario.h"
#include "shopsession.h"

#include <QList>

#include <mutex>
#include <optional>
#include <vector>

namespace microcosm {

struct ExpectationResult
{
    Expectation expectation;
    double measured = 0;
    bool held = false;
    // Why nothing was measured (no request, no sample in its window), in
    // which case it is not evaluated and does not hold; empty when it was.
    QString notEvaluated;
    bool evaluated() const { return notEvaluated.isEmpty(); }
    // "PASS …", "FAIL …" or "NOT EVALUATED … (measured nothing: …)".
    QString text() const;
};

// A scenario running on a shop session: applies its policies and
// autoscalers, starts the load, plays its timeline on the scheduler (time 0
// is when the load starts), settles the system afterwards, and judges its
// expectations against the metrics and the audit. Used alike by the
// headless runner and the GUI.
class ScenarioRun
{
public:
    ScenarioRun(ShopSession &session, Scenario scenario);
    ~ScenarioRun();

    const Scenario &scenario() const { return m_scenario; }
    void start();
    // Seconds since start(), and whether the scenario's duration has passed.
    double elapsed() const;
    bool finished() const { return m_started && elapsed() >= m_scenario.duration; }
    // Timeline actions not yet played.
    QList<TimelineAction> upcoming() const;

    // After the run: stop the load and every fault, bring back what is down,
    // and wait until checkouts, compensations and the outbox are done.
    bool settle(Duration timeout = seconds(30));

    // One result per expectation. One that measured nothing is not
    // evaluated and does not hold: an empty window proves nothing.
    QList<ExpectationResult> evaluate(const AuditReport &audit) const;
    // Every metric of every entity, second by second (metricsCsv()), time
    // from the start of the load.
    bool writeCsv(const QString &path, CsvLayout layout, QString *error) const;

private:
    void play(const TimelineAction &action);
    // What expectation index measured, or nothing, with why in *nothing.
    std::optional<double> measure(std::size_t index, const AuditReport &audit,
                                  QString *nothing) const;

    ShopSession &m_session;
    const Scenario m_scenario;
    bool m_started = false;
    double m_platformStart = 0; // platform time when the load started
    mutable std::mutex m_mutex;
    std::vector<Scheduler::TimerId> m_timers;
    int m_played = 0;
    std::vector<int> m_watches; // per expectation: its metrics watch, or -1
};

} // namespace microcosm
