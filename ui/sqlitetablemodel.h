#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>

namespace microcosm {

class Database;

/*
 * The newest rows of one table of a service's database, as a read-only
 * table model for the database inspector.
 *
 * Invariants: holds at most the row limit it was loaded with (newest
 * first, by rowid); reloading the same contents changes nothing, so a view
 * keeps its scroll position and selection across the inspector's refreshes.
 */
class SqliteTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit SqliteTableModel(QObject *parent = nullptr);

    // Loads table from db (a read-only connection owned by the caller). Throws DbError.
    void load(Database &db, const QString &table, int limit);
    void clear();

    QString table() const { return m_table; }
    qint64 totalRows() const { return m_total; }
    QStringList columns() const { return m_columns; }
    // The value shown at (row, column name), or a null QString.
    QString value(int row, const QString &column) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString m_table;
    QStringList m_columns;
    QVector<QStringList> m_rows;
    QVector<QVector<bool>> m_nulls;
    qint64 m_total = 0;
};

} // namespace microcosm
