#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace microcosm::shop {

// Small helpers for request bodies: a missing or mistyped field is a 400
// whose reason names the field.
inline bool positiveInt(const QJsonValue &body, const QString &field, qint64 max, qint64 *out,
                        QString *error)
{
    const QJsonValue v = body.toObject().value(field);
    const double d = v.toDouble(-1);
    // Range first: converting a double outside qint64's range is undefined.
    if (!v.isDouble() || !(d >= 1 && d <= double(max)) || d != std::floor(d)) {
        *error = QStringLiteral("field '%1' must be an integer from 1 to %2").arg(field).arg(max);
        return false;
    }
    *out = qint64(d);
    return true;
}

inline bool nonEmptyString(const QJsonValue &body, const QString &field, QString *out,
                           QString *error)
{
    const QJsonValue v = body.toObject().value(field);
    if (!v.isString() || v.toString().trimmed().isEmpty() || v.toString().size() > 200) {
        *error = QStringLiteral("field '%1' must be a non-empty string").arg(field);
        return false;
    }
    *out = v.toString();
    return true;
}

// A user id travels in paths ("/carts/{user}"), so it is limited to
// characters that cannot change a path: letters, digits, '-', '_', '.', '@'.
inline bool validUserId(const QString &user)
{
    if (user.isEmpty() || user.size() > 200)
        return false;
    for (const QChar c : user)
        if (!(c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_') ||
              c == QLatin1Char('.') || c == QLatin1Char('@')))
            return false;
    return true;
}

// Now in UTC as QDateTime::toString(Qt::ISODateWithMs) writes it,
// "2026-12-03T12:34:56.789Z", in one allocation where that takes several:
// every cart and order write stamps one.
inline QString nowText()
{
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    const std::time_t seconds = std::time_t(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[40];
    const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                utc.tm_min, utc.tm_sec, int(ms % 1000));
    return QString::fromLatin1(text, n);
}

} // namespace microcosm::shop
