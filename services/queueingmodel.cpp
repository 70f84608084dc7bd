#include "queueingmodel.h"

#include "platform.h"

namespace microcosm {

QStringList ServiceModel::caveats() const
{
    QStringList c;
    if (time.kind != ServiceTime::Kind::Exponential)
        c << QStringLiteral("its service time is %1, not exponential")
                 .arg(ServiceTime::kindName(time.kind));
    if (mixedKinds)
        c << QStringLiteral("its routes' service times are of different kinds");
    if (!calls.isEmpty())
        c << QStringLiteral("its workers also wait for its calls to %1, which M/M/c does not "
                            "count (the measured utilization does)")
                 .arg(calls.join(QStringLiteral(", ")));
    if (routesCalled > 1)
        c << QStringLiteral("%1 routes share its workers (their mean is used)").arg(routesCalled);
    return c;
}

QList<ServiceModel> serviceModels(Platform &platform)
{
    const std::vector<EntityKey> keys = platform.metrics().keys();
    QList<ServiceModel> out;
    for (ServiceHost *h : platform.hosts()) {
        const ServiceConfig c = h->config();
        ServiceModel m;
        m.name = h->name();
        m.replicas = c.replicas;
        m.workers = c.workers;
        m.queueCapacity = c.queueCapacity;
        m.time = c.profile.serviceTime;
        for (const auto &[from, to] : platform.declaredCalls())
            if (from == m.name && !m.calls.contains(to))
                m.calls << to;
        double weighted = 0, calls = 0;
        bool first = true;
        for (const EntityKey &key : keys) {
            if (!key.isRoute() || key.service() != h->name())
                continue;
            const double n = double(platform.metrics().summary(key).total());
            if (n <= 0)
                continue;
            const ServiceTime t = h->serviceTimeFor(key.route(), c.version);
            weighted += n * t.meanMs;
            calls += n;
            ++m.routesCalled;
            if (first)
                m.time.kind = t.kind;
            else if (t.kind != m.time.kind)
                m.mixedKinds = true;
            first = false;
        }
        if (calls > 0)
            m.time.meanMs = weighted / calls;
        out << m;
    }
    return out;
}

} // namespace microcosm
