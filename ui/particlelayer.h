#pragma once

#include <QGraphicsItem>
#include <QList>

#include <vector>

namespace microcosm {

class TopologyEdge;

/*
 * The request particles of the topology view: dots that travel along each
 * traffic edge, more of them the busier the edge (logarithmic in requests
 * per second, so 10 and 1000 req/s both read), red in the share of last
 * second's calls that failed. One item paints every particle, so a frame
 * costs one paint call however many edges there are.
 *
 * Invariants: a particle stands for traffic that was measured; with no
 * calls on an edge no particle is spawned on it. Particles are bounded.
 */
class ParticleLayer : public QGraphicsItem
{
public:
    ParticleLayer();

    void setEdges(const QList<TopologyEdge *> &edges);
    void setBounds(const QRectF &bounds);
    // Moves the particles on by dt seconds and spawns new ones.
    void advanceBy(double dt);
    void clear();
    int count() const { return int(m_particles.size()); }
    // Particles spawned per second on an edge carrying rps requests per second.
    static double spawnRate(double rps);

    QRectF boundingRect() const override { return m_bounds; }
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    struct Particle
    {
        int edge;
        float t;
        float speed; // of the edge length per second
        bool failed;
    };
    struct Lane
    {
        double spawn = 0;  // particles owed
        double errors = 0; // red particles owed
    };
    QList<TopologyEdge *> m_edges;
    std::vector<Lane> m_lanes;
    std::vector<Particle> m_particles;
    QRectF m_bounds;
};

} // namespace microcosm
