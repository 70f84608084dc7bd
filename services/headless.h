#pragma once

#include "metricscsv.h"
#include "scenario.h"
#include "traceexport.h"

#include <QString>
#include <QTextStream>

namespace microcosm {

struct HeadlessOptions
{
    double durationSeconds = 20;
    double rate = 100; // journey arrivals per second
    QString dataDir;
    QString reportPath;
    QString csvPath;
    CsvLayout csvLayout = CsvLayout::Long; // --csv-wide: Wide
    quint64 seed = 1;
    std::optional<quint16> httpPort;                // --http PORT (0: a free port)
    QString httpBind = QStringLiteral("127.0.0.1"); // --http-bind ADDRESS
    std::optional<int> traceSample; // --trace-sample N: one users' request in N traced, 0 none
    QString tracesPath;             // --traces FILE: the sampled traces, written at the end
    // --record FILE: the run's recording; empty: run.microcosm in the data directory.
    QString recordPath;
    QString effectiveRecordPath() const;
    TraceFormat traceFormat = TraceFormat::Otlp; // --trace-format, else by the file's name
    // The experiment to run; without --scenario, the steady state at --rate.
    std::optional<Scenario> scenario;
    Scenario effectiveScenario() const;
};

// Runs a scenario without a window: prints a line a second, then a
// per-service table and each expectation with its measured value; writes
// the JSON report (edges named "caller>service", as in scenario files) and
// the per-second CSV (metricsCsv()); audits the databases. Returns the
// exit code: 0 when every expectation held and the audit passed, 1 when
// not, 2 when an output file could not be written or the HTTP front could
// not listen. Every run is recorded (Recorder, services/recording.h); the
// recording ends with the report, the audit, the traces and the debrief
// (debriefOf(), also printed and in the report); one that could
// not be written makes the exit code 2 unless the run failed (1). SIGINT or
// SIGTERM ends the load early; the run then settles, audits and reports as
// at the end of its duration.
int runHeadless(const HeadlessOptions &options, QTextStream &out, QTextStream &err);

} // namespace microcosm
