#pragma once

#include <QString>

#include <cmath>
#include <optional>

namespace microcosm {

// The number in text when it is finite and within [min, max]; nothing for
// anything else. QString::toDouble() accepts "nan", "inf" and "1e999" (as
// infinity), and NaN compares false with every bound, so a plain range check
// lets NaN through: every number a user types goes through this instead.
inline std::optional<double> finiteInRange(const QString &text, double min, double max)
{
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || !(v >= min && v <= max))
        return std::nullopt;
    return v;
}

} // namespace microcosm
