#pragma once

#include "product/productservice.h"
#include "servicehost.h"
#include "servicetime.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace microcosm {

class JsonReader;
class Platform;

// A table of a generic service: (id INTEGER PRIMARY KEY, value INTEGER,
// payload BLOB), seeded with ids 1..rows when its file is made.
struct TableSpec
{
    QString name;
    int rows = 0;
    int payloadBytes = 32;
};

// One statement of a route's real SQL work, on one of its own tables.
struct SqlStep
{
    enum class Kind
    {
        Read,   // SELECT `rows` rows by random id
        Write,  // UPDATE `rows` random rows
        Insert, // INSERT `rows` new rows
        Scan    // read the whole table
    };
    Kind kind = Kind::Read;
    QString table;
    int rows = 1;
    static QString kindName(Kind k);
};

// A downstream step of a route: one call, or a group of steps made in
// parallel, in sequence, or one of several alternatives picked by weight.
struct CallStep
{
    enum class Kind
    {
        Call,
        Parallel,
        Sequence,
        Alternatives
    };
    Kind kind = Kind::Call;
    QString method; // Call: the callee's route
    QString pattern;
    QString callee; // Call: the service that owns the route (resolved by the parser)
    QList<CallStep> steps;
    double probability = 1;
    bool optional = false;
    int times = 1;
    double weight = 1; // as one of a group's alternatives
};

struct GenericRoute
{
    RouteSpec spec;
    std::optional<ServiceTime> serviceTime; // empty: the service's
    QList<SqlStep> sql;
    QList<CallStep> calls;
    double errorPercent = 0;
};

// Where an external service's process answers: its base URL, split.
struct ExternalEndpoint
{
    QString url;  // as written: "http://127.0.0.1:8090"
    QString host; // "127.0.0.1", "localhost" or "::1" unless allowRemote
    int port = 80;
    QString healthPath = QStringLiteral("/health");
    bool allowRemote = false;
};

// A service of an architecture: one of the shop's (its real code and
// schema), a generic one defined by its routes and tables, or an external
// one: a process the user runs, in any language, that answers its routes
// over HTTP (its routes' sql, calls and errorPercent are the process's own
// business, so it has none here).
struct ServiceSpec
{
    enum class Kind
    {
        Product,
        Cart,
        Order,
        Generic,
        External
    };
    QString name;
    Kind kind = Kind::Generic;
    ServiceConfig config;
    QList<TableSpec> tables;
    QList<GenericRoute> routes;
    ExternalEndpoint external; // Kind::External only
    RestockRule restock;       // Kind::Product only ("services.product.restock")
    bool isShopKind() const
    {
        return kind == Kind::Product || kind == Kind::Cart || kind == Kind::Order;
    }
    QList<RouteSpec> routeSpecs() const; // a shop kind's, or the generic routes'
    static QString kindName(Kind k);
};

// How services become deployables: co-located in one (a monolith: one
// replica set, one database, calls between them in-process), or separate
// deployables sharing one database file.
struct Deployment
{
    enum class Kind
    {
        CoLocated,
        SharedDatabase
    };
    Kind kind = Kind::CoLocated;
    QString name; // the deployable (co-located) or the database file's name
    QStringList services;
    ServiceConfig config; // a co-located deployable's replica set
};

// A request of a journey, with templates: {user}, {random A..B}, {answer.F}.
struct JourneyStep
{
    QString method;
    QString path;
    QJsonValue body;
    bool idempotencyKey = false;
};

struct JourneySpec
{
    QString name;
    double weight = 1;
    QList<JourneyStep> steps;
};

// What a user writes in a scenario's "architecture": the services, how they
// are deployed and what the users do. See README.md, "Architecture as data".
struct Architecture
{
    QString name = QStringLiteral("shop");
    QList<ServiceSpec> services;
    QList<Deployment> deployments;
    QList<JourneySpec> journeys; // empty: the shop's, or one per user-facing route
    bool allowCycles = false;

    // The shop: product, cart and order, each its own deployable.
    static Architecture shop();
    bool isShop() const; // exactly the shop's three services, each deployed alone

    // Reads an architecture object; every problem goes to the reader with
    // its path. The scenario's own readers read what a service shares with
    // its "services" section: config, the deployment keys of a service or a
    // co-located deployable (service: a shop service's name, for its route
    // keys; empty for the others); time, a service-time distribution.
    struct Readers
    {
        std::function<void(JsonReader &, const QJsonObject &, const QString &path,
                           const QString &service, ServiceConfig &)>
            config;
        std::function<ServiceTime(JsonReader &, const QJsonValue &, const QString &path,
                                  const ServiceTime &fallback)>
            time;
    };
    static std::optional<Architecture> read(JsonReader &r, const QJsonValue &v, const QString &path,
                                            const Readers &readers);
    QStringList warnings; // what a run of it should say first (allowCycles)

    // As the file says it, for read() to read back the same. config and
    // time: the scenario writer's own writers of those parts.
    QJsonObject toJson(const std::function<QJsonObject(const ServiceConfig &)> &config,
                       const std::function<QJsonObject(const ServiceTime &)> &time) const;

    const ServiceSpec *service(const QString &name) const;
    // The deployable a service runs in: its co-located deployment's name, or itself.
    QString deployableOf(const QString &service) const;
    // Every deployable, in order: services alone first, then co-located ones.
    QStringList deployables() const;
    // The services a deployable runs.
    QStringList modulesOf(const QString &deployable) const;
    // The database file (without .db) a deployable uses.
    QString databaseOf(const QString &deployable) const;
    // Mutable replica-set settings of a deployable.
    ServiceConfig *configOf(const QString &deployable);
    const ServiceConfig *configOf(const QString &deployable) const;
    // Calls between deployables (not within a monolith), from the routes.
    QList<std::pair<QString, QString>> calls() const;
    // Every route as the gateway names its entity: deployable → route keys.
    QMap<QString, QStringList> routeKeys() const;
    // The journeys used: the given ones, the shop's (usesShopJourneys: none
    // given, and the shop's three services are there), or one per route.
    QList<JourneySpec> effectiveJourneys() const;
    bool usesShopJourneys() const;
    QStringList journeyNames() const;

    // Puts every deployable on the platform.
    void install(Platform &platform) const;
};

} // namespace microcosm
