#pragma once

#include "eventlog.h"

#include <QWidget>

#include <vector>

class QTableView;
class QCheckBox;
class QSortFilterProxyModel;

namespace microcosm {

class EventModel;

/*
 * The event timeline: every kill, restart, scaling step and health-probe
 * decision, newest at the bottom, followed as it grows unless the user has
 * scrolled up. Clicking an event asks for its source's node to be
 * highlighted in the topology.
 *
 * Invariants: shows the platform's events verbatim (no invented entries);
 * hiding routine "ready" events is a view filter, not a deletion.
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

signals:
    void sourceActivated(const QString &source);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    EventModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QCheckBox *m_hideRoutine;
};

} // namespace microcosm
