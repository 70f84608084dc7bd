#pragma once

#include "eventlog.h"
#include "scenario.h"

#include <QColor>
#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QToolButton;

namespace microcosm {

class TimeTrack;

/*
 * The timeline under the topology: the recorded seconds as a track, each
 * event that changed the system as a coloured mark on it (kills and
 * failures red, breakers orange, scaling and updates blue, recoveries
 * green, load changes teal; hover one for its sentence), and a handle at
 * the second shown. Dragging the track or clicking it asks for a second;
 * the Live button asks for the present. In playback (a replay) it also has
 * play/pause and a speed (1×, 2×, 4×, 10×) instead of the Live button.
 *
 * Invariants: only a view of what it was told (range, events, position)
 * and a source of requests (seekRequested, liveRequested...); it never
 * reads the platform or a file, and never moves its own handle on a drag:
 * the owner decides what is shown and says so with setPosition().
 */
class TimeBar : public QWidget
{
    Q_OBJECT
public:
    explicit TimeBar(QWidget *parent = nullptr);
    ~TimeBar() override;

    // The seconds the track spans (platform time, seconds since it started).
    void setRange(double first, double last);
    double first() const { return m_first; }
    double last() const { return m_last; }
    // The events to mark (kinds without a colour, such as "ready", are left out).
    void setEvents(const std::vector<Event> &events);
    void addEvents(const std::vector<Event> &events);
    // The marks drawn: their time and the event's kind and sentence.
    struct Mark
    {
        double t;
        QString kind;
        QString text; // "12.3 s · product killed (…)"
        QColor color;
    };
    const std::vector<Mark> &marks() const { return m_marks; }
    // The tooltip of the track at x (in the track's coordinates): the marks
    // within a few pixels, or how to use the bar.
    QString toolTipAt(int x) const;
    // Where a second is drawn on the track, in the track's coordinates.
    int xOf(double t) const;
    QWidget *track() const;

    // The second shown; nullopt: live (the handle at the right end).
    void setPosition(std::optional<double> t);
    std::optional<double> position() const { return m_position; }

    // Playback controls (a replay) instead of the Live button.
    void setPlayback(bool on);
    void setPlaying(bool playing);
    bool playing() const { return m_playing; }
    double speed() const;
    void setSpeed(double speed);
    static QList<double> speeds() { return {1, 2, 4, 10}; }

    // A mark's colour for an event kind; invalid when the kind gets no mark.
    static QColor markColor(const QString &kind);

signals:
    // The user dragged or clicked the track at t.
    void seekRequested(double t);
    void liveRequested();
    void playToggled();
    void speedChanged(double speed);

private:
    friend class TimeTrack;
    void updateLabel();
    double tOf(int x) const;

    TimeTrack *m_track;
    QToolButton *m_play;
    QComboBox *m_speed;
    QLabel *m_label;
    QPushButton *m_live;
    double m_first = 0, m_last = 0;
    std::optional<double> m_position;
    std::vector<Mark> m_marks;
    bool m_playback = false;
    bool m_playing = false;
};

// The journeys per second a recorded scenario's load asked for at t seconds
// after its load started: its profile, then each set-rate of its timeline
// played by then (a rate set by hand in a window is not in the scenario).
double scenarioRateAt(const Scenario &scenario, double sinceLoadStart);

// "t = 14 s", as the banner and the bar say a platform time.
QString timeText(double t);

// The recorded second nearest to t (seconds in time order, not empty): a
// user who asks for 13 s gets the window that closed at 13.001 s, not 12.001 s.
double nearestSecond(const std::vector<double> &seconds, double t);

} // namespace microcosm
