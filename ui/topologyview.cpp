#include "topologyview.h"

#include "particlelayer.h"
#include "serviceactions.h"
#include "shopcontroller.h"
#include "theme.h"
#include "topologyedge.h"
#include "topologynode.h"

#include <QContextMenuEvent>
#include <QCryptographicHash>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QMap>
#include <QMenu>
#include <QSettings>
#include <QWheelEvent>
#include <QWindow>

#include <algorithm>
#include <cmath>
#include <functional>

namespace microcosm {

namespace {

// The database node's badge: what the injected fault does, in two words.
QString databaseBadge(DatabaseFault fault)
{
    switch (fault) {
    case DatabaseFault::None:
        return {};
    case DatabaseFault::WritesBlocked:
        return QStringLiteral("WRITES BLOCKED");
    case DatabaseFault::FileLocked:
        return QStringLiteral("LOCKED");
    }
    return {};
}

// What the picture is drawn from: the services, their modules, their
// database files and whether users call them, and the declared calls.
QString architectureOf(const SystemSnapshot &snap)
{
    QStringList parts;
    for (const ServiceSnapshot &s : snap.services)
        parts << s.name + QLatin1Char('(') + s.modules.join(QLatin1Char(',')) + QLatin1Char(')') +
                     s.databasePath + QLatin1Char(s.userFacing ? '+' : '-');
    for (const auto &[from, to] : snap.calls)
        parts << from + QLatin1Char('>') + to;
    return parts.join(QLatin1Char('|'));
}

QString serviceOf(const QString &source)
{
    // "product#2" → "product"; a link "order>cart" → its callee, "cart".
    QString s = source;
    const qsizetype arrow = s.indexOf(QLatin1Char('>'));
    if (arrow >= 0)
        s = s.mid(arrow + 1);
    const qsizetype hash = s.indexOf(QLatin1Char('#'));
    if (hash >= 0)
        s = s.left(hash);
    return s;
}

// A fault as a badge: "+500 ms", "20% 503", "partitioned", "db +100 ms".
QString shortFault(const Fault &f)
{
    QStringList parts;
    if (f.latencyMs > 0 || f.jitterMs > 0) {
        QString l = QStringLiteral("+%1 ms").arg(f.latencyMs + f.jitterMs / 2);
        if (f.latencyPercent < 100)
            l += QStringLiteral(" on %1%").arg(f.latencyPercent);
        parts << l;
    }
    if (f.errorPercent > 0)
        parts << QStringLiteral("%1% → %2").arg(f.errorPercent).arg(f.errorStatus);
    if (f.partitioned)
        parts << QStringLiteral("PARTITIONED");
    if (f.dbDelayMs > 0)
        parts << QStringLiteral("db +%1 ms").arg(f.dbDelayMs);
    return parts.join(QStringLiteral(" · "));
}

} // namespace

TopologyView::TopologyView(ShopController *controller, QWidget *parent)
    : QGraphicsView(parent), m_controller(controller), m_scene(new QGraphicsScene(this)),
      m_particles(new ParticleLayer)
{
    setObjectName(QStringLiteral("topology"));
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex);
    setScene(m_scene);
    setCacheMode(CacheBackground);
    setViewportUpdateMode(FullViewportUpdate);
    setRenderHint(QPainter::Antialiasing);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setDragMode(RubberBandDrag);
    setFrameShape(QFrame::NoFrame);
    setMinimumSize(420, 260);
    setToolTip({});

    m_scene->addItem(m_particles);
    if (controller)
        setSnapshot(controller->platform().snapshot());
    fitAll();

    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        const QString s = selectedService();
        if (s != m_selected) {
            m_selected = s;
            emit selectedServiceChanged(s);
        }
    });

    m_animation.setTimerType(Qt::PreciseTimer);
    m_animation.setInterval(33);
    connect(&m_animation, &QTimer::timeout, this, &TopologyView::animate);
    m_flash.setSingleShot(true);
    connect(&m_flash, &QTimer::timeout, this, [this] {
        delete m_halo;
        m_halo = nullptr;
    });
}

TopologyView::~TopologyView()
{
    m_animation.stop();
}

void TopologyView::build(const SystemSnapshot &snap)
{
    m_particles->setEdges({});
    delete m_halo;
    m_halo = nullptr;
    qDeleteAll(m_edges);
    m_edges.clear();
    qDeleteAll(m_nodes);
    m_nodes.clear();
    m_architecture = architectureOf(snap);
    m_layout = layoutTopology(snap.services, snap.calls, false);
    m_presenterLayout = layoutTopology(snap.services, snap.calls, true);

    addNode(int(TopologyNode::Kind::Users), QStringLiteral("users"), tr("users"), {});
    addNode(int(TopologyNode::Kind::Gateway), QStringLiteral("gateway"), tr("API gateway"), {});
    for (const QStringList &column : std::as_const(m_layout.columns))
        for (const QString &s : column) {
            TopologyNode *n = addNode(int(TopologyNode::Kind::Service), s, s, {});
            if (const ServiceSnapshot *svc = snap.service(s))
                n->setModules(svc->modules);
        }
    for (const TopologyLayout::Database &d : std::as_const(m_layout.databases)) {
        TopologyNode *n = addNode(int(TopologyNode::Kind::Database), d.id, d.fileName, {});
        n->setDatabase(d.path, d.services);
    }
    for (TopologyNode *n : std::as_const(m_nodes)) {
        n->setDensity(m_layout.density);
        n->setPos(defaultPosition(n->id()));
        n->setScale(m_presenter ? TopologyLayout::PresenterScale : 1.0);
        n->setPresenter(m_presenter);
    }

    addEdge(QStringLiteral("users"), QStringLiteral("gateway"), true);
    for (const QString &s : std::as_const(m_layout.userFacing))
        addEdge(QStringLiteral("gateway"), s, true);
    // The declared calls, known before the first is made so the layout is stable.
    for (const auto &[from, to] : m_layout.calls)
        addEdge(from, to, true);
    QList<std::pair<QString, QString>> neighbours(m_layout.calls.begin(), m_layout.calls.end());
    for (const TopologyLayout::Database &d : std::as_const(m_layout.databases)) {
        for (const QString &s : d.services) {
            TopologyEdge *e = addEdge(s, d.id, false);
            QStringList others = d.services;
            others.removeAll(s);
            if (e && !others.isEmpty())
                e->setToolTip(tr("%1 reads and writes %2, which %3 also open: a shared database.")
                                  .arg(s, d.fileName, others.join(QStringLiteral(", "))));
            for (const QString &other : d.services)
                if (other < s)
                    neighbours.append({other, s});
        }
    }
    for (const QStringList &column : std::as_const(m_layout.columns))
        for (int i = 1; i < column.size(); ++i)
            neighbours.append({column[i - 1], column[i]});
    QStringList names;
    for (const ServiceSnapshot &s : snap.services)
        names << s.name;
    theme::assignServiceColors(names, neighbours);
    if (m_persist)
        restoreLayout();
    else
        arrangeLabels();
}

TopologyNode *TopologyView::databaseNode(const QString &service) const
{
    const TopologyLayout::Database *d = m_layout.databaseOf(service);
    return d ? m_nodes.value(d->id) : nullptr;
}

QString TopologyView::databaseFileOf(const QString &service) const
{
    const TopologyLayout::Database *d = m_layout.databaseOf(service);
    return d ? d->fileName : service + QStringLiteral(".db");
}

TopologyNode *TopologyView::addNode(int kind, const QString &id, const QString &title, QPointF pos)
{
    auto *n = new TopologyNode(TopologyNode::Kind(kind), id, title);
    n->setDensity(m_layout.density);
    n->setPos(pos);
    m_scene->addItem(n);
    m_nodes.insert(id, n);
    return n;
}

TopologyEdge *TopologyView::addEdge(const QString &from, const QString &to, bool traffic)
{
    TopologyNode *a = m_nodes.value(from);
    TopologyNode *b = m_nodes.value(to);
    if (!a || !b)
        return nullptr;
    auto *e = new TopologyEdge(
        a, b, traffic ? TopologyEdge::Kind::Traffic : TopologyEdge::Kind::Ownership);
    e->setTextScale(edgeTextScale());
    m_scene->addItem(e);
    m_edges.append(e);
    QList<TopologyEdge *> lanes;
    for (TopologyEdge *x : std::as_const(m_edges))
        if (x->kind() == TopologyEdge::Kind::Traffic)
            lanes.append(x);
    m_particles->setEdges(lanes);
    return e;
}

TopologyEdge *TopologyView::edge(const QString &from, const QString &to) const
{
    for (TopologyEdge *e : m_edges)
        if (e->source()->id() == from && e->dest()->id() == to)
            return e;
    return nullptr;
}

QPointF TopologyView::defaultPosition(const QString &id) const
{
    return defaultPosition(id, m_presenter);
}

QPointF TopologyView::defaultPosition(const QString &id, bool presenter) const
{
    return (presenter ? m_presenterLayout : m_layout).positions.value(id);
}

void TopologyView::setPresenter(bool on)
{
    if (on == m_presenter)
        return;
    for (TopologyNode *n : std::as_const(m_nodes)) {
        // Only nodes where the other mode put them move; dragged ones stay.
        if (n->pos() == defaultPosition(n->id(), m_presenter))
            n->setPos(defaultPosition(n->id(), on));
        n->setScale(on ? TopologyLayout::PresenterScale : 1.0);
        n->setPresenter(on);
    }
    m_presenter = on;
    for (TopologyEdge *e : std::as_const(m_edges)) {
        e->setTextScale(edgeTextScale());
        e->adjust();
    }
    arrangeLabels();
    fitAll();
}

void TopologyView::setSnapshot(const SystemSnapshot &snap)
{
    if (architectureOf(snap) != m_architecture) {
        build(snap);
        fitAll();
    }
    m_snapshot = snap;
    QHash<QString, DatabaseFault> fileFaults; // by database node: the first sharer's on
    for (const ServiceSnapshot &s : snap.services) {
        TopologyNode *n = m_nodes.value(s.name);
        if (!n)
            continue;
        n->setService(s);
        // Faults and operations under way, as badges.
        const QString fault = shortFault(s.fault);
        QString note;
        if (s.updating) {
            QMap<QString, int> versions;
            for (const ReplicaSnapshot &r : s.replicas)
                if (r.state != ReplicaState::Dead)
                    ++versions[r.version];
            QStringList mix;
            for (auto it = versions.begin(); it != versions.end(); ++it)
                mix << QStringLiteral("%1×%2").arg(it.value()).arg(it.key());
            note = QStringLiteral("updating: ") + mix.join(QLatin1Char(' '));
        }
        n->setBadges(fault, note);
        if (const TopologyLayout::Database *db = m_layout.databaseOf(s.name)) {
            DatabaseFault &f = fileFaults[db->id];
            if (f == DatabaseFault::None)
                f = s.dbFault;
        }
    }
    for (const TopologyLayout::Database &d : std::as_const(m_layout.databases))
        if (TopologyNode *db = m_nodes.value(d.id))
            db->setBadges(databaseBadge(fileFaults.value(d.id, DatabaseFault::None)), {});
    // A still picture says what the users did then, not what the load does now.
    const bool running = m_still ? snap.users.rps > 0 : m_controller && m_controller->loadRunning();
    const double rate = m_still ? m_stillRate : m_controller ? m_controller->rate() : 0;
    if (TopologyNode *users = m_nodes.value(QStringLiteral("users")))
        users->setUsers(running, rate, snap.users.rps);
    if (TopologyNode *gw = m_nodes.value(QStringLiteral("gateway")))
        gw->setGateway(snap.gateway);
    // The HTTP front's clients get a node of their own once they have sent something.
    if (snap.http.total() > 0 && !m_nodes.contains(QStringLiteral("http"))) {
        TopologyNode *n =
            addNode(int(TopologyNode::Kind::Users), QStringLiteral("http"), tr("HTTP"), {});
        n->setDensity(m_layout.density);
        n->setPos(defaultPosition(n->id()));
        n->setScale(m_presenter ? TopologyLayout::PresenterScale : 1.0);
        n->setPresenter(m_presenter);
        addEdge(QStringLiteral("http"), QStringLiteral("gateway"), true);
        arrangeLabels();
        fitAll();
    }
    if (TopologyNode *http = m_nodes.value(QStringLiteral("http")))
        http->setHttpClients(snap.http.rps);

    double traffic = 0;
    for (TopologyEdge *e : std::as_const(m_edges)) {
        if (e->kind() != TopologyEdge::Kind::Traffic)
            continue;
        const QString key = e->key();
        const EntitySummary *stats = nullptr;
        if (key == QLatin1String("gateway")) {
            stats = &snap.users; // users → gateway; the HTTP clients have their own edge
        } else if (key == QLatin1String("http")) {
            stats = &snap.http;
        } else {
            for (const EdgeSnapshot &es : snap.edges)
                if (es.from + QLatin1Char('>') + es.to == key)
                    stats = &es.stats;
        }
        if (e->dest()->kind() == TopologyNode::Kind::Service &&
            e->source()->kind() != TopologyNode::Kind::Users) {
            const QString caller = e->source()->kind() == TopologyNode::Kind::Gateway
                                       ? QStringLiteral("users")
                                       : e->source()->id();
            e->setFault(shortFault(snap.linkFault(caller, e->dest()->id())));
        }
        if (!stats) {
            e->setStats(0, 0, 0, false);
            continue;
        }
        const Window &w = stats->last;
        const auto total = w.total();
        const double errors = total ? 1.0 - double(w.succeeded()) / double(total) : 0.0;
        const double fallback =
            total ? double(w.counts[int(Outcome::Fallback)]) / double(total) : 0.0;
        e->setStats(stats->rps, errors, w.p95, stats->total() > 0, fallback);
        traffic += stats->rps;
    }
    // Circuit breakers, where the edge's policy has one. The HTTP front's
    // edges (http>product...) leave the gateway like the users' and are drawn
    // as its one edge into the gateway.
    for (const EdgeSnapshot &es : snap.edges) {
        if (es.from == QLatin1String("http"))
            continue;
        const QString from =
            es.from == QLatin1String("users") ? QStringLiteral("gateway") : es.from;
        if (TopologyEdge *e = edge(from, es.to))
            e->setBreaker(es.breaker);
    }
    // Edges that calls created and the layout does not know yet (another saga, a new service).
    bool added = false;
    for (const EdgeSnapshot &es : snap.edges) {
        if (es.from == QLatin1String("http"))
            continue;
        const QString from =
            es.from == QLatin1String("users") ? QStringLiteral("gateway") : es.from;
        if (!edge(from, es.to) && m_nodes.contains(from) && m_nodes.contains(es.to))
            added |= addEdge(from, es.to, true) != nullptr;
    }
    if (added)
        arrangeLabels();
    m_trafficRps = traffic;
    updateAnimation();
}

void TopologyView::setStill(bool still, double usersRate)
{
    m_still = still;
    m_stillRate = usersRate;
    updateAnimation();
}

bool TopologyView::wantsAnimation() const
{
    if (m_still)
        return false;
    if (!isVisible() || (window() && window()->isMinimized()))
        return false;
    if (viewport()->visibleRegion().isEmpty())
        return false;
    return m_trafficRps > 0 || m_particles->count() > 0;
}

void TopologyView::updateAnimation()
{
    const bool want = wantsAnimation();
    if (want && !m_animation.isActive()) {
        m_clock.start();
        m_animation.start();
    } else if (!want && m_animation.isActive()) {
        m_animation.stop();
    }
}

void TopologyView::animate()
{
    const double dt = m_clock.isValid() ? m_clock.restart() / 1000.0 : 0.033;
    m_particles->advanceBy(dt);
    if (!wantsAnimation())
        m_animation.stop();
}

int TopologyView::particleCount() const
{
    return m_particles->count();
}

QString TopologyView::selectedService() const
{
    for (QGraphicsItem *i : m_scene->selectedItems())
        if (i->type() == TopologyNode::Type) {
            auto *n = static_cast<TopologyNode *>(i);
            if (n->kind() == TopologyNode::Kind::Service)
                return n->id();
        }
    return {};
}

bool TopologyView::highlight(const QString &source)
{
    const QString id = serviceOf(source);
    TopologyNode *n = m_nodes.value(id);
    // A module's name: the monolith that runs it; a file's: its database.
    for (auto it = m_nodes.cbegin(); !n && it != m_nodes.cend(); ++it)
        if (it.value()->modules().contains(id) ||
            (it.value()->kind() == TopologyNode::Kind::Database && it.value()->fileName() == id))
            n = it.value();
    if (!n)
        return false;
    m_scene->clearSelection();
    n->setSelected(true);
    delete m_halo;
    m_halo = m_scene->addRect(n->boundingRect().adjusted(-8, -8, 8, 8).translated(n->pos()),
                              QPen(palette().color(QPalette::Highlight), 4), Qt::NoBrush);
    m_halo->setZValue(3);
    m_flash.start(1500);
    ensureVisible(n);
    return true;
}

QMenu *TopologyView::serviceMenu(const QString &service, QWidget *parent)
{
    return contextMenuFor(m_nodes.value(service), parent);
}

QMenu *TopologyView::contextMenuFor(QGraphicsItem *item, QWidget *parent)
{
    if (!item || !m_controller)
        return nullptr;
    auto *menu = new QMenu(parent ? parent : this);
    menu->setToolTipsVisible(true);
    QPointer<ShopController> c = m_controller;
    auto header = [menu](const QString &text) {
        QAction *a = menu->addAction(text);
        a->setEnabled(false);
        return a;
    };
    auto addServiceActions = [&](const QString &s) {
        using serviceactions::makeAction;
        const ServiceSnapshot *snap = c->snapshot().service(s);
        menu->addAction(makeAction(ServiceAction::Kill, c, s, menu));
        QMenu *one = menu->addMenu(tr("Kill one replica"));
        one->setObjectName(QStringLiteral("kill-replica-menu"));
        if (snap) {
            for (int i = 0; i < snap->replicas.size(); ++i) {
                const ReplicaSnapshot &r = snap->replicas[i];
                QAction *a = one->addAction(
                    QStringLiteral("%1 (%2)").arg(r.name, replicaStateName(r.state)));
                a->setObjectName(QStringLiteral("kill-replica-%1").arg(i));
                a->setEnabled(r.state != ReplicaState::Dead);
                connect(a, &QAction::triggered, c, [c, s, i] { c->killReplica(s, i); });
            }
        }
        menu->addAction(makeAction(ServiceAction::Restart, c, s, menu));
        menu->addSeparator();
        menu->addAction(makeAction(ServiceAction::ScaleUp, c, s, menu));
        menu->addAction(makeAction(ServiceAction::ScaleDown, c, s, menu));
        addFaultActions(menu, s);
    };

    if (item->type() == TopologyNode::Type) {
        auto *n = static_cast<TopologyNode *>(item);
        switch (n->kind()) {
        case TopologyNode::Kind::Service: {
            const ServiceSnapshot &s = n->lastService();
            header(tr("%1 service — %2, %3/%4 replicas ready")
                       .arg(n->id(), theme::healthLabel(n->health()))
                       .arg(s.ready())
                       .arg(s.replicas.size()));
            addServiceActions(n->id());
            menu->addSeparator();
            QAction *db = menu->addAction(tr("Look inside %1").arg(databaseFileOf(n->id())));
            db->setObjectName(QStringLiteral("inspect-db"));
            const QString id = n->id();
            connect(db, &QAction::triggered, this, [this, id] { emit inspectDatabase(id); });
            break;
        }
        case TopologyNode::Kind::Database: {
            const QStringList users = n->services();
            header(
                users.size() > 1
                    ? tr("%1 — shared by %2").arg(n->fileName(), users.join(QStringLiteral(", ")))
                    : tr("%1 — owned by %2 alone").arg(n->fileName(), n->service()));
            QAction *db = menu->addAction(tr("Look inside (read-only)"));
            db->setObjectName(QStringLiteral("inspect-db"));
            const QString id = n->service();
            connect(db, &QAction::triggered, this, [this, id] { emit inspectDatabase(id); });
            break;
        }
        case TopologyNode::Kind::Users: {
            if (n->id() == QLatin1String("http")) {
                header(tr("HTTP clients — real programs through the HTTP front"));
                break;
            }
            header(tr("users — the load generator"));
            QAction *load = menu->addAction(c->loadRunning() ? tr("Pause load\tSpace")
                                                             : tr("Start load\tSpace"));
            load->setObjectName(QStringLiteral("toggle-load"));
            connect(load, &QAction::triggered, c, &ShopController::toggleLoad);
            break;
        }
        case TopologyNode::Kind::Gateway: {
            header(tr("API gateway — routes"));
            for (const QString &r : c->platform().gateway().routes())
                header(r);
            break;
        }
        }
    } else if (item->type() == TopologyEdge::Type) {
        auto *e = static_cast<TopologyEdge *>(item);
        const QString from = e->source()->id();
        const QString to = e->dest()->kind() == TopologyNode::Kind::Database ? e->dest()->service()
                                                                             : e->dest()->id();
        // The gateway's edges are the users' calls: named as the policies,
        // faults, events and files name them (users → product).
        const QString caller =
            e->source()->kind() == TopologyNode::Kind::Gateway ? QStringLiteral("users") : from;
        header(e->dest()->kind() == TopologyNode::Kind::Service
                   ? tr("%1 → %2 — %3").arg(caller, to, TopologyEdge::breakerName(e->breaker()))
                   : tr("%1 → %2").arg(from, e->dest()->kind() == TopologyNode::Kind::Database
                                                 ? e->dest()->fileName()
                                                 : e->dest()->id()));
        if (e->dest()->kind() == TopologyNode::Kind::Service) {
            addLinkActions(menu, caller, to);
            menu->addSection(tr("Callee: %1").arg(to));
            addServiceActions(to);
        } else if (e->dest()->kind() == TopologyNode::Kind::Database) {
            QAction *db = menu->addAction(tr("Look inside %1").arg(e->dest()->fileName()));
            connect(db, &QAction::triggered, this, [this, to] { emit inspectDatabase(to); });
        } else if (e->dest()->kind() == TopologyNode::Kind::Gateway) {
            QAction *load = menu->addAction(c->loadRunning() ? tr("Pause load") : tr("Start load"));
            connect(load, &QAction::triggered, c, &ShopController::toggleLoad);
        }
    } else {
        delete menu;
        return nullptr;
    }
    return menu;
}

void TopologyView::addFaultActions(QMenu *menu, const QString &s)
{
    QPointer<ShopController> c = m_controller;
    if (!c)
        return;
    const ServiceSnapshot *shown = m_snapshot.service(s);
    const Fault now = shown ? shown->fault : Fault{};
    menu->addSeparator();
    QMenu *fault = menu->addMenu(tr("Inject a fault into %1").arg(s));
    fault->setObjectName(QStringLiteral("fault-menu"));
    fault->setToolTipsVisible(true);
    // Each adds to the service's current fault (latency and errors combine).
    auto add = [&](const QString &name, const QString &text, const QString &tip,
                   std::function<void(Fault &)> change) {
        QAction *a = fault->addAction(text);
        a->setObjectName(name);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, c, [c, s, change] {
            Fault f = c->serviceFault(s);
            change(f);
            c->setServiceFault(s, f);
        });
    };
    add(QStringLiteral("fault-latency-200"), tr("Latency: +200 ms on every call"),
        tr("Watch p95 at the gateway climb by 200 ms while the service's throughput holds."),
        [](Fault &f) {
            f.latencyMs = 200;
            f.jitterMs = 0;
            f.latencyPercent = 100;
        });
    add(QStringLiteral("fault-latency-1500"), tr("Latency: +1500 ms (beyond most timeouts)"),
        tr("Callers with a timeout give up (504) and free their workers; callers without one "
           "wait, and their own queues grow: a cascading failure."),
        [](Fault &f) {
            f.latencyMs = 1500;
            f.jitterMs = 0;
            f.latencyPercent = 100;
        });
    add(QStringLiteral("fault-errors-20"), tr("Errors: 20% of calls answer 500"),
        tr("Below the demo breaker's 50% threshold: retries (if on) hide most of them."),
        [](Fault &f) {
            f.errorPercent = 20;
            f.errorStatus = 500;
        });
    add(QStringLiteral("fault-errors-100"), tr("Errors: every call answers 503"),
        tr("A breaker on the callers' edges opens within a second and short-circuits."),
        [](Fault &f) {
            f.errorPercent = 100;
            f.errorStatus = 503;
        });
    add(QStringLiteral("fault-slow-db-100"), tr("Slow database: +100 ms per query"),
        tr("Workers stay busy longer: watch this service's queue and utilization rise."),
        [](Fault &f) { f.dbDelayMs = 100; });
    add(QStringLiteral("fault-slow-db-500"), tr("Slow database: +500 ms per query"),
        tr("The service saturates: its queue fills and callers time out."),
        [](Fault &f) { f.dbDelayMs = 500; });
    fault->addSeparator();
    QAction *clear = fault->addAction(tr("Clear faults on %1").arg(s));
    clear->setObjectName(QStringLiteral("fault-clear"));
    clear->setEnabled(now.active());
    connect(clear, &QAction::triggered, c, [c, s] { c->setServiceFault(s, Fault{}); });
    QAction *more = fault->addAction(tr("More (percentages, statuses)…"));
    more->setObjectName(QStringLiteral("fault-more"));
    connect(more, &QAction::triggered, this, [this, s] { emit chaosRequested(s); });

    const DatabaseFault db = shown ? shown->dbFault : DatabaseFault::None;
    const QString file = databaseFileOf(s);
    const bool blocked = db == DatabaseFault::WritesBlocked;
    const bool locked = db == DatabaseFault::FileLocked;
    QAction *block = menu->addAction(blocked ? tr("Unblock writes to %1").arg(file)
                                             : tr("Block writes to %1 (reads go on)").arg(file));
    block->setObjectName(QStringLiteral("block-writes"));
    connect(block, &QAction::triggered, c, [c, s, blocked] {
        c->setDatabaseFault(s, blocked ? DatabaseFault::None : DatabaseFault::WritesBlocked);
    });
    QAction *lock = menu->addAction(locked ? tr("Unlock %1").arg(file)
                                           : tr("Lock the whole %1 (reads fail too)").arg(file));
    lock->setObjectName(QStringLiteral("lock-file"));
    connect(lock, &QAction::triggered, c, [c, s, locked] {
        c->setDatabaseFault(s, locked ? DatabaseFault::None : DatabaseFault::FileLocked);
    });

    QString version = QStringLiteral("v1");
    if (shown && !shown->replicas.isEmpty())
        version = shown->replicas.first().version;
    const bool updating = shown && shown->updating;
    QAction *update = menu->addAction(
        updating ? tr("Rolling update under way…")
                 : tr("Rolling update %1 → next version, replica by replica").arg(version));
    update->setObjectName(QStringLiteral("rolling-update"));
    update->setEnabled(!updating);
    update->setToolTip(tr("Replace the replicas one at a time, each only once its successor is "
                          "ready: the service keeps serving, the others are not touched."));
    connect(update, &QAction::triggered, c, [c, s] { c->startRollingUpdate(s); });
}

void TopologyView::addLinkActions(QMenu *menu, const QString &caller, const QString &service)
{
    QPointer<ShopController> c = m_controller;
    if (!c)
        return;
    const QString link = caller + QStringLiteral(" → ") + service;
    menu->addSection(tr("Fault on the link %1").arg(link));
    auto add = [&](const QString &name, const QString &text, const Fault &fault) {
        QAction *a = menu->addAction(text);
        a->setObjectName(name);
        a->setToolTip(tr("Only %1's calls to %2 are hit; %2 itself stays healthy for its other "
                         "callers. Watch this edge's label and breaker badge.")
                          .arg(caller, service));
        connect(a, &QAction::triggered, c,
                [c, caller, service, fault] { c->setLinkFault(caller, service, fault); });
    };
    Fault slow;
    slow.latencyMs = 300;
    add(QStringLiteral("link-latency-300"), tr("Latency: +300 ms on this link"), slow);
    Fault slower;
    slower.latencyMs = 2000;
    add(QStringLiteral("link-latency-2000"), tr("Latency: +2000 ms (beyond most timeouts)"),
        slower);
    Fault errors;
    errors.errorPercent = 50;
    errors.errorStatus = 503;
    add(QStringLiteral("link-errors-50"), tr("Errors: half the calls answer 503"), errors);
    Fault partition;
    partition.partitioned = true;
    add(QStringLiteral("link-partition"), tr("Partition: every request on this link is lost"),
        partition);
    QAction *clear = menu->addAction(tr("Clear faults on this link"));
    clear->setObjectName(QStringLiteral("link-clear"));
    clear->setEnabled(m_snapshot.linkFault(caller, service).active());
    connect(clear, &QAction::triggered, c,
            [c, caller, service] { c->setLinkFault(caller, service, Fault{}); });

    const EdgePolicy policy = c->policy(caller, service);
    menu->addSection(tr("Circuit breaker on %1").arg(link));
    if (policy.breakerEnabled) {
        const std::pair<const char *, BreakerState> states[] = {
            {"breaker-force-open", BreakerState::ForcedOpen},
            {"breaker-close", BreakerState::Closed},
            {"breaker-disable", BreakerState::Disabled}};
        const QString texts[] = {tr("Force it open (every call fails fast)"),
                                 tr("Close it (reset: calls flow again)"),
                                 tr("Disable it (never trips)")};
        for (int i = 0; i < 3; ++i) {
            QAction *a = menu->addAction(texts[i]);
            a->setObjectName(QString::fromLatin1(states[i].first));
            const BreakerState state = states[i].second;
            connect(a, &QAction::triggered, c,
                    [c, caller, service, state] { c->setBreakerState(caller, service, state); });
        }
    } else {
        QAction *a = menu->addAction(tr("Add a circuit breaker (demo preset)"));
        a->setObjectName(QStringLiteral("breaker-add"));
        a->setToolTip(tr("It opens within about a second when half of the calls fail."));
        connect(a, &QAction::triggered, c, [c, caller, service] {
            EdgePolicy p = c->policy(caller, service);
            p.breakerEnabled = true;
            p.breaker = CircuitBreakerConfig::demo();
            c->setPolicy(caller, service, p);
        });
    }
    QAction *edit = menu->addAction(tr("Edit this edge's policy (timeout, retries…)…"));
    edit->setObjectName(QStringLiteral("edit-policy"));
    const QString key = caller + QLatin1Char('>') + service;
    connect(edit, &QAction::triggered, this, [this, key] { emit policyRequested(key); });
}

void TopologyView::contextMenuEvent(QContextMenuEvent *event)
{
    QGraphicsItem *hit = nullptr;
    for (QGraphicsItem *i : items(event->pos()))
        if (i->type() == TopologyNode::Type || i->type() == TopologyEdge::Type) {
            hit = i;
            break;
        }
    if (!hit)
        hit = edgeNear(event->pos());
    if (!hit) {
        QMenu *menu = backgroundMenu(this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(event->globalPos());
        return;
    }
    if (hit->type() == TopologyNode::Type && !hit->isSelected()) {
        m_scene->clearSelection();
        hit->setSelected(true);
    }
    QMenu *menu = contextMenuFor(hit, this);
    if (!menu)
        return;
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(event->globalPos());
}

QMenu *TopologyView::backgroundMenu(QWidget *parent)
{
    auto *menu = new QMenu(parent ? parent : this);
    QAction *reset = menu->addAction(tr("Reset layout (every box back in its column)"));
    reset->setObjectName(QStringLiteral("reset-layout"));
    connect(reset, &QAction::triggered, this, &TopologyView::resetLayout);
    QAction *fit = menu->addAction(tr("Fit the whole architecture\tCtrl+0"));
    fit->setObjectName(QStringLiteral("fit-all"));
    connect(fit, &QAction::triggered, this, &TopologyView::resetZoom);
    return menu;
}

TopologyEdge *TopologyView::edgeNear(QPoint pos) const
{
    // A line is a few pixels wide on screen: a click within 10 px of it
    // counts, whatever the zoom (the nearest line wins).
    constexpr int Reach = 10;
    TopologyEdge *best = nullptr;
    double bestDistance = Reach + 1;
    for (TopologyEdge *e : m_edges) {
        const QPointF a = mapFromScene(e->pointAt(0)), b = mapFromScene(e->pointAt(1));
        const QPointF ab = b - a;
        const double len2 = QPointF::dotProduct(ab, ab);
        const double t =
            len2 > 0 ? std::clamp(QPointF::dotProduct(QPointF(pos) - a, ab) / len2, 0.0, 1.0) : 0.0;
        const QPointF d = QPointF(pos) - (a + t * ab);
        const double distance = std::hypot(d.x(), d.y());
        if (distance < bestDistance) {
            bestDistance = distance;
            best = e;
        }
    }
    return best;
}

void TopologyView::mouseDoubleClickEvent(QMouseEvent *event)
{
    for (QGraphicsItem *i : items(event->pos()))
        if (i->type() == TopologyNode::Type) {
            const QString s = static_cast<TopologyNode *>(i)->service();
            if (!s.isEmpty())
                emit inspectDatabase(s);
            return;
        }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void TopologyView::mouseReleaseEvent(QMouseEvent *event)
{
    QGraphicsView::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton && !m_scene->selectedItems().isEmpty())
        layoutChanged();
}

double TopologyView::edgeTextScale() const
{
    return (m_presenter ? 1.3 : 1.0) *
           (m_layout.density == TopologyLayout::Density::Compact ? 0.85 : 1.0);
}

void TopologyView::arrangeLabels()
{
    // Each traffic label where it covers the least of the boxes, of the
    // labels placed before it and of the other lines: the middle of its line
    // first, then further along either way, then the line's other side.
    QList<QRectF> taken;
    for (TopologyNode *n : std::as_const(m_nodes))
        taken << n->sceneBody().adjusted(-3, -3, 3, 3);
    static const double along[] = {0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78};
    for (TopologyEdge *e : std::as_const(m_edges)) {
        if (e->kind() != TopologyEdge::Kind::Traffic)
            continue;
        double best = 1e18, bestT = 0.5;
        int bestSide = 1;
        QRectF bestBox;
        for (int side : {1, -1}) {
            for (double t : along) {
                const QRectF box = e->labelBoxAt(t, side);
                double cost = (side < 0 ? 0.5 : 0) + std::abs(t - 0.5);
                for (const QRectF &q : std::as_const(taken)) {
                    const QRectF i = box.intersected(q);
                    cost += i.width() * i.height();
                }
                for (TopologyEdge *other : std::as_const(m_edges))
                    if (other != e && segmentHits(other->pointAt(0), other->pointAt(1), box))
                        cost += 400; // as much as 20 × 20 of a box covered

                if (cost < best) {
                    best = cost;
                    bestT = t;
                    bestSide = side;
                    bestBox = box;
                }
            }
        }
        e->setLabelPlacement(bestT, bestSide);
        taken << bestBox;
    }
}

void TopologyView::layoutChanged()
{
    arrangeLabels();
    if (m_persist)
        saveLayout();
    resetCachedContent();
    viewport()->update();
}

QString TopologyView::settingsGroup() const
{
    const QByteArray hash =
        QCryptographicHash::hash(m_layout.key.toUtf8(), QCryptographicHash::Sha1).toHex();
    return QStringLiteral("topology/") + QString::fromLatin1(hash.left(16));
}

void TopologyView::saveLayout() const
{
    // Only what the user moved: the others follow the layout.
    QSettings settings;
    settings.beginGroup(settingsGroup());
    settings.setValue(QStringLiteral("services"), m_layout.key);
    for (TopologyNode *n : m_nodes) {
        if (n->pos() == defaultPosition(n->id()))
            settings.remove(n->id());
        else
            settings.setValue(n->id(), n->pos());
    }
    settings.endGroup();
}

void TopologyView::restoreLayout()
{
    QSettings settings;
    settings.beginGroup(settingsGroup());
    for (TopologyNode *n : std::as_const(m_nodes)) {
        const QVariant v = settings.value(n->id());
        if (v.canConvert<QPointF>())
            n->setPos(v.toPointF());
    }
    settings.endGroup();
    arrangeLabels();
    fitAll();
}

void TopologyView::resetLayout()
{
    for (TopologyNode *n : std::as_const(m_nodes))
        n->setPos(defaultPosition(n->id()));
    if (m_persist)
        QSettings().remove(settingsGroup());
    layoutChanged();
    fitAll();
}

void TopologyView::fitAll()
{
    QRectF r;
    for (TopologyNode *n : std::as_const(m_nodes))
        r = r.united(n->sceneBoundingRect());
    for (TopologyEdge *e : std::as_const(m_edges))
        r = r.united(e->sceneBoundingRect());
    r.adjust(-20, -36, 20, 12); // room for the layer titles above
    m_particles->setBounds(r);
    // Fit into the viewport less the legend's rows at its foot (they are in
    // the view's pixels, so their room is not a fixed share of the scene).
    const QSizeF room(std::max(1, viewport()->width() - 8),
                      std::max(1, viewport()->height() - legendHeight() - 4));
    const qreal fit = std::min(room.width() / r.width(), room.height() / r.height());
    m_fit = fit;
    const qreal s = fit * m_zoom;
    // The scene reaches as far as the view can show, so that the picture can
    // be centred above the legend (and panned when zoomed in).
    const QSizeF half(viewport()->width() / (2 * s), viewport()->height() / (2 * s));
    const QPointF centre = r.center() + QPointF(0, (legendHeight() + 4) / (2 * s));
    m_scene->setSceneRect(r.united(QRectF(centre.x() - half.width(), centre.y() - half.height(),
                                          2 * half.width(), 2 * half.height())));
    setTransform(QTransform::fromScale(s, s));
    centerOn(centre);
    resetCachedContent();
}

void TopologyView::zoomBy(double factor)
{
    const double zoom = std::clamp(m_zoom * factor, 1.0, maxZoom());
    if (zoom == m_zoom)
        return;
    const double step = zoom / m_zoom;
    m_zoom = zoom;
    scale(step, step);
    resetCachedContent();
}

double TopologyView::maxZoom() const
{
    return std::max(4.0, 1.25 / std::max(1e-3, m_fit));
}

void TopologyView::resetZoom()
{
    m_zoom = 1;
    fitAll();
}

double TopologyView::titlePixelSize() const
{
    const TopologyNode *n = m_nodes.value(QStringLiteral("product"));
    if (!n) {
        for (const TopologyNode *x : m_nodes)
            if (x->kind() == TopologyNode::Kind::Service)
                n = x;
    }
    return n ? n->titlePixelsShown() * n->scale() * transform().m11() : 0;
}

void TopologyView::wheelEvent(QWheelEvent *event)
{
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QGraphicsView::wheelEvent(event); // scrolls a zoomed-in picture
        return;
    }
    const QPoint steps = event->angleDelta();
    if (steps.y() == 0)
        return;
    // Zoom about the point under the mouse, a notch at a time.
    const ViewportAnchor anchor = transformationAnchor();
    setTransformationAnchor(AnchorUnderMouse);
    zoomBy(std::pow(1.15, steps.y() / 120.0));
    setTransformationAnchor(anchor);
    event->accept();
}

void TopologyView::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    fitAll();
}

void TopologyView::showEvent(QShowEvent *event)
{
    QGraphicsView::showEvent(event);
    updateAnimation();
}

void TopologyView::hideEvent(QHideEvent *event)
{
    QGraphicsView::hideEvent(event);
    m_animation.stop();
}

void TopologyView::changeEvent(QEvent *event)
{
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        resetCachedContent();
        for (QGraphicsItem *i : m_scene->items())
            i->update();
    }
}

void TopologyView::paintEvent(QPaintEvent *event)
{
    ++m_frames;
    QGraphicsView::paintEvent(event);
}

void TopologyView::drawBackground(QPainter *p, const QRectF &rect)
{
    const QPalette pal = palette();
    p->fillRect(rect, pal.color(QPalette::Base));
    // The seed's layers as faint columns: users, gateway, services, databases.
    struct Layer
    {
        QString title;
        qreal left = 1e9, right = -1e9;
    };
    Layer layers[4] = {
        {tr("user apps")}, {tr("API gateway")}, {tr("microservices")}, {tr("one database each")}};
    for (const TopologyLayout::Database &d : std::as_const(m_layout.databases))
        if (d.services.size() > 1)
            layers[3].title = tr("databases");
    // A monolith is not microservices, and its one file is not one each.
    int monoliths = 0, services = 0;
    for (const TopologyNode *n : std::as_const(m_nodes))
        if (n->kind() == TopologyNode::Kind::Service) {
            ++services;
            monoliths += n->modules().size() > 1;
        }
    if (monoliths > 0) {
        layers[2].title = services == 1 ? tr("one deployable") : tr("deployables");
        if (layers[3].title == tr("one database each"))
            layers[3].title = services == 1 ? tr("one database") : tr("databases");
    }
    for (TopologyNode *n : std::as_const(m_nodes)) {
        const int i = int(n->kind());
        const QRectF b = n->sceneBoundingRect();
        layers[i].left = std::min(layers[i].left, b.left());
        layers[i].right = std::max(layers[i].right, b.right());
    }
    const QRectF scene = sceneRect();
    QFont f = font();
    f.setPixelSize(13);
    f.setBold(true);
    f.setCapitalization(QFont::AllUppercase);
    f.setLetterSpacing(QFont::PercentageSpacing, 110);
    p->setFont(f);
    for (int i = 0; i < 4; ++i) {
        if (layers[i].left > layers[i].right)
            continue;
        const QRectF band(layers[i].left - 8, scene.top() + 4,
                          layers[i].right - layers[i].left + 16, scene.height() - 8);
        QColor fill = theme::mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.035);
        p->setPen(Qt::NoPen);
        p->setBrush(fill);
        p->drawRoundedRect(band, 12, 12);
        p->setPen(theme::mutedText(pal));
        p->drawText(QRectF(band.left(), band.top() + 4, band.width(), 20), Qt::AlignCenter,
                    layers[i].title);
    }
}

QFont TopologyView::legendFont() const
{
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    return f;
}

QList<QList<int>> TopologyView::legendRows(const QStringList &texts) const
{
    // Items in groups (health | replicas | requests), on as many rows as the
    // view's width needs: a group moves down whole when it fits on a row.
    static const QList<QList<int>> groups = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}};
    const QFontMetrics fm(legendFont());
    const int width = viewport()->width() - 16;
    auto itemWidth = [&](int i) { return 16 + fm.horizontalAdvance(texts[i]) + 12; };
    QList<QList<int>> rows{{}};
    int used = 0;
    for (const QList<int> &g : groups) {
        int groupWidth = 0;
        for (int i : g)
            groupWidth += itemWidth(i);
        if (used > 0 && used + groupWidth > width && groupWidth <= width) {
            rows.append(QList<int>());
            used = 0;
        }
        for (int i : g) {
            if (used > 0 && used + itemWidth(i) > width) {
                rows.append(QList<int>());
                used = 0;
            }
            rows.last().append(i);
            used += itemWidth(i);
        }
    }
    return rows;
}

int TopologyView::legendHeight() const
{
    const QFontMetrics fm(legendFont());
    return int(legendRows(legendTexts()).size()) * (fm.height() + 6) + 10;
}

QStringList TopologyView::legendTexts() const
{
    const QStringList full = {tr("healthy"),           tr("degraded"),
                              tr("failing (<90% ok)"), tr("down"),
                              tr("replica ready"),     tr("ready, out of rotation"),
                              tr("starting"),          tr("dead"),
                              tr("request"),           tr("failed request")};
    // Where the full words need a second row, the short ones may fit one
    // (F1 explains each colour in full).
    if (legendRows(full).size() == 1)
        return full;
    const QStringList brief = {tr("healthy"), tr("degraded"),        tr("failing"),  tr("down"),
                               tr("ready"),   tr("out of rotation"), tr("starting"), tr("dead"),
                               tr("request"), tr("failed")};
    return legendRows(brief).size() < legendRows(full).size() ? brief : full;
}

void TopologyView::drawForeground(QPainter *p, const QRectF &)
{
    // The legend, in the view's own pixels so it stays readable at any zoom,
    // on as many rows as the width needs (fitAll() leaves it the room).
    p->save();
    p->resetTransform();
    const QPalette pal = palette();
    const QFont f = legendFont();
    p->setFont(f);
    const QFontMetrics fm(f);
    p->setRenderHint(QPainter::Antialiasing);
    const QStringList texts = legendTexts();
    const QList<QColor> colors = {theme::healthColor(ServiceSnapshot::Health::Healthy),
                                  theme::healthColor(ServiceSnapshot::Health::Degraded),
                                  theme::healthColor(ServiceSnapshot::Health::Failing),
                                  theme::healthColor(ServiceSnapshot::Health::Down),
                                  theme::okColor(),
                                  theme::okColor(),
                                  theme::warningColor(),
                                  theme::deadColor(pal),
                                  theme::startingColor(),
                                  theme::errorColor()};
    auto shape = [](int i) { return i == 7 ? 1 : i == 5 ? 2 : 0; }; // 0 dot, 1 dead pip, 2 ring
    const QList<QList<int>> rows = legendRows(texts);
    const int rowHeight = fm.height() + 6;
    int y = viewport()->height() - int(rows.size()) * rowHeight - 4;
    QColor bg = pal.color(QPalette::Base);
    bg.setAlphaF(0.85f);
    for (const QList<int> &row : rows) {
        int total = 10;
        for (int i : row)
            total += 16 + fm.horizontalAdvance(texts[i]) + 12;
        p->setPen(Qt::NoPen);
        p->setBrush(bg);
        p->drawRoundedRect(QRect(4, y - 3, std::min(total, viewport()->width() - 8), rowHeight), 6,
                           6);
        int x = 10;
        for (int k = 0; k < row.size(); ++k) {
            const int i = row[k];
            if (k > 0 && (i == 4 || i == 8)) {
                p->setPen(QPen(theme::mutedText(pal), 1));
                p->drawLine(x - 6, y, x - 6, y + fm.height());
            }
            const QRectF dot(x, y + fm.height() / 2.0 - 5, 10, 10);
            if (shape(i) == 0) {
                p->setPen(Qt::NoPen);
                p->setBrush(colors[i]);
                p->drawEllipse(dot);
            } else {
                p->setPen(QPen(shape(i) == 2 ? colors[i] : theme::deadColor(pal), 1.5));
                p->setBrush(Qt::NoBrush);
                p->drawEllipse(dot);
                if (shape(i) == 1) {
                    p->setPen(QPen(theme::errorColor(), 1.8));
                    p->drawLine(dot.topLeft() + QPointF(2, 2), dot.bottomRight() - QPointF(2, 2));
                    p->drawLine(dot.topRight() + QPointF(-2, 2), dot.bottomLeft() + QPointF(2, -2));
                }
            }
            p->setPen(pal.color(QPalette::Text));
            p->drawText(QPoint(x + 14, y + fm.ascent()), texts[i]);
            x += 16 + fm.horizontalAdvance(texts[i]) + 12;
        }
        y += rowHeight;
    }
    p->restore();
}

} // namespace microcosm
