#include "savefile.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace microcosm {

bool writeWhole(const QString &path, const QByteArray &data, QString *error)
{
    const QFileInfo info(path);
    if (info.exists() && !info.isFile()) {
        // A device or pipe: no temporary file beside it, no rename over it.
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
            return false;
        }
        if (file.write(data) != data.size() || !file.flush()) {
            *error = QStringLiteral("%1: %2").arg(path, file.errorString());
            return false;
        }
        return true;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    if (file.write(data) != data.size() || !file.commit()) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        file.cancelWriting();
        return false;
    }
    return true;
}

} // namespace microcosm
