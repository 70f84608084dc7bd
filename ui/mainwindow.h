#pragma once

#include "backgroundjob.h"
#include "metricscsv.h"
#include "scenario.h"
#include "shopsession.h"
#include "welcomepanel.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QScrollArea;

namespace microcosm {

class ChartsPanel;
class ControlsPanel;
class DatabaseInspector;
class EventTimeline;
class HttpFrontControl;
class LiveScenario;
class ScenarioPanel;
class ShopController;
class StorefrontPanel;
class TopologyView;

/*
 * The main window: the topology in the middle, charts below, controls,
 * scenario, event timeline, storefront and database inspector in docks,
 * with menus (the preset scenarios among them), shortcuts (Space load, K
 * kill, R restart the selected service), export, presenter mode and saved
 * layout.
 *
 * Opening a scenario restarts the shop: a new session with the scenario's
 * deployment and load, in a fresh sub-folder of the data directory, is
 * started on a worker thread while the current one keeps running; once its
 * replicas are ready it replaces the current one, every view is rebuilt on
 * it and the scenario starts.
 *
 * Invariants: owns the running shop (through its ShopController) and stops
 * it before any view is destroyed — a replaced session's views are deleted
 * before it is shut down, and its shutdown (which waits for the journeys
 * under way) runs on a worker thread that the window joins; a scenario's
 * run goes before the shop it runs on; every view is fed from the
 * controller's timer-pulled snapshots, never by a signal per request; with
 * persistSettings false it neither reads nor writes QSettings (screenshots
 * and tests get the default layout and leave the user's alone).
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    struct Options
    {
        bool persistSettings = true;
        bool presenter = false;
        // The first-start welcome over the topology (WelcomePanel).
        bool welcome = false;
        // The window's first size (presenter mode sizes the docks for it).
        QSize size = QSize(1600, 1000);
    };

    // Presenter mode multiplies the application's type size by this.
    static constexpr double PresenterTypeScale = 1.5;

    explicit MainWindow(std::unique_ptr<ShopSession> session, Options options);
    explicit MainWindow(std::unique_ptr<ShopSession> session);
    ~MainWindow() override;

    // The views of the current session (replaced when a scenario restarts the shop).
    ShopController *controller() const { return m_controller; }
    TopologyView *topology() const { return m_topology; }
    ChartsPanel *charts() const { return m_charts; }
    ControlsPanel *controls() const { return m_controls; }
    EventTimeline *timeline() const { return m_timeline; }
    DatabaseInspector *inspector() const { return m_inspector; }
    StorefrontPanel *storefront() const { return m_storefront; }
    ScenarioPanel *scenarioPanel() const { return m_scenarioPanel; }
    // File → Export traces without its dialog: OTLP/JSON, or Zipkin for *.zipkin.json.
    bool exportTracesTo(const QString &path, QString *error);
    // The HTTP front's toggle and address, for whichever shop is shown.
    HttpFrontControl *http() const { return m_http; }
    QDockWidget *dock(const QString &name) const;
    QMenu *scenariosMenu() const { return m_scenariosMenu; }

    // Runs a scenario on this window's shop as it is (time 0 is now): its
    // policies, autoscalers, load and timeline. The shop should have the
    // scenario's deployment (runGui builds it so); openScenario() makes one.
    void startScenario(const Scenario &scenario);
    // Restarts the shop for the scenario (see the class comment) and runs it.
    void openScenario(const Scenario &scenario);
    // Parses the file and opens it; on errors, says which (with their JSON
    // paths) in a message box and returns false.
    bool openScenarioFile(const QString &path);
    // The scenario running (or judged), or null.
    LiveScenario *liveScenario() const { return m_live.get(); }
    // True while a new shop is being started for a scenario.
    bool startingSession() const { return m_starter.busy() || m_starting; }
    // The current set-up as a scenario file Scenario::parse() accepts.
    bool saveScenario(const QString &path, QString *error = nullptr);

    // Where the preset scenarios are (empty when none is found).
    static QString presetsDirectory();

    void setPresenterMode(bool on);
    // The keys and what the colours mean (F1).
    void showHelp();
    WelcomePanel *welcome() const { return m_welcome; }
    bool presenterMode() const { return m_presenter; }
    // Shows and raises a dock ("controls", "scenario", "events", "storefront", "databases",
    // "charts").
    void showDock(const QString &name);

signals:
    // A new shop replaced the old one and every view was rebuilt on it.
    void sessionReplaced();

public slots:
    void killSelected();
    void restartSelected();
    void exportCsv(CsvLayout layout = CsvLayout::Long);
    void exportTopology();
    void exportCharts();
    void exportTraces();
    void openScenarioDialog();
    void saveScenarioDialog();
    void rerunScenario();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildDocks();
    void buildViews();
    void buildMenus();
    void fillScenariosMenu();
    void installSession(std::unique_ptr<ShopSession> session);
    QString freshDataDir(const QString &title) const;
    void updateStatus();
    void saveSettings();
    void restoreSettings();
    QString askPath(const QString &title, const QString &name, const QString &filters);

    Options m_options;
    QString m_baseDataDir;
    ShopController *m_controller = nullptr;
    std::unique_ptr<LiveScenario> m_live; // destroyed before the shop it runs on
    std::optional<Scenario> m_lastScenario;
    TopologyView *m_topology = nullptr;
    ChartsPanel *m_charts = nullptr;
    ControlsPanel *m_controls = nullptr;
    QScrollArea *m_controlsScroll = nullptr;
    EventTimeline *m_timeline = nullptr;
    DatabaseInspector *m_inspector = nullptr;
    StorefrontPanel *m_storefront = nullptr;
    ScenarioPanel *m_scenarioPanel = nullptr;
    QList<QDockWidget *> m_docks;
    QMenu *m_scenariosMenu = nullptr;
    QLabel *m_statusLabel = nullptr;
    HttpFrontControl *m_http = nullptr;
    QAction *m_loadAction = nullptr;
    QAction *m_presenterAction = nullptr;
    QFont m_baseFont;
    bool m_presenter = false;
    bool m_saved = false;
    QPointer<WelcomePanel> m_welcome;
    bool m_starting = false;
    // Declared last, so destroyed first: a session still starting is
    // joined, and a replaced one finishes shutting down, before the window's
    // own shop and views go.
    BackgroundJob m_retirer;
    BackgroundJob m_starter;
};

} // namespace microcosm
