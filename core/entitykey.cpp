#include "entitykey.h"

namespace microcosm {

namespace {
QString nameOf(EntityKey::Kind kind, const QString &service, const QString &other)
{
    using K = EntityKey::Kind;
    switch (kind) {
    case K::Gateway:
        return QStringLiteral("gateway");
    case K::Client:
        return QStringLiteral("client");
    case K::Users:
        return QStringLiteral("users");
    case K::Http:
        return QStringLiteral("http");
    case K::Service:
        return QStringLiteral("service:") + service;
    case K::Edge:
        return QStringLiteral("edge:") + edgeKey(other, service);
    case K::Route:
        return QStringLiteral("route:%1:%2").arg(service, other);
    }
    return {};
}
} // namespace

EntityKey::EntityKey(Kind kind, QString service, QString other)
    : m_kind(kind), m_service(std::move(service)), m_other(std::move(other)),
      m_name(nameOf(m_kind, m_service, m_other))
{
}

const QString &EntityKey::empty()
{
    static const QString none;
    return none;
}

std::optional<EntityKey> EntityKey::fromName(QStringView name)
{
    for (EntityKey k : {gateway(), client(), users(), http()})
        if (name == k.name())
            return k;
    const auto after = [&](QLatin1String prefix) -> std::optional<QStringView> {
        if (!name.startsWith(prefix) || name.size() == prefix.size())
            return std::nullopt;
        return name.mid(prefix.size());
    };
    if (const auto rest = after(QLatin1String("service:")))
        return service(rest->toString());
    if (const auto rest = after(QLatin1String("edge:"))) {
        const qsizetype gt = rest->indexOf(QLatin1Char('>'));
        if (gt <= 0 || gt == rest->size() - 1)
            return std::nullopt;
        const QStringView callee = rest->mid(gt + 1);
        return edge(rest->left(gt).toString(),
                    callee == QLatin1String("*") ? QString() : callee.toString());
    }
    if (const auto rest = after(QLatin1String("route:"))) {
        const qsizetype colon = rest->indexOf(QLatin1Char(':'));
        if (colon <= 0 || colon == rest->size() - 1)
            return std::nullopt;
        return route(rest->left(colon).toString(), rest->mid(colon + 1).toString());
    }
    return std::nullopt;
}

EntityKey EntityKey::named(QStringView words)
{
    if (const auto key = fromName(words))
        return *key;
    if (const qsizetype gt = words.indexOf(QLatin1Char('>')); gt >= 0)
        return edge(words.left(gt).toString(), words.mid(gt + 1).toString());
    return service(words.toString());
}

} // namespace microcosm
