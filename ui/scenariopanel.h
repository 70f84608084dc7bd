#pragma once

#include "livescenario.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QGridLayout;
class QLabel;
class QProgressBar;
class QPushButton;

namespace microcosm {

/*
 * The "Scenario" side panel: the running scenario's title and lesson (the
 * point of the experiment, in words a student reads first), a progress bar
 * of elapsed / duration, its timeline (played steps ticked, upcoming ones
 * with their countdown) and, once it is over, each expectation with PASS or
 * FAIL and the value measured, and the audit's verdict.
 *
 * Invariants: only shows what the LiveScenario says (no verdict before the
 * run is settled and judged); refreshes at 4 Hz while a run is under way and
 * touches a widget only when its text changes. Lists are word-wrapped
 * labels, so a long expectation is read whole at any width.
 */
class ScenarioPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ScenarioPanel(QWidget *parent = nullptr);

    // The scenario to show, or null for none (the panel then says how to open one).
    void setScenario(LiveScenario *scenario);
    // While a scenario's shop is being started (before setScenario).
    void showStarting(const QString &title);

    QString titleText() const;
    QString lessonText() const;
    // The timeline and expectation rows as shown.
    QStringList timelineRows() const;
    QStringList resultRows() const;
    QProgressBar *progress() const { return m_progress; }

signals:
    void rerunRequested();
    void openRequested();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void refresh();
    void showResults();

    QPointer<LiveScenario> m_scenario;
    QLabel *m_title;
    QLabel *m_lesson;
    QProgressBar *m_progress;
    QLabel *m_phase;
    QLabel *m_timeline;
    QLabel *m_resultsTitle;
    QLabel *m_results;
    QStringList m_timelineRows;
    QStringList m_resultRows;
    QLabel *m_audit;
    QLabel *m_debrief; // the run told in words, when it is over
    QPushButton *m_rerun;
    QPushButton *m_open;
    QGridLayout *m_buttons = nullptr;
    QTimer m_timer;
};

} // namespace microcosm
