#include "jsonreader.h"

#include <QJsonDocument>

#include <cmath>

namespace microcosm {

QString JsonReader::describe(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble());
    case QJsonValue::String: {
        const QString s = v.toString();
        return QStringLiteral("\"%1\"").arg(s.size() > 40 ? s.left(40) + QStringLiteral("…") : s);
    }
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        return QStringLiteral("nothing");
    }
    return QStringLiteral("?");
}

QString JsonReader::join(const QString &path, const QString &key)
{
    return path + QLatin1Char('.') + key;
}

void JsonReader::error(const QString &path, const QString &expected, const QJsonValue &found)
{
    m_errors << QStringLiteral("%1: expected %2, found %3").arg(path, expected, describe(found));
}

void JsonReader::fail(const QString &path, const QString &message)
{
    m_errors << QStringLiteral("%1: %2").arg(path, message);
}

void JsonReader::allowKeys(const QJsonObject &o, const QString &path, const QStringList &allowed)
{
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!allowed.contains(it.key()))
            m_errors << QStringLiteral("%1: unknown key \"%2\" (expected one of: %3)")
                            .arg(path, it.key(), allowed.join(QStringLiteral(", ")));
}

std::optional<QJsonObject> JsonReader::object(const QJsonValue &v, const QString &path)
{
    if (!v.isObject()) {
        error(path, QStringLiteral("an object"), v);
        return std::nullopt;
    }
    return v.toObject();
}

std::optional<QJsonArray> JsonReader::array(const QJsonValue &v, const QString &path)
{
    if (!v.isArray()) {
        error(path, QStringLiteral("an array"), v);
        return std::nullopt;
    }
    return v.toArray();
}

double JsonReader::number(const QJsonObject &o, const QString &path, const QString &key,
                          double fallback, double min, double max, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(join(path, key),
                 QStringLiteral("is required (a number from %1 to %2)").arg(min).arg(max));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < min || v.toDouble() > max) {
        error(join(path, key), QStringLiteral("a number from %1 to %2").arg(min).arg(max), v);
        return fallback;
    }
    return v.toDouble();
}

int JsonReader::integer(const QJsonObject &o, const QString &path, const QString &key, int fallback,
                        int min, int max, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(join(path, key),
                 QStringLiteral("is required (an integer from %1 to %2)").arg(min).arg(max));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    const double d = v.toDouble();
    if (!v.isDouble() || d != std::floor(d) || d < min || d > max) {
        error(join(path, key), QStringLiteral("an integer from %1 to %2").arg(min).arg(max), v);
        return fallback;
    }
    return int(d);
}

bool JsonReader::boolean(const QJsonObject &o, const QString &path, const QString &key,
                         bool fallback)
{
    if (!o.contains(key))
        return fallback;
    const QJsonValue v = o.value(key);
    if (!v.isBool()) {
        error(join(path, key), QStringLiteral("true or false"), v);
        return fallback;
    }
    return v.toBool();
}

QString JsonReader::string(const QJsonObject &o, const QString &path, const QString &key,
                           const QString &fallback, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(join(path, key), QStringLiteral("is required (a string)"));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    if (!v.isString()) {
        error(join(path, key), QStringLiteral("a string"), v);
        return fallback;
    }
    return v.toString();
}

QString JsonReader::choice(const QJsonObject &o, const QString &path, const QString &key,
                           const QStringList &choices, const QString &fallback, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(join(path, key),
                 QStringLiteral("is required (one of %1)").arg(choices.join(QStringLiteral(", "))));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    if (!v.isString() || !choices.contains(v.toString())) {
        error(join(path, key), QStringLiteral("one of %1").arg(choices.join(QStringLiteral(", "))),
              v);
        return fallback;
    }
    return v.toString();
}

} // namespace microcosm
