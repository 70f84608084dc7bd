#include "gui.h"

#include "enginethreads.h"
#include "httpfrontcontrol.h"
#include "mainwindow.h"
#include "numbers.h"
#include "recording.h"
#include "replaywindow.h"
#include "shopcontroller.h"
#include "welcomepanel.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPointer>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <optional>

namespace microcosm {

namespace {

struct GuiOptions
{
    QString screenshot;
    double quitAfter = 0; // seconds; 0 = run until closed
    bool presenter = false;
    bool resetLayout = false;
    QSize size;
    QList<std::pair<QString, double>> kills; // service, seconds after start
    QString replay;                          // a recording to play beside the shop
    std::optional<double> viewAt;            // the second shown before the screenshot
};

int fail(const QString &message)
{
    std::fprintf(stderr, "microcosm: %s\n", qPrintable(message));
    return 2;
}

// Parses the GUI options; on error returns the message naming the option.
std::optional<GuiOptions> parseGuiOptions(const QCommandLineParser &parser, QString *error)
{
    GuiOptions o;
    if (parser.isSet(QStringLiteral("quit-after"))) {
        const QString text = parser.value(QStringLiteral("quit-after"));
        const std::optional<double> seconds = finiteInRange(text, 0.1, 86400);
        o.quitAfter = seconds.value_or(0);
        if (!seconds) {
            *error = QStringLiteral(
                         "--quit-after must be a number of seconds from 0.1 to 86400, got '%1'")
                         .arg(text);
            return std::nullopt;
        }
    }
    if (parser.isSet(QStringLiteral("screenshot"))) {
        o.screenshot = parser.value(QStringLiteral("screenshot"));
        const QFileInfo info(o.screenshot);
        const QString suffix = info.suffix().toLower();
        if (o.screenshot.isEmpty() ||
            (suffix != QLatin1String("png") && suffix != QLatin1String("jpg") &&
             suffix != QLatin1String("jpeg"))) {
            *error = QStringLiteral("--screenshot must name a .png (or .jpg) file, got '%1'")
                         .arg(o.screenshot);
            return std::nullopt;
        }
        if (!info.absoluteDir().exists()) {
            *error = QStringLiteral("--screenshot %1: folder %2 does not exist")
                         .arg(o.screenshot, info.absolutePath());
            return std::nullopt;
        }
        if (o.quitAfter <= 0)
            o.quitAfter = 5;
    }
    if (parser.isSet(QStringLiteral("size"))) {
        const QString text = parser.value(QStringLiteral("size"));
        const QStringList parts = text.split(QLatin1Char('x'));
        bool okW = false, okH = false;
        const int w = parts.size() == 2 ? parts[0].toInt(&okW) : 0;
        const int h = parts.size() == 2 ? parts[1].toInt(&okH) : 0;
        if (!okW || !okH || w < 640 || h < 400 || w > 8000 || h > 8000) {
            *error =
                QStringLiteral("--size must be WIDTHxHEIGHT from 640x400 to 8000x8000, got '%1'")
                    .arg(text);
            return std::nullopt;
        }
        o.size = QSize(w, h);
    }
    for (const QString &kill : parser.values(QStringLiteral("kill-at"))) {
        const QStringList parts = kill.split(QLatin1Char('@'));
        const std::optional<double> at =
            parts.size() == 2 ? finiteInRange(parts[1], 0, 86400) : std::nullopt;
        if (!at || parts[0].isEmpty()) {
            *error = QStringLiteral("--kill-at must be SERVICE@SECONDS (e.g. product@3), got '%1'")
                         .arg(kill);
            return std::nullopt;
        }
        o.kills.append({parts[0], *at});
    }
    if (parser.isSet(QStringLiteral("replay"))) {
        o.replay = parser.value(QStringLiteral("replay"));
        QString problem;
        if (!Recording::open(o.replay, &problem)) {
            *error = QStringLiteral("--replay: %1").arg(problem);
            return std::nullopt;
        }
    }
    if (parser.isSet(QStringLiteral("view-at"))) {
        const QString text = parser.value(QStringLiteral("view-at"));
        o.viewAt = finiteInRange(text, 0, 86400);
        if (!o.viewAt) {
            *error = QStringLiteral("--view-at must be a number of seconds from 0 to 86400, got "
                                    "'%1'")
                         .arg(text);
            return std::nullopt;
        }
        if (o.replay.isEmpty() && o.quitAfter < 1.5) {
            *error = QStringLiteral("--view-at needs --replay, or --quit-after (or --screenshot) "
                                    "of at least 1.5 s: the second is shown 1 s before the end");
            return std::nullopt;
        }
    }
    o.presenter = parser.isSet(QStringLiteral("presenter"));
    o.resetLayout = parser.isSet(QStringLiteral("reset-layout"));
    return o;
}

} // namespace

void addGuiOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("screenshot"),
         QStringLiteral("Run the window for --quit-after seconds (default 5), save a screenshot of "
                        "it to FILE (.png) and exit. Uses the default layout, not the saved one."),
         QStringLiteral("FILE")},
        {QStringLiteral("quit-after"),
         QStringLiteral("Close the window after S seconds (default: it stays open; 5 with "
                        "--screenshot)."),
         QStringLiteral("S")},
        {QStringLiteral("presenter"),
         QStringLiteral("Presenter mode: large type for a projector (default off, or as the "
                        "window was last closed; F5 toggles).")},
        {QStringLiteral("size"),
         QStringLiteral("Initial window size, e.g. 1280x720 (default: as the window was last "
                        "closed, 1600x1000 the first time)."),
         QStringLiteral("WxH")},
        {QStringLiteral("reset-layout"),
         QStringLiteral("Start with the default window, Controls sections and topology layout "
                        "(the saved one is replaced when the window closes).")},
        {QStringLiteral("replay"),
         QStringLiteral("Open a run's recording (a .microcosm file) in a replay window beside "
                        "the shop (File → Open recording… in the window)."),
         QStringLiteral("FILE")},
    });
    QCommandLineOption viewAt(
        QStringLiteral("view-at"),
        QStringLiteral("Show second S: of the --replay recording, or of the window's own run 1 s "
                       "before --quit-after ends it (demos, screenshots)."),
        QStringLiteral("S"));
    viewAt.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(viewAt);
    QCommandLineOption kill(QStringLiteral("kill-at"),
                            QStringLiteral("Kill SERVICE S seconds after the window opens (demos, "
                                           "screenshots, tests); may be repeated."),
                            QStringLiteral("SERVICE@S"));
    kill.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(kill);
}

void showStartupProblems(const QStringList &problems)
{
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        return;
    QStringList lines;
    for (const QString &p : problems) // sentences in the dialog, one line each on stderr
        lines << (p.isEmpty() ? p : p.front().toUpper() + p.mid(1) + QLatin1Char('.'));
    QMessageBox::critical(nullptr, QObject::tr("Microcosm cannot start"),
                          lines.join(QStringLiteral("\n\n")));
}

int runGui(const QCommandLineParser &parser, const HeadlessOptions &options)
{
    QString error;
    const std::optional<GuiOptions> gui = parseGuiOptions(parser, &error);
    if (!gui)
        return fail(error);

    // A scenario brings its own deployment and load, as in a headless run.
    const Scenario scenario = options.effectiveScenario();
    LoadConfig load = scenario.load;
    load.seed = scenario.seed;
    PlatformConfig platformConfig = scenario.platform;
    if (options.traceSample)
        platformConfig.traceSampleEvery = *options.traceSample;
    setEngineThreadNice(kEngineNiceBesideWindow);
    auto session =
        std::make_unique<ShopSession>(options.dataDir, scenario.architecture, platformConfig, load);
    for (const auto &[service, at] : gui->kills)
        if (!session->platform().host(service))
            return fail(
                QStringLiteral("--kill-at: no service '%1' (there are: %2)")
                    .arg(service, session->platform().serviceNames().join(QStringLiteral(", "))));
    if (!session->start()) {
        std::fprintf(stderr, "microcosm: %s\n", qPrintable(session->startError()));
        showStartupProblems({session->startError()});
        return session->dataDirInUse() ? 2 : 1;
    }

    MainWindow::Options windowOptions;
    windowOptions.persistSettings = gui->screenshot.isEmpty();
    windowOptions.presenter = gui->presenter;
    // A start without a scenario or a chosen rate is a newcomer's: the
    // welcome points to the presets, and no load runs until one is picked
    // (or the load is started).
    const bool rateChosen = parser.isSet(QStringLiteral("rate"));
    windowOptions.welcome = !options.scenario && !rateChosen && WelcomePanel::showAtStart();
    if (gui->resetLayout) {
        QSettings settings;
        settings.remove(QStringLiteral("window"));
        settings.remove(QStringLiteral("topology"));
        settings.remove(QStringLiteral("charts"));
    }
    if (gui->size.isValid())
        windowOptions.size = gui->size;
    MainWindow window(std::move(session), windowOptions);
    if (gui->size.isValid())
        window.resize(gui->size); // over a saved geometry
    window.show();
    if (options.httpPort) {
        window.http()->setEndpoint(options.httpBind, *options.httpPort);
        QString error;
        if (!window.http()->start(&error))
            return fail(QStringLiteral("--http: %1").arg(error));
        std::fprintf(stdout, "HTTP front: %s\n", qPrintable(window.http()->url()));
        std::fflush(stdout);
    }
    ShopController *controller = window.controller();
    if (options.scenario) {
        window.startScenario(*options.scenario);
    } else {
        controller->setRate(options.rate);
        if (rateChosen || !windowOptions.welcome)
            controller->startLoad();
    }

    for (const auto &[service, at] : gui->kills) {
        const QString s = service;
        QTimer::singleShot(int(at * 1000), controller,
                           [controller, s] { controller->killService(s); });
    }
    QPointer<ReplayWindow> replay;
    if (!gui->replay.isEmpty()) {
        replay = window.openRecording(gui->replay);
        if (replay && gui->size.isValid())
            replay->resize(gui->size);
        if (replay && gui->viewAt)
            replay->seek(*gui->viewAt);
    } else if (gui->viewAt) {
        const double at = *gui->viewAt;
        QTimer::singleShot(int((gui->quitAfter - 1) * 1000), &window,
                           [&window, at] { window.showTime(at); });
    }
    int code = 0;
    if (gui->quitAfter > 0) {
        QTimer::singleShot(int(gui->quitAfter * 1000), &window, [&window, &code, gui, replay] {
            if (!gui->screenshot.isEmpty()) {
                window.controller()->poll();
                // The replay when one is open: it is what the picture is of.
                const QPixmap shot = replay ? replay->grab() : window.grab();
                if (!shot.save(gui->screenshot)) {
                    std::fprintf(stderr, "microcosm: --screenshot: cannot write %s\n",
                                 qPrintable(gui->screenshot));
                    code = 1;
                } else {
                    std::printf("screenshot saved to %s\n", qPrintable(gui->screenshot));
                }
            }
            window.close();
            QCoreApplication::exit(code);
        });
    }
    const int loop = QApplication::exec();
    return code ? code : loop;
}

} // namespace microcosm
