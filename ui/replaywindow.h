#pragma once

#include "recording.h"
#include "scenario.h"
#include "shopcontroller.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <memory>
#include <optional>

class QLabel;
class QTemporaryDir;
class QTextBrowser;

namespace microcosm {

class ChartsPanel;
class DatabaseInspector;
class EventTimeline;
class TimeBar;
class TopologyView;

// The journeys/s the users' load asked for at platform time t of a
// recording, for the users' box: the scenario's profile and set-rate steps
// (scenarioRateAt), but a rate set by hand from its event on, until a later
// set-rate step. Without a scenario: the rate set by hand last at or before
// t, else the rate before the first one set after t, else fallback.
double recordedUsersRate(const Recording &recording, const Scenario *scenario, double t,
                         double fallback = 0);

/*
 * A recording played back: the topology, the charts and the events of a
 * *.microcosm file as they stood at each second, with the time bar's play
 * and pause, its speeds (1×, 2×, 4×, 10×), ←/→ to step one second and
 * Home/End for the first and the last. Nothing runs: no shop, no thread;
 * everything shown comes from the Recording. The events list is cut at the
 * second shown. A finished recording also holds the databases as the run
 * left them (the Databases tab: each file's tables and newest rows, from
 * copies written to a temporary folder) and its report, audit and debrief
 * (the Report tab); one that was not finished says so in both.
 *
 * Invariants: reads only its Recording (held in memory, the file is never
 * changed); the views are fed through the calls the live window uses
 * (TopologyView::setSnapshot with Recording::snapshotAt, the charts cut at
 * the second), and only when the second shown changes; playing advances
 * the time by the speed times the wall time elapsed, so a slow frame
 * never slows the replay (the timer only wakes it).
 */
class ReplayWindow : public QMainWindow
{
    Q_OBJECT
public:
    ReplayWindow(Recording recording, bool presenter, QWidget *parent = nullptr);
    ~ReplayWindow() override;
    // Opens path for replay; null, with Recording::open's message in
    // *error, when it cannot be read.
    static ReplayWindow *open(const QString &path, bool presenter, QString *error,
                              QWidget *parent = nullptr);

    const Recording &recording() const { return m_recording; }
    TopologyView *topology() const { return m_topology; }
    ChartsPanel *charts() const { return m_charts; }
    EventTimeline *events() const { return m_events; }
    TimeBar *timeBar() const { return m_bar; }
    QLabel *banner() const { return m_banner; }
    // The databases at the end of the run; null when the recording holds no
    // copies (databasesNote() says why).
    DatabaseInspector *inspector() const { return m_inspector; }
    QLabel *databasesNote() const { return m_databasesNote; }
    // The report, the expectations, the audit and the debrief, readable.
    QTextBrowser *report() const { return m_report; }

    // The recorded seconds' span (platform time), and the time shown in it.
    double first() const;
    double last() const;
    double time() const { return m_t; }
    // The recorded second shown (the one at or before time()).
    double secondShown() const;

    void seek(double t);
    // One recorded second earlier or later (pauses).
    void step(int seconds);
    void play();
    void pause();
    void togglePlay();
    bool playing() const { return m_timer.isActive(); }
    void setSpeed(double speed);
    double speed() const { return m_speed; }

signals:
    // Playing reached the last second (and stopped there).
    void reachedEnd();

private:
    void showAt(double t);
    void tick();
    void updateBanner();
    int indexAt(double t) const;
    QWidget *buildDatabases();
    QString reportHtml() const;

    Recording m_recording;
    std::vector<double> m_seconds;
    std::optional<Scenario> m_scenario; // to say the journeys/s the load asked for
    TopologyView *m_topology;
    ChartsPanel *m_charts;
    EventTimeline *m_events;
    TimeBar *m_bar;
    QLabel *m_banner;
    std::unique_ptr<QTemporaryDir> m_databaseDir; // the databases' copies, while open
    DatabaseInspector *m_inspector = nullptr;
    QLabel *m_databasesNote = nullptr;
    QTextBrowser *m_report = nullptr;
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_t = 0;
    double m_speed = 1;
    int m_shown = -1; // index of the second the views show
};

} // namespace microcosm
