#include "shopsession.h"

#include "auditor.h"
#include "datafiles.h"
#include "genericservice.h"
#include "journeyworkload.h"
#include "prometheus.h"
#include "sqlite.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

#include <thread>

namespace microcosm {

namespace {

Architecture shopWith(const ShopConfig &shop)
{
    Architecture a = Architecture::shop();
    *a.configOf(QStringLiteral("product")) = shop.product;
    *a.configOf(QStringLiteral("cart")) = shop.cart;
    *a.configOf(QStringLiteral("order")) = shop.order;
    // The restocking rule too: a session made from a ShopConfig dropped it,
    // and the memory figure's shop never restocked (it sold out at ~180 s).
    for (ServiceSpec &s : a.services)
        if (s.name == QLatin1String("product"))
            s.restock = shop.restock;
    return a;
}

} // namespace

ShopSession::ShopSession(const QString &dataDir, const ShopConfig &shop,
                         const PlatformConfig &platform, const LoadConfig &load)
    : ShopSession(dataDir, shopWith(shop), platform, load)
{
}

ShopSession::ShopSession(const QString &dataDir, const Architecture &architecture,
                         const PlatformConfig &platform, const LoadConfig &load)
    : m_lock(std::make_unique<DataDirLock>(dataDir)), m_architecture(architecture),
      m_platform(std::make_unique<Platform>(dataDir, platform))
{
    // The shop's own journeys, unless the architecture writes its own or
    // lacks the shop's services.
    if (architecture.usesShopJourneys())
        m_workload = std::make_shared<ShopWorkload>(int(catalogue().size()), m_platform->runId());
    else
        m_workload = std::make_shared<JourneyWorkload>(architecture.effectiveJourneys(),
                                                       m_platform->runId());
    if (architecture.isShop()) {
        ShopConfig shop;
        shop.product = *architecture.configOf(QStringLiteral("product"));
        shop.cart = *architecture.configOf(QStringLiteral("cart"));
        shop.order = *architecture.configOf(QStringLiteral("order"));
        shop.restock = architecture.service(QStringLiteral("product"))->restock;
        installShop(*m_platform, shop);
    } else {
        architecture.install(*m_platform);
    }
    m_load = std::make_unique<LoadGenerator>(*m_platform, m_workload, load);
}

ShopSession::~ShopSession()
{
    shutdown();
}

QStringList ShopSession::checkDataDir(const QString &dataDir)
{
    return checkDataFiles(dataDir);
}

QStringList ShopSession::checkDataDir(const QString &dataDir, const Architecture &architecture)
{
    if (architecture.isShop())
        return checkDataFiles(dataDir);
    QList<const DataFileKind *> kinds;
    const QList<std::shared_ptr<DatabaseFile>> files = databaseFiles(architecture);
    for (const std::shared_ptr<DatabaseFile> &f : files)
        kinds << &f->kind;
    return checkDataFiles(dataDir, kinds);
}

bool ShopSession::start(Duration timeout)
{
    if (dataDirInUse()) {
        m_startError = m_lock->error();
        return false;
    }
    m_platform->start();
    if (waitReady(timeout))
        return true;
    QStringList late;
    const QList<Platform::DatabaseFailure> failures = m_platform->databaseFailures();
    for (ServiceHost *h : m_platform->hosts()) {
        if (h->readyCount() >= h->config().replicas)
            continue;
        QString why;
        for (const Platform::DatabaseFailure &f : failures)
            if (f.service == h->name())
                why = QStringLiteral("; %1: %2").arg(f.path, f.lastReason);
        late << QStringLiteral("%1 (%2 of %3 replicas ready%4)")
                    .arg(h->name())
                    .arg(h->readyCount())
                    .arg(h->config().replicas)
                    .arg(why);
    }
    m_startError = QStringLiteral("the services did not become ready within %1 s: %2")
                       .arg(std::chrono::duration_cast<std::chrono::seconds>(timeout).count())
                       .arg(late.join(QStringLiteral(", ")));
    return false;
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

bool ShopSession::startHttp(net::HttpFrontOptions options, QString *error)
{
    stopHttp();
    std::weak_ptr<TrackedWorkload> workload = m_workload;
    options.onOrderAcknowledged = [workload](const QString &orderId) {
        if (const auto w = workload.lock())
            w->acknowledge(orderId);
    };
    m_http = std::make_unique<net::HttpFront>(*m_platform, std::move(options));
    net::addMetricsEndpoint(*m_http, *m_platform, m_load.get()); // GET /metrics
    net::addTracesEndpoint(*m_http, *m_platform);                // GET /traces
    if (m_http->start(error))
        return true;
    m_http.reset();
    return false;
}

void ShopSession::stopHttp()
{
    if (m_http)
        m_http->stop();
}

bool ShopSession::quiesce(Duration timeout)
{
    const TimePoint until = Clock::now() + timeout;
    stopHttp(); // no new outside requests while the run settles
    m_load->stop();
    if (!m_load->waitIdle(timeout))
        return false;
    while (Clock::now() < until) {
        const AuditReport a =
            audit(m_platform->dataDir(), {}, m_architecture.isShop() ? nullptr : &m_architecture);
        if (a.pendingOrders == 0 && a.outboxRows == 0)
            return true;
        std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
}

AuditReport ShopSession::runAudit() const
{
    return audit(m_platform->dataDir(), m_workload->acknowledgedOrders(),
                 m_architecture.isShop() ? nullptr : &m_architecture);
}

void ShopSession::shutdown()
{
    stopHttp();
    if (!m_load)
        return;
    m_load->stop();
    m_load->waitIdle(seconds(10));
    m_platform->shutdown();
    m_finalLoadStats = m_load->stats();
    m_load.reset();
}

} // namespace microcosm
