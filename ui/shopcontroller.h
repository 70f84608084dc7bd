#pragma once

#include "eventlog.h"
#include "shopsession.h"
#include "snapshot.h"

#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

namespace microcosm {

/*
 * The GUI's one door to a running shop. Commands go through the platform's
 * control API (kill, restart, scale) and the load generator; what the views
 * show comes from snapshots this object pulls on a timer (15 Hz by default)
 * and hands out as plain values.
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

    // The latest snapshot pulled (empty before the first tick).
    const SystemSnapshot &snapshot() const { return m_snapshot; }
    // Breakers, retries and bulkheads of every edge called so far, pulled with the snapshot.
    const std::vector<EdgeStatus> &edgeStatus() const { return m_edgeStatus; }
    // t of the newest closed one-second window (0 before the first one).
    double lastWindow() const { return m_lastWindow; }

    void setPollInterval(int ms);
    int pollInterval() const { return m_timer.interval(); }
    // Pulls a snapshot now (also done on the timer).
    void poll();

    bool loadRunning() const;
    double rate() const;
    int configuredReplicas(const QString &service) const;

    // Stops the load and every service thread; idempotent.
    void shutdown();

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

private:
    std::unique_ptr<ShopSession> m_session;
    QTimer m_timer;
    SystemSnapshot m_snapshot;
    std::vector<EdgeStatus> m_edgeStatus;
    qint64 m_lastSeq = 0;
    double m_lastWindow = 0;
    bool m_shutdown = false;
};

} // namespace microcosm
