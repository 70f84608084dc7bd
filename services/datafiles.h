#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace microcosm {

class Database;

// What makes a file one service's database: the stamp the service writes
// when it creates the file (PRAGMA application_id, distinct per service, and
// PRAGMA user_version, the schema's version) and the schema its CREATE
// statements make, exactly.
struct DataFileKind
{
    QString service;      // "product": the file is <service>.db
    qint32 applicationId; // PRAGMA application_id
    int schemaVersion;    // PRAGMA user_version
    const char *schema;   // the service's CREATE statements
    // The oldest version a file may have and be brought up to this one by
    // running the schema over it: every version since only added tables
    // (each statement is CREATE … IF NOT EXISTS), so what the file holds
    // stays as it is. 0: no older version is read.
    int additiveSince = 0;
};

// The product, cart and order services' files.
const QList<const DataFileKind *> &dataFileKinds();

// Problems with the data directory and the database files already in it,
// one message each, naming the folder or file and saying what is wrong.
// Checked before anything opens the files for writing: nothing is written
// (no byte of a file, no -wal or -shm created), so a bad file is reported
// and left exactly as it was. The folder must exist, be a folder and be
// writable; a file that is there must be its service's (stamp and schema,
// or, with no stamp, exactly its schema: see prepareServiceFile), pass
// SQLite's quick_check, and have a write-ahead log SQLite would not ignore.
QStringList checkDataFiles(const QString &dataDir);
// The same for an architecture's files.
QStringList checkDataFiles(const QString &dataDir, const QList<const DataFileKind *> &kinds);

// Run by each worker of a service on its own read-write connection before
// it serves (Service::migrate). A file this process has just created gets
// the schema, the seed and the stamp in one transaction. A file that is the
// service's is used as it is; a file with no stamp but exactly the
// service's schema is adopted (stamped); a file of an older version the
// kind reads (additiveSince) gets the tables added since and the new stamp,
// in one transaction. Anything else throws a DbError
// naming the file and what is wrong, before anything is written to it.
void prepareServiceFile(Database &db, const DataFileKind &kind,
                        const std::function<void(Database &)> &seed = {});

} // namespace microcosm
