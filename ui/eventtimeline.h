#pragma once

#include "eventlog.h"

#include <QWidget>

#include <optional>
#include <vector>

class QTableView;
class QCheckBox;
class QLabel;
class QSortFilterProxyModel;

namespace microcosm {

class EventFilter;
class EventModel;

/*
 * The event timeline: every kill, restart, scaling step and health-probe
 * decision, newest at the bottom, followed as it grows unless the user has
 * scrolled up. Clicking an event asks for its source's node to be
 * highlighted in the topology.
 *
 * Looking at a past second (the window's time bar, a replay), the list is
 * cut there: only the events up to that second show, and a line says how
 * many later ones are hidden.
 *
 * Invariants: shows the platform's events verbatim (no invented entries);
 * hiding routine "ready" events and cutting at a second are view filters,
 * not deletions.
 */
class EventTimeline : public QWidget
{
    Q_OBJECT
public:
    explicit EventTimeline(QWidget *parent = nullptr);

    void append(const std::vector<Event> &events);
    EventModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    // Rows currently shown (after the filter).
    int visibleRows() const;
    // Selects the shown row and emits sourceActivated, as a click does.
    void activateRow(int row);
    // Shows only the events with t <= cut (platform time); none: every event.
    void setCutAt(std::optional<double> cut);
    std::optional<double> cutAt() const;

signals:
    void sourceActivated(const QString &source);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateCutNote();

    EventModel *m_model;
    EventFilter *m_proxy;
    QTableView *m_view;
    QCheckBox *m_hideRoutine;
    QLabel *m_cutNote;
};

} // namespace microcosm
