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

    explicit DatabaseInspector(ShopController *controller, QWidget *parent = nullptr);
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
    void open();
    void loadTables();
    void loadRows();

    QPointer<ShopController> m_controller;
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
