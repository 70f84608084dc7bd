#include "sqlite.h"

#include <QStringEncoder>

#include <sqlite3.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUrl>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
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

// What this process knows of one database file beyond any one connection:
// whether the chaos controller holds its whole-file lock, and how many
// connections have been waiting long for one of its locks. Keyed like
// openFiles(); never erased (a process has a handful of files).
struct FileState
{
    std::atomic<bool> wholeFileLocked{false};
    // Set while this process itself holds the file's lock for long (a chaos
    // fault): only then are the connections that wait for it bounded.
    std::atomic<bool> lockHeldForLong{false};
    std::atomic<int> longWaiters{0};
};

namespace {

QString fileKey(const QString &path);

std::shared_ptr<FileState> fileState(const QString &path)
{
    static std::mutex mutex;
    static std::map<QString, std::shared_ptr<FileState>> states;
    std::lock_guard lock(mutex);
    auto &state = states[fileKey(path)];
    if (!state)
        state = std::make_shared<FileState>();
    return state;
}

// A VFS over the platform's own that holds a file's locks while its
// whole-file lock is on: every lock SQLite asks of the file's WAL index
// (-shm) is refused with SQLITE_BUSY_TIMEOUT, which SQLite hands to the
// connection's busy handler like any lock held by another connection (a
// plain SQLITE_BUSY on a read lock would instead be retried in a loop of
// its own for about 10 s, with no busy handler). So a read or a write
// transaction waits for the busy timeout and then fails, as behind a
// connection in exclusive locking mode that has written. That lock itself
// cannot be used on a running service: SQLite grants exclusive locking
// mode on a WAL file only when no other connection has it open, and every
// WAL connection keeps a SHARED lock on its file while it is open. SQLite's
// own test VFS (src/test_vfs.c) refuses shm locks the same way. Releasing
// locks is never refused.
struct ChaosFile
{
    sqlite3_file base;
    sqlite3_file *real; // the platform VFS's file, allocated right after this struct
    FileState *state;   // for a main database file; null for its journals
};

sqlite3_vfs *platformVfs()
{
    static sqlite3_vfs *vfs = sqlite3_vfs_find(nullptr);
    return vfs;
}

sqlite3_file *real(sqlite3_file *f)
{
    return reinterpret_cast<ChaosFile *>(f)->real;
}

int chaosClose(sqlite3_file *f)
{
    const int rc = real(f)->pMethods ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK;
    f->pMethods = nullptr;
    return rc;
}
int chaosRead(sqlite3_file *f, void *p, int n, sqlite3_int64 o)
{
    return real(f)->pMethods->xRead(real(f), p, n, o);
}
int chaosWrite(sqlite3_file *f, const void *p, int n, sqlite3_int64 o)
{
    return real(f)->pMethods->xWrite(real(f), p, n, o);
}
int chaosTruncate(sqlite3_file *f, sqlite3_int64 size)
{
    return real(f)->pMethods->xTruncate(real(f), size);
}
int chaosSync(sqlite3_file *f, int flags)
{
    return real(f)->pMethods->xSync(real(f), flags);
}
int chaosFileSize(sqlite3_file *f, sqlite3_int64 *size)
{
    return real(f)->pMethods->xFileSize(real(f), size);
}
int chaosLock(sqlite3_file *f, int level)
{
    return real(f)->pMethods->xLock(real(f), level);
}
int chaosUnlock(sqlite3_file *f, int level)
{
    return real(f)->pMethods->xUnlock(real(f), level);
}
int chaosCheckReservedLock(sqlite3_file *f, int *out)
{
    return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int chaosFileControl(sqlite3_file *f, int op, void *arg)
{
    return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int chaosSectorSize(sqlite3_file *f)
{
    return real(f)->pMethods->xSectorSize(real(f));
}
int chaosDeviceCharacteristics(sqlite3_file *f)
{
    return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int chaosShmMap(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
    return real(f)->pMethods->xShmMap(real(f), region, size, extend, p);
}
int chaosShmLock(sqlite3_file *f, int offset, int n, int flags)
{
    const FileState *state = reinterpret_cast<ChaosFile *>(f)->state;
    if (state && (flags & SQLITE_SHM_LOCK) && state->wholeFileLocked.load())
        return SQLITE_BUSY_TIMEOUT;
    return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void chaosShmBarrier(sqlite3_file *f)
{
    real(f)->pMethods->xShmBarrier(real(f));
}
int chaosShmUnmap(sqlite3_file *f, int deleteFlag)
{
    return real(f)->pMethods->xShmUnmap(real(f), deleteFlag);
}
int chaosFetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p)
{
    return real(f)->pMethods->xFetch(real(f), o, n, p);
}
int chaosUnfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return real(f)->pMethods->xUnfetch(real(f), o, p);
}

const sqlite3_io_methods ChaosMethods = {3,
                                         chaosClose,
                                         chaosRead,
                                         chaosWrite,
                                         chaosTruncate,
                                         chaosSync,
                                         chaosFileSize,
                                         chaosLock,
                                         chaosUnlock,
                                         chaosCheckReservedLock,
                                         chaosFileControl,
                                         chaosSectorSize,
                                         chaosDeviceCharacteristics,
                                         chaosShmMap,
                                         chaosShmLock,
                                         chaosShmBarrier,
                                         chaosShmUnmap,
                                         chaosFetch,
                                         chaosUnfetch};

int chaosOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    auto *f = reinterpret_cast<ChaosFile *>(file);
    f->real = reinterpret_cast<sqlite3_file *>(f + 1);
    f->state = nullptr;
    file->pMethods = nullptr;
    sqlite3_vfs *base = static_cast<sqlite3_vfs *>(vfs->pAppData);
    const int rc = base->xOpen(base, name, f->real, flags, outFlags);
    if (f->real->pMethods) {
        // The state lives as long as the process: the pointer stays valid.
        if (name && (flags & SQLITE_OPEN_MAIN_DB))
            f->state = fileState(QString::fromUtf8(name)).get();
        file->pMethods = f->real->pMethods->iVersion >= 3 ? &ChaosMethods : nullptr;
        if (!file->pMethods) // not a VFS this wrapper knows: pass its file through unchanged
            f->real->pMethods->xClose(f->real);
    }
    return file->pMethods || rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
}

sqlite3_vfs *base(sqlite3_vfs *vfs)
{
    return static_cast<sqlite3_vfs *>(vfs->pAppData);
}

// Registered once, as the default VFS, before the first connection opens.
// Everything but xOpen is the platform VFS's, called with its own object.
void registerChaosVfs()
{
    static std::once_flag once;
    std::call_once(once, [] {
        sqlite3_vfs *platform = platformVfs();
        static sqlite3_vfs vfs{};
        vfs.iVersion = 1;
        vfs.szOsFile = int(sizeof(ChaosFile)) + platform->szOsFile;
        vfs.mxPathname = platform->mxPathname;
        vfs.zName = "microcosm";
        vfs.pAppData = platform;
        vfs.xOpen = chaosOpen;
        vfs.xDelete = [](sqlite3_vfs *v, const char *name, int syncDir) {
            return base(v)->xDelete(base(v), name, syncDir);
        };
        vfs.xAccess = [](sqlite3_vfs *v, const char *name, int flags, int *out) {
            return base(v)->xAccess(base(v), name, flags, out);
        };
        vfs.xFullPathname = [](sqlite3_vfs *v, const char *name, int n, char *out) {
            return base(v)->xFullPathname(base(v), name, n, out);
        };
        vfs.xDlOpen = [](sqlite3_vfs *v, const char *name) {
            return base(v)->xDlOpen(base(v), name);
        };
        vfs.xDlError = [](sqlite3_vfs *v, int n, char *out) { base(v)->xDlError(base(v), n, out); };
        vfs.xDlSym = [](sqlite3_vfs *v, void *handle, const char *symbol) {
            return base(v)->xDlSym(base(v), handle, symbol);
        };
        vfs.xDlClose = [](sqlite3_vfs *v, void *handle) { base(v)->xDlClose(base(v), handle); };
        vfs.xRandomness = [](sqlite3_vfs *v, int n, char *out) {
            return base(v)->xRandomness(base(v), n, out);
        };
        vfs.xSleep = [](sqlite3_vfs *v, int us) { return base(v)->xSleep(base(v), us); };
        vfs.xCurrentTime = [](sqlite3_vfs *v, double *out) {
            return base(v)->xCurrentTime(base(v), out);
        };
        vfs.xGetLastError = [](sqlite3_vfs *v, int n, char *out) {
            return base(v)->xGetLastError(base(v), n, out);
        };
        sqlite3_vfs_register(&vfs, 1);
    });
}

// Connections that have waited this long for a lock are "waiting long": the
// lock is held, not merely contended (a write holds a file's lock for a
// millisecond or so).
constexpr auto LongWait = std::chrono::milliseconds(50);
// While this process holds a file's lock for long (the block-writes and
// lock-file faults), at most this many connections wait long for it at a
// time; any other gives up once it has waited LongWait. SQLite lets one
// writer in at a time, and a worker waiting out a busy timeout serves nobody
// meanwhile: without a bound, writes stuck behind the lock would take every
// worker of a service, and its reads, which WAL lets go on, would queue
// behind them until they timed out. Ordinary contention is never bounded:
// under ThreadSanitizer a start-up write waited more than LongWait, and a
// bound there failed a start.
constexpr int MaxLongWaiters = 2;

quint32 bigEndian32(const QByteArray &b, int at)
{
    const auto *p = reinterpret_cast<const unsigned char *>(b.constData()) + at;
    return quint32(p[0]) << 24 | quint32(p[1]) << 16 | quint32(p[2]) << 8 | quint32(p[3]);
}

quint32 littleEndian32(const QByteArray &b, int at)
{
    const auto *p = reinterpret_cast<const unsigned char *>(b.constData()) + at;
    return quint32(p[3]) << 24 | quint32(p[2]) << 16 | quint32(p[1]) << 8 | quint32(p[0]);
}

quint32 native32(const QByteArray &b, int at)
{
    quint32 v = 0;
    std::memcpy(&v, b.constData() + at, sizeof v);
    return v;
}

// SQLite's checksum of the WAL header and the -shm index header: over pairs
// of 32-bit words, s0 += x0 + s1, s1 += x1 + s0.
std::pair<quint32, quint32> walChecksum(const QByteArray &b, int bytes,
                                        quint32 (*word)(const QByteArray &, int))
{
    quint32 s0 = 0, s1 = 0;
    for (int i = 0; i + 8 <= bytes; i += 8) {
        s0 += word(b, i) + s1;
        s1 += word(b, i + 4) + s0;
    }
    return {s0, s1};
}

constexpr quint32 WalMagic = 0x377f0682; // | 1: checksums over big-endian words
constexpr quint32 WalVersion = 3007000;
constexpr int WalHeaderSize = 32;
constexpr int WalFrameHeaderSize = 24;

// What the -shm file's index says about the log, when it is intact: how many
// frames the log held (mxFrame) and how many of them were already copied into
// the database (nBackfill). Layout (native byte order): two identical 48-byte
// WalIndexHdr copies, then WalCkptInfo whose first word is nBackfill.
struct ShmIndex
{
    bool valid = false;
    quint32 frames = 0;
    quint32 backfilled = 0;
    quint32 pageSize = 0;
};

ShmIndex readShmIndex(const QString &shmPath)
{
    ShmIndex index;
    QFile f(shmPath);
    if (!f.open(QIODevice::ReadOnly))
        return index;
    const QByteArray b = f.read(136);
    if (b.size() < 100 || std::memcmp(b.constData(), b.constData() + 48, 48) != 0)
        return index;
    const auto [c0, c1] = walChecksum(b, 40, native32);
    const quint32 version = native32(b, 0);
    const bool initialised = b[12] != 0;
    if (version != WalVersion || !initialised || c0 != native32(b, 40) || c1 != native32(b, 44))
        return index;
    quint16 size = 0;
    std::memcpy(&size, b.constData() + 14, sizeof size);
    index.pageSize = (size & 0xfe00) + ((size & 0x0001) << 16);
    index.frames = native32(b, 16);
    index.backfilled = native32(b, 96);
    index.valid = index.pageSize >= 512 && index.backfilled <= index.frames;
    return index;
}

// The read-write connections this process has open, per file. The first one
// to open a file checks its journals (no connection of this process writes
// them at that moment, and the data directory belongs to one process); the
// last one to close checkpoints. Keyed by the file's canonical folder and
// its name, so that a file about to be created has the same key as after.
struct OpenFile
{
    int writers = 0;
    int closing = 0; // closed by the writers count, still inside sqlite3_close
    Database::Origin origin = Database::Origin::New;
};

std::mutex &openFilesMutex()
{
    static std::mutex m;
    return m;
}

std::map<QString, OpenFile> &openFiles()
{
    static std::map<QString, OpenFile> files;
    return files;
}

QString fileKey(const QString &path)
{
    const QFileInfo info(path);
    const QString folder = QFileInfo(info.absolutePath()).canonicalFilePath();
    return (folder.isEmpty() ? info.absolutePath() : folder) + QLatin1Char('/') + info.fileName();
}

bool isFilePath(const QString &path)
{
    return !path.isEmpty() && path != QLatin1String(":memory:") &&
           !path.startsWith(QLatin1String("file:"));
}

} // namespace

QString writeAheadLogProblem(const QString &databasePath)
{
    const QString walPath = databasePath + QStringLiteral("-wal");
    const QString shmPath = databasePath + QStringLiteral("-shm");
    const QFileInfo wal(walPath);
    const qint64 walSize = wal.exists() ? wal.size() : -1;
    if (walSize > 0) {
        QFile f(walPath);
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("%1 (its write-ahead log) cannot be read: %2")
                .arg(walPath, f.errorString());
        const QByteArray h = f.read(WalHeaderSize);
        QString why;
        const quint32 magic = h.size() >= 4 ? bigEndian32(h, 0) : 0;
        if (h.size() < WalHeaderSize) {
            why = QStringLiteral("it is %1 bytes long, shorter than a log's %2-byte header")
                      .arg(h.size())
                      .arg(WalHeaderSize);
        } else if ((magic & ~1u) != WalMagic) {
            why = QStringLiteral("it does not start with a write-ahead log's magic number "
                                 "(0x%1 instead of 0x377f0682 or 0x377f0683)")
                      .arg(magic, 8, 16, QLatin1Char('0'));
        } else if (bigEndian32(h, 4) != WalVersion) {
            why = QStringLiteral("its format version is %1, not %2")
                      .arg(bigEndian32(h, 4))
                      .arg(WalVersion);
        } else {
            const quint32 pageSize = bigEndian32(h, 8);
            const auto [c0, c1] = walChecksum(h, 24, (magic & 1) ? bigEndian32 : littleEndian32);
            if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
                why = QStringLiteral("it gives an impossible page size, %1").arg(pageSize);
            else if (c0 != bigEndian32(h, 24) || c1 != bigEndian32(h, 28))
                why = QStringLiteral("its header checksum does not match its header");
        }
        if (!why.isEmpty())
            return QStringLiteral("%1 (the write-ahead log of %2) has an invalid header: %3; "
                                  "SQLite would ignore the log and the commits in it would be lost")
                .arg(walPath, QFileInfo(databasePath).fileName(), why);
    }
    const ShmIndex index = readShmIndex(shmPath);
    if (index.valid && index.frames > index.backfilled) {
        const qint64 needed =
            WalHeaderSize + qint64(index.frames) * (WalFrameHeaderSize + index.pageSize);
        const quint32 pending = index.frames - index.backfilled;
        if (walSize < 0)
            return QStringLiteral("%1 is missing, but %2 says the log held %3 pages of commits not "
                                  "yet copied into %4: they are lost (restore the log; or, to go "
                                  "on without them, delete %2)")
                .arg(walPath, shmPath)
                .arg(pending)
                .arg(QFileInfo(databasePath).fileName());
        if (walSize < needed)
            return QStringLiteral("%1 is %2 bytes, but %3 says the log held %4 frames (%5 bytes), "
                                  "%6 of them not yet copied into %7: the log was cut short "
                                  "(restore it; or, to go on without those commits, delete %3)")
                .arg(walPath)
                .arg(walSize)
                .arg(shmPath)
                .arg(index.frames)
                .arg(needed)
                .arg(pending)
                .arg(QFileInfo(databasePath).fileName());
    }
    return {};
}

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

bool DbError::fileFailure() const
{
    switch (m_code & 0xff) {
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
        return true;
    default:
        return false;
    }
}

Statement::Statement(Database &db, const QString &sql) : m_db(db), m_sql(sql)
{
    const QByteArray utf8 = sql.toUtf8();
    const int rc = sqlite3_prepare_v3(db.handle(), utf8.constData(), int(utf8.size()),
                                      SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
    db.endBusyWait();
    if (rc != SQLITE_OK)
        db.fail(QStringLiteral("prepare \"%1\"").arg(sql), rc);
    m_texts.resize(std::size_t(sqlite3_bind_parameter_count(m_stmt)));
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

QByteArray *Statement::textBuffer(int index)
{
    if (index < 1 || std::size_t(index) > m_texts.size())
        return nullptr;
    return &m_texts[std::size_t(index - 1)];
}

// A text is written into its parameter's own buffer, which SQLite reads in
// place (SQLITE_STATIC) until the statement is reset, bound again or
// finalized; an index out of range SQLite refuses (SQLITE_RANGE), as for
// any bind.
Statement &Statement::bind(int index, const QString &value)
{
    QByteArray *utf8 = textBuffer(index);
    if (!utf8) {
        sqlite3_bind_text(m_stmt, index, "", 0, SQLITE_STATIC);
        return *this;
    }
    QStringEncoder encoder(QStringEncoder::Utf8);
    utf8->resize(encoder.requiredSpace(value.size()));
    char *end = encoder.appendToBuffer(utf8->data(), value);
    utf8->resize(end - utf8->constData());
    sqlite3_bind_text(m_stmt, index, utf8->constData(), int(utf8->size()), SQLITE_STATIC);
    return *this;
}

Statement &Statement::bindUtf8(int index, QByteArrayView text)
{
    QByteArray *utf8 = textBuffer(index);
    if (!utf8) {
        sqlite3_bind_text(m_stmt, index, "", 0, SQLITE_STATIC);
        return *this;
    }
    utf8->resize(text.size());
    if (!text.isEmpty())
        std::memcpy(utf8->data(), text.data(), std::size_t(text.size()));
    sqlite3_bind_text(m_stmt, index, utf8->constData(), int(utf8->size()), SQLITE_STATIC);
    return *this;
}

Statement &Statement::bind(int index, const QByteArray &blob)
{
    sqlite3_bind_blob(m_stmt, index, blob.constData(), int(blob.size()), SQLITE_TRANSIENT);
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
    m_db.endBusyWait();
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

QByteArrayView Statement::utf8(int column) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return p ? QByteArrayView(p, sqlite3_column_bytes(m_stmt, column)) : QByteArrayView();
}

QByteArray Statement::blob(int column) const
{
    const auto *p = static_cast<const char *>(sqlite3_column_blob(m_stmt, column));
    return p ? QByteArray(p, sqlite3_column_bytes(m_stmt, column)) : QByteArray();
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
    registerChaosVfs();
    if (isFilePath(path))
        m_fileState = fileState(path);
    if (mode == Mode::ReadWrite && isFilePath(path)) {
        std::lock_guard lock(openFilesMutex());
        const QString key = fileKey(path);
        auto it = openFiles().find(key);
        if (it == openFiles().end()) {
            // No connection of this process has the file: its log is at rest.
            const QString problem = writeAheadLogProblem(path);
            if (!problem.isEmpty())
                throw DbError(problem, SQLITE_CORRUPT);
            const QFileInfo info(path);
            OpenFile file;
            file.origin = !info.exists()     ? Origin::New
                          : info.size() == 0 ? Origin::Empty
                                             : Origin::Existing;
            it = openFiles().emplace(key, file).first;
        }
        ++it->second.writers;
        m_origin = it->second.origin;
        m_writerKey = key;
    } else if (mode == Mode::ReadWrite) {
        m_origin = Origin::New;
    }
    QByteArray target = path.toUtf8();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (mode == Mode::ReadOnly) {
        flags = SQLITE_OPEN_READONLY;
    } else if (mode == Mode::Immutable) {
        flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        target = QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()).toEncoded() +
                 "?mode=ro&immutable=1";
    }
    const int rc = sqlite3_open_v2(target.constData(), &m_db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const QString message =
            m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QString::fromUtf8(sqlite3_errstr(rc));
        sqlite3_close(m_db);
        m_db = nullptr;
        forgetWriter();
        throw DbError(QStringLiteral("cannot open %1: %2").arg(path, message), rc);
    }
    m_busyTimeoutMs = std::max(0, busyTimeoutMs);
    sqlite3_busy_handler(m_db, &Database::onBusy, this);
    sqlite3_extended_result_codes(m_db, 1);
    try {
        if (mode == Mode::ReadWrite) {
            // Switching a new file to WAL takes a lock that the busy handler
            // does not wait for; several workers opening the same new file
            // at once retry for a moment instead of failing.
            for (int attempt = 1;; ++attempt) {
                try {
                    // Only a file this process made, with no pages yet, is
                    // switched: switching one that was there (even an empty
                    // one) would write to it before anyone checked it.
                    bool wal = false;
                    {
                        auto journal = prepare(QStringLiteral("PRAGMA journal_mode"));
                        wal = journal.next() && journal.text(0) == QLatin1String("wal");
                    }
                    if (!wal && m_origin == Origin::New &&
                        prepare(QStringLiteral("PRAGMA page_count")).scalar() == 0)
                        execScript(QStringLiteral("PRAGMA journal_mode=WAL;"));
                    execScript(
                        QStringLiteral("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
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
        m_cache.clear();
        sqlite3_close(m_db);
        m_db = nullptr;
        forgetWriter();
        throw;
    }
}

Database::~Database()
{
    endBusyWait();
    m_cache.clear(); // statements must be finalized before the connection closes
    if (m_db) {
        // A kill interrupts a worker's connection (interrupt()), and SQLite
        // keeps that flag until the next statement starts: the checkpoint
        // sqlite3_close runs as a file's last connection was interrupted, so
        // the log kept every commit and the database file none. A statement
        // clears the flag.
        sqlite3_exec(m_db, "SELECT 1", nullptr, nullptr, nullptr);
        bool last = false;
        if (!m_writerKey.isEmpty()) {
            std::lock_guard lock(openFilesMutex());
            OpenFile &file = openFiles()[m_writerKey];
            last = --file.writers == 0;
            ++file.closing;
        }
        // The last writer copies the log into the file and empties it, even
        // if a reader (the auditor, an inspector) still has the file open and
        // so keeps sqlite3_close from doing it.
        if (last && sqlite3_get_autocommit(m_db))
            sqlite3_exec(m_db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    }
    sqlite3_close(m_db);
    if (!m_writerKey.isEmpty()) {
        std::lock_guard lock(openFilesMutex());
        auto it = openFiles().find(m_writerKey);
        if (it != openFiles().end() && --it->second.closing == 0 && it->second.writers == 0)
            openFiles().erase(it);
    }
}

void Database::forgetWriter()
{
    if (m_writerKey.isEmpty())
        return;
    std::lock_guard lock(openFilesMutex());
    auto it = openFiles().find(m_writerKey);
    if (it != openFiles().end() && --it->second.writers == 0 && it->second.closing == 0)
        openFiles().erase(it);
    m_writerKey.clear();
}

Query Database::prepare(const QString &sql)
{
    auto it = m_cache.find(sql);
    if (it == m_cache.end())
        it = m_cache.emplace(sql, std::make_unique<Statement>(*this, sql)).first;
    it->second->reset();
    return Query(*it->second);
}

void Database::execScript(const QString &sql)
{
    char *error = nullptr;
    const int rc = sqlite3_exec(m_db, sql.toUtf8().constData(), nullptr, nullptr, &error);
    endBusyWait();
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

int Database::onBusy(void *self, int count)
{
    auto *db = static_cast<Database *>(self);
    const auto now = std::chrono::steady_clock::now();
    if (count == 0) {
        db->endBusyWait();
        db->m_busySince = now;
    }
    const auto waited = now - db->m_busySince;
    const auto timeout = std::chrono::milliseconds(db->m_busyTimeoutMs);
    if (db->aborted() || waited >= timeout) {
        db->endBusyWait();
        return 0;
    }
    if (!db->m_waitingLong && waited >= LongWait && db->m_fileState &&
        db->m_fileState->lockHeldForLong.load()) {
        // Only MaxLongWaiters may go on waiting; the others give up now.
        std::atomic<int> &waiters = db->m_fileState->longWaiters;
        int n = waiters.load();
        do {
            if (n >= MaxLongWaiters)
                return 0;
        } while (!waiters.compare_exchange_weak(n, n + 1));
        db->m_waitingLong = true;
    }
    // Short naps, as SQLite's own busy handler starts, and never long ones:
    // a kill (the abort flag) is seen within 25 ms.
    static constexpr int naps[] = {1, 2, 5, 10, 15, 20, 25};
    const auto nap = std::chrono::milliseconds(naps[std::min(count, 6)]);
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(nap, timeout - waited));
    return 1;
}

void Database::endBusyWait()
{
    if (m_waitingLong) {
        m_waitingLong = false;
        m_fileState->longWaiters.fetch_sub(1);
    }
}

void setLockHeldForLong(const QString &databasePath, bool held)
{
    fileState(databasePath)->lockHeldForLong.store(held);
}

void setWholeFileLock(const QString &databasePath, bool locked)
{
    fileState(databasePath)->wholeFileLocked.store(locked);
}

bool wholeFileLocked(const QString &databasePath)
{
    return fileState(databasePath)->wholeFileLocked.load();
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
