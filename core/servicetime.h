#pragma once

#include "clock.h"

#include <QJsonObject>
#include <QString>

#include <random>

namespace microcosm {

// How long a route's work takes, drawn per request and spent sleeping in the
// worker (I/O-bound work), on top of the real SQL.
struct ServiceTime
{
    enum class Kind
    {
        Constant,
        Exponential,
        LogNormal
    };
    Kind kind = Kind::Constant;
    double meanMs = 0;
    double sigma = 0.5; // shape of the log-normal (of the underlying normal)

    Duration sample(std::mt19937_64 &rng) const;

    static ServiceTime constant(double ms) { return {Kind::Constant, ms, 0.5}; }
    static ServiceTime exponential(double ms) { return {Kind::Exponential, ms, 0.5}; }
    static ServiceTime logNormal(double ms, double sigma) { return {Kind::LogNormal, ms, sigma}; }

    static QString kindName(Kind k);
    static bool kindFromName(const QString &name, Kind *out);
    QJsonObject toJson() const;
    QString describe() const;
};

} // namespace microcosm
