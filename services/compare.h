#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTextStream>

#include <optional>
#include <vector>

namespace microcosm {

class Recording;

// `microcosm compare A B`: two recordings' figures side by side, and a
// regression gate over them (--fail-if). The figures are computed here from
// the recordings alone (Recording::total(), series(), snapshotAt()), never
// from what either run printed, so a table can be checked against the
// recordings it came from.

// What is compared. Each figure has one direction in which it gets worse.
enum class CompareFigure
{
    SuccessRate,   // percent of requests answered ok or from a fallback
    Throughput,    // requests per second of load
    P50,           // ms, from the whole run's latency histogram
    P95,           // ms
    P99,           // ms
    Timeouts,      // count
    ShortCircuits, // count: refused by an open circuit breaker
    Fallbacks,     // count: answered from a fallback
    Retries,       // count: retries made on an edge (edges only)
    MaxReplicas,   // the most replicas ready at once (services only); neither better nor worse
    Count
};

enum class CompareDirection
{
    HigherIsBetter,
    LowerIsBetter,
    Neutral
};

enum class CompareEntityKind
{
    Gateway, // "gateway": what the users saw
    Service, // "service:NAME"
    Route,   // "route:SERVICE:METHOD PATH"
    Edge     // "edge:CALLER>CALLEE"
};

enum class CompareVerdict
{
    Better,
    Worse,
    Same,
    None // neutral figure, or a side without a value
};

// The name a --fail-if rule and the JSON use ("p99-ms"), what a reader
// sees in the table ("p99 (ms)"), its direction, and the figures an entity
// kind has (retries only on edges, max replicas only on services).
QString compareFigureName(CompareFigure f);
QString compareFigureLabel(CompareFigure f);
CompareDirection compareDirection(CompareFigure f);
std::optional<CompareFigure> compareFigureFromName(const QString &name);
QList<CompareFigure> compareFigures(CompareEntityKind kind);
QString compareVerdictName(CompareVerdict v); // better, worse, same, "—"
// The kind of a metrics entity this command compares, or none (client,
// users, http, replica:...).
std::optional<CompareEntityKind> compareEntityKind(const QString &entity);

// A figure of one entity in one recording; empty when the recording does
// not have the entity, or the figure has no value there (a success rate or
// a percentile of no requests).
std::optional<double> compareValue(const Recording &r, const QString &entity, CompareFigure f);
// The seconds of load a recording holds: from the load's start to its last second.
double loadSeconds(const Recording &r);

struct CompareRow
{
    QString entity;
    CompareEntityKind kind = CompareEntityKind::Gateway;
    CompareFigure figure = CompareFigure::SuccessRate;
    std::optional<double> a, b;
    // B - A, and that as a percentage of A where that means something (not
    // for a success rate, whose change is in points, nor when A is 0).
    std::optional<double> change, changePercent;
    CompareVerdict verdict = CompareVerdict::None;
};

struct CompareExpectation
{
    QString text; // as the report states it: "cart success-rate >= 0.99 between 8 s and 22 s"
    bool held = false;
    bool evaluated = true;
    std::optional<double> measured;
};

struct CompareSide
{
    QString path;
    QString title;
    int seconds = 0;        // seconds recorded
    double loadSeconds = 0; // of them, after the load started
    bool complete = false;
    bool hasReport = false; // an incomplete recording has none
    QList<CompareExpectation> expectations;
};

// Both recordings' headers and one row per figure per entity: the gateway,
// then services, routes and edges, each sorted by name. Rows where both
// sides are zero or empty are left out (so a figure not in the table is
// zero or absent on both sides).
struct CompareTable
{
    CompareSide a, b;
    std::vector<CompareRow> rows;
    const CompareRow *find(const QString &entity, CompareFigure f) const;
    QJsonObject toJson() const;
};

CompareTable compareRecordings(const Recording &a, const Recording &b);

// A figure and a row's change as the table prints them ("32.1", "—",
// "-1.64 points", "+12.0 (+3.5%)"), so the window shows the terminal's digits.
QString compareValueText(const std::optional<double> &v, CompareFigure f);
QString compareChangeText(const CompareRow &row);

// One --fail-if rule: FIGURE[@ENTITY]:THRESHOLD, e.g. "p99-ms:+10%",
// "success-rate@product:-0.5", "retries@edge:users>product:+20".
struct FailRule
{
    QString text; // as given, for the verdict line
    CompareFigure figure = CompareFigure::P99;
    QString entity = QStringLiteral("gateway"); // as given (resolved against the recordings)
    double threshold = 0;                       // signed, as given
    bool percent = false;                       // of A's value; else in the figure's unit
};

// Parses a comma-separated list of rules. Refuses (nothing, with *error
// naming the rule and what is wrong) an unknown figure, a figure that cannot
// be gated (max-replicas), a threshold that is not a signed finite number, or
// whose sign points the way the figure gets better.
std::optional<QList<FailRule>> parseFailIf(const QString &text, QString *error);

// The metrics entity a rule's ENTITY names in either recording: "gateway",
// a full name ("service:product", "edge:users>product", "route:..."), a
// service's name ("product") or an edge key ("users>product"). Empty, with
// *error, when neither recording has it or the figure is not measured on
// it (retries on a service).
QString resolveRuleEntity(const FailRule &rule, const Recording &a, const Recording &b,
                          QString *error);

struct RuleResult
{
    FailRule rule;
    QString entity; // resolved
    std::optional<double> a, b;
    bool passed = false;
    double limit = 0;     // how far B may be worse than A, in the figure's unit
    QString reason;       // when it cannot be judged on numbers: a side has no value
    QString line() const; // "PASS p99-ms@gateway: A …, B …, change …, threshold …"
    QJsonObject toJson() const;
};

// Judges one resolved rule: fails when B is worse than A by more than the
// threshold (a rule with a side that has no value fails, unless neither has one).
RuleResult evaluateRule(const FailRule &rule, const QString &entity, const Recording &a,
                        const Recording &b);

// The command: args are what follows "compare" on the command line. Exit
// code 0 (compared; every rule passed), 1 (a rule failed), 2 (bad usage, a
// file that is not a recording, a JSON file that cannot be written).
int runCompare(const QStringList &args, QTextStream &out, QTextStream &err);
QString compareUsage();

} // namespace microcosm
