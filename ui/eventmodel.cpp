#include "eventmodel.h"

#include "edgekey.h"
#include "theme.h"

#include <QBrush>
#include <QFont>

namespace microcosm {

EventModel::EventModel(QObject *parent, int capacity)
    : QAbstractTableModel(parent), m_capacity(capacity)
{
}

void EventModel::append(const std::vector<Event> &events)
{
    if (events.empty())
        return;
    const int overflow = int(m_events.size() + events.size()) - m_capacity;
    if (overflow > 0) {
        const int drop = std::min(overflow, int(m_events.size()));
        if (drop > 0) {
            beginRemoveRows({}, 0, drop - 1);
            m_events.erase(m_events.begin(), m_events.begin() + drop);
            endRemoveRows();
        }
    }
    const std::size_t skip =
        events.size() > std::size_t(m_capacity) ? events.size() - m_capacity : 0;
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + int(events.size() - skip) - 1);
    m_events.insert(m_events.end(), events.begin() + std::ptrdiff_t(skip), events.end());
    endInsertRows();
}

int EventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void EventModel::setCompact(bool on)
{
    if (on == m_compact)
        return;
    m_compact = on;
    if (!m_events.empty())
        emit dataChanged(index(0, Message), index(int(m_events.size()) - 1, Message),
                         {Qt::ForegroundRole});
}

QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_events.size()))
        return {};
    const Event &e = m_events[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return QString::number(e.t, 'f', 1) + QStringLiteral(" s");
        case Source:
            return displayName(e.source);
        case Kind:
            return e.kind;
        case Message:
            return e.message;
        }
        break;
    case Qt::ToolTipRole:
        return QStringLiteral("%1 s — %2 %3: %4")
            .arg(QString::number(e.t, 'f', 2), displayName(e.source), e.kind, e.message);
    case Qt::ForegroundRole:
        if (index.column() == Kind || (m_compact && index.column() == Message)) {
            if (e.kind.contains(QLatin1String("half-open")))
                return QBrush(theme::warningColor());
            if (e.kind == QLatin1String("killed") || e.kind.contains(QLatin1String("fail")) ||
                e.kind.contains(QLatin1String("open")) || e.kind.contains(QLatin1String("violat")))
                return QBrush(theme::errorColor());
            if (e.kind == QLatin1String("restarted") || e.kind == QLatin1String("ready"))
                return QBrush(theme::okColor());
            if (e.kind == QLatin1String("scaled"))
                return QBrush(theme::startingColor());
            if (e.kind == QLatin1String("out-of-rotation"))
                return QBrush(theme::warningColor());
        }
        break;
    case Qt::FontRole:
        if (index.column() == Kind) {
            QFont f;
            f.setBold(true);
            return f;
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == Time)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SourceRole:
        return e.source;
    case KindRole:
        return e.kind;
    }
    return {};
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("time");
    case Source:
        return tr("source");
    case Kind:
        return tr("kind");
    case Message:
        return tr("what happened");
    }
    return {};
}

} // namespace microcosm
