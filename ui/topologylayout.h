#pragma once

#include "snapshot.h"

#include <QHash>
#include <QList>
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QStringList>

#include <utility>
#include <vector>

namespace microcosm {

// Where the topology view puts each box of an architecture before the user
// moves any: users → API gateway → the services in columns by call depth →
// the database files. Depth 0 holds the services no other service calls;
// a callee sits one column right of its deepest caller (a call cycle is
// broken at the call a depth-first walk in name order meets last). Within
// a column the services go top to bottom by name, and a column taller than
// the rest wraps into several side by side. Each database file sits in the
// last column at the height of the services that open it, so a file
// several services share is one box. Many services get smaller boxes.
//
// Invariants: a pure function of the services' names, modules, database
// files and user-facing flags and of the declared calls: the same
// architecture lays out the same way in every run, whatever the order the
// platform lists it in; no two boxes overlap (their bodies and the badges
// above them, presenter mode's scale included).
struct TopologyLayout
{
    enum class Density
    {
        Normal, // the shop's boxes: replicas, queue and workers bars, traffic
        Compact // many services: title, replicas and traffic only
    };
    enum class Box
    {
        Users,
        Gateway,
        Service,
        Database
    };
    struct Database
    {
        QString id;           // "db:" and the file's name without ".db": "db:cart"
        QString path;         // the file
        QString fileName;     // "cart.db"
        QStringList services; // the deployables that open it, by name
    };

    Density density = Density::Normal;
    bool presenter = false;
    // Node id → the centre of its box: "users", "gateway", each service's
    // name, each database's id.
    QHash<QString, QPointF> positions;
    // Each service's call depth: the column it is in.
    QHash<QString, int> depth;
    // The columns of services, left to right, each top to bottom.
    QList<QStringList> columns;
    QList<Database> databases;
    // Calls between deployables (a call naming a co-located module becomes
    // its deployable's; calls to self and to unknown names are dropped).
    std::vector<std::pair<QString, QString>> calls;
    // The services users call through the gateway.
    QStringList userFacing;
    // The lines of module names a monolith's box lists (0 for a lone service).
    QHash<QString, int> moduleLinesOf;
    // The architecture's name for saved layouts: its services' names, sorted.
    QString key;

    // The database box of a service (its own file or the one it shares).
    const Database *databaseOf(const QString &service) const;
    // A box's size in scene units (a monolith's service box grows a line for
    // every three modules), presenter mode's scale included.
    QSizeF boxSize(Box box, int moduleLines = 0) const;
    QRectF boxRect(const QString &id) const;
    // The ids of every box laid out.
    QStringList ids() const;

    static int moduleLines(int modules) { return modules > 1 ? (modules + 2) / 3 : 0; }
    static QSizeF boxSize(Box box, Density density, int moduleLines = 0);
    // More services than this get compact boxes.
    static constexpr int CompactAbove = 12;
    // The scale presenter mode draws boxes at.
    static constexpr double PresenterScale = 1.2;
};

// Whether the segment a→b passes through r (Liang–Barsky clipping).
bool segmentHits(QPointF a, QPointF b, const QRectF &r);

TopologyLayout layoutTopology(const QVector<ServiceSnapshot> &services,
                              const std::vector<std::pair<QString, QString>> &calls,
                              bool presenter = false);

} // namespace microcosm
