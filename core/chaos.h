#pragma once

#include "faults.h"
#include "scheduler.h"

#include <QStringList>

#include <map>
#include <memory>
#include <mutex>
#include <random>

namespace microcosm {

class Database;
class Platform;

struct ChaosMonkeyConfig
{
    double meanSecondsBetweenFailures = 5; // exponential gaps between kills
    Duration restartDelay = seconds(2);    // how long a victim stays down
    QStringList services;                  // empty: every service
    double wholeServicePercent = 25;       // otherwise one replica
    quint64 seed = 1;
};

// Faults on purpose, each one an event when it starts and when it ends:
// latency and errors on a service or a link, partitions, a slow or locked
// database, and a chaos monkey that kills and restarts at random. Every
// action here goes through the platform's control API, the same one the
// GUI and the scenario timeline use.
class ChaosController
{
public:
    explicit ChaosController(Platform &platform);
    ~ChaosController();

    void setServiceFault(const QString &service, const Fault &fault);
    void setLinkFault(const QString &caller, const QString &service, const Fault &fault);
    void clearAll();

    // Holds an exclusive lock on the service's database file: its writes
    // wait for SQLite's busy timeout and then fail; reads go on (WAL).
    bool lockDatabase(const QString &service);
    bool unlockDatabase(const QString &service);
    bool databaseLocked(const QString &service) const;
    // At shutdown: lets every lock go, without events.
    void releaseLocks();

    void startMonkey(const ChaosMonkeyConfig &config);
    void stopMonkey();
    bool monkeyRunning() const;

private:
    void monkeyStrike(quint64 generation);
    void scheduleStrike(quint64 generation);

    Platform &m_platform;
    mutable std::mutex m_mutex;
    std::map<QString, std::unique_ptr<Database>> m_locks;
    ChaosMonkeyConfig m_monkey;
    std::mt19937_64 m_rng;
    quint64 m_monkeyGeneration = 0;
    bool m_monkeyRunning = false;
};

} // namespace microcosm
