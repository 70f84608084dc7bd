#include "shopsession.h"

#include "auditor.h"

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
    // Start-up only: polls the replicas' states until their cold starts are over.
    const TimePoint until = Clock::now() + timeout;
    while (!allReady() && Clock::now() < until)
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
