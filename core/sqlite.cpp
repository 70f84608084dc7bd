#include "sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace microcosm {

namespace {

// Every connection's page cache draws from one pool allocated once. Each
// commit makes the other connections of a file drop their cached pages, so
// pages are freed and allocated thousands of times a second; from the C
// heap, that churn scatters across the worker threads' arenas and resident
// memory creeps up although nothing stays live. Pages beyond the pool
// still come from the heap. Configured before SQLite's first use.
void configurePageCachePool()
{
    static std::once_flag once;
    std::call_once(once, [] {
        constexpr int PageSize = 4096; // SQLite's default, which the databases keep
        constexpr int Slots = 1536;    // about 6.5 MB
        int header = 0;
        if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK)
            return;
        const int slot = (PageSize + header + 7) / 8 * 8;
        static const std::unique_ptr<std::byte[]> pool(new std::byte[std::size_t(slot) * Slots]);
        sqlite3_config(SQLITE_CONFIG_PAGECACHE, pool.get(), slot, Slots);
    });
}

} // namespace

DbError::DbError(const QString &message, int code)
    : std::runtime_error(message.toStdString()), m_code(code)
{
}

bool DbError::interrupted() const
{
    return (m_code & 0xff) == SQLITE_INTERRUPT;
}

bool DbError::busy() const
{
    return (m_code & 0xff) == SQLITE_BUSY || (m_code & 0xff) == SQLITE_LOCKED;
}

Statement::Statement(Database &db, const QString &sql) : m_db(db), m_sql(sql)
{
    const QByteArray utf8 = sql.toUtf8();
    const int rc = sqlite3_prepare_v3(db.handle(), utf8.constData(), int(utf8.size()),
                                      SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        db.fail(QStringLiteral("prepare \"%1\"").arg(sql), rc);
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

Statement &Statement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement &Statement::bind(int index, const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bindNull(int index)
{
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

bool Statement::next()
{
    if (m_db.aborted())
        m_db.fail(QStringLiteral("step \"%1\" (worker stopped)").arg(m_sql), SQLITE_INTERRUPT);
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    sqlite3_reset(m_stmt);
    m_db.fail(QStringLiteral("step \"%1\"").arg(m_sql), rc);
}

int Statement::exec()
{
    while (next()) {
    }
    const int changes = sqlite3_changes(m_db.handle());
    sqlite3_reset(m_stmt); // ready to be bound and run again; bindings kept
    return changes;
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

qint64 Statement::int64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const
{
    return sqlite3_column_double(m_stmt, column);
}

QString Statement::text(int column) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return p ? QString::fromUtf8(p, sqlite3_column_bytes(m_stmt, column)) : QString();
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

int Statement::columnCount() const
{
    return sqlite3_column_count(m_stmt);
}

QString Statement::columnName(int column) const
{
    return QString::fromUtf8(sqlite3_column_name(m_stmt, column));
}

Database::Database(const QString &path, Mode mode, int busyTimeoutMs) : m_path(path)
{
    configurePageCachePool();
    const int flags =
        mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    const int rc =
        sqlite3_open_v2(path.toUtf8().constData(), &m_db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const QString message =
            m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QString::fromUtf8(sqlite3_errstr(rc));
        sqlite3_close(m_db);
        m_db = nullptr;
        throw DbError(QStringLiteral("cannot open %1: %2").arg(path, message), rc);
    }
    sqlite3_busy_timeout(m_db, busyTimeoutMs);
    sqlite3_extended_result_codes(m_db, 1);
    try {
        if (mode == Mode::ReadWrite) {
            // Switching a new file to WAL takes a lock that the busy handler
            // does not wait for; several workers opening the same new file
            // at once retry for a moment instead of failing.
            for (int attempt = 1;; ++attempt) {
                try {
                    execScript(QStringLiteral("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                              " PRAGMA foreign_keys=ON;"));
                    break;
                } catch (const DbError &e) {
                    if (!e.busy() || attempt >= 200)
                        throw;
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                }
            }
        }
        // Reading the schema proves the file is a database and not something else.
        execScript(QStringLiteral("SELECT count(*) FROM sqlite_schema;"));
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

Database::~Database()
{
    m_cache.clear(); // statements must be finalized before the connection closes
    sqlite3_close(m_db);
}

Query Database::prepare(const QString &sql)
{
    const std::string key = sql.toStdString();
    auto it = m_cache.find(key);
    if (it == m_cache.end())
        it = m_cache.emplace(key, std::make_unique<Statement>(*this, sql)).first;
    it->second->reset();
    return Query(*it->second);
}

void Database::execScript(const QString &sql)
{
    char *error = nullptr;
    const int rc = sqlite3_exec(m_db, sql.toUtf8().constData(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        const QString message = QString::fromUtf8(error ? error : sqlite3_errstr(rc));
        sqlite3_free(error);
        throw DbError(QStringLiteral("%1: %2 (%3)").arg(m_path, message, sql.left(80)), rc);
    }
}

qint64 Database::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

void Database::interrupt()
{
    sqlite3_interrupt(m_db);
}

void Database::fail(const QString &what, int code) const
{
    throw DbError(
        QStringLiteral("%1: %2: %3").arg(m_path, what, QString::fromUtf8(sqlite3_errmsg(m_db))),
        code);
}

Transaction::Transaction(Database &db) : m_db(db)
{
    m_db.prepare(QStringLiteral("BEGIN IMMEDIATE")).exec();
}

Transaction::~Transaction()
{
    if (!m_done && !sqlite3_get_autocommit(m_db.handle())) {
        try {
            sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        } catch (...) {
        }
    }
}

void Transaction::commit()
{
    m_db.prepare(QStringLiteral("COMMIT")).exec();
    m_done = true;
}

} // namespace microcosm
