#include "shopcontroller.h"

#include <algorithm>

namespace microcosm {

ShopController::ShopController(std::unique_ptr<ShopSession> session, QObject *parent)
    : QObject(parent), m_session(std::move(session))
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(66);
    connect(&m_timer, &QTimer::timeout, this, &ShopController::poll);
    m_timer.start();
}

ShopController::~ShopController()
{
    shutdown();
}

void ShopController::shutdown()
{
    if (m_shutdown)
        return;
    m_shutdown = true;
    m_timer.stop();
    m_session->shutdown();
}

void ShopController::setPollInterval(int ms)
{
    m_timer.setInterval(std::clamp(ms, 10, 1000));
}

void ShopController::poll()
{
    if (m_shutdown)
        return;
    m_snapshot = platform().snapshot();
    m_edgeStatus = platform().gateway().edgeStatus();
    emit snapshotUpdated(m_snapshot);
    if (m_snapshot.lastEventSeq > m_lastSeq) {
        std::vector<Event> fresh = platform().events().since(m_lastSeq);
        if (!fresh.empty()) {
            m_lastSeq = fresh.back().seq;
            emit eventsAdded(fresh);
        }
    }
    const double t = m_snapshot.gateway.last.t;
    if (t > m_lastWindow) {
        m_lastWindow = t;
        emit windowClosed(t);
    }
}

bool ShopController::loadRunning() const
{
    return !m_shutdown && m_session->load().running();
}

double ShopController::rate() const
{
    return m_session->load().rate();
}

int ShopController::configuredReplicas(const QString &service) const
{
    ServiceHost *h = m_session->platform().host(service);
    return h ? h->config().replicas : 0;
}

void ShopController::startLoad()
{
    if (m_shutdown || loadRunning())
        return;
    load().start();
    emit loadStateChanged(true);
    emit message(tr("Load started: %1 journeys/s").arg(rate()));
}

void ShopController::pauseLoad()
{
    if (!loadRunning())
        return;
    load().stop();
    emit loadStateChanged(false);
    emit message(tr("Load paused: no new journeys (those under way finish)"));
}

void ShopController::toggleLoad()
{
    if (loadRunning())
        pauseLoad();
    else
        startLoad();
}

void ShopController::setRate(double journeysPerSecond)
{
    if (m_shutdown || qFuzzyCompare(rate() + 1, journeysPerSecond + 1))
        return;
    load().setRate(journeysPerSecond);
    emit rateChanged(rate());
}

bool ShopController::killService(const QString &service)
{
    const bool ok = !m_shutdown && platform().killService(service);
    emit message(ok ? tr("Killed %1: its replicas stopped; watch the other services keep serving")
                          .arg(service)
                    : tr("%1 has no live replica to kill").arg(service));
    if (ok)
        poll();
    return ok;
}

bool ShopController::killReplica(const QString &service, int index)
{
    const bool ok = !m_shutdown && platform().killReplica(service, index);
    emit message(ok ? tr("Killed %1#%2: the others take its traffic once the health probe "
                         "removes it")
                          .arg(service)
                          .arg(index + 1)
                    : tr("%1#%2 is already dead").arg(service).arg(index + 1));
    if (ok)
        poll();
    return ok;
}

bool ShopController::restartService(const QString &service)
{
    const bool ok = !m_shutdown && platform().restartService(service);
    emit message(
        ok ? tr("Restarting %1: dead replicas cold-start; the data on disk is kept").arg(service)
           : tr("%1 has no dead replica to restart").arg(service));
    if (ok)
        poll();
    return ok;
}

bool ShopController::scaleService(const QString &service, int replicas)
{
    replicas = std::clamp(replicas, 1, 16);
    const int from = configuredReplicas(service);
    if (m_shutdown || from == replicas)
        return false;
    const bool ok = platform().scaleService(service, replicas);
    if (ok) {
        emit message(tr("Scaled %1 from %2 to %3 replicas").arg(service).arg(from).arg(replicas));
        poll();
    }
    return ok;
}

bool ShopController::scaleBy(const QString &service, int delta)
{
    return scaleService(service, configuredReplicas(service) + delta);
}

} // namespace microcosm
