#pragma once

#include "snapshot.h"
#include "topologylayout.h"

#include <QGraphicsItem>
#include <QString>

namespace microcosm {

class TopologyEdge;

/*
 * One box of the topology view: the users, the API gateway, a service (with
 * its replica pips, queue bar and health colour; a monolith lists the
 * modules it runs) or a database file (one box however many services share
 * it). Draggable and selectable; tells its edges when it moves. Compact
 * boxes, for architectures of many services, drop the queue and workers bars.
 *
 * Invariants: shows only what the last snapshot said (no guessing between
 * snapshots); repaints only when what it shows has changed, so a steady
 * system costs nothing to draw (it is cached as a pixmap).
 */
class TopologyNode : public QGraphicsItem
{
public:
    // The type size of a node's title, in scene units (presenter mode:
    // larger, shrunk only where a long title would not fit its box).
    static constexpr int TitlePixels = 19;
    static constexpr int PresenterTitlePixels = 24;
    static constexpr int CompactTitlePixels = 16;

    enum class Kind
    {
        Users,
        Gateway,
        Service,
        Database
    };
    enum
    {
        Type = UserType + 1
    };

    TopologyNode(Kind kind, QString id, QString title);

    int type() const override { return Type; }
    Kind kind() const { return m_kind; }
    // "users", "gateway", "product", "db:product" (a database's file name
    // without ".db": "db:shared" for shared.db).
    const QString &id() const { return m_id; }
    // The service this node belongs to ("product" for db:product; the first
    // by name of the services sharing a file), or empty.
    QString service() const;
    // Database nodes: every service that opens the file, by name.
    QStringList services() const { return m_services; }

    void addEdge(TopologyEdge *edge);

    // Service nodes: the state to show.
    void setService(const ServiceSnapshot &service);
    // Users node: the load generator's state.
    void setUsers(bool running, double rate, double rps);
    // The HTTP front's clients (node "http"): what they sent last second.
    void setHttpClients(double rps);
    // Gateway node: what users saw at the gateway over the last second.
    void setGateway(const EntitySummary &gateway);
    // Database node: the file and the services that open it (one: it owns it).
    void setDatabase(const QString &path, const QStringList &services);
    QString fileName() const;
    // Service nodes: the modules a monolith runs (more than one name), listed
    // in its box; the line(s) as drawn ("runs cart · order · product").
    void setModules(const QStringList &modules);
    QStringList modules() const { return m_modules; }
    QStringList moduleLines() const;
    // Smaller boxes for architectures of many services.
    void setDensity(TopologyLayout::Density density);
    TopologyLayout::Density density() const { return m_density; }
    // Service and database nodes: the fault injected now (a purple badge on
    // the top edge), or empty; a note such as a rolling update (blue), or empty.
    void setBadges(const QString &fault, const QString &note);
    QString faultBadge() const { return m_fault; }
    QString noteBadge() const { return m_note; }

    bool isDown() const { return m_health == ServiceSnapshot::Health::Down && m_hasState; }
    ServiceSnapshot::Health health() const { return m_health; }
    const ServiceSnapshot &lastService() const { return m_service; }

    // The box itself (without badges or the selection outline), in scene coordinates.
    QRectF sceneBody() const { return mapRectToScene(body()); }

    // Presenter mode: larger titles.
    void setPresenter(bool on);
    // The title's type size as drawn (a long title is shrunk to its box).
    int titlePixelsShown() const;
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;

private:
    QRectF body() const;
    void changed(const QString &signature);
    void paintService(QPainter *p, const QPalette &pal, const QRectF &r);
    void paintUsers(QPainter *p, const QPalette &pal, const QRectF &r);
    void paintGateway(QPainter *p, const QPalette &pal, const QRectF &r);
    void paintDatabase(QPainter *p, const QPalette &pal, const QRectF &r);
    void paintBadges(QPainter *p, const QRectF &r);

    qreal titleRoom() const;

    Kind m_kind;
    QString m_id;
    QString m_title;
    TopologyLayout::Density m_density = TopologyLayout::Density::Normal;
    bool m_presenter = false;
    QStringList m_modules;  // a monolith's, else empty
    QStringList m_services; // a database's
    QString m_path;         // a database's
    int m_titlePixels = TitlePixels;
    QString m_signature;
    QList<TopologyEdge *> m_edges;
    bool m_hasState = false;

    ServiceSnapshot m_service;
    ServiceSnapshot::Health m_health = ServiceSnapshot::Health::Healthy;
    QStringList m_lines; // users / gateway / database text lines
    QString m_fault;
    QString m_note;
    bool m_active = true;
};

} // namespace microcosm
