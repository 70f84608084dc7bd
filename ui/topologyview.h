#pragma once

#include "snapshot.h"

#include <QElapsedTimer>
#include <QGraphicsView>
#include <QHash>
#include <QPointer>
#include <QTimer>

class QMenu;

namespace microcosm {

class ParticleLayer;
class ShopController;
class TopologyEdge;
class TopologyNode;

/*
 * The live picture of the architecture: users → API gateway → product,
 * order and cart (with order's calls to product and cart) → each service's
 * own database. Nodes show health, replicas and queues; edges show last
 * second's traffic; particles show requests flowing and failing. Every
 * service and edge action is on its right-click menu.
 *
 * Invariants: reads the system only from snapshots handed to setSnapshot()
 * and acts only through the ShopController; the scene uses no index
 * (NoIndex: items move and repaint often) and a cached background; the
 * particle animation runs only while the view is visible and there is
 * traffic (or particles still travelling) to show.
 */
class TopologyView : public QGraphicsView
{
    Q_OBJECT
public:
    explicit TopologyView(ShopController *controller, QWidget *parent = nullptr);
    ~TopologyView() override;

    void setSnapshot(const SystemSnapshot &snapshot);

    TopologyNode *node(const QString &id) const { return m_nodes.value(id); }
    TopologyEdge *edge(const QString &from, const QString &to) const;
    QList<TopologyEdge *> edges() const { return m_edges; }

    // The right-click menu of a node or an edge; the caller owns it.
    QMenu *contextMenuFor(QGraphicsItem *item, QWidget *parent = nullptr);
    QMenu *serviceMenu(const QString &service, QWidget *parent = nullptr);

    QString selectedService() const;
    // Selects and briefly highlights the node an event's source names
    // ("product", "product#2", "order>cart"); false when none matches.
    bool highlight(const QString &source);

    bool animating() const { return m_animation.isActive(); }
    int particleCount() const;
    int framesDrawn() const { return m_frames; }

    // Presenter mode: larger boxes and type (the columns move apart to make
    // room); nodes the user dragged keep their place.
    void setPresenter(bool on);
    bool presenter() const { return m_presenter; }

    // Node positions are read from and saved to QSettings only when enabled.
    void setPersistLayout(bool on) { m_persist = on; }
    void saveLayout() const;
    void restoreLayout();
    void resetLayout();
    // Fits the whole architecture into the view, times the user's zoom.
    void fitAll();
    // Zoom relative to the fitted picture (1 = fit; Ctrl+wheel, Ctrl++ and
    // Ctrl+- change it, Ctrl+0 goes back to fit). A resize keeps the zoom
    // and fits again, so the picture never falls out of the window.
    void zoomBy(double factor);
    void resetZoom();
    double zoom() const { return m_zoom; }
    // How tall a service node's title is on screen, in device-independent
    // pixels (the type size the README states for presenter mode).
    double titlePixelSize() const;

signals:
    void selectedServiceChanged(const QString &service);
    void inspectDatabase(const QString &service);
    // "More…" on a service's fault menu: the chaos controls for it.
    void chaosRequested(const QString &service);
    // "Edit policy…" on an edge: the policy controls for "caller>service".
    void policyRequested(const QString &edgeKey);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void drawBackground(QPainter *painter, const QRectF &rect) override;
    void drawForeground(QPainter *painter, const QRectF &rect) override;
    void paintEvent(QPaintEvent *event) override;
    void changeEvent(QEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;

private:
    TopologyNode *addNode(int kind, const QString &id, const QString &title, QPointF pos);
    TopologyEdge *addEdge(const QString &from, const QString &to, bool traffic);
    QPointF defaultPosition(const QString &id) const;
    QPointF defaultPosition(const QString &id, bool presenter) const;
    void updateAnimation();
    void animate();
    bool wantsAnimation() const;
    void layoutChanged();
    void addFaultActions(QMenu *menu, const QString &service);
    // The legend at the view's foot: its type, its items in rows that fit
    // the width, and the height of those rows in pixels.
    QFont legendFont() const;
    QStringList legendTexts() const;
    QList<QList<int>> legendRows(const QStringList &texts) const;
    int legendHeight() const;
    // The traffic or ownership line within a few pixels of a view position.
    TopologyEdge *edgeNear(QPoint pos) const;
    void addLinkActions(QMenu *menu, const QString &caller, const QString &service);

    QPointer<ShopController> m_controller;
    QGraphicsScene *m_scene;
    QHash<QString, TopologyNode *> m_nodes;
    QList<TopologyEdge *> m_edges;
    ParticleLayer *m_particles;
    QTimer m_animation;
    QElapsedTimer m_clock;
    QTimer m_flash;
    QGraphicsRectItem *m_halo = nullptr;
    double m_trafficRps = 0;
    int m_frames = 0;
    QString m_selected;
    bool m_persist = false;
    bool m_presenter = false;
    double m_zoom = 1;
};

} // namespace microcosm
