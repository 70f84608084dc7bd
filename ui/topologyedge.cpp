#include "topologyedge.h"

#include "theme.h"
#include "topologynode.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QWidget>

#include <algorithm>
#include <cmath>

namespace microcosm {

namespace {

QFont labelFont(double scale, bool bold = false)
{
    QFont f = QApplication::font();
    f.setPixelSize(int(std::lround(13 * scale)));
    f.setBold(bold);
    return f;
}

QFont badgeFont(double scale)
{
    QFont f = QApplication::font();
    f.setPixelSize(int(std::lround(11 * scale)));
    return f;
}

// Where the segment from the centre of r outwards along dir leaves r.
QPointF clipToRect(const QRectF &r, const QPointF &centre, const QPointF &dir)
{
    double t = 1e9;
    if (std::abs(dir.x()) > 1e-9)
        t = std::min(t, (dir.x() > 0 ? r.right() - centre.x() : r.left() - centre.x()) / dir.x());
    if (std::abs(dir.y()) > 1e-9)
        t = std::min(t, (dir.y() > 0 ? r.bottom() - centre.y() : r.top() - centre.y()) / dir.y());
    return centre + dir * t;
}

} // namespace

TopologyEdge::TopologyEdge(TopologyNode *source, TopologyNode *dest, Kind kind)
    : m_source(source), m_dest(dest), m_kind(kind)
{
    setAcceptedMouseButtons(Qt::RightButton);
    setCacheMode(DeviceCoordinateCache);
    setZValue(kind == Kind::Traffic ? 1 : 0);
    source->addEdge(this);
    dest->addEdge(this);
    if (kind == Kind::Ownership)
        setToolTip(QStringLiteral("%1 reads and writes %2, and nothing else does: database per "
                                  "service.")
                       .arg(source->id(), dest->id().mid(3) + QStringLiteral(".db")));
    adjust();
}

QString TopologyEdge::key() const
{
    if (m_source->kind() == TopologyNode::Kind::Users)
        return m_source->id() == QLatin1String("http") ? QStringLiteral("http")
                                                       : QStringLiteral("gateway");
    const QString from =
        m_source->kind() == TopologyNode::Kind::Gateway ? QStringLiteral("users") : m_source->id();
    return from + QLatin1Char('>') + m_dest->id();
}

QString TopologyEdge::faultLine() const
{
    return m_fault.isEmpty() ? QString() : QStringLiteral("⚡ ") + m_fault;
}

QString TopologyEdge::breakerName(Breaker b)
{
    switch (b) {
    case Breaker::None:
        return QStringLiteral("no breaker");
    case Breaker::Closed:
        return QStringLiteral("breaker closed");
    case Breaker::Open:
        return QStringLiteral("breaker OPEN");
    case Breaker::HalfOpen:
        return QStringLiteral("breaker half-open");
    case Breaker::Disabled:
        return QStringLiteral("breaker disabled");
    case Breaker::ForcedOpen:
        return QStringLiteral("breaker forced open");
    }
    return {};
}

void TopologyEdge::adjust()
{
    const QPointF a = m_source->pos();
    const QPointF b = m_dest->pos();
    const QLineF centres(a, b);
    if (centres.length() < 1) {
        prepareGeometryChange();
        m_line = centres;
        layoutLabel();
        return;
    }
    const QPointF dir = (b - a) / centres.length();
    const QRectF ra = m_source->sceneBody();
    const QRectF rb = m_dest->sceneBody();
    prepareGeometryChange();
    m_line = QLineF(clipToRect(ra, a, dir), clipToRect(rb, b, -dir));
    layoutLabel();
}

void TopologyEdge::setStats(double rps, double errorShare, double p95Ms, bool seen,
                            double fallbackShare)
{
    m_rps = rps;
    m_errorShare = errorShare;
    m_p95 = p95Ms;
    m_seen = seen;
    QStringList text;
    if (m_kind == Kind::Traffic && seen) {
        const QString r = rps >= 10 ? QString::number(rps, 'f', 0) : QString::number(rps, 'f', 1);
        text << QStringLiteral("%1 req/s · p95 %2 ms")
                    .arg(r, QString::number(p95Ms, 'f', p95Ms < 10 ? 1 : 0));
        const double pct = 100 * errorShare;
        QString second = QStringLiteral("%1% errors")
                             .arg(QString::number(pct, 'f', pct < 10 && pct > 0 ? 1 : 0));
        if (fallbackShare > 0) {
            const double fb = 100 * fallbackShare;
            second +=
                QStringLiteral(" · %1% fallback").arg(QString::number(fb, 'f', fb < 10 ? 1 : 0));
        }
        text << second;
    }
    if (text == m_text)
        return;
    prepareGeometryChange();
    m_text = text;
    layoutLabel();
    update();
}

void TopologyEdge::setBreaker(Breaker state)
{
    if (state == m_breaker)
        return;
    prepareGeometryChange();
    m_breaker = state;
    layoutLabel();
    update();
}

void TopologyEdge::setTextScale(double scale)
{
    if (qFuzzyCompare(scale, m_textScale))
        return;
    prepareGeometryChange();
    m_textScale = scale;
    layoutLabel();
    update();
}

void TopologyEdge::setFault(const QString &fault)
{
    if (fault == m_fault)
        return;
    prepareGeometryChange();
    m_fault = fault;
    layoutLabel();
    update();
}

void TopologyEdge::setLabelPlacement(double t, int side)
{
    t = std::clamp(t, 0.1, 0.9);
    side = side < 0 ? -1 : 1;
    if (qFuzzyCompare(t, m_labelT) && side == m_labelSide)
        return;
    prepareGeometryChange();
    m_labelT = t;
    m_labelSide = side;
    layoutLabel();
    update();
}

QRectF TopologyEdge::labelAt(qreal w, qreal h, double t, int side) const
{
    // Beside the line: above a mostly horizontal edge, right of a mostly
    // vertical one (side -1: the other way).
    const QPointF d = m_line.p2() - m_line.p1();
    const qreal len = std::max<qreal>(1, m_line.length());
    QPointF n(-d.y() / len, d.x() / len);
    // An edge going down is labelled below it, one going up or across above
    // it, so that the labels of a fan of edges spread outwards.
    const bool flip =
        std::abs(d.x()) >= std::abs(d.y()) ? (d.y() > 1 ? n.y() < 0 : n.y() > 0) : n.x() < 0;
    if (flip)
        n = -n;
    const QPointF at = m_line.pointAt(t);
    QPointF c;
    if (std::abs(d.x()) >= std::abs(d.y())) {
        const qreal reach = std::abs(n.x()) * w / 2 + std::abs(n.y()) * h / 2 + 6;
        c = at + n * reach * side;
    } else {
        // Straight across from a mostly vertical edge, clear of the line:
        // the label stays in the gap between the two boxes (a step between
        // columns, order → product) rather than sliding onto one.
        const qreal lean = std::abs(d.x()) / std::max<qreal>(1, std::abs(d.y()));
        c = at + QPointF((w / 2 + lean * h / 2 + 6) * side, 0);
    }
    return QRectF(c.x() - w / 2, c.y() - h / 2, w, h);
}

QRectF TopologyEdge::labelBoxAt(double t, int side) const
{
    if (m_kind != Kind::Traffic)
        return {};
    // As large as the label usually gets: two lines of figures and the badge.
    const QFontMetricsF fm(labelFont(m_textScale, true));
    const QFontMetricsF bm(badgeFont(m_textScale));
    const qreal w = std::max(m_label.width(),
                             fm.horizontalAdvance(QStringLiteral("999 req/s · p95 999 ms")) + 12);
    const qreal h = std::max(m_label.height(), 6 + 2 * (fm.height() + 1) + bm.height() + 6);
    return labelAt(w, h, t, side);
}

void TopologyEdge::layoutLabel()
{
    m_label = {};
    m_badge = {};
    if (m_kind != Kind::Traffic)
        return;
    const QFontMetricsF fm(labelFont(m_textScale, true));
    const QFontMetricsF bm(badgeFont(m_textScale));
    const QString badge = breakerName(m_breaker);
    qreal w = bm.horizontalAdvance(badge) + 12;
    for (const QString &line : m_text)
        w = std::max(w, fm.horizontalAdvance(line));
    const QString fault = faultLine();
    if (!fault.isEmpty())
        w = std::max(w, fm.horizontalAdvance(fault));
    w += 12;
    const int lines = int(m_text.size()) + (fault.isEmpty() ? 0 : 1);
    const qreal h = 6 + lines * (fm.height() + 1) + bm.height() + 6;
    m_label = labelAt(w, h, m_labelT, m_labelSide);
    const qreal bw = bm.horizontalAdvance(badge) + 12;
    m_badge = QRectF(m_label.left() + 6, m_label.bottom() - bm.height() - 5, bw, bm.height() + 2);
}

QRectF TopologyEdge::boundingRect() const
{
    QRectF r = QRectF(m_line.p1(), m_line.p2()).normalized().adjusted(-12, -12, 12, 12);
    if (!m_label.isNull())
        r = r.united(m_label.adjusted(-2, -2, 2, 2));
    return r;
}

QPainterPath TopologyEdge::shape() const
{
    QPainterPath path(m_line.p1());
    path.lineTo(m_line.p2());
    QPainterPathStroker stroker;
    stroker.setWidth(14);
    QPainterPath s = stroker.createStroke(path);
    if (!m_label.isNull())
        s.addRect(m_label);
    return s;
}

void TopologyEdge::paint(QPainter *p, const QStyleOptionGraphicsItem *, QWidget *widget)
{
    const QPalette pal = widget ? widget->palette() : QApplication::palette();
    p->setRenderHint(QPainter::Antialiasing);
    const QColor muted = theme::mutedText(pal);
    QColor lineColor = muted;
    if (m_kind == Kind::Traffic && m_seen && m_errorShare > 0.05)
        lineColor = theme::mix(muted, theme::errorColor(), std::min(1.0, 0.4 + m_errorShare));
    const qreal width = m_kind == Kind::Traffic ? 1.5 + std::log10(1 + m_rps) : 1.5;
    QPen pen(lineColor, width, m_kind == Kind::Traffic ? Qt::SolidLine : Qt::DashLine);
    pen.setCapStyle(Qt::RoundCap);
    p->setPen(pen);
    p->drawLine(m_line);

    // Arrow head at the destination.
    const qreal len = m_line.length();
    if (len > 1) {
        const QPointF u = (m_line.p2() - m_line.p1()) / len;
        const QPointF n(-u.y(), u.x());
        const qreal s = 8 + width;
        QPolygonF head;
        head << m_line.p2() << m_line.p2() - u * s + n * s * 0.5
             << m_line.p2() - u * s - n * s * 0.5;
        p->setPen(Qt::NoPen);
        p->setBrush(lineColor);
        p->drawPolygon(head);
    }
    if (m_label.isNull())
        return;

    QColor box = pal.color(QPalette::Base);
    box.setAlphaF(0.92f);
    p->setPen(QPen(theme::mix(muted, pal.color(QPalette::Base), 0.5), 1));
    p->setBrush(box);
    p->drawRoundedRect(m_label, 5, 5);
    const QFontMetricsF fm(labelFont(m_textScale, true));
    qreal y = m_label.top() + 4;
    for (int i = 0; i < m_text.size(); ++i) {
        p->setFont(labelFont(m_textScale, i == 0));
        p->setPen(i == 1 && m_errorShare > 0.01 ? theme::errorColor() : pal.color(QPalette::Text));
        p->drawText(QRectF(m_label.left() + 6, y, m_label.width() - 12, fm.height()),
                    Qt::AlignLeft | Qt::AlignVCenter, m_text[i]);
        y += fm.height() + 1;
    }
    if (!faultLine().isEmpty()) {
        p->setFont(labelFont(m_textScale, true));
        p->setPen(theme::faultColor());
        p->drawText(QRectF(m_label.left() + 6, y, m_label.width() - 12, fm.height()),
                    Qt::AlignLeft | Qt::AlignVCenter, faultLine());
    }
    // Breaker badge.
    QColor badge = muted;
    if (m_breaker == Breaker::Closed)
        badge = theme::okColor();
    else if (m_breaker == Breaker::Open || m_breaker == Breaker::ForcedOpen)
        badge = theme::errorColor();
    else if (m_breaker == Breaker::HalfOpen)
        badge = theme::warningColor();
    p->setFont(badgeFont(m_textScale));
    if (m_breaker == Breaker::None || m_breaker == Breaker::Disabled) {
        p->setPen(QPen(badge, 1, Qt::DotLine));
        p->setBrush(Qt::NoBrush);
        p->drawRoundedRect(m_badge, 6, 6);
        p->setPen(badge);
    } else {
        p->setPen(Qt::NoPen);
        p->setBrush(badge);
        p->drawRoundedRect(m_badge, 6, 6);
        p->setPen(Qt::white);
    }
    p->drawText(m_badge, Qt::AlignCenter, breakerName(m_breaker));
}

} // namespace microcosm
