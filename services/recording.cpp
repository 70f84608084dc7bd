#include "recording.h"

#include "edgekey.h"
#include "enginethreads.h"
#include "platform.h"
#include "sqlite.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace microcosm {

namespace recording {

QString defaultPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("run.microcosm"));
}

QString outcomeColumn(Outcome o)
{
    switch (o) {
    case Outcome::Ok:
        return QStringLiteral("ok");
    case Outcome::ClientError:
        return QStringLiteral("client_error");
    case Outcome::ServerError:
        return QStringLiteral("server_error");
    case Outcome::Timeout:
        return QStringLiteral("timeout");
    case Outcome::Rejected:
        return QStringLiteral("rejected");
    case Outcome::ShortCircuited:
        return QStringLiteral("short_circuited");
    case Outcome::Fallback:
        return QStringLiteral("fallback");
    case Outcome::Count:
        break;
    }
    return {};
}

namespace {
void putVarint(QByteArray &out, std::uint64_t v)
{
    do {
        const auto byte = char((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        out.append(byte);
        v >>= 7;
    } while (v);
}

bool getVarint(const QByteArray &in, int &pos, std::uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size())
            return false;
        const auto byte = std::uint8_t(in[pos++]);
        *v |= std::uint64_t(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}
} // namespace

QByteArray encodeCells(const std::vector<HistogramData::Cell> &cells)
{
    QByteArray out;
    out.reserve(int(cells.size()) * 3);
    std::uint32_t previous = 0;
    for (const HistogramData::Cell &c : cells) {
        putVarint(out, c.bucket - previous);
        putVarint(out, c.count);
        previous = c.bucket;
    }
    return out;
}

bool decodeCells(const QByteArray &bytes, std::vector<HistogramData::Cell> *cells)
{
    cells->clear();
    int pos = 0;
    std::uint64_t bucket = 0;
    while (pos < bytes.size()) {
        std::uint64_t delta = 0, count = 0;
        if (!getVarint(bytes, pos, &delta) || !getVarint(bytes, pos, &count))
            return false;
        bucket += delta;
        if (bucket >= std::uint64_t(HistogramData::bucketCount()) || count > UINT32_MAX)
            return false;
        cells->push_back({std::uint32_t(bucket), std::uint32_t(count)});
    }
    return true;
}

} // namespace recording

namespace {

const QString Format = QStringLiteral("microcosm-recording");

QString outcomeColumns(const QString &suffix = {})
{
    QStringList columns;
    for (int i = 0; i < OutcomeCount; ++i)
        columns << recording::outcomeColumn(Outcome(i)) + suffix;
    return columns.join(QStringLiteral(", "));
}

QString schema()
{
    const QString outcomes = outcomeColumns(QStringLiteral(" INTEGER NOT NULL"));
    return QStringLiteral(
               "PRAGMA synchronous=NORMAL;"
               "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
               "CREATE TABLE seconds(t REAL PRIMARY KEY);"
               "CREATE TABLE metrics(t REAL NOT NULL, entity TEXT NOT NULL, %1,"
               " p50_ms REAL, p95_ms REAL, p99_ms REAL, p999_ms REAL, max_ms REAL,"
               " queue_depth REAL, in_flight REAL, busy_workers REAL, workers REAL,"
               " replicas_ready REAL, replicas_total REAL, latency BLOB,"
               " PRIMARY KEY(t, entity)) WITHOUT ROWID;"
               "CREATE TABLE services(t REAL NOT NULL, service TEXT NOT NULL, health TEXT,"
               " fault TEXT, db_fault TEXT, updating INTEGER, PRIMARY KEY(t, service))"
               " WITHOUT ROWID;"
               "CREATE TABLE replicas(t REAL NOT NULL, service TEXT NOT NULL,"
               " replica TEXT NOT NULL, state TEXT, in_rotation INTEGER, queued INTEGER,"
               " queue_capacity INTEGER, busy INTEGER, workers INTEGER, version TEXT,"
               " PRIMARY KEY(t, replica));" // rowid: the replicas' order, as the host has them
               "CREATE TABLE edges(t REAL NOT NULL, caller TEXT NOT NULL, callee TEXT NOT NULL,"
               " breaker TEXT, retries INTEGER, retries_denied INTEGER,"
               " PRIMARY KEY(t, caller, callee)) WITHOUT ROWID;"
               "CREATE TABLE link_faults(t REAL NOT NULL, caller TEXT NOT NULL,"
               " callee TEXT NOT NULL, fault TEXT, PRIMARY KEY(t, caller, callee))"
               " WITHOUT ROWID;"
               "CREATE TABLE events(seq INTEGER PRIMARY KEY, t REAL NOT NULL, source TEXT,"
               " kind TEXT, message TEXT);"
               "CREATE TABLE totals(entity TEXT PRIMARY KEY, %2, max_ms REAL, latency BLOB);"
               "CREATE TABLE documents(name TEXT PRIMARY KEY, body BLOB);")
        .arg(outcomes, outcomes);
}

QString faultText(const Fault &f)
{
    if (!f.active())
        return {};
    return QString::fromUtf8(
        QJsonDocument(QJsonObject{{QStringLiteral("latencyMs"), f.latencyMs},
                                  {QStringLiteral("jitterMs"), f.jitterMs},
                                  {QStringLiteral("latencyPercent"), f.latencyPercent},
                                  {QStringLiteral("errorStatus"), f.errorStatus},
                                  {QStringLiteral("errorPercent"), f.errorPercent},
                                  {QStringLiteral("partitioned"), f.partitioned},
                                  {QStringLiteral("dbDelayMs"), f.dbDelayMs}})
            .toJson(QJsonDocument::Compact));
}

Fault faultFrom(const QString &text)
{
    Fault f;
    if (text.isEmpty())
        return f;
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    f.latencyMs = o.value(QStringLiteral("latencyMs")).toDouble();
    f.jitterMs = o.value(QStringLiteral("jitterMs")).toDouble();
    f.latencyPercent = o.value(QStringLiteral("latencyPercent")).toDouble(100);
    f.errorStatus = o.value(QStringLiteral("errorStatus")).toInt(500);
    f.errorPercent = o.value(QStringLiteral("errorPercent")).toDouble();
    f.partitioned = o.value(QStringLiteral("partitioned")).toBool();
    f.dbDelayMs = o.value(QStringLiteral("dbDelayMs")).toDouble();
    return f;
}

QString dbFaultName(DatabaseFault f)
{
    switch (f) {
    case DatabaseFault::None:
        return {};
    case DatabaseFault::WritesBlocked:
        return QStringLiteral("writes-blocked");
    case DatabaseFault::FileLocked:
        return QStringLiteral("file-locked");
    }
    return {};
}

DatabaseFault dbFaultFrom(const QString &name)
{
    if (name == QLatin1String("writes-blocked"))
        return DatabaseFault::WritesBlocked;
    if (name == QLatin1String("file-locked"))
        return DatabaseFault::FileLocked;
    return DatabaseFault::None;
}

ServiceSnapshot::Health healthFrom(const QString &name)
{
    for (auto h : {ServiceSnapshot::Health::Healthy, ServiceSnapshot::Health::Degraded,
                   ServiceSnapshot::Health::Failing, ServiceSnapshot::Health::Down})
        if (ServiceSnapshot::healthName(h) == name)
            return h;
    return ServiceSnapshot::Health::Healthy;
}

void setMeta(Database &db, const QString &key, const QString &value)
{
    db.prepare(QStringLiteral("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"))
        .bind(1, key)
        .bind(2, value)
        .exec();
}

QString json(const QJsonValue &v)
{
    return QString::fromUtf8(v.isArray()
                                 ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                 : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
}

// The first bytes of every SQLite 3 database file (sqlite.org/fileformat.html, 1.3).
bool looksLikeSqlite(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1 cannot be read: %2").arg(path, f.errorString());
        return false;
    }
    const QByteArray head = f.read(16);
    if (head != QByteArray("SQLite format 3\0", 16)) {
        *error = QStringLiteral("%1 is not a Microcosm recording: it is not a SQLite database")
                     .arg(path);
        return false;
    }
    return true;
}

// Whether a running Microcosm holds the file's writer lock (flock(2): a
// lock of its own, apart from SQLite's fcntl(2) locks, and released by the
// kernel when the writing process ends, however it ends).
bool beingWritten(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
}

// What is wrong with a file that is said to be a recording, or empty.
QString checkMeta(Database &db, const QString &path)
{
    if (db.prepare(QStringLiteral(
                       "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'"))
            .scalar() == 0)
        return QStringLiteral("%1 is not a Microcosm recording: it is another program's SQLite "
                              "database (it has no meta table)")
            .arg(path);
    QString format, version;
    {
        Query q = db.prepare(QStringLiteral("SELECT key, value FROM meta WHERE key IN "
                                            "('format', 'version')"));
        while (q.next())
            (q.text(0) == QLatin1String("format") ? format : version) = q.text(1);
    }
    if (format != Format)
        return QStringLiteral("%1 is not a Microcosm recording: its meta table does not say "
                              "format=%2")
            .arg(path, Format);
    bool ok = false;
    const int v = version.toInt(&ok);
    if (!ok || v < 1)
        return QStringLiteral("%1: the recording's format version \"%2\" is not a number")
            .arg(path, version);
    if (v > recording::FormatVersion)
        return QStringLiteral("%1 was written by a newer Microcosm (recording format %2; this one "
                              "reads up to %3)")
            .arg(path)
            .arg(v)
            .arg(recording::FormatVersion);
    return {};
}

} // namespace

// ---------------------------------------------------------------------------
// Recorder

Recorder::Recorder(QString path, Platform &platform) : m_path(std::move(path)), m_platform(platform)
{
}

std::unique_ptr<Recorder> Recorder::create(const QString &path, Platform &platform,
                                           const QJsonObject &scenario, QString *error)
{
    const QFileInfo info(path);
    if (info.exists() && info.size() > 0) {
        if (!looksLikeSqlite(path, error))
            return nullptr;
        if (beingWritten(path)) {
            *error = QStringLiteral("%1 is being written by a running Microcosm").arg(path);
            return nullptr;
        }
        try {
            Database old(path, Database::Mode::ReadOnly);
            if (const QString problem = checkMeta(old, path); !problem.isEmpty()) {
                *error = problem + QStringLiteral("; not replaced");
                return nullptr;
            }
        } catch (const DbError &e) {
            *error = QStringLiteral("%1 cannot be read as a recording (%2); not replaced")
                         .arg(path, QString::fromUtf8(e.what()));
            return nullptr;
        }
    }
    for (const QString &p : {path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm")})
        QFile::remove(p);
    std::unique_ptr<Recorder> r(new Recorder(path, platform));
    try {
        r->m_db = std::make_unique<Database>(path);
        Database &db = *r->m_db;
        db.execScript(schema());
        // Held until the recorder goes (or the process ends): the sign that
        // this file is being written (beingWritten()).
        const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0)
            r->m_lockFd = fd;
        else if (fd >= 0)
            ::close(fd);
        Transaction tx(db);
        setMeta(db, QStringLiteral("format"), Format);
        setMeta(db, QStringLiteral("version"), QString::number(recording::FormatVersion));
        setMeta(db, QStringLiteral("state"), QStringLiteral("recording"));
        setMeta(db, QStringLiteral("program"),
                QStringLiteral("Microcosm %1").arg(QCoreApplication::applicationVersion()));
        setMeta(db, QStringLiteral("pid"), QString::number(::getpid()));
        setMeta(db, QStringLiteral("scenario"), json(scenario));
        const SystemSnapshot snap = platform.snapshot();
        QJsonArray layout;
        for (const ServiceSnapshot &s : snap.services)
            layout.append(
                QJsonObject{{QStringLiteral("name"), s.name},
                            {QStringLiteral("database"), s.databasePath},
                            {QStringLiteral("modules"), QJsonArray::fromStringList(s.modules)},
                            {QStringLiteral("userFacing"), s.userFacing}});
        setMeta(db, QStringLiteral("services"), json(layout));
        QJsonArray calls;
        for (const auto &[from, to] : snap.calls)
            calls.append(QJsonArray{from, to});
        setMeta(db, QStringLiteral("calls"), json(calls));
        setMeta(db, QStringLiteral("loadStart"), QStringLiteral("0"));
        tx.commit();
    } catch (const DbError &e) {
        *error = QStringLiteral("the recording %1 could not be created: %2")
                     .arg(path, QString::fromUtf8(e.what()));
        return nullptr;
    }
    r->m_lastWindow = -1;
    r->m_thread = std::thread([raw = r.get()] { raw->run(); });
    return r;
}

Recorder::~Recorder()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    m_db.reset();
    if (m_lockFd >= 0)
        ::close(m_lockFd);
}

void Recorder::setLoadStart(double t)
{
    std::lock_guard lock(m_mutex);
    m_loadStart = t;
}

QString Recorder::lastError() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

void Recorder::flush()
{
    std::unique_lock lock(m_mutex);
    const int ticket = ++m_flushRequests;
    m_wake.notify_all();
    m_wake.wait(lock, [&] { return m_flushesDone >= ticket || m_stop; });
}

bool Recorder::finish(const std::map<QString, QByteArray> &documents, QString *error)
{
    std::unique_lock lock(m_mutex);
    m_finishDocuments = documents;
    const int ticket = ++m_flushRequests;
    m_wake.notify_all();
    m_wake.wait(lock, [&] { return m_flushesDone >= ticket || m_stop; });
    if (!m_finished) {
        *error = m_error.isEmpty() ? QStringLiteral("the recording %1 was not finished").arg(m_path)
                                   : m_error;
        return false;
    }
    return true;
}

void Recorder::run()
{
    engineThreadStarted();
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait_for(lock, std::chrono::milliseconds(100),
                        [&] { return m_stop || m_flushRequests > m_flushesDone; });
        const int ticket = m_flushRequests;
        const bool stop = m_stop;
        std::optional<std::map<QString, QByteArray>> finish = std::exchange(m_finishDocuments, {});
        const double loadStart = m_loadStart;
        lock.unlock();
        QString error;
        bool finished = false;
        if (m_db) {
            try {
                Transaction tx(*m_db);
                if (loadStart != m_writtenLoadStart) {
                    setMeta(*m_db, QStringLiteral("loadStart"),
                            QString::number(loadStart, 'g', 17));
                    m_writtenLoadStart = loadStart;
                }
                writeNew(*m_db);
                if (finish)
                    writeFinish(*m_db, *finish);
                tx.commit();
                finished = finish.has_value();
            } catch (const DbError &e) {
                error = QStringLiteral("the recording %1 could not be written: %2")
                            .arg(m_path, QString::fromUtf8(e.what()));
            }
        }
        lock.lock();
        if (!error.isEmpty())
            m_error = error;
        if (finished)
            m_finished = true;
        m_flushesDone = std::max(m_flushesDone, ticket);
        m_wake.notify_all();
        if (stop)
            return;
    }
}

void Recorder::writeNew(Database &db)
{
    const std::vector<MetricsRegistry::ClosedWindow> windows =
        m_platform.metrics().closedSince(m_lastWindow);
    const std::vector<Event> events = m_platform.events().since(m_lastSeq);
    if (windows.empty() && events.empty())
        return;
    double newest = m_lastWindow;
    std::vector<double> times;
    const QString columns = outcomeColumns();
    QStringList marks;
    for (int i = 0; i < OutcomeCount + 14; ++i)
        marks << QStringLiteral("?");
    const QString insertMetric = QStringLiteral("INSERT OR REPLACE INTO metrics(t, entity, %1, "
                                                "p50_ms, p95_ms, p99_ms, p999_ms, max_ms, "
                                                "queue_depth, in_flight, busy_workers, workers, "
                                                "replicas_ready, replicas_total, latency) "
                                                "VALUES(%2)")
                                     .arg(columns, marks.join(QLatin1Char(',')));
    for (const MetricsRegistry::ClosedWindow &c : windows) {
        const Window &w = c.window;
        if (w.t > newest) {
            newest = w.t;
        }
        if (times.empty() || times.back() != w.t)
            if (std::find(times.begin(), times.end(), w.t) == times.end())
                times.push_back(w.t);
        Query q = db.prepare(insertMetric);
        int col = 1;
        q.bind(col++, w.t);
        q.bind(col++, c.entity.name());
        for (int i = 0; i < OutcomeCount; ++i)
            q.bind(col++, qint64(w.counts[i]));
        for (double v : {w.p50, w.p95, w.p99, w.p999, double(w.maxUs) / 1000.0, w.gauges.queueDepth,
                         w.gauges.inFlight, w.gauges.busyWorkers, w.gauges.workers,
                         w.gauges.replicasReady, w.gauges.replicasTotal})
            q.bind(col++, v);
        q.bind(col, recording::encodeCells(c.latency));
        q.exec();
    }
    for (double t : times)
        db.prepare(QStringLiteral("INSERT OR IGNORE INTO seconds(t) VALUES(?)")).bind(1, t).exec();
    m_seconds.fetch_add(int(times.size()));
    if (newest > m_lastWindow) {
        // The state now, filed under the newest second closed.
        const SystemSnapshot snap = m_platform.snapshot();
        for (const ServiceSnapshot &s : snap.services) {
            db.prepare(QStringLiteral("INSERT OR REPLACE INTO services(t, service, health, fault, "
                                      "db_fault, updating) VALUES(?,?,?,?,?,?)"))
                .bind(1, newest)
                .bind(2, s.name)
                .bind(3, ServiceSnapshot::healthName(s.health))
                .bind(4, faultText(s.fault))
                .bind(5, dbFaultName(s.dbFault))
                .bind(6, int(s.updating))
                .exec();
            for (const ReplicaSnapshot &r : s.replicas)
                db.prepare(QStringLiteral("INSERT OR REPLACE INTO replicas(t, service, replica, "
                                          "state, in_rotation, queued, queue_capacity, busy, "
                                          "workers, version) VALUES(?,?,?,?,?,?,?,?,?,?)"))
                    .bind(1, newest)
                    .bind(2, s.name)
                    .bind(3, r.name)
                    .bind(4, replicaStateName(r.state))
                    .bind(5, int(r.inRotation))
                    .bind(6, r.queued)
                    .bind(7, r.queueCapacity)
                    .bind(8, r.busy)
                    .bind(9, r.workers)
                    .bind(10, r.version)
                    .exec();
        }
        for (const EdgeSnapshot &e : snap.edges)
            db.prepare(QStringLiteral("INSERT OR REPLACE INTO edges(t, caller, callee, breaker, "
                                      "retries, retries_denied) VALUES(?,?,?,?,?,?)"))
                .bind(1, newest)
                .bind(2, e.from)
                .bind(3, e.to)
                .bind(4, breakerStateName(e.breaker))
                .bind(5, qint64(e.retries))
                .bind(6, qint64(e.retriesDenied))
                .exec();
        for (const LinkFaultSnapshot &f : snap.linkFaults)
            db.prepare(QStringLiteral("INSERT OR REPLACE INTO link_faults(t, caller, callee, "
                                      "fault) VALUES(?,?,?,?)"))
                .bind(1, newest)
                .bind(2, f.from)
                .bind(3, f.to)
                .bind(4, faultText(f.fault))
                .exec();
        m_lastWindow = newest;
    }
    for (const Event &e : events) {
        db.prepare(QStringLiteral("INSERT OR REPLACE INTO events(seq, t, source, kind, message) "
                                  "VALUES(?,?,?,?,?)"))
            .bind(1, e.seq)
            .bind(2, e.t)
            .bind(3, e.source)
            .bind(4, e.kind)
            .bind(5, e.message)
            .exec();
        m_lastSeq = std::max(m_lastSeq, e.seq);
    }
    m_events.fetch_add(qint64(events.size()));
}

void Recorder::writeFinish(Database &db, const std::map<QString, QByteArray> &documents)
{
    const QString insert =
        QStringLiteral("INSERT OR REPLACE INTO totals(entity, %1, max_ms, latency) VALUES(?%2,?,?)")
            .arg(outcomeColumns(), QStringLiteral(",?").repeated(OutcomeCount));
    for (const EntityKey &key : m_platform.metrics().keys()) {
        const EntitySummary s = m_platform.metrics().summary(key);
        Query q = db.prepare(insert);
        int col = 1;
        q.bind(col++, key.name());
        for (int i = 0; i < OutcomeCount; ++i)
            q.bind(col++, qint64(s.totals[i]));
        q.bind(col++, double(s.latency.maxUs()) / 1000.0);
        q.bind(col, recording::encodeCells(s.latency.cells()));
        q.exec();
    }
    for (const auto &[name, body] : documents)
        db.prepare(QStringLiteral("INSERT OR REPLACE INTO documents(name, body) VALUES(?, ?)"))
            .bind(1, name)
            .bind(2, body)
            .exec();
    setMeta(db, QStringLiteral("state"), QStringLiteral("complete"));
}

// ---------------------------------------------------------------------------
// Recording

std::optional<Recording> Recording::open(const QString &path, QString *error, bool allowLive)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("%1: no such file").arg(path);
        return std::nullopt;
    }
    if (info.size() == 0) {
        *error = QStringLiteral("%1 is empty: not a Microcosm recording").arg(path);
        return std::nullopt;
    }
    if (!looksLikeSqlite(path, error))
        return std::nullopt;
    const bool live = beingWritten(path);
    if (!allowLive && live) {
        *error = QStringLiteral("%1 is being written by a running Microcosm; open it when that run "
                                "has ended")
                     .arg(path);
        return std::nullopt;
    }
    Recording r;
    r.m_path = path;
    r.m_live = live;
    try {
        // Read-only: the file is never changed (a -wal left by a killed run
        // is read, not folded into the file).
        Database db(path, Database::Mode::ReadOnly);
        if (const QString problem = checkMeta(db, path); !problem.isEmpty()) {
            *error = problem;
            return std::nullopt;
        }
        if (!r.load(db, error))
            return std::nullopt;
    } catch (const DbError &e) {
        *error =
            QStringLiteral("%1 is damaged or truncated: %2").arg(path, QString::fromUtf8(e.what()));
        return std::nullopt;
    }
    return r;
}

bool Recording::load(Database &db, QString *error)
{
    std::map<QString, QString> meta;
    {
        Query q = db.prepare(QStringLiteral("SELECT key, value FROM meta"));
        while (q.next())
            meta[q.text(0)] = q.text(1);
    }
    m_complete = meta[QStringLiteral("state")] == QLatin1String("complete");
    m_scenario = QJsonDocument::fromJson(meta[QStringLiteral("scenario")].toUtf8()).object();
    m_loadStart = meta[QStringLiteral("loadStart")].toDouble();
    for (const QJsonValue &c :
         QJsonDocument::fromJson(meta[QStringLiteral("calls")].toUtf8()).array())
        m_calls.emplace_back(c.toArray().at(0).toString(), c.toArray().at(1).toString());
    QMap<QString, QJsonObject> layout;
    for (const QJsonValue &s :
         QJsonDocument::fromJson(meta[QStringLiteral("services")].toUtf8()).array())
        layout.insert(s.toObject().value(QStringLiteral("name")).toString(), s.toObject());

    {
        Query q = db.prepare(QStringLiteral("SELECT t FROM seconds ORDER BY t"));
        while (q.next()) {
            m_seconds.push_back(q.real(0));
            m_data[q.real(0)];
        }
    }
    {
        Query q = db.prepare(QStringLiteral("SELECT t, entity, %1, p50_ms, p95_ms, p99_ms, "
                                            "p999_ms, max_ms, queue_depth, in_flight, "
                                            "busy_workers, workers, replicas_ready, "
                                            "replicas_total, latency FROM metrics")
                                 .arg(outcomeColumns()));
        while (q.next()) {
            Window w;
            int col = 0;
            w.t = q.real(col++);
            const QString entity = q.text(col++);
            for (int i = 0; i < OutcomeCount; ++i)
                w.counts[i] = std::uint64_t(q.int64(col++));
            w.p50 = q.real(col++);
            w.p95 = q.real(col++);
            w.p99 = q.real(col++);
            w.p999 = q.real(col++);
            w.maxUs = std::int64_t(std::llround(q.real(col++) * 1000.0));
            w.gauges.queueDepth = q.real(col++);
            w.gauges.inFlight = q.real(col++);
            w.gauges.busyWorkers = q.real(col++);
            w.gauges.workers = q.real(col++);
            w.gauges.replicasReady = q.real(col++);
            w.gauges.replicasTotal = q.real(col++);
            std::vector<HistogramData::Cell> cells;
            if (!recording::decodeCells(q.blob(col), &cells)) {
                *error = QStringLiteral("%1 is damaged: the latency of %2 at t=%3 s cannot be read")
                             .arg(m_path, entity)
                             .arg(w.t);
                return false;
            }
            m_data[w.t].windows[entity] = {w, std::move(cells)};
        }
    }
    {
        Query q = db.prepare(
            QStringLiteral("SELECT t, service, health, fault, db_fault, updating FROM services"));
        while (q.next()) {
            ServiceSnapshot s;
            s.name = q.text(1);
            const QJsonObject l = layout.value(s.name);
            s.databasePath = l.value(QStringLiteral("database")).toString();
            for (const QJsonValue &m : l.value(QStringLiteral("modules")).toArray())
                s.modules << m.toString();
            s.userFacing = l.value(QStringLiteral("userFacing")).toBool(true);
            s.health = healthFrom(q.text(2));
            s.fault = faultFrom(q.text(3));
            s.dbFault = dbFaultFrom(q.text(4));
            s.updating = q.integer(5) != 0;
            m_data[q.real(0)].services.append(s);
        }
    }
    {
        Query q = db.prepare(QStringLiteral("SELECT t, service, replica, state, in_rotation, "
                                            "queued, queue_capacity, busy, workers, version FROM "
                                            "replicas ORDER BY t, service, rowid"));
        while (q.next()) {
            Second &sec = m_data[q.real(0)];
            for (ServiceSnapshot &s : sec.services)
                if (s.name == q.text(1))
                    s.replicas.append(
                        {q.text(2),
                         // a word this version does not know: not serving
                         replicaStateFromName(q.text(3)).value_or(ReplicaState::Starting),
                         q.integer(4) != 0, q.integer(5), q.integer(6), q.integer(7), q.integer(8),
                         q.text(9)});
        }
    }
    {
        Query q = db.prepare(QStringLiteral(
            "SELECT t, caller, callee, breaker, retries, retries_denied FROM edges"));
        while (q.next()) {
            EdgeSnapshot e;
            e.from = q.text(1);
            e.to = q.text(2);
            e.breaker = breakerStateFromName(q.text(3)).value_or(BreakerState::None);
            e.retries = std::uint64_t(q.int64(4));
            e.retriesDenied = std::uint64_t(q.int64(5));
            m_data[q.real(0)].edges.append(e);
        }
    }
    {
        Query q = db.prepare(QStringLiteral("SELECT t, caller, callee, fault FROM link_faults"));
        while (q.next())
            m_data[q.real(0)].linkFaults.append({q.text(1), q.text(2), faultFrom(q.text(3))});
    }
    {
        Query q = db.prepare(
            QStringLiteral("SELECT seq, t, source, kind, message FROM events ORDER BY seq"));
        while (q.next())
            m_eventList.push_back({q.int64(0), q.real(1), q.text(2), q.text(3), q.text(4)});
    }
    {
        Query q = db.prepare(
            QStringLiteral("SELECT entity, %1, max_ms, latency FROM totals").arg(outcomeColumns()));
        while (q.next()) {
            EntitySummary s;
            int col = 0;
            s.name = q.text(col++);
            for (int i = 0; i < OutcomeCount; ++i)
                s.totals[i] = std::uint64_t(q.int64(col++));
            const auto maxUs = std::int64_t(std::llround(q.real(col++) * 1000.0));
            std::vector<HistogramData::Cell> cells;
            if (!recording::decodeCells(q.blob(col), &cells)) {
                *error = QStringLiteral("%1 is damaged: the total latency of %2 cannot be read")
                             .arg(m_path, s.name);
                return false;
            }
            s.latency.addCells(cells, maxUs);
            m_totals[s.name] = s;
        }
    }
    {
        Query q = db.prepare(QStringLiteral("SELECT name, body FROM documents"));
        while (q.next())
            m_documents[q.text(0)] = q.blob(1);
    }
    return true;
}

QString Recording::title() const
{
    return m_scenario.value(QStringLiteral("title")).toString();
}

QStringList Recording::entities() const
{
    QStringList names;
    for (const auto &[t, sec] : m_data)
        for (const auto &[name, w] : sec.windows)
            if (!names.contains(name))
                names << name;
    for (const auto &[name, s] : m_totals)
        if (!names.contains(name))
            names << name;
    names.sort();
    return names;
}

std::vector<Window> Recording::series(const QString &entity) const
{
    std::vector<Window> out;
    for (const auto &[t, sec] : m_data)
        if (auto it = sec.windows.find(entity); it != sec.windows.end())
            out.push_back(it->second.first);
    return out;
}

EntitySummary Recording::range(const QString &entity, double from, double to) const
{
    EntitySummary s;
    s.name = entity;
    for (auto it = m_data.upper_bound(from); it != m_data.end() && it->first <= to; ++it) {
        auto w = it->second.windows.find(entity);
        if (w == it->second.windows.end())
            continue;
        for (int i = 0; i < OutcomeCount; ++i)
            s.totals[i] += w->second.first.counts[i];
        s.latency.addCells(w->second.second, w->second.first.maxUs);
        s.last = w->second.first;
        ++s.windows;
        s.minReplicasReady =
            s.windows == 1 ? w->second.first.gauges.replicasReady
                           : std::min(s.minReplicasReady, w->second.first.gauges.replicasReady);
        s.maxReplicasReady = std::max(s.maxReplicasReady, w->second.first.gauges.replicasReady);
    }
    s.rps = s.windows ? double(s.total()) / s.windows : 0;
    return s;
}

EntitySummary Recording::total(const QString &entity) const
{
    if (auto it = m_totals.find(entity); it != m_totals.end())
        return it->second;
    return range(entity, -1, 1e300);
}

SystemSnapshot Recording::snapshotAt(double t) const
{
    SystemSnapshot s;
    s.calls = m_calls;
    auto at = m_data.upper_bound(t);
    if (at == m_data.begin()) {
        if (m_data.empty())
            return s;
        ++at; // before the first second: show the first
    }
    const auto here = std::prev(at);
    s.t = here->first;
    // The state filed at or before this second (the writer may have closed
    // two seconds at once and filed the state under the later one).
    auto state = at;
    do {
        --state;
    } while (state != m_data.begin() && state->second.services.isEmpty());
    if (state->second.services.isEmpty())
        for (auto it = at; it != m_data.end(); ++it)
            if (!it->second.services.isEmpty()) {
                state = it;
                break;
            }
    const auto summary = [&](const QString &entity) {
        EntitySummary e = range(entity, -1, s.t);
        if (auto w = here->second.windows.find(entity); w != here->second.windows.end()) {
            e.last = w->second.first;
            e.rps = double(e.last.total());
        } else {
            e.last = Window{};
            e.rps = 0;
        }
        return e;
    };
    for (ServiceSnapshot svc : state->second.services) {
        svc.stats = summary(EntityKey::service(svc.name).name());
        s.services.append(svc);
    }
    for (EdgeSnapshot e : state->second.edges) {
        e.stats = summary(EntityKey::edge(e.from, e.to).name());
        s.edges.append(e);
    }
    s.linkFaults = state->second.linkFaults;
    s.gateway = summary(QStringLiteral("gateway"));
    s.client = summary(QStringLiteral("client"));
    s.users = summary(QStringLiteral("users"));
    s.http = summary(QStringLiteral("http"));
    for (const Event &e : m_eventList)
        if (e.t <= s.t)
            s.lastEventSeq = e.seq;
    return s;
}

QByteArray Recording::document(const QString &name) const
{
    auto it = m_documents.find(name);
    return it == m_documents.end() ? QByteArray() : it->second;
}

QJsonObject Recording::report() const
{
    return QJsonDocument::fromJson(document(QStringLiteral("report"))).object();
}

} // namespace microcosm
