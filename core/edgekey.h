#pragma once

#include <QString>

namespace microcosm {

// The two names of a caller→service edge. Everything a program reads
// names an edge by its key, "caller>service" ("caller>*" for a caller's
// default), as scenario files always have: metrics entities
// ("edge:order>cart"), event sources, the report's edges, the CSV, saved
// scenarios. The arrow of the label is only for what people read: the
// window, the terminal, the reason of a failed call, a trace's hops.
inline QString edgeKey(const QString &caller, const QString &service)
{
    return caller + QLatin1Char('>') + (service.isEmpty() ? QStringLiteral("*") : service);
}

// "order→cart", as an edge is displayed.
inline QString edgeLabel(const QString &caller, const QString &service)
{
    return caller + QStringLiteral("→") + (service.isEmpty() ? QStringLiteral("*") : service);
}

// A name as it is displayed: an edge key ("order>cart") as its label, any
// other name ("product", "product#2", "chaos") as it is.
inline QString displayName(const QString &name)
{
    const qsizetype gt = name.indexOf(QLatin1Char('>'));
    return gt < 0 ? name : edgeLabel(name.left(gt), name.mid(gt + 1));
}

} // namespace microcosm
