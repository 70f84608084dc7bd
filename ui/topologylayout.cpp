#include "topologylayout.h"

#include <QFileInfo>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace microcosm {

namespace {

using Call = std::pair<QString, QString>;

// How far right of its callers' column a column goes when its boxes sit
// clear above and below theirs (before presenter mode's scale).
constexpr qreal StaggerStep = 60;

// The spaces between boxes, in scene units before presenter mode's scale:
// wide enough across for an edge's label (two lines of figures and the
// breaker badge, about 160 wide), and down for the badges above a box.
struct Gaps
{
    qreal usersGateway;    // users → gateway
    qreal gatewayServices; // gateway → the first column of services
    qreal columns;         // one call depth → the next
    qreal wrapped;         // the parts of a column that wraps
    qreal databases;       // the last services → the database files
    qreal databaseColumns; // the parts of a database column that wraps
    qreal rows;            // between two boxes of a column
    qreal databaseRows;
};

Gaps gapsFor(TopologyLayout::Density density, bool presenter)
{
    if (density == TopologyLayout::Density::Compact)
        return {170, 170, 170, 70, 110, 40, 36, 26};
    // The shop's picture as it always was; presenter mode's larger boxes
    // take some of the room between the columns.
    if (presenter)
        return {230, 210, 200, 70, 110, 40, 45, 34};
    return {210, 200, 190, 70, 130, 40, 69, 50};
}

} // namespace

bool segmentHits(QPointF a, QPointF b, const QRectF &r)
{
    double t0 = 0, t1 = 1;
    const double dx = b.x() - a.x(), dy = b.y() - a.y();
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {a.x() - r.left(), r.right() - a.x(), a.y() - r.top(), r.bottom() - a.y()};
    for (int i = 0; i < 4; ++i) {
        if (std::abs(p[i]) < 1e-12) {
            if (q[i] < 0)
                return false;
            continue;
        }
        const double t = q[i] / p[i];
        if (p[i] < 0)
            t0 = std::max(t0, t);
        else
            t1 = std::min(t1, t);
        if (t0 > t1)
            return false;
    }
    return true;
}

namespace {

// A stable name for a database box: the file's name without ".db".
QString databaseId(const QString &path)
{
    QString name = QFileInfo(path).fileName();
    if (name.endsWith(QLatin1String(".db")))
        name.chop(3);
    return QStringLiteral("db:") + name;
}

} // namespace

const TopologyLayout::Database *TopologyLayout::databaseOf(const QString &service) const
{
    for (const Database &d : databases)
        if (d.services.contains(service))
            return &d;
    return nullptr;
}

QSizeF TopologyLayout::boxSize(Box box, Density density, int moduleLines)
{
    const bool compact = density == Density::Compact;
    switch (box) {
    case Box::Users:
        return {156, 100};
    case Box::Gateway:
        return {164, 112};
    case Box::Service:
        return compact ? QSizeF(200, 84 + 16 * moduleLines) : QSizeF(232, 136 + 20 * moduleLines);
    case Box::Database:
        return compact ? QSizeF(128, 64) : QSizeF(144, 88);
    }
    return {};
}

QSizeF TopologyLayout::boxSize(Box box, int moduleLines) const
{
    return boxSize(box, density, moduleLines) * (presenter ? PresenterScale : 1.0);
}

QRectF TopologyLayout::boxRect(const QString &id) const
{
    Box box = Box::Service;
    int lines = 0;
    if (id == QLatin1String("users") || id == QLatin1String("http"))
        box = Box::Users;
    else if (id == QLatin1String("gateway"))
        box = Box::Gateway;
    else if (id.startsWith(QLatin1String("db:")))
        box = Box::Database;
    else
        lines = moduleLinesOf.value(id);
    const QSizeF size = boxSize(box, lines);
    const QPointF c = positions.value(id);
    return QRectF(c.x() - size.width() / 2, c.y() - size.height() / 2, size.width(), size.height());
}

QStringList TopologyLayout::ids() const
{
    QStringList out = {QStringLiteral("users"), QStringLiteral("gateway")};
    for (const QStringList &column : columns)
        out += column;
    for (const Database &d : databases)
        out << d.id;
    return out;
}

TopologyLayout layoutTopology(const QVector<ServiceSnapshot> &services,
                              const std::vector<std::pair<QString, QString>> &calls, bool presenter)
{
    TopologyLayout out;
    out.presenter = presenter;
    QList<const ServiceSnapshot *> sorted;
    for (const ServiceSnapshot &s : services)
        sorted.append(&s);
    std::sort(sorted.begin(), sorted.end(),
              [](const ServiceSnapshot *a, const ServiceSnapshot *b) { return a->name < b->name; });
    QStringList names;
    for (const ServiceSnapshot *s : sorted)
        names << s->name;
    out.key = names.join(QLatin1Char(','));
    out.density = names.size() > TopologyLayout::CompactAbove ? TopologyLayout::Density::Compact
                                                              : TopologyLayout::Density::Normal;
    for (const ServiceSnapshot *s : sorted) {
        if (s->userFacing)
            out.userFacing << s->name;
        out.moduleLinesOf.insert(s->name, TopologyLayout::moduleLines(int(s->modules.size())));
    }

    // Calls between deployables: a module's name stands for its deployable.
    QHash<QString, QString> deployableOf;
    for (const ServiceSnapshot *s : sorted)
        deployableOf.insert(s->name, s->name);
    for (const ServiceSnapshot *s : sorted)
        for (const QString &m : s->modules)
            if (!deployableOf.contains(m))
                deployableOf.insert(m, s->name);
    std::set<Call> resolved;
    for (const Call &c : calls) {
        const QString from = deployableOf.value(c.first), to = deployableOf.value(c.second);
        if (!from.isEmpty() && !to.isEmpty() && from != to)
            resolved.insert({from, to});
    }
    out.calls.assign(resolved.begin(), resolved.end());
    QMap<QString, QStringList> callees, callers; // in name order, as the set is
    for (const Call &c : out.calls) {
        callees[c.first] << c.second;
        callers[c.second] << c.first;
    }

    // Cycles: a depth-first walk from the uncalled services, in name order,
    // drops the calls that lead back to a service on its path.
    enum class Mark
    {
        New,
        OnPath,
        Done
    };
    QHash<QString, Mark> mark;
    std::set<Call> back;
    QStringList finished;
    std::function<void(const QString &)> visit = [&](const QString &u) {
        mark[u] = Mark::OnPath;
        for (const QString &v : callees.value(u)) {
            const Mark m = mark.value(v, Mark::New);
            if (m == Mark::OnPath)
                back.insert({u, v});
            else if (m == Mark::New)
                visit(v);
        }
        mark[u] = Mark::Done;
        finished << u;
    };
    for (const QString &s : names)
        if (callers.value(s).isEmpty())
            visit(s);
    for (const QString &s : names)
        if (mark.value(s, Mark::New) == Mark::New)
            visit(s);
    // Longest path from an uncalled service, in topological order.
    for (const QString &s : names)
        out.depth.insert(s, 0);
    for (auto it = finished.crbegin(); it != finished.crend(); ++it)
        for (const QString &v : callees.value(*it))
            if (!back.count({*it, v}))
                out.depth[v] = std::max(out.depth[v], out.depth[*it] + 1);
    int deepest = 0;
    for (const QString &s : names)
        deepest = std::max(deepest, out.depth[s]);
    out.columns.resize(names.isEmpty() ? 0 : deepest + 1);
    for (const QString &s : names)
        out.columns[out.depth[s]] << s;

    // Sizes and room.
    const double k = presenter ? TopologyLayout::PresenterScale : 1.0;
    const Gaps gap = gapsFor(out.density, presenter);
    const QSizeF users = out.boxSize(TopologyLayout::Box::Users);
    const QSizeF gateway = out.boxSize(TopologyLayout::Box::Gateway);
    const QSizeF service = out.boxSize(TopologyLayout::Box::Service);
    const QSizeF database = out.boxSize(TopologyLayout::Box::Database);
    out.positions.insert(QStringLiteral("users"), {0, 0});
    // The HTTP front's clients, below the simulated users, once they send.
    out.positions.insert(QStringLiteral("http"), {0, users.height() * 1.3});
    const qreal gatewayX = users.width() / 2 + gap.usersGateway + gateway.width() / 2;
    out.positions.insert(QStringLiteral("gateway"), {gatewayX, 0});

    // A column taller than about the square root of the services wraps.
    const int maxRows = std::max(6, int(std::ceil(1.3 * std::sqrt(double(names.size())))));
    struct Part
    {
        QStringList names;
        qreal dx = 0;      // from the column's x
        qreal stagger = 0; // every other part of a wrapped column moves down half a row
    };
    QList<QList<Part>> parts;
    QList<qreal> pitch;
    for (const QStringList &column : std::as_const(out.columns)) {
        qreal tallest = service.height();
        for (const QString &s : column)
            tallest = std::max(tallest, out.boxRect(s).height());
        pitch << tallest + gap.rows * k;
        const int n = int(column.size());
        const int count = (n + maxRows - 1) / maxRows;
        const int rows = (n + count - 1) / count;
        QList<Part> split;
        for (int j = 0; j < count; ++j) {
            Part p;
            p.names = column.mid(j * rows, rows);
            p.dx = j * (service.width() + gap.wrapped);
            p.stagger = (j % 2) ? pitch.last() / 2 : 0;
            split << p;
        }
        parts << split;
    }

    // Each column is spread and shifted as far as it takes for the lines
    // into it from the gateway and from shallower columns to miss the boxes
    // in between (where it can), preferring the tightest arrangement. A
    // column whose boxes all sit clear above or below those before it needs
    // only a step to the right of its callers (as the shop's product and
    // cart beside order); any other starts right of every box so far.
    auto place = [&](int d, qreal x, double spread, double shift) {
        for (const Part &p : std::as_const(parts[d])) {
            const qreal n = qreal(p.names.size());
            for (int i = 0; i < p.names.size(); ++i)
                out.positions.insert(
                    p.names[i],
                    {x + p.dx, (i - (n - 1) / 2 + shift) * pitch[d] * spread + p.stagger});
        }
    };
    auto clear = [&](int d) {
        for (const QString &s : std::as_const(out.columns[d]))
            for (int before = 0; before < d; ++before)
                for (const QString &o : std::as_const(out.columns[before]))
                    if (out.boxRect(s)
                            .adjusted(-20, -gap.rows * k / 2, 20, gap.rows * k / 2)
                            .intersects(out.boxRect(o)))
                        return false;
        return true;
    };
    auto crossings = [&](int d) {
        int hits = 0;
        for (const QString &s : std::as_const(out.columns[d])) {
            QList<std::pair<QPointF, int>> from; // start, and its column (-1: the gateway)
            if (out.userFacing.contains(s))
                from.append({out.positions.value(QStringLiteral("gateway")), -1});
            for (const QString &c : callers.value(s))
                if (out.depth.value(c) < d)
                    from.append({out.positions.value(c), out.depth.value(c)});
            const QPointF to = out.positions.value(s);
            for (const auto &[start, column] : std::as_const(from))
                for (int between = column + 1; between < d; ++between)
                    for (const QString &o : std::as_const(out.columns[between]))
                        hits += segmentHits(start, to, out.boxRect(o).adjusted(-10, -12, 10, 12));
        }
        return hits;
    };
    const qreal step = StaggerStep * k;
    qreal right = gatewayX + gateway.width() / 2 + gap.gatewayServices - gap.columns;
    qreal previousX = 0;
    for (int d = 0; d < out.columns.size(); ++d) {
        const qreal fullX = right + gap.columns + service.width() / 2;
        double best = 1e18, bestSpread = 1, bestShift = 0;
        qreal bestX = fullX;
        for (double spread : {1.0, 1.5, 2.0, 2.5}) {
            for (double shift : {0.0, 0.5, -0.5}) {
                if (d == 0 && (spread > 1 || shift != 0))
                    continue; // nothing lies between the gateway and the first column
                qreal x = fullX;
                if (d > 0) {
                    place(d, previousX + step, spread, shift);
                    if (clear(d))
                        x = previousX + step;
                }
                place(d, x, spread, shift);
                const double cost = 1000.0 * (d == 0 ? 0 : crossings(d)) + (spread - 1) * 4 +
                                    std::abs(shift) + (x == fullX && d > 0 ? 3 : 0);
                if (cost < best) {
                    best = cost;
                    bestSpread = spread;
                    bestShift = shift;
                    bestX = x;
                }
            }
        }
        place(d, bestX, bestSpread, bestShift);
        previousX = bestX + parts[d].last().dx; // its rightmost part's
        for (const QString &s : std::as_const(out.columns[d]))
            right = std::max(right, out.boxRect(s).right());
    }

    // The database files, one box each, at the height of the services
    // that open it, in as many columns as keep that column not much taller
    // than the services'.
    QMap<QString, TopologyLayout::Database> files;
    for (const ServiceSnapshot *s : sorted) {
        const QString path =
            s->databasePath.isEmpty() ? s->name + QStringLiteral(".db") : s->databasePath;
        TopologyLayout::Database &d = files[databaseId(path)];
        d.id = databaseId(path);
        d.path = path;
        d.fileName = QFileInfo(path).fileName();
        d.services << s->name;
    }
    QList<std::pair<qreal, QString>> targets;
    qreal top = 0, bottom = 0;
    for (const QString &s : names) {
        top = std::min(top, out.boxRect(s).top());
        bottom = std::max(bottom, out.boxRect(s).bottom());
    }
    for (const TopologyLayout::Database &d : std::as_const(files)) {
        qreal y = 0;
        for (const QString &s : d.services)
            y += out.positions.value(s).y();
        targets.append({y / qreal(d.services.size()), d.id});
        out.databases << d;
    }
    std::sort(targets.begin(), targets.end());
    const qreal dbPitch = database.height() + gap.databaseRows * k;
    // (Up to half as tall again: a column more makes the whole picture smaller.)
    const qreal room = std::max(dbPitch, 1.5 * (bottom - top));
    const int dbColumns =
        targets.isEmpty() ? 0 : std::max(1, int(std::ceil(targets.size() * dbPitch / room)));
    const qreal lastX = right;
    for (int j = 0; j < dbColumns; ++j) {
        const qreal dx = lastX + gap.databases + database.width() / 2 +
                         j * (database.width() + gap.databaseColumns);
        QList<std::pair<qreal, QString>> column;
        for (int i = j; i < targets.size(); i += dbColumns)
            column << targets[i];
        // Each as near its services as the one above it allows, then the
        // whole column moved to sit as near them as it can on average.
        QList<qreal> ys;
        qreal moved = 0;
        for (int i = 0; i < column.size(); ++i) {
            const qreal y =
                i == 0 ? column[i].first : std::max(column[i].first, ys.last() + dbPitch);
            ys << y;
            moved += y - column[i].first;
        }
        const qreal back = column.isEmpty() ? 0 : moved / qreal(column.size());
        for (int i = 0; i < column.size(); ++i)
            out.positions.insert(column[i].second, {dx, ys[i] - back});
    }
    return out;
}

} // namespace microcosm
