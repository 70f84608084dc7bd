#include "servicehost.h"

#include "platform.h"

namespace microcosm {

ServiceHost::ServiceHost(Platform &platform, std::shared_ptr<Service> service,
                         ServiceConfig config, QString databasePath)
    : m_platform(platform)
    , m_service(std::move(service))
    , m_name(m_service->name())
    , m_databasePath(std::move(databasePath))
    , m_balancer(config.balancing)
    , m_config(std::move(config))
{
}

ServiceHost::~ServiceHost()
{
    shutdown();
}

ServiceConfig ServiceHost::config() const
{
    std::lock_guard lock(m_mutex);
    return m_config;
}

ServiceTime ServiceHost::serviceTimeFor(const QString &route) const
{
    std::lock_guard lock(m_mutex);
    return m_config.routeServiceTime.value(route, m_config.serviceTime);
}

void ServiceHost::setServiceTime(const ServiceTime &time)
{
    std::lock_guard lock(m_mutex);
    m_config.serviceTime = time;
    m_config.routeServiceTime.clear();
}

std::shared_ptr<Replica> ServiceHost::startReplica(int index)
{
    // Called with m_mutex held.
    if (int(m_slots.size()) <= index) {
        m_slots.resize(index + 1);
        m_rotation.resize(index + 1, false);
        m_generation.resize(index + 1, 0);
    }
    if (m_slots[index])
        m_retired.push_back(m_slots[index]);
    auto replica = std::make_shared<Replica>(*this, index, ++m_generation[index], m_config.workers,
                                             m_config.queueCapacity);
    m_slots[index] = replica;
    m_rotation[index] = false;
    replica->start();
    // Cold start: not ready, and not in rotation, until the delay has passed.
    std::weak_ptr<Replica> weak = replica;
    m_platform.scheduler().after(m_config.coldStart, [this, weak] {
        if (auto r = weak.lock())
            onReplicaReady(*r);
    });
    return replica;
}

void ServiceHost::onReplicaReady(Replica &replica)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_shutdown || replica.killed() || m_slots[replica.index()].get() != &replica)
            return;
        replica.markReady();
        m_rotation[replica.index()] = true;
        rebuildRotationLocked();
    }
    m_platform.events().add(replica.name(), QStringLiteral("ready"),
                            QStringLiteral("%1 is ready and in rotation").arg(replica.name()));
    runMaintenance(); // recovery after a start runs at once, on a ready replica
}

void ServiceHost::start()
{
    std::lock_guard lock(m_mutex);
    for (int i = 0; i < m_config.replicas; ++i)
        startReplica(i);
}

void ServiceHost::shutdown()
{
    std::vector<std::shared_ptr<Replica>> all;
    {
        std::lock_guard lock(m_mutex);
        m_shutdown = true;
        all = m_slots;
        all.insert(all.end(), m_retired.begin(), m_retired.end());
        m_rotationList.clear();
    }
    for (auto &r : all)
        if (r)
            r->kill(QStringLiteral("at shutdown"));
    for (auto &r : all)
        if (r)
            r->join();
}

bool ServiceHost::kill(const QString &reason)
{
    std::vector<std::shared_ptr<Replica>> all = replicas();
    bool any = false;
    for (auto &r : all)
        any = (r && r->kill(reason)) || any;
    if (any)
        m_platform.events().add(m_name, QStringLiteral("killed"),
                                QStringLiteral("%1 killed (%2): in-flight requests reset, new ones refused")
                                    .arg(m_name, reason));
    return any;
}

bool ServiceHost::killReplica(int index, const QString &reason)
{
    std::shared_ptr<Replica> r;
    {
        std::lock_guard lock(m_mutex);
        if (index < 0 || index >= int(m_slots.size()) || !m_slots[index])
            return false;
        r = m_slots[index];
    }
    if (!r->kill(reason))
        return false;
    m_platform.events().add(r->name(), QStringLiteral("killed"),
                            QStringLiteral("%1 killed (%2)").arg(r->name(), reason));
    return true;
}

int ServiceHost::restart()
{
    int restarted = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_shutdown)
            return 0;
        reapLocked();
        for (int i = 0; i < m_config.replicas && i < int(m_slots.size()); ++i) {
            if (m_slots[i] && m_slots[i]->killed()) {
                startReplica(i);
                ++restarted;
            }
        }
        rebuildRotationLocked();
    }
    if (restarted)
        m_platform.events().add(m_name, QStringLiteral("restarted"),
                                QStringLiteral("%1: %2 replica(s) starting (cold start %3 ms); data on disk kept")
                                    .arg(m_name)
                                    .arg(restarted)
                                    .arg(qint64(toMs(config().coldStart))));
    return restarted;
}

void ServiceHost::scale(int replicas)
{
    replicas = std::max(replicas, 0);
    std::vector<std::shared_ptr<Replica>> draining;
    int from = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_shutdown)
            return;
        reapLocked();
        from = m_config.replicas;
        for (int i = 0; i < replicas; ++i)
            if (i >= int(m_slots.size()) || !m_slots[i] || (i >= from && m_slots[i]->killed()))
                startReplica(i);
        for (int i = replicas; i < int(m_slots.size()); ++i) {
            if (m_slots[i]) {
                draining.push_back(m_slots[i]);
                m_retired.push_back(m_slots[i]);
                m_slots[i].reset();
            }
        }
        m_slots.resize(std::max<std::size_t>(replicas, 0));
        m_rotation.resize(m_slots.size());
        m_config.replicas = replicas;
        rebuildRotationLocked();
    }
    if (from != replicas)
        m_platform.events().add(m_name, QStringLiteral("scaled"),
                                QStringLiteral("%1 scaled %2 → %3 replicas").arg(m_name).arg(from).arg(replicas));
    // Out of rotation now; stopped once their in-flight work is done (at most 5 s).
    for (auto &r : draining)
        drain(r, Clock::now() + seconds(5));
}

void ServiceHost::drain(const std::weak_ptr<Replica> &weak, TimePoint giveUp)
{
    auto replica = weak.lock();
    if (!replica || replica->killed())
        return;
    if (replica->outstanding() == 0 || Clock::now() >= giveUp) {
        replica->kill(QStringLiteral("scaled down"));
        return;
    }
    m_platform.scheduler().after(milliseconds(50), [this, weak, giveUp] { drain(weak, giveUp); });
}

void ServiceHost::dispatch(Request request, const std::shared_ptr<PendingCall> &call)
{
    std::shared_ptr<Replica> chosen;
    {
        std::lock_guard lock(m_mutex);
        const int i = m_balancer.pick(m_rotationList);
        if (i >= 0)
            chosen = m_rotationList[i];
    }
    if (!chosen) {
        call->complete(Response::error(503, QStringLiteral("no ready replica: %1").arg(m_name),
                                       Outcome::Rejected));
        return;
    }
    Response refusal;
    if (!chosen->enqueue({std::move(request), call, Clock::now(), false}, &refusal))
        call->complete(std::move(refusal));
}

void ServiceHost::probe()
{
    std::vector<QString> removed;
    {
        std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < m_slots.size(); ++i) {
            if (m_rotation[i] && (!m_slots[i] || m_slots[i]->killed())) {
                m_rotation[i] = false;
                removed.push_back(m_slots[i] ? m_slots[i]->name() : m_name);
            }
        }
        if (!removed.empty())
            rebuildRotationLocked();
    }
    for (const QString &name : removed)
        m_platform.events().add(name, QStringLiteral("out-of-rotation"),
                                QStringLiteral("health probe failed: %1 taken out of rotation").arg(name));
}

void ServiceHost::runMaintenance()
{
    std::shared_ptr<Replica> target;
    {
        std::lock_guard lock(m_mutex);
        if (m_rotationList.empty())
            return;
        target = m_rotationList[m_maintenanceTurn++ % m_rotationList.size()];
    }
    Request r;
    r.method = QStringLiteral("MAINTAIN");
    r.caller = m_name;
    Response ignored;
    target->enqueue({std::move(r), nullptr, Clock::now(), true}, &ignored);
}

std::vector<std::shared_ptr<Replica>> ServiceHost::replicas() const
{
    std::lock_guard lock(m_mutex);
    return m_slots;
}

bool ServiceHost::inRotation(int index) const
{
    std::lock_guard lock(m_mutex);
    return index >= 0 && index < int(m_rotation.size()) && m_rotation[index];
}

int ServiceHost::readyCount() const
{
    std::lock_guard lock(m_mutex);
    int n = 0;
    for (auto &r : m_slots)
        n += r && r->serving();
    return n;
}

bool ServiceHost::anyAlive() const
{
    return readyCount() > 0;
}

void ServiceHost::rebuildRotationLocked()
{
    m_rotationList.clear();
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        if (m_slots[i] && m_rotation[i])
            m_rotationList.push_back(m_slots[i]);
}

void ServiceHost::reapLocked()
{
    // Retired replicas whose workers have all returned are joined at once;
    // the others stay until they have.
    for (auto it = m_retired.begin(); it != m_retired.end();) {
        if ((*it)->killed() && (*it)->finished()) {
            (*it)->join();
            it = m_retired.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace microcosm
