#include "serviceactions.h"

#include "servicehost.h"
#include "shopcontroller.h"

#include <QAction>
#include <QPointer>

namespace microcosm::serviceactions {

namespace {
struct Replicas
{
    int alive = 0;
    int dead = 0;
};

Replicas replicasOf(const ShopController &c, const QString &service)
{
    Replicas r;
    if (const ServiceSnapshot *s = c.snapshot().service(service))
        for (const ReplicaSnapshot &rep : s->replicas)
            ++(rep.state == ReplicaState::Dead ? r.dead : r.alive);
    return r;
}
} // namespace

QString objectName(ServiceAction a)
{
    switch (a) {
    case ServiceAction::Kill:
        return QStringLiteral("kill-service");
    case ServiceAction::Restart:
        return QStringLiteral("restart-service");
    case ServiceAction::ScaleUp:
        return QStringLiteral("scale-up");
    case ServiceAction::ScaleDown:
        return QStringLiteral("scale-down");
    }
    return {};
}

QKeySequence shortcut(ServiceAction a)
{
    switch (a) {
    case ServiceAction::Kill:
        return QKeySequence(Qt::Key_K);
    case ServiceAction::Restart:
        return QKeySequence(Qt::Key_R);
    case ServiceAction::ScaleUp:
        return QKeySequence(Qt::Key_Plus);
    case ServiceAction::ScaleDown:
        return QKeySequence(Qt::Key_Minus);
    }
    return {};
}

QString menuText(ServiceAction a, const ShopController &c, const QString &service)
{
    const QString key = shortcut(a).toString(QKeySequence::NativeText);
    switch (a) {
    case ServiceAction::Kill:
        return QObject::tr("Kill %1 (all replicas)\t%2").arg(service, key);
    case ServiceAction::Restart:
        return QObject::tr("Restart %1\t%2").arg(service, key);
    case ServiceAction::ScaleUp:
        return QObject::tr("Scale up (+1 replica, now %1)\t%2")
            .arg(c.configuredReplicas(service))
            .arg(key);
    case ServiceAction::ScaleDown:
        return QObject::tr("Scale down (−1 replica)\t%1").arg(key);
    }
    return {};
}

QString buttonText(ServiceAction a)
{
    switch (a) {
    case ServiceAction::Kill:
        return QObject::tr("Kill");
    case ServiceAction::Restart:
        return QObject::tr("Restart");
    case ServiceAction::ScaleUp:
        return QObject::tr("+1");
    case ServiceAction::ScaleDown:
        return QObject::tr("−1");
    }
    return {};
}

QString toolTip(ServiceAction a, const ShopController &c, const QString &service)
{
    const QString key = shortcut(a).toString(QKeySequence::NativeText);
    switch (a) {
    case ServiceAction::Kill:
        return QObject::tr("Kill every replica of %1 at once (%2 on a selected node). Requests "
                           "under way are reset, new ones refused. Watch the other services "
                           "keep serving: failure isolation.")
            .arg(service, key);
    case ServiceAction::Restart:
        return QObject::tr("Bring the dead replicas of %1 back (%2 on a selected node). They "
                           "cold-start, then rejoin the rotation; the data in %3 survived the "
                           "kill.")
            .arg(service, key, c.databaseFile(service));
    case ServiceAction::ScaleUp:
        return QObject::tr("One more replica of %1 (%2 on a selected node, at most %3): it "
                           "cold-starts, then takes its share of the traffic.")
            .arg(service, key)
            .arg(MaxReplicas);
    case ServiceAction::ScaleDown:
        return QObject::tr("One replica of %1 fewer (%2 on a selected node, at least one): "
                           "it finishes what it has, then leaves.")
            .arg(service, key);
    }
    return {};
}

bool applies(ServiceAction a, const ShopController &c, const QString &service)
{
    switch (a) {
    case ServiceAction::Kill:
        return replicasOf(c, service).alive > 0;
    case ServiceAction::Restart:
        return replicasOf(c, service).dead > 0;
    case ServiceAction::ScaleUp:
        return c.configuredReplicas(service) < MaxReplicas;
    case ServiceAction::ScaleDown:
        return c.configuredReplicas(service) > 1;
    }
    return false;
}

bool trigger(ServiceAction a, ShopController &c, const QString &service)
{
    switch (a) {
    case ServiceAction::Kill:
        return c.killService(service);
    case ServiceAction::Restart:
        return c.restartService(service);
    case ServiceAction::ScaleUp:
        return c.scaleBy(service, +1);
    case ServiceAction::ScaleDown:
        return c.scaleBy(service, -1);
    }
    return false;
}

QAction *makeAction(ServiceAction a, ShopController *c, const QString &service, QObject *parent)
{
    auto *action = new QAction(menuText(a, *c, service), parent);
    action->setObjectName(objectName(a));
    action->setToolTip(toolTip(a, *c, service));
    action->setEnabled(applies(a, *c, service));
    QPointer<ShopController> guarded = c;
    QObject::connect(action, &QAction::triggered, c, [guarded, a, service] {
        if (guarded)
            trigger(a, *guarded, service);
    });
    return action;
}

} // namespace microcosm::serviceactions
