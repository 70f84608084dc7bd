#pragma once

#include "scenario.h"
#include "shopsession.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>

class QAction;
class QDockWidget;
class QLabel;

namespace microcosm {

class ChartsPanel;
class ScenarioRun;
class ControlsPanel;
class DatabaseInspector;
class EventTimeline;
class ShopController;
class StorefrontPanel;
class TopologyView;

/*
 * The main window: the topology in the middle, charts below, controls,
 * event timeline, storefront and database inspector in docks, with menus,
 * shortcuts (Space load, K kill, R restart the selected service), export,
 * presenter mode and saved layout.
 *
 * Invariants: owns the running shop (through its ShopController) and stops
 * it before any view is destroyed; every view is fed from the controller's
 * timer-pulled snapshots, never by a signal per request; with
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
    };

    explicit MainWindow(std::unique_ptr<ShopSession> session, Options options);
    explicit MainWindow(std::unique_ptr<ShopSession> session);
    ~MainWindow() override;

    ShopController *controller() const { return m_controller; }
    TopologyView *topology() const { return m_topology; }
    ChartsPanel *charts() const { return m_charts; }
    ControlsPanel *controls() const { return m_controls; }
    EventTimeline *timeline() const { return m_timeline; }
    DatabaseInspector *inspector() const { return m_inspector; }
    StorefrontPanel *storefront() const { return m_storefront; }
    QDockWidget *dock(const QString &name) const;

    // Runs a scenario on this window's shop: its policies, load and timeline
    // (time 0 is now). Replaces the load started by hand, if any.
    void startScenario(const Scenario &scenario);
    ScenarioRun *scenarioRun() const { return m_run.get(); }

    void setPresenterMode(bool on);
    bool presenterMode() const { return m_presenter; }
    // Shows and raises a dock ("controls", "events", "storefront", "databases", "charts").
    void showDock(const QString &name);

public slots:
    void killSelected();
    void restartSelected();
    void exportCsv();
    void exportTopology();
    void exportCharts();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildDocks();
    void buildMenus();
    void updateStatus();
    void saveSettings();
    void restoreSettings();
    QString askPath(const QString &title, const QString &name, const QString &filters);

    Options m_options;
    ShopController *m_controller;
    std::unique_ptr<ScenarioRun> m_run; // destroyed before the shop it runs on
    TopologyView *m_topology;
    ChartsPanel *m_charts = nullptr;
    ControlsPanel *m_controls = nullptr;
    EventTimeline *m_timeline = nullptr;
    DatabaseInspector *m_inspector = nullptr;
    StorefrontPanel *m_storefront = nullptr;
    QList<QDockWidget *> m_docks;
    QLabel *m_statusLabel = nullptr;
    QAction *m_loadAction = nullptr;
    QAction *m_presenterAction = nullptr;
    QFont m_baseFont;
    bool m_presenter = false;
    bool m_saved = false;
};

} // namespace microcosm
