#include "rollingupdate.h"

#include "eventlog.h"
#include "replica.h"
#include "scheduler.h"

#include <QStringList>

#include <algorithm>

namespace microcosm {

RollingUpdateController::RollingUpdateController(ReplicaSetControl &set, Scheduler &scheduler,
                                                 EventLog &events)
    : m_set(set), m_scheduler(scheduler), m_events(events)
{
}

bool RollingUpdateController::start(const RollingUpdate &update)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_update || !m_set.addVersion(update.version, update.profile))
            return false;
        m_update = update;
        m_startedAt = Clock::now();
        m_readySince.clear();
        m_announcedAvailable.clear();
    }
    m_events.add(
        m_set.name(), QStringLiteral("update-started"),
        QStringLiteral("rolling update of %1 to %2 (max unavailable %3, max surge %4, min ready "
                       "%5 s)")
            .arg(m_set.name(), update.version)
            .arg(update.maxUnavailable)
            .arg(update.maxSurge)
            .arg(update.minReadySeconds));
    m_scheduler.after(milliseconds(100), [this] { step(); });
    return true;
}

bool RollingUpdateController::inProgress() const
{
    std::lock_guard lock(m_mutex);
    return m_update.has_value();
}

void RollingUpdateController::step()
{
    QStringList messages;
    bool done = false;
    std::vector<std::shared_ptr<Replica>> draining;
    {
        std::lock_guard lock(m_mutex);
        if (!m_update)
            return;
        const RollingUpdate &u = *m_update;
        const bool live = m_set.withLocked([&](ReplicaSetControl::Locked &set) {
            const int desired = set.desiredReplicas();
            // Available, as the Deployment controller counts it: ready, and
            // a new replica ready for at least minReadySeconds. Old replicas
            // are scaled down only while the available ones stay at or above
            // desired - maxUnavailable, and the update is done when the new
            // version alone has desired available replicas (kubernetes
            // pkg/controller/deployment/rolling.go, scaleDownOldReplicaSetsForRollingUpdate;
            // availability: pkg/api/v1/pod/util.go, IsPodAvailable).
            const TimePoint now = Clock::now();
            const auto minReady = std::chrono::duration_cast<Duration>(
                std::chrono::duration<double>(u.minReadySeconds));
            const std::vector<ReplicaSetControl::Member> members = set.members();
            int present = 0, available = 0, newPresent = 0, newAvailable = 0;
            std::vector<std::shared_ptr<Replica>> old;
            for (const ReplicaSetControl::Member &m : members) {
                const auto &r = m.replica;
                ++present;
                if (r->version() != u.version) {
                    available += r->serving();
                    old.push_back(r);
                    continue;
                }
                ++newPresent;
                if (!r->serving())
                    continue;
                // Ready since it became ready during this update, or since
                // the update first saw it ready.
                const TimePoint readyAt =
                    m.readySince && *m.readySince >= m_startedAt ? *m.readySince : now;
                const auto since = m_readySince.try_emplace(r->incarnation(), readyAt).first;
                if (now - since->second < minReady)
                    continue;
                ++available;
                ++newAvailable;
                if (u.minReadySeconds > 0 && m_announcedAvailable.insert(r->incarnation()).second)
                    messages << QStringLiteral("%1 (%2) available: ready for %3 s (min ready)")
                                    .arg(r->name(), u.version)
                                    .arg(u.minReadySeconds);
            }
            // Remove an old replica when enough others are available (max unavailable).
            if (!old.empty() && available - 1 >= desired - u.maxUnavailable) {
                // Prefer one that is not serving anyway.
                std::shared_ptr<Replica> pick = old.front();
                for (const auto &r : old)
                    if (!r->serving())
                        pick = r;
                draining.push_back(pick);
                messages << QStringLiteral("%1 (%2) taken out of rotation and drained")
                                .arg(pick->name(), pick->version());
                set.removeReplica(pick);
                --present;
                old.erase(std::find(old.begin(), old.end(), pick));
            }
            // Start a new one while within max surge and replicas are missing.
            if (newPresent < desired && present < desired + u.maxSurge) {
                const auto r = set.startReplica(u.version);
                messages << QStringLiteral("%1 (%2) starting").arg(r->name(), u.version);
            }
            if (old.empty() && newAvailable >= desired) {
                set.adoptVersion(u.version, u.profile);
                messages << QStringLiteral("rolling update of %1 to %2 complete")
                                .arg(m_set.name(), u.version);
                done = true;
            }
        });
        if (!live)
            return; // shut down: the update ends with the set
        if (done) {
            m_update.reset();
            m_readySince.clear();
            m_announcedAvailable.clear();
        }
    }
    for (qsizetype i = 0; i < messages.size(); ++i)
        m_events.add(m_set.name(),
                     done && i == messages.size() - 1 ? QStringLiteral("update-done")
                                                      : QStringLiteral("update-step"),
                     messages[i]);
    for (auto &r : draining)
        m_set.drain(r);
    if (!done)
        m_scheduler.after(milliseconds(100), [this] { step(); });
}

} // namespace microcosm
