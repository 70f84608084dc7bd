#pragma once

#include "states.h"

#include <QGraphicsItem>
#include <QLineF>
#include <QString>

namespace microcosm {

class TopologyNode;

/*
 * An arrow of the topology view: users → gateway, gateway → a service, a
 * service → another (order → cart), or a service → its database file (its
 * own, or one it shares: then one such arrow from each service sharing it).
 * Traffic edges carry a label with last second's requests per second, p95
 * latency and error share, and a circuit-breaker badge.
 *
 * Invariants: the label shows only measured figures (nothing is shown for
 * an edge nobody has called yet); the badge says "no breaker" until the
 * platform reports a breaker state for this edge — it never guesses one.
 */
class TopologyEdge : public QGraphicsItem
{
public:
    enum class Kind
    {
        Traffic,
        Ownership
    };
    // Resilience4j's states, plus None while the platform has no breaker here.
    using Breaker = BreakerState;
    enum
    {
        Type = UserType + 2
    };

    TopologyEdge(TopologyNode *source, TopologyNode *dest, Kind kind);

    int type() const override { return Type; }
    Kind kind() const { return m_kind; }
    TopologyNode *source() const { return m_source; }
    TopologyNode *dest() const { return m_dest; }
    // "users>product", the key of the edge's metrics ("gateway" for users → gateway).
    QString key() const;

    void adjust();
    // fallbackShare: calls answered by the gateway's fallback (counted as successes).
    void setStats(double rps, double errorShare, double p95Ms, bool seen, double fallbackShare = 0);
    void setBreaker(Breaker state);
    // Label type size, relative (presenter mode: larger).
    void setTextScale(double scale);
    // Where along the line the label sits (t from 0.1 to 0.9, the middle
    // unless told) and on which side (1: above a mostly horizontal edge,
    // right of a mostly vertical one; -1: the other side).
    void setLabelPlacement(double t, int side);
    double labelT() const { return m_labelT; }
    int labelSide() const { return m_labelSide; }
    // The label's box there, at its largest usual size, in scene coordinates.
    QRectF labelBoxAt(double t, int side) const;
    QRectF labelBox() const { return m_label; }
    // A fault injected on this link (a purple line in the label), or empty.
    void setFault(const QString &fault);
    QString fault() const { return m_fault; }
    Breaker breaker() const { return m_breaker; }

    double rps() const { return m_rps; }
    double errorShare() const { return m_errorShare; }
    // A point on the edge, t from 0 (source) to 1 (dest), in scene coordinates.
    QPointF pointAt(double t) const { return m_line.pointAt(t); }
    qreal length() const { return m_line.length(); }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

    // As the badge reads: "breaker OPEN", "no breaker".
    static QString breakerName(Breaker b);

private:
    void layoutLabel();
    QRectF labelAt(qreal w, qreal h, double t, int side) const;
    QString faultLine() const;

    TopologyNode *m_source;
    TopologyNode *m_dest;
    Kind m_kind;
    QLineF m_line;
    QRectF m_label;
    QRectF m_badge;
    QStringList m_text;
    QString m_fault;
    double m_textScale = 1;
    double m_labelT = 0.5;
    int m_labelSide = 1;
    double m_rps = 0;
    double m_errorShare = 0;
    double m_p95 = 0;
    bool m_seen = false;
    Breaker m_breaker = Breaker::None;
};

} // namespace microcosm
