#include "servicetime.h"

#include <cmath>

namespace microcosm {

Duration ServiceTime::sample(std::mt19937_64 &rng) const
{
    if (meanMs <= 0)
        return Duration::zero();
    switch (kind) {
    case Kind::Constant:
        return fromMs(meanMs);
    case Kind::Exponential:
        return fromMs(std::exponential_distribution<double>(1.0 / meanMs)(rng));
    case Kind::LogNormal: {
        // Choose mu so that the distribution's mean is meanMs.
        const double mu = std::log(meanMs) - sigma * sigma / 2.0;
        return fromMs(std::lognormal_distribution<double>(mu, sigma)(rng));
    }
    }
    return Duration::zero();
}

QString ServiceTime::kindName(Kind k)
{
    switch (k) {
    case Kind::Constant:
        return QStringLiteral("constant");
    case Kind::Exponential:
        return QStringLiteral("exponential");
    case Kind::LogNormal:
        return QStringLiteral("lognormal");
    }
    return {};
}

bool ServiceTime::kindFromName(const QString &name, Kind *out)
{
    for (Kind k : {Kind::Constant, Kind::Exponential, Kind::LogNormal}) {
        if (kindName(k) == name) {
            *out = k;
            return true;
        }
    }
    return false;
}

QJsonObject ServiceTime::toJson() const
{
    QJsonObject o{{QStringLiteral("distribution"), kindName(kind)},
                  {QStringLiteral("meanMs"), meanMs}};
    if (kind == Kind::LogNormal)
        o.insert(QStringLiteral("sigma"), sigma);
    return o;
}

QString ServiceTime::describe() const
{
    return QStringLiteral("%1 %2 ms").arg(kindName(kind)).arg(meanMs);
}

} // namespace microcosm
