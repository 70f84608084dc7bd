// microcosm-guibench: how smooth the window stays under the heaviest load.
//
// Runs the main window offscreen (QT_QPA_PLATFORM=offscreen unless set) with
// every view live — the topology animating, the charts, the event timeline,
// the scenario panel, the storefront (browsing every second) and the
// database inspector (refreshing every second), the last two floated so
// that they are visible beside the charts — and steps the arrival rate up
// (500, 1000, 1500, 2000, 4000 journeys/s, or --rate). At each rate, after a
// warm-up, it measures for --seconds:
//   - the GUI thread's event-loop lag: how late a 5 ms single-shot timer
//     fires (p50, p99, max);
//   - frames drawn per second: paint events of the topology's viewport, and
//     of the five chart views together;
//   - what the engine did meanwhile: requests/s at the gateway, success,
//     p99, journeys dropped by the generator;
//   - the GUI thread's CPU share.
// One JSON line per rate on stdout; with --json-out FILE, the line of the
// highest rate the engine sustained (no journey dropped, >= 99% ok; the last
// rate if none did) is written to FILE for the engine benchmark to include.
// With --scenario FILE the window runs that scenario's architecture (its
// services, deployments, policies and journeys; not its timeline or its
// expectations) instead of the shop. Each line and a last "gui-process"
// line give the process's threads and resident memory (/proc/self/status).
#include "chartspanel.h"
#include "enginethreads.h"
#include "gui.h"
#include "mainwindow.h"
#include "shopcontroller.h"
#include "storefront.h"
#include "topologyview.h"

#include <QApplication>
#include <QChartView>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace microcosm;

namespace {

// Counts the paint events a widget receives.
class PaintCounter : public QObject
{
public:
    using QObject::QObject;
    int count = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint)
            ++count;
        return QObject::eventFilter(watched, event);
    }
};

// How late a 5 ms single-shot timer fires, re-armed each time it does.
class LagProbe : public QObject
{
public:
    explicit LagProbe(QObject *parent = nullptr) : QObject(parent)
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 late = m_clock.nsecsElapsed() - m_due;
            m_samples.push_back(double(std::max<qint64>(0, late)) / 1e6);
            arm();
        });
        m_clock.start();
        arm();
    }
    std::vector<double> take()
    {
        std::vector<double> out;
        out.swap(m_samples);
        return out;
    }

private:
    void arm()
    {
        m_due = m_clock.nsecsElapsed() + 5'000'000;
        m_timer.start(5);
    }
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_due = 0;
    std::vector<double> m_samples;
};

// The application, timing every event it delivers on the GUI thread; with
// a threshold set, reports the slow ones (what blocked the event loop).
class TimedApplication : public QApplication
{
public:
    using QApplication::QApplication;
    double slowMs = 0;
    struct Slow
    {
        int count = 0;
        double worstMs = 0;
        double worstCpuMs = 0; // the GUI thread's own CPU time in the worst one
    };
    std::map<QString, Slow> slow; // by receiver and event type

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (slowMs <= 0 || ++m_depth > 1) {
            const bool r = QApplication::notify(receiver, event);
            if (slowMs > 0)
                --m_depth;
            return r;
        }
        QElapsedTimer t;
        t.start();
        const double cpu0 = cpuSeconds();
        const QString what = QStringLiteral("%1(%2) %3")
                                 .arg(QString::fromLatin1(receiver->metaObject()->className()),
                                      receiver->objectName())
                                 .arg(int(event->type()));
        const bool r = QApplication::notify(receiver, event);
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (ms >= slowMs) {
            Slow &entry = slow[what];
            ++entry.count;
            if (ms > entry.worstMs) {
                entry.worstMs = ms;
                entry.worstCpuMs = (cpuSeconds() - cpu0) * 1000;
            }
        }
        --m_depth;
        return r;
    }

private:
    static double cpuSeconds()
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
    }
    int m_depth = 0;
};

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t i = std::min(v.size() - 1, std::size_t(q * double(v.size() - 1) + 0.5));
    return v[i];
}

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// Runs the event loop for ms milliseconds.
void spin(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double round2(double v)
{
    return std::round(v * 100) / 100;
}

// The process's thread count and resident set (MB) from /proc/self/status;
// -1 where the line is missing (not Linux).
struct ProcessFigures
{
    int threads = -1;
    double rssMb = -1;
};

ProcessFigures processFigures()
{
    ProcessFigures out;
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Threads:", 0) == 0)
            out.threads = std::stoi(line.substr(8));
        else if (line.rfind("VmRSS:", 0) == 0)
            out.rssMb = round2(std::stod(line.substr(6)) / 1024); // the line is in kB
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("microcosm-guibench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The Microcosm window offscreen at rising arrival rates: GUI event-loop "
                       "lag and frames per second, one JSON line per rate."));
    parser.addHelpOption();
    parser.addOptions({
        {QStringLiteral("rate"),
         QStringLiteral("Journeys per second to run at; repeat or comma-separate for several "
                        "(default 500,1000,1500,2000,4000)."),
         QStringLiteral("R")},
        {QStringLiteral("seconds"),
         QStringLiteral("Seconds measured at each rate, after 3 s of warm-up (default 10)."),
         QStringLiteral("S"), QStringLiteral("10")},
        {QStringLiteral("json-out"),
         QStringLiteral("Write the line of the highest rate the engine sustained to FILE."),
         QStringLiteral("FILE")},
        {QStringLiteral("slow-events"),
         QStringLiteral("Report on stderr the events the GUI thread took at least MS to handle "
                        "(which view blocked the event loop)."),
         QStringLiteral("MS")},
        {QStringLiteral("data-dir"),
         QStringLiteral("Where the shop's databases go (default: a temporary folder)."),
         QStringLiteral("DIR")},
        {QStringLiteral("presenter"),
         QStringLiteral("Measure the window in presenter mode (large type, as on a projector).")},
        {QStringLiteral("size"), QStringLiteral("Window size (default 1600x1000)."),
         QStringLiteral("WxH"), QStringLiteral("1600x1000")},
        {QStringLiteral("engine-nice"),
         QStringLiteral("Run the engine's threads at nice N, 0 (as the GUI thread) to 19 "
                        "(default %1, as the window does).")
             .arg(kEngineNiceBesideWindow),
         QStringLiteral("N"), QString::number(kEngineNiceBesideWindow)},
        {QStringLiteral("scenario"),
         QStringLiteral("Run the architecture of the scenario in FILE (its services, policies "
                        "and journeys; not its timeline or expectations) instead of the shop."),
         QStringLiteral("FILE")},
    });
    parser.process(app);

    std::vector<double> rates;
    for (const QString &v : parser.values(QStringLiteral("rate")))
        for (const QString &part : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            const double r = part.toDouble(&ok);
            if (!ok || r <= 0 || r > 100000) {
                std::fprintf(stderr,
                             "microcosm-guibench: --rate must be from 1 to 100000, got '%s'\n",
                             qPrintable(part));
                return 2;
            }
            rates.push_back(r);
        }
    if (rates.empty())
        rates = {500, 1000, 1500, 2000, 4000};
    bool ok = false;
    const double measureSeconds = parser.value(QStringLiteral("seconds")).toDouble(&ok);
    if (!ok || measureSeconds < 1 || measureSeconds > 3600) {
        std::fprintf(stderr, "microcosm-guibench: --seconds must be from 1 to 3600\n");
        return 2;
    }
    app.slowMs = parser.value(QStringLiteral("slow-events")).toDouble();
    const int engineNice = parser.value(QStringLiteral("engine-nice")).toInt(&ok);
    if (!ok || engineNice < 0 || engineNice > 19) {
        std::fprintf(stderr, "microcosm-guibench: --engine-nice must be from 0 to 19\n");
        return 2;
    }
    setEngineThreadNice(engineNice);
    QTemporaryDir tmp;
    const QString dataDir = parser.isSet(QStringLiteral("data-dir"))
                                ? parser.value(QStringLiteral("data-dir"))
                                : tmp.filePath(QStringLiteral("run"));

    Scenario steady = Scenario::steadyState(rates.front(), 86400, 1);
    steady.title = QStringLiteral("GUI benchmark");
    steady.lesson = QStringLiteral("The window at the highest arrival rate the engine sustains, "
                                   "every view live.");
    const QString scenarioFile = parser.value(QStringLiteral("scenario"));
    if (!scenarioFile.isEmpty()) {
        QStringList problems;
        const std::optional<Scenario> given = Scenario::fromFile(scenarioFile, &problems);
        if (!given) {
            for (const QString &p : problems)
                std::fprintf(stderr, "microcosm-guibench: %s: %s\n", qPrintable(scenarioFile),
                             qPrintable(p));
            return 2;
        }
        // Its deployment, policies and journey mix, run steadily at the
        // bench's rates for as long as the bench takes.
        Scenario run = *given;
        run.title = QStringLiteral("GUI benchmark: %1").arg(given->title);
        run.lesson = steady.lesson;
        run.duration = steady.duration;
        run.timeline.clear();
        run.expectations.clear();
        run.load.model = LoadConfig::Model::Open;
        run.load.profile = steady.load.profile;
        steady = run;
    }
    LoadConfig load = steady.load;
    load.seed = steady.seed;
    auto session =
        std::make_unique<ShopSession>(dataDir, steady.architecture, steady.platform, load);
    if (!session->start()) {
        std::fprintf(stderr, "microcosm-guibench: the services did not become ready\n");
        return 1;
    }
    const QStringList size = parser.value(QStringLiteral("size")).split(QLatin1Char('x'));
    const int width = size.value(0).toInt(), height = size.value(1).toInt();
    if (size.size() != 2 || width < 640 || height < 400 || width > 8000 || height > 8000) {
        std::fprintf(stderr,
                     "microcosm-guibench: --size must be WIDTHxHEIGHT from 640x400, got "
                     "'%s'\n",
                     qPrintable(parser.value(QStringLiteral("size"))));
        return 2;
    }
    MainWindow::Options options;
    options.persistSettings = false;
    options.presenter = parser.isSet(QStringLiteral("presenter"));
    options.size = QSize(width, height);
    MainWindow window(std::move(session), options);
    window.show();
    // The scenario panel runs too (a steady run a day long).
    window.startScenario(steady);
    window.showDock(QStringLiteral("controls"));
    // Storefront and database inspector beside the charts, not behind them.
    for (const QString &name : {QStringLiteral("storefront"), QStringLiteral("databases")}) {
        QDockWidget *d = window.dock(name);
        d->setFloating(true);
        d->resize(800, 420);
        d->show();
    }
    ShopController *controller = window.controller();
    QTimer shopper;
    QObject::connect(&shopper, &QTimer::timeout, &window, [&window] {
        StorefrontPanel *store = window.storefront();
        if (store->isShop()) {
            store->browse();
            store->viewCart();
        } else {
            // The request panel: the first user-facing route, with new ids.
            if (!store->routes().isEmpty() && store->requestPath().isEmpty())
                store->selectRoute(store->routes().first());
            store->newIds();
            store->sendRequest();
        }
    });
    shopper.start(1000);

    PaintCounter topologyPaints, chartPaints;
    window.topology()->viewport()->installEventFilter(&topologyPaints);
    for (QChartView *v : window.charts()->chartViews())
        v->viewport()->installEventFilter(&chartPaints);
    LagProbe probe;

    QJsonObject peak;
    QJsonObject last;
    for (const double rate : rates) {
        controller->setRate(rate);
        spin(3000); // warm-up: queues and the generator settle at the new rate
        probe.take();
        const int topo0 = topologyPaints.count;
        const int charts0 = chartPaints.count;
        const double cpu0 = threadCpuSeconds();
        const auto load0 = controller->load().stats();
        const double t0 = controller->platform().elapsed();
        QElapsedTimer wall;
        wall.start();
        spin(int(measureSeconds * 1000));
        const double seconds = double(wall.nsecsElapsed()) / 1e9;
        const double t1 = controller->platform().elapsed();
        const std::vector<double> lag = probe.take();
        const double cpu = threadCpuSeconds() - cpu0;
        const auto load1 = controller->load().stats();
        const EntitySummary gw =
            controller->platform().metrics().range(EntityKey::gateway(), t0, t1);
        const double gatewayRps = double(gw.total()) / std::max(0.001, t1 - t0);
        const auto dropped = load1.dropped - load0.dropped;
        const double okShare = gw.successRate();
        const double p99 = percentile(lag, 0.99);
        const ProcessFigures figures = processFigures();
        QJsonObject line{
            {QStringLiteral("figure"), QStringLiteral("gui")},
            {QStringLiteral("rate"), rate},
            {QStringLiteral("presenter"), options.presenter},
            {QStringLiteral("engineNice"), engineThreadNice()},
            {QStringLiteral("window"), QStringLiteral("%1x%2").arg(width).arg(height)},
            {QStringLiteral("gatewayRps"), std::round(gatewayRps)},
            {QStringLiteral("okPct"), round2(100 * okShare)},
            {QStringLiteral("gatewayP99Ms"), round2(gw.latency.percentileMs(0.99))},
            {QStringLiteral("droppedJourneys"), qint64(dropped)},
            {QStringLiteral("sustained"), dropped == 0 && okShare >= 0.99},
            {QStringLiteral("lagSamples"), qint64(lag.size())},
            {QStringLiteral("lagP50Ms"), round2(percentile(lag, 0.50))},
            {QStringLiteral("lagP99Ms"), round2(p99)},
            {QStringLiteral("lagMaxMs"),
             round2(lag.empty() ? 0 : *std::max_element(lag.begin(), lag.end()))},
            {QStringLiteral("fps"), round2((topologyPaints.count - topo0) / seconds)},
            {QStringLiteral("chartFps"), round2((chartPaints.count - charts0) / seconds)},
            {QStringLiteral("guiThreadCpuPct"), round2(100 * cpu / seconds)},
            {QStringLiteral("seconds"), round2(seconds)},
            {QStringLiteral("target"), QStringLiteral("p99 lag < 16 ms")},
            {QStringLiteral("met"), p99 < 16},
            {QStringLiteral("services"), qint64(controller->platform().serviceNames().size())},
            {QStringLiteral("threads"), figures.threads},
            {QStringLiteral("rssMb"), figures.rssMb},
        };
        std::printf("%s\n", QJsonDocument(line).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        last = line;
        if (line.value(QStringLiteral("sustained")).toBool())
            peak = line;
    }
    shopper.stop();
    const ProcessFigures figures = processFigures();
    const QJsonObject process{
        {QStringLiteral("figure"), QStringLiteral("gui-process")},
        {QStringLiteral("scenario"), scenarioFile},
        {QStringLiteral("services"), qint64(controller->platform().serviceNames().size())},
        {QStringLiteral("threads"), figures.threads},
        {QStringLiteral("rssMb"), figures.rssMb},
    };
    std::printf("%s\n", QJsonDocument(process).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    window.close();
    for (const auto &[what, entry] : app.slow)
        std::fprintf(stderr, "slow: %4d × up to %6.1f ms (of which %5.1f ms on the CPU)  %s\n",
                     entry.count, entry.worstMs, entry.worstCpuMs, qPrintable(what));

    if (parser.isSet(QStringLiteral("json-out"))) {
        const QJsonObject out = peak.isEmpty() ? last : peak;
        QFile file(parser.value(QStringLiteral("json-out")));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::fprintf(stderr, "microcosm-guibench: cannot write %s\n",
                         qPrintable(file.fileName()));
            return 2;
        }
        file.write(QJsonDocument(out).toJson(QJsonDocument::Compact));
        file.write("\n");
    }
    return 0;
}
