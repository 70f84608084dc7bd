#pragma once

#include <QKeySequence>
#include <QString>

class QAction;
class QObject;

namespace microcosm {

class ShopController;

// What a person can do to a whole service, the same wherever it is offered:
// the node's context menu, the Service menu (on the selected node) and the
// Controls panel's buttons. Each place words it for its room (a menu names
// the service, a button does not), but what it does, when it applies, its
// key and its tooltip come from here.
enum class ServiceAction
{
    Kill,
    Restart,
    ScaleUp,
    ScaleDown
};

namespace serviceactions {

// "kill-service", "restart-service", "scale-up", "scale-down".
QString objectName(ServiceAction a);
// K, R, +, −: on a selected node, and shown beside the menus' entries.
QKeySequence shortcut(ServiceAction a);
// A context menu's entry: "Kill product (all replicas)", "Scale up (+1 replica, now 2)".
QString menuText(ServiceAction a, const ShopController &c, const QString &service);
// A button's: "Kill", "Restart".
QString buttonText(ServiceAction a);
QString toolTip(ServiceAction a, const ShopController &c, const QString &service);
// Whether it would change anything now: a kill needs a live replica, a
// restart a dead one, a scale room below MaxReplicas or above one.
bool applies(ServiceAction a, const ShopController &c, const QString &service);
// Does it; false (and the controller says why) when it could not.
bool trigger(ServiceAction a, ShopController &c, const QString &service);

// A menu entry that does `a` to `service`, enabled when it applies now.
QAction *makeAction(ServiceAction a, ShopController *c, const QString &service, QObject *parent);

} // namespace serviceactions
} // namespace microcosm
