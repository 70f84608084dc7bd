#include "datafiles.h"

#include "sqlite.h"

#include <QDir>
#include <QFileInfo>

namespace microcosm {

QStringList checkDataFiles(const QString &dataDir)
{
    QStringList problems;
    for (const QString &service :
         {QStringLiteral("product"), QStringLiteral("cart"), QStringLiteral("order")}) {
        const QString path = QDir(dataDir).filePath(service + QStringLiteral(".db"));
        const QFileInfo info(path);
        if (!info.exists())
            continue;
        if (!info.isFile() || !info.isReadable() || !info.isWritable()) {
            problems << QStringLiteral("%1: must be a readable and writable file").arg(path);
            continue;
        }
        try {
            Database db(path, Database::Mode::ReadOnly);
        } catch (const DbError &e) {
            problems << QStringLiteral(
                            "%1 is not a usable SQLite database (%2); it was left untouched — "
                            "move it away or choose another --data-dir")
                            .arg(path,
                                 QString::fromUtf8(e.what()).section(QStringLiteral(": "), -1));
        }
    }
    return problems;
}

} // namespace microcosm
