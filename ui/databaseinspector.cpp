#include "databaseinspector.h"

#include "shopcontroller.h"
#include "sqlite.h"
#include "sqlitetablemodel.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace microcosm {

namespace {

constexpr int UsersRole = Qt::UserRole + 1;   // the deployables that use the file
constexpr int ModulesRole = Qt::UserRole + 2; // the services the first of them runs

} // namespace

DatabaseInspector::DatabaseInspector(ShopController *controller, QWidget *parent)
    : DatabaseInspector(controller, true, parent)
{
    // Each file once, in the order of the first deployable that uses it.
    const Platform &platform = controller->platform();
    for (const QString &s : platform.serviceNames()) {
        const QString path = platform.databasePath(s);
        if (m_files->findData(path) < 0)
            addFile({path, controller->databaseUsers(s), controller->architecture().modulesOf(s)});
    }
    open();
}

DatabaseInspector::DatabaseInspector(const QList<File> &files, const QString &note, QWidget *parent)
    : DatabaseInspector(nullptr, false, parent)
{
    m_note = note;
    for (const File &f : files)
        addFile(f);
    open();
}

void DatabaseInspector::addFile(const File &f)
{
    QString label = QFileInfo(f.path).fileName();
    if (f.users.size() > 1)
        label += tr(" (shared by %1)").arg(f.users.join(QStringLiteral(", ")));
    else if (f.modules.size() > 1)
        label += tr(" (%1: %2)").arg(f.users.value(0), f.modules.join(QStringLiteral(", ")));
    m_files->addItem(label, f.path);
    m_files->setItemData(m_files->count() - 1, f.users, UsersRole);
    m_files->setItemData(m_files->count() - 1, f.modules, ModulesRole);
}

DatabaseInspector::DatabaseInspector(ShopController *controller, bool live, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_live(live), m_files(new QComboBox(this)),
      m_path(new QLabel(this)), m_tables(new QListWidget(this)), m_view(new QTableView(this)),
      m_status(new QLabel(this)), m_lesson(new QLabel(this)), m_model(new SqliteTableModel(this))
{
    setObjectName(QStringLiteral("database-inspector"));
    m_files->setObjectName(QStringLiteral("db-file"));
    m_files->setToolTip(tr("Which database file to look into. A service alone has its own file, "
                           "which no other service can open; a monolith keeps its modules' "
                           "tables in one file; a shared file is shared by the services it "
                           "names."));
    m_tables->setObjectName(QStringLiteral("db-tables"));
    m_tables->setToolTip(tr("Every table in this file, with its row count: compare the files to "
                            "see that each service keeps only its own data."));
    m_tables->setMaximumWidth(190);
    m_view->setObjectName(QStringLiteral("db-rows"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setDefaultSectionSize(110);
    m_view->setToolTip(
        live ? tr("The newest rows (up to %1), read-only, refreshed every second "
                  "while this panel is visible.")
                   .arg(RowLimit)
             : tr("The newest rows (up to %1) as the run left them, read-only.").arg(RowLimit));
    m_path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_path->setForegroundRole(QPalette::PlaceholderText);
    m_lesson->setWordWrap(true);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Database:"), this));
    top->addWidget(m_files);
    top->addWidget(m_path, 1);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_tables);
    split->addWidget(m_view);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(m_lesson);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(m_files, &QComboBox::currentIndexChanged, this, [this] { open(); });
    connect(m_tables, &QListWidget::currentTextChanged, this, [this](const QString &text) {
        const QString table = text.section(QLatin1Char(' '), 0, 0);
        if (!table.isEmpty() && table != m_table) {
            m_table = table;
            loadRows();
        }
    });
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &DatabaseInspector::refresh);
}

DatabaseInspector::~DatabaseInspector() = default;

QString DatabaseInspector::service() const
{
    return m_files->currentData(UsersRole).toStringList().value(0);
}

QString DatabaseInspector::file() const
{
    return QFileInfo(m_files->currentData().toString()).fileName();
}

QStringList DatabaseInspector::files() const
{
    QStringList out;
    for (int i = 0; i < m_files->count(); ++i)
        out << QFileInfo(m_files->itemData(i).toString()).fileName();
    return out;
}

void DatabaseInspector::selectService(const QString &service)
{
    // A monolith's module is in its deployable's file.
    int i = -1;
    if (m_controller) {
        i = m_files->findData(m_controller->platform().databasePath(
            m_controller->architecture().deployableOf(service)));
    } else {
        for (int f = 0; f < m_files->count() && i < 0; ++f)
            if (m_files->itemData(f, UsersRole).toStringList().contains(service) ||
                m_files->itemData(f, ModulesRole).toStringList().contains(service))
                i = f;
    }
    if (i >= 0 && i != m_files->currentIndex())
        m_files->setCurrentIndex(i);
    else if (i >= 0 && !m_db)
        open();
}

bool DatabaseInspector::selectTable(const QString &table)
{
    for (int i = 0; i < m_tables->count(); ++i)
        if (m_tables->item(i)->text().section(QLatin1Char(' '), 0, 0) == table) {
            m_tables->setCurrentRow(i);
            return true;
        }
    return false;
}

QStringList DatabaseInspector::tables() const
{
    QStringList out;
    for (int i = 0; i < m_tables->count(); ++i)
        out << m_tables->item(i)->text().section(QLatin1Char(' '), 0, 0);
    return out;
}

void DatabaseInspector::open()
{
    m_db.reset();
    m_model->clear();
    m_tables->clear();
    m_table.clear();
    if (m_live && !m_controller)
        return;
    const QString path = m_files->currentData().toString();
    m_path->setText(m_note.isEmpty() ? path : m_note);
    if (path.isEmpty())
        return;
    if (!QFileInfo::exists(path)) {
        m_status->setText(
            m_live ? tr("%1 does not exist yet: the service creates it when it starts.").arg(path)
                   : tr("%1 is not there.").arg(path));
        return;
    }
    try {
        // Read-only and a short busy timeout: the GUI thread must never wait
        // long. A finished run's copy is opened immutable: nothing else has it
        // open, and no -wal or -shm is made beside it.
        m_db = std::make_unique<Database>(
            path, m_live ? Database::Mode::ReadOnly : Database::Mode::Immutable, 50);
    } catch (const DbError &e) {
        m_status->setText(tr("Cannot open %1: %2").arg(path, QString::fromUtf8(e.what())));
        return;
    }
    loadTables();
    if (m_tables->count() > 0)
        m_tables->setCurrentRow(0);
}

void DatabaseInspector::loadTables()
{
    if (!m_db)
        return;
    QStringList names;
    try {
        auto q = m_db->prepare(QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                              "AND name NOT LIKE 'sqlite_%' ORDER BY name"));
        while (q.next())
            names << q.text(0);
        QStringList labels;
        for (const QString &n : std::as_const(names)) {
            QString quotedName = n;
            quotedName.replace(QLatin1Char('"'), QStringLiteral("\"\""));
            const qint64 count =
                m_db->prepare(QStringLiteral("SELECT count(*) FROM \"%1\"").arg(quotedName))
                    .scalar();
            labels << QStringLiteral("%1 (%2 rows)").arg(n).arg(count);
        }
        if (labels.size() == m_tables->count()) {
            for (int i = 0; i < labels.size(); ++i)
                if (m_tables->item(i)->text() != labels[i])
                    m_tables->item(i)->setText(labels[i]);
        } else {
            m_tables->clear();
            m_tables->addItems(labels);
        }
    } catch (const DbError &e) {
        m_status->setText(tr("Could not read the table list: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    const QString held = names.isEmpty() ? tr("no tables yet") : names.join(QStringLiteral(", "));
    const QStringList users = m_files->currentData(UsersRole).toStringList();
    const QStringList modules = m_files->currentData(ModulesRole).toStringList();
    QString lesson;
    if (users.size() > 1)
        lesson = tr("<b>%1</b> is shared by %2: their tables (%3) in one file, so locking or "
                    "slowing it hits every one of them.")
                     .arg(file(), users.join(QStringLiteral(", ")), held);
    else if (modules.size() > 1)
        lesson = tr("<b>%1</b> is the one file of %2: its modules %3 keep their tables (%4) "
                    "side by side, and call each other in-process, with no network between "
                    "them.")
                     .arg(file(), users.value(0), modules.join(QStringLiteral(", ")), held);
    else
        lesson = tr("<b>%1</b> holds %2 and nothing else: the other services' data lives in "
                    "their own files, reachable only through their APIs.")
                     .arg(file(), held);
    if (m_lesson->text() != lesson)
        m_lesson->setText(lesson);
}

void DatabaseInspector::loadRows()
{
    if (!m_db || m_table.isEmpty())
        return;
    try {
        const bool fresh = m_model->table() != m_table;
        m_model->load(*m_db, m_table, RowLimit);
        if (fresh)
            m_view->resizeColumnsToContents();
        m_status->setText(
            m_model->totalRows() > m_model->rowCount()
                ? tr("%1: newest %2 of %3 rows (read-only)")
                      .arg(m_table)
                      .arg(m_model->rowCount())
                      .arg(m_model->totalRows())
                : tr("%1: %2 rows (read-only)").arg(m_table).arg(m_model->totalRows()));
        if (!m_live)
            m_status->setText(m_status->text() + tr(", as at the end of the run"));
    } catch (const DbError &e) {
        // Busy for longer than 50 ms: keep what is shown, try again on the next tick.
        m_status->setText(tr("%1: not refreshed (%2)").arg(m_table, QString::fromUtf8(e.what())));
    }
}

void DatabaseInspector::refresh()
{
    if (!m_db) {
        open();
        return;
    }
    loadTables();
    loadRows();
}

void DatabaseInspector::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_live)
        return; // a finished run's files do not change
    refresh();
    m_timer.start();
}

void DatabaseInspector::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

} // namespace microcosm
