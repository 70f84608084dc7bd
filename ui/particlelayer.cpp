#include "particlelayer.h"

#include "theme.h"
#include "topologyedge.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace microcosm {

namespace {
constexpr int MaxPerEdge = 80;
constexpr double SecondsPerEdge = 1.1; // travel time of a particle along a typical edge
} // namespace

ParticleLayer::ParticleLayer()
{
    setZValue(1.5);
    setAcceptedMouseButtons(Qt::NoButton);
    setFlag(ItemIsSelectable, false);
}

void ParticleLayer::setEdges(const QList<TopologyEdge *> &edges)
{
    m_edges = edges;
    m_lanes.assign(edges.size(), Lane{});
    m_particles.clear();
}

void ParticleLayer::setBounds(const QRectF &bounds)
{
    prepareGeometryChange();
    m_bounds = bounds;
}

void ParticleLayer::clear()
{
    m_particles.clear();
    for (Lane &l : m_lanes)
        l = {};
    update();
}

double ParticleLayer::spawnRate(double rps)
{
    return rps <= 0.0 ? 0.0 : 2.0 * (1.0 + std::log(1.0 + rps));
}

void ParticleLayer::advanceBy(double dt)
{
    dt = std::clamp(dt, 0.0, 0.25);
    for (Particle &p : m_particles)
        p.t += p.speed * float(dt);
    std::erase_if(m_particles, [](const Particle &p) { return p.t >= 1.0f; });

    std::vector<int> perEdge(m_edges.size(), 0);
    for (const Particle &p : m_particles)
        ++perEdge[p.edge];
    for (int i = 0; i < m_edges.size(); ++i) {
        const TopologyEdge *e = m_edges[i];
        Lane &lane = m_lanes[i];
        lane.spawn += spawnRate(e->rps()) * dt;
        // Short edges get slower particles so that each stays visible for a while.
        const double scale = std::clamp(e->length() / 230.0, 0.45, 1.6);
        const float speed = float(1.0 / (SecondsPerEdge * scale));
        while (lane.spawn >= 1.0) {
            lane.spawn -= 1.0;
            lane.errors += std::clamp(e->errorShare(), 0.0, 1.0);
            bool failed = false;
            if (lane.errors >= 1.0) {
                lane.errors -= 1.0;
                failed = true;
            }
            if (perEdge[i] >= MaxPerEdge)
                continue;
            ++perEdge[i];
            // Spread within the frame so that a burst does not move as one clump.
            const float head = float(std::fmod(lane.spawn * 0.37, 1.0) * dt) * speed;
            m_particles.push_back({i, head, speed, failed});
        }
    }
    update();
}

void ParticleLayer::paint(QPainter *p, const QStyleOptionGraphicsItem *, QWidget *)
{
    if (m_particles.empty())
        return;
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(Qt::NoPen);
    const QColor ok = theme::startingColor();
    const QColor bad = theme::errorColor();
    p->setBrush(ok);
    for (const Particle &q : m_particles)
        if (!q.failed)
            p->drawEllipse(m_edges[q.edge]->pointAt(q.t), 3.5, 3.5);
    p->setBrush(bad);
    for (const Particle &q : m_particles)
        if (q.failed)
            p->drawEllipse(m_edges[q.edge]->pointAt(q.t), 4.5, 4.5);
}

} // namespace microcosm
