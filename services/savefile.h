#pragma once

#include <QByteArray>
#include <QString>

namespace microcosm {

// Writes data to path as a whole and checks every step: a regular file is
// replaced atomically (QSaveFile: the old file stays until the new one is
// complete), anything else (a pipe, /dev/stdout, /dev/full) is written
// directly and flushed. False with *error naming the file and the reason
// (a full disk, a missing folder) when any byte did not reach it.
bool writeWhole(const QString &path, const QByteArray &data, QString *error);

} // namespace microcosm
