#pragma once

// The figures microcosm-bench measures. Each runs in its own data
// directory, measures what it compares side by side in the same run (the
// machines are noisy, so ratios count more than absolute numbers) and
// returns one JSON object: "figure", "compares", its numbers, "target" and
// "met" (null where the issue sets no target).

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace microcosm::bench {

struct BenchOptions
{
    bool quick = false; // shorter runs, for a smoke test
    QString dataDir;    // each figure makes a subfolder here
    QString guiFigure;  // the GUI benchmark's JSON, if any
    QString program;    // this executable, to run the memory figure on its own
    bool memoryInProcess = false;
    // --minutes M: the memory figure compares minute 5 with minute M (M > 5)
    // instead of minute 1 with minute 5.
    int minutes = 0;
    // --servers: the fidelity figure's numbers of workers (default 1, 4, 16)
    // and whether it also runs M/D/1 (only when c = 1 is among them).
    QList<int> fidelityServers{1, 4, 16};
};

// Names, in the order they run and print.
QStringList figureNames();
// Accepts a name, a prefix of one ("pipeline") or a number 1..11.
QString figureName(const QString &alias);

QJsonObject pipelineEfficiency(const BenchOptions &options);
QJsonObject generatorAccuracy(const BenchOptions &options);
QJsonObject coordinatedOmission(const BenchOptions &options);
QJsonObject hopOverhead(const BenchOptions &options);
QJsonObject scaling(const BenchOptions &options);
QJsonObject memory(const BenchOptions &options);
QJsonObject guiFigure(const BenchOptions &options);
QJsonObject httpFront(const BenchOptions &options);
QJsonObject allocationCount(const BenchOptions &options);
QJsonObject recordingCost(const BenchOptions &options);
QJsonObject fidelity(const BenchOptions &options);

// Runs the named figure (the memory figure in a process of its own unless
// options.memoryInProcess, so the other figures' heap does not dilute it).
QJsonObject runFigure(const QString &name, const BenchOptions &options);

// One line of JSON with "figure" and "compares" first, "target" and "met" last.
QByteArray jsonLine(const QJsonObject &figure);
// The readable rows of a figure, for the closing table.
QStringList describe(const QJsonObject &figure);
// The machine's one-minute load average (other processes make figures noisy).
double loadAverage();
// CPU, cores, kernel, Qt and SQLite versions.
QString machine();

} // namespace microcosm::bench
