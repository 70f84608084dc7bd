#pragma once

#include "scenario.h"

#include <QList>
#include <QString>
#include <QTextStream>

#include <atomic>
#include <functional>
#include <optional>

namespace microcosm {

// One rule of a service-level objective: "p99-ms<300", "success-rate>=0.999".
struct SloRule
{
    enum class Figure
    {
        P50Ms,
        P95Ms,
        P99Ms,
        P999Ms,
        MeanMs,
        SuccessRate
    };
    Figure figure = Figure::P99Ms;
    QString op; // <, <=, >, >=
    double value = 0;
    static QString figureName(Figure f);
    QString describe() const; // as written: "p99-ms<300"
    bool holds(double measured) const;
};

// "p99-ms<300,success-rate>=0.999"; on a mistake, nothing and *error naming it.
std::optional<QList<SloRule>> parseSlo(const QString &text, QString *error);

// Where a search is, for a window's progress bar: told as each step starts
// its fresh shop, its warm-up and its measured part.
struct CapacityProgress
{
    enum class Phase
    {
        Starting, // the step's shop is starting (as long as that takes)
        WarmUp,
        Measuring
    };
    int step = 0;  // the steps finished before this one
    int bound = 0; // the most steps the search can take in all, as far as it knows now
    double rate = 0;
    Phase phase = Phase::Starting;
    double seconds = 0; // how long the phase lasts (0 for Starting: as long as it takes)
    static QString phaseName(Phase p); // "starting", "warm-up", "measuring"
};

struct CapacityOptions
{
    Scenario scenario; // its architecture, policies and load model; the rate is searched
    QList<SloRule> slo;
    QString entity = QStringLiteral("gateway"); // what the SLO is measured on
    QString dataDir;                            // each step runs in a folder of its own here
    double warmSeconds = 3;                     // before each step is measured
    double measureSeconds = 6;                  // the measured part of a step
    double startRate = 0;                       // 0: the scenario's own rate
    double precision = 0.05; // stop when the bracket is narrower than this share of its top
    int maxSteps = 14;
    // For a window; both are used on the search's thread, and the CLI sets
    // neither. onPhase is told as each step enters a phase; once *cancel is
    // true the search stops within a tenth of a second (plus stopping the
    // step's shop), removes that step's files and returns the steps it
    // finished, with cancelled set.
    std::function<void(const CapacityProgress &)> onPhase;
    const std::atomic<bool> *cancel = nullptr;
};

struct CapacityStep
{
    double rate = 0;     // journeys offered per second
    double achieved = 0; // journeys started per second
    bool held = false;
    QString broken; // the first rule that failed, with its measured value
    double p99Ms = 0, successRate = 0;
    std::uint64_t requests = 0;
    std::uint64_t arrivals = 0, dropped = 0; // journeys due while measured; not sent of them
};

struct CapacityResult
{
    bool found = false;   // some rate held
    double rate = 0;      // the highest rate that held
    double ceiling = 0;   // the lowest that did not (0: none failed)
    QString firstToBreak; // at the ceiling: the rule that failed there
    QList<CapacityStep> steps;
    // What M/M/c says, service by service: the highest arrival rate whose
    // predicted figures keep the SLO, for the slowest service (0: cannot
    // tell), and why or why not it applies.
    double theoryRate = 0;
    QString theoryNote;
    QString error;          // the search could not run (a session did not start)
    bool cancelled = false; // options.cancel stopped it; steps holds those finished
};

// Brackets the arrival rate (doubling from the start until a step breaks
// the SLO, halving until one holds), then bisects until the bracket is
// narrower than the precision. Each step is a fresh shop on empty files,
// warmed and then measured at one constant rate. progress is called after
// every step.
CapacityResult searchCapacity(const CapacityOptions &options,
                              const std::function<void(const CapacityStep &)> &progress = {});

// Upper bound on the steps a search from here takes: maxSteps while it is
// still bracketing (ceiling 0), else the steps done plus the halvings of
// [rate, ceiling] the precision can still ask for, at most maxSteps.
int capacityStepBound(const CapacityOptions &options, int stepsDone, double rate, double ceiling);

// The lines --capacity prints, which the GUI's dialog shows too: one step's
// ("  175.0 journeys/s: holds  (p99 …)"), and the answer: the capacity with
// its uncertainty and the first rule to break, then M/M/c's estimate (or
// why there is none); when nothing held, the one line saying so.
QString describeCapacityStep(const CapacityStep &step);
QStringList describeCapacityAnswer(const CapacityResult &result);

// `microcosm --capacity SCENARIO --slo RULES [--entity E]`: prints each step
// and the answer; 0 when a rate was found, 1 when none held, 2 on bad input.
int runCapacity(const CapacityOptions &options, QTextStream &out, QTextStream &err);

} // namespace microcosm
