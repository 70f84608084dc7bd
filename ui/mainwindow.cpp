#include "mainwindow.h"

#include "capacitydialog.h"
#include "chaoscontrols.h"
#include "chartspanel.h"
#include "comparewindow.h"
#include "controlspanel.h"
#include "databaseinspector.h"
#include "eventtimeline.h"
#include "exporter.h"
#include "httpfrontcontrol.h"
#include "livescenario.h"
#include "policycontrols.h"
#include "recordingdocuments.h"
#include "replaywindow.h"
#include "savefile.h"
#include "scenariopanel.h"
#include "scenariowriter.h"
#include "setupcapture.h"
#include "shopcontroller.h"
#include "storefront.h"
#include "theme.h"
#include "theorypanel.h"
#include "timebar.h"
#include "topologyview.h"
#include "traceexport.h"
#include "welcomepanel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <limits>

namespace microcosm {

namespace {

// The window's title for what runs: the shop, or the architecture by its name.
QString sessionTitle(ShopController *controller)
{
    const QString dir = controller->platform().dataDir();
    if (controller->hasShop() && controller->architecture().isShop())
        return MainWindow::tr("Microcosm — a microservices shop: %1").arg(dir);
    return MainWindow::tr("Microcosm — %1: %2").arg(controller->architecture().name, dir);
}

// Every deployable, a monolith with its modules: "front, back, monolith (a, b)".
QString deployablesText(ShopController *controller)
{
    QStringList names;
    for (const QString &s : controller->platform().serviceNames())
        names << controller->displayName(s);
    return names.join(QStringLiteral(", "));
}

// What the window knows of a session's run as it ends, for its recording.
SessionVerdict verdictOf(const LiveScenario *live, const QString &title)
{
    SessionVerdict v;
    v.title = title;
    if (!live)
        return v;
    v.scenarioRan = true;
    v.judged = live->phase() == LiveScenario::Phase::Done;
    v.settled = live->settled();
    v.results = live->results();
    v.scenarioSeconds = live->elapsed();
    v.scenarioDuration = live->scenario().duration;
    return v;
}

} // namespace

MainWindow::MainWindow(std::unique_ptr<ShopSession> session)
    : MainWindow(std::move(session), Options{})
{
}

MainWindow::MainWindow(std::unique_ptr<ShopSession> session, Options options)
    : m_options(options), m_baseDataDir(session->platform().dataDir()),
      m_controller(new ShopController(std::move(session), this)),
      m_scenarioPanel(new ScenarioPanel(this)), m_baseFont(QApplication::font())
{
    setObjectName(QStringLiteral("main-window"));
    setWindowTitle(sessionTitle(m_controller));
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    m_http = new HttpFrontControl(m_controller->session(), this);
    buildDocks();
    buildCentre();
    buildViews();
    buildMenus();

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("status-summary"));
    statusBar()->addPermanentWidget(m_http->statusLabel());
    statusBar()->addPermanentWidget(m_statusLabel);

    connect(m_scenarioPanel, &ScenarioPanel::rerunRequested, this, &MainWindow::rerunScenario);
    connect(m_scenarioPanel, &ScenarioPanel::openRequested, this, &MainWindow::openScenarioDialog);

    resize(m_options.size);
    if (m_options.persistSettings)
        restoreSettings();
    if (m_options.presenter)
        setPresenterMode(true);
    if (m_options.welcome) {
        m_welcome = new WelcomePanel(this);
        connect(m_welcome, &WelcomePanel::presetChosen, this, [this](const QString &preset) {
            openScenarioFile(QDir(presetsDirectory()).filePath(preset + QStringLiteral(".json")));
        });
        connect(m_welcome, &WelcomePanel::startLoadChosen, this,
                [this] { m_controller->startLoad(); });
        connect(m_welcome, &WelcomePanel::shortcutsRequested, this, &MainWindow::showHelp);
        m_welcome->placeOver(m_topology);
        m_welcome->show();
        m_welcome->raise();
        m_welcome->setFocus();
    }
    // A hand-driven run is recorded with its set-up as its scenario (a
    // scenario started on this shop starts a recording of its own).
    Scenario setup = captureSetup(*m_controller, nullptr);
    setup.title = tr("Hand-driven run in the window");
    startRecording(scenarioToJson(setup));
    m_controller->poll();
}

MainWindow::~MainWindow()
{
    if (m_presenter) {
        QApplication::setFont(m_baseFont);
        QToolTip::setFont(m_baseFont);
    }
    if (m_options.persistSettings && !m_saved)
        saveSettings();
    // A shop still starting for a scenario is dropped.
    m_starter.cancel();
    m_starter.wait();
    // The scenario's timers and its settling worker first (they act on the
    // shop), then every worker (and so every completion that could queue a
    // call to a view) before the views go away.
    const SessionVerdict verdict = verdictOf(m_live.get(), m_recordingTitle);
    m_scenarioPanel->setScenario(nullptr);
    m_live.reset();
    m_http->stop(); // no request from outside reaches a shop shutting down
    // The recording ends finished, as when a session is replaced: settled
    // (for a few seconds at most), audited, with its documents. On the
    // retirer, which the window waits for here (nothing else can run: the
    // window is going), after a session retired before.
    if (m_recorder) {
        std::shared_ptr<Recorder> recorder(std::move(m_recorder));
        ShopSession *session = &m_controller->session();
        m_retirer.start(
            [recorder, session, verdict]() mutable {
                QString error;
                if (!finishSessionRecording(*recorder, *session, verdict, &error))
                    qWarning("microcosm: the recording was not finished: %s", qPrintable(error));
                recorder.reset(); // its writer joined here, before the session goes
            },
            {});
        m_retirer.wait();
    }
    m_controller->shutdown();
}

QDockWidget *MainWindow::dock(const QString &name) const
{
    for (QDockWidget *d : m_docks)
        if (d->objectName() == name + QStringLiteral("-dock"))
            return d;
    return nullptr;
}

void MainWindow::showDock(const QString &name)
{
    if (QDockWidget *d = dock(name)) {
        d->show();
        d->raise();
    }
}

void MainWindow::buildDocks()
{
    // The docks stay for the window's life; their contents are rebuilt
    // with each new session (buildViews()).
    auto make = [this](const QString &name, const QString &title, Qt::DockWidgetArea area) {
        auto *d = new QDockWidget(title, this);
        d->setObjectName(name + QStringLiteral("-dock"));
        d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                       QDockWidget::DockWidgetClosable);
        addDockWidget(area, d);
        m_docks.append(d);
        return d;
    };
    QDockWidget *controls =
        make(QStringLiteral("controls"), tr("Controls"), Qt::RightDockWidgetArea);
    QDockWidget *scenario =
        make(QStringLiteral("scenario"), tr("Scenario"), Qt::RightDockWidgetArea);
    // In a scroll area, so that a long lesson never sets the window's minimum height.
    auto *scenarioScroll = new QScrollArea(this);
    scenarioScroll->setWidget(m_scenarioPanel);
    scenarioScroll->setWidgetResizable(true);
    scenarioScroll->setFrameShape(QFrame::NoFrame);
    scenarioScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scenario->setWidget(scenarioScroll);
    QDockWidget *events = make(QStringLiteral("events"), tr("Events"), Qt::RightDockWidgetArea);
    splitDockWidget(controls, events, Qt::Vertical);
    tabifyDockWidget(controls, scenario);
    controls->raise();

    // Below the topology: the charts, with the storefront and the database
    // inspector as tabs beside them (both like the width).
    QDockWidget *charts = make(QStringLiteral("charts"), tr("Charts"), Qt::BottomDockWidgetArea);
    QDockWidget *store =
        make(QStringLiteral("storefront"), tr("Storefront"), Qt::BottomDockWidgetArea);
    QDockWidget *dbs = make(QStringLiteral("databases"), tr("Databases"), Qt::BottomDockWidgetArea);
    QDockWidget *theory =
        make(QStringLiteral("theory"), tr("Theory (M/M/c)"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(charts, store);
    tabifyDockWidget(store, dbs);
    tabifyDockWidget(dbs, theory);
    charts->raise();
    setTabPosition(Qt::BottomDockWidgetArea, QTabWidget::North);
    setTabPosition(Qt::RightDockWidgetArea, QTabWidget::North);
    // The right column runs the full height (the scenario's lesson and the
    // events need it more than the charts need the last few hundred pixels).
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    resizeDocks({controls}, {430}, Qt::Horizontal);
    resizeDocks({controls, events}, {560, 360}, Qt::Vertical);
    resizeDocks({charts}, {330}, Qt::Vertical);
}

void MainWindow::buildCentre()
{
    // The topology between the banner (shown while not live) and the time
    // bar; the topology itself is made for each session (buildViews()).
    m_centre = new QWidget(this);
    m_centre->setObjectName(QStringLiteral("centre"));
    m_centreLayout = new QVBoxLayout(m_centre);
    m_centreLayout->setContentsMargins(0, 0, 0, 0);
    m_centreLayout->setSpacing(0);
    m_banner = new QPushButton(m_centre);
    m_banner->setObjectName(QStringLiteral("view-banner"));
    m_banner->setFlat(true);
    m_banner->setCursor(Qt::PointingHandCursor);
    m_banner->setToolTip(tr("Click (or press End) to see the live run again"));
    // Amber: not what is happening now. Dark text on it in light and dark themes.
    m_banner->setStyleSheet(QStringLiteral(
        "QPushButton { background: #ffc94d; color: #1a1a1a; border: none; padding: 4px; }"));
    m_banner->hide();
    connect(m_banner, &QPushButton::clicked, this, &MainWindow::showLive);
    m_centreLayout->addWidget(m_banner);
    m_timeBar = new TimeBar(m_centre);
    m_centreLayout->addWidget(m_timeBar);
    setCentralWidget(m_centre);
    connect(m_timeBar, &TimeBar::seekRequested, this, [this](double t) {
        // A drag to the right end is back to live; a drag elsewhere asks
        // for a second many times a frame: the last one wins.
        if (t >= m_timeBar->last() - 0.25 && m_viewMode != ViewMode::Live) {
            showLive();
            return;
        }
        m_seekTo = t;
        if (m_seekPending)
            return;
        m_seekPending = true;
        QTimer::singleShot(0, this, [this] {
            m_seekPending = false;
            showTime(m_seekTo);
        });
    });
    connect(m_timeBar, &TimeBar::liveRequested, this, &MainWindow::showLive);
    m_rereadTimer.setInterval(3000);
    connect(&m_rereadTimer, &QTimer::timeout, this, [this] {
        // Looking back, the recording grows: read it again, off this thread.
        if (m_viewMode != ViewMode::Past || !m_recorder || m_reader.busy())
            return;
        auto read = std::make_shared<std::optional<Recording>>();
        const QString path = m_recorder->path();
        const quint64 generation = m_recorderGeneration;
        m_reader.start(
            [read, path] {
                QString error;
                *read = Recording::open(path, &error, /*allowLive=*/true);
            },
            [this, read, generation] {
                if (generation != m_recorderGeneration || m_viewMode != ViewMode::Past || !*read)
                    return;
                m_recording = std::move(*read);
                updateTimeRange();
            });
    });
}

void MainWindow::buildViews()
{
    // Everything that reads the shop is made for the current controller.
    // A previous session's views are deleted here, synchronously: this runs
    // from a queued call, never inside one of their own handlers.
    auto replace = [](QWidget *old) {
        if (old) {
            old->hide();
            delete old;
        }
    };
    TopologyView *oldTopology = m_topology;
    m_topology = new TopologyView(m_controller, m_centre);
    m_centreLayout->insertWidget(1, m_topology, 1); // below the banner, above the time bar
    m_topology->setPersistLayout(m_options.persistSettings);
    if (m_options.persistSettings && oldTopology)
        m_topology->restoreLayout();
    m_topology->setPresenter(m_presenter);
    m_topology->setFocus(); // where ←/→ look back in time
    replace(oldTopology);
    // The new session is shown live, its own events on the bar.
    m_viewMode = ViewMode::Live;
    m_recording.reset();
    m_rereadTimer.stop();
    m_timeBar->setPosition(std::nullopt);
    m_timeBar->setEvents({});
    updateBanner();

    m_controls = new ControlsPanel(m_controller, this);
    m_controls->setPersistSections(m_options.persistSettings);
    QScrollArea *oldScroll = m_controlsScroll;
    m_controlsScroll = new QScrollArea(this);
    m_controlsScroll->setWidget(m_controls);
    m_controlsScroll->setWidgetResizable(true);
    m_controlsScroll->setFrameShape(QFrame::NoFrame);
    m_controlsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    dock(QStringLiteral("controls"))->setWidget(m_controlsScroll);
    replace(oldScroll);

    auto swap = [this, &replace](const QString &name, QWidget *content) {
        QDockWidget *d = dock(name);
        QWidget *old = d->widget();
        d->setWidget(content);
        replace(old);
    };
    m_timeline = new EventTimeline(this);
    swap(QStringLiteral("events"), m_timeline);
    const int window = m_charts ? m_charts->windowSeconds() : 60;
    m_charts = new ChartsPanel(m_controller, this);
    m_charts->setWindowSeconds(window);
    swap(QStringLiteral("charts"), m_charts);
    // In scroll areas: their rows of fields and tables must never set the
    // window's minimum width (in presenter mode at 1280×720 the inspector
    // asked for more than the screen has).
    auto scrolled = [this](QWidget *content) {
        auto *area = new QScrollArea(this);
        area->setWidget(content);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        return area;
    };
    m_storefront = new StorefrontPanel(m_controller, this);
    swap(QStringLiteral("storefront"), scrolled(m_storefront));
    m_inspector = new DatabaseInspector(m_controller, this);
    swap(QStringLiteral("databases"), scrolled(m_inspector));
    m_theory = new TheoryPanel(m_controller, this);
    swap(QStringLiteral("theory"), scrolled(m_theory));
    // Once a second, and only while it can be seen (it reads every route's totals).
    connect(m_controller, &ShopController::windowClosed, m_theory, [this] {
        if (m_theory->isVisible())
            m_theory->refresh();
    });

    connect(m_controller, &ShopController::snapshotUpdated, this, [this](const SystemSnapshot &s) {
        // Looking back or frozen, the picture stays; the controls act on
        // the live shop and show it.
        if (m_viewMode == ViewMode::Live)
            m_topology->setSnapshot(s);
        m_controls->setSnapshot(s);
        updateStatus();
    });
    connect(m_controller, &ShopController::windowClosed, m_charts, &ChartsPanel::refresh);
    connect(m_controller, &ShopController::windowClosed, this, &MainWindow::updateTimeRange);
    connect(m_controller, &ShopController::eventsAdded, this,
            [this](const std::vector<Event> &events) {
                m_timeline->append(events);
                m_charts->addEvents(events);
                m_timeBar->addEvents(events);
            });
    connect(m_controller, &ShopController::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_controller, &ShopController::loadStateChanged, this, [this](bool running) {
        if (m_loadAction)
            m_loadAction->setText(running ? tr("&Pause the load (no new arrivals)")
                                          : tr("&Start the load"));
        // A hand-driven run's time 0 is when its load first started.
        if (running && m_recorder && !m_loadStartSet) {
            m_recorder->setLoadStart(m_controller->platform().elapsed());
            m_loadStartSet = true;
        }
    });
    connect(m_timeline, &EventTimeline::sourceActivated, m_topology, &TopologyView::highlight);
    connect(m_topology, &TopologyView::inspectDatabase, this, [this](const QString &service) {
        m_inspector->selectService(service);
        showDock(QStringLiteral("databases"));
    });
    connect(m_topology, &TopologyView::selectedServiceChanged, this, [this](const QString &s) {
        if (!s.isEmpty())
            statusBar()->showMessage(tr("%1 selected: K kills it, R restarts it, right-click for "
                                        "more")
                                         .arg(s),
                                     6000);
    });
    connect(m_topology, &TopologyView::chaosRequested, this, [this](const QString &service) {
        m_controls->chaos()->selectService(service);
        showDock(QStringLiteral("controls"));
        m_controls->showSection(QStringLiteral("chaos"));
    });
    connect(m_topology, &TopologyView::policyRequested, this, [this](const QString &edgeKey) {
        m_controls->policies()->selectEdge(edgeKey);
        showDock(QStringLiteral("controls"));
        m_controls->showSection(QStringLiteral("policies"));
    });
    if (m_loadAction)
        m_loadAction->setText(m_controller->loadRunning() ? tr("&Pause the load (no new arrivals)")
                                                          : tr("&Start the load"));
}

void MainWindow::installSession(std::unique_ptr<ShopSession> session)
{
    const SessionVerdict verdict = verdictOf(m_live.get(), m_recordingTitle);
    m_scenarioPanel->setScenario(nullptr);
    m_live.reset();
    ShopController *old = m_controller;
    m_controller = new ShopController(std::move(session), this);
    // The new views must not move the docks' splitters: the main window
    // lays the new dock contents out on its next pass by their size hints,
    // which gave the charts 70 % of the height and left the topology a
    // thumbnail. The positions in force (the user's own) are put back after
    // that pass, with painting held until then so nobody sees the jump.
    const QByteArray docks = saveState();
    setUpdatesEnabled(false);
    buildViews(); // deletes the old session's views
    QTimer::singleShot(0, this, [this, docks] {
        restoreState(docks);
        setUpdatesEnabled(true);
    });
    // Nothing refers to the old session any more: shut it down (waiting for
    // its journeys under way, a few seconds at worst) off the GUI thread.
    m_http->moveTo(m_controller->session()); // stopped on the old shop first
    std::shared_ptr<ShopSession> retired(old->takeSession());
    delete old;
    // The old session's recording ends finished, as a headless run's does:
    // settled, shut down, audited, with the report, the audit, the debrief,
    // the traces and copies of its databases; all off the GUI thread. The
    // recorder goes before the session (its writer reads the platform). The
    // caller starts the new session's recording (startScenario()).
    std::shared_ptr<Recorder> recorder(std::move(m_recorder));
    ++m_recorderGeneration;
    auto outcome = std::make_shared<QString>();
    m_retirer.start(
        [retired, recorder, verdict, outcome]() mutable {
            if (recorder) {
                QString error;
                *outcome = finishSessionRecording(*recorder, *retired, verdict, &error) ? QString()
                                                                                        : error;
                recorder.reset();
            }
            retired->shutdown();
        },
        [this, outcome] {
            if (!outcome->isEmpty())
                statusBar()->showMessage(
                    tr("The previous run's recording was not finished: %1").arg(*outcome), 15000);
        });
    setWindowTitle(sessionTitle(m_controller));
    m_controller->poll();
    emit sessionReplaced();
}

QString MainWindow::freshDataDir(const QString &title) const
{
    QString slug;
    for (const QChar c : title.toLower())
        slug += c.isLetterOrNumber() ? c : QLatin1Char('-');
    while (slug.contains(QStringLiteral("--")))
        slug.replace(QStringLiteral("--"), QStringLiteral("-"));
    slug = slug.left(40);
    while (slug.endsWith(QLatin1Char('-')))
        slug.chop(1);
    while (slug.startsWith(QLatin1Char('-')))
        slug.remove(0, 1);
    if (slug.isEmpty())
        slug = QStringLiteral("scenario");
    const QDir base(m_baseDataDir);
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    QString name = QStringLiteral("%1-%2").arg(slug, stamp);
    for (int n = 2; base.exists(name); ++n)
        name = QStringLiteral("%1-%2-%3").arg(slug, stamp).arg(n);
    return base.filePath(name);
}

void MainWindow::openScenario(const Scenario &scenario)
{
    const QString dir = freshDataDir(scenario.title);
    if (!QDir().mkpath(dir)) {
        QMessageBox::warning(this, tr("Cannot start the scenario"),
                             tr("Cannot create the folder %1 for its databases.").arg(dir));
        return;
    }
    m_lastScenario = scenario;
    m_scenarioPanel->showStarting(scenario.title);
    showDock(QStringLiteral("scenario"));
    statusBar()->showMessage(tr("Starting a fresh shop for \"%1\" in %2…").arg(scenario.title, dir),
                             10000);
    m_starting = true;
    LoadConfig load = scenario.load;
    load.seed = scenario.seed;
    struct Started
    {
        std::unique_ptr<ShopSession> session;
        bool ready = false;
    };
    auto started = std::make_shared<Started>();
    m_starter.start(
        [started, dir, scenario, load] {
            started->session =
                std::make_unique<ShopSession>(dir, scenario.architecture, scenario.platform, load);
            started->ready = started->session->start();
        },
        [this, started, scenario, dir] {
            m_starting = false;
            if (!started->ready) {
                const QString why = started->session->startError();
                started->session.reset();
                m_scenarioPanel->setScenario(m_live.get());
                QMessageBox::warning(
                    this, tr("Cannot start the scenario"),
                    tr("\"%1\" did not start (data in %2): %3").arg(scenario.title, dir, why));
                return;
            }
            installSession(std::move(started->session));
            startScenario(scenario);
        });
}

bool MainWindow::openScenarioFile(const QString &path)
{
    QStringList problems;
    const std::optional<Scenario> scenario = Scenario::fromFile(path, &problems);
    if (!scenario) {
        auto *box = new QMessageBox(
            QMessageBox::Warning, tr("Cannot open the scenario"),
            tr("%1 has %n problem(s); nothing was started.", nullptr, int(problems.size()))
                .arg(QFileInfo(path).fileName()),
            QMessageBox::Ok, this);
        box->setDetailedText(problems.join(QLatin1Char('\n')));
        box->setInformativeText(problems.mid(0, 5).join(QLatin1Char('\n')));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setObjectName(QStringLiteral("scenario-error"));
        box->open();
        statusBar()->showMessage(tr("%1: %2").arg(path, problems.value(0)), 10000);
        return false;
    }
    m_scenarioPath = path;
    openScenario(*scenario);
    return true;
}

void MainWindow::openScenarioDialog()
{
    const QString dir = presetsDirectory();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open scenario"), dir,
                                                      tr("Scenarios (*.json);;All files (*)"));
    if (!path.isEmpty())
        openScenarioFile(path);
}

bool MainWindow::saveScenario(const QString &path, QString *error)
{
    const Scenario s = captureSetup(*m_controller, m_live ? &m_live->scenario() : nullptr);
    return writeScenarioFile(s, path, error);
}

void MainWindow::saveScenarioDialog()
{
    const QString path = askPath(tr("Save the current set-up as a scenario"),
                                 QStringLiteral("my-scenario.json"), tr("Scenarios (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveScenario(path, &error))
        QMessageBox::warning(this, tr("Save failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1: open it (File → Open scenario…) or run it with "
                                    "microcosm --headless --scenario %1")
                                     .arg(path),
                                 10000);
}

void MainWindow::rerunScenario()
{
    if (m_lastScenario)
        openScenario(*m_lastScenario);
    else
        statusBar()->showMessage(tr("No scenario to run again: pick one from the Scenarios menu."),
                                 6000);
}

QString MainWindow::presetsDirectory()
{
    const QStringList candidates{
        QCoreApplication::applicationDirPath() + QStringLiteral("/../../resources/scenarios"),
        QCoreApplication::applicationDirPath() + QStringLiteral("/../share/microcosm/scenarios"),
#ifdef MICROCOSM_SCENARIOS_DIR
        QStringLiteral(MICROCOSM_SCENARIOS_DIR),
#endif
    };
    for (const QString &c : candidates) {
        const QDir d(c);
        if (d.exists() && !d.entryList({QStringLiteral("*.json")}, QDir::Files).isEmpty())
            return d.canonicalPath();
    }
    return {};
}

void MainWindow::fillScenariosMenu()
{
    m_scenariosMenu->clear();
    const QString dir = presetsDirectory();
    if (dir.isEmpty()) {
        QAction *none = m_scenariosMenu->addAction(tr("(no presets found: use Open…)"));
        none->setEnabled(false);
    } else {
        QAction *header = m_scenariosMenu->addAction(tr("Presets — each restarts the shop"));
        header->setEnabled(false);
        for (const QFileInfo &file :
             QDir(dir).entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
            QStringList problems;
            const std::optional<Scenario> s = Scenario::fromFile(file.filePath(), &problems);
            QAction *a = m_scenariosMenu->addAction(s ? s->title : file.fileName());
            a->setObjectName(QStringLiteral("scenario-preset-") + file.completeBaseName());
            a->setData(file.filePath());
            a->setToolTip(s ? s->lesson : problems.join(QLatin1Char('\n')));
            a->setStatusTip(s ? s->lesson.left(200) : problems.value(0));
            const QString path = file.filePath();
            connect(a, &QAction::triggered, this, [this, path] { openScenarioFile(path); });
        }
    }
    m_scenariosMenu->addSeparator();
    QAction *open = m_scenariosMenu->addAction(tr("&Open scenario file…"), this,
                                               &MainWindow::openScenarioDialog);
    open->setObjectName(QStringLiteral("action-open-scenario-file"));
    QAction *again = m_scenariosMenu->addAction(tr("&Run the last scenario again"), this,
                                                &MainWindow::rerunScenario);
    again->setObjectName(QStringLiteral("action-rerun-scenario"));
    again->setEnabled(m_lastScenario.has_value());
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open scenario…"), this, &MainWindow::openScenarioDialog);
    open->setObjectName(QStringLiteral("action-open-scenario"));
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Run an experiment from a JSON file on a fresh shop."));
    QAction *openRecording =
        file->addAction(tr("Open &recording…"), this, &MainWindow::openRecordingDialog);
    openRecording->setObjectName(QStringLiteral("action-open-recording"));
    openRecording->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    openRecording->setToolTip(tr("Play a run's recording (run.microcosm in its data folder) in a "
                                 "window of its own: nothing runs, the shop here goes on."));
    QAction *compare = file->addAction(tr("Compare &with…"), this, [this] {
        CompareWindow::askAndOpen(this, m_recorder ? m_recorder->path() : QString(), m_presenter);
    });
    compare->setObjectName(QStringLiteral("action-compare"));
    compare->setToolTip(tr("Two recordings side by side: charts overlaid (A solid, B dashed), "
                           "every figure with its change, and each run's expectations."));
    QAction *save =
        file->addAction(tr("&Save set-up as scenario…"), this, &MainWindow::saveScenarioDialog);
    save->setObjectName(QStringLiteral("action-save-scenario"));
    save->setShortcut(QKeySequence::Save);
    save->setToolTip(tr("Replicas, load, policies and autoscalers as they are now (and the "
                        "running scenario's timeline and expectations), as a scenario file."));
    file->addSeparator();
    QAction *csv = file->addAction(tr("Export per-second &CSV…"), this,
                                   [this] { exportCsv(CsvLayout::Long); });
    csv->setToolTip(tr("Every one-second window of every service, edge and the gateway: one row "
                       "per time, entity, metric and value, as --csv writes it."));
    QAction *wide = file->addAction(tr("Export per-second CSV (&wide)…"), this,
                                    [this] { exportCsv(CsvLayout::Wide); });
    wide->setToolTip(tr("The same values, one row per entity and second and one column per "
                        "metric, as --csv with --csv-wide writes it."));
    file->addAction(tr("Export &topology as PNG/SVG…"), this, &MainWindow::exportTopology);
    file->addAction(tr("Export c&harts as PNG/SVG…"), this, &MainWindow::exportCharts);
    QAction *traces = file->addAction(tr("Export t&races…"), this, &MainWindow::exportTraces);
    traces->setObjectName(QStringLiteral("action-export-traces"));
    traces->setToolTip(tr("The sampled requests' traces, each span with its service, replica, "
                          "status and reason: OTLP/JSON (Jaeger opens it) or Zipkin v2 JSON."));
    file->addSeparator();
    file->addAction(m_http->toggleAction());
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    m_scenariosMenu = menuBar()->addMenu(tr("S&cenarios"));
    m_scenariosMenu->setObjectName(QStringLiteral("scenarios-menu"));
    m_scenariosMenu->setToolTipsVisible(true);
    fillScenariosMenu();
    // Re-read on opening: a preset added while the window is open shows up.
    connect(m_scenariosMenu, &QMenu::aboutToShow, this, &MainWindow::fillScenariosMenu);

    QMenu *load = menuBar()->addMenu(tr("&Load"));
    m_loadAction =
        load->addAction(m_controller->loadRunning() ? tr("&Pause the load (no new arrivals)")
                                                    : tr("&Start the load"),
                        this, [this] { m_controller->toggleLoad(); });
    m_loadAction->setToolTip(tr("Stops (or starts) the users' new journeys; the picture goes on "
                                "(View → Freeze the picture stops the picture instead)."));
    m_loadAction->setObjectName(QStringLiteral("action-toggle-load"));
    m_loadAction->setShortcut(QKeySequence(Qt::Key_Space));
    m_loadAction->setShortcutContext(Qt::WindowShortcut);
    addAction(m_loadAction);
    QAction *clear =
        load->addAction(tr("&Clear every fault"), this, [this] { m_controller->clearFaults(); });
    clear->setObjectName(QStringLiteral("action-clear-faults"));
    clear->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Backspace));
    addAction(clear);
    load->addSeparator();
    QAction *capacity = load->addAction(tr("Find &capacity…"), this, [this] {
        CapacityDialog::askAndOpen(this, m_scenarioPath, m_presenter);
    });
    capacity->setObjectName(QStringLiteral("action-find-capacity"));
    capacity->setToolTip(tr("The highest arrival rate a scenario's system keeps an SLO at, as "
                            "microcosm --capacity searches it: a fresh shop per step, beside "
                            "this window's shop."));

    // The same actions as a node's context menu and the Controls panel's
    // buttons (ui/serviceactions.h), here on the selected node.
    QMenu *service = menuBar()->addMenu(tr("Se&rvice"));
    const std::tuple<ServiceAction, QString, const char *> onSelected[] = {
        {ServiceAction::Kill, tr("&Kill selected service"), "action-kill-selected"},
        {ServiceAction::Restart, tr("&Restart selected service"), "action-restart-selected"},
        {ServiceAction::ScaleUp, tr("Scale selected &up"), "action-scale-up-selected"},
        {ServiceAction::ScaleDown, tr("Scale selected &down"), "action-scale-down-selected"}};
    for (const auto &[what, text, name] : onSelected) {
        if (what == ServiceAction::ScaleUp)
            service->addSeparator();
        QAction *a =
            service->addAction(text, this, [this, what = what] { onSelectedService(what); });
        a->setObjectName(QString::fromLatin1(name));
        a->setShortcut(serviceactions::shortcut(what));
        addAction(a);
    }

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_presenterAction = view->addAction(tr("&Presenter mode (large type)"));
    m_presenterAction->setObjectName(QStringLiteral("action-presenter"));
    m_presenterAction->setCheckable(true);
    m_presenterAction->setShortcut(QKeySequence(Qt::Key_F5));
    connect(m_presenterAction, &QAction::toggled, this, &MainWindow::setPresenterMode);
    addAction(m_presenterAction);
    view->addAction(tr("Reset topology &layout"), this, [this] { m_topology->resetLayout(); });
    view->addSeparator();
    // Time: the picture frozen, or a past second of the recording. Not the
    // load: Space pauses that.
    m_freezeAction = view->addAction(tr("&Freeze the picture (the run goes on)"));
    m_freezeAction->setObjectName(QStringLiteral("action-freeze"));
    m_freezeAction->setCheckable(true);
    m_freezeAction->setShortcut(QKeySequence(Qt::Key_P));
    m_freezeAction->setToolTip(tr("Every view keeps what it shows while the shop goes on "
                                  "running; P again (or End) shows the live run."));
    connect(m_freezeAction, &QAction::triggered, this,
            [this] { setFrozen(m_viewMode == ViewMode::Live); });
    addAction(m_freezeAction);
    // The arrows, Home and End move in time where the picture has the
    // focus (the topology, the time bar); elsewhere they keep their own use.
    struct TimeKey
    {
        const char *name, *text;
        QKeySequence key;
        int step; // seconds; 0: live; -1000000: the first second
    };
    for (const TimeKey &k :
         {TimeKey{"action-time-back", QT_TR_NOOP("Look &back one second"),
                  QKeySequence(Qt::Key_Left), -1},
          TimeKey{"action-time-forward", QT_TR_NOOP("Look f&orward one second"),
                  QKeySequence(Qt::Key_Right), +1},
          TimeKey{"action-time-first", QT_TR_NOOP("The first recorded second"),
                  QKeySequence(Qt::Key_Home), -1000000},
          TimeKey{"action-time-live", QT_TR_NOOP("Back to &live"), QKeySequence(Qt::Key_End), 0}}) {
        const int step = k.step;
        QAction *a = view->addAction(tr(k.text), this, [this, step] {
            if (step == 0)
                showLive();
            else if (step == -1000000)
                showTime(std::numeric_limits<double>::lowest());
            else
                stepTime(step);
        });
        a->setObjectName(QLatin1String(k.name));
        a->setShortcut(k.key);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_centre->addAction(a);
    }
    struct Zoom
    {
        const char *name, *text;
        QKeySequence key;
        double factor; // 0: back to fit
    };
    for (const Zoom &z :
         {Zoom{"action-zoom-in", QT_TR_NOOP("Zoom &in"), QKeySequence::ZoomIn, 1.25},
          Zoom{"action-zoom-out", QT_TR_NOOP("Zoom &out"), QKeySequence::ZoomOut, 0.8},
          Zoom{"action-zoom-fit", QT_TR_NOOP("&Fit the topology"),
               QKeySequence(Qt::CTRL | Qt::Key_0), 0}}) {
        const double factor = z.factor;
        QAction *a = view->addAction(tr(z.text), this, [this, factor] {
            if (factor == 0)
                m_topology->resetZoom();
            else
                m_topology->zoomBy(factor);
        });
        a->setObjectName(QLatin1String(z.name));
        a->setShortcut(z.key);
        addAction(a);
    }
    view->addSeparator();
    for (QDockWidget *d : std::as_const(m_docks))
        view->addAction(d->toggleViewAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about =
        help->addAction(tr("What am I looking at? (keys, colours)"), this, &MainWindow::showHelp);
    about->setObjectName(QStringLiteral("action-help"));
    about->setShortcuts({QKeySequence(Qt::Key_F1), QKeySequence(Qt::Key_Question)});
    addAction(about);
}

void MainWindow::showHelp()
{
    // Not modal: the run goes on behind it, and a key can point at it.
    // The first and last paragraphs speak of the shop only when it is the shop that runs.
    QString what, tryThis;
    const QString name = m_controller->architecture().name.toHtmlEscaped();
    const QString deployables = deployablesText(m_controller).toHtmlEscaped();
    if (m_controller->hasShop()) {
        if (m_controller->architecture().isShop())
            what = tr("<p>A small shop runs for real: <b>users</b> send requests to the <b>API "
                      "gateway</b>, which routes each to the <b>product</b>, <b>cart</b> or "
                      "<b>order</b> service. Each service runs as replicas (the pips) and owns "
                      "one SQLite database file that no other service touches.</p>");
        else
            what = tr("<p>A small shop runs for real, deployed as <b>%1</b>: %2. <b>Users</b> "
                      "send requests to the <b>API gateway</b>, which routes each to the "
                      "deployable that runs the <b>product</b>, <b>cart</b> or <b>order</b> "
                      "service. Each deployable runs as replicas (the pips); the Databases dock "
                      "shows which files they use.</p>")
                       .arg(name, deployables);
        tryThis = m_controller->architecture().isShop()
                      ? tr("<p><b>Try:</b> Scenarios → Kill the product service, and read the "
                           "lesson in the Scenario panel. Or right-click product → Kill: "
                           "product turns red and its particles too; cart keeps serving. Then "
                           "restart it (R).</p>")
                      : tr("<p><b>Try:</b> check out by hand in the Storefront dock and read "
                           "the waterfall; then right-click a deployable → Kill, watch what "
                           "keeps serving, and restart it (R).</p>");
    } else {
        what = tr("<p>The architecture <b>%1</b> runs for real: <b>users</b> send requests to "
                  "the <b>API gateway</b>, which routes each to the deployable that owns the "
                  "route: %2. Each runs as replicas (the pips) with real SQLite database files, "
                  "and calls the others through the platform's client.</p>")
                   .arg(name, deployables);
        tryThis = tr("<p><b>Try:</b> send a request by hand from the Storefront dock's request "
                     "panel and read its waterfall; or right-click a service → Kill, watch who "
                     "keeps serving, then restart it (R).</p>");
    }
    auto *box = new QMessageBox(
        QMessageBox::Information, tr("Microcosm: what am I looking at?"),
        what +
            tr("<p><b>Health:</b> healthy = every replica ready and ≥ 99% of last second's calls "
               "succeeded; degraded = a replica not ready or &lt; 99%; failing = &lt; 90%; down "
               "= no ready replica.</p>"
               "<p><b>Breakers:</b> the badge on an edge is its circuit breaker: closed (calls "
               "flow), OPEN (calls fail fast without reaching the service), half-open (a few "
               "trial calls). A purple badge is an injected fault.</p>") +
            tryThis +
            tr("<table cellspacing=4><tr><th align=left colspan=2>Keys</th></tr>"
               "<tr><td><b>Space</b></td><td>start / pause the load (new arrivals; the picture "
               "goes on)</td></tr>"
               "<tr><td><b>P</b></td><td>freeze the picture / live again (the run goes "
               "on)</td></tr>"
               "<tr><td><b>←</b> / <b>→</b></td><td>look back / forward one second (click the "
               "topology or the time bar first; in presenter mode the time bar shows once you "
               "look back)</td></tr>"
               "<tr><td><b>Home</b> / <b>End</b></td><td>the first recorded second / back to "
               "live</td></tr>"
               "<tr><td><b>K</b> / <b>R</b></td><td>kill / restart the selected service</td></tr>"
               "<tr><td><b>+</b> / <b>−</b></td><td>scale the selected service up / "
               "down</td></tr>"
               "<tr><td><b>Ctrl+wheel</b>, <b>Ctrl++</b> / <b>Ctrl+−</b></td>"
               "<td>zoom the topology; <b>Ctrl+0</b> fits it again</td></tr>"
               "<tr><td><b>F5</b></td><td>presenter mode (large type for a projector)</td></tr>"
               "<tr><td><b>Ctrl+O</b></td><td>open a scenario file</td></tr>"
               "<tr><td><b>Ctrl+Shift+O</b></td><td>open a recording (replay)</td></tr>"
               "<tr><td><b>F1</b> or <b>?</b></td><td>this help</td></tr></table>"),
        QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("help"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::startScenario(const Scenario &scenario)
{
    m_scenarioPanel->setScenario(nullptr);
    m_live.reset();
    m_controller->pauseLoad();
    m_lastScenario = scenario;
    startRecording(scenarioToJson(scenario));
    m_live = std::make_unique<LiveScenario>(m_controller->session(), scenario);
    m_live->start();
    // The scenario's time 0 (its timeline's) is now.
    if (m_recorder)
        m_recorder->setLoadStart(m_controller->platform().elapsed());
    m_loadStartSet = true;
    // The controls show what the scenario set (policies, rate limit, autoscalers).
    m_controller->adoptScenarioSettings(scenario);
    m_controller->poll();
    emit m_controller->rateChanged(m_controller->rate());
    m_scenarioPanel->setScenario(m_live.get());
    showDock(QStringLiteral("scenario"));
    setWindowTitle(
        m_controller->architecture().isShop()
            ? tr("Microcosm — %1").arg(scenario.title)
            : tr("Microcosm — %1 (%2)").arg(scenario.title, m_controller->architecture().name));
    statusBar()->showMessage(
        tr("Scenario \"%1\" started: its lesson is in the Scenario panel").arg(scenario.title),
        10000);
}

void MainWindow::startRecording(const QJsonObject &scenario)
{
    // The recording under way of this session first: the new one replaces
    // its file. Its writer is joined here, which waits at most for the
    // write under way (one second's rows).
    m_recorder.reset();
    ++m_recorderGeneration;
    m_recording.reset();
    m_loadStartSet = false;
    m_recordingTitle = scenario.value(QStringLiteral("title")).toString();
    Platform &platform = m_controller->platform();
    const QString path = recording::defaultPath(platform.dataDir());
    QString error;
    m_recorder = Recorder::create(path, platform, scenario, &error);
    m_recordStart = platform.elapsed();
    if (!m_recorder)
        statusBar()->showMessage(tr("This run is not recorded: %1").arg(error), 15000);
    m_timeBar->setEnabled(m_recorder != nullptr);
    m_timeBar->setToolTip(m_recorder ? QString() : tr("Not recorded: %1").arg(error));
    if (m_viewMode != ViewMode::Live)
        showLive();
    updateTimeRange();
}

void MainWindow::readRecording()
{
    m_recording.reset();
    if (!m_recorder)
        return;
    QString error;
    m_recording = Recording::open(m_recorder->path(), &error, /*allowLive=*/true);
    if (!m_recording)
        statusBar()->showMessage(tr("Cannot read this run's recording: %1").arg(error), 10000);
    updateTimeRange();
}

void MainWindow::updateTimeRange()
{
    // From the first recorded second (where the recording began, until it
    // has been read) to the newest closed one.
    double first = m_recordStart;
    double last = m_controller->lastWindow();
    if (m_recording && !m_recording->seconds().empty()) {
        first = m_recording->seconds().front();
        last = std::max(last, m_recording->seconds().back());
    }
    m_timeBar->setRange(first, std::max(first, last));
}

double MainWindow::usersRateAt(double t) const
{
    // A scenario's load is known at any second, a rate set by hand from its
    // event on; a hand-driven run that never had its rate changed, as now.
    if (m_recording)
        return recordedUsersRate(*m_recording, m_live ? &m_live->scenario() : nullptr, t,
                                 m_controller->rate());
    return m_controller->rate();
}

bool MainWindow::showTime(double t)
{
    if (!m_recorder) {
        statusBar()->showMessage(tr("This run is not recorded: there is no past to show."), 6000);
        return false;
    }
    // Read when the user starts looking back (going live forgets it); while
    // looking, read again every few seconds off this thread (m_rereadTimer).
    if (!m_recording)
        readRecording();
    if (!m_recording)
        return false;
    const std::vector<double> seconds = m_recording->seconds();
    if (seconds.empty()) {
        statusBar()->showMessage(
            tr("Nothing recorded yet: the first second is written once it has passed."), 6000);
        return false;
    }
    const SystemSnapshot snap = m_recording->snapshotAt(nearestSecond(seconds, t));
    m_viewMode = ViewMode::Past;
    m_viewTime = snap.t;
    m_topology->setStill(true, usersRateAt(snap.t));
    m_topology->setSnapshot(snap);
    m_charts->setCutAt(snap.t);
    m_timeline->setCutAt(snap.t);
    m_timeBar->setPosition(snap.t);
    if (!m_rereadTimer.isActive())
        m_rereadTimer.start();
    updateBanner();
    return true;
}

void MainWindow::stepTime(int seconds)
{
    if (seconds == 0 || !m_recorder)
        return;
    if (!m_recording)
        readRecording();
    if (!m_recording || m_recording->seconds().empty()) {
        showTime(0); // says why
        return;
    }
    const std::vector<double> recorded = m_recording->seconds();
    const int count = int(recorded.size());
    // Live is one past the newest recorded second; a frozen picture lies
    // between the second at or before it and the next one.
    int next = count + seconds;
    if (m_viewMode != ViewMode::Live) {
        int at = int(std::upper_bound(recorded.begin(), recorded.end(), m_viewTime + 1e-6) -
                     recorded.begin()) -
                 1;
        if (m_viewMode == ViewMode::Frozen && seconds < 0)
            ++at;
        next = at + seconds;
    }
    if (next >= count) {
        showLive();
        return;
    }
    showTime(recorded[std::size_t(std::max(0, next))]);
}

void MainWindow::showLive()
{
    m_viewMode = ViewMode::Live;
    m_rereadTimer.stop();
    m_recording.reset(); // read again on the next look back: it grows
    m_topology->setStill(false);
    m_topology->setSnapshot(m_controller->snapshot());
    m_charts->setCutAt(std::nullopt);
    m_timeline->setCutAt(std::nullopt);
    m_timeBar->setPosition(std::nullopt);
    updateBanner();
}

void MainWindow::setFrozen(bool on)
{
    if (!on) {
        showLive();
        return;
    }
    // What is shown now stays; the controller's snapshots go on arriving
    // and are not shown.
    m_viewMode = ViewMode::Frozen;
    m_rereadTimer.stop();
    const SystemSnapshot shown = m_topology->shownSnapshot();
    m_viewTime = shown.t;
    m_topology->setStill(true, m_controller->rate());
    m_topology->setSnapshot(shown); // the users' box as the snapshot says
    m_charts->setCutAt(m_viewTime);
    m_timeline->setCutAt(m_viewTime);
    m_timeBar->setPosition(m_viewTime);
    updateBanner();
}

void MainWindow::updateBanner()
{
    if (m_freezeAction)
        m_freezeAction->setChecked(m_viewMode == ViewMode::Frozen);
    // In presenter mode the live topology needs every pixel of its height
    // (18 px titles at 1280×720): the time bar shows once ←, Home or P
    // leaves the present, and goes with it.
    m_timeBar->setVisible(!m_presenter || m_viewMode != ViewMode::Live);
    if (m_viewMode == ViewMode::Live) {
        m_banner->hide();
        return;
    }
    const QString at = QString::number(m_viewTime, 'f', 0);
    m_banner->setText(m_viewMode == ViewMode::Frozen
                          ? tr("Picture frozen at t = %1 s (the run goes on) — press P or End "
                               "(or click here) for live")
                                .arg(at)
                          : tr("Viewing t = %1 s — press End (or click here) for live").arg(at));
    // Read from the back of the room: larger and bolder than the window's type.
    QFont f = QApplication::font();
    f.setPointSizeF(f.pointSizeF() * 1.25);
    f.setBold(true);
    m_banner->setFont(f);
    m_banner->show();
}

ReplayWindow *MainWindow::openRecording(const QString &path)
{
    QString error;
    ReplayWindow *replay = ReplayWindow::open(path, m_presenter, &error, this);
    if (!replay) {
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Cannot open the recording"), error,
                                    QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("recording-error"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        statusBar()->showMessage(error, 10000);
        return nullptr;
    }
    replay->setWindowFlag(Qt::Window);
    replay->show();
    m_replay = replay;
    return replay;
}

ReplayWindow *MainWindow::replayWindow() const
{
    return m_replay;
}

void MainWindow::openRecordingDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open a recording"), m_baseDataDir,
                                     tr("Microcosm recordings (*.microcosm);;All files (*)"));
    if (!path.isEmpty())
        openRecording(path);
}

void MainWindow::onSelectedService(ServiceAction what)
{
    const QString s = m_topology->selectedService();
    if (s.isEmpty()) {
        statusBar()->showMessage(
            tr("Select a service node first (click it), then press %1.")
                .arg(serviceactions::shortcut(what).toString(QKeySequence::NativeText)),
            5000);
        return;
    }
    serviceactions::trigger(what, *m_controller, s);
}

void MainWindow::setPresenterMode(bool on)
{
    m_presenter = on;
    if (m_presenterAction && m_presenterAction->isChecked() != on)
        m_presenterAction->setChecked(on);
    // The application's font, not the window's: menus, dialogs, message
    // boxes and tooltips are windows of their own and take no font from
    // this one, and a projector needs them large too.
    QFont f = m_baseFont;
    if (on)
        f.setPointSizeF(f.pointSizeF() * PresenterTypeScale);
    QApplication::setFont(f);
    QToolTip::setFont(f);
    // The topology's boxes and labels grow too. It is limited by its width,
    // so the docks give it room rather than take it: their contents wrap and
    // scroll (View → hide a dock gives the topology the whole window).
    m_topology->setPresenter(on);
    updateBanner(); // its type follows the application's, the time bar comes and goes
    // In presenter mode the topology takes the larger share it needs to be
    // read from the back of the room: the side column and the charts give
    // up what they can spare at projector sizes (1280×720 and up).
    const int side = on ? std::clamp(width() * 10 / 43, 296, 440) : 430;
    const int charts = on ? std::clamp(height() * 27 / 100, 190, 330) : 330;
    if (QDockWidget *controls = dock(QStringLiteral("controls")))
        resizeDocks({controls}, {side}, Qt::Horizontal);
    if (QDockWidget *c = dock(QStringLiteral("charts")))
        resizeDocks({c}, {charts}, Qt::Vertical);
    statusBar()->showMessage(on ? tr("Presenter mode: large type (F5 to leave)") : QString(), 4000);
}

void MainWindow::updateStatus()
{
    const SystemSnapshot &s = m_controller->snapshot();
    const Window &w = s.gateway.last;
    const auto total = w.total();
    const double ok = total ? 100.0 * double(w.succeeded()) / double(total) : 100.0;
    QStringList down;
    for (const ServiceSnapshot &svc : s.services)
        if (svc.health == ServiceSnapshot::Health::Down)
            down << svc.name;
    QString text = tr("t = %1 s · load %2 · %3 req/s · %4% ok · p99 %5 ms")
                       .arg(QString::number(s.t, 'f', 0),
                            m_controller->loadRunning() ? tr("on") : tr("paused"),
                            QString::number(s.gateway.rps, 'f', 0), QString::number(ok, 'f', 1),
                            QString::number(w.p99, 'f', 0));
    if (!down.isEmpty())
        text += tr(" · DOWN: %1").arg(down.join(QStringLiteral(", ")));
    // Another architecture than the shop's own says which one runs.
    if (!m_controller->architecture().isShop())
        text = m_controller->architecture().name + QStringLiteral(" · ") + text;
    if (m_statusLabel->text() != text)
        m_statusLabel->setText(text);
}

QString MainWindow::askPath(const QString &title, const QString &name, const QString &filters)
{
    return QFileDialog::getSaveFileName(this, title, name, filters);
}

void MainWindow::exportCsv(CsvLayout layout)
{
    const bool wide = layout == CsvLayout::Wide;
    const QString path =
        askPath(wide ? tr("Export per-second series (wide)") : tr("Export per-second series"),
                wide ? QStringLiteral("microcosm-wide.csv") : QStringLiteral("microcosm.csv"),
                tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportSeriesCsv(m_controller->platform(), path, &error, layout))
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 6000);
}

void MainWindow::exportTraces()
{
    const QString path =
        askPath(tr("Export traces"), QStringLiteral("microcosm-traces.json"),
                tr("OTLP/JSON, for Jaeger (*.json);;Zipkin v2 JSON (*.zipkin.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTracesTo(path, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1 traces to %2 (%3)")
                                     .arg(m_controller->platform().traces().size())
                                     .arg(path, traceFormatName(traceFormatForFile(path))),
                                 6000);
}

bool MainWindow::exportTracesTo(const QString &path, QString *error)
{
    return writeWhole(
        path, microcosm::exportTraces(m_controller->platform(), traceFormatForFile(path)), error);
}

void MainWindow::exportTopology()
{
    const QString path = askPath(tr("Export topology"), QStringLiteral("topology.png"),
                                 tr("PNG image (*.png);;SVG image (*.svg)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportScene(m_topology, path, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 6000);
}

void MainWindow::exportCharts()
{
    // One chart alone at a chosen size (1600×900 by default), not a grab of
    // the panel with its drop-down.
    m_charts->exportChartInteractively();
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/presenter"), m_presenter);
    settings.setValue(QStringLiteral("charts/window"), m_charts->windowSeconds());
    m_topology->saveLayout();
    m_saved = true;
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_charts->setWindowSeconds(settings.value(QStringLiteral("charts/window"), 60).toInt());
    m_topology->restoreLayout();
    if (settings.value(QStringLiteral("window/presenter"), false).toBool())
        m_options.presenter = true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_options.persistSettings)
        saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace microcosm
