#pragma once

#include <QByteArray>
#include <QHashFunctions>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace microcosm {

// Thrown for any SQLite failure; what() names the statement and SQLite's message.
class DbError : public std::runtime_error
{
public:
    DbError(const QString &message, int code);
    int code() const { return m_code; }
    bool interrupted() const;
    bool busy() const;
    // The file itself cannot be used: full, read-only, unreadable, corrupt,
    // failing I/O, not a database (not busy or interrupted: load and kills).
    bool fileFailure() const;

private:
    int m_code;
};

class Database;
struct FileState;

// A prepared statement, cached per connection by Database. Used through a
// Query handle; every value is bound, never spliced into the SQL text.
class Statement
{
public:
    Statement(Database &db, const QString &sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, qint64 value);
    Statement &bind(int index, int value) { return bind(index, qint64(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, const QString &value);
    Statement &bind(int index, const QByteArray &blob);
    // Text already in UTF-8 (bind(QByteArray) binds a blob).
    Statement &bindUtf8(int index, QByteArrayView text);
    Statement &bindNull(int index);

    // Steps once: true while a row is available.
    bool next();
    // Runs to completion (for INSERT/UPDATE/DELETE); returns sqlite3_changes().
    int exec();
    void reset();

    qint64 int64(int column) const;
    int integer(int column) const { return int(int64(column)); }
    double real(int column) const;
    QString text(int column) const;
    // The column's UTF-8 text as SQLite holds it, valid until the next step
    // or reset: read without a copy.
    QByteArrayView utf8(int column) const;
    QByteArray blob(int column) const;
    bool isNull(int column) const;
    int columnCount() const;
    QString columnName(int column) const;

private:
    Database &m_db;
    sqlite3_stmt *m_stmt = nullptr;
    QString m_sql;
    // A bound text's UTF-8, one buffer per parameter, kept between uses so
    // that binding a string does not allocate once the buffer is big enough.
    std::vector<QByteArray> m_texts;
    QByteArray *textBuffer(int index);
};

// A use of a cached statement. Resets the statement when it goes out of
// scope, so no half-read statement keeps a read transaction (and an old
// snapshot) open on the connection.
class Query
{
public:
    explicit Query(Statement &s) : m_s(&s) {}
    Query(Query &&other) noexcept : m_s(std::exchange(other.m_s, nullptr)) {}
    Query(const Query &) = delete;
    Query &operator=(const Query &) = delete;
    ~Query()
    {
        if (m_s)
            m_s->reset();
    }

    template <typename T> Query &bind(int index, const T &value)
    {
        m_s->bind(index, value);
        return *this;
    }
    Query &bindUtf8(int index, QByteArrayView text)
    {
        m_s->bindUtf8(index, text);
        return *this;
    }
    Query &bindNull(int index)
    {
        m_s->bindNull(index);
        return *this;
    }
    bool next() { return m_s->next(); }
    int exec() { return m_s->exec(); }
    qint64 int64(int column) const { return m_s->int64(column); }
    int integer(int column) const { return m_s->integer(column); }
    double real(int column) const { return m_s->real(column); }
    QString text(int column) const { return m_s->text(column); }
    QByteArrayView utf8(int column) const { return m_s->utf8(column); }
    QByteArray blob(int column) const { return m_s->blob(column); }
    bool isNull(int column) const { return m_s->isNull(column); }
    int columnCount() const { return m_s->columnCount(); }
    QString columnName(int column) const { return m_s->columnName(column); }
    // The single integer of a "SELECT count(*)"-like query (0 when no row).
    qint64 scalar() { return next() ? int64(0) : 0; }

private:
    Statement *m_s;
};

// What is wrong with the write-ahead log of the database file at
// databasePath, seen from outside before SQLite opens it: a PATH-wal whose
// header is invalid (SQLite silently ignores such a log, and every commit in
// it is lost), or a PATH-wal that is missing or shorter than its PATH-shm
// index says it was (commits not yet copied into the database are gone).
// Empty when there is no log, or nothing wrong with it that can be seen.
// What cannot be seen: frames after a valid header that are damaged (SQLite
// stops at the first frame whose checksum fails, as it must after a torn
// write at a crash, and drops the commits after it), and a log deleted
// together with its -shm (the database then shows its last checkpoint).
QString writeAheadLogProblem(const QString &databasePath);

// One SQLite connection, used only by the thread that opened it. Opens in WAL
// mode with a busy timeout. abortFlag, when set, makes every statement fail
// fast with an "interrupted" DbError: that is how a killed worker stops.
//
// ReadWrite: a file this process creates is switched to WAL; a file that
// was there, even an empty one, keeps its journal mode (switching would
// write to it, and a file not in WAL mode is not one this program made: the
// service refuses it before writing). The
// first read-write connection of this process to a file checks its
// write-ahead log first (writeAheadLogProblem) and throws rather than let
// SQLite discard it. The last one to close checkpoints the log into the
// file (TRUNCATE), so the database file alone holds every commit.
// ReadOnly: no writes, but SQLite creates PATH-wal and PATH-shm for a file
// in WAL mode when they are missing.
// Immutable: read-only with SQLite's immutable flag: no lock, no -wal or
// -shm created, and a -wal's content not seen. Only for looking at a file
// that no connection has open and that must not change.
class Database
{
public:
    enum class Mode
    {
        ReadWrite,
        ReadOnly,
        Immutable
    };
    // How a file was when this process's first read-write connection to it
    // opened it: not there (this process made it), there with no bytes, or
    // there with content. Later connections share the first one's answer,
    // so all workers of a service agree while any of them has the file open.
    enum class Origin
    {
        New,
        Empty,
        Existing
    };
    explicit Database(const QString &path, Mode mode = Mode::ReadWrite, int busyTimeoutMs = 5000);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // A cached prepared statement, reset and with bindings cleared.
    Query prepare(const QString &sql);
    // Runs one or more statements without parameters (schema, pragmas).
    void execScript(const QString &sql);
    qint64 lastInsertId() const;
    // Makes a running statement on this connection stop; safe from any thread.
    void interrupt();
    void setAbortFlag(const std::atomic<bool> *flag) { m_abort = flag; }
    bool aborted() const { return m_abort && m_abort->load(std::memory_order_relaxed); }

    sqlite3 *handle() const { return m_db; }
    QString path() const { return m_path; }
    Origin origin() const { return m_origin; }
    // How long a statement waits for a lock before it fails with SQLITE_BUSY.
    int busyTimeoutMs() const { return m_busyTimeoutMs; }

    [[noreturn]] void fail(const QString &what, int code) const;
    // After a statement: this connection no longer waits for a lock.
    void endBusyWait();

private:
    void forgetWriter();
    // The busy handler: waits up to the busy timeout, in short naps that
    // see the abort flag; gives up early when enough other connections of
    // this process already wait long for the same file (see sqlite.cpp).
    static int onBusy(void *self, int count);

    sqlite3 *m_db = nullptr;
    QString m_path;
    QString m_writerKey; // set for a read-write connection to a file: its entry among the writers
    Origin m_origin = Origin::Existing;
    const std::atomic<bool> *m_abort = nullptr;
    // By the SQL as written: a QStringLiteral is hashed, not converted.
    std::unordered_map<QString, std::unique_ptr<Statement>> m_cache;
    std::shared_ptr<FileState> m_fileState; // null for ":memory:"
    int m_busyTimeoutMs = 0;
    std::chrono::steady_clock::time_point m_busySince;
    bool m_waitingLong = false;
};

// The whole-file lock of the database file at databasePath, for every
// connection of this process: while it is on, each read and each write
// transaction that begins waits for its busy timeout and then fails with
// SQLITE_BUSY, as behind a connection in exclusive locking mode that has
// written (which SQLite would not grant while other connections have the
// file open; sqlite.cpp says how the lock is held instead). Transactions
// already under way finish. Also for a file not open yet.
// Says that this process holds the file's lock for long (a chaos fault):
// the connections waiting for it are then bounded (see Database::onBusy).
void setLockHeldForLong(const QString &databasePath, bool held);
void setWholeFileLock(const QString &databasePath, bool locked);
bool wholeFileLocked(const QString &databasePath);

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless committed.
class Transaction
{
public:
    explicit Transaction(Database &db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Database &m_db;
    bool m_done = false;
};

} // namespace microcosm
