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

// What a database fault does to a service's file.
enum class DatabaseFault
{
    None,
    WritesBlocked, // writes wait and fail; reads go on
    FileLocked     // reads and writes wait and fail
};

// Faults on purpose, each one an event when it starts and when it ends:
// latency and errors on a service or a link, partitions, a slow database,
// blocked writes or a locked database file, and a chaos monkey that kills
// and restarts at random. Every action here goes through the platform's
// control API, the same one the GUI and the scenario timeline use.
class ChaosController
{
public:
    explicit ChaosController(Platform &platform);
    ~ChaosController();

    void setServiceFault(const QString &service, const Fault &fault);
    void setLinkFault(const QString &caller, const QString &service, const Fault &fault);
    void clearAll();

    // Blocks the writes to the service's database file: a connection of
    // its own holds the file's write lock (BEGIN EXCLUSIVE, which in WAL
    // mode locks out writers only). Writes wait for SQLite's busy timeout
    // and fail; reads go on, as WAL lets them.
    bool blockWrites(const QString &service);
    // Locks the whole file: reads and writes wait for the busy timeout and
    // fail, as behind a connection in exclusive locking mode that has
    // written (see setWholeFileLock in sqlite.h).
    bool lockFile(const QString &service);
    // Ends whichever of the two is on; false when none is.
    bool releaseDatabase(const QString &service);
    // "cart.db", or the shared file a service uses.
    QString fileOf(const QString &service) const;
    DatabaseFault databaseFault(const QString &service) const;
    // The first names of blockWrites and releaseDatabase ("lock-database",
    // "writes fail, reads go on"), kept for the scenarios that use them.
    bool lockDatabase(const QString &service) { return blockWrites(service); }
    bool unlockDatabase(const QString &service) { return releaseDatabase(service); }
    // Either fault is on.
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
    struct DatabaseLock
    {
        DatabaseFault fault = DatabaseFault::None;
        std::unique_ptr<Database> writer; // holds the write lock, for WritesBlocked
    };
    std::map<QString, DatabaseLock> m_locks; // faults on, by service
    ChaosMonkeyConfig m_monkey;
    std::mt19937_64 m_rng;
    quint64 m_monkeyGeneration = 0;
    bool m_monkeyRunning = false;
};

} // namespace microcosm
