#include "mainwindow.h"

#include "chartspanel.h"
#include "controlspanel.h"
#include "databaseinspector.h"
#include "eventtimeline.h"
#include "exporter.h"
#include "scenariorun.h"
#include "shopcontroller.h"
#include "storefront.h"
#include "theme.h"
#include "topologyview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>

namespace microcosm {

MainWindow::MainWindow(std::unique_ptr<ShopSession> session)
    : MainWindow(std::move(session), Options{})
{
}

MainWindow::MainWindow(std::unique_ptr<ShopSession> session, Options options)
    : m_options(options), m_controller(new ShopController(std::move(session), this)),
      m_topology(new TopologyView(m_controller, this)), m_baseFont(font())
{
    setObjectName(QStringLiteral("main-window"));
    setWindowTitle(
        tr("Microcosm — a microservices shop: %1").arg(m_controller->platform().dataDir()));
    setCentralWidget(m_topology);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    buildDocks();
    buildMenus();

    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("status-summary"));
    statusBar()->addPermanentWidget(m_statusLabel);

    connect(m_controller, &ShopController::snapshotUpdated, this, [this](const SystemSnapshot &s) {
        m_topology->setSnapshot(s);
        m_controls->setSnapshot(s);
        updateStatus();
    });
    connect(m_controller, &ShopController::windowClosed, m_charts, &ChartsPanel::refresh);
    connect(m_controller, &ShopController::eventsAdded, this,
            [this](const std::vector<Event> &events) {
                m_timeline->append(events);
                m_charts->addEvents(events);
            });
    connect(m_controller, &ShopController::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_controller, &ShopController::loadStateChanged, this, [this](bool running) {
        m_loadAction->setText(running ? tr("&Pause load") : tr("&Start load"));
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

    resize(1600, 1000);
    m_topology->setPersistLayout(m_options.persistSettings);
    if (m_options.persistSettings)
        restoreSettings();
    if (m_options.presenter)
        setPresenterMode(true);
    m_controller->poll();
}

MainWindow::~MainWindow()
{
    if (m_options.persistSettings && !m_saved)
        saveSettings();
    // The scenario's timers first (they act on the shop), then every worker
    // (and so every completion that could queue a call to a view) before the
    // views go away.
    m_run.reset();
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
    auto make = [this](const QString &name, const QString &title, QWidget *content,
                       Qt::DockWidgetArea area) {
        auto *d = new QDockWidget(title, this);
        d->setObjectName(name + QStringLiteral("-dock"));
        d->setWidget(content);
        d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                       QDockWidget::DockWidgetClosable);
        addDockWidget(area, d);
        m_docks.append(d);
        return d;
    };
    m_controls = new ControlsPanel(m_controller, this);
    auto *controlsScroll = new QScrollArea(this);
    controlsScroll->setWidget(m_controls);
    controlsScroll->setWidgetResizable(true);
    controlsScroll->setFrameShape(QFrame::NoFrame);
    QDockWidget *controls =
        make(QStringLiteral("controls"), tr("Controls"), controlsScroll, Qt::RightDockWidgetArea);

    m_timeline = new EventTimeline(this);
    QDockWidget *events =
        make(QStringLiteral("events"), tr("Events"), m_timeline, Qt::RightDockWidgetArea);
    splitDockWidget(controls, events, Qt::Vertical);

    // Below the topology: the charts, with the storefront and the database
    // inspector as tabs beside them (both like the width).
    m_charts = new ChartsPanel(m_controller, this);
    m_storefront = new StorefrontPanel(m_controller, this);
    m_inspector = new DatabaseInspector(m_controller, this);
    QDockWidget *charts =
        make(QStringLiteral("charts"), tr("Charts"), m_charts, Qt::BottomDockWidgetArea);
    QDockWidget *store = make(QStringLiteral("storefront"), tr("Storefront"), m_storefront,
                              Qt::BottomDockWidgetArea);
    QDockWidget *dbs =
        make(QStringLiteral("databases"), tr("Databases"), m_inspector, Qt::BottomDockWidgetArea);
    tabifyDockWidget(charts, store);
    tabifyDockWidget(store, dbs);
    charts->raise();
    setTabPosition(Qt::BottomDockWidgetArea, QTabWidget::North);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    resizeDocks({controls}, {420}, Qt::Horizontal);
    resizeDocks({controls, events}, {300, 300}, Qt::Vertical);
    resizeDocks({charts}, {330}, Qt::Vertical);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *csv = file->addAction(tr("Export per-second &CSV…"), this, &MainWindow::exportCsv);
    csv->setToolTip(tr("Every one-second window of every service, edge and the gateway."));
    file->addAction(tr("Export &topology as PNG/SVG…"), this, &MainWindow::exportTopology);
    file->addAction(tr("Export c&harts as PNG/SVG…"), this, &MainWindow::exportCharts);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *load = menuBar()->addMenu(tr("&Load"));
    m_loadAction =
        load->addAction(m_controller->loadRunning() ? tr("&Pause load") : tr("&Start load"),
                        m_controller, &ShopController::toggleLoad);
    m_loadAction->setObjectName(QStringLiteral("action-toggle-load"));
    m_loadAction->setShortcut(QKeySequence(Qt::Key_Space));
    m_loadAction->setShortcutContext(Qt::WindowShortcut);
    addAction(m_loadAction);

    QMenu *service = menuBar()->addMenu(tr("&Service"));
    QAction *kill =
        service->addAction(tr("&Kill selected service"), this, &MainWindow::killSelected);
    kill->setObjectName(QStringLiteral("action-kill-selected"));
    kill->setShortcut(QKeySequence(Qt::Key_K));
    addAction(kill);
    QAction *restart =
        service->addAction(tr("&Restart selected service"), this, &MainWindow::restartSelected);
    restart->setObjectName(QStringLiteral("action-restart-selected"));
    restart->setShortcut(QKeySequence(Qt::Key_R));
    addAction(restart);
    service->addSeparator();
    QAction *up = service->addAction(tr("Scale selected &up"), this, [this] {
        const QString s = m_topology->selectedService();
        if (s.isEmpty())
            statusBar()->showMessage(tr("Select a service node first (click it)."), 5000);
        else
            m_controller->scaleBy(s, +1);
    });
    up->setShortcut(QKeySequence(Qt::Key_Plus));
    addAction(up);
    QAction *down = service->addAction(tr("Scale selected &down"), this, [this] {
        const QString s = m_topology->selectedService();
        if (s.isEmpty())
            statusBar()->showMessage(tr("Select a service node first (click it)."), 5000);
        else
            m_controller->scaleBy(s, -1);
    });
    down->setShortcut(QKeySequence(Qt::Key_Minus));
    addAction(down);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    m_presenterAction = view->addAction(tr("&Presenter mode (large type)"));
    m_presenterAction->setObjectName(QStringLiteral("action-presenter"));
    m_presenterAction->setCheckable(true);
    m_presenterAction->setShortcut(QKeySequence(Qt::Key_F5));
    connect(m_presenterAction, &QAction::toggled, this, &MainWindow::setPresenterMode);
    addAction(m_presenterAction);
    view->addAction(tr("Reset topology &layout"), m_topology, &TopologyView::resetLayout);
    view->addSeparator();
    for (QDockWidget *d : std::as_const(m_docks))
        view->addAction(d->toggleViewAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("What am I looking at?"), this, [this] {
        QMessageBox::information(
            this, tr("Microcosm"),
            tr("<p>A small shop runs for real: <b>users</b> send requests to the <b>API "
               "gateway</b>, which routes each to the <b>product</b>, <b>cart</b> or <b>order</b> "
               "service. Each service runs as replicas (the pips) and owns one SQLite database "
               "file that no other service touches.</p>"
               "<p><b>Health:</b> healthy = every replica ready and ≥ 99% of last second's calls "
               "succeeded; degraded = a replica not ready or &lt; 99%; failing = &lt; 90%; down = "
               "no ready replica.</p>"
               "<p><b>Try:</b> right-click product → Kill. Product turns red and its particles "
               "too; cart keeps serving. Then restart it (R).</p>"
               "<p><b>Keys:</b> Space start/pause load · K kill / R restart the selected service "
               "· + / − scale it · F5 presenter mode.</p>"));
    });
}

void MainWindow::startScenario(const Scenario &scenario)
{
    m_run.reset();
    m_controller->pauseLoad();
    m_controller->load().setRate(scenario.load.rate);
    m_run = std::make_unique<ScenarioRun>(m_controller->session(), scenario);
    m_run->start();
    emit m_controller->loadStateChanged(m_controller->loadRunning());
    emit m_controller->rateChanged(m_controller->rate());
    setWindowTitle(tr("Microcosm — %1").arg(scenario.title));
    statusBar()->showMessage(scenario.lesson.isEmpty()
                                 ? tr("Scenario \"%1\" started").arg(scenario.title)
                                 : scenario.lesson,
                             30000);
}

void MainWindow::killSelected()
{
    const QString s = m_topology->selectedService();
    if (s.isEmpty()) {
        statusBar()->showMessage(tr("Select a service node first (click it), then press K."), 5000);
        return;
    }
    m_controller->killService(s);
}

void MainWindow::restartSelected()
{
    const QString s = m_topology->selectedService();
    if (s.isEmpty()) {
        statusBar()->showMessage(tr("Select a service node first (click it), then press R."), 5000);
        return;
    }
    m_controller->restartService(s);
}

void MainWindow::setPresenterMode(bool on)
{
    m_presenter = on;
    if (m_presenterAction && m_presenterAction->isChecked() != on)
        m_presenterAction->setChecked(on);
    QFont f = m_baseFont;
    if (on)
        f.setPointSizeF(f.pointSizeF() * 1.5);
    setFont(f);
    // Larger type needs wider docks; the topology fits itself to what is left.
    if (QDockWidget *controls = dock(QStringLiteral("controls")))
        resizeDocks({controls}, {on ? 600 : 420}, Qt::Horizontal);
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
    if (m_statusLabel->text() != text)
        m_statusLabel->setText(text);
}

QString MainWindow::askPath(const QString &title, const QString &name, const QString &filters)
{
    return QFileDialog::getSaveFileName(this, title, name, filters);
}

void MainWindow::exportCsv()
{
    const QString path =
        askPath(tr("Export per-second series"), QStringLiteral("microcosm.csv"), tr("CSV (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportSeriesCsv(m_controller->platform(), path, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 6000);
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
    const QString path = askPath(tr("Export charts"), QStringLiteral("charts.png"),
                                 tr("PNG image (*.png);;SVG image (*.svg)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportWidget(m_charts, path, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1").arg(path), 6000);
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
