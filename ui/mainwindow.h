#pragma once

#include "backgroundjob.h"
#include "metricscsv.h"
#include "recording.h"
#include "scenario.h"
#include "serviceactions.h"
#include "shopsession.h"
#include "welcomepanel.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QPushButton;
class QScrollArea;
class QVBoxLayout;

namespace microcosm {

class ChartsPanel;
class ControlsPanel;
class TheoryPanel;
class DatabaseInspector;
class EventTimeline;
class HttpFrontControl;
class LiveScenario;
class ReplayWindow;
class ScenarioPanel;
class ShopController;
class StorefrontPanel;
class TimeBar;
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
 * Every session the window runs is recorded (Recorder, run.microcosm in its
 * data directory; a scenario started on it starts a new recording), and
 * the recording is finished, as a headless run's is (settled, audited, with
 * its report and copies of its databases), when the session is replaced or
 * the window goes. The
 * time bar under the topology looks back at any recorded second: the
 * topology and the charts show that second (from the recording, read again
 * every few seconds while looking back), a banner says which, End goes
 * back to live. "Freeze the picture" (P) keeps every view as it is while
 * the run goes on; "Pause the load" (Space) stops new arrivals. File →
 * Open recording… plays a recording in a ReplayWindow.
 *
 * Invariants: owns the running shop (through its ShopController) and stops
 * it before any view is destroyed — a replaced session's views are deleted
 * before it is shut down, and its shutdown (which waits for the journeys
 * under way) runs on a worker thread that the window joins; a scenario's
 * run and the recording go before the shop they run on; every view is fed from the
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

    // What the views show: the live shop, the picture frozen ("Freeze the
    // picture"), or a past second of this run's recording.
    enum class ViewMode
    {
        Live,
        Frozen,
        Past
    };
    ViewMode viewMode() const { return m_viewMode; }
    // The second shown when not live (platform time, as the charts' axis).
    double viewTime() const { return m_viewTime; }
    // Shows the recorded second at or before t (the first or the newest
    // one recorded when t lies outside) in the topology, the charts, the
    // time bar and the banner; false, saying why in the status bar, when
    // there is no recording or nothing in it yet.
    bool showTime(double t);
    // Recorded seconds earlier (negative) or later; past the newest: live.
    void stepTime(int seconds);
    void showLive();
    // Freezes every view (the run goes on); off: live.
    void setFrozen(bool on);
    TimeBar *timeBar() const { return m_timeBar; }
    // The banner above the topology while not live (hidden when live).
    QPushButton *viewBanner() const { return m_banner; }
    // This session's recording (null when it could not be created: the
    // status bar said why).
    Recorder *recorder() const { return m_recorder.get(); }
    // File → Open recording… without its dialog: a replay window, or a
    // message box with the reason and null.
    ReplayWindow *openRecording(const QString &path);
    // The replay window opened last, while it is open.
    ReplayWindow *replayWindow() const;

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
    // A service action (ui/serviceactions.h) on the selected node, or a word
    // on how to select one.
    void onSelectedService(ServiceAction what);
    void exportCsv(CsvLayout layout = CsvLayout::Long);
    void exportTopology();
    void exportCharts();
    void exportTraces();
    void openScenarioDialog();
    void openRecordingDialog();
    void saveScenarioDialog();
    void rerunScenario();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildDocks();
    void buildCentre();
    void buildViews();
    // A new recording of the current session (replacing the one of it under way).
    void startRecording(const QJsonObject &scenario);
    // Reads this run's recording now (it is being written).
    void readRecording();
    void updateTimeRange();
    void updateBanner();
    // The journeys/s the load asked for at platform time t, for the users' box.
    double usersRateAt(double t) const;
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
    QString m_scenarioPath; // the scenario file last opened: Find capacity's default
    ShopController *m_controller = nullptr;
    std::unique_ptr<LiveScenario> m_live; // destroyed before the shop it runs on
    std::optional<Scenario> m_lastScenario;
    TopologyView *m_topology = nullptr;
    ChartsPanel *m_charts = nullptr;
    ControlsPanel *m_controls = nullptr;
    QScrollArea *m_controlsScroll = nullptr;
    EventTimeline *m_timeline = nullptr;
    TheoryPanel *m_theory = nullptr;
    DatabaseInspector *m_inspector = nullptr;
    StorefrontPanel *m_storefront = nullptr;
    ScenarioPanel *m_scenarioPanel = nullptr;
    QList<QDockWidget *> m_docks;
    QMenu *m_scenariosMenu = nullptr;
    QLabel *m_statusLabel = nullptr;
    HttpFrontControl *m_http = nullptr;
    QAction *m_loadAction = nullptr;
    QAction *m_presenterAction = nullptr;
    QAction *m_freezeAction = nullptr;
    QWidget *m_centre = nullptr; // the banner, the topology and the time bar
    QVBoxLayout *m_centreLayout = nullptr;
    QPushButton *m_banner = nullptr;
    TimeBar *m_timeBar = nullptr;
    ViewMode m_viewMode = ViewMode::Live;
    double m_viewTime = 0;
    // The recording of the current session: destroyed before it goes.
    std::unique_ptr<Recorder> m_recorder;
    quint64 m_recorderGeneration = 0; // drops a read of a replaced recording
    double m_recordStart = 0;         // platform time when it began
    QString m_recordingTitle;         // its scenario's title
    bool m_loadStartSet = false;
    std::optional<Recording> m_recording; // read while looking back
    QTimer m_rereadTimer;
    double m_seekTo = 0; // the last second a drag asked for
    bool m_seekPending = false;
    QPointer<ReplayWindow> m_replay;
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
    BackgroundJob m_reader; // reads the recording again while looking back
};

} // namespace microcosm
