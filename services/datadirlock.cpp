#include "datadirlock.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace microcosm {

QString DataDirLock::fileName(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("microcosm.lock"));
}

DataDirLock::DataDirLock(const QString &dataDir) : m_file(fileName(dataDir))
{
    // Only a dead holder makes a lock stale, never its age: a run may last hours.
    m_file.setStaleLockTime(0);
    QDir().mkpath(dataDir);
    if (m_file.tryLock(0))
        return;
    qint64 pid = 0;
    QString host, program;
    switch (m_file.error()) {
    case QLockFile::LockFailedError:
        m_inUse = true;
        if (m_file.getLockInfo(&pid, &host, &program)) {
            const QDateTime since = QFileInfo(fileName(dataDir)).lastModified();
            m_error = QStringLiteral("the data directory %1 is in use by %2 (pid %3 on %4, since "
                                     "%5); two processes on one data directory would undo each "
                                     "other's checkouts — wait for it to end or choose another "
                                     "data directory")
                          .arg(QDir::toNativeSeparators(dataDir), program)
                          .arg(pid)
                          .arg(host, since.toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")));
        } else {
            m_error = QStringLiteral("the data directory %1 is in use: its lock file %2 is held "
                                     "and cannot be read")
                          .arg(QDir::toNativeSeparators(dataDir), fileName(dataDir));
        }
        break;
    case QLockFile::PermissionError:
        m_error = QStringLiteral("cannot create the lock file %1: no permission to write in the "
                                 "data directory")
                      .arg(fileName(dataDir));
        break;
    default: {
        // QLockFile does not say why; writing a byte beside it does (a full disk, say).
        const QString probePath = fileName(dataDir) + QStringLiteral(".probe");
        QFile probe(probePath);
        QString why = QStringLiteral("unknown error");
        if (!probe.open(QIODevice::WriteOnly) || probe.write("x", 1) != 1 || !probe.flush())
            why = probe.errorString();
        probe.close();
        QFile::remove(probePath);
        m_error = QStringLiteral("cannot create the lock file %1: %2").arg(fileName(dataDir), why);
        break;
    }
    }
}

} // namespace microcosm
