#include "datafiles.h"

#include "cart/cartservice.h"
#include "order/orderservice.h"
#include "product/productservice.h"
#include "sqlite.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <unistd.h>

// What is checked, and what cannot be.
//
// A service's file is stamped when the service creates it: PRAGMA
// application_id (one per service) and PRAGMA user_version (the schema's
// version), written in the same transaction as the schema and the seed. So
// a file that has the stamp has the whole schema and the seed, and a file
// cut short while being made (a run stopped before that commit, or a
// write-ahead log deleted before it was copied into the file) has no stamp
// and no tables, and is refused, never re-seeded.
//
// Files from before the stamp existed have no stamp. A file with no stamp
// but exactly the service's schema is adopted: the service stamps it and
// uses its data (refusing it would strand a user's data for no reason; an
// earlier Microcosm is the only thing that makes those exact tables). A
// file with no stamp and any other schema is refused.
//
// A deleted write-ahead log is seen when its -shm index is still there and
// says the log held commits not yet copied into the file, and when the file
// has no stamp (nothing of it had been copied yet). It cannot be seen when
// the log and its -shm were both deleted after a checkpoint had copied the
// stamp in: the file is then consistent and shows its state at that
// checkpoint, and the commits since are gone without trace. A clean exit
// copies everything into the file (the last connection checkpoints), so
// only a crash followed by deleting the log loses data this way.
//
// A log with an invalid header is refused (SQLite would ignore it and drop
// its commits silently); damaged frames after a valid header are not seen
// (SQLite stops at the first frame whose checksum fails, exactly as after a
// torn write at a crash). Damage in the file's pages is found by SQLite's
// quick_check, at start-up: the services themselves check stamp and schema
// each time a worker opens the file, not every page.

namespace microcosm {

namespace {

struct Column
{
    QString name, type, defaultValue;
    bool notNull = false;
    int primaryKey = 0;
    bool operator==(const Column &o) const
    {
        return name == o.name && type == o.type && defaultValue == o.defaultValue &&
               notNull == o.notNull && primaryKey == o.primaryKey;
    }
};

struct SchemaObject
{
    QString type, table, sql; // sql with its white space simplified
    QList<Column> columns;    // for a table
};

// What a file holds that says whose it is.
struct Contents
{
    qint64 applicationId = 0;
    qint64 userVersion = 0;
    std::map<QString, SchemaObject> objects; // by name, SQLite's own ones included
};

// Reads the stamp and the schema in one read transaction when none is open:
// another worker may commit the schema and the stamp between two statements,
// and a stamp read before it with a user_version read after looks foreign.
class ReadSnapshot
{
public:
    explicit ReadSnapshot(Database &db) : m_db(db), m_own(sqlite3_get_autocommit(db.handle()))
    {
        if (m_own)
            m_db.execScript(QStringLiteral("BEGIN DEFERRED;"));
    }
    ~ReadSnapshot()
    {
        if (m_own && !sqlite3_get_autocommit(m_db.handle()))
            sqlite3_exec(m_db.handle(), "COMMIT", nullptr, nullptr, nullptr);
    }
    ReadSnapshot(const ReadSnapshot &) = delete;
    ReadSnapshot &operator=(const ReadSnapshot &) = delete;

private:
    Database &m_db;
    const bool m_own;
};

Contents readContents(Database &db)
{
    const ReadSnapshot snapshot(db);
    Contents c;
    c.applicationId = db.prepare(QStringLiteral("PRAGMA application_id")).scalar();
    c.userVersion = db.prepare(QStringLiteral("PRAGMA user_version")).scalar();
    {
        auto q = db.prepare(QStringLiteral("SELECT type, name, tbl_name, sql FROM sqlite_schema"));
        while (q.next())
            c.objects[q.text(1)] = {q.text(0), q.text(2), q.text(3).simplified(), {}};
    }
    for (auto &[name, object] : c.objects) {
        if (object.type != QLatin1String("table"))
            continue;
        auto q = db.prepare(QStringLiteral(
            "SELECT name, type, dflt_value, \"notnull\", pk FROM pragma_table_xinfo(?)"));
        q.bind(1, name);
        while (q.next())
            object.columns.append(
                {q.text(0), q.text(1), q.text(2), q.integer(3) != 0, q.integer(4)});
    }
    return c;
}

// What the service's schema makes, made in memory.
Contents referenceContents(const DataFileKind &kind)
{
    Database memory(QStringLiteral(":memory:"));
    memory.execScript(QString::fromLatin1(kind.schema));
    return readContents(memory);
}

// Every object a holds is in b as it is (b may have more): a file of an
// older version whose later versions only added tables.
bool holdsOnlyPartsOf(const Contents &a, const Contents &b)
{
    for (const auto &[name, object] : a.objects) {
        auto it = b.objects.find(name);
        if (it == b.objects.end() || it->second.type != object.type ||
            it->second.table != object.table || it->second.sql != object.sql)
            return false;
    }
    return true;
}

bool sameSchema(const Contents &a, const Contents &b)
{
    return a.objects.size() == b.objects.size() && holdsOnlyPartsOf(a, b);
}

bool internalName(const QString &name)
{
    return name.startsWith(QLatin1String("sqlite_"));
}

QString describe(const Column &c)
{
    QString s = c.type.isEmpty() ? QStringLiteral("untyped") : c.type;
    if (c.notNull)
        s += QStringLiteral(" NOT NULL");
    if (c.primaryKey)
        s += QStringLiteral(" PRIMARY KEY");
    if (!c.defaultValue.isEmpty())
        s += QStringLiteral(" DEFAULT ") + c.defaultValue;
    return s;
}

QStringList names(const Contents &c, const QString &type)
{
    QStringList out;
    for (const auto &[name, object] : c.objects)
        if (object.type == type && !internalName(name))
            out << name;
    return out;
}

// How found differs from want, as short phrases, the first few.
QStringList schemaDifferences(const Contents &found, const Contents &want, const QString &service)
{
    QStringList d;
    for (const auto &[name, w] : want.objects) {
        if (internalName(name))
            continue;
        auto it = found.objects.find(name);
        if (it == found.objects.end()) {
            d << QStringLiteral("%1 %2 is missing").arg(w.type, name);
            continue;
        }
        const SchemaObject &f = it->second;
        if (f.type != w.type) {
            d << QStringLiteral("%1 is a %2, not a %3").arg(name, f.type, w.type);
        } else if (w.type == QLatin1String("table")) {
            const int before = int(d.size());
            for (const Column &wc : w.columns) {
                auto fc = std::find_if(f.columns.begin(), f.columns.end(),
                                       [&](const Column &c) { return c.name == wc.name; });
                if (fc == f.columns.end())
                    d << QStringLiteral("table %1 lacks column %2").arg(name, wc.name);
                else if (!(*fc == wc))
                    d << QStringLiteral("table %1: column %2 is %3, not %4")
                             .arg(name, wc.name, describe(*fc), describe(wc));
            }
            for (const Column &fc : f.columns)
                if (std::none_of(w.columns.begin(), w.columns.end(),
                                 [&](const Column &c) { return c.name == fc.name; }))
                    d << QStringLiteral(
                             "table %1 has a column %2 that the %3 service does not make")
                             .arg(name, fc.name, service);
            if (int(d.size()) == before && f.sql != w.sql)
                d << QStringLiteral("table %1 has other constraints or column order than the %2 "
                                    "service's")
                         .arg(name, service);
        } else if (f.sql != w.sql || f.table != w.table) {
            d << QStringLiteral("%1 %2 is defined differently").arg(w.type, name);
        }
    }
    for (const auto &[name, f] : found.objects)
        if (!internalName(name) && !want.objects.count(name))
            d << QStringLiteral("it has a %1 %2 that the %3 service does not make")
                     .arg(f.type, name, service);
    if (d.isEmpty() && !sameSchema(found, want))
        d << QStringLiteral("its schema differs from the %1 service's").arg(service);
    if (d.size() > 4) {
        const int more = int(d.size()) - 3;
        d = d.mid(0, 3);
        d << QStringLiteral("%1 more differences").arg(more);
    }
    return d;
}

QString hex(qint64 id)
{
    return QStringLiteral("0x%1").arg(quint32(id), 8, 16, QLatin1Char('0'));
}

// Whose file found is, for kind's service.
struct Judgement
{
    enum
    {
        Ours,    // stamped by this service, with its schema
        Upgrade, // stamped by this service at an older version, with tables to add
        Adopt,   // no stamp, but exactly this service's schema
        Blank,   // no stamp and no schema at all
        Refused, // anything else: problem says what
    } verdict = Refused;
    QString problem; // "is …": follows the file's name
};

Judgement judge(const Contents &found, const DataFileKind &kind)
{
    const Contents want = referenceContents(kind);
    auto refused = [](const QString &problem) { return Judgement{Judgement::Refused, problem}; };
    if (found.applicationId == kind.applicationId) {
        if (found.userVersion > kind.schemaVersion)
            return refused(QStringLiteral("was written by a newer Microcosm: its schema version is "
                                          "%1, this one knows version %2")
                               .arg(found.userVersion)
                               .arg(kind.schemaVersion));
        if (found.userVersion < kind.schemaVersion && kind.additiveSince > 0 &&
            found.userVersion >= kind.additiveSince && holdsOnlyPartsOf(found, want))
            return {Judgement::Upgrade, {}};
        if (found.userVersion != kind.schemaVersion)
            return refused(QStringLiteral("has the %1 service's stamp but schema version %2; this "
                                          "Microcosm reads version %3 only")
                               .arg(kind.service)
                               .arg(found.userVersion)
                               .arg(kind.schemaVersion));
        const QStringList d = schemaDifferences(found, want, kind.service);
        if (!d.isEmpty())
            return refused(QStringLiteral("has the %1 service's stamp but not its schema: %2")
                               .arg(kind.service, d.join(QStringLiteral("; "))));
        return {Judgement::Ours, {}};
    }
    for (const DataFileKind *other : dataFileKinds())
        if (other != &kind && found.applicationId == other->applicationId)
            return refused(QStringLiteral("is the %1 service's database (its application_id %2 "
                                          "says so), not the %3 service's")
                               .arg(other->service, hex(found.applicationId), kind.service));
    if (found.applicationId != 0)
        return refused(QStringLiteral("belongs to another program: its application_id is %1, not "
                                      "the %2 service's %3")
                           .arg(hex(found.applicationId), kind.service, hex(kind.applicationId)));
    if (found.userVersion != 0)
        return refused(QStringLiteral("belongs to another program: it has no Microcosm stamp and "
                                      "user_version %1")
                           .arg(found.userVersion));
    if (found.objects.empty())
        return {Judgement::Blank, {}};
    if (sameSchema(found, want))
        return {Judgement::Adopt, {}};
    for (const DataFileKind *other : dataFileKinds())
        if (other != &kind && sameSchema(found, referenceContents(*other)))
            return refused(
                QStringLiteral("holds the %1 service's tables (%2), not the %3 "
                               "service's")
                    .arg(other->service,
                         names(found, QStringLiteral("table")).join(QStringLiteral(", ")),
                         kind.service));
    const QStringList wanted = names(want, QStringLiteral("table"));
    const QStringList tables = names(found, QStringLiteral("table"));
    if (std::none_of(wanted.begin(), wanted.end(),
                     [&](const QString &t) { return tables.contains(t); }))
        return refused(QStringLiteral("is not a Microcosm database: it has none of the %1 "
                                      "service's tables (%2)%3")
                           .arg(kind.service, wanted.join(QStringLiteral(", ")),
                                tables.isEmpty() ? QString()
                                                 : QStringLiteral("; its tables are %1")
                                                       .arg(tables.join(QStringLiteral(", ")))));
    return refused(
        QStringLiteral("is not the %1 service's database: %2")
            .arg(kind.service,
                 schemaDifferences(found, want, kind.service).join(QStringLiteral("; "))));
}

void stamp(Database &db, const DataFileKind &kind)
{
    db.execScript(QStringLiteral("PRAGMA application_id = %1; PRAGMA user_version = %2;")
                      .arg(kind.applicationId)
                      .arg(kind.schemaVersion));
}

const QString LeftAsItWas =
    QStringLiteral("it was left untouched — move it away or choose another --data-dir");

QString folderProblem(const QString &dataDir)
{
    const QFileInfo dir(dataDir);
    const QString shown = QDir::toNativeSeparators(dataDir);
    if (!dir.exists())
        return QStringLiteral("%1: the folder does not exist").arg(shown);
    if (!dir.isDir())
        return QStringLiteral("%1: not a folder").arg(shown);
    const QByteArray native = QFile::encodeName(dataDir);
    if (::access(native.constData(), R_OK | X_OK) != 0)
        return QStringLiteral("%1: the folder cannot be read (%2)")
            .arg(shown, QString::fromLocal8Bit(std::strerror(errno)));
    // access() answers from permission bits, which root passes; creating a
    // file is what the services will do, so that is what is tried.
    int error = ::access(native.constData(), W_OK) == 0 ? 0 : errno;
    if (error == 0) {
        const QByteArray probe = QFile::encodeName(QDir(dataDir).filePath(
            QStringLiteral(".microcosm-write-test-%1").arg(QCoreApplication::applicationPid())));
        const int fd = ::open(probe.constData(), O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            error = errno;
        } else {
            ::close(fd);
            ::unlink(probe.constData());
        }
    }
    if (error != 0)
        return QStringLiteral("%1: the folder is not writable (the services must create their "
                              "database files and journals there): %2")
            .arg(shown, QString::fromLocal8Bit(std::strerror(error)));
    return {};
}

QString fileProblem(const QString &dataDir, const DataFileKind &kind)
{
    const QString path = QDir(dataDir).filePath(kind.service + QStringLiteral(".db"));
    const QString walPath = path + QStringLiteral("-wal");
    auto refuse = [&](const QString &what) {
        return QStringLiteral("%1 %2; %3").arg(path, what, LeftAsItWas);
    };
    const QFileInfo info(path);
    const QFileInfo wal(walPath);
    if (!info.exists() && !info.isSymLink()) {
        if (wal.exists() && wal.size() > 0)
            return QStringLiteral("%1 exists but %2 does not: a write-ahead log without its "
                                  "database (was the database moved or deleted?); %3")
                .arg(walPath, path, LeftAsItWas);
        return {}; // the service will create it
    }
    if (!info.isFile())
        return refuse(QStringLiteral("is not a regular file"));
    if (::access(QFile::encodeName(path).constData(), R_OK | W_OK) != 0)
        return refuse(QStringLiteral("cannot be read and written (%1)")
                          .arg(QString::fromLocal8Bit(std::strerror(errno))));
    if (info.size() == 0)
        return refuse(QStringLiteral("is empty: not a Microcosm database (a database this "
                                     "program made is never empty)"));
    QByteArray header;
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return refuse(QStringLiteral("cannot be read (%1)").arg(f.errorString()));
        header = f.read(100);
    }
    if (header.size() < 100 || !header.startsWith(QByteArray("SQLite format 3", 16)))
        return refuse(QStringLiteral("is not a database: it does not start with SQLite's header"));
    const QString log = writeAheadLogProblem(path);
    if (!log.isEmpty())
        return QStringLiteral("%1; %2 and its journals were left untouched — move them away or "
                              "choose another --data-dir")
            .arg(log, QFileInfo(path).fileName());
    const bool walMode = header[18] == 2 && header[19] == 2;
    const bool logHasContent = wal.exists() && wal.size() > 0;

    try {
        // A file whose log holds commits is read through a copy of both in a
        // temporary folder (SQLite would create a -shm next to the original,
        // and a read-only connection cannot do without one); any other is
        // read in place with SQLite's immutable flag, which creates nothing.
        std::unique_ptr<QTemporaryDir> copy;
        QString readPath = path;
        Database::Mode mode = Database::Mode::Immutable;
        if (logHasContent) {
            copy = std::make_unique<QTemporaryDir>();
            readPath = copy->filePath(info.fileName());
            if (!copy->isValid() || !QFile::copy(path, readPath) ||
                !QFile::copy(walPath, readPath + QStringLiteral("-wal")))
                return refuse(QStringLiteral("could not be checked: no room for a copy of it "
                                             "and its write-ahead log in the temporary folder"));
            mode = Database::Mode::ReadOnly;
        }
        Database db(readPath, mode);
        const Judgement j = judge(readContents(db), kind);
        if (j.verdict == Judgement::Refused)
            return refuse(j.problem);
        if (j.verdict == Judgement::Blank)
            return refuse(
                QStringLiteral("holds no tables and no Microcosm stamp: not a Microcosm "
                               "database%1")
                    .arg(walMode && !logHasContent
                             ? QStringLiteral(" (it is in WAL mode: what it held may have been "
                                              "in a write-ahead log, %1, that is gone)")
                                   .arg(wal.fileName())
                             : QString()));
        QStringList found; // one line each, without quick_check's "*** in database main ***"
        auto check = db.prepare(QStringLiteral("PRAGMA quick_check(3)"));
        while (check.next())
            for (const QString &line : check.text(0).split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                if (!line.startsWith(QLatin1String("***")))
                    found << line.trimmed();
        if (found != QStringList{QStringLiteral("ok")})
            return refuse(QStringLiteral("is damaged: SQLite's quick_check found: %1")
                              .arg(found.join(QStringLiteral("; "))));
    } catch (const DbError &e) {
        const QString sqlite = QString::fromUtf8(e.what()).section(QStringLiteral(": "), -1);
        const int code = e.code() & 0xff;
        if (code == SQLITE_CORRUPT)
            return refuse(QStringLiteral("is damaged: SQLite says \"%1\"").arg(sqlite));
        return refuse(QStringLiteral("is not a usable SQLite database (%1)").arg(sqlite));
    }
    return {};
}

} // namespace

const QList<const DataFileKind *> &dataFileKinds()
{
    static const QList<const DataFileKind *> kinds{
        &ProductService::dataFile(), &CartService::dataFile(), &OrderService::dataFile()};
    return kinds;
}

QStringList checkDataFiles(const QString &dataDir)
{
    return checkDataFiles(dataDir, dataFileKinds());
}

QStringList checkDataFiles(const QString &dataDir, const QList<const DataFileKind *> &kinds)
{
    // The folder first: with a folder that cannot be used, what its files
    // look like does not matter yet.
    const QString folder = folderProblem(dataDir);
    if (!folder.isEmpty())
        return {folder};
    QStringList problems;
    for (const DataFileKind *kind : kinds) {
        const QString problem = fileProblem(dataDir, *kind);
        if (!problem.isEmpty())
            problems << problem;
    }
    return problems;
}

void prepareServiceFile(Database &db, const DataFileKind &kind,
                        const std::function<void(Database &)> &seed)
{
    auto refusal = [&db](const QString &problem) {
        return DbError(QStringLiteral("%1 %2 (refused before anything was written to it)")
                           .arg(db.path(), problem),
                       SQLITE_NOTADB);
    };
    Judgement j = judge(readContents(db), kind);
    if (j.verdict == Judgement::Ours)
        return;
    if (j.verdict == Judgement::Refused)
        throw refusal(j.problem);

    // Something to write: one worker at a time, looking again under the
    // write lock (another worker may have made or adopted the file meanwhile).
    Transaction tx(db);
    j = judge(readContents(db), kind);
    switch (j.verdict) {
    case Judgement::Ours:
        return; // rolled back: nothing was written
    case Judgement::Refused:
        throw refusal(j.problem);
    case Judgement::Adopt:
        stamp(db, kind);
        break;
    case Judgement::Upgrade:
        db.execScript(QString::fromLatin1(kind.schema)); // adds only what is missing
        stamp(db, kind);
        if (judge(readContents(db), kind).verdict != Judgement::Ours)
            throw refusal(QStringLiteral("could not be brought up to schema version %1")
                              .arg(kind.schemaVersion)); // rolled back: left as it was
        break;
    case Judgement::Blank:
        // Only a file this process made is filled in; an empty file that was
        // there already, or one that lost its tables, is somebody's problem
        // to look at, not a catalogue to seed again.
        if (db.origin() == Database::Origin::Empty)
            throw refusal(QStringLiteral("is empty: not a Microcosm database"));
        if (db.origin() == Database::Origin::Existing)
            throw refusal(QStringLiteral("holds no tables and no Microcosm stamp: not a "
                                         "Microcosm database"));
        db.execScript(QString::fromLatin1(kind.schema));
        if (seed)
            seed(db);
        stamp(db, kind); // last, in the same transaction: a stamped file is a whole one
        break;
    }
    tx.commit();
}

} // namespace microcosm
