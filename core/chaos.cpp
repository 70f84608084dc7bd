#include "chaos.h"

#include "edgekey.h"
#include "platform.h"
#include "sqlite.h"

#include <QFileInfo>

namespace microcosm {

ChaosController::ChaosController(Platform &platform) : m_platform(platform) {}

ChaosController::~ChaosController() = default;

void ChaosController::setServiceFault(const QString &service, const Fault &fault)
{
    m_platform.faults().setService(service, fault);
    m_platform.events().add(
        service, fault.active() ? QStringLiteral("fault-start") : QStringLiteral("fault-end"),
        fault.active() ? QStringLiteral("fault injected into %1: %2").arg(service, fault.describe())
                       : QStringLiteral("faults on %1 cleared").arg(service));
}

void ChaosController::setLinkFault(const QString &caller, const QString &service,
                                   const Fault &fault)
{
    const QString link = edgeLabel(caller, service);
    m_platform.faults().setLink(caller, service, fault);
    m_platform.events().add(
        edgeKey(caller, service),
        fault.active() ? QStringLiteral("fault-start") : QStringLiteral("fault-end"),
        fault.active() ? QStringLiteral("fault injected on %1: %2").arg(link, fault.describe())
                       : QStringLiteral("faults on %1 cleared").arg(link));
}

void ChaosController::clearAll()
{
    m_platform.faults().clearAll();
    for (const QString &s : m_platform.serviceNames())
        releaseDatabase(s);
    stopMonkey();
    m_platform.events().add(QStringLiteral("chaos"), QStringLiteral("fault-end"),
                            QStringLiteral("all faults cleared"));
}

QString ChaosController::fileOf(const QString &service) const
{
    // A shared database is named by its file, not by the service it was reached through.
    return QFileInfo(m_platform.databasePath(service)).fileName();
}

bool ChaosController::blockWrites(const QString &service)
{
    if (!m_platform.host(service))
        return false;
    if (databaseFault(service) == DatabaseFault::FileLocked)
        releaseDatabase(service);
    {
        std::lock_guard lock(m_mutex);
        if (m_locks.count(service))
            return true;
        try {
            // No busy wait: if a writer holds the file right now, try again shortly.
            auto db = std::make_unique<Database>(m_platform.databasePath(service),
                                                 Database::Mode::ReadWrite, 0);
            db->execScript(QStringLiteral("BEGIN EXCLUSIVE"));
            m_locks[service] = {DatabaseFault::WritesBlocked, std::move(db)};
            setLockHeldForLong(m_platform.databasePath(service), true);
        } catch (const DbError &) {
            m_platform.scheduler().after(milliseconds(5),
                                         [this, service] { blockWrites(service); });
            return true;
        }
    }
    m_platform.events().add(
        service, QStringLiteral("fault-start"),
        QStringLiteral("%1: writes blocked, reads go on (writes wait for the busy timeout and "
                       "fail)")
            .arg(fileOf(service)));
    return true;
}

bool ChaosController::lockFile(const QString &service)
{
    if (!m_platform.host(service))
        return false;
    if (databaseFault(service) == DatabaseFault::WritesBlocked)
        releaseDatabase(service);
    {
        std::lock_guard lock(m_mutex);
        if (m_locks.count(service))
            return true;
        setWholeFileLock(m_platform.databasePath(service), true);
        setLockHeldForLong(m_platform.databasePath(service), true);
        m_locks[service] = {DatabaseFault::FileLocked, nullptr};
    }
    m_platform.events().add(service, QStringLiteral("fault-start"),
                            QStringLiteral("%1: whole file locked, reads and writes wait for "
                                           "the busy timeout and fail")
                                .arg(fileOf(service)));
    return true;
}

bool ChaosController::releaseDatabase(const QString &service)
{
    DatabaseLock released;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_locks.find(service);
        if (it == m_locks.end())
            return false;
        released = std::move(it->second);
        m_locks.erase(it);
        if (released.fault == DatabaseFault::FileLocked)
            setWholeFileLock(m_platform.databasePath(service), false);
        setLockHeldForLong(m_platform.databasePath(service), false);
    }
    if (released.writer)
        released.writer->execScript(QStringLiteral("ROLLBACK"));
    m_platform.events().add(service, QStringLiteral("fault-end"),
                            released.fault == DatabaseFault::FileLocked
                                ? QStringLiteral("%1: file unlocked").arg(fileOf(service))
                                : QStringLiteral("%1: writes unblocked").arg(fileOf(service)));
    return true;
}

void ChaosController::releaseLocks()
{
    std::lock_guard lock(m_mutex);
    for (const auto &[service, held] : m_locks) {
        if (held.fault == DatabaseFault::FileLocked)
            setWholeFileLock(m_platform.databasePath(service), false);
        setLockHeldForLong(m_platform.databasePath(service), false);
    }
    m_locks.clear(); // closing a connection rolls its transaction back
}

DatabaseFault ChaosController::databaseFault(const QString &service) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_locks.find(service);
    return it == m_locks.end() ? DatabaseFault::None : it->second.fault;
}

bool ChaosController::databaseLocked(const QString &service) const
{
    return databaseFault(service) != DatabaseFault::None;
}

void ChaosController::startMonkey(const ChaosMonkeyConfig &config)
{
    quint64 generation;
    {
        std::lock_guard lock(m_mutex);
        m_monkey = config;
        if (m_monkey.services.isEmpty())
            m_monkey.services = m_platform.serviceNames();
        m_rng.seed(config.seed);
        generation = ++m_monkeyGeneration;
        m_monkeyRunning = true;
    }
    m_platform.events().add(
        QStringLiteral("chaos"), QStringLiteral("monkey-on"),
        QStringLiteral("chaos monkey on: a failure every %1 s on average among %2, down for %3 ms")
            .arg(config.meanSecondsBetweenFailures)
            .arg(m_monkey.services.join(QStringLiteral(", ")))
            .arg(qint64(toMs(config.restartDelay))));
    scheduleStrike(generation);
}

void ChaosController::stopMonkey()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_monkeyRunning)
            return;
        m_monkeyRunning = false;
        ++m_monkeyGeneration;
    }
    m_platform.events().add(QStringLiteral("chaos"), QStringLiteral("monkey-off"),
                            QStringLiteral("chaos monkey off"));
}

bool ChaosController::monkeyRunning() const
{
    std::lock_guard lock(m_mutex);
    return m_monkeyRunning;
}

void ChaosController::scheduleStrike(quint64 generation)
{
    Duration gap;
    {
        std::lock_guard lock(m_mutex);
        gap = std::chrono::duration_cast<Duration>(
            std::chrono::duration<double>(std::exponential_distribution<double>(
                1.0 / std::max(0.1, m_monkey.meanSecondsBetweenFailures))(m_rng)));
    }
    m_platform.scheduler().after(gap, [this, generation] { monkeyStrike(generation); });
}

void ChaosController::monkeyStrike(quint64 generation)
{
    QString service;
    bool whole = false;
    int replicaIndex = -1;
    Duration restartDelay;
    {
        std::lock_guard lock(m_mutex);
        if (!m_monkeyRunning || generation != m_monkeyGeneration)
            return;
        service = m_monkey.services.value(
            std::uniform_int_distribution<int>(0, int(m_monkey.services.size()) - 1)(m_rng));
        whole =
            std::uniform_real_distribution<double>(0, 100)(m_rng) < m_monkey.wholeServicePercent;
        replicaIndex = std::uniform_int_distribution<int>(0, 63)(m_rng);
        restartDelay = m_monkey.restartDelay;
    }
    if (ServiceHost *h = m_platform.host(service)) {
        if (whole) {
            h->kill(QStringLiteral("by the chaos monkey"));
        } else {
            const auto replicas = h->replicas();
            std::vector<int> alive;
            for (const auto &r : replicas)
                if (r && !r->killed())
                    alive.push_back(r->index());
            if (!alive.empty())
                h->killReplica(alive[replicaIndex % alive.size()],
                               QStringLiteral("by the chaos monkey"));
        }
        m_platform.scheduler().after(restartDelay, [h] { h->restart(); });
    }
    scheduleStrike(generation);
}

} // namespace microcosm
