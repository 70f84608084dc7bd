#include "topologynode.h"

#include "theme.h"
#include "topologyedge.h"

#include <algorithm>

#include <QApplication>
#include <QFileInfo>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QWidget>

#include <cmath>

namespace microcosm {

namespace {

QFont pixelFont(int px, bool bold = false)
{
    QFont f = QApplication::font();
    f.setPixelSize(px);
    f.setBold(bold);
    return f;
}

// Draws one line of text in `box`, in the painter's font or, when it would
// not fit, a smaller size of it (down to 9 px) — never clipped mid-figure.
// The pixel size of `font` (or smaller, down to 9 px) at which `text` fits `width`.
int fittedPixels(QFont font, const QString &text, qreal width)
{
    while (font.pixelSize() > 9 && QFontMetricsF(font).horizontalAdvance(text) > width)
        font.setPixelSize(font.pixelSize() - 1);
    return font.pixelSize();
}

// Returns the width the text took.
qreal drawFitted(QPainter *p, const QRectF &box, int flags, const QString &text)
{
    const QFont original = p->font();
    QFont f = original;
    f.setPixelSize(fittedPixels(f, text, box.width()));
    p->setFont(f);
    p->drawText(box, flags, text);
    const qreal used = p->fontMetrics().horizontalAdvance(text);
    p->setFont(original);
    return used;
}

TopologyLayout::Box boxOf(TopologyNode::Kind kind)
{
    switch (kind) {
    case TopologyNode::Kind::Users:
        return TopologyLayout::Box::Users;
    case TopologyNode::Kind::Gateway:
        return TopologyLayout::Box::Gateway;
    case TopologyNode::Kind::Service:
        return TopologyLayout::Box::Service;
    case TopologyNode::Kind::Database:
        return TopologyLayout::Box::Database;
    }
    return TopologyLayout::Box::Service;
}

QString rpsText(double rps)
{
    return rps >= 100 ? QString::number(rps, 'f', 0) : QString::number(rps, 'f', rps >= 10 ? 0 : 1);
}

QString percentText(double fraction)
{
    const double pct = 100.0 * fraction;
    if (pct >= 99.95 || pct <= 0.05)
        return QString::number(pct, 'f', 0) + QLatin1Char('%');
    return QString::number(pct, 'f', 1) + QLatin1Char('%');
}

double windowSuccess(const Window &w)
{
    const auto total = w.total();
    return total ? double(w.succeeded()) / double(total) : 1.0;
}

} // namespace

TopologyNode::TopologyNode(Kind kind, QString id, QString title)
    : m_kind(kind), m_id(std::move(id)), m_title(std::move(title))
{
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setCacheMode(DeviceCoordinateCache);
    setAcceptHoverEvents(true);
    setZValue(2);
    setCursor(Qt::OpenHandCursor);
}

QString TopologyNode::service() const
{
    if (m_kind == Kind::Service)
        return m_id;
    if (m_kind == Kind::Database)
        return m_services.isEmpty() ? m_id.mid(3) : m_services.first();
    return {};
}

QString TopologyNode::fileName() const
{
    return m_path.isEmpty() ? m_id.mid(3) + QStringLiteral(".db") : QFileInfo(m_path).fileName();
}

void TopologyNode::setModules(const QStringList &modules)
{
    const QStringList shown = modules.size() > 1 ? modules : QStringList();
    if (shown == m_modules)
        return;
    prepareGeometryChange();
    m_modules = shown;
    for (TopologyEdge *e : std::as_const(m_edges))
        e->adjust();
    update();
}

QStringList TopologyNode::moduleLines() const
{
    // Three names a line, as TopologyLayout::moduleLines() counts them.
    QStringList lines;
    for (int i = 0; i < m_modules.size(); i += 3)
        lines << (i == 0 ? QStringLiteral("runs ") : QString()) +
                     m_modules.mid(i, 3).join(QStringLiteral(" · "));
    return lines;
}

void TopologyNode::setDensity(TopologyLayout::Density density)
{
    if (density == m_density)
        return;
    prepareGeometryChange();
    m_density = density;
    setPresenter(m_presenter); // the title's size for this density
    for (TopologyEdge *e : std::as_const(m_edges))
        e->adjust();
    update();
}

qreal TopologyNode::titleRoom() const
{
    // A service's box less the health pill and the version.
    // (Compact boxes have the pill on the replicas' row: the title gets the width.)
    if (m_kind == Kind::Service)
        return body().width() - 22 - (m_density == TopologyLayout::Density::Compact ? 28 : 98);
    return body().width() - 20;
}

void TopologyNode::addEdge(TopologyEdge *edge)
{
    m_edges.append(edge);
}

int TopologyNode::titlePixelsShown() const
{
    return fittedPixels(pixelFont(m_titlePixels, true), m_title, titleRoom());
}

void TopologyNode::setPresenter(bool on)
{
    m_presenter = on;
    m_titlePixels = m_density == TopologyLayout::Density::Compact
                        ? CompactTitlePixels + (on ? 3 : 0)
                        : (on ? PresenterTitlePixels : TitlePixels);
    update();
}

QRectF TopologyNode::body() const
{
    const QSizeF size = TopologyLayout::boxSize(boxOf(m_kind), m_density,
                                                TopologyLayout::moduleLines(int(m_modules.size())));
    return QRectF(-size.width() / 2, -size.height() / 2, size.width(), size.height());
}

QRectF TopologyNode::boundingRect() const
{
    // Room above the body for the fault and note badges on its top edge.
    return body().adjusted(-6, -16, 6, 6);
}

QPainterPath TopologyNode::shape() const
{
    QPainterPath p;
    p.addRoundedRect(body(), 10, 10);
    return p;
}

void TopologyNode::changed(const QString &signature)
{
    m_hasState = true;
    if (signature == m_signature)
        return;
    m_signature = signature;
    update();
}

void TopologyNode::setService(const ServiceSnapshot &service)
{
    m_service = service;
    m_health = service.health;
    QString sig = QString::number(int(service.health));
    int capacity = 0;
    for (const ReplicaSnapshot &r : service.replicas) {
        sig += QString::number(int(r.state)) + r.version + QLatin1Char(r.inRotation ? '+' : '-');
        if (r.state == ReplicaState::Ready)
            capacity += r.queueCapacity;
    }
    const Window &w = service.stats.last;
    sig += QStringLiteral("|%1|%2|%3|%4|%5|%6")
               .arg(service.queued())
               .arg(capacity)
               .arg(rpsText(service.stats.rps))
               .arg(percentText(windowSuccess(w)))
               .arg(service.busy())
               .arg(service.workers());
    if (sig != m_signature) {
        QStringList replicas;
        for (const ReplicaSnapshot &r : service.replicas)
            replicas << QStringLiteral("%1: %2%3, queue %4/%5, busy %6/%7")
                            .arg(r.name, replicaStateName(r.state),
                                 r.inRotation ? QString() : QStringLiteral(" (out of rotation)"))
                            .arg(r.queued)
                            .arg(r.queueCapacity)
                            .arg(r.busy)
                            .arg(r.workers);
        const QString what = m_modules.isEmpty()
                                 ? QStringLiteral("%1 service").arg(m_id)
                                 : QStringLiteral("%1</b>, one deployable running %2<b>")
                                       .arg(m_id, m_modules.join(QStringLiteral(", ")));
        setToolTip(QStringLiteral("<b>%1</b> — %2<br>%3<br><br>%4<br><br>"
                                  "Right-click to kill, restart or scale it.")
                       .arg(what, theme::healthLabel(service.health),
                            theme::healthRule(service.health),
                            replicas.join(QStringLiteral("<br>"))));
    }
    changed(sig);
}

void TopologyNode::setUsers(bool running, double rate, double rps)
{
    m_active = running;
    m_lines = {running ? QStringLiteral("%1 journeys/s").arg(rpsText(rate))
                       : QStringLiteral("load paused"),
               QStringLiteral("%1 req/s sent").arg(rpsText(rps))};
    setToolTip(QStringLiteral("<b>Users</b>: the load generator. Journeys (browse, view, add to "
                              "cart, checkout) arrive at the set rate whatever the system does; "
                              "each one is one or two requests through the gateway."));
    changed(m_lines.join(QLatin1Char('|')) + QLatin1Char(running ? '1' : '0'));
}

void TopologyNode::setHttpClients(double rps)
{
    m_active = rps > 0;
    m_lines = {QStringLiteral("real clients"), QStringLiteral("%1 req/s sent").arg(rpsText(rps))};
    setToolTip(QStringLiteral("<b>HTTP clients</b>: real programs on this machine — a browser on "
                              "the web storefront, curl, wrk, Locust — sending requests through "
                              "the HTTP front. The gateway treats them as users (caller "
                              "\"http\"): the same routes, policies and metrics."));
    changed(m_lines.join(QLatin1Char('|')));
}

void TopologyNode::setGateway(const EntitySummary &gateway)
{
    const Window &w = gateway.last;
    m_lines = {QStringLiteral("%1 req/s").arg(rpsText(gateway.rps)),
               QStringLiteral("%1 ok · p95 %2 ms")
                   .arg(percentText(windowSuccess(w)))
                   .arg(QString::number(w.p95, 'f', w.p95 < 10 ? 1 : 0))};
    m_health = windowSuccess(w) < 0.90   ? ServiceSnapshot::Health::Failing
               : windowSuccess(w) < 0.99 ? ServiceSnapshot::Health::Degraded
                                         : ServiceSnapshot::Health::Healthy;
    setToolTip(QStringLiteral("<b>API gateway</b>: the single entry for every user request. It "
                              "matches the route, picks a ready replica of the service that owns "
                              "it, and times the request out after 3 s. Figures: last second, as "
                              "users saw them."));
    changed(m_lines.join(QLatin1Char('|')) + QString::number(int(m_health)));
}

void TopologyNode::setDatabase(const QString &path, const QStringList &services)
{
    m_path = path;
    m_services = services;
    m_title = fileName();
    if (services.size() > 1) {
        // On a line of their own where the box has room for two.
        const QString names = services.join(QStringLiteral(", "));
        m_lines = m_density == TopologyLayout::Density::Compact
                      ? QStringList{QStringLiteral("shared by %1").arg(names)}
                      : QStringList{QStringLiteral("shared by"), names};
        setToolTip(QStringLiteral("<b>%1</b>: %2<br>A shared database: %3 all open this file, so "
                                  "a lock or a slow disk here hits every one of them. "
                                  "Double-click to look inside (read-only).")
                       .arg(fileName(), path, services.join(QStringLiteral(", "))));
    } else {
        m_lines = {QStringLiteral("only %1 opens it").arg(service())};
        setToolTip(QStringLiteral("<b>%1</b>: %2<br>Database per service: no other service can "
                                  "reach this file. Double-click to look inside (read-only).")
                       .arg(fileName(), path));
    }
    changed(m_lines.join(QLatin1Char('|')));
    update();
}

void TopologyNode::setBadges(const QString &fault, const QString &note)
{
    if (fault == m_fault && note == m_note)
        return;
    m_fault = fault;
    m_note = note;
    update();
}

void TopologyNode::paintBadges(QPainter *p, const QRectF &r)
{
    if (m_fault.isEmpty() && m_note.isEmpty())
        return;
    p->setFont(pixelFont(12, true));
    const QFontMetrics fm = p->fontMetrics();
    qreal x = r.left() + 10;
    auto pill = [&](const QString &text, const QColor &color) {
        const qreal w = std::min<qreal>(fm.horizontalAdvance(text) + 14, r.right() - 10 - x);
        if (w < 20)
            return;
        const QRectF box(x, r.top() - 11, w, 20);
        p->setPen(QPen(color.darker(130), 1));
        p->setBrush(color);
        p->drawRoundedRect(box, 10, 10);
        p->setPen(Qt::white);
        p->drawText(box.adjusted(7, 0, -7, 0), Qt::AlignCenter,
                    fm.elidedText(text, Qt::ElideRight, int(box.width() - 14)));
        x += w + 6;
    };
    if (!m_fault.isEmpty())
        pill(QStringLiteral("⚡ ") + m_fault, theme::faultColor());
    if (!m_note.isEmpty())
        pill(m_note, theme::startingColor());
}

QVariant TopologyNode::itemChange(GraphicsItemChange change, const QVariant &value)
{
    if (change == ItemPositionHasChanged) {
        for (TopologyEdge *e : std::as_const(m_edges))
            e->adjust();
    }
    return QGraphicsItem::itemChange(change, value);
}

void TopologyNode::paint(QPainter *p, const QStyleOptionGraphicsItem *option, QWidget *widget)
{
    const QPalette pal = widget ? widget->palette() : QApplication::palette();
    const QRectF r = body();
    p->setRenderHint(QPainter::Antialiasing);
    if (option->state & QStyle::State_Selected) {
        QPen sel(pal.color(QPalette::Highlight), 3, Qt::DashLine);
        p->setPen(sel);
        p->setBrush(Qt::NoBrush);
        p->drawRoundedRect(r.adjusted(-4, -4, 4, 4), 13, 13);
    }
    switch (m_kind) {
    case Kind::Service:
        paintService(p, pal, r);
        break;
    case Kind::Users:
        paintUsers(p, pal, r);
        break;
    case Kind::Gateway:
        paintGateway(p, pal, r);
        break;
    case Kind::Database:
        paintDatabase(p, pal, r);
        break;
    }
    paintBadges(p, r);
}

void TopologyNode::paintService(QPainter *p, const QPalette &pal, const QRectF &r)
{
    const bool compact = m_density == TopologyLayout::Density::Compact;
    const bool dark = theme::isDark(pal);
    const QColor text = pal.color(QPalette::Text);
    const QColor base = pal.color(QPalette::Base);
    const QColor health = theme::healthColor(m_health);
    const bool down = m_hasState && m_health == ServiceSnapshot::Health::Down;

    p->setPen(QPen(health, down ? 4 : 3));
    p->setBrush(theme::mix(base, health, dark ? 0.22 : 0.12));
    p->drawRoundedRect(r, 10, 10);
    if (down) {
        QColor hatch = health;
        hatch.setAlphaF(0.22f);
        p->setBrush(QBrush(hatch, Qt::BDiagPattern));
        p->setPen(Qt::NoPen);
        p->drawRoundedRect(r.adjusted(2, 2, -2, -2), 9, 9);
    }

    // Title and health pill.
    const QRectF inner = r.adjusted(12, compact ? 6 : 8, -10, -8);
    p->setPen(text);
    p->setFont(pixelFont(m_titlePixels, true));
    const qreal titleH = m_titlePixels + 5;
    const qreal titleW =
        drawFitted(p, QRectF(inner.left(), inner.top() - (titleH - 24) / 2, titleRoom(), titleH),
                   Qt::AlignLeft | Qt::AlignVCenter, m_title);
    if (!m_service.replicas.isEmpty() && !m_service.replicas.first().version.isEmpty()) {
        p->setFont(pixelFont(compact ? 11 : 12));
        p->setPen(theme::mutedText(pal));
        p->drawText(QRectF(inner.left() + titleW + 6, inner.top() + 3, 40, 22),
                    Qt::AlignLeft | Qt::AlignVCenter, m_service.replicas.first().version);
    }
    const QString label = m_hasState ? theme::healthLabel(m_health) : QStringLiteral("…");
    const QFont pillFont = pixelFont(compact ? (down ? 12 : 11) : (down ? 14 : 12), true);
    const qreal pillW = QFontMetricsF(pillFont).horizontalAdvance(label) + (compact ? 10 : 14);
    const qreal pillH = compact ? 18 : 20;
    auto drawPill = [&](const QRectF &pill) {
        p->setFont(pillFont);
        p->setPen(Qt::NoPen);
        p->setBrush(health);
        p->drawRoundedRect(pill, pillH / 2, pillH / 2);
        p->setPen(Qt::white);
        p->drawText(pill, Qt::AlignCenter, label);
    };
    if (!compact)
        drawPill(QRectF(inner.right() - pillW, inner.top() + 2, pillW, pillH));

    // A monolith's modules, under its title.
    const qreal rowH = compact ? 16 : 20;
    qreal y = inner.top() + (compact ? 30 : 34);
    const QStringList modules = moduleLines();
    if (!modules.isEmpty()) {
        p->setFont(pixelFont(compact ? 11 : 12, true));
        p->setPen(theme::mutedText(pal));
        for (const QString &line : modules) {
            drawFitted(p, QRectF(inner.left(), y - 8, inner.width(), 16),
                       Qt::AlignLeft | Qt::AlignVCenter, line);
            y += rowH;
        }
    }

    // Replica pips.
    const qreal labelW = compact ? 0 : 62;
    p->setFont(pixelFont(compact ? 12 : 13));
    p->setPen(theme::mutedText(pal));
    if (!compact)
        p->drawText(QRectF(inner.left(), y - 9, labelW, 18), Qt::AlignLeft | Qt::AlignVCenter,
                    QStringLiteral("replicas"));
    qreal x = inner.left() + labelW;
    int ready = 0;
    for (const ReplicaSnapshot &rep : std::as_const(m_service.replicas))
        ready += rep.state == ReplicaState::Ready;
    const QString count = QStringLiteral("%1/%2 ready").arg(ready).arg(m_service.replicas.size());
    // The count (and a compact box's pill) is never clipped: the pips get
    // what is left, closer together when there are many, and "+N" for those
    // that do not fit.
    const qreal right = compact ? inner.right() - pillW - 6 : inner.right();
    if (compact)
        drawPill(QRectF(inner.right() - pillW, y - pillH / 2, pillW, pillH));
    p->setFont(pixelFont(compact ? 12 : 13));
    const qreal countW = p->fontMetrics().horizontalAdvance(count) + 6;
    const qreal room = right - countW - x;
    const int replicas = int(m_service.replicas.size());
    const qreal maxStep = compact ? 15.0 : 18.0;
    const qreal step = replicas > 0 ? std::clamp(room / replicas, 11.0, maxStep) : maxStep;
    const qreal pipSize = compact ? 12.0 : 14.0;
    const int shown = std::min<int>(replicas, int((room - 22) / step) + 1);
    int drawn = 0;
    for (const ReplicaSnapshot &rep : std::as_const(m_service.replicas)) {
        if (drawn == shown && shown < replicas) {
            p->setPen(theme::mutedText(pal));
            p->drawText(QRectF(x, y - 9, 24, 18), Qt::AlignLeft | Qt::AlignVCenter,
                        QStringLiteral("+%1").arg(replicas - shown));
            x += 22;
            break;
        }
        ++drawn;
        const qreal d = std::min(pipSize, step - 2);
        const QRectF pip(x, y - d / 2, d, d);
        if (rep.state == ReplicaState::Ready) {
            p->setPen(QPen(theme::okColor().darker(130), 1.5));
            p->setBrush(rep.inRotation ? theme::okColor() : base);
            p->drawEllipse(pip);
        } else if (rep.state == ReplicaState::Starting) {
            p->setPen(QPen(theme::warningColor().darker(130), 1.5));
            p->setBrush(theme::warningColor());
            p->drawEllipse(pip);
        } else {
            p->setPen(QPen(theme::deadColor(pal), 1.5));
            p->setBrush(base);
            p->drawEllipse(pip);
            p->setPen(QPen(theme::errorColor(), 2.2));
            p->drawLine(pip.topLeft() + QPointF(3, 3), pip.bottomRight() - QPointF(3, 3));
            p->drawLine(pip.topRight() + QPointF(-3, 3), pip.bottomLeft() + QPointF(3, -3));
        }
        x += step;
    }
    p->setPen(text);
    p->drawText(QRectF(right - countW + 6, y - 9, countW - 6, 18), Qt::AlignLeft | Qt::AlignVCenter,
                count);

    if (!compact) {
        // A labelled bar: queued jobs against the ready replicas' inbox
        // capacity, busy workers against the ready replicas' workers.
        auto barRow = [&](qreal rowY, const QString &label, int value, int capacity,
                          const QString &tail) {
            const double fill = capacity > 0 ? std::min(1.0, double(value) / capacity) : 0.0;
            p->setPen(theme::mutedText(pal));
            p->drawText(QRectF(inner.left(), rowY - 9, labelW, 18),
                        Qt::AlignLeft | Qt::AlignVCenter, label);
            const QRectF bar(inner.left() + labelW, rowY - 5, 52, 10);
            p->setPen(QPen(theme::mutedText(pal), 1));
            p->setBrush(base);
            p->drawRect(bar);
            if (fill > 0) {
                const QColor c = fill > 0.8   ? theme::errorColor()
                                 : fill > 0.5 ? theme::warningColor()
                                              : theme::okColor();
                p->setPen(Qt::NoPen);
                p->setBrush(c);
                p->drawRect(
                    QRectF(bar.left(), bar.top(), std::max(2.0, bar.width() * fill), bar.height()));
            }
            p->setPen(text);
            drawFitted(p, QRectF(bar.right() + 6, rowY - 9, inner.right() - bar.right() - 6, 18),
                       Qt::AlignLeft | Qt::AlignVCenter, tail);
        };
        int capacity = 0;
        for (const ReplicaSnapshot &rep : std::as_const(m_service.replicas))
            if (rep.state == ReplicaState::Ready)
                capacity += rep.queueCapacity;
        y += 22;
        barRow(y, QStringLiteral("queue"), m_service.queued(), capacity,
               QStringLiteral("%1 waiting").arg(m_service.queued()));
        y += 22;
        barRow(y, QStringLiteral("workers"), m_service.busy(), m_service.workers(),
               QStringLiteral("%1/%2 busy").arg(m_service.busy()).arg(m_service.workers()));
    }

    // Last second's traffic (compact boxes: with the queue, which has no bar).
    y += compact ? 20 : 24;
    QString line;
    if (down) {
        p->setPen(theme::errorColor());
        p->setFont(pixelFont(compact ? 12 : 13, true));
        line = QStringLiteral("no ready replica: calls fail");
    } else {
        p->setPen(text);
        p->setFont(pixelFont(compact ? 12 : 13, true));
        const Window &w = m_service.stats.last;
        line = QStringLiteral("%1 req/s · %2 ok")
                   .arg(rpsText(m_service.stats.rps), percentText(windowSuccess(w)));
        if (compact && m_service.queued() > 0)
            line += QStringLiteral(" · %1 queued").arg(m_service.queued());
    }
    drawFitted(p, QRectF(inner.left(), y - 9, inner.width(), 18), Qt::AlignLeft | Qt::AlignVCenter,
               line);
}

void TopologyNode::paintUsers(QPainter *p, const QPalette &pal, const QRectF &r)
{
    const QColor text = pal.color(QPalette::Text);
    p->setPen(QPen(theme::mutedText(pal), 2));
    p->setBrush(theme::mix(pal.color(QPalette::Base), pal.color(QPalette::Button), 0.5));
    p->drawRoundedRect(r, 10, 10);
    // Three little people.
    const QColor people = m_active ? theme::startingColor() : theme::deadColor(pal);
    p->setPen(Qt::NoPen);
    p->setBrush(people);
    for (int i = 0; i < 3; ++i) {
        const QPointF c(r.left() + 22 + i * 16, r.top() + 22);
        p->drawEllipse(c, 5, 5);
        p->drawChord(QRectF(c.x() - 8, c.y() + 6, 16, 16), 0, 180 * 16);
    }
    p->setPen(text);
    p->setFont(pixelFont(m_titlePixels, true));
    drawFitted(p, QRectF(r.left() + 74, r.top() + 8, r.width() - 80, 24),
               Qt::AlignLeft | Qt::AlignVCenter, m_title);
    p->setFont(pixelFont(13));
    for (int i = 0; i < m_lines.size(); ++i)
        drawFitted(p, QRectF(r.left() + 10, r.top() + 52 + i * 19, r.width() - 16, 18),
                   Qt::AlignLeft | Qt::AlignVCenter, m_lines[i]);
}

void TopologyNode::paintGateway(QPainter *p, const QPalette &pal, const QRectF &r)
{
    const bool dark = theme::isDark(pal);
    const QColor text = pal.color(QPalette::Text);
    const QColor c = theme::healthColor(m_health);
    p->setPen(QPen(c, 3));
    p->setBrush(theme::mix(pal.color(QPalette::Base),
                           theme::serviceColor(QStringLiteral("gateway")), dark ? 0.22 : 0.12));
    p->drawRoundedRect(r, 10, 10);
    p->setPen(text);
    p->setFont(pixelFont(m_titlePixels, true));
    drawFitted(p, QRectF(r.left() + 12, r.top() + 8, r.width() - 20, 24),
               Qt::AlignLeft | Qt::AlignVCenter, m_title);
    p->setFont(pixelFont(12));
    p->setPen(theme::mutedText(pal));
    p->drawText(QRectF(r.left() + 12, r.top() + 32, r.width() - 20, 16),
                Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("single entry, routes"));
    p->setPen(text);
    for (int i = 0; i < m_lines.size(); ++i)
        drawFitted(p, QRectF(r.left() + 12, r.top() + 56 + i * 20, r.width() - 20, 18),
                   Qt::AlignLeft | Qt::AlignVCenter, m_lines[i]);
}

void TopologyNode::paintDatabase(QPainter *p, const QPalette &pal, const QRectF &r)
{
    const bool dark = theme::isDark(pal);
    const QColor text = pal.color(QPalette::Text);
    // A file of its own takes its service's colour; a shared one, its own.
    const QColor c = theme::serviceColor(m_services.size() > 1 ? m_id.mid(3) : service());
    const QColor fill = theme::mix(pal.color(QPalette::Base), c, dark ? 0.25 : 0.14);
    const bool compact = m_density == TopologyLayout::Density::Compact;
    const qreal capH = compact ? 14 : 18;
    QPainterPath cyl;
    cyl.moveTo(r.left(), r.top() + capH / 2);
    cyl.lineTo(r.left(), r.bottom() - capH / 2);
    cyl.arcTo(QRectF(r.left(), r.bottom() - capH, r.width(), capH), 180, 180);
    cyl.lineTo(r.right(), r.top() + capH / 2);
    cyl.arcTo(QRectF(r.left(), r.top(), r.width(), capH), 0, 180);
    p->setPen(QPen(c.darker(dark ? 90 : 120), 2));
    p->setBrush(fill);
    p->drawPath(cyl);
    p->setBrush(theme::mix(fill, c, 0.25));
    p->drawEllipse(QRectF(r.left(), r.top(), r.width(), capH));
    p->setPen(text);
    p->setFont(pixelFont(compact ? 14 : 16, true));
    drawFitted(p, QRectF(r.left() + 4, r.top() + capH + 2, r.width() - 8, compact ? 20 : 24),
               Qt::AlignCenter, m_title);
    p->setFont(pixelFont(compact ? 11 : 12));
    p->setPen(theme::mutedText(pal));
    const qreal first = capH + (compact ? 22 : 28);
    for (int i = 0; i < m_lines.size(); ++i)
        drawFitted(p, QRectF(r.left() + 4, r.top() + first + i * 16, r.width() - 8, 16),
                   Qt::AlignCenter, m_lines[i]);
}

} // namespace microcosm
