#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QStringList>
#include <QTextStream>

#include <optional>

namespace microcosm {

// A MiSim model as a Microcosm scenario: the scenario's JSON (with an
// inline "architecture") and one note per item of the MiSim files that has
// no equivalent here, each naming its file and JSON path. The notes are
// also in the scenario's "lesson", so the run itself says what it leaves out.
struct MiSimImport
{
    QJsonObject scenario;
    QStringList notes; // "arch.json: $.network_latency: …"
};

// Imports the architecture and experiment files of MiSim, the microservice
// resilience simulator (github.com/Cambio-Project/MiSim), as its own parser
// reads them: the names and aliases its Gson adapters accept, its defaults
// and its name resolution. Microservices become generic services, their
// operations routes, dependencies call steps, the retry and circuit-breaker
// patterns edge policies, reactive autoscaling an autoscaler; request
// generators become the load and its journeys, chaos and summoner monkeys
// and delay injections timeline steps. README.md ("Import from MiSim") has
// the mapping and its scales.
//
// Invariants: what MiSim itself refuses (an unknown pattern, strategy or
// action type, a dependency on an operation that does not exist, a value of
// the wrong type) is a problem, reported with its file and JSON path, and
// no scenario is made; what MiSim accepts but Microcosm cannot express (or
// a key MiSim ignores) is never dropped silently: it is a note.
class MiSimImporter
{
public:
    struct Input
    {
        QByteArray architecture;
        QString architectureName; // the file's name, for messages
        QByteArray experiment;    // empty: no experiment
        QString experimentName;
        // Where a limbo generator's relative model path is looked up, in order
        // (MiSim opens it relative to its working directory).
        QStringList searchDirs;
    };

    static std::optional<MiSimImport> convert(const Input &input, QStringList *errors);
    // Reads the files (the experiment's may be empty: none) and converts them.
    static std::optional<MiSimImport> fromFiles(const QString &architecture,
                                                const QString &experiment, QStringList *errors);
    // microcosm --import-misim: converts, prints the notes on err, writes the
    // scenario to output and says so on out. Returns the exit code: 0 written,
    // 2 a problem with an input (nothing is written) or with the output.
    static int run(const QString &architecture, const QString &experiment, const QString &output,
                   QTextStream &out, QTextStream &err);

    // The largest MiSim file read (as a scenario may be).
    static constexpr qint64 MaxFileBytes = 4 * 1024 * 1024;
};

} // namespace microcosm
