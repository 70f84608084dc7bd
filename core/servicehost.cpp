#include "servicehost.h"

#include "platform.h"

namespace microcosm {

ServiceHost::ServiceHost(Platform &platform, std::shared_ptr<Service> service, ServiceConfig config,
                         QString databasePath)
    : m_platform(platform), m_service(std::move(service)), m_name(m_service->name()),
      m_databasePath(std::move(databasePath)), m_balancer(config.balancing),
      m_config(std::move(config)), m_rollingUpdate(*this, platform.scheduler(), platform.events())
{
    m_versions.insert(m_config.version, m_config.profile);
    setHealthPolicy(m_config.health);
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

VersionProfile ServiceHost::profileFor(const QString &version) const
{
    std::lock_guard lock(m_mutex);
    return m_versions.value(version, m_config.profile);
}

ServiceTime ServiceHost::serviceTimeFor(const QString &route, const QString &version) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_versions.constFind(version);
    const VersionProfile &p =
        it == m_versions.constEnd() ? m_versions.value(m_config.version) : *it;
    return p.routeServiceTime.value(route, p.serviceTime);
}

void ServiceHost::setServiceTime(const ServiceTime &time)
{
    std::lock_guard lock(m_mutex);
    m_config.profile.serviceTime = time;
    m_config.profile.routeServiceTime.clear();
    m_versions[m_config.version] = m_config.profile;
}

void ServiceHost::setHealthPolicy(const HealthPolicy &policy)
{
    std::shared_ptr<OutlierDetector> detector;
    if (policy.outlierDetectionEnabled) {
        detector = std::make_shared<OutlierDetector>(0, policy.outlier);
        // Runs wherever the detector decides, possibly under this host's
        // lock: the rotation is rebuilt on the scheduler, not here.
        detector->setOnEvent([this](const OutlierEvent &e) {
            m_platform.scheduler().after(Duration::zero(), [this] {
                std::lock_guard lock(m_mutex);
                rebuildRotationLocked();
            });
            const QString replica = QStringLiteral("%1#%2").arg(m_name).arg(e.host + 1);
            m_platform.events().add(replica,
                                    e.kind == OutlierEvent::Kind::Ejected
                                        ? QStringLiteral("ejected")
                                        : QStringLiteral("returned"),
                                    QStringLiteral("%1 %2: %3")
                                        .arg(replica,
                                             e.kind == OutlierEvent::Kind::Ejected
                                                 ? QStringLiteral("ejected from the load balancer")
                                                 : QStringLiteral("back in the load balancer"),
                                             e.reason));
        });
    }
    std::lock_guard lock(m_mutex);
    const bool started = m_probeTimer != 0;
    m_config.health = policy;
    m_outliers = std::move(detector);
    if (m_outliers)
        m_outliers->setHostCount(int(m_slots.size()));
    rebuildRotationLocked();
    if (started)
        armProbeLocked();
}

int ServiceHost::freeSlotLocked() const
{
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        if (!m_slots[i].replica)
            return int(i);
    return int(m_slots.size());
}

std::shared_ptr<Replica> ServiceHost::startReplicaLocked(int index, const QString &version)
{
    if (int(m_slots.size()) <= index) {
        m_slots.resize(index + 1);
        if (m_outliers)
            m_outliers->setHostCount(index + 1);
    }
    Slot &slot = m_slots[index];
    if (slot.replica)
        m_retired.push_back(slot.replica);
    // The start number counts for the whole host and never goes back: after
    // a scale-down and up a slot's new replica can never take the name of an
    // earlier, dead one (whose PENDING orders would then look owned).
    auto replica = std::make_shared<Replica>(*this, index, ++m_starts, m_config.workers,
                                             m_config.queueCapacity, version);
    // A fresh slot: not ready, not in rotation, no failed probe yet.
    slot = Slot{replica};
    replica->start();
    // Cold start: not ready, and not in rotation, until the delay has passed.
    std::weak_ptr<Replica> weak = replica;
    m_platform.scheduler().after(m_config.coldStart, [this, weak] {
        if (auto r = weak.lock())
            onReplicaReady(*r);
    });
    return replica;
}

void ServiceHost::retireLocked(int index)
{
    // Out of rotation at once; the replica is joined once it has stopped.
    m_retired.push_back(m_slots[index].replica);
    m_slots[index] = Slot{};
}

void ServiceHost::onReplicaReady(Replica &replica)
{
    if (replica.servingWorkers() == 0 && !replica.killed()) {
        if (!replica.finished()) {
            // Workers still opening the database: look again shortly.
            std::weak_ptr<Replica> weak = replica.weak_from_this();
            m_platform.scheduler().after(milliseconds(50), [this, weak] {
                if (auto r = weak.lock())
                    onReplicaReady(*r);
            });
            return;
        }
        // Every worker failed (e.g. its database file cannot be opened): never ready.
        replica.kill(
            QStringLiteral("could not start: no worker could open %1").arg(m_databasePath));
        m_platform.events().add(
            replica.name(), QStringLiteral("start-failed"),
            QStringLiteral(
                "%1 did not start: no worker could open %2 (see the worker-failed events)")
                .arg(replica.name(), m_databasePath));
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        const int i = replica.index();
        if (m_shutdown || replica.killed() || i >= int(m_slots.size()) ||
            m_slots[i].replica.get() != &replica)
            return;
        replica.markReady();
        m_slots[i].inRotation = true;
        m_slots[i].readySince = Clock::now();
        rebuildRotationLocked();
    }
    m_platform.events().add(
        replica.name(), QStringLiteral("ready"),
        QStringLiteral("%1 (%2) is ready and in rotation").arg(replica.name(), replica.version()));
    runMaintenance(); // recovery after a start runs at once, on a ready replica
}

void ServiceHost::start()
{
    std::lock_guard lock(m_mutex);
    for (int i = 0; i < m_config.replicas; ++i)
        startReplicaLocked(i, m_config.version);
    armProbeLocked();
}

void ServiceHost::armProbeLocked()
{
    // The active health check runs at the service's own period, or the platform's.
    if (m_probeTimer)
        m_platform.scheduler().cancel(m_probeTimer);
    const Duration period = m_config.health.probePeriod > Duration::zero()
                                ? m_config.health.probePeriod
                                : m_platform.config().probePeriod;
    m_probeTimer = m_platform.scheduler().every(period, [this] { probe(); });
}

void ServiceHost::shutdown()
{
    std::vector<std::shared_ptr<Replica>> all;
    {
        std::lock_guard lock(m_mutex);
        m_shutdown = true;
        for (const Slot &slot : m_slots)
            all.push_back(slot.replica);
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
    bool any = false;
    for (auto &r : replicas())
        any = (r && r->kill(reason)) || any;
    if (any)
        m_platform.events().add(
            m_name, QStringLiteral("killed"),
            QStringLiteral("%1 killed (%2): in-flight requests reset, new ones refused")
                .arg(m_name, reason));
    return any;
}

bool ServiceHost::killReplica(int index, const QString &reason)
{
    std::shared_ptr<Replica> r;
    {
        std::lock_guard lock(m_mutex);
        if (index < 0 || index >= int(m_slots.size()) || !m_slots[index].replica)
            return false;
        r = m_slots[index].replica;
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
        for (int i = 0; i < int(m_slots.size()); ++i) {
            const std::shared_ptr<Replica> dead = m_slots[i].replica;
            if (dead && dead->killed()) {
                startReplicaLocked(i, dead->version());
                ++restarted;
            }
        }
        rebuildRotationLocked();
    }
    if (restarted)
        m_platform.events().add(
            m_name, QStringLiteral("restarted"),
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
        std::vector<int> present;
        for (int i = 0; i < int(m_slots.size()); ++i)
            if (m_slots[i].replica)
                present.push_back(i);
        from = int(present.size());
        for (int n = from; n < replicas; ++n)
            startReplicaLocked(freeSlotLocked(), m_config.version);
        // Scale down: dead replicas go first, then the newest.
        std::stable_sort(present.begin(), present.end(), [this](int a, int b) {
            const bool deadA = m_slots[a].replica->killed(), deadB = m_slots[b].replica->killed();
            return deadA != deadB ? deadA : a > b;
        });
        for (int k = 0; k < from - replicas; ++k) {
            const int i = present[k];
            draining.push_back(m_slots[i].replica);
            retireLocked(i);
        }
        // Empty slots at the end go, all of each at once; the outlier
        // detector forgets them too (a later replica there starts healthy).
        while (!m_slots.empty() && !m_slots.back().replica)
            m_slots.pop_back();
        if (m_outliers)
            m_outliers->setHostCount(int(m_slots.size()));
        m_config.replicas = replicas;
        rebuildRotationLocked();
    }
    if (from != replicas)
        m_platform.events().add(
            m_name, QStringLiteral("scaled"),
            QStringLiteral("%1 scaled %2 → %3 replicas").arg(m_name).arg(from).arg(replicas));
    // Out of rotation now; stopped once their in-flight work is done (at most 5 s).
    for (auto &r : draining)
        drainUntil(r, Clock::now() + seconds(5));
}

void ServiceHost::drain(const std::shared_ptr<Replica> &replica)
{
    drainUntil(replica, Clock::now() + seconds(5));
}

void ServiceHost::drainUntil(const std::weak_ptr<Replica> &weak, TimePoint giveUp)
{
    auto replica = weak.lock();
    if (!replica || replica->killed())
        return;
    if (replica->outstanding() == 0 || Clock::now() >= giveUp) {
        replica->kill(QStringLiteral("drained"));
        return;
    }
    m_platform.scheduler().after(milliseconds(50),
                                 [this, weak, giveUp] { drainUntil(weak, giveUp); });
}

bool ServiceHost::startRollingUpdate(const RollingUpdate &update)
{
    return m_rollingUpdate.start(update);
}

bool ServiceHost::rollingUpdateInProgress() const
{
    return m_rollingUpdate.inProgress();
}

// The set as the rolling update's controller changes it, under m_mutex.
class ServiceHost::LockedSet final : public ReplicaSetControl::Locked
{
public:
    explicit LockedSet(ServiceHost &host) : m_host(host) {}

    int desiredReplicas() const override { return m_host.m_config.replicas; }

    std::vector<ReplicaSetControl::Member> members() const override
    {
        std::vector<ReplicaSetControl::Member> out;
        for (const Slot &slot : m_host.m_slots)
            if (slot.replica)
                out.push_back({slot.replica, slot.readySince});
        return out;
    }

    std::shared_ptr<Replica> startReplica(const QString &version) override
    {
        return m_host.startReplicaLocked(m_host.freeSlotLocked(), version);
    }

    void removeReplica(const std::shared_ptr<Replica> &replica) override
    {
        const int i = replica->index();
        if (i < int(m_host.m_slots.size()) && m_host.m_slots[i].replica == replica)
            m_host.retireLocked(i);
    }

    void adoptVersion(const QString &version, const VersionProfile &profile) override
    {
        m_host.m_config.version = version;
        m_host.m_config.profile = profile;
    }

private:
    ServiceHost &m_host;
};

bool ServiceHost::addVersion(const QString &version, const VersionProfile &profile)
{
    std::lock_guard lock(m_mutex);
    if (m_shutdown)
        return false;
    m_versions.insert(version, profile);
    return true;
}

bool ServiceHost::withLocked(const std::function<void(Locked &)> &change)
{
    std::lock_guard lock(m_mutex);
    if (m_shutdown)
        return false;
    LockedSet set(*this);
    change(set);
    rebuildRotationLocked();
    return true;
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
    if (!chosen->enqueue({std::move(request), call, Clock::now(), false}, &refusal)) {
        onReplicaResult(chosen->index(), true);
        call->complete(std::move(refusal));
    }
}

void ServiceHost::onReplicaResult(int index, bool is5xx)
{
    std::shared_ptr<OutlierDetector> detector;
    {
        std::lock_guard lock(m_mutex);
        detector = m_outliers;
    }
    // An ejection takes the host out of the rotation before the answer that
    // caused it reaches its caller (both callers complete the call after
    // this returns), so nobody who saw the ejection is sent there again.
    if (detector && detector->onResult(index, Clock::now(), is5xx)) {
        std::lock_guard lock(m_mutex);
        rebuildRotationLocked();
    }
}

void ServiceHost::probe()
{
    std::vector<QString> removed, returned;
    // What the service says of itself (an external process's health check):
    // every replica of it passes or fails the probe with it.
    const QString unready = m_service->unready();
    QString serviceChange;
    {
        std::lock_guard lock(m_mutex);
        if (unready != m_unready) {
            serviceChange =
                unready.isEmpty()
                    ? QStringLiteral("%1 passes its health check again").arg(m_name)
                    : QStringLiteral("%1 fails its health check: %2").arg(m_name, unready);
            m_unready = unready;
        }
        bool changed = false;
        for (Slot &slot : m_slots) {
            const auto &r = slot.replica;
            if (!r)
                continue;
            // A replica in its cold start is not probed yet: failures count
            // from the moment it could have served.
            const bool healthy =
                (r->serving() || r->state() == Replica::State::Starting) && unready.isEmpty();
            slot.probeFailures = healthy ? 0 : slot.probeFailures + 1;
            if (slot.inRotation && slot.probeFailures >= m_config.health.probeFailureThreshold) {
                slot.inRotation = false;
                slot.probedOut = true;
                removed.push_back(r->name());
                changed = true;
            } else if (!slot.inRotation && slot.probedOut && healthy && r->serving()) {
                // Only the service's own check can pass again: a dead replica never serves.
                slot.inRotation = true;
                slot.probedOut = false;
                returned.push_back(r->name());
                changed = true;
            }
        }
        if (m_outliers) {
            const TimePoint now = Clock::now();
            for (std::size_t i = 0; i < m_slots.size(); ++i)
                m_outliers->isEjected(int(i), now); // returns hosts whose ejection ended
        }
        if (changed)
            rebuildRotationLocked();
    }
    if (!serviceChange.isEmpty())
        m_platform.events().add(
            m_name, unready.isEmpty() ? QStringLiteral("healthy") : QStringLiteral("unhealthy"),
            serviceChange);
    for (const QString &name : removed)
        m_platform.events().add(
            name, QStringLiteral("out-of-rotation"),
            unready.isEmpty()
                ? QStringLiteral("health probe failed: %1 taken out of rotation").arg(name)
                : QStringLiteral("health probe failed: %1 taken out of rotation (%2)")
                      .arg(name, unready));
    for (const QString &name : returned)
        m_platform.events().add(
            name, QStringLiteral("back-in-rotation"),
            QStringLiteral("health probe passed again: %1 back in rotation").arg(name));
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
    std::vector<std::shared_ptr<Replica>> out;
    out.reserve(m_slots.size());
    for (const Slot &slot : m_slots)
        out.push_back(slot.replica);
    return out;
}

bool ServiceHost::inRotation(int index) const
{
    std::lock_guard lock(m_mutex);
    // In rotation: passed its probes and not ejected as an outlier.
    return index >= 0 && index < int(m_slots.size()) && m_slots[index].inRotation &&
           !(m_outliers && m_outliers->isEjected(index, Clock::now()));
}

int ServiceHost::readyCount() const
{
    std::lock_guard lock(m_mutex);
    int n = 0;
    for (const Slot &slot : m_slots)
        n += slot.replica && slot.replica->serving();
    return n;
}

bool ServiceHost::anyAlive() const
{
    return readyCount() > 0;
}

void ServiceHost::rebuildRotationLocked()
{
    m_rotationList.clear();
    const TimePoint now = Clock::now();
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        if (m_slots[i].replica && m_slots[i].inRotation &&
            !(m_outliers && m_outliers->isEjected(int(i), now)))
            m_rotationList.push_back(m_slots[i].replica);
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
