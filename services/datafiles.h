#pragma once

#include <QStringList>

namespace microcosm {

// Problems with the database files already in dataDir (a file that is not
// an SQLite database, a file that cannot be read), one message each, naming
// the file. Checked before anything opens them for writing, so a bad file is
// reported and left exactly as it was.
QStringList checkDataFiles(const QString &dataDir);

} // namespace microcosm
