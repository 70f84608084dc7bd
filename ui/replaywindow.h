#pragma once

#include "recording.h"
#include "scenario.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

#include <optional>

class QLabel;

namespace microcosm {

class ChartsPanel;
class EventTimeline;
class TimeBar;
class TopologyView;

/*
 * A recording played back: the topology, the charts and the events of a
 * *.microcosm file as they stood at each second, with the time bar's play
 * and pause, its speeds (1×, 2×, 4×, 10×), ←/→ to step one second and
 * Home/End for the first and the last. Nothing runs: no shop, no thread;
 * everything shown comes from the Recording.
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

    Recording m_recording;
    std::vector<double> m_seconds;
    std::optional<Scenario> m_scenario; // to say the journeys/s the load asked for
    TopologyView *m_topology;
    ChartsPanel *m_charts;
    EventTimeline *m_events;
    TimeBar *m_bar;
    QLabel *m_banner;
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_t = 0;
    double m_speed = 1;
    int m_shown = -1; // index of the second the views show
};

} // namespace microcosm
