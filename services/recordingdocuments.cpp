#include "recordingdocuments.h"

#include "debrief.h"
#include "platform.h"
#include "recording.h"
#include "scenariorun.h"
#include "shopsession.h"
#include "sqlite.h"
#include "traceexport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <algorithm>

namespace microcosm {

QString recording::databaseDocument(const QString &fileName)
{
    return QStringLiteral("database:") + fileName;
}

QString recording::databasesIndexDocument()
{
    return QStringLiteral("databases");
}

namespace {

// As the auditor opens a file: with no write-ahead log beside it nothing is
// writing it, and it is read as it is, leaving nothing behind (a read-only
// connection would create a -wal and a -shm it cannot remove).
std::unique_ptr<Database> openForCopy(const QString &path)
{
    return std::make_unique<Database>(path, QFileInfo::exists(path + QStringLiteral("-wal"))
                                                ? Database::Mode::ReadOnly
                                                : Database::Mode::Immutable);
}

// The copy of path at copyPath, or why there is none.
std::optional<QByteArray> copyOf(const QString &path, const QString &copyPath, QString *why)
{
    if (!QFileInfo::exists(path)) {
        *why = QStringLiteral("there was no such file at the end of the run");
        return std::nullopt;
    }
    // The source's size bounds the copy's (VACUUM only compacts): a file far
    // too large is not even read.
    if (QFileInfo(path).size() > 4 * recording::MaxDatabaseCopyBytes) {
        *why = QStringLiteral("%1 bytes, more than a recording keeps (%2)")
                   .arg(QFileInfo(path).size())
                   .arg(recording::MaxDatabaseCopyBytes);
        return std::nullopt;
    }
    try {
        const auto db = openForCopy(path);
        db->prepare(QStringLiteral("VACUUM INTO ?")).bind(1, copyPath).exec();
    } catch (const DbError &e) {
        *why = QStringLiteral("it could not be copied: %1").arg(QString::fromUtf8(e.what()));
        return std::nullopt;
    }
    QFile copy(copyPath);
    if (copy.size() > recording::MaxDatabaseCopyBytes) {
        *why = QStringLiteral("its copy has %1 bytes, more than a recording keeps (%2)")
                   .arg(copy.size())
                   .arg(recording::MaxDatabaseCopyBytes);
        return std::nullopt;
    }
    if (!copy.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("its copy could not be read back: %1").arg(copy.errorString());
        return std::nullopt;
    }
    return copy.readAll();
}

} // namespace

std::map<QString, QByteArray> databaseDocuments(ShopSession &session)
{
    const Platform &platform = session.platform();
    // Each file once, in the order of the first deployable that opens it.
    struct File
    {
        QString path;
        QStringList users;
    };
    QList<File> files;
    for (const QString &s : platform.serviceNames()) {
        const QString path = platform.databasePath(s);
        auto it =
            std::find_if(files.begin(), files.end(), [&](const File &f) { return f.path == path; });
        if (it == files.end())
            files.append({path, {s}});
        else
            it->users << s;
    }
    std::map<QString, QByteArray> out;
    QJsonArray copied, skipped;
    QTemporaryDir scratch;
    for (const File &f : std::as_const(files)) {
        const QString name = QFileInfo(f.path).fileName();
        QString why;
        std::optional<QByteArray> bytes;
        if (scratch.isValid())
            bytes = copyOf(f.path, scratch.filePath(name), &why);
        else
            why = QStringLiteral("there was no temporary folder for its copy: %1")
                      .arg(scratch.errorString());
        if (!bytes) {
            skipped.append(
                QJsonObject{{QStringLiteral("file"), name}, {QStringLiteral("reason"), why}});
            continue;
        }
        const QString document = recording::databaseDocument(name);
        copied.append(QJsonObject{
            {QStringLiteral("file"), name},
            {QStringLiteral("document"), document},
            {QStringLiteral("users"), QJsonArray::fromStringList(f.users)},
            {QStringLiteral("modules"),
             QJsonArray::fromStringList(session.architecture().modulesOf(f.users.value(0)))},
            {QStringLiteral("bytes"), qint64(bytes->size())}});
        out[document] = std::move(*bytes);
    }
    out[recording::databasesIndexDocument()] =
        QJsonDocument(
            QJsonObject{{QStringLiteral("files"), copied}, {QStringLiteral("skipped"), skipped}})
            .toJson(QJsonDocument::Compact);
    return out;
}

std::map<QString, QByteArray> endOfRunDocuments(ShopSession &session, const QJsonObject &report,
                                                const AuditReport &audit,
                                                const QString &debriefText)
{
    std::map<QString, QByteArray> documents = databaseDocuments(session);
    documents[QStringLiteral("report")] = QJsonDocument(report).toJson(QJsonDocument::Compact);
    documents[QStringLiteral("audit")] =
        QJsonDocument(audit.toJson()).toJson(QJsonDocument::Compact);
    documents[QStringLiteral("traces")] = exportTraces(session.platform(), TraceFormat::Otlp);
    documents[QStringLiteral("debrief")] = debriefText.toUtf8();
    return documents;
}

std::optional<Debrief> debriefSoFar(Recorder &recorder, const AuditReport &audit, QString *error)
{
    recorder.flush();
    const auto soFar = Recording::open(recorder.path(), error, /*allowLive=*/true);
    if (!soFar)
        return std::nullopt;
    return debriefOf(*soFar, audit.toJson());
}

QJsonObject expectationJson(const ExpectationResult &r)
{
    QJsonObject e{{QStringLiteral("expect"), r.expectation.describe()},
                  {QStringLiteral("evaluated"), r.evaluated()},
                  {QStringLiteral("held"), r.held}};
    if (r.evaluated())
        e.insert(QStringLiteral("measured"), r.measured);
    else
        e.insert(QStringLiteral("notEvaluated"), r.notEvaluated);
    return e;
}

bool finishSessionRecording(Recorder &recorder, ShopSession &session, const SessionVerdict &verdict,
                            QString *error)
{
    // As a headless run ends: the load stopped and the work under way done
    // (or given up on), the last second written as it was, every thread
    // joined and every file closed before the audit reads them.
    const bool settled = session.quiesce(SessionSettleTimeout);
    session.platform().rotateMetrics();
    recorder.flush();
    session.shutdown();
    const AuditReport audit = session.runAudit();

    QJsonObject report{{QStringLiteral("scenario"), verdict.title},
                       {QStringLiteral("ranIn"), QStringLiteral("window")},
                       {QStringLiteral("dataDir"), session.platform().dataDir()},
                       {QStringLiteral("audit"), audit.toJson()}};
    bool passed = audit.ok;
    QStringList notes;
    if (verdict.judged) {
        QJsonArray expectations;
        for (const ExpectationResult &r : verdict.results) {
            expectations.append(expectationJson(r));
            passed = passed && r.held;
        }
        report.insert(QStringLiteral("expectations"), expectations);
        if (!verdict.settled) {
            passed = false;
            notes << QStringLiteral("the system did not settle within 30 s after the scenario");
        }
    } else if (verdict.scenarioRan) {
        notes << QStringLiteral("the scenario was stopped after %1 s of its %2 s, before its "
                                "expectations were judged")
                     .arg(QString::number(verdict.scenarioSeconds, 'f', 0),
                          QString::number(verdict.scenarioDuration, 'f', 0));
    }
    if (!settled)
        notes << QStringLiteral("work was still under way %1 s after the load stopped: the audit "
                                "may count it")
                     .arg(std::chrono::duration_cast<std::chrono::seconds>(SessionSettleTimeout)
                              .count());
    for (const Platform::DatabaseFailure &f : session.platform().databaseFailures()) {
        passed = false;
        notes << QStringLiteral("%1 failed %2 time(s); last: %3")
                     .arg(f.path)
                     .arg(f.count)
                     .arg(f.lastReason);
    }
    report.insert(QStringLiteral("passed"), passed);
    report.insert(QStringLiteral("notes"), QJsonArray::fromStringList(notes));

    QString text;
    {
        QString why;
        if (const auto debrief = debriefSoFar(recorder, audit, &why)) {
            text = debrief->text;
            report.insert(QStringLiteral("debrief"), debrief->toJson());
        }
    }
    report.insert(QStringLiteral("recording"),
                  QJsonObject{{QStringLiteral("file"), recorder.path()},
                              {QStringLiteral("seconds"), recorder.secondsWritten()},
                              {QStringLiteral("events"), recorder.eventsWritten()}});
    return recorder.finish(endOfRunDocuments(session, report, audit, text), error);
}

RecordedDatabases extractDatabases(const Recording &recording, const QString &dir, QString *error)
{
    RecordedDatabases out;
    const QByteArray index = recording.document(recording::databasesIndexDocument());
    if (index.isEmpty())
        return out;
    const QJsonObject o = QJsonDocument::fromJson(index).object();
    out.indexed = true;
    for (const QJsonValue &v : o.value(QStringLiteral("skipped")).toArray()) {
        const QJsonObject s = v.toObject();
        out.skipped << QStringLiteral("%1: %2").arg(s.value(QStringLiteral("file")).toString(),
                                                    s.value(QStringLiteral("reason")).toString());
    }
    QStringList problems;
    for (const QJsonValue &v : o.value(QStringLiteral("files")).toArray()) {
        const QJsonObject f = v.toObject();
        RecordedDatabase d;
        d.file = f.value(QStringLiteral("file")).toString();
        // Only a plain file name: a recording from elsewhere must not write
        // outside the folder it is given.
        if (d.file.isEmpty() || QFileInfo(d.file).fileName() != d.file ||
            d.file.startsWith(QLatin1Char('.'))) {
            problems << QStringLiteral("the index names a file \"%1\", which is not a plain "
                                       "file name")
                            .arg(d.file);
            continue;
        }
        const QString document = f.value(QStringLiteral("document")).toString();
        const QByteArray bytes = recording.document(document);
        if (bytes.isEmpty()) {
            problems
                << QStringLiteral("%1: the recording has no document \"%2\"").arg(d.file, document);
            continue;
        }
        d.path = QDir(dir).filePath(d.file);
        QFile file(d.path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(bytes) != bytes.size() || !file.flush()) {
            problems << QStringLiteral("%1: %2").arg(d.path, file.errorString());
            continue;
        }
        for (const QJsonValue &u : f.value(QStringLiteral("users")).toArray())
            d.users << u.toString();
        for (const QJsonValue &m : f.value(QStringLiteral("modules")).toArray())
            d.modules << m.toString();
        d.bytes = bytes.size();
        out.files.append(d);
    }
    if (error && !problems.isEmpty())
        *error = problems.join(QStringLiteral("; "));
    return out;
}

} // namespace microcosm
