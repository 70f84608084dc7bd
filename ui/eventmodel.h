#pragma once

#include "eventlog.h"

#include <QAbstractTableModel>

#include <deque>
#include <vector>

namespace microcosm {

/*
 * The platform's events (killed, restarted, scaled, out of rotation, ...)
 * as a table: time, source, kind, message. Appended to in batches as the
 * controller pulls them; bounded, dropping the oldest rows first.
 *
 * Invariants: rows stay in the order the platform numbered them; the
 * model never holds more than capacity() rows.
 */
class EventModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Time,
        Source,
        Kind,
        Message,
        ColumnCount
    };
    enum Role
    {
        SourceRole = Qt::UserRole + 1,
        KindRole
    };

    explicit EventModel(QObject *parent = nullptr, int capacity = 5000);

    void append(const std::vector<Event> &events);
    // Compact: the message takes the colour of its kind (for a view that
    // hides the source and kind columns to fit a narrow column).
    void setCompact(bool on);
    bool compact() const { return m_compact; }
    const Event &event(int row) const { return m_events[std::size_t(row)]; }
    int capacity() const { return m_capacity; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::deque<Event> m_events;
    bool m_compact = false;
    int m_capacity;
};

} // namespace microcosm
