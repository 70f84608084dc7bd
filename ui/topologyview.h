#pragma once

#include "snapshot.h"
#include "topologylayout.h"

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
 * The live picture of any architecture: users → API gateway → the services
 * in columns by call depth (their declared calls drawn from the start) →
 * the database files, one box per file however many services share it; a
 * monolith is one box listing its modules (TopologyLayout says where each
 * box goes). Nodes show health, replicas and queues; edges show last
 * second's traffic; particles show requests flowing and failing. Every
 * service and edge action is on its right-click menu; the background's
 * menu resets the layout. Boxes the user drags keep their place, saved per
 * architecture when persisting is on.
 *
 * Invariants: reads the system only from snapshots (the platform's at
 * construction, then those handed to setSnapshot(), which rebuilds the
 * picture when the architecture in them changes); the only other things it
 * reads are the load generator's state for the users' box and the
 * gateway's routes for its menu, through the ShopController (while still,
 * the users' box shows the snapshot instead), and it acts only through it
 * (on the live shop, whatever second it shows). Without a controller it
 * shows what the snapshots say and offers no actions. The scene uses no
 * index (NoIndex: items move and repaint often) and a cached background;
 * the particle animation runs only while the view is visible, not still,
 * and there is traffic (or particles still travelling) to show.
 */
class TopologyView : public QGraphicsView
{
    Q_OBJECT
public:
    // A null controller: the picture of the snapshots handed to setSnapshot().
    explicit TopologyView(ShopController *controller, QWidget *parent = nullptr);
    ~TopologyView() override;

    void setSnapshot(const SystemSnapshot &snapshot);
    // The snapshot the picture shows (the last one handed to setSnapshot()).
    const SystemSnapshot &shownSnapshot() const { return m_snapshot; }
    // A still picture (a past second, or the picture frozen): the particles
    // stop where they are, and the users' box says what the snapshot says,
    // with usersRate as the journeys/s asked for then, instead of the live
    // load's state. Off again: the live picture.
    void setStill(bool still, double usersRate = 0);
    bool still() const { return m_still; }

    TopologyNode *node(const QString &id) const { return m_nodes.value(id); }
    QList<TopologyNode *> nodes() const { return m_nodes.values(); }
    TopologyEdge *edge(const QString &from, const QString &to) const;
    QList<TopologyEdge *> edges() const { return m_edges; }
    // Where the boxes go before the user moves any (in the current mode).
    const TopologyLayout &layout() const { return m_presenter ? m_presenterLayout : m_layout; }
    // The database node of a service (its own file's, or the one it shares).
    TopologyNode *databaseNode(const QString &service) const;

    // The right-click menu of a node or an edge; the caller owns it.
    QMenu *contextMenuFor(QGraphicsItem *item, QWidget *parent = nullptr);
    // The background's: reset the layout, fit the picture.
    QMenu *backgroundMenu(QWidget *parent = nullptr);
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

    // The positions of the nodes the user dragged are read from and saved to
    // QSettings (per architecture: settingsGroup()) only when enabled.
    void setPersistLayout(bool on) { m_persist = on; }
    void saveLayout() const;
    void restoreLayout();
    // Every node back where the layout puts it; forgets the saved positions.
    void resetLayout();
    // "topology/" and a hash of the architecture's sorted service names.
    QString settingsGroup() const;
    // Fits the whole architecture into the view, times the user's zoom.
    void fitAll();
    // Zoom relative to the fitted picture (1 = fit; Ctrl+wheel, Ctrl++ and
    // Ctrl+- change it, Ctrl+0 goes back to fit). A resize keeps the zoom
    // and fits again, so the picture never falls out of the window.
    void zoomBy(double factor);
    void resetZoom();
    double zoom() const { return m_zoom; }
    // How far zoomBy() goes: 4 times the fitted picture, or further when a
    // large architecture needs it to reach its boxes' own size.
    double maxZoom() const;
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
    // Makes every node and edge anew for the architecture in the snapshot.
    void build(const SystemSnapshot &snapshot);
    TopologyNode *addNode(int kind, const QString &id, const QString &title, QPointF pos);
    TopologyEdge *addEdge(const QString &from, const QString &to, bool traffic);
    // The file name of a service's database ("cart.db", "shared.db").
    QString databaseFileOf(const QString &service) const;
    QPointF defaultPosition(const QString &id) const;
    QPointF defaultPosition(const QString &id, bool presenter) const;
    void updateAnimation();
    void animate();
    bool wantsAnimation() const;
    void layoutChanged();
    // Moves the edges' labels off the boxes and off each other where it can.
    void arrangeLabels();
    // The edges' type: larger in presenter mode, smaller for many services.
    double edgeTextScale() const;
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
    TopologyLayout m_layout;
    TopologyLayout m_presenterLayout;
    QString m_architecture; // what build() drew: services, modules, files, calls
    SystemSnapshot m_snapshot;
    double m_fit = 1; // the fitted picture's scale
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
    bool m_still = false;
    double m_stillRate = 0;
};

} // namespace microcosm
