#pragma once

#include "architecture.h"
#include "datafiles.h"
#include "service.h"

#include <functional>
#include <memory>
#include <string>

namespace microcosm {

// A service defined by its routes: each request spends its service time
// (the replica does that), runs its real SQL on the service's own tables in
// one transaction, then makes its downstream calls through the platform's
// client, as order → product does.
class GenericService final : public Service
{
public:
    explicit GenericService(ServiceSpec spec);
    QString name() const override { return m_spec.name; }
    QList<RouteSpec> routes() const override;
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;

    // Its tables' CREATE statements, and their seed (in the caller's transaction).
    static QString schemaOf(const QList<TableSpec> &tables);
    static void seedTables(Database &db, const QList<TableSpec> &tables);
    // The stamp of a file holding only one generic service's tables.
    static constexpr qint32 ApplicationId = 0x4D434745; // "MCGE"

private:
    const GenericRoute *routeFor(const QString &key) const;
    // const: one service object serves every worker at once (a non-const
    // walk over its lists would detach them under the others' feet).
    void runSql(const GenericRoute &route, WorkerContext &ctx) const;
    // Runs one step; false when it failed and was not optional (why says so).
    bool runStep(const CallStep &step, const Request &incoming, WorkerContext &ctx,
                 QStringList *degraded, QString *why, int *status) const;
    Request requestFor(const CallStep &step, const Request &incoming, std::mt19937_64 &rng) const;

    ServiceSpec m_spec;
    DataFileKind m_kind;
    std::string m_schema;
};

// One database file of an architecture: who writes into it and the stamp
// and schema that make it theirs. A file one shop service has alone keeps
// that service's own stamp; any other gets the architecture's, with every
// table of every service in it.
struct DatabaseFile
{
    QString name;            // the file is <name>.db
    QStringList services;    // whose tables it holds
    QStringList deployables; // who open it
    DataFileKind kind;
    std::string schema;
    std::function<void(Database &)> seed;
    static constexpr qint32 ApplicationId = 0x4D434152; // "MCAR"
};
QList<std::shared_ptr<DatabaseFile>> databaseFiles(const Architecture &architecture);

// One deployable of an architecture: a service alone, or several
// co-located in one replica set (a monolith). Its routes are all its
// modules' routes; a call from one module to another is made in the same
// worker, with no gateway hop, no breaker and no network fault.
class Deployable final : public Service
{
public:
    // times: each module route's service time, spent also when a module
    // calls it in-process (the work is the same; only the hop is gone).
    Deployable(QString name, QList<std::shared_ptr<Service>> modules,
               std::shared_ptr<DatabaseFile> file, QHash<QString, ServiceTime> times = {});
    QString name() const override { return m_name; }
    QList<RouteSpec> routes() const override;
    QStringList modules() const override;
    QString moduleOf(const RouteSpec &route) const override;
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;
    Duration maintenancePeriod() const override;
    void maintain(WorkerContext &ctx) override;

private:
    class ModuleContext;
    struct Entry
    {
        RouteSpec spec;
        QStringList segments;
        Service *module;
    };
    // The module route a request to another service lands on, if co-located.
    const Entry *local(const QString &method, const QString &path, Params *params) const;

    QString m_name;
    QList<std::shared_ptr<Service>> m_modules;
    std::shared_ptr<DatabaseFile> m_file;
    QList<Entry> m_entries;
    QHash<QString, ServiceTime> m_times;
};

// The service a spec's kind runs: the shop's, or a generic one.
std::shared_ptr<Service> makeService(const ServiceSpec &spec);

} // namespace microcosm
