#pragma once

#include "gateway.h"

// The shop's services called as plain functions: no gateway, no queues, no
// threads of their own. Used by microcosm-bench as "the limit" of the
// pipeline-efficiency figure and by the request fuzzer as its harness.

#include "service.h"
#include "sqlite.h"

#include <QDir>
#include <QHash>
#include <QStringList>
#include <QUrlQuery>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace microcosm::bench {

// Where a request goes: the service, its route key and the path and query
// parameters, as the gateway's router would fill them in.
struct RouteMatch
{
    QString service;
    QString route;
    Params params;
};
using Router =
    std::function<std::optional<RouteMatch>(const QString &method, const QString &target)>;

// A route table compiled once from the services' routes(): the segment
// matching and query parsing of Gateway::match, without its bookkeeping.
class RouteTable
{
public:
    void add(const Service &service)
    {
        for (const RouteSpec &spec : service.routes())
            m_routes.push_back({spec.method,
                                spec.pattern.split(QLatin1Char('/'), Qt::SkipEmptyParts),
                                spec.key(), service.name()});
    }

    std::optional<RouteMatch> match(const QString &method, const QString &target) const
    {
        for (const Entry &r : m_routes) {
            RouteMatch m{r.service, r.key, {}};
            if (r.method == method && Gateway::matchPattern(r.segments, target, &m.params))
                return m;
        }
        return std::nullopt;
    }

private:
    struct Entry
    {
        QString method;
        QStringList segments;
        QString key;
        QString service;
    };
    std::vector<Entry> m_routes;
};

class DirectShop;

// The worker context of a direct call: this thread's own connection to the
// service's file, and call() that runs the other service's handle() right
// here on that service's connection.
class DirectContext final : public WorkerContext
{
public:
    DirectContext(DirectShop &shop, Database &db, const QString &service, std::uint64_t seed)
        : m_shop(shop), m_db(db), m_name(service + QStringLiteral("#direct")),
          m_incarnation(service + QStringLiteral("#direct.1@bench")), m_rng(seed)
    {
    }

    Database &db() override { return m_db; }
    Response call(Request request) override;
    QString replicaName() const override { return m_name; }
    QString incarnation() const override { return m_incarnation; }
    bool isLive(const QString &incarnation) const override { return incarnation == m_incarnation; }
    std::mt19937_64 &rng() override { return m_rng; }
    void span(const QString &, TimePoint, TimePoint, const QString &) override {}
    void event(const QString &, const QString &) override {}

private:
    DirectShop &m_shop;
    Database &m_db;
    QString m_name;
    QString m_incarnation;
    std::mt19937_64 m_rng;
};

// A set of services, each with one connection of its own to dataDir/<name>.db,
// for use by the one thread that constructed it (SQLite connections stay in
// the thread that opened them). handle() routes a request and runs the
// service's code; a service's DbError becomes a 500 (503 when busy), as in
// a replica's worker.
class DirectShop
{
public:
    DirectShop(const QString &dataDir, const std::vector<std::shared_ptr<Service>> &services,
               std::uint64_t seed = 1, Router router = {})
        : m_router(std::move(router))
    {
        for (const auto &s : services) {
            Slot slot;
            slot.service = s;
            slot.db = std::make_unique<Database>(
                QDir(dataDir).filePath(s->name() + QStringLiteral(".db")));
            slot.ctx = std::make_unique<DirectContext>(*this, *slot.db, s->name(), seed++);
            s->migrate(*slot.db);
            m_table.add(*s);
            m_slots.emplace(s->name(), std::move(slot));
        }
        if (!m_router)
            m_router = [this](const QString &method, const QString &target) {
                return m_table.match(method, target);
            };
    }

    Response handle(Request request)
    {
        const auto match = m_router(request.method, request.path);
        if (!match)
            return Response::error(404, QStringLiteral("no route for %1").arg(request.label()));
        auto it = m_slots.find(match->service);
        if (it == m_slots.end())
            return Response::error(404, QStringLiteral("no service %1").arg(match->service));
        if (m_depth >= MaxDepth)
            return Response::error(508, QStringLiteral("call depth exceeded"));
        request.route = match->route;
        request.params = match->params;
        ++m_depth;
        Response r;
        try {
            r = it->second.service->handle(request, *it->second.ctx);
        } catch (const DbError &e) {
            r = Response::error(e.busy() ? 503 : 500, QString::fromUtf8(e.what()));
        } catch (const std::exception &e) {
            r = Response::error(500, QString::fromUtf8(e.what()));
        }
        --m_depth;
        return r;
    }

    Database &database(const QString &service) { return *m_slots.at(service).db; }
    DirectContext &context(const QString &service) { return *m_slots.at(service).ctx; }

private:
    struct Slot
    {
        std::shared_ptr<Service> service;
        std::unique_ptr<Database> db;
        std::unique_ptr<DirectContext> ctx;
    };
    static constexpr int MaxDepth = 8;
    Router m_router;
    RouteTable m_table;
    std::map<QString, Slot> m_slots;
    int m_depth = 0;
};

inline Response DirectContext::call(Request request)
{
    request.caller = m_name.section(QLatin1Char('#'), 0, 0);
    return m_shop.handle(std::move(request));
}

} // namespace microcosm::bench
