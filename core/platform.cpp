#include "platform.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <QDir>
#include <QUuid>

#include <algorithm>

namespace microcosm {

Platform::Platform(QString dataDir, PlatformConfig config)
    : m_dataDir(std::move(dataDir)), m_runId(QUuid::createUuid().toString(QUuid::Id128).left(8)),
      m_config(config), m_start(Clock::now()), m_wallStart(std::chrono::system_clock::now()),
      m_traces(config.traceCapacity), m_traceSampleEvery(std::max(0, config.traceSampleEvery)),
      m_metrics(config.ringSeconds), m_events([this] { return elapsed(); }),
      m_scheduler(std::make_unique<Scheduler>()), m_gateway(*this),
      m_chaos(std::make_unique<ChaosController>(*this))
{
    QDir().mkpath(m_dataDir);
}

Platform::~Platform()
{
    shutdown();
}

void Platform::noteDatabaseFailure(const QString &service, const QString &source,
                                   const QString &reason)
{
    const double now = elapsed();
    bool announce = false;
    std::uint64_t count = 0;
    {
        std::lock_guard lock(m_dbFailureMutex);
        auto &[failure, lastEvent] = m_dbFailures[service];
        failure.service = service;
        failure.path = databasePath(service);
        failure.lastReason = reason;
        count = ++failure.count;
        announce = count == 1 || now - lastEvent >= 5.0;
        if (announce)
            lastEvent = now;
    }
    if (announce)
        m_events.add(source, QStringLiteral("database-failed"),
                     QStringLiteral("%1 cannot be used (%2 failure(s) so far): %3")
                         .arg(databasePath(service))
                         .arg(count)
                         .arg(reason));
}

QList<Platform::DatabaseFailure> Platform::databaseFailures() const
{
    std::lock_guard lock(m_dbFailureMutex);
    QList<DatabaseFailure> out;
    for (const auto &[service, entry] : m_dbFailures)
        out.append(entry.first);
    return out;
}

QString Platform::databasePath(const QString &service) const
{
    if (const ServiceHost *h = host(service))
        return h->databasePath();
    return QDir(m_dataDir).filePath(service + QStringLiteral(".db"));
}

ServiceHost &Platform::addService(std::shared_ptr<Service> service, ServiceConfig config,
                                  const QString &databaseFile)
{
    Q_ASSERT(!m_started);
    const QString path = QDir(m_dataDir).filePath(
        (databaseFile.isEmpty() ? service->name() : databaseFile) + QStringLiteral(".db"));
    m_hosts.push_back(
        std::make_unique<ServiceHost>(*this, std::move(service), std::move(config), path));
    ServiceHost &host = *m_hosts.back();
    m_gateway.addRoutes(host);
    m_metrics.entity(EntityKey::service(host.name()));
    return host;
}

void Platform::declareCall(const QString &from, const QString &to)
{
    Q_ASSERT(!m_started);
    const std::pair<QString, QString> call{from, to};
    if (std::find(m_declaredCalls.begin(), m_declaredCalls.end(), call) == m_declaredCalls.end())
        m_declaredCalls.push_back(call);
}

std::vector<std::pair<QString, QString>> Platform::declaredCalls() const
{
    return m_declaredCalls;
}

void Platform::start()
{
    if (m_started)
        return;
    m_started = true;
    m_start = Clock::now();
    m_wallStart = std::chrono::system_clock::now();
    m_metrics.entity(EntityKey::gateway());
    m_metrics.entity(EntityKey::client());
    for (auto &h : m_hosts)
        h->start();
    m_scheduler->every(seconds(1), [this] { rotateMetrics(); });
#ifdef __GLIBC__
    // Worker threads allocate and free requests and responses in their own
    // malloc arenas, and glibc keeps freed pages there. Handing whole free
    // pages back now and then slows resident memory's growth; it does not
    // stop it (microcosm-bench's memory figure and the README say by how much).
    m_scheduler->every(seconds(10), [] { malloc_trim(0); });
#endif
    for (auto &h : m_hosts) {
        const Duration period = h->service().maintenancePeriod();
        if (period > Duration::zero()) {
            ServiceHost *host = h.get();
            m_scheduler->every(period, [host] { host->runMaintenance(); });
        }
    }
    m_events.add(QStringLiteral("platform"), QStringLiteral("started"),
                 QStringLiteral("%1 services started in %2").arg(m_hosts.size()).arg(m_dataDir));
}

void Platform::shutdown()
{
    if (m_stopped)
        return;
    m_stopped = true;
    {
        std::lock_guard lock(m_controlMutex);
        m_autoscalers.clear();
    }
    // Timers first (they reach into the hosts), then every replica's workers.
    m_scheduler->stop();
    m_chaos->releaseLocks(); // a locked database must not hold up the workers' stop
    for (auto &h : m_hosts)
        h->shutdown();
}

qint64 Platform::unixNanos(TimePoint t) const
{
    const auto sinceStart = std::chrono::duration_cast<nanoseconds>(t - m_start);
    return std::chrono::duration_cast<nanoseconds>(m_wallStart.time_since_epoch()).count() +
           sinceStart.count();
}

void Platform::setTraceSampling(int everyN)
{
    m_traceSampleEvery.store(std::max(0, everyN), std::memory_order_relaxed);
}

bool Platform::sampleTrace()
{
    const int n = m_traceSampleEvery.load(std::memory_order_relaxed);
    if (n <= 0)
        return false;
    return m_traceCounter.fetch_add(1, std::memory_order_relaxed) % std::uint64_t(n) == 0;
}

double Platform::elapsed() const
{
    return std::chrono::duration<double>(Clock::now() - m_start).count();
}

ServiceHost *Platform::host(const QString &name) const
{
    for (auto &h : m_hosts)
        if (h->name() == name)
            return h.get();
    return nullptr;
}

std::vector<ServiceHost *> Platform::hosts() const
{
    std::vector<ServiceHost *> out;
    for (auto &h : m_hosts)
        out.push_back(h.get());
    return out;
}

QStringList Platform::serviceNames() const
{
    QStringList out;
    for (auto &h : m_hosts)
        out << h->name();
    return out;
}

bool Platform::killService(const QString &name, const QString &reason)
{
    ServiceHost *h = host(name);
    return h && h->kill(reason);
}

bool Platform::killReplica(const QString &name, int index, const QString &reason)
{
    ServiceHost *h = host(name);
    return h && h->killReplica(index, reason);
}

bool Platform::restartService(const QString &name)
{
    ServiceHost *h = host(name);
    return h && h->restart() > 0;
}

bool Platform::scaleService(const QString &name, int replicas)
{
    ServiceHost *h = host(name);
    if (!h || replicas < 1)
        return false;
    h->scale(replicas);
    return true;
}

bool Platform::setAutoscaler(const QString &name, const AutoscalerConfig &config)
{
    ServiceHost *h = host(name);
    if (!h || m_stopped)
        return false;
    std::lock_guard lock(m_controlMutex);
    // An edit of a running autoscaler's settings keeps its history (its
    // recommendations and scale events); switching it off forgets them, as
    // deleting a Kubernetes HPA does.
    std::unique_ptr<HorizontalAutoscaler> previous;
    if (auto it = m_autoscalers.find(name); it != m_autoscalers.end()) {
        previous = std::move(it->second);
        m_autoscalers.erase(it);
    }
    if (config.enabled)
        m_autoscalers[name] =
            std::make_unique<HorizontalAutoscaler>(*this, *h, config, previous.get());
    m_events.add(QStringLiteral("autoscaler"),
                 config.enabled ? QStringLiteral("autoscaler-on")
                                : QStringLiteral("autoscaler-off"),
                 config.enabled ? QStringLiteral("%1: autoscaler on, %2 target %3, %4–%5 replicas")
                                      .arg(name, AutoscalerConfig::metricName(config.metric))
                                      .arg(config.hpa.target)
                                      .arg(config.hpa.minReplicas)
                                      .arg(config.hpa.maxReplicas)
                                : QStringLiteral("%1: autoscaler off").arg(name));
    return true;
}

AutoscalerConfig Platform::autoscaler(const QString &name) const
{
    std::lock_guard lock(m_controlMutex);
    auto it = m_autoscalers.find(name);
    return it == m_autoscalers.end() ? AutoscalerConfig{} : it->second->config();
}

Gauges Platform::gaugesFor(const EntityKey &entity, double windowSeconds)
{
    Gauges g;
    if (!entity.isService())
        return g;
    ServiceHost *h = host(entity.service());
    if (!h)
        return g;
    Duration busy{};
    for (const auto &r : h->replicas()) {
        if (!r)
            continue;
        g.queueDepth += r->queued();
        g.replicasTotal += 1;
        if (r->killed())
            continue;
        // Replicas in their cold start count with their workers idle.
        g.workers += r->workers();
        g.replicasReady += r->serving();
        const Duration total = r->busyTime();
        auto [it, fresh] = m_lastBusy.try_emplace(r->incarnation(), Duration::zero());
        busy += total - it->second;
        it->second = total;
    }
    // Average busy workers over the window, not a point sample.
    g.busyWorkers =
        windowSeconds > 0 ? std::chrono::duration<double>(busy).count() / windowSeconds : 0;
    g.inFlight = g.queueDepth + g.busyWorkers;
    return g;
}

void Platform::rotateMetrics()
{
    std::lock_guard lock(m_rotateMutex);
    const double now = elapsed();
    const double window = now - m_lastRotation;
    m_lastRotation = now;
    m_metrics.rotate(now, [this, window](const EntityKey &e) { return gaugesFor(e, window); });
}

std::uint64_t Platform::wastedReplies() const
{
    std::uint64_t n = 0;
    for (auto &h : m_hosts)
        for (const auto &r : h->replicas())
            if (r)
                n += r->wastedReplies();
    return n;
}

SystemSnapshot Platform::snapshot() const
{
    SystemSnapshot s;
    s.t = elapsed();
    for (auto &h : m_hosts) {
        ServiceSnapshot svc;
        svc.name = h->name();
        svc.databasePath = h->databasePath();
        svc.modules = h->service().modules();
        const QList<RouteSpec> routes = h->service().routes();
        svc.userFacing = std::any_of(routes.begin(), routes.end(),
                                     [](const RouteSpec &r) { return !r.internal; });
        svc.fault = m_faults.service(h->name());
        svc.dbFault = m_chaos->databaseFault(h->name());
        svc.updating = h->rollingUpdateInProgress();
        const ServiceConfig cfg = h->config();
        const auto replicas = h->replicas();
        for (std::size_t i = 0; i < replicas.size(); ++i) {
            const auto &r = replicas[i];
            if (!r)
                continue;
            svc.replicas.append({r->name(), r->state(), h->inRotation(int(i)), r->queued(),
                                 r->queueCapacity(), r->busy(), r->workers(), r->version()});
        }
        svc.stats = m_metrics.summary(EntityKey::service(h->name()));
        svc.health = classifyHealth(svc);
        s.services.append(svc);
    }
    const std::vector<EdgeStatus> status = m_gateway.edgeStatus();
    for (const EntityKey &key : m_metrics.keys()) {
        if (!key.isEdge())
            continue;
        EdgeSnapshot e;
        e.from = key.caller();
        e.to = key.service();
        e.stats = m_metrics.summary(key);
        for (const EdgeStatus &st : status) {
            if (st.from == e.from && st.to == e.to) {
                e.breaker = st.breaker;
                e.retries = st.retries;
                e.retriesDenied = st.retriesDenied;
            }
        }
        s.edges.append(e);
    }
    s.calls = m_declaredCalls;
    if (m_faults.any()) {
        // The links a view can draw: those that carried a call, the declared
        // ones and the gateway's to every user-facing service.
        std::vector<std::pair<QString, QString>> links = m_declaredCalls;
        for (const EdgeSnapshot &e : std::as_const(s.edges))
            links.emplace_back(e.from, e.to);
        for (const ServiceSnapshot &svc : std::as_const(s.services))
            if (svc.userFacing)
                links.emplace_back(QStringLiteral("users"), svc.name);
        std::sort(links.begin(), links.end());
        links.erase(std::unique(links.begin(), links.end()), links.end());
        for (const auto &[from, to] : links) {
            const Fault f = m_faults.link(from, to);
            if (f.active())
                s.linkFaults.append({from, to, f});
        }
    }
    s.gateway = m_metrics.summary(EntityKey::gateway());
    s.client = m_metrics.summary(EntityKey::client());
    s.users = m_metrics.summary(EntityKey::users());
    s.http = m_metrics.summary(EntityKey::http());
    s.lastEventSeq = m_events.lastSeq();
    return s;
}

} // namespace microcosm
