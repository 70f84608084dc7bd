#pragma once

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QListWidget;
class QTableView;

namespace microcosm {

class Database;
class ShopController;
class SqliteTableModel;

/*
 * A window into the database files: pick a file, see its tables (and
 * nothing else — in the shop, cart.db holds carts only), and the newest
 * rows of one table, refreshed about once a second while visible. Each file
 * is listed once, with who uses it: a service alone, a monolith's modules
 * together, or several services sharing it.
 *
 * The same view shows a finished run's files (a replay's copies of the
 * databases as the run left them): fixed files, never refreshed.
 *
 * Invariants: opens the file read-only (it can never change what a
 * service stored) from the GUI thread, with a short busy timeout so a
 * locked file costs the GUI a few milliseconds at most; shows a bounded
 * number of rows.
 */
class DatabaseInspector : public QWidget
{
    Q_OBJECT
public:
    static constexpr int RowLimit = 200;

    // One file to look into: where it is, the deployables that open it and
    // the services the first of them runs (several for a monolith).
    struct File
    {
        QString path;
        QStringList users;
        QStringList modules;
    };

    // The running session's files, refreshed while visible.
    explicit DatabaseInspector(ShopController *controller, QWidget *parent = nullptr);
    // Files that no longer change (opened immutable, never refreshed); note
    // says where they come from, above the rows.
    DatabaseInspector(const QList<File> &files, const QString &note, QWidget *parent = nullptr);
    ~DatabaseInspector() override;

    // Shows the file a deployable (or a monolith's module) uses.
    void selectService(const QString &service);
    bool selectTable(const QString &table);
    // The first deployable using the file shown.
    QString service() const;
    // The file shown ("cart.db"), and every file listed, once each.
    QString file() const;
    QStringList files() const;
    QStringList tables() const;
    SqliteTableModel *model() const { return m_model; }
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    DatabaseInspector(ShopController *controller, bool live, QWidget *parent);
    void addFile(const File &file);
    void open();
    void loadTables();
    void loadRows();

    QPointer<ShopController> m_controller;
    bool m_live; // the running session's files, not a finished run's copies
    QString m_note;
    QComboBox *m_files;
    QLabel *m_path;
    QListWidget *m_tables;
    QTableView *m_view;
    QLabel *m_status;
    QLabel *m_lesson;
    SqliteTableModel *m_model;
    std::unique_ptr<Database> m_db;
    QString m_table;
    QTimer m_timer;
};

} // namespace microcosm
