#include "topologyview.h"

#include "particlelayer.h"
#include "shopcontroller.h"
#include "theme.h"
#include "topologyedge.h"
#include "topologynode.h"

#include <QContextMenuEvent>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QMenu>
#include <QSettings>
#include <QWindow>

#include <cmath>

namespace microcosm {

namespace {

constexpr qreal GatewayX = 330;
constexpr qreal ServiceX = 730;
constexpr qreal DatabaseX = 1050;
constexpr qreal RowGap = 205;

QString serviceOf(const QString &source)
{
    // "product#2" → "product"; a link "order→cart" → its callee, "cart".
    QString s = source;
    const qsizetype arrow = s.indexOf(QStringLiteral("→"));
    if (arrow >= 0)
        s = s.mid(arrow + 1);
    const qsizetype hash = s.indexOf(QLatin1Char('#'));
    if (hash >= 0)
        s = s.left(hash);
    return s;
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

    addNode(int(TopologyNode::Kind::Users), QStringLiteral("users"), tr("users"), {});
    addNode(int(TopologyNode::Kind::Gateway), QStringLiteral("gateway"), tr("API gateway"), {});
    const QStringList services = controller->platform().serviceNames();
    for (const QString &s : services) {
        addNode(int(TopologyNode::Kind::Service), s, s, {});
        TopologyNode *db = addNode(int(TopologyNode::Kind::Database), QStringLiteral("db:") + s,
                                   s + QStringLiteral(".db"), {});
        db->setDatabase(controller->platform().databasePath(s));
    }
    for (TopologyNode *n : std::as_const(m_nodes))
        n->setPos(defaultPosition(n->id()));

    addEdge(QStringLiteral("users"), QStringLiteral("gateway"), true);
    for (const QString &s : services)
        addEdge(QStringLiteral("gateway"), s, true);
    // The order saga's calls, known before the first checkout so the layout is stable.
    if (services.contains(QStringLiteral("order"))) {
        for (const QString &callee : {QStringLiteral("product"), QStringLiteral("cart")})
            if (services.contains(callee))
                addEdge(QStringLiteral("order"), callee, true);
    }
    for (const QString &s : services)
        addEdge(s, QStringLiteral("db:") + s, false);

    m_scene->addItem(m_particles);
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

TopologyNode *TopologyView::addNode(int kind, const QString &id, const QString &title, QPointF pos)
{
    auto *n = new TopologyNode(TopologyNode::Kind(kind), id, title);
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
    if (id == QLatin1String("users"))
        return {-40, 0};
    if (id == QLatin1String("gateway"))
        return {GatewayX, 0};
    const bool db = id.startsWith(QLatin1String("db:"));
    const QString s = db ? id.mid(3) : id;
    // order in the middle: its saga calls go up to product and down to cart.
    static const QStringList rows = {QStringLiteral("product"), QStringLiteral("order"),
                                     QStringLiteral("cart")};
    int row = int(rows.indexOf(s));
    if (row < 0) {
        const QStringList all =
            m_controller ? m_controller->platform().serviceNames() : QStringList();
        row = 3 + int(all.indexOf(s));
    }
    return {db ? DatabaseX : ServiceX, (row - 1) * RowGap};
}

void TopologyView::setSnapshot(const SystemSnapshot &snap)
{
    for (const ServiceSnapshot &s : snap.services)
        if (TopologyNode *n = m_nodes.value(s.name))
            n->setService(s);
    const bool running = m_controller && m_controller->loadRunning();
    if (TopologyNode *users = m_nodes.value(QStringLiteral("users")))
        users->setUsers(running, m_controller ? m_controller->rate() : 0, snap.gateway.rps);
    if (TopologyNode *gw = m_nodes.value(QStringLiteral("gateway")))
        gw->setGateway(snap.gateway);

    double traffic = 0;
    for (TopologyEdge *e : std::as_const(m_edges)) {
        if (e->kind() != TopologyEdge::Kind::Traffic)
            continue;
        const QString key = e->key();
        const EntitySummary *stats = nullptr;
        if (key == QLatin1String("gateway")) {
            stats = &snap.gateway;
        } else {
            for (const EdgeSnapshot &es : snap.edges)
                if (es.from + QLatin1Char('>') + es.to == key)
                    stats = &es.stats;
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
    // Circuit breakers, where the edge's policy has one.
    if (m_controller) {
        for (const EdgeStatus &st : m_controller->edgeStatus()) {
            const QString from =
                st.from == QLatin1String("users") ? QStringLiteral("gateway") : st.from;
            if (TopologyEdge *e = edge(from, st.to))
                e->setBreaker(TopologyEdge::breakerFromName(st.breaker));
        }
    }
    // Edges that calls created and the layout does not know yet (another saga, a new service).
    for (const EdgeSnapshot &es : snap.edges) {
        const QString from =
            es.from == QLatin1String("users") ? QStringLiteral("gateway") : es.from;
        if (!edge(from, es.to) && m_nodes.contains(from) && m_nodes.contains(es.to))
            addEdge(from, es.to, true);
    }
    m_trafficRps = traffic;
    updateAnimation();
}

bool TopologyView::wantsAnimation() const
{
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
    QPointer<ShopController> c = m_controller;
    auto header = [menu](const QString &text) {
        QAction *a = menu->addAction(text);
        a->setEnabled(false);
        return a;
    };
    auto addServiceActions = [&](const QString &s) {
        const int configured = c->configuredReplicas(s);
        const ServiceSnapshot *snap = c->snapshot().service(s);
        int dead = 0;
        if (snap)
            for (const ReplicaSnapshot &r : snap->replicas)
                dead += r.state == QLatin1String("dead");
        QAction *kill = menu->addAction(tr("Kill %1 (all replicas)\tK").arg(s));
        kill->setObjectName(QStringLiteral("kill-service"));
        kill->setToolTip(tr("Every replica stops at once; watch the other services keep serving."));
        connect(kill, &QAction::triggered, c, [c, s] { c->killService(s); });
        QMenu *one = menu->addMenu(tr("Kill one replica"));
        one->setObjectName(QStringLiteral("kill-replica-menu"));
        if (snap) {
            for (int i = 0; i < snap->replicas.size(); ++i) {
                const ReplicaSnapshot &r = snap->replicas[i];
                QAction *a = one->addAction(QStringLiteral("%1 (%2)").arg(r.name, r.state));
                a->setObjectName(QStringLiteral("kill-replica-%1").arg(i));
                a->setEnabled(r.state != QLatin1String("dead"));
                connect(a, &QAction::triggered, c, [c, s, i] { c->killReplica(s, i); });
            }
        }
        QAction *restart = menu->addAction(tr("Restart %1\tR").arg(s));
        restart->setObjectName(QStringLiteral("restart-service"));
        restart->setEnabled(dead > 0);
        connect(restart, &QAction::triggered, c, [c, s] { c->restartService(s); });
        menu->addSeparator();
        QAction *up = menu->addAction(tr("Scale up (+1 replica, now %1)").arg(configured));
        up->setObjectName(QStringLiteral("scale-up"));
        up->setEnabled(configured < 16);
        connect(up, &QAction::triggered, c, [c, s] { c->scaleBy(s, +1); });
        QAction *down = menu->addAction(tr("Scale down (−1 replica)"));
        down->setObjectName(QStringLiteral("scale-down"));
        down->setEnabled(configured > 1);
        connect(down, &QAction::triggered, c, [c, s] { c->scaleBy(s, -1); });
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
            QAction *db = menu->addAction(tr("Look inside %1.db").arg(n->id()));
            db->setObjectName(QStringLiteral("inspect-db"));
            const QString id = n->id();
            connect(db, &QAction::triggered, this, [this, id] { emit inspectDatabase(id); });
            break;
        }
        case TopologyNode::Kind::Database: {
            header(tr("%1.db — owned by %1 alone").arg(n->service()));
            QAction *db = menu->addAction(tr("Look inside (read-only)"));
            db->setObjectName(QStringLiteral("inspect-db"));
            const QString id = n->service();
            connect(db, &QAction::triggered, this, [this, id] { emit inspectDatabase(id); });
            break;
        }
        case TopologyNode::Kind::Users: {
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
        header(
            tr("%1 → %2 — %3").arg(from, e->dest()->id(), TopologyEdge::breakerName(e->breaker())));
        if (e->dest()->kind() == TopologyNode::Kind::Service) {
            menu->addSection(tr("Callee: %1").arg(to));
            addServiceActions(to);
        } else if (e->dest()->kind() == TopologyNode::Kind::Database) {
            QAction *db = menu->addAction(tr("Look inside %1.db").arg(to));
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

void TopologyView::contextMenuEvent(QContextMenuEvent *event)
{
    QGraphicsItem *hit = nullptr;
    for (QGraphicsItem *i : items(event->pos()))
        if (i->type() == TopologyNode::Type || i->type() == TopologyEdge::Type) {
            hit = i;
            break;
        }
    if (!hit)
        return;
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

void TopologyView::layoutChanged()
{
    if (m_persist)
        saveLayout();
    resetCachedContent();
    viewport()->update();
}

void TopologyView::saveLayout() const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("topology"));
    for (TopologyNode *n : m_nodes)
        settings.setValue(n->id(), n->pos());
    settings.endGroup();
}

void TopologyView::restoreLayout()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("topology"));
    for (TopologyNode *n : std::as_const(m_nodes)) {
        const QVariant v = settings.value(n->id());
        if (v.canConvert<QPointF>())
            n->setPos(v.toPointF());
    }
    settings.endGroup();
    fitAll();
}

void TopologyView::resetLayout()
{
    for (TopologyNode *n : std::as_const(m_nodes))
        n->setPos(defaultPosition(n->id()));
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
    r.adjust(-20, -36, 20, 52); // room for the layer titles above and the legend below
    m_scene->setSceneRect(r);
    m_particles->setBounds(r);
    fitInView(r, Qt::KeepAspectRatio);
    resetCachedContent();
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

void TopologyView::drawForeground(QPainter *p, const QRectF &)
{
    // The legend, in the view's own pixels so it stays readable at any zoom.
    p->save();
    p->resetTransform();
    const QPalette pal = palette();
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    p->setFont(f);
    const QFontMetrics fm(f);
    p->setRenderHint(QPainter::Antialiasing);
    struct Item
    {
        QColor color;
        QString text;
        int shape; // 0 dot, 1 dead pip, 2 ring
    };
    const QList<Item> items = {
        {theme::healthColor(ServiceSnapshot::Health::Healthy), tr("healthy"), 0},
        {theme::healthColor(ServiceSnapshot::Health::Degraded), tr("degraded"), 0},
        {theme::healthColor(ServiceSnapshot::Health::Failing), tr("failing (<90% ok)"), 0},
        {theme::healthColor(ServiceSnapshot::Health::Down), tr("down"), 0},
        {theme::okColor(), tr("replica ready"), 0},
        {theme::okColor(), tr("ready, out of rotation"), 2},
        {theme::warningColor(), tr("starting"), 0},
        {theme::deadColor(pal), tr("dead"), 1},
        {theme::startingColor(), tr("request"), 0},
        {theme::errorColor(), tr("failed request"), 0},
    };
    int x = 10;
    const int y = viewport()->height() - fm.height() - 8;
    QColor bg = pal.color(QPalette::Base);
    bg.setAlphaF(0.85f);
    int total = 10;
    for (const Item &i : items)
        total += 16 + fm.horizontalAdvance(i.text) + 12;
    p->setPen(Qt::NoPen);
    p->setBrush(bg);
    p->drawRoundedRect(QRect(4, y - 4, std::min(total, viewport()->width() - 8), fm.height() + 8),
                       6, 6);
    for (int k = 0; k < items.size(); ++k) {
        const Item &i = items[k];
        if (k == 4 || k == 8) {
            p->setPen(QPen(theme::mutedText(pal), 1));
            p->drawLine(x - 6, y, x - 6, y + fm.height());
        }
        const QRectF dot(x, y + fm.height() / 2.0 - 5, 10, 10);
        if (i.shape == 0) {
            p->setPen(Qt::NoPen);
            p->setBrush(i.color);
            p->drawEllipse(dot);
        } else {
            p->setPen(QPen(i.shape == 2 ? i.color : theme::deadColor(pal), 1.5));
            p->setBrush(Qt::NoBrush);
            p->drawEllipse(dot);
            if (i.shape == 1) {
                p->setPen(QPen(theme::errorColor(), 1.8));
                p->drawLine(dot.topLeft() + QPointF(2, 2), dot.bottomRight() - QPointF(2, 2));
                p->drawLine(dot.topRight() + QPointF(-2, 2), dot.bottomLeft() + QPointF(2, -2));
            }
        }
        p->setPen(pal.color(QPalette::Text));
        p->drawText(QPoint(x + 14, y + fm.ascent()), i.text);
        x += 16 + fm.horizontalAdvance(i.text) + 12;
    }
    p->restore();
}

} // namespace microcosm
