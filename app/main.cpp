// Microcosm: parses the command line and hands off to the GUI or to the
// headless runner. Everything else lives in the libraries.
#include "capacity.h"
#include "compare.h"
#include "datadirlock.h"
#include "headless.h"
#include "httpserver.h"
#include "metricscsv.h"
#include "misimimport.h"
#include "numbers.h"
#include "shop.h"
#include "shopsession.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <cstdio>
#include <optional>

#ifdef MICROCOSM_HAVE_GUI
#include "gui.h"
#include <QApplication>
#endif

using namespace microcosm;

namespace {

struct Parsed
{
    HeadlessOptions headless;
    bool runHeadless = false;
};

// A number option within [min, max]; on failure *error says which and why.
std::optional<double> number(const QCommandLineParser &p, const QString &name, double min,
                             double max, QString *error)
{
    const QString text = p.value(name);
    const std::optional<double> v = finiteInRange(text, min, max);
    if (!v)
        *error = QStringLiteral("--%1 must be a number from %2 to %3, got '%4'")
                     .arg(name)
                     .arg(min)
                     .arg(max)
                     .arg(text);
    return v;
}

// What --rate says about journeys, from the shop's own list and mix, so
// that a journey added to the shop is named here too.
QString journeysHelp()
{
    const ShopWorkload shop;
    const QStringList journeys = shop.journeys();
    QStringList weights;
    for (const QString &j : journeys)
        weights << QString::number(shop.defaultWeight(j));
    return QStringLiteral("A journey is %1 or %2, mixed %3 by default; checkout is two requests "
                          "(add to cart, then order), so slightly more requests than journeys "
                          "reach the gateway.")
        .arg(journeys.mid(0, journeys.size() - 1).join(QStringLiteral(", ")), journeys.last(),
             weights.join(QLatin1Char(':')));
}

QString defaultDataDir()
{
    const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
    return QDir(base).filePath(QStringLiteral("runs/") + QDateTime::currentDateTime().toString(
                                                             QStringLiteral("yyyyMMdd-hhmmss")));
}

} // namespace

int main(int argc, char **argv)
{
    // "microcosm compare A B": a command with options of its own, no window.
    if (argc > 1 && qstrcmp(argv[1], "compare") == 0) {
        QCoreApplication app(argc, argv);
        QTextStream out(stdout);
        QTextStream err(stderr);
        return runCompare(QCoreApplication::arguments().mid(2), out, err);
    }
    bool wantHeadless = false;
    for (int i = 1; i < argc; ++i)
        wantHeadless = wantHeadless || qstrcmp(argv[i], "--headless") == 0 ||
                       qstrcmp(argv[i], "--import-misim") == 0 ||
                       qstrcmp(argv[i], "--capacity") == 0;
#ifdef MICROCOSM_HAVE_GUI
    const bool display = !qEnvironmentVariableIsEmpty("DISPLAY") ||
                         !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
                         !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
    std::unique_ptr<QCoreApplication> app = (!wantHeadless && display)
                                                ? std::make_unique<QApplication>(argc, argv)
                                                : std::make_unique<QCoreApplication>(argc, argv);
#else
    auto app = std::make_unique<QCoreApplication>(argc, argv);
#endif
    QCoreApplication::setApplicationName(QStringLiteral("microcosm"));
    QCoreApplication::setOrganizationName(QStringLiteral("Microcosm"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Microcosm: a microservices shop (product, cart, order; one SQLite database each, behind "
        "an API gateway) that runs for real, to load, break and watch."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("headless"),
         QStringLiteral("Run without a window and print a report (default: the window when a "
                        "display is present, headless when not).")},
        {QStringLiteral("duration"),
         QStringLiteral("Seconds of load in a headless run (default 20); overrides a scenario's "
                        "duration."),
         QStringLiteral("S"), QStringLiteral("20")},
        {QStringLiteral("rate"),
         QStringLiteral("User journeys started per second, Poisson arrivals (default 100). %1 Not "
                        "with --scenario (its \"load\" sets the rate).")
             .arg(journeysHelp()),
         QStringLiteral("RPS"), QStringLiteral("100")},
        {QStringLiteral("data-dir"),
         QStringLiteral("Directory for product.db, cart.db and order.db (created if missing; data "
                        "already there is kept). Default: a new folder under %1.")
             .arg(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
                  QStringLiteral("/runs")),
         QStringLiteral("DIR")},
        {QStringLiteral("scenario"),
         QStringLiteral(
             "Run the experiment described by the JSON file F (see resources/scenarios/). "
             "Headless, the exit code says whether its expectations held: 0 yes, 1 no, "
             "2 bad file or option. --duration and --seed override the file's. Default: the "
             "steady state at --rate."),
         QStringLiteral("F")},
        {QStringLiteral("report"),
         QStringLiteral("Write the end-of-run report as JSON to FILE; edges are named "
                        "caller>service, as in scenario files (default: no report file)."),
         QStringLiteral("FILE")},
        {QStringLiteral("csv"),
         QStringLiteral("Write every metric of every service, edge and the gateway, second by "
                        "second, to FILE as CSV: one row per time,entity,metric,value (default: "
                        "no CSV file)."),
         QStringLiteral("FILE")},
        {QStringLiteral("csv-wide"),
         QStringLiteral("Write the --csv file wide instead: one row per entity and second, one "
                        "column per metric (time,entity,requests,ok,…) (default: long).")},
        {QStringLiteral("seed"),
         QStringLiteral("Seed of the load generator's random choices (default 1; overrides a "
                        "scenario's)."),
         QStringLiteral("N"), QStringLiteral("1")},
        {QStringLiteral("trace-sample"),
         QStringLiteral("Trace one request in N from the users' side (default 100; 0: none). "
                        "Requests with a sampled W3C traceparent header and the storefront's "
                        "are traced anyway; overrides a scenario's \"traceSample\"."),
         QStringLiteral("N")},
        {QStringLiteral("traces"),
         QStringLiteral("Write the sampled traces (the last 1000) to FILE at the end of a "
                        "headless run: OTLP/JSON, which Jaeger's UI opens, or Zipkin v2 JSON "
                        "when FILE ends in .zipkin.json or --trace-format zipkin is given."),
         QStringLiteral("FILE")},
        {QStringLiteral("trace-format"),
         QStringLiteral("The --traces file's format: otlp or zipkin (default: by its name)."),
         QStringLiteral("FORMAT")},
        {QStringLiteral("capacity"),
         QStringLiteral("Search the highest arrival rate at which the scenario's system keeps "
                        "the --slo: a short run per step (warm-up, then measured), doubling "
                        "until it breaks, then bisecting; prints each step, the answer and "
                        "M/M/c's estimate. Headless."),
         QStringLiteral("SCENARIO")},
        {QStringLiteral("slo"),
         QStringLiteral("The objective --capacity keeps, e.g. \"p99-ms<300,success-rate>=0.999\" "
                        "(figures p50-ms, p95-ms, p99-ms, p999-ms, mean-ms, success-rate)."),
         QStringLiteral("RULES")},
        {QStringLiteral("entity"),
         QStringLiteral("What --slo is measured on (default gateway: what the users saw; or a "
                        "service, or an edge such as users>product)."),
         QStringLiteral("ENTITY")},
        {QStringLiteral("record"),
         QStringLiteral("Record the run into FILE (default: run.microcosm in the data "
                        "directory): a SQLite file with every second, every event, the report "
                        "and the debrief, for File > Open recording and 'microcosm compare'."),
         QStringLiteral("FILE")},
        {QStringLiteral("http"),
         QStringLiteral("Serve the shop over HTTP/1.1 on PORT (0: a free one; the address is "
                        "printed): the same gateway as the simulated users, as caller \"http\", "
                        "plus the web storefront at /."),
         QStringLiteral("PORT")},
        {QStringLiteral("http-bind"),
         QStringLiteral("The address --http listens on (default 127.0.0.1, this machine only; "
                        "another address makes the shop reachable from other machines)."),
         QStringLiteral("ADDRESS"), QStringLiteral("127.0.0.1")},
        {QStringLiteral("import-misim"),
         QStringLiteral("Convert the MiSim architecture file ARCH (and --experiment EXP) into "
                        "the scenario file --output SCENARIO, then exit: 0 written, 2 a bad "
                        "file. What has no equivalent is listed on stderr and in the "
                        "scenario's lesson."),
         QStringLiteral("ARCH")},
        {QStringLiteral("experiment"),
         QStringLiteral("With --import-misim: the MiSim experiment file EXP (request "
                        "generators, chaos monkeys, delay injections, duration)."),
         QStringLiteral("EXP")},
        {QStringLiteral("output"),
         QStringLiteral("With --import-misim: the scenario file to write."),
         QStringLiteral("SCENARIO")},
    });
#ifdef MICROCOSM_HAVE_GUI
    addGuiOptions(parser);
#endif

    // Errors exit with 2 and one line naming the option (process() would exit with 1).
    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "microcosm: %s\nTry 'microcosm --help'.\n",
                     qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "microcosm: unexpected argument '%s'\nTry 'microcosm --help'.\n",
                     qPrintable(parser.positionalArguments().first()));
        return 2;
    }

    // A MiSim import converts files and runs nothing.
    const QString misim = QStringLiteral("import-misim");
    if (parser.isSet(misim) || parser.isSet(QStringLiteral("experiment")) ||
        parser.isSet(QStringLiteral("output"))) {
        const char *problem = !parser.isSet(misim) ? "--experiment and --output go with "
                                                     "--import-misim ARCH"
                              : !parser.isSet(QStringLiteral("output"))
                                  ? "--import-misim needs --output SCENARIO"
                              : parser.isSet(QStringLiteral("scenario"))
                                  ? "--import-misim cannot be combined with --scenario"
                                  : nullptr;
        if (problem) {
            std::fprintf(stderr, "microcosm: %s\nTry 'microcosm --help'.\n", problem);
            return 2;
        }
        QTextStream out(stdout);
        QTextStream err(stderr);
        return MiSimImporter::run(parser.value(misim), parser.value(QStringLiteral("experiment")),
                                  parser.value(QStringLiteral("output")), out, err);
    }

    // A capacity search runs many short shops and nothing else.
    if (parser.isSet(QStringLiteral("capacity")) || parser.isSet(QStringLiteral("slo"))) {
        const QString file = parser.value(QStringLiteral("capacity"));
        if (file.isEmpty() || !parser.isSet(QStringLiteral("slo"))) {
            std::fprintf(stderr, "microcosm: --capacity SCENARIO and --slo RULES go together\n"
                                 "Try 'microcosm --help'.\n");
            return 2;
        }
        CapacityOptions capacity;
        QStringList problems;
        const auto scenario = Scenario::fromFile(file, &problems);
        if (!scenario) {
            for (const QString &p : problems)
                std::fprintf(stderr, "microcosm: %s: %s\n", qPrintable(file), qPrintable(p));
            return 2;
        }
        if (scenario->load.model != LoadConfig::Model::Open) {
            std::fprintf(stderr,
                         "microcosm: --capacity: %s's load is a closed model (virtual users); "
                         "capacity is searched over arrival rates, which need an open model\n",
                         qPrintable(file));
            return 2;
        }
        capacity.scenario = *scenario;
        QString sloError;
        const auto slo = parseSlo(parser.value(QStringLiteral("slo")), &sloError);
        if (!slo) {
            std::fprintf(stderr, "microcosm: %s\n", qPrintable(sloError));
            return 2;
        }
        capacity.slo = *slo;
        if (parser.isSet(QStringLiteral("entity")))
            capacity.entity = parser.value(QStringLiteral("entity"));
        capacity.dataDir = parser.isSet(QStringLiteral("data-dir"))
                               ? parser.value(QStringLiteral("data-dir"))
                               : defaultDataDir();
        if (!QDir().mkpath(capacity.dataDir)) {
            std::fprintf(stderr, "microcosm: cannot create --data-dir %s\n",
                         qPrintable(capacity.dataDir));
            return 2;
        }
        QTextStream out(stdout);
        QTextStream err(stderr);
        return runCapacity(capacity, out, err);
    }

    QString error;
    HeadlessOptions options;
    const auto duration = number(parser, QStringLiteral("duration"), 0.1, 86400, &error);
    const auto rate =
        duration ? number(parser, QStringLiteral("rate"), 0, 100000, &error) : std::nullopt;
    bool seedOk = false;
    options.seed = parser.value(QStringLiteral("seed")).toULongLong(&seedOk);
    if (error.isEmpty() && !seedOk)
        error = QStringLiteral("--seed must be a non-negative integer, got '%1'")
                    .arg(parser.value(QStringLiteral("seed")));
    if (!error.isEmpty()) {
        std::fprintf(stderr, "microcosm: %s\n", qPrintable(error));
        return 2;
    }
    options.durationSeconds = *duration;
    options.rate = *rate;
    options.dataDir = parser.isSet(QStringLiteral("data-dir"))
                          ? parser.value(QStringLiteral("data-dir"))
                          : defaultDataDir();
    options.reportPath = parser.value(QStringLiteral("report"));
    if (parser.isSet(QStringLiteral("http"))) {
        bool ok = false;
        const QString text = parser.value(QStringLiteral("http"));
        const uint port = text.toUInt(&ok);
        if (!ok || port > 65535) {
            std::fprintf(stderr, "microcosm: --http must be a port from 0 to 65535, got '%s'\n",
                         qPrintable(text));
            return 2;
        }
        options.httpPort = quint16(port);
    }
    if (parser.isSet(QStringLiteral("http-bind"))) {
        const QString address = parser.value(QStringLiteral("http-bind"));
        if (!options.httpPort) {
            std::fprintf(stderr, "microcosm: --http-bind needs --http PORT\n");
            return 2;
        }
        if (!net::HttpServer::isIpAddress(address)) {
            std::fprintf(stderr,
                         "microcosm: --http-bind must be an IPv4 or IPv6 address, got '%s'\n",
                         qPrintable(address));
            return 2;
        }
        if (!net::HttpServer::isLoopback(address))
            std::fprintf(stderr,
                         "microcosm: warning: --http-bind %s: the shop is reachable from other "
                         "machines, with no authentication\n",
                         qPrintable(address));
        options.httpBind = address;
    }
    if (parser.isSet(QStringLiteral("trace-sample"))) {
        bool ok = false;
        const QString text = parser.value(QStringLiteral("trace-sample"));
        const int n = text.toInt(&ok);
        if (!ok || n < 0 || n > 1000000) {
            std::fprintf(stderr,
                         "microcosm: --trace-sample must be an integer from 0 to 1000000, got "
                         "'%s'\n",
                         qPrintable(text));
            return 2;
        }
        options.traceSample = n;
    }
    options.tracesPath = parser.value(QStringLiteral("traces"));
    options.recordPath = parser.value(QStringLiteral("record"));
    options.traceFormat = traceFormatForFile(options.tracesPath);
    if (parser.isSet(QStringLiteral("trace-format"))) {
        QString problem;
        const auto format =
            traceFormatFromName(parser.value(QStringLiteral("trace-format")), &problem);
        if (!format) {
            std::fprintf(stderr, "microcosm: --trace-format: %s\n", qPrintable(problem));
            return 2;
        }
        if (options.tracesPath.isEmpty()) {
            std::fprintf(stderr, "microcosm: --trace-format needs --traces FILE\n");
            return 2;
        }
        options.traceFormat = *format;
    }
    options.csvPath = parser.value(QStringLiteral("csv"));
    if (parser.isSet(QStringLiteral("csv-wide"))) {
        if (options.csvPath.isEmpty()) {
            std::fprintf(stderr, "microcosm: --csv-wide needs --csv FILE\n");
            return 2;
        }
        options.csvLayout = CsvLayout::Wide;
    }
    if (parser.isSet(QStringLiteral("scenario"))) {
        QStringList problems;
        const QString file = parser.value(QStringLiteral("scenario"));
        options.scenario = Scenario::fromFile(file, &problems);
        if (!options.scenario) {
            for (const QString &p : problems)
                std::fprintf(stderr, "microcosm: %s: %s\n", qPrintable(file), qPrintable(p));
            std::fprintf(stderr, "microcosm: %s: %lld problem(s); nothing was run\n",
                         qPrintable(file), qlonglong(problems.size()));
            return 2;
        }
        if (parser.isSet(QStringLiteral("rate"))) {
            std::fprintf(stderr, "microcosm: --rate cannot be combined with --scenario (its "
                                 "\"load\" sets the rate)\n");
            return 2;
        }
        if (parser.isSet(QStringLiteral("duration"))) {
            options.scenario->duration = options.durationSeconds;
            // A shorter run must not skip steps or leave windows unmeasured.
            const QStringList problems = options.scenario->validate();
            for (const QString &p : problems)
                std::fprintf(stderr, "microcosm: %s: %s\n", qPrintable(file), qPrintable(p));
            if (!problems.isEmpty()) {
                std::fprintf(stderr, "microcosm: %s: %lld problem(s); nothing was run\n",
                             qPrintable(file), qlonglong(problems.size()));
                return 2;
            }
        }
        if (parser.isSet(QStringLiteral("seed"))) {
            options.scenario->seed = options.seed;
            options.scenario->load.seed = options.seed;
        }
    }

    // Output files are checked before the run, not found unwritable after it.
    // A folder inside the data directory will exist once that is made
    // (--data-dir /tmp/shop --report /tmp/shop/report.json on a first run).
    const QString dataDirPath = QFileInfo(options.dataDir).absoluteFilePath();
    auto insideDataDir = [&](const QString &folder) {
        return folder == dataDirPath || folder.startsWith(dataDirPath + QLatin1Char('/'));
    };
    QStringList outputFolders;
    for (const QString &name : {QStringLiteral("report"), QStringLiteral("csv"),
                                QStringLiteral("traces"), QStringLiteral("record")}) {
        if (!parser.isSet(name))
            continue;
        const QFileInfo file(parser.value(name));
        const QFileInfo folder(file.absolutePath());
        const bool later = !folder.exists() && insideDataDir(folder.absoluteFilePath());
        if (later) {
            outputFolders << folder.absoluteFilePath();
            continue;
        }
        if (file.isDir() || !folder.isDir() || !folder.isWritable() ||
            (file.exists() && !file.isWritable())) {
            std::fprintf(stderr, "microcosm: --%s %s cannot be written (%s)\n", qPrintable(name),
                         qPrintable(parser.value(name)),
                         file.isDir()      ? "it is a directory"
                         : !folder.isDir() ? "its folder does not exist"
                                           : "no permission to write there");
            return 2;
        }
    }
    const QFileInfo dir(options.dataDir);
    if (dir.exists() && !dir.isDir()) {
        std::fprintf(stderr, "microcosm: --data-dir %s exists and is not a directory\n",
                     qPrintable(options.dataDir));
        return 2;
    }
    if (!QDir().mkpath(options.dataDir)) {
        std::fprintf(stderr, "microcosm: cannot create --data-dir %s\n",
                     qPrintable(options.dataDir));
        return 2;
    }
    for (const QString &folder : outputFolders)
        QDir().mkpath(folder);
    // One process per data directory: refused here with the holder's name
    // (the session claims the directory for itself when it starts).
    // A directory in use is not read (its files are being written); a lock
    // that cannot be made is explained by the folder's own problem if any.
    QStringList badFiles;
    {
        const DataDirLock lock(options.dataDir);
        if (!lock.inUse())
            badFiles = ShopSession::checkDataDir(options.dataDir,
                                                 options.effectiveScenario().architecture);
        if (badFiles.isEmpty() && !lock.error().isEmpty())
            badFiles << lock.error();
    }
    for (const QString &problem : badFiles)
        std::fprintf(stderr, "microcosm: %s\n", qPrintable(problem));
    if (!badFiles.isEmpty()) {
#ifdef MICROCOSM_HAVE_GUI
        if (qobject_cast<QApplication *>(app.get()))
            showStartupProblems(badFiles);
#endif
        return 2;
    }

    QTextStream out(stdout);
    QTextStream err(stderr);
#ifdef MICROCOSM_HAVE_GUI
    if (qobject_cast<QApplication *>(app.get()))
        return runGui(parser, options);
#endif
    return runHeadless(options, out, err);
}
