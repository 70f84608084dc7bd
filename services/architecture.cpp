#include "architecture.h"

#include "gateway.h"
#include "genericservice.h"
#include "jsonreader.h"
#include "platform.h"
#include "shop.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUrl>

#include <functional>
#include <set>

namespace microcosm {

namespace {

const QStringList Methods{QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                          QStringLiteral("PATCH"), QStringLiteral("DELETE")};
const QStringList Kinds{QStringLiteral("product"), QStringLiteral("cart"), QStringLiteral("order"),
                        QStringLiteral("generic"), QStringLiteral("external")};
constexpr int MaxServices = 64;

bool validName(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z][A-Za-z0-9-]{0,31}$"));
    return re.match(name).hasMatch();
}

// Names the platform gives its own parts: the users, the gateway, the load
// generator ("client") and the outside HTTP caller.
bool reservedName(const QString &name)
{
    return name == QLatin1String("users") || name == QLatin1String("gateway") ||
           name == QLatin1String("client") || name == QLatin1String("http");
}

// A pattern's shape: "/items/{id}" and "/items/{key}" are the same route.
QString shapeOf(const QString &pattern)
{
    static const QRegularExpression re(QStringLiteral("\\{[^}]*\\}"));
    return QString(pattern).replace(re, QStringLiteral("{}"));
}

// A parameter named twice in one pattern, or empty.
QString repeatedParameter(const QString &pattern)
{
    static const QRegularExpression re(QStringLiteral("\\{([^}]*)\\}"));
    QStringList seen;
    QRegularExpressionMatchIterator it = re.globalMatch(pattern);
    while (it.hasNext()) {
        const QString name = it.next().captured(1);
        if (seen.contains(name))
            return name;
        seen << name;
    }
    return {};
}

const QJsonValue Missing = QJsonValue(QJsonValue::Undefined);

bool validTable(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,31}$"));
    return re.match(name).hasMatch() && !name.startsWith(QLatin1String("sqlite_"));
}

// "GET /products/{id}" → method and pattern; false when it is not one.
bool splitRoute(const QString &key, QString *method, QString *pattern)
{
    const qsizetype space = key.indexOf(QLatin1Char(' '));
    if (space <= 0)
        return false;
    *method = key.left(space);
    *pattern = key.mid(space + 1);
    static const QRegularExpression re(
        QStringLiteral("^(/([A-Za-z0-9._~-]+|\\{[A-Za-z][A-Za-z0-9_]*\\}))+$|^/$"));
    return Methods.contains(*method) && re.match(*pattern).hasMatch();
}

// A path with its templates filled by "1", to match against the routes.
QString samplePath(QString path)
{
    static const QRegularExpression re(QStringLiteral("\\{[^}]*\\}"));
    path.replace(re, QStringLiteral("1"));
    return path;
}

struct RouteOwner
{
    QString service;
    RouteSpec spec;
    QStringList segments;
};

QString knownRoutes(const QList<RouteOwner> &routes, bool publicOnly)
{
    QStringList keys;
    for (const RouteOwner &o : routes)
        if (!publicOnly || !o.spec.internal)
            keys << o.spec.key();
    keys.sort();
    if (keys.size() > 12)
        return keys.mid(0, 12).join(QStringLiteral(", ")) +
               QStringLiteral(" … (%1 in all)").arg(keys.size());
    return keys.join(QStringLiteral(", "));
}

// Reads the service/deployment object's own keys, hands the rest (the
// deployment keys) to config.
QJsonObject without(QJsonObject o, const QStringList &keys)
{
    for (const QString &k : keys)
        o.remove(k);
    return o;
}

void visitCalls(const QList<CallStep> &steps, const std::function<void(const CallStep &)> &f)
{
    for (const CallStep &s : steps) {
        if (s.kind == CallStep::Kind::Call)
            f(s);
        visitCalls(s.steps, f);
    }
}

// The hosts an external service may be on without "allowRemote": this
// machine's loopback names only.
bool loopbackHost(const QString &host)
{
    return host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") ||
           host == QLatin1String("::1");
}

// A route key of an external or generic service: "METHOD /pattern", with
// no parameter named twice. False (and the problem reported) when it is not.
bool readRouteKey(JsonReader &r, const QString &key, const QString &path, RouteSpec *spec)
{
    if (!splitRoute(key, &spec->method, &spec->pattern)) {
        r.fail(path, QStringLiteral("a route is \"METHOD /path\" with METHOD one of %1 and path "
                                    "segments or {names}; found \"%2\"")
                         .arg(Methods.join(QStringLiteral(", ")), key));
        return false;
    }
    if (const QString twice = repeatedParameter(spec->pattern); !twice.isEmpty()) {
        r.fail(path, QStringLiteral("the parameter {%1} is named twice in \"%2\"").arg(twice, key));
        return false;
    }
    return true;
}

// An external service: its url (plain HTTP, loopback unless allowRemote),
// its health path and its routes (idempotent and internal only: the work,
// the data and the calls are the process's own).
void readExternal(JsonReader &r, const QJsonObject &o, const QString &p,
                  const Architecture::Readers &readers, ServiceSpec &spec)
{
    static const QStringList own{QStringLiteral("kind"),       QStringLiteral("url"),
                                 QStringLiteral("healthPath"), QStringLiteral("allowRemote"),
                                 QStringLiteral("routes"),     QStringLiteral("tables")};
    // The process does its own work: no service time of ours unless the file asks for one.
    spec.config.profile.serviceTime = ServiceTime::constant(0);
    readers.config(r, without(o, own), p, QString(), spec.config);
    if (o.contains(QStringLiteral("tables")))
        r.fail(JsonReader::join(p, QStringLiteral("tables")),
               QStringLiteral("an external service keeps its data in its own process; "
                              "\"tables\" is for a generic service"));
    ExternalEndpoint &e = spec.external;
    e.allowRemote = r.boolean(o, p, QStringLiteral("allowRemote"), false);
    const QString up = JsonReader::join(p, QStringLiteral("url"));
    e.url = r.string(o, p, QStringLiteral("url"), QString(), true);
    if (!e.url.isEmpty()) {
        const QUrl url(e.url, QUrl::StrictMode);
        const QString expected =
            QStringLiteral("a URL \"http://HOST:PORT\" with no path, query or user (e.g. "
                           "\"http://127.0.0.1:8090\")");
        if (!url.isValid() || url.host().isEmpty() || !url.userInfo().isEmpty() || url.hasQuery() ||
            url.hasFragment() || (!url.path().isEmpty() && url.path() != QLatin1String("/"))) {
            r.error(up, expected, QJsonValue(e.url));
        } else if (url.scheme() != QLatin1String("http")) {
            r.fail(up, QStringLiteral("an external service is reached over plain HTTP: the url "
                                      "starts with http://; found \"%1\"")
                           .arg(e.url));
        } else if (!e.allowRemote && !loopbackHost(url.host())) {
            r.fail(up, QStringLiteral("\"%1\" is not this machine: an external service is on "
                                      "loopback (127.0.0.1, localhost or ::1) unless it says "
                                      "\"allowRemote\": true")
                           .arg(url.host()));
        } else {
            e.host = url.host();
            e.port = url.port(80);
        }
    }
    e.healthPath = r.string(o, p, QStringLiteral("healthPath"), QStringLiteral("/health"));
    static const QRegularExpression pathRe(QStringLiteral("^/[A-Za-z0-9._~/?=&%-]*$"));
    if (!pathRe.match(e.healthPath).hasMatch())
        r.error(JsonReader::join(p, QStringLiteral("healthPath")),
                QStringLiteral("a path starting with / (e.g. \"/health\")"),
                QJsonValue(e.healthPath));

    const QString rp = JsonReader::join(p, QStringLiteral("routes"));
    std::optional<QJsonObject> routes;
    if (!o.contains(QStringLiteral("routes")))
        r.error(rp, QStringLiteral("the routes the external service answers (an object)"), Missing);
    else
        routes = r.object(o.value(QStringLiteral("routes")), rp);
    if (routes && routes->isEmpty())
        r.fail(rp, QStringLiteral("an external service needs at least one route"));
    if (!routes)
        return;
    for (auto rt = routes->begin(); rt != routes->end(); ++rt) {
        const QString rtp = JsonReader::member(rp, rt.key());
        GenericRoute route;
        if (!readRouteKey(r, rt.key(), rtp, &route.spec))
            continue;
        auto ro = r.object(rt.value(), rtp);
        if (!ro)
            continue;
        QStringList theirs;
        for (const QString &k : {QStringLiteral("sql"), QStringLiteral("calls"),
                                 QStringLiteral("errorPercent"), QStringLiteral("serviceTime")})
            if (ro->contains(k)) {
                r.fail(JsonReader::join(rtp, k),
                       QStringLiteral("an external route's work, data and calls are its "
                                      "process's own; \"%1\" is for a generic service's route")
                           .arg(k));
                theirs << k;
            }
        r.allowKeys(without(*ro, theirs), rtp,
                    {QStringLiteral("idempotent"), QStringLiteral("internal")});
        route.spec.idempotent = r.boolean(*ro, rtp, QStringLiteral("idempotent"),
                                          route.spec.method == QLatin1String("GET") ||
                                              route.spec.method == QLatin1String("PUT") ||
                                              route.spec.method == QLatin1String("DELETE"));
        route.spec.internal = r.boolean(*ro, rtp, QStringLiteral("internal"), false);
        spec.routes.append(route);
    }
}

} // namespace

QString SqlStep::kindName(Kind k)
{
    switch (k) {
    case Kind::Read:
        return QStringLiteral("read");
    case Kind::Write:
        return QStringLiteral("write");
    case Kind::Insert:
        return QStringLiteral("insert");
    case Kind::Scan:
        return QStringLiteral("scan");
    }
    return {};
}

QString ServiceSpec::kindName(Kind k)
{
    return Kinds.value(int(k));
}

QList<RouteSpec> ServiceSpec::routeSpecs() const
{
    if (isShopKind())
        return makeService(*this)->routes();
    QList<RouteSpec> out;
    for (const GenericRoute &r : routes)
        out.append(r.spec);
    return out;
}

Architecture Architecture::shop()
{
    Architecture a;
    const ShopConfig c = ShopConfig::defaults();
    a.services = {{QStringLiteral("product"), ServiceSpec::Kind::Product, c.product, {}, {}},
                  {QStringLiteral("cart"), ServiceSpec::Kind::Cart, c.cart, {}, {}},
                  {QStringLiteral("order"), ServiceSpec::Kind::Order, c.order, {}, {}}};
    return a;
}

bool Architecture::isShop() const
{
    if (services.size() != 3 || !deployments.isEmpty() || !journeys.isEmpty())
        return false;
    return service(QStringLiteral("product")) &&
           service(QStringLiteral("product"))->kind == ServiceSpec::Kind::Product &&
           service(QStringLiteral("cart")) &&
           service(QStringLiteral("cart"))->kind == ServiceSpec::Kind::Cart &&
           service(QStringLiteral("order")) &&
           service(QStringLiteral("order"))->kind == ServiceSpec::Kind::Order;
}

const ServiceSpec *Architecture::service(const QString &name) const
{
    for (const ServiceSpec &s : services)
        if (s.name == name)
            return &s;
    return nullptr;
}

QString Architecture::deployableOf(const QString &service) const
{
    for (const Deployment &d : deployments)
        if (d.kind == Deployment::Kind::CoLocated && d.services.contains(service))
            return d.name;
    return service;
}

QStringList Architecture::deployables() const
{
    QStringList out;
    for (const ServiceSpec &s : services)
        if (deployableOf(s.name) == s.name)
            out << s.name;
    for (const Deployment &d : deployments)
        if (d.kind == Deployment::Kind::CoLocated)
            out << d.name;
    return out;
}

QStringList Architecture::modulesOf(const QString &deployable) const
{
    for (const Deployment &d : deployments)
        if (d.kind == Deployment::Kind::CoLocated && d.name == deployable)
            return d.services;
    return service(deployable) ? QStringList{deployable} : QStringList{};
}

QString Architecture::databaseOf(const QString &deployable) const
{
    for (const Deployment &d : deployments)
        if (d.kind == Deployment::Kind::SharedDatabase && d.services.contains(deployable))
            return d.name;
    return deployable;
}

ServiceConfig *Architecture::configOf(const QString &deployable)
{
    return const_cast<ServiceConfig *>(std::as_const(*this).configOf(deployable));
}

const ServiceConfig *Architecture::configOf(const QString &deployable) const
{
    for (const Deployment &d : deployments)
        if (d.kind == Deployment::Kind::CoLocated && d.name == deployable)
            return &d.config;
    for (const ServiceSpec &s : services)
        if (s.name == deployable && deployableOf(s.name) == s.name)
            return &s.config;
    return nullptr;
}

QList<std::pair<QString, QString>> Architecture::calls() const
{
    QList<std::pair<QString, QString>> out;
    auto add = [&](const QString &from, const QString &to) {
        const std::pair<QString, QString> call{deployableOf(from), deployableOf(to)};
        if (call.first != call.second && !out.contains(call))
            out.append(call);
    };
    for (const ServiceSpec &s : services) {
        if (s.kind == ServiceSpec::Kind::Order) {
            for (const ServiceSpec &t : services)
                if (t.kind == ServiceSpec::Kind::Product || t.kind == ServiceSpec::Kind::Cart)
                    add(s.name, t.name);
        }
        for (const GenericRoute &r : s.routes)
            visitCalls(r.calls, [&](const CallStep &c) { add(s.name, c.callee); });
    }
    return out;
}

QMap<QString, QStringList> Architecture::routeKeys() const
{
    QMap<QString, QStringList> out;
    for (const ServiceSpec &s : services)
        for (const RouteSpec &r : s.routeSpecs())
            out[deployableOf(s.name)] << r.key();
    return out;
}

QList<JourneySpec> Architecture::effectiveJourneys() const
{
    if (!journeys.isEmpty())
        return journeys;
    QList<JourneySpec> out;
    static const QRegularExpression param(QStringLiteral("\\{[^}]*\\}"));
    for (const ServiceSpec &s : services)
        for (const RouteSpec &r : s.routeSpecs()) {
            if (r.internal)
                continue;
            JourneyStep step;
            step.method = r.method;
            step.path = QString(r.pattern).replace(param, QStringLiteral("{random 1..1000}"));
            if (r.method != QLatin1String("GET") && r.method != QLatin1String("DELETE"))
                step.body = QJsonObject{};
            out.append({r.key(), 1, {step}});
        }
    return out;
}

bool Architecture::usesShopJourneys() const
{
    if (!journeys.isEmpty())
        return false;
    int kinds = 0;
    for (const ServiceSpec &s : services)
        kinds += s.isShopKind();
    return kinds == 3;
}

QStringList Architecture::journeyNames() const
{
    if (usesShopJourneys())
        return ShopWorkload().journeys();
    QStringList out;
    for (const JourneySpec &j : effectiveJourneys())
        out << j.name;
    return out;
}

QJsonObject Architecture::toJson(const std::function<QJsonObject(const ServiceConfig &)> &config,
                                 const std::function<QJsonObject(const ServiceTime &)> &time) const
{
    std::function<QJsonObject(const CallStep &, bool)> stepJson = [&](const CallStep &c,
                                                                      bool alternative) {
        QJsonObject o;
        static const char *const kinds[] = {"call", "parallel", "sequence", "alternatives"};
        if (c.kind == CallStep::Kind::Call) {
            o.insert(QStringLiteral("call"), c.method + QLatin1Char(' ') + c.pattern);
        } else {
            QJsonArray steps;
            for (const CallStep &s : c.steps)
                steps.append(stepJson(s, c.kind == CallStep::Kind::Alternatives));
            o.insert(QLatin1String(kinds[int(c.kind)]), steps);
        }
        if (c.probability != 1)
            o.insert(QStringLiteral("probability"), c.probability);
        if (c.optional)
            o.insert(QStringLiteral("optional"), true);
        if (c.times != 1)
            o.insert(QStringLiteral("times"), c.times);
        if (alternative)
            o.insert(QStringLiteral("weight"), c.weight);
        return o;
    };
    QJsonObject servicesJson;
    for (const ServiceSpec &s : services) {
        QJsonObject o = config(s.config);
        o.insert(QStringLiteral("kind"), ServiceSpec::kindName(s.kind));
        if (s.kind == ServiceSpec::Kind::External) {
            o.remove(QStringLiteral("routes"));
            o.insert(QStringLiteral("url"), s.external.url);
            o.insert(QStringLiteral("healthPath"), s.external.healthPath);
            if (s.external.allowRemote)
                o.insert(QStringLiteral("allowRemote"), true);
            QJsonObject routes;
            for (const GenericRoute &r : s.routes)
                routes.insert(r.spec.key(),
                              QJsonObject{{QStringLiteral("idempotent"), r.spec.idempotent},
                                          {QStringLiteral("internal"), r.spec.internal}});
            o.insert(QStringLiteral("routes"), routes);
        }
        if (s.kind == ServiceSpec::Kind::Generic) {
            o.remove(QStringLiteral("routes")); // the routes' own service times say it
            QJsonObject tables;
            for (const TableSpec &t : s.tables)
                tables.insert(t.name,
                              QJsonObject{{QStringLiteral("rows"), t.rows},
                                          {QStringLiteral("payloadBytes"), t.payloadBytes}});
            if (!tables.isEmpty())
                o.insert(QStringLiteral("tables"), tables);
            QJsonObject routes;
            for (const GenericRoute &r : s.routes) {
                QJsonObject ro{{QStringLiteral("idempotent"), r.spec.idempotent},
                               {QStringLiteral("internal"), r.spec.internal}};
                if (r.serviceTime)
                    ro.insert(QStringLiteral("serviceTime"), time(*r.serviceTime));
                if (r.errorPercent > 0)
                    ro.insert(QStringLiteral("errorPercent"), r.errorPercent);
                QJsonArray sql;
                for (const SqlStep &q : r.sql)
                    sql.append(QJsonObject{{SqlStep::kindName(q.kind), q.table},
                                           {QStringLiteral("rows"), q.rows}});
                if (!sql.isEmpty())
                    ro.insert(QStringLiteral("sql"), sql);
                QJsonArray calls;
                for (const CallStep &c : r.calls)
                    calls.append(stepJson(c, false));
                if (!calls.isEmpty())
                    ro.insert(QStringLiteral("calls"), calls);
                routes.insert(r.spec.key(), ro);
            }
            o.insert(QStringLiteral("routes"), routes);
        }
        servicesJson.insert(s.name, o);
    }
    QJsonObject root{{QStringLiteral("name"), name}, {QStringLiteral("services"), servicesJson}};
    if (allowCycles)
        root.insert(QStringLiteral("allowCycles"), true);
    QJsonArray deploymentsJson;
    for (const Deployment &d : deployments) {
        QJsonObject o;
        if (d.kind == Deployment::Kind::CoLocated) {
            o = config(d.config);
            o.remove(QStringLiteral("routes")); // the modules' own times say it
            o.insert(QStringLiteral("name"), d.name);
        } else {
            o.insert(QStringLiteral("database"), d.name);
        }
        o.insert(QStringLiteral("services"), QJsonArray::fromStringList(d.services));
        deploymentsJson.append(o);
    }
    if (!deploymentsJson.isEmpty())
        root.insert(QStringLiteral("deployments"), deploymentsJson);
    QJsonObject journeysJson;
    for (const JourneySpec &j : journeys) {
        QJsonArray steps;
        for (const JourneyStep &st : j.steps) {
            QJsonObject o{{QStringLiteral("method"), st.method}, {QStringLiteral("path"), st.path}};
            if (!st.body.isUndefined() && !st.body.isNull())
                o.insert(QStringLiteral("body"), st.body);
            if (st.idempotencyKey)
                o.insert(QStringLiteral("idempotencyKey"), true);
            steps.append(o);
        }
        journeysJson.insert(j.name, QJsonObject{{QStringLiteral("weight"), j.weight},
                                                {QStringLiteral("steps"), steps}});
    }
    if (!journeysJson.isEmpty())
        root.insert(QStringLiteral("journeys"), journeysJson);
    return root;
}

void Architecture::install(Platform &platform) const
{
    const QList<std::shared_ptr<DatabaseFile>> files = databaseFiles(*this);
    auto fileOf = [&files](const QString &deployable) {
        for (const std::shared_ptr<DatabaseFile> &f : files)
            if (f->deployables.contains(deployable))
                return f;
        return std::shared_ptr<DatabaseFile>();
    };
    for (const QString &d : deployables()) {
        const QStringList names = modulesOf(d);
        ServiceConfig config = *configOf(d);
        QList<std::shared_ptr<Service>> modules;
        QHash<QString, ServiceTime> times;
        for (const QString &name : names) {
            const ServiceSpec &spec = *service(name);
            modules.append(makeService(spec));
            for (const GenericRoute &r : spec.routes) {
                const ServiceTime t = r.serviceTime.value_or(spec.config.profile.serviceTime);
                times.insert(r.spec.key(), t);
                if (!config.profile.routeServiceTime.contains(r.spec.key()))
                    config.profile.routeServiceTime.insert(r.spec.key(), t);
            }
            if (names.size() > 1) {
                // A module's own times hold inside the monolith too.
                for (auto it = spec.config.profile.routeServiceTime.cbegin();
                     it != spec.config.profile.routeServiceTime.cend(); ++it)
                    times.insert(it.key(), it.value());
                for (const RouteSpec &r : spec.routeSpecs())
                    if (!times.contains(r.key()))
                        times.insert(r.key(), spec.config.profile.serviceTime);
            }
        }
        const std::shared_ptr<DatabaseFile> file = fileOf(d);
        std::shared_ptr<Service> service;
        if (names.size() == 1 && file->services == names)
            service = modules.first();
        else
            service = std::make_shared<Deployable>(d, modules, file, times);
        if (names.size() > 1) {
            for (auto it = times.cbegin(); it != times.cend(); ++it)
                if (!config.profile.routeServiceTime.contains(it.key()))
                    config.profile.routeServiceTime.insert(it.key(), it.value());
        }
        platform.addService(std::move(service), config, file->name);
    }
    for (const auto &[from, to] : calls())
        platform.declareCall(from, to);
}

std::optional<Architecture> Architecture::read(JsonReader &r, const QJsonValue &v,
                                               const QString &path, const Readers &readers)
{
    const qsizetype errorsBefore = r.errors().size();
    auto root = r.object(v, path);
    if (!root)
        return std::nullopt;
    Architecture a;
    a.services.clear();
    r.allowKeys(*root, path,
                {QStringLiteral("name"), QStringLiteral("services"), QStringLiteral("deployments"),
                 QStringLiteral("journeys"), QStringLiteral("allowCycles")});
    a.name = r.string(*root, path, QStringLiteral("name"), QStringLiteral("architecture"));
    a.allowCycles = r.boolean(*root, path, QStringLiteral("allowCycles"), false);

    const QString sp = JsonReader::join(path, QStringLiteral("services"));
    std::optional<QJsonObject> services;
    if (!root->contains(QStringLiteral("services")))
        r.error(sp, QStringLiteral("an object of services"), Missing);
    else
        services = r.object(root->value(QStringLiteral("services")), sp);
    if (services && services->isEmpty())
        r.fail(sp, QStringLiteral("an architecture needs at least one service"));
    if (services && services->size() > MaxServices)
        r.fail(
            sp,
            QStringLiteral("at most %1 services, found %2").arg(MaxServices).arg(services->size()));
    // Read first, resolved after: a call may name a route of a service read later.
    struct CallsAt
    {
        int service;
        int route;
        QString path; // of the route's "calls"
    };
    QList<CallsAt> callPaths;
    if (services) {
        for (auto it = services->begin(); it != services->end(); ++it) {
            const QString p = JsonReader::member(sp, it.key());
            if (!validName(it.key())) {
                r.fail(p, QStringLiteral("a service name is a letter, then letters, digits or "
                                         "'-', at most 32 in all; found \"%1\"")
                              .arg(it.key()));
                continue;
            }
            if (reservedName(it.key())) {
                r.fail(p, QStringLiteral("\"%1\" is the platform's own name for the %2; give the "
                                         "service another")
                              .arg(it.key(), it.key() == QLatin1String("client")
                                                 ? QStringLiteral("load generator")
                                             : it.key() == QLatin1String("http")
                                                 ? QStringLiteral("outside HTTP caller")
                                                 : it.key()));
                continue;
            }
            auto o = r.object(it.value(), p);
            if (!o)
                continue;
            ServiceSpec spec;
            spec.name = it.key();
            const QString defaultKind = Kinds.indexOf(it.key()) >= 0 &&
                                                Kinds.indexOf(it.key()) < 3 &&
                                                !o->contains("routes")
                                            ? it.key()
                                            : QStringLiteral("generic");
            const QString kind = r.choice(*o, p, QStringLiteral("kind"), Kinds, defaultKind);
            spec.kind = ServiceSpec::Kind(std::max<qsizetype>(0, Kinds.indexOf(kind)));
            if (spec.kind == ServiceSpec::Kind::External) {
                readExternal(r, *o, p, readers, spec);
                a.services.append(spec);
                continue;
            }
            if (spec.kind != ServiceSpec::Kind::Generic) {
                if (spec.name != kind)
                    r.fail(JsonReader::join(p, QStringLiteral("kind")),
                           QStringLiteral("the shop's %1 service keeps its name: call it \"%1\", "
                                          "not \"%2\"")
                               .arg(kind, spec.name));
                for (const QString &k : {QStringLiteral("tables")})
                    if (o->contains(k))
                        r.fail(JsonReader::join(p, k),
                               QStringLiteral("the shop's %1 service has its own schema; only a "
                                              "generic service takes \"%2\"")
                                   .arg(kind, k));
                readers.config(r, without(*o, {QStringLiteral("kind"), QStringLiteral("tables")}),
                               p, spec.name, spec.config);
                a.services.append(spec);
                continue;
            }
            readers.config(r,
                           without(*o, {QStringLiteral("kind"), QStringLiteral("tables"),
                                        QStringLiteral("routes")}),
                           p, QString(), spec.config);
            // Tables.
            if (o->contains(QStringLiteral("tables"))) {
                const QString tp = JsonReader::join(p, QStringLiteral("tables"));
                if (auto tables = r.object(o->value(QStringLiteral("tables")), tp)) {
                    for (auto t = tables->begin(); t != tables->end(); ++t) {
                        const QString ttp = JsonReader::member(tp, t.key());
                        if (!validTable(t.key())) {
                            r.fail(ttp, QStringLiteral("a table name is a letter or '_', then "
                                                       "letters, digits or '_', at most 32, not "
                                                       "starting sqlite_; found \"%1\"")
                                            .arg(t.key()));
                            continue;
                        }
                        auto to = r.object(t.value(), ttp);
                        if (!to)
                            continue;
                        r.allowKeys(*to, ttp,
                                    {QStringLiteral("rows"), QStringLiteral("payloadBytes")});
                        spec.tables.append(
                            {t.key(), r.integer(*to, ttp, QStringLiteral("rows"), 0, 0, 1000000),
                             r.integer(*to, ttp, QStringLiteral("payloadBytes"), 32, 0, 4096)});
                    }
                }
            }
            // Routes.
            const QString rp = JsonReader::join(p, QStringLiteral("routes"));
            std::optional<QJsonObject> routes;
            if (!o->contains(QStringLiteral("routes")))
                r.error(rp, QStringLiteral("the routes of a generic service (an object)"), Missing);
            else
                routes = r.object(o->value(QStringLiteral("routes")), rp);
            if (routes && routes->isEmpty())
                r.fail(rp, QStringLiteral("a generic service needs at least one route"));
            if (routes) {
                for (auto rt = routes->begin(); rt != routes->end(); ++rt) {
                    const QString rtp = JsonReader::member(rp, rt.key());
                    GenericRoute route;
                    if (!splitRoute(rt.key(), &route.spec.method, &route.spec.pattern)) {
                        r.fail(rtp, QStringLiteral("a route is \"METHOD /path\" with METHOD one "
                                                   "of %1 and path segments or {names}; found "
                                                   "\"%2\"")
                                        .arg(Methods.join(QStringLiteral(", ")), rt.key()));
                        continue;
                    }
                    if (const QString twice = repeatedParameter(route.spec.pattern);
                        !twice.isEmpty()) {
                        r.fail(rtp, QStringLiteral("the parameter {%1} is named twice in \"%2\"")
                                        .arg(twice, rt.key()));
                        continue;
                    }
                    auto ro = r.object(rt.value(), rtp);
                    if (!ro)
                        continue;
                    r.allowKeys(*ro, rtp,
                                {QStringLiteral("idempotent"), QStringLiteral("internal"),
                                 QStringLiteral("serviceTime"), QStringLiteral("sql"),
                                 QStringLiteral("calls"), QStringLiteral("errorPercent")});
                    route.spec.idempotent =
                        r.boolean(*ro, rtp, QStringLiteral("idempotent"),
                                  route.spec.method == QLatin1String("GET") ||
                                      route.spec.method == QLatin1String("PUT") ||
                                      route.spec.method == QLatin1String("DELETE"));
                    route.spec.internal = r.boolean(*ro, rtp, QStringLiteral("internal"), false);
                    if (ro->contains(QStringLiteral("serviceTime")))
                        route.serviceTime =
                            readers.time(r, ro->value(QStringLiteral("serviceTime")),
                                         JsonReader::join(rtp, QStringLiteral("serviceTime")),
                                         spec.config.profile.serviceTime);
                    route.errorPercent =
                        r.number(*ro, rtp, QStringLiteral("errorPercent"), 0, 0, 100);
                    if (ro->contains(QStringLiteral("sql"))) {
                        const QString qp = JsonReader::join(rtp, QStringLiteral("sql"));
                        if (auto sql = r.array(ro->value(QStringLiteral("sql")), qp)) {
                            for (qsizetype i = 0; i < sql->size(); ++i) {
                                const QString ip = QStringLiteral("%1[%2]").arg(qp).arg(i);
                                auto so = r.object(sql->at(i), ip);
                                if (!so)
                                    continue;
                                SqlStep step;
                                QStringList given;
                                for (int k = 0; k < 4; ++k)
                                    if (so->contains(SqlStep::kindName(SqlStep::Kind(k)))) {
                                        given << SqlStep::kindName(SqlStep::Kind(k));
                                        step.kind = SqlStep::Kind(k);
                                    }
                                r.allowKeys(*so, ip,
                                            {QStringLiteral("read"), QStringLiteral("write"),
                                             QStringLiteral("insert"), QStringLiteral("scan"),
                                             QStringLiteral("rows")});
                                if (given.size() != 1) {
                                    r.fail(ip, QStringLiteral("an SQL step is exactly one of "
                                                              "read, write, insert or scan; "
                                                              "found %1")
                                                   .arg(given.isEmpty()
                                                            ? QStringLiteral("none")
                                                            : given.join(QStringLiteral(", "))));
                                    continue;
                                }
                                const QString key = given.first();
                                step.table = r.string(*so, ip, key, QString(), true);
                                step.rows = r.integer(*so, ip, QStringLiteral("rows"), 1, 1, 10000);
                                bool own = false;
                                for (const TableSpec &t : spec.tables)
                                    own = own || t.name == step.table;
                                if (!step.table.isEmpty() && !own)
                                    r.fail(JsonReader::join(ip, key),
                                           QStringLiteral("\"%1\" is not one of %2's tables (a "
                                                          "service touches only its own "
                                                          "database); its tables: %3")
                                               .arg(step.table, spec.name, [&] {
                                                   QStringList n;
                                                   for (const TableSpec &t : spec.tables)
                                                       n << t.name;
                                                   return n.isEmpty()
                                                              ? QStringLiteral("none")
                                                              : n.join(QStringLiteral(", "));
                                               }()));
                                route.sql.append(step);
                            }
                        }
                    }
                    spec.routes.append(route);
                    if (ro->contains(QStringLiteral("calls")))
                        // Read once every route is known: see below.
                        callPaths.append({int(a.services.size()), int(spec.routes.size() - 1),
                                          JsonReader::join(rtp, QStringLiteral("calls"))});
                }
            }
            a.services.append(spec);
        }
    }

    // Every route and who owns it; two services claiming one is a problem.
    QList<RouteOwner> owners;
    for (const ServiceSpec &s : a.services)
        for (const RouteSpec &rs : s.routeSpecs()) {
            bool clash = false;
            for (const RouteOwner &o : owners)
                if (o.spec.method == rs.method && shapeOf(o.spec.pattern) == shapeOf(rs.pattern)) {
                    r.fail(JsonReader::member(sp, s.name),
                           o.spec.key() == rs.key()
                               ? QStringLiteral("route \"%1\" is claimed by both %2 and %3: "
                                                "each route has one owner")
                                     .arg(rs.key(), o.service, s.name)
                               : QStringLiteral("route \"%1\" of %2 is \"%3\" of %4 under "
                                                "other parameter names: the gateway could never "
                                                "send it a request")
                                     .arg(rs.key(), s.name, o.spec.key(), o.service));
                    clash = true;
                }
            if (!clash)
                owners.append({s.name, rs, rs.pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts)});
        }
    auto ownerOf = [&owners](const QString &method, const QString &pattern) -> const RouteOwner * {
        for (const RouteOwner &o : owners)
            if (o.spec.method == method && o.spec.pattern == pattern)
                return &o;
        return nullptr;
    };

    // The calls, now that every route is known.
    std::function<std::optional<CallStep>(const QJsonValue &, const QString &, const QString &,
                                          bool)>
        readStep = [&](const QJsonValue &v, const QString &p, const QString &caller,
                       bool alternative) -> std::optional<CallStep> {
        auto o = r.object(v, p);
        if (!o)
            return std::nullopt;
        static const QStringList kinds{QStringLiteral("call"), QStringLiteral("parallel"),
                                       QStringLiteral("sequence"), QStringLiteral("alternatives")};
        QStringList allowed = kinds;
        allowed << QStringLiteral("probability") << QStringLiteral("optional")
                << QStringLiteral("times");
        if (alternative)
            allowed << QStringLiteral("weight");
        r.allowKeys(*o, p, allowed);
        QStringList given;
        for (const QString &k : kinds)
            if (o->contains(k))
                given << k;
        if (given.size() != 1) {
            r.fail(p, QStringLiteral("a call step is exactly one of call, parallel, sequence or "
                                     "alternatives; found %1")
                          .arg(given.isEmpty() ? QStringLiteral("none")
                                               : given.join(QStringLiteral(", "))));
            return std::nullopt;
        }
        CallStep step;
        step.kind = CallStep::Kind(kinds.indexOf(given.first()));
        step.probability = r.number(*o, p, QStringLiteral("probability"), 1, 0, 1);
        step.optional = r.boolean(*o, p, QStringLiteral("optional"), false);
        step.times = r.integer(*o, p, QStringLiteral("times"), 1, 1, 100);
        if (alternative)
            step.weight = r.number(*o, p, QStringLiteral("weight"), 1, 0.000001, 1e6);
        const QString kp = JsonReader::join(p, given.first());
        if (step.kind == CallStep::Kind::Call) {
            const QString key = r.string(*o, p, QStringLiteral("call"), QString(), true);
            if (key.isEmpty())
                return std::nullopt;
            if (!splitRoute(key, &step.method, &step.pattern)) {
                r.error(kp, QStringLiteral("a route \"METHOD /path\""), QJsonValue(key));
                return std::nullopt;
            }
            const RouteOwner *owner = ownerOf(step.method, step.pattern);
            if (!owner) {
                r.fail(kp, QStringLiteral("no service has the route \"%1\" (routes: %2)")
                               .arg(key, knownRoutes(owners, false)));
                return std::nullopt;
            }
            step.callee = owner->service;
            return step;
        }
        const auto list = r.array(o->value(given.first()), kp);
        if (!list)
            return std::nullopt;
        if (list->isEmpty())
            r.fail(kp, QStringLiteral("a %1 group needs at least one step").arg(given.first()));
        for (qsizetype i = 0; i < list->size(); ++i)
            if (auto s = readStep(list->at(i), QStringLiteral("%1[%2]").arg(kp).arg(i), caller,
                                  step.kind == CallStep::Kind::Alternatives))
                step.steps.append(*s);
        return step;
    };
    // Where each route's calls are, for the cycle message.
    QMap<QString, QString> callsPathOf;
    for (const CallsAt &at : callPaths) {
        const QString &p = at.path;
        ServiceSpec &s = a.services[at.service];
        GenericRoute &route = s.routes[at.route];
        callsPathOf.insert(route.spec.key(), p);
        const QJsonObject routeJson = services->value(s.name)
                                          .toObject()
                                          .value(QStringLiteral("routes"))
                                          .toObject()
                                          .value(route.spec.key())
                                          .toObject();
        if (auto list = r.array(routeJson.value(QStringLiteral("calls")), p))
            for (qsizetype i = 0; i < list->size(); ++i)
                if (auto step = readStep(list->at(i), QStringLiteral("%1[%2]").arg(p).arg(i),
                                         s.name, false))
                    route.calls.append(*step);
    }

    // Deployments.
    if (root->contains(QStringLiteral("deployments"))) {
        const QString dp = JsonReader::join(path, QStringLiteral("deployments"));
        QMap<QString, QString> placed; // service → the deployment's path
        QStringList names;
        if (auto list = r.array(root->value(QStringLiteral("deployments")), dp)) {
            for (qsizetype i = 0; i < list->size(); ++i) {
                const QString p = QStringLiteral("%1[%2]").arg(dp).arg(i);
                auto o = r.object(list->at(i), p);
                if (!o)
                    continue;
                Deployment d;
                const bool colocated = o->contains(QStringLiteral("name"));
                const bool shared = o->contains(QStringLiteral("database"));
                if (colocated == shared) {
                    r.fail(p, QStringLiteral("a deployment has either \"name\" (services "
                                             "co-located in one deployable) or \"database\" "
                                             "(separate deployables sharing one file), not %1")
                                  .arg(colocated ? QStringLiteral("both")
                                                 : QStringLiteral("neither")));
                    continue;
                }
                d.kind = colocated ? Deployment::Kind::CoLocated : Deployment::Kind::SharedDatabase;
                const QString nameKey =
                    colocated ? QStringLiteral("name") : QStringLiteral("database");
                d.name = r.string(*o, p, nameKey, QString(), true);
                if (!d.name.isEmpty() && (!validName(d.name) || reservedName(d.name)))
                    r.fail(JsonReader::join(p, nameKey),
                           QStringLiteral("a name is a letter, then letters, digits or '-', at "
                                          "most 32 in all, and not users, gateway, client or "
                                          "http; found \"%1\"")
                               .arg(d.name));
                if (names.contains(d.name))
                    r.fail(JsonReader::join(p, nameKey),
                           QStringLiteral("\"%1\" names two deployments").arg(d.name));
                names << d.name;
                const QString lp = JsonReader::join(p, QStringLiteral("services"));
                if (!o->contains(QStringLiteral("services")))
                    r.error(lp, QStringLiteral("the services it holds (an array of names)"),
                            Missing);
                if (auto members = r.array(o->value(QStringLiteral("services")), lp)) {
                    if (members->size() < 2)
                        r.fail(lp, QStringLiteral("a deployment joins at least two services; "
                                                  "found %1")
                                       .arg(members->size()));
                    for (qsizetype m = 0; m < members->size(); ++m) {
                        const QString mp = QStringLiteral("%1[%2]").arg(lp).arg(m);
                        const QString name = members->at(m).toString();
                        if (!members->at(m).isString() || !a.service(name)) {
                            QStringList known;
                            for (const ServiceSpec &s : a.services)
                                known << s.name;
                            r.error(mp,
                                    QStringLiteral("one of the architecture's services (%1)")
                                        .arg(known.join(QStringLiteral(", "))),
                                    members->at(m));
                            continue;
                        }
                        if (a.service(name)->kind == ServiceSpec::Kind::External) {
                            r.fail(mp, QStringLiteral("\"%1\" is an external service: it runs in "
                                                      "its own process, with its own data, and "
                                                      "is in no deployment")
                                           .arg(name));
                            continue;
                        }
                        if (d.services.contains(name)) {
                            r.fail(mp, QStringLiteral("\"%1\" is named twice in this deployment")
                                           .arg(name));
                            continue;
                        }
                        if (placed.contains(name)) {
                            r.fail(mp, QStringLiteral("\"%1\" is already in the deployment at %2: "
                                                      "a service is in at most one")
                                           .arg(name, placed.value(name)));
                            continue;
                        }
                        placed.insert(name, p);
                        d.services << name;
                    }
                }
                if (colocated && a.service(d.name))
                    r.fail(JsonReader::join(p, nameKey),
                           QStringLiteral("\"%1\" is a service's name; a co-located deployable "
                                          "needs a name of its own")
                               .arg(d.name));
                if (shared && a.service(d.name) && !d.services.contains(d.name))
                    r.fail(JsonReader::join(p, nameKey),
                           QStringLiteral("%1.db is service %1's own file; a shared database "
                                          "needs a file name no other service uses")
                               .arg(d.name));
                if (colocated)
                    readers.config(
                        r, without(*o, {QStringLiteral("name"), QStringLiteral("services")}), p,
                        QString(), d.config);
                else
                    r.allowKeys(*o, p, {QStringLiteral("database"), QStringLiteral("services")});
                a.deployments.append(d);
            }
        }
    }

    // Journeys.
    if (root->contains(QStringLiteral("journeys"))) {
        const QString jp = JsonReader::join(path, QStringLiteral("journeys"));
        if (auto js = r.object(root->value(QStringLiteral("journeys")), jp)) {
            if (js->isEmpty())
                r.fail(jp, QStringLiteral("give at least one journey, or leave \"journeys\" out"));
            double total = 0;
            for (auto it = js->begin(); it != js->end(); ++it) {
                const QString p = JsonReader::member(jp, it.key());
                auto o = r.object(it.value(), p);
                if (!o)
                    continue;
                r.allowKeys(*o, p, {QStringLiteral("weight"), QStringLiteral("steps")});
                JourneySpec j;
                j.name = it.key();
                j.weight = r.number(*o, p, QStringLiteral("weight"), 1, 0, 1e6);
                total += j.weight;
                const QString stp = JsonReader::join(p, QStringLiteral("steps"));
                if (!o->contains(QStringLiteral("steps")))
                    r.error(stp, QStringLiteral("an array of requests"), Missing);
                if (auto steps = r.array(o->value(QStringLiteral("steps")), stp)) {
                    if (steps->isEmpty())
                        r.fail(stp, QStringLiteral("a journey makes at least one request"));
                    for (qsizetype i = 0; i < steps->size(); ++i) {
                        const QString ip = QStringLiteral("%1[%2]").arg(stp).arg(i);
                        auto so = r.object(steps->at(i), ip);
                        if (!so)
                            continue;
                        r.allowKeys(*so, ip,
                                    {QStringLiteral("method"), QStringLiteral("path"),
                                     QStringLiteral("body"), QStringLiteral("idempotencyKey")});
                        JourneyStep step;
                        step.method =
                            r.choice(*so, ip, QStringLiteral("method"), Methods, QString(), true);
                        step.path = r.string(*so, ip, QStringLiteral("path"), QString(), true);
                        step.body = so->value(QStringLiteral("body"));
                        step.idempotencyKey =
                            r.boolean(*so, ip, QStringLiteral("idempotencyKey"), false);
                        if (!step.path.isEmpty() && !step.path.startsWith(QLatin1Char('/')))
                            r.error(JsonReader::join(ip, QStringLiteral("path")),
                                    QStringLiteral("a path starting with /"),
                                    QJsonValue(step.path));
                        else if (!step.path.isEmpty() && !step.method.isEmpty()) {
                            const QString sample = samplePath(step.path);
                            const RouteOwner *hit = nullptr;
                            for (const RouteOwner &ro : owners) {
                                Params params;
                                if (ro.spec.method == step.method &&
                                    Gateway::matchPattern(ro.segments, sample, &params)) {
                                    hit = &ro;
                                    break;
                                }
                            }
                            if (!hit)
                                r.fail(JsonReader::join(ip, QStringLiteral("path")),
                                       QStringLiteral("%1 %2 matches no route (users may call: %3)")
                                           .arg(step.method, step.path, knownRoutes(owners, true)));
                            else if (hit->spec.internal)
                                r.fail(JsonReader::join(ip, QStringLiteral("path")),
                                       QStringLiteral("%1 %2 is %3's internal route %4: users "
                                                      "cannot call it")
                                           .arg(step.method, step.path, hit->service,
                                                hit->spec.key()));
                        }
                        j.steps.append(step);
                    }
                }
                a.journeys.append(j);
            }
            if (!js->isEmpty() && total <= 0)
                r.fail(jp, QStringLiteral("every journey weighs 0: nothing would be sent"));
        }
    }

    // A call cycle: a route that reaches itself holds a worker at every hop.
    if (r.errors().size() == errorsBefore && !a.allowCycles) {
        QMap<QString, QStringList> next; // route → the routes it calls
        for (const ServiceSpec &s : a.services)
            for (const GenericRoute &route : s.routes)
                visitCalls(route.calls, [&](const CallStep &c) {
                    next[route.spec.key()] << c.method + QLatin1Char(' ') + c.pattern;
                });
        std::set<QString> done;
        QStringList stack;
        bool reported = false;
        std::function<void(const QString &)> visit = [&](const QString &key) {
            if (reported || done.count(key))
                return;
            if (stack.contains(key)) {
                QStringList loop = stack.mid(stack.indexOf(key));
                loop << key;
                r.fail(callsPathOf.value(stack.last(), path),
                       QStringLiteral("call cycle %1: it would hold a worker at every hop until "
                                      "every worker waits; remove it, or set \"allowCycles\": "
                                      "true to run it anyway")
                           .arg(loop.join(QStringLiteral(" → "))));
                reported = true;
                return;
            }
            stack << key;
            for (const QString &n : next.value(key))
                visit(n);
            stack.removeLast();
            done.insert(key);
        };
        for (auto it = next.cbegin(); it != next.cend(); ++it)
            visit(it.key());
    }
    if (a.allowCycles)
        a.warnings << QStringLiteral("%1: allowCycles is on: a call cycle may hold every worker "
                                     "waiting until the callers' timeouts free them")
                          .arg(path);

    if (r.errors().size() != errorsBefore)
        return std::nullopt;
    return a;
}

} // namespace microcosm
