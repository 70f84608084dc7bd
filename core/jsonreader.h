#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace microcosm {

// Reads a JSON document against what it must hold, collecting one message
// per problem, each naming the JSON path, what was expected and what was
// found ("$.services.cart.replicas: expected an integer from 1 to 32, found
// \"two\""). An unknown key is a problem too. Reading goes on after a
// problem so that one pass reports them all.
class JsonReader
{
public:
    QStringList errors() const { return m_errors; }
    bool ok() const { return m_errors.isEmpty(); }
    void error(const QString &path, const QString &expected, const QJsonValue &found);
    void fail(const QString &path, const QString &message);

    static QString describe(const QJsonValue &v);
    static QString join(const QString &path, const QString &key);
    // The path of a member: $.services.cart, or $.policies.edges["users>cart"]
    // when the key is not a plain word.
    static QString member(const QString &path, const QString &key);

    // What QJsonDocument does not tell about the text it reads, found by a
    // scan of the raw bytes: a key given twice in one object (QJsonDocument
    // silently keeps the last), and, when it refuses a number such as 1e999
    // or NaN, which value that was. The scan stops at the first byte that is
    // not JSON, so what it reports is always about well-formed text before it.
    struct Scan
    {
        QStringList duplicates; // "$.duration: duplicate key (...)", one per key and object
        QString badNumber;      // "$.seed: expected a finite number, found 1e999", or empty
        qsizetype badNumberStart = -1, badNumberEnd = -1; // its bytes, [start, end)
    };
    static Scan scan(const QByteArray &json);

    // Reports every key of o that is not in allowed.
    void allowKeys(const QJsonObject &o, const QString &path, const QStringList &allowed);

    std::optional<QJsonObject> object(const QJsonValue &v, const QString &path);
    std::optional<QJsonArray> array(const QJsonValue &v, const QString &path);
    // Values of o[key]; when the key is absent, the fallback (or an error when required).
    // A number must be finite and within [min, max]; an integer also whole.
    double number(const QJsonObject &o, const QString &path, const QString &key, double fallback,
                  double min, double max, bool required = false);
    int integer(const QJsonObject &o, const QString &path, const QString &key, int fallback,
                int min, int max, bool required = false);
    bool boolean(const QJsonObject &o, const QString &path, const QString &key, bool fallback);
    QString string(const QJsonObject &o, const QString &path, const QString &key,
                   const QString &fallback, bool required = false);
    // A string that must be one of choices.
    QString choice(const QJsonObject &o, const QString &path, const QString &key,
                   const QStringList &choices, const QString &fallback, bool required = false);

private:
    QStringList m_errors;
};

} // namespace microcosm
