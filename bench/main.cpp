// microcosm-bench: measures Microcosm's claims side by side in one run and
// prints one JSON object per figure, then a readable table. Not part of the
// test suite's timing; see README "Performance".
#include "figures.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <memory>

using namespace microcosm::bench;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("microcosm-bench"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral(
            "Measures Microcosm: pipeline efficiency, generator accuracy, coordinated "
            "omission, hop overhead, scaling, memory, and includes the GUI figure. Prints "
            "one JSON object per figure, then a table. Figures: %1.")
            .arg(figureNames().join(QStringLiteral(", "))));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption only(
        QStringLiteral("only"),
        QStringLiteral("Run only these figures (names, prefixes or numbers 1-11, "
                       "comma-separated), e.g. --only scaling,hop."),
        QStringLiteral("NAMES"));
    const QCommandLineOption quick(
        QStringLiteral("quick"),
        QStringLiteral("Shorter runs, for a smoke test (about 2 minutes)."));
    const QCommandLineOption dataDir(
        QStringLiteral("data-dir"),
        QStringLiteral("Where each figure's database files go (default: a "
                       "temporary folder, removed at the end)."),
        QStringLiteral("DIR"));
    const QCommandLineOption gui(
        QStringLiteral("gui-figure"),
        QStringLiteral("The GUI benchmark's JSON result, included as figure 7."),
        QStringLiteral("FILE"));
    const QCommandLineOption minutes(
        QStringLiteral("minutes"),
        QStringLiteral("The memory figure over M minutes: minute 5 against minute M (M > 5; "
                       "not in CI: --minutes 30 runs half an hour)."),
        QStringLiteral("M"));
    const QCommandLineOption servers(
        QStringLiteral("servers"),
        QStringLiteral("The fidelity figure only for these numbers of workers (comma-separated, "
                       "each 1-64; default 1,4,16; M/D/1 runs when 1 is among them)."),
        QStringLiteral("LIST"));
    parser.addOptions({only, quick, dataDir, gui, minutes, servers});
    parser.process(app);

    QStringList selected;
    if (parser.isSet(only)) {
        for (const QString &alias :
             parser.value(only).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString name = figureName(alias);
            if (name.isEmpty()) {
                std::fprintf(stderr, "microcosm-bench: no figure '%s'; figures are %s\n",
                             qPrintable(alias),
                             qPrintable(figureNames().join(QStringLiteral(", "))));
                return 2;
            }
            if (!selected.contains(name))
                selected << name;
        }
        // Always in the figures' own order.
        std::sort(selected.begin(), selected.end(), [](const QString &a, const QString &b) {
            return figureNames().indexOf(a) < figureNames().indexOf(b);
        });
    } else {
        selected = figureNames();
    }

    std::unique_ptr<QTemporaryDir> temporary;
    BenchOptions options;
    options.quick = parser.isSet(quick);
    if (parser.isSet(minutes)) {
        bool ok = false;
        options.minutes = parser.value(minutes).toInt(&ok);
        if (!ok || options.minutes <= 5 || options.minutes > 24 * 60) {
            std::fprintf(stderr,
                         "microcosm-bench: --minutes must be a whole number of minutes above 5 "
                         "(and at most a day), got '%s'\n",
                         qPrintable(parser.value(minutes)));
            return 2;
        }
    }
    if (parser.isSet(servers)) {
        options.fidelityServers.clear();
        for (const QString &item :
             parser.value(servers).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            const int c = item.trimmed().toInt(&ok);
            if (!ok || c < 1 || c > 64) {
                std::fprintf(stderr,
                             "microcosm-bench: --servers takes whole numbers from 1 to 64, "
                             "comma-separated; '%s' is not one\n",
                             qPrintable(item));
                return 2;
            }
            if (!options.fidelityServers.contains(c))
                options.fidelityServers << c;
        }
        if (options.fidelityServers.isEmpty()) {
            std::fprintf(stderr, "microcosm-bench: --servers names no number of workers\n");
            return 2;
        }
    }
    options.guiFigure = parser.value(gui);
    options.program = QCoreApplication::applicationFilePath();
    options.memoryInProcess = selected == QStringList{QStringLiteral("memory")};
    if (parser.isSet(dataDir)) {
        options.dataDir = QDir(parser.value(dataDir)).absolutePath();
        QDir().mkpath(options.dataDir);
    } else {
        temporary = std::make_unique<QTemporaryDir>();
        options.dataDir = temporary->path();
    }

    std::vector<QJsonObject> results;
    for (const QString &name : selected) {
        results.push_back(runFigure(name, options));
        std::printf("%s\n", jsonLine(results.back()).constData());
        std::fflush(stdout);
    }

    std::printf("\nMicrocosm benchmark%s on %s\n\n", options.quick ? " (--quick)" : "",
                qPrintable(machine()));
    bool allMet = true;
    for (const QJsonObject &f : results) {
        for (const QString &row : describe(f))
            std::printf("%s\n", qPrintable(row));
        std::printf("\n");
        allMet = allMet && f.value(QStringLiteral("met")) != QJsonValue(false);
    }
    std::printf("%s\n", allMet ? "Every target with a number was met."
                               : "Some targets were missed (met: NO above).");
    return 0;
}
