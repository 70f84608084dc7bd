#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <cmath>

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

inline QString nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

} // namespace microcosm::shop
