#pragma once

#include "edgekey.h"

#include <QHashFunctions>
#include <QString>
#include <QStringView>

#include <optional>

namespace microcosm {

// What the metrics measure, as a value: the gateway, the load generator's
// own view (client), the simulated users' and the HTTP front's requests at
// the gateway, a service, a caller→service edge or a service's route. The
// engine and the views build and compare keys by their parts; a key's name
// ("service:product", "edge:order>cart", "route:order:GET /orders") is
// made once, when the key is, and is what files and people read. Only what
// reads a file or a person's words (a recording's rows, a scenario's
// "entity", a CSV) turns a name back into a key, with fromName().
class EntityKey
{
public:
    enum class Kind
    {
        Gateway,
        Client,
        Users,
        Http,
        Service,
        Edge,
        Route
    };

    static EntityKey gateway() { return EntityKey(Kind::Gateway, {}, {}); }
    static EntityKey client() { return EntityKey(Kind::Client, {}, {}); }
    static EntityKey users() { return EntityKey(Kind::Users, {}, {}); }
    static EntityKey http() { return EntityKey(Kind::Http, {}, {}); }
    static EntityKey service(const QString &name) { return EntityKey(Kind::Service, name, {}); }
    // An empty service is a caller's default edge, "caller>*".
    static EntityKey edge(const QString &caller, const QString &service)
    {
        return EntityKey(Kind::Edge, service, caller);
    }
    // route as the gateway names it: "GET /orders/{id}".
    static EntityKey route(const QString &service, const QString &route)
    {
        return EntityKey(Kind::Route, service, route);
    }
    // The inverse of name(); nullopt for a name no key has.
    static std::optional<EntityKey> fromName(QStringView name);
    // What a person writes for an entity (a scenario's "entity", --entity):
    // a full name as fromName() reads it, an edge "users>product", or else
    // a service's name.
    static EntityKey named(QStringView words);

    Kind kind() const { return m_kind; }
    bool isService() const { return m_kind == Kind::Service; }
    bool isEdge() const { return m_kind == Kind::Edge; }
    bool isRoute() const { return m_kind == Kind::Route; }
    // The service a service, edge or route key is about (an edge's callee).
    const QString &service() const { return m_service; }
    // An edge's caller.
    const QString &caller() const { return m_kind == Kind::Edge ? m_other : empty(); }
    // A route's "GET /orders".
    const QString &route() const { return m_kind == Kind::Route ? m_other : empty(); }
    const QString &name() const { return m_name; }

    friend bool operator==(const EntityKey &a, const EntityKey &b) { return a.m_name == b.m_name; }
    friend bool operator<(const EntityKey &a, const EntityKey &b) { return a.m_name < b.m_name; }

private:
    EntityKey(Kind kind, QString service, QString other);
    static const QString &empty();

    Kind m_kind;
    QString m_service;
    QString m_other;
    QString m_name;
};

inline size_t qHash(const EntityKey &key, size_t seed = 0)
{
    return qHash(key.name(), seed);
}

} // namespace microcosm
