#include "shopsession.h"

#include "auditor.h"
#include "sqlite.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

#include <thread>

namespace microcosm {

ShopSession::ShopSession(const QString &dataDir, const ShopConfig &shop,
                         const PlatformConfig &platform, const LoadConfig &load)
    : m_workload(std::make_shared<ShopWorkload>(int(catalogue().size()))),
      m_platform(std::make_unique<Platform>(dataDir, platform))
{
    installShop(*m_platform, shop);
    m_load = std::make_unique<LoadGenerator>(*m_platform, m_workload, load);
}

ShopSession::~ShopSession()
{
    shutdown();
}

QStringList ShopSession::checkDataDir(const QString &dataDir)
{
    QStringList problems;
    for (const QString &service :
         {QStringLiteral("product"), QStringLiteral("cart"), QStringLiteral("order")}) {
        const QString path = QDir(dataDir).filePath(service + QStringLiteral(".db"));
        const QFileInfo info(path);
        if (!info.exists())
            continue;
        if (!info.isFile() || !info.isReadable() || !info.isWritable()) {
            problems << QStringLiteral("%1: must be a readable and writable file").arg(path);
            continue;
        }
        try {
            Database db(path, Database::Mode::ReadOnly);
        } catch (const DbError &e) {
            problems << QStringLiteral(
                            "%1 is not a usable SQLite database (%2); it was left untouched — "
                            "move it away or choose another --data-dir")
                            .arg(path,
                                 QString::fromUtf8(e.what()).section(QStringLiteral(": "), -1));
        }
    }
    return problems;
}

bool ShopSession::start(Duration timeout)
{
    m_platform->start();
    return waitReady(timeout);
}

bool ShopSession::allReady() const
{
    for (ServiceHost *h : m_platform->hosts())
        if (h->readyCount() < h->config().replicas)
            return false;
    return true;
}

bool ShopSession::waitReady(Duration timeout)
{
    // Start-up only: polls the replicas' states until their cold starts are over,
    // or until a service has no replica left that could become ready.
    auto hopeless = [this] {
        for (ServiceHost *h : m_platform->hosts()) {
            const auto replicas = h->replicas();
            const bool anyAlive = std::any_of(replicas.begin(), replicas.end(),
                                              [](const auto &r) { return r && !r->killed(); });
            if (!anyAlive)
                return true;
        }
        return false;
    };
    const TimePoint until = Clock::now() + timeout;
    while (!allReady() && !hopeless() && Clock::now() < until)
        std::this_thread::sleep_for(milliseconds(10));
    return allReady();
}

bool ShopSession::quiesce(Duration timeout)
{
    const TimePoint until = Clock::now() + timeout;
    m_load->stop();
    if (!m_load->waitIdle(timeout))
        return false;
    while (Clock::now() < until) {
        const AuditReport a = audit(m_platform->dataDir());
        if (a.pendingOrders == 0 && a.outboxRows == 0)
            return true;
        std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
}

void ShopSession::shutdown()
{
    if (!m_load)
        return;
    m_load->stop();
    m_load->waitIdle(seconds(10));
    m_platform->shutdown();
    m_load.reset();
}

} // namespace microcosm
