#pragma once

#include "architecture.h"
#include "auditor.h"
#include "datadirlock.h"
#include "httpfront.h"
#include "loadgenerator.h"
#include "platform.h"
#include "shop.h"

#include <memory>

namespace microcosm {

// A running architecture (the shop unless told otherwise): the platform
// with its deployables installed, the users' workload and the load
// generator, in one data directory. What the headless runner, the GUI and
// the tests all start from.
class ShopSession
{
public:
    explicit ShopSession(const QString &dataDir, const ShopConfig &shop = ShopConfig::defaults(),
                         const PlatformConfig &platform = {}, const LoadConfig &load = {});
    ShopSession(const QString &dataDir, const Architecture &architecture,
                const PlatformConfig &platform = {}, const LoadConfig &load = {});
    ~ShopSession();

    Platform &platform() { return *m_platform; }
    LoadGenerator &load() { return *m_load; }
    // The load generator's figures, also after shutdown (as it left them).
    LoadGenerator::Stats loadStats() const { return m_load ? m_load->stats() : m_finalLoadStats; }
    TrackedWorkload &workload() { return *m_workload; }
    std::shared_ptr<TrackedWorkload> workloadPtr() const { return m_workload; }
    const Architecture &architecture() const { return m_architecture; }

    // Problems with the database files already in dataDir (a file that is not
    // an SQLite database, a file that cannot be read), one message each,
    // naming the file. Checked before anything opens them for writing, so a
    // bad file is reported and left exactly as it was.
    static QStringList checkDataDir(const QString &dataDir);
    static QStringList checkDataDir(const QString &dataDir, const Architecture &architecture);

    // Starts every service; true once each replica is ready (within timeout).
    // False at once when another process holds the data directory.
    bool start(Duration timeout = seconds(30));
    // Why start() failed, in words: the lock's holder, or the services that
    // did not become ready. Empty before a failed start().
    QString startError() const { return m_startError; }
    // True when another process owns the data directory (see DataDirLock).
    bool dataDirInUse() const { return !m_lock->isLocked(); }
    bool allReady() const;
    bool waitReady(Duration timeout);
    // Stops the load and waits for journeys under way, compensations and the
    // order outbox to finish; true when everything settled within timeout.
    bool quiesce(Duration timeout = seconds(15));
    // The auditor's proof for this architecture, with the orders the users
    // were told succeeded; after quiesce() or shutdown().
    AuditReport runAudit() const;
    // Stops every thread and closes every database file.
    void shutdown();

    // The HTTP front on this session's gateway, after start(): the orders it
    // acknowledges are audited like the simulated users' ones. Stopped by
    // stopHttp(), quiesce() and shutdown() (before the services stop).
    // False with *error when it cannot listen.
    bool startHttp(net::HttpFrontOptions options, QString *error);
    void stopHttp();
    net::HttpFront *http() { return m_http.get(); }

private:
    std::unique_ptr<DataDirLock> m_lock; // first: claimed before anything opens a file
    QString m_startError;
    Architecture m_architecture;
    std::shared_ptr<TrackedWorkload> m_workload;
    std::unique_ptr<Platform> m_platform;
    std::unique_ptr<LoadGenerator> m_load;
    LoadGenerator::Stats m_finalLoadStats;
    std::unique_ptr<net::HttpFront> m_http; // stopped before the platform
};

} // namespace microcosm
