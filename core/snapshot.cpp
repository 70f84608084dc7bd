#include "snapshot.h"

namespace microcosm {

int ServiceSnapshot::ready() const
{
    int n = 0;
    for (const auto &r : replicas)
        n += r.state == ReplicaState::Ready;
    return n;
}

int ServiceSnapshot::queued() const
{
    int n = 0;
    for (const auto &r : replicas)
        n += r.queued;
    return n;
}

int ServiceSnapshot::busy() const
{
    int n = 0;
    for (const auto &r : replicas)
        n += r.busy;
    return n;
}

int ServiceSnapshot::workers() const
{
    int n = 0;
    for (const auto &r : replicas)
        n += r.state == ReplicaState::Ready ? r.workers : 0;
    return n;
}

QString ServiceSnapshot::healthName(Health h)
{
    switch (h) {
    case Health::Healthy:
        return QStringLiteral("healthy");
    case Health::Degraded:
        return QStringLiteral("degraded");
    case Health::Failing:
        return QStringLiteral("failing");
    case Health::Down:
        return QStringLiteral("down");
    }
    return {};
}

const ServiceSnapshot *SystemSnapshot::service(const QString &name) const
{
    for (const auto &s : services)
        if (s.name == name)
            return &s;
    return nullptr;
}

ServiceSnapshot::Health classifyHealth(const ServiceSnapshot &s)
{
    if (s.ready() == 0)
        return ServiceSnapshot::Health::Down;
    const auto total = s.stats.last.total();
    const double success = total ? double(s.stats.last.succeeded()) / double(total) : 1.0;
    if (success < 0.90)
        return ServiceSnapshot::Health::Failing;
    if (s.ready() < s.replicas.size() || success < 0.99)
        return ServiceSnapshot::Health::Degraded;
    return ServiceSnapshot::Health::Healthy;
}

} // namespace microcosm
