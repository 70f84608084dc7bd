#pragma once

#include "chaos.h"
#include "eventlog.h"
#include "scenario.h"
#include "shopsession.h"
#include "snapshot.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>
#include <vector>

namespace microcosm {

// A rate set by hand in the window's controls, as the event the window logs
// for it says ("load-change": "load 60 → 90 journeys/s (set in the
// controls)", half a second after the control came to rest); null for any
// other event.
struct HandSetRate
{
    double from = 0, to = 0;
};
std::optional<HandSetRate> handSetRate(const Event &event);
// The event's sentence: the one place its words are written, beside the
// one place they are read back.
QString handSetRateMessage(double from, double to);

/*
 * The GUI's one door to a running shop. Commands go through the platform's
 * control API (kill, restart, scale, autoscalers, rolling updates), the
 * gateway's policies, the chaos controller and the load generator; what the
 * views show comes from snapshots this object pulls on a timer (15 Hz by
 * default) and hands out as plain values.
 *
 * Invariants: lives on the GUI thread and is only called there; never
 * receives anything per request (workers write counters, the GUI pulls);
 * owns the session, and shuts it down (joining every worker thread) before
 * any view that might still receive a queued completion goes away.
 */
class ShopController : public QObject
{
    Q_OBJECT
public:
    explicit ShopController(std::unique_ptr<ShopSession> session, QObject *parent = nullptr);
    ~ShopController() override;

    ShopSession &session() { return *m_session; }
    Platform &platform() { return m_session->platform(); }
    LoadGenerator &load() { return m_session->load(); }
    // What runs: the shop, or the architecture the session was started on.
    const Architecture &architecture() const { return m_session->architecture(); }
    // Whether the architecture has the shop's product, cart and order
    // services (alone or co-located), so the shop's routes answer.
    bool hasShop() const;
    // A deployable as the panels name it: "cart", or a monolith with its
    // modules, "monolith (product, cart, order)".
    QString displayName(const QString &deployable) const;
    // The file name of a deployable's database ("cart.db", "shared.db"), and
    // every deployable that uses that same file (itself included).
    QString databaseFile(const QString &deployable) const;
    QStringList databaseUsers(const QString &deployable) const;

    // The latest snapshot pulled (empty before the first tick).
    const SystemSnapshot &snapshot() const { return m_snapshot; }
    // t of the newest closed one-second window (0 before the first one).
    double lastWindow() const { return m_lastWindow; }

    void setPollInterval(int ms);
    int pollInterval() const { return m_timer.interval(); }
    // Pulls a snapshot now (also done on the timer).
    void poll();

    bool loadRunning() const;
    double rate() const;
    int configuredReplicas(const QString &service) const;

    // Policies of caller→service edges; an empty service is the caller's
    // default for every service ("users→*").
    EdgePolicy policy(const QString &caller, const QString &service) const;
    void setPolicy(const QString &caller, const QString &service, const EdgePolicy &policy);
    // Edges whose policy was set here or by a scenario (an empty service: a
    // caller's default).
    QList<EntityKey> policyKeys() const { return m_policyKeys; }
    double rateLimit() const;
    double rateLimitBurst() const { return m_rateLimitBurst; }
    void setRateLimit(double perSecond, double burst);
    // Operator override of an edge's breaker: "closed", "disabled", "forced-open".
    bool setBreakerState(const QString &caller, const QString &service, BreakerState state);

    AutoscalerConfig autoscaler(const QString &service) const;
    bool setAutoscaler(const QString &service, const AutoscalerConfig &config);

    Fault serviceFault(const QString &service) const;
    Fault linkFault(const QString &caller, const QString &service) const;
    void setServiceFault(const QString &service, const Fault &fault);
    void setLinkFault(const QString &caller, const QString &service, const Fault &fault);
    // Every fault, database lock and the chaos monkey off.
    void clearFaults();
    // The database faults: writes blocked (reads go on), or the whole file
    // locked (reads fail too); None ends either.
    DatabaseFault databaseFault(const QString &service) const;
    bool setDatabaseFault(const QString &service, DatabaseFault fault);
    // Either fault on; locking is blocking writes (the fault's first name).
    bool databaseLocked(const QString &service) const;
    bool setDatabaseLocked(const QString &service, bool locked);
    bool monkeyRunning() const;
    double monkeyMeanSeconds() const { return m_monkeyMean; }
    void startMonkey(double meanSecondsBetweenFailures);
    void stopMonkey();

    // Replaces the service's replicas one by one with the next version
    // ("v1" → "v2"), readiness-gated, each new one available only after
    // RollingUpdateMinReadySeconds; false while one is already under way.
    bool startRollingUpdate(const QString &service);
    // Long enough to watch each step: the surge replica, then the old one going.
    static constexpr double RollingUpdateMinReadySeconds = 3;
    bool rollingUpdateInProgress(const QString &service) const;

    // The load's shape from now on (ramp, spike, wave around the current
    // rate); Constant stops shaping. The generator changes only its rate
    // live, so the shape is played from here: its rate is set to the
    // profile's value four times a second, and each of the shape's changes
    // is a "load-change" event when its time comes. Moving the rate by hand
    // ends it; a rate set by hand is one event once the control rests.
    void setLoadShape(const LoadProfile &profile);
    // The shape being played, with its time measured from when it began;
    // a constant profile at the current rate when none is.
    LoadProfile loadShape() const;
    bool shaping() const { return m_shaping; }

    // Records what a scenario set, so that the controls and "Save scenario"
    // show it (the gateway has no getter for the burst).
    void adoptScenarioSettings(const Scenario &scenario);

    // Stops the load and every service thread; idempotent.
    void shutdown();
    // Stops pulling and hands the session over (to be shut down elsewhere);
    // every command after this is ignored.
    std::unique_ptr<ShopSession> takeSession();

public slots:
    void startLoad();
    void pauseLoad();
    void toggleLoad();
    void setRate(double journeysPerSecond);
    bool killService(const QString &service);
    bool killReplica(const QString &service, int index);
    bool restartService(const QString &service);
    bool scaleService(const QString &service, int replicas);
    bool scaleBy(const QString &service, int delta);

signals:
    void snapshotUpdated(const microcosm::SystemSnapshot &snapshot);
    // A new one-second window closed (charts refresh on this, at 1 Hz).
    void windowClosed(double t);
    void eventsAdded(const std::vector<microcosm::Event> &events);
    void loadStateChanged(bool running);
    void rateChanged(double journeysPerSecond);
    // A one-line account of what a command did, for the status bar.
    void message(const QString &text);
    // A policy, the rate limit or an autoscaler changed (by a control, a menu or a scenario).
    void policiesChanged();
    // A fault, a database lock or the chaos monkey changed.
    void chaosChanged();
    void loadShapeChanged();

private:
    std::unique_ptr<ShopSession> m_session;
    QTimer m_timer;
    SystemSnapshot m_snapshot;
    QTimer m_shapeTimer;
    QElapsedTimer m_shapeClock;
    LoadProfile m_shape;
    QList<LoadChange> m_shapeChanges; // the shape's, from the next one due
    bool m_shaping = false;
    QTimer m_rateEventTimer;  // a rate set by hand: the event once the control rests
    double m_rateBefore = -1; // the rate before the hand started moving it, or -1
    QList<EntityKey> m_policyKeys;
    double m_rateLimitBurst = 0;
    double m_monkeyMean = 10;
    qint64 m_lastSeq = 0;
    bool m_loadWasRunning = false;
    double m_lastWindow = 0;
    bool m_shutdown = false;
};

} // namespace microcosm
