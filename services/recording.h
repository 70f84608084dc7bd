#pragma once

#include "eventlog.h"
#include "metrics.h"
#include "snapshot.h"

#include <QJsonObject>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace microcosm {

class Database;
class Platform;

/*
 * A run's recording: one SQLite file ("run.microcosm" in the data directory,
 * or --record FILE) that holds the scenario as run, every second of every
 * entity (counts per outcome, percentiles, gauges and the second's latency
 * histogram), the state of every service, replica, edge and link each
 * second, every event, and at the end the report, the audit, the traces and
 * the debrief. The README's "Recordings" section lists its tables.
 *
 * Format (version 1), all times in seconds since the platform started:
 *   meta(key PRIMARY KEY, value)      format, version, state, pid, scenario, ...
 *   seconds(t PRIMARY KEY)            one row per closed one-second window
 *   metrics(t, entity, <outcomes>, p50_ms, p95_ms, p99_ms, p999_ms, max_ms,
 *           queue_depth, in_flight, busy_workers, workers, replicas_ready,
 *           replicas_total, latency)  latency: the second's histogram (blob)
 *   services(t, service, health, fault, db_fault, updating)
 *   replicas(t, service, replica, state, in_rotation, queued, queue_capacity,
 *            busy, workers, version)
 *   edges(t, caller, callee, breaker, retries, retries_denied)
 *   link_faults(t, caller, callee, fault)
 *   events(seq PRIMARY KEY, t, source, kind, message)
 *   totals(entity PRIMARY KEY, <outcomes>, max_ms, latency)  at the end: exact
 *   documents(name PRIMARY KEY, body)  report, audit, traces, debrief (JSON/text)
 */
namespace recording {
constexpr int FormatVersion = 1;
// Where a run in dataDir is recorded unless told otherwise: dataDir/run.microcosm.
QString defaultPath(const QString &dataDir);
// The column of each outcome in metrics and totals, in Outcome's order.
QString outcomeColumn(Outcome o);
// A histogram as stored: (bucket delta, count) pairs as LEB128 varints.
QByteArray encodeCells(const std::vector<HistogramData::Cell> &cells);
// False when the bytes are not such pairs.
bool decodeCells(const QByteArray &bytes, std::vector<HistogramData::Cell> *cells);
} // namespace recording

// Writes a recording while a platform runs: a background thread wakes
// every 100 ms and writes, in one transaction, each second the metrics
// closed since it last looked, the state of the system and the new events;
// no worker and no GUI thread ever waits for it. A process killed at any
// moment leaves a file that opens and holds every second committed so far
// (at most the last one or two are missing).
class Recorder
{
public:
    // Creates (or replaces) path. A file there must be a recording that is
    // not being written, or empty; anything else is refused with *error
    // naming the problem, and left as it is.
    static std::unique_ptr<Recorder> create(const QString &path, Platform &platform,
                                            const QJsonObject &scenario, QString *error);
    ~Recorder(); // stops the writer; an unfinished recording stays "incomplete"
    Recorder(const Recorder &) = delete;
    Recorder &operator=(const Recorder &) = delete;

    QString path() const { return m_path; }
    // Platform time at which the load started (time 0 of the scenario's timeline).
    void setLoadStart(double t);
    // Writes what is new now, then the documents (report, audit, traces,
    // debrief...) and every entity's exact totals, and marks the recording
    // complete. False, with *error, when the file could not be written.
    bool finish(const std::map<QString, QByteArray> &documents, QString *error);
    // Writes what is new now (waits for the writer).
    void flush();
    // Seconds and events written so far; the writer's last error, if any.
    int secondsWritten() const { return m_seconds.load(); }
    qint64 eventsWritten() const { return m_events.load(); }
    QString lastError() const;

private:
    Recorder(QString path, Platform &platform);
    void run();
    void writeNew(Database &db);
    void writeFinish(Database &db, const std::map<QString, QByteArray> &documents);

    QString m_path;
    Platform &m_platform;
    std::unique_ptr<Database> m_db; // opened by create(), then used only by the writer
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    int m_flushRequests = 0, m_flushesDone = 0;
    std::optional<std::map<QString, QByteArray>> m_finishDocuments;
    bool m_finished = false;
    QString m_error;
    double m_lastWindow = -1;
    double m_loadStart = 0, m_writtenLoadStart = 0;
    int m_lockFd = -1;
    qint64 m_lastSeq = 0;
    std::atomic<int> m_seconds{0};
    std::atomic<qint64> m_events{0};
    std::thread m_thread;
};

// A recording opened for reading (the file is never changed). Whole in
// memory once open: a recording of an hour of the shop is a few megabytes.
class Recording
{
public:
    // Opens path; on failure *error names the problem: no such file, not a
    // SQLite file, another program's database, a newer format, a file being
    // written by a running instance (unless allowLive), damaged.
    static std::optional<Recording> open(const QString &path, QString *error,
                                         bool allowLive = false);

    QString path() const { return m_path; }
    // complete: finished; incomplete: its run ended without finishing it
    // (killed, crashed) and it holds the seconds written until then.
    bool complete() const { return m_complete; }
    // Opened (allowLive) while a running Microcosm still writes it: not
    // complete yet, but not cut short either.
    bool live() const { return m_live; }
    QJsonObject scenario() const { return m_scenario; }
    QString title() const;
    double loadStart() const { return m_loadStart; }
    std::vector<double> seconds() const { return m_seconds; }
    const std::vector<Event> &events() const { return m_eventList; }
    QStringList entities() const;
    // The entity's closed windows, in time order.
    std::vector<Window> series(const QString &entity) const;
    // Counts and latency over the windows with from < t <= to, merged from
    // each second's histogram (within 0.4% once a second had few distinct
    // latencies, coarser when it had many).
    EntitySummary range(const QString &entity, double from, double to) const;
    // Over the whole run: the exact totals kept at the end; for an
    // incomplete recording, range() over every second.
    EntitySummary total(const QString &entity) const;
    // The system as it was at the second closest to t at or before it: services,
    // replicas, edges with breakers, link faults, and each entity's window.
    SystemSnapshot snapshotAt(double t) const;
    // A document written at the end ("report", "audit", "traces", "debrief"); empty if none.
    QByteArray document(const QString &name) const;
    QJsonObject report() const;
    std::vector<std::pair<QString, QString>> declaredCalls() const { return m_calls; }

private:
    struct Second
    {
        std::map<QString, std::pair<Window, std::vector<HistogramData::Cell>>> windows;
        QVector<ServiceSnapshot> services;
        QVector<EdgeSnapshot> edges;
        QVector<LinkFaultSnapshot> linkFaults;
    };
    bool load(Database &db, QString *error);
    QString m_path;
    bool m_complete = false;
    bool m_live = false;
    QJsonObject m_scenario;
    double m_loadStart = 0;
    std::vector<double> m_seconds;
    std::map<double, Second> m_data;
    std::vector<Event> m_eventList;
    std::map<QString, EntitySummary> m_totals;
    std::map<QString, QByteArray> m_documents;
    std::vector<std::pair<QString, QString>> m_calls;
};

} // namespace microcosm
