#include "sqlitetablemodel.h"

#include "sqlite.h"

#include <QBrush>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>

namespace microcosm {

namespace {

QString quoted(const QString &identifier)
{
    QString q = identifier;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

// A value as the table shows it: text as it is, a binary one (a generic
// service's payload blob) by its size, since its bytes are not for reading.
QString shown(const QString &value)
{
    for (const QChar c : value)
        if (c.category() == QChar::Other_Control && c != QLatin1Char('\t') &&
            c != QLatin1Char('\n') && c != QLatin1Char('\r'))
            return QStringLiteral("(binary, %1 bytes)").arg(value.toUtf8().size());
    return value;
}

} // namespace

SqliteTableModel::SqliteTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void SqliteTableModel::clear()
{
    beginResetModel();
    m_table.clear();
    m_columns.clear();
    m_rows.clear();
    m_nulls.clear();
    m_total = 0;
    endResetModel();
}

void SqliteTableModel::load(Database &db, const QString &table, int limit)
{
    const qint64 total =
        db.prepare(QStringLiteral("SELECT count(*) FROM ") + quoted(table)).scalar();
    QStringList columns;
    QVector<QStringList> rows;
    QVector<QVector<bool>> nulls;
    {
        auto q = db.prepare(
            QStringLiteral("SELECT * FROM %1 ORDER BY rowid DESC LIMIT ?").arg(quoted(table)));
        q.bind(1, qint64(limit));
        for (int c = 0; c < q.columnCount(); ++c)
            columns << q.columnName(c);
        while (q.next()) {
            QStringList row;
            QVector<bool> null;
            row.reserve(columns.size());
            for (int c = 0; c < columns.size(); ++c) {
                null.append(q.isNull(c));
                row.append(q.isNull(c) ? QStringLiteral("NULL") : shown(q.text(c)));
            }
            rows.append(row);
            nulls.append(null);
        }
    }
    m_total = total;
    if (table != m_table || columns != m_columns) {
        beginResetModel();
        m_table = table;
        m_columns = columns;
        m_rows = rows;
        m_nulls = nulls;
        endResetModel();
        return;
    }
    if (rows == m_rows)
        return;
    const int before = int(m_rows.size());
    const int after = int(rows.size());
    if (after > before) {
        beginInsertRows({}, before, after - 1);
        m_rows = rows;
        m_nulls = nulls;
        endInsertRows();
    } else if (after < before) {
        beginRemoveRows({}, after, before - 1);
        m_rows = rows;
        m_nulls = nulls;
        endRemoveRows();
    } else {
        m_rows = rows;
        m_nulls = nulls;
    }
    if (after > 0)
        emit dataChanged(index(0, 0), index(after - 1, int(m_columns.size()) - 1));
}

QString SqliteTableModel::value(int row, const QString &column) const
{
    const qsizetype c = m_columns.indexOf(column);
    if (row < 0 || row >= m_rows.size() || c < 0)
        return {};
    return m_rows[row][c];
}

int SqliteTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SqliteTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant SqliteTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= m_columns.size())
        return {};
    const bool null = m_nulls[index.row()][index.column()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return m_rows[index.row()][index.column()];
    case Qt::ForegroundRole:
        if (null)
            return QBrush(QGuiApplication::palette().color(QPalette::PlaceholderText));
        break;
    case Qt::FontRole:
        if (null) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        break;
    }
    return {};
}

QVariant SqliteTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Horizontal)
        return section < m_columns.size() ? m_columns[section] : QVariant();
    return section + 1;
}

} // namespace microcosm
