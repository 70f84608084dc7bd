#include "genericservice.h"

#include "cart/cartservice.h"
#include "externalservice.h"
#include "gateway.h"
#include "order/orderservice.h"
#include "product/productservice.h"
#include "sqlite.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>
#include <thread>

namespace microcosm {

namespace {

bool takesBody(const QString &method)
{
    return method == QLatin1String("POST") || method == QLatin1String("PUT") ||
           method == QLatin1String("PATCH");
}

bool chance(double probability, std::mt19937_64 &rng)
{
    if (probability >= 1)
        return true;
    if (probability <= 0)
        return false;
    return std::uniform_real_distribution<double>(0, 1)(rng) < probability;
}

QString describeStep(const CallStep &step)
{
    switch (step.kind) {
    case CallStep::Kind::Call:
        return step.method + QLatin1Char(' ') + step.pattern;
    case CallStep::Kind::Parallel:
        return QStringLiteral("parallel group");
    case CallStep::Kind::Sequence:
        return QStringLiteral("sequence");
    case CallStep::Kind::Alternatives:
        return QStringLiteral("alternatives");
    }
    return {};
}

} // namespace

GenericService::GenericService(ServiceSpec spec) : m_spec(std::move(spec))
{
    m_schema = schemaOf(m_spec.tables).toStdString();
    m_kind = {m_spec.name, ApplicationId, 1, m_schema.c_str()};
}

QList<RouteSpec> GenericService::routes() const
{
    return m_spec.routeSpecs();
}

QString GenericService::schemaOf(const QList<TableSpec> &tables)
{
    QString out;
    for (const TableSpec &t : tables)
        out += QStringLiteral("CREATE TABLE IF NOT EXISTS \"%1\" (\n"
                              "    id      INTEGER PRIMARY KEY,\n"
                              "    value   INTEGER NOT NULL DEFAULT 0,\n"
                              "    payload BLOB\n"
                              ");\n")
                   .arg(t.name);
    return out;
}

void GenericService::seedTables(Database &db, const QList<TableSpec> &tables)
{
    for (const TableSpec &t : tables) {
        auto insert = db.prepare(
            QStringLiteral("INSERT INTO \"%1\" (id, value, payload) VALUES (?, 0, zeroblob(?))")
                .arg(t.name));
        for (int id = 1; id <= t.rows; ++id)
            insert.bind(1, qint64(id)).bind(2, t.payloadBytes).exec();
    }
}

void GenericService::migrate(Database &db)
{
    const QList<TableSpec> tables = m_spec.tables;
    prepareServiceFile(db, m_kind, [tables](Database &db) { seedTables(db, tables); });
}

const GenericRoute *GenericService::routeFor(const QString &key) const
{
    for (const GenericRoute &r : m_spec.routes)
        if (r.spec.key() == key)
            return &r;
    return nullptr;
}

void GenericService::runSql(const GenericRoute &route, WorkerContext &ctx) const
{
    if (route.sql.isEmpty())
        return;
    Database &db = ctx.db();
    const TimePoint start = Clock::now();
    auto rowsOf = [this](const QString &table) {
        for (const TableSpec &t : m_spec.tables)
            if (t.name == table)
                return std::max(1, t.rows);
        return 1;
    };
    const bool writes = std::any_of(route.sql.begin(), route.sql.end(), [](const SqlStep &s) {
        return s.kind == SqlStep::Kind::Write || s.kind == SqlStep::Kind::Insert;
    });
    auto run = [&] {
        for (const SqlStep &s : route.sql) {
            std::uniform_int_distribution<int> id(1, rowsOf(s.table));
            switch (s.kind) {
            case SqlStep::Kind::Read: {
                auto q = db.prepare(
                    QStringLiteral("SELECT value, length(payload) FROM \"%1\" WHERE id = ?")
                        .arg(s.table));
                for (int i = 0; i < s.rows; ++i) {
                    q.bind(1, qint64(id(ctx.rng())));
                    while (q.next()) {
                    }
                }
                break;
            }
            case SqlStep::Kind::Write: {
                auto q =
                    db.prepare(QStringLiteral("UPDATE \"%1\" SET value = value + 1 WHERE id = ?")
                                   .arg(s.table));
                for (int i = 0; i < s.rows; ++i)
                    q.bind(1, qint64(id(ctx.rng()))).exec();
                break;
            }
            case SqlStep::Kind::Insert: {
                qint64 bytes = 32;
                for (const TableSpec &t : m_spec.tables)
                    if (t.name == s.table)
                        bytes = t.payloadBytes;
                auto q = db.prepare(
                    QStringLiteral("INSERT INTO \"%1\" (value, payload) VALUES (0, zeroblob(?))")
                        .arg(s.table));
                for (int i = 0; i < s.rows; ++i)
                    q.bind(1, bytes).exec();
                break;
            }
            case SqlStep::Kind::Scan: {
                auto q = db.prepare(
                    QStringLiteral("SELECT count(*), total(value) FROM \"%1\"").arg(s.table));
                while (q.next()) {
                }
                break;
            }
            }
        }
    };
    if (writes) {
        Transaction tx(db);
        run();
        tx.commit();
    } else {
        run();
    }
    ctx.span(m_spec.name + QStringLiteral(".db"), start, Clock::now());
}

Request GenericService::requestFor(const CallStep &step, const Request &incoming,
                                   std::mt19937_64 &rng) const
{
    Request r;
    r.method = step.method;
    QString path;
    const QStringList segments = step.pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const QString &seg : segments) {
        path += QLatin1Char('/');
        if (seg.startsWith(QLatin1Char('{')) && seg.endsWith(QLatin1Char('}'))) {
            const QString name = seg.mid(1, seg.size() - 2);
            const QString value = incoming.param(name);
            path += value.isEmpty()
                        ? QString::number(std::uniform_int_distribution<int>(1, 1000)(rng))
                        : value;
        } else {
            path += seg;
        }
    }
    r.path = path.isEmpty() ? QStringLiteral("/") : path;
    if (takesBody(r.method))
        r.body = QJsonObject{};
    return r;
}

bool GenericService::runStep(const CallStep &step, const Request &incoming, WorkerContext &ctx,
                             QStringList *degraded, QString *why, int *status) const
{
    for (int n = 0; n < step.times; ++n) {
        if (!chance(step.probability, ctx.rng()))
            continue;
        bool ok = true;
        QString failure;
        int failStatus = 502;
        switch (step.kind) {
        case CallStep::Kind::Call: {
            const Response r = ctx.call(requestFor(step, incoming, ctx.rng()));
            if (!r.ok()) {
                ok = false;
                failStatus = r.status >= 500 ? r.status : 502;
                failure = QStringLiteral("%1 %2 → %3: %4")
                              .arg(step.method, step.pattern)
                              .arg(r.status)
                              .arg(r.reason);
            }
            break;
        }
        case CallStep::Kind::Sequence:
            for (const CallStep &s : step.steps)
                if (!runStep(s, incoming, ctx, degraded, &failure, &failStatus)) {
                    ok = false;
                    break;
                }
            break;
        case CallStep::Kind::Alternatives: {
            double total = 0;
            for (const CallStep &s : step.steps)
                total += s.weight;
            double pick = std::uniform_real_distribution<double>(0, total)(ctx.rng());
            for (const CallStep &s : step.steps) {
                pick -= s.weight;
                if (pick <= 0 || &s == &step.steps.last()) {
                    ok = runStep(s, incoming, ctx, degraded, &failure, &failStatus);
                    break;
                }
            }
            break;
        }
        case CallStep::Kind::Parallel: {
            // Plain calls go out at once; nested groups run after them, in order.
            QList<Request> requests;
            QList<const CallStep *> calls;
            for (const CallStep &s : step.steps) {
                if (s.kind == CallStep::Kind::Call && s.times == 1) {
                    if (chance(s.probability, ctx.rng())) {
                        requests.append(requestFor(s, incoming, ctx.rng()));
                        calls.append(&s);
                    }
                } else if (!runStep(s, incoming, ctx, degraded, &failure, &failStatus)) {
                    ok = false;
                }
            }
            const QList<Response> answers = ctx.callAll(std::move(requests));
            for (qsizetype i = 0; i < answers.size(); ++i) {
                const Response &r = answers[i];
                if (r.ok())
                    continue;
                const QString text = QStringLiteral("%1 %2 → %3: %4")
                                         .arg(calls[i]->method, calls[i]->pattern)
                                         .arg(r.status)
                                         .arg(r.reason);
                if (calls[i]->optional) {
                    degraded->append(text);
                } else if (ok) {
                    ok = false;
                    failure = text;
                    failStatus = r.status >= 500 ? r.status : 502;
                }
            }
            break;
        }
        }
        if (ok)
            continue;
        if (step.optional) {
            degraded->append(failure.isEmpty() ? describeStep(step) : failure);
            continue;
        }
        *why = failure;
        *status = failStatus;
        return false;
    }
    return true;
}

Response GenericService::handle(const Request &request, WorkerContext &ctx)
{
    const GenericRoute *route = routeFor(request.route);
    if (!route)
        return Response::error(404,
                               QStringLiteral("%1 has no route %2").arg(name(), request.route));
    if (route->errorPercent > 0 && chance(route->errorPercent / 100.0, ctx.rng()))
        return Response::error(500, QStringLiteral("%1 failed on its own (%2% of %3)")
                                        .arg(name())
                                        .arg(route->errorPercent)
                                        .arg(request.route));
    runSql(*route, ctx);
    QStringList degraded;
    QString why;
    int status = 502;
    for (const CallStep &step : route->calls)
        if (!runStep(step, request, ctx, &degraded, &why, &status))
            return Response::error(status, QStringLiteral("%1: %2").arg(name(), why));
    QJsonObject body{{QStringLiteral("service"), name()},
                     {QStringLiteral("route"), request.route},
                     {QStringLiteral("by"), ctx.replicaName()}};
    for (const Params::Entry &p : request.params)
        body.insert(p.name(), p.value);
    if (request.method == QLatin1String("POST"))
        body.insert(QStringLiteral("id"), QString::number(std::uniform_int_distribution<qint64>(
                                              1, 1'000'000'000)(ctx.rng())));
    if (!degraded.isEmpty())
        body.insert(QStringLiteral("degraded"), QJsonArray::fromStringList(degraded));
    return Response::make(request.method == QLatin1String("POST") ? 201 : 200, body);
}

std::shared_ptr<Service> makeService(const ServiceSpec &spec)
{
    switch (spec.kind) {
    case ServiceSpec::Kind::Product:
        return std::make_shared<ProductService>(spec.restock);
    case ServiceSpec::Kind::Cart:
        return std::make_shared<CartService>();
    case ServiceSpec::Kind::Order:
        return std::make_shared<OrderService>();
    case ServiceSpec::Kind::Generic:
        return std::make_shared<GenericService>(spec);
    case ServiceSpec::Kind::External:
        return std::make_shared<ExternalService>(spec);
    }
    return {};
}

QList<std::shared_ptr<DatabaseFile>> databaseFiles(const Architecture &a)
{
    QList<std::shared_ptr<DatabaseFile>> out;
    QMap<QString, std::shared_ptr<DatabaseFile>> byName;
    for (const QString &d : a.deployables()) {
        const QString file = a.databaseOf(d);
        auto &f = byName[file];
        if (!f) {
            f = std::make_shared<DatabaseFile>();
            f->name = file;
            out.append(f);
        }
        f->deployables << d;
        f->services << a.modulesOf(d);
    }
    for (const std::shared_ptr<DatabaseFile> &f : out) {
        const ServiceSpec *only = f->services.size() == 1 ? a.service(f->services[0]) : nullptr;
        if (only && only->isShopKind()) {
            const DataFileKind &own =
                only->kind == ServiceSpec::Kind::Product ? ProductService::dataFile()
                : only->kind == ServiceSpec::Kind::Cart  ? CartService::dataFile()
                                                         : OrderService::dataFile();
            f->kind = own;
            f->kind.service = f->name;
            f->schema = own.schema;
            if (only->kind == ServiceSpec::Kind::Product)
                f->seed = &ProductService::seed;
        } else {
            QString schema;
            QList<TableSpec> tables;
            bool product = false;
            for (const QString &s : f->services) {
                const ServiceSpec *spec = a.service(s);
                switch (spec->kind) {
                case ServiceSpec::Kind::Product:
                    schema += QString::fromUtf8(ProductService::schema());
                    product = true;
                    break;
                case ServiceSpec::Kind::Cart:
                    schema += QString::fromUtf8(CartService::schema());
                    break;
                case ServiceSpec::Kind::Order:
                    schema += QString::fromUtf8(OrderService::schema());
                    break;
                case ServiceSpec::Kind::Generic:
                    schema += GenericService::schemaOf(spec->tables);
                    tables += spec->tables;
                    break;
                case ServiceSpec::Kind::External: // its data are its process's own
                    break;
                }
            }
            f->schema = schema.toStdString();
            // With the product's tables the file follows the product's
            // schema version (2 added its restocks table to version 1).
            const DataFileKind &ownProduct = ProductService::dataFile();
            f->kind = {f->name,
                       f->services.size() == 1 ? GenericService::ApplicationId
                                               : DatabaseFile::ApplicationId,
                       product ? ownProduct.schemaVersion : 1, nullptr,
                       product ? ownProduct.additiveSince : 0};
            f->seed = [tables, product](Database &db) {
                if (product)
                    ProductService::seed(db);
                GenericService::seedTables(db, tables);
            };
        }
        f->kind.schema = f->schema.c_str();
    }
    return out;
}

class Deployable::ModuleContext final : public WorkerContext
{
public:
    ModuleContext(const Deployable &owner, WorkerContext &inner) : m_owner(owner), m_inner(inner) {}
    Database &db() override { return m_inner.db(); }
    Response call(Request request) override
    {
        Params params;
        const QString path = request.path;
        if (const Entry *e = m_owner.local(request.method, path, &params)) {
            // A call cycle inside one deployable (allowed only with
            // allowCycles) would recurse for ever: bounded, as a loop detected.
            if (m_depth >= MaxInProcessDepth)
                return Response::error(508, QStringLiteral("%1: in-process calls nested %2 deep at "
                                                           "%3: a call cycle inside the deployable")
                                                .arg(m_owner.name())
                                                .arg(m_depth)
                                                .arg(e->spec.key()));
            ++m_depth;
            struct Leave
            {
                int &depth;
                ~Leave() { --depth; }
            } leave{m_depth};
            request.route = e->spec.key();
            request.params = std::move(params);
            const TimePoint start = Clock::now();
            const auto time = m_owner.m_times.constFind(request.route);
            if (time != m_owner.m_times.cend())
                std::this_thread::sleep_for(time->sample(m_inner.rng()));
            Response r = e->module->handle(request, *this);
            m_inner.span(QStringLiteral("in-process → %1").arg(e->module->name()), start,
                         Clock::now(), request.label());
            return r;
        }
        return m_inner.call(std::move(request));
    }
    QList<Response> callAll(QList<Request> requests) override
    {
        QList<Request> remote;
        QList<qsizetype> remoteAt;
        QList<Response> out(requests.size());
        for (qsizetype i = 0; i < requests.size(); ++i) {
            Params params;
            if (m_owner.local(requests[i].method, requests[i].path, &params)) {
                out[i] = call(std::move(requests[i]));
            } else {
                remote.append(std::move(requests[i]));
                remoteAt.append(i);
            }
        }
        const QList<Response> answers = m_inner.callAll(std::move(remote));
        for (qsizetype i = 0; i < answers.size(); ++i)
            out[remoteAt[i]] = answers[i];
        return out;
    }
    QString replicaName() const override { return m_inner.replicaName(); }
    QString incarnation() const override { return m_inner.incarnation(); }
    bool isLive(const QString &incarnation) const override { return m_inner.isLive(incarnation); }
    std::mt19937_64 &rng() override { return m_inner.rng(); }
    void span(const QString &name, TimePoint start, TimePoint end, const QString &note) override
    {
        m_inner.span(name, start, end, note);
    }
    void event(const QString &kind, const QString &message) override
    {
        m_inner.event(kind, message);
    }

private:
    static constexpr int MaxInProcessDepth = 32;
    const Deployable &m_owner;
    WorkerContext &m_inner;
    int m_depth = 0;
};

Deployable::Deployable(QString name, QList<std::shared_ptr<Service>> modules,
                       std::shared_ptr<DatabaseFile> file, QHash<QString, ServiceTime> times)
    : m_name(std::move(name)), m_modules(std::move(modules)), m_file(std::move(file)),
      m_times(std::move(times))
{
    for (const std::shared_ptr<Service> &m : m_modules)
        for (const RouteSpec &r : m->routes())
            m_entries.append({r, r.pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts), m.get()});
}

QList<RouteSpec> Deployable::routes() const
{
    QList<RouteSpec> out;
    for (const Entry &e : m_entries)
        out.append(e.spec);
    return out;
}

QStringList Deployable::modules() const
{
    QStringList out;
    for (const std::shared_ptr<Service> &m : m_modules)
        out << m->name();
    return out;
}

QString Deployable::moduleOf(const RouteSpec &route) const
{
    for (const Entry &e : m_entries)
        if (e.spec.key() == route.key())
            return e.module->name();
    return m_name;
}

const Deployable::Entry *Deployable::local(const QString &method, const QString &path,
                                           Params *params) const
{
    for (const Entry &e : m_entries) {
        if (e.spec.method != method)
            continue;
        params->clear();
        if (Gateway::matchPattern(e.segments, path, params))
            return &e;
    }
    return nullptr;
}

void Deployable::migrate(Database &db)
{
    prepareServiceFile(db, m_file->kind, m_file->seed);
}

Response Deployable::handle(const Request &request, WorkerContext &ctx)
{
    ModuleContext module(*this, ctx);
    for (const Entry &e : m_entries)
        if (e.spec.key() == request.route)
            return e.module->handle(request, module);
    return Response::error(404, QStringLiteral("%1 has no route %2").arg(m_name, request.route));
}

Duration Deployable::maintenancePeriod() const
{
    Duration shortest = Duration::zero();
    for (const std::shared_ptr<Service> &m : m_modules) {
        const Duration p = m->maintenancePeriod();
        if (p > Duration::zero() && (shortest == Duration::zero() || p < shortest))
            shortest = p;
    }
    return shortest;
}

void Deployable::maintain(WorkerContext &ctx)
{
    ModuleContext module(*this, ctx);
    for (const std::shared_ptr<Service> &m : m_modules)
        if (m->maintenancePeriod() > Duration::zero())
            m->maintain(module);
}

} // namespace microcosm
