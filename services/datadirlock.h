#pragma once

#include <QLockFile>
#include <QString>

namespace microcosm {

// Makes one process the owner of a data directory for as long as it lives.
// Two processes on one directory would each compensate the other's live
// checkouts as abandoned, so the second is refused. The lock is the file
// DIR/microcosm.lock (QLockFile: the holder's pid, program and host; its
// modification time is when it was taken). A lock left by a process that is
// gone is stale and taken over.
class DataDirLock
{
public:
    explicit DataDirLock(const QString &dataDir);
    DataDirLock(const DataDirLock &) = delete;
    DataDirLock &operator=(const DataDirLock &) = delete;

    bool isLocked() const { return m_file.isLocked(); }
    // Another live process holds it (rather than: the lock file cannot be made).
    bool inUse() const { return m_inUse; }
    // Why the directory could not be claimed, naming the holder; empty when locked.
    QString error() const { return m_error; }

    static QString fileName(const QString &dataDir);

private:
    QLockFile m_file;
    QString m_error;
    bool m_inUse = false;
};

} // namespace microcosm
