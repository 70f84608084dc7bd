#pragma once

#include <QString>
#include <QTextStream>

namespace microcosm {

struct HeadlessOptions
{
    double durationSeconds = 20;
    double rate = 100; // journey arrivals per second
    QString dataDir;
    QString reportPath;
    quint64 seed = 1;
};

// Runs the shop under load without a window: prints a line a second, then
// a per-service table; writes the JSON report; audits the databases.
// Returns the process exit code: 0 when the audit passed, 1 when not.
int runHeadless(const HeadlessOptions &options, QTextStream &out, QTextStream &err);

} // namespace microcosm
