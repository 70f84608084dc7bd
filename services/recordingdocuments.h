#pragma once

#include "auditor.h"
#include "debrief.h"
#include "scenariorun.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <map>
#include <optional>

namespace microcosm {

class Recorder;
class Recording;
class ShopSession;

namespace recording {
// The document that holds the copy of one database file as it was at the
// end of the run: "database:product.db".
QString databaseDocument(const QString &fileName);
// The index of those copies, a JSON object:
//   {"files":   [{"file": "product.db", "document": "database:product.db",
//                 "users": ["product"], "modules": ["product"], "bytes": 24576}],
//    "skipped": [{"file": "order.db", "reason": "..."}]}
// users: the deployables that opened the file; modules: the services the
// first of them runs (more than one for a monolith).
QString databasesIndexDocument(); // "databases"
// A copy larger than this is left out (the index says so): a recording
// stays small enough to pass around, and finishing a run stays quick.
constexpr qint64 MaxDatabaseCopyBytes = qint64(32) << 20;
} // namespace recording

// A consistent copy of each database file the session's platform uses
// (each file once, a shared one with every deployable that opens it), as
// recording documents, and the index naming them. Each copy is SQLite's
// VACUUM INTO of the committed content (compacted, nothing half-written),
// read back into memory. Run it once nothing writes: after the session has
// shut down. A file that is not there, cannot be copied or is too large is
// left out, and the index says why; nothing in the data directory changes.
std::map<QString, QByteArray> databaseDocuments(ShopSession &session);

// Every document a run's recording ends with, the same for a headless run
// and for one of the window's sessions: "report" (compact JSON), "audit",
// "traces" (OTLP/JSON), "debrief" (its text) and databaseDocuments().
std::map<QString, QByteArray> endOfRunDocuments(ShopSession &session, const QJsonObject &report,
                                                const AuditReport &audit,
                                                const QString &debriefText);

// The debrief of what the recorder has written so far (it is flushed
// first), told with the audit; null, with *error, when the file cannot be read.
std::optional<Debrief> debriefSoFar(Recorder &recorder, const AuditReport &audit, QString *error);

// One expectation's verdict as a report holds it: expect, evaluated, held,
// and measured or notEvaluated.
QJsonObject expectationJson(const ExpectationResult &result);

// What whoever ran a session (the window) knows of its run when it ends,
// for the report its recording ends with.
struct SessionVerdict
{
    QString title;            // the recording's scenario's
    bool scenarioRan = false; // a scenario ran on the session
    bool judged = false;      // and its duration was over: settled, audited, judged
    bool settled = false;     // when judged
    QList<ExpectationResult> results;
    double scenarioSeconds = 0, scenarioDuration = 0; // how far it got, of how long
};
// How long finishSessionRecording() waits for the journeys, checkouts and
// the order outbox under way before it audits anyway.
constexpr Duration SessionSettleTimeout = seconds(3);

// Ends a session's recording as a headless run's ends, from another thread
// than the one the session's views live on: stops the load and waits (at
// most SessionSettleTimeout) for the work under way, shuts the session down,
// audits it, tells the debrief and finishes the recording with
// endOfRunDocuments() and a report of what is known: the scenario's verdict
// when one was judged, else the audit's. False, with *error, when the
// recording could not be finished (the session is shut down all the same).
bool finishSessionRecording(Recorder &recorder, ShopSession &session, const SessionVerdict &verdict,
                            QString *error);

// The database copies a recording holds, written back as files.
struct RecordedDatabase
{
    QString file;        // "product.db"
    QString path;        // where it was written
    QStringList users;   // the deployables that opened it
    QStringList modules; // the services the first of them runs
    qint64 bytes = 0;
};
struct RecordedDatabases
{
    // False: the recording has no index of copies (it was not finished, or
    // was made before copies were kept); files and skipped are then empty.
    bool indexed = false;
    QList<RecordedDatabase> files; // in the index's order
    QStringList skipped;           // "order.db: <why it was left out>"
};
// Writes each copy into dir (an existing folder) under its file name. On a
// write that fails, or an index that names a document the recording lacks,
// *error says which, and the files written so far are listed.
RecordedDatabases extractDatabases(const Recording &recording, const QString &dir, QString *error);

} // namespace microcosm
