#include "jsonreader.h"

#include <QHash>
#include <QJsonDocument>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

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

QString JsonReader::member(const QString &path, const QString &key)
{
    const auto word = [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
               (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
               (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('_') ||
               c == QLatin1Char('-');
    };
    const bool plain = !key.isEmpty() && !key.front().isDigit() &&
                       key.front() != QLatin1Char('-') && std::all_of(key.begin(), key.end(), word);
    if (plain)
        return join(path, key);
    QString shown = key.size() > 40 ? key.left(40) + QStringLiteral("…") : key;
    shown.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    shown.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return path + QStringLiteral("[\"%1\"]").arg(shown);
}

namespace {

// A scanner of JSON text (RFC 8259) that knows the path of where it is. It
// only reads: values are skipped, keys decoded to compare them as
// QJsonDocument does. Iterative, so deep nesting cannot exhaust the stack,
// and a path is spelt out only for a message, so its cost stays linear.
class JsonScanner
{
public:
    explicit JsonScanner(const QByteArray &json) : m_json(json) {}
    JsonReader::Scan run();

private:
    struct Frame
    {
        bool object = false;
        qsizetype index = 0;      // of the current element, in an array
        QString key;              // of the current member, in an object
        QHash<QString, int> keys; // how often each key was given
    };
    // Deeper than QJsonDocument accepts (1024): nothing more to learn there.
    static constexpr std::size_t MaxDepth = 1100;
    // Enough to see the problem; a file of nothing but repeated keys says so once.
    static constexpr qsizetype MaxDuplicates = 20;

    char peek() const { return m_pos < m_json.size() ? m_json[m_pos] : '\0'; }
    void skipSpace();
    bool string(QString *decoded);
    bool number();
    bool word(qsizetype start);
    QString valuePath() const;

    const QByteArray &m_json;
    qsizetype m_pos = 0;
    std::vector<Frame> m_stack;
    JsonReader::Scan m_scan;
    qsizetype m_duplicates = 0;
};

void JsonScanner::skipSpace()
{
    while (m_pos < m_json.size() && (m_json[m_pos] == ' ' || m_json[m_pos] == '\t' ||
                                     m_json[m_pos] == '\n' || m_json[m_pos] == '\r'))
        ++m_pos;
}

// The path of the value being read: $.timeline[2].service.
QString JsonScanner::valuePath() const
{
    QString path = QStringLiteral("$");
    for (const Frame &f : m_stack)
        path = f.object ? JsonReader::member(path, f.key)
                        : QStringLiteral("%1[%2]").arg(path).arg(f.index);
    return path;
}

// At an opening quote: reads the string, decoded into *decoded when given.
bool JsonScanner::string(QString *decoded)
{
    ++m_pos;
    qsizetype run = m_pos; // start of the bytes not yet decoded
    const auto flush = [&] {
        if (decoded)
            decoded->append(QString::fromUtf8(m_json.constData() + run, m_pos - run));
    };
    while (m_pos < m_json.size()) {
        const unsigned char c = static_cast<unsigned char>(m_json[m_pos]);
        if (c == '"') {
            flush();
            ++m_pos;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            ++m_pos;
            continue;
        }
        flush();
        if (m_pos + 1 >= m_json.size())
            return false;
        const char e = m_json[m_pos + 1];
        m_pos += 2;
        char16_t unit = 0;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            unit = char16_t(e);
            break;
        case 'b':
            unit = u'\b';
            break;
        case 'f':
            unit = u'\f';
            break;
        case 'n':
            unit = u'\n';
            break;
        case 'r':
            unit = u'\r';
            break;
        case 't':
            unit = u'\t';
            break;
        case 'u': {
            if (m_pos + 4 > m_json.size())
                return false;
            const char *hex = m_json.constData() + m_pos;
            if (!std::all_of(hex, hex + 4,
                             [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); }))
                return false;
            unit = char16_t(QByteArray(hex, 4).toUShort(nullptr, 16));
            m_pos += 4;
            break;
        }
        default:
            return false;
        }
        if (decoded)
            decoded->append(QChar(unit));
        run = m_pos;
    }
    return false;
}

// At a '-' or a digit: a number as JSON writes it. One that a double cannot
// hold (1e999, 1e-999) QJsonDocument refuses; the scan names it and stops.
bool JsonScanner::number()
{
    const qsizetype start = m_pos;
    const auto digits = [this] {
        const qsizetype from = m_pos;
        while (m_pos < m_json.size() && m_json[m_pos] >= '0' && m_json[m_pos] <= '9')
            ++m_pos;
        return m_pos > from;
    };
    if (peek() == '-')
        ++m_pos;
    if (peek() == '0')
        ++m_pos;
    else if (!digits())
        return word(start); // -Infinity, -NaN
    if (peek() == '.') {
        ++m_pos;
        if (!digits())
            return false;
    }
    if (peek() == 'e' || peek() == 'E') {
        ++m_pos;
        if (peek() == '+' || peek() == '-')
            ++m_pos;
        if (!digits())
            return false;
    }
    const QByteArray text = m_json.mid(start, m_pos - start);
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (ok && std::isfinite(v))
        return true;
    // Too large, or too close to 0: where its first significant digit is.
    const qsizetype e = std::max(text.indexOf('e'), text.indexOf('E'));
    const qsizetype end = e < 0 ? text.size() : e;
    const qsizetype point = text.indexOf('.');
    qsizetype i = text.startsWith('-') ? 1 : 0;
    while (i < end && text[i] == '0')
        ++i;
    qint64 magnitude = 0;
    if (i < end && text[i] != '.') {
        magnitude = (point < 0 ? end : point) - i;
    } else {
        const qsizetype first = point < 0 ? end : point + 1;
        qsizetype j = first;
        while (j < end && text[j] == '0')
            ++j;
        magnitude = first - j;
    }
    qint64 exponent = 0;
    for (qsizetype k = e + 1; e >= 0 && k < text.size(); ++k)
        if (text[k] >= '0' && text[k] <= '9')
            exponent = std::min<qint64>(exponent * 10 + (text[k] - '0'), 1'000'000'000);
    if (e >= 0 && text.indexOf('-', e) > e)
        exponent = -exponent;
    m_scan.badNumber =
        QStringLiteral("%1: expected a finite number, found %2 (%3)")
            .arg(valuePath(), QString::fromLatin1(text.left(40)),
                 magnitude + exponent > 0 ? QStringLiteral("too large for a number")
                                          : QStringLiteral("too close to 0 for a number"));
    m_scan.badNumberStart = start;
    m_scan.badNumberEnd = m_pos;
    return false;
}

// A bare word: true, false or null; NaN or Infinity are named, as numbers
// JSON cannot carry; anything else ends the scan.
bool JsonScanner::word(qsizetype start)
{
    while (m_pos < m_json.size() &&
           (std::isalnum(static_cast<unsigned char>(m_json[m_pos])) || m_json[m_pos] == '+' ||
            m_json[m_pos] == '-' || m_json[m_pos] == '.'))
        ++m_pos;
    const QByteArray text = m_json.mid(start, m_pos - start);
    if (text == "true" || text == "false" || text == "null")
        return true;
    QByteArray bare = text.toLower();
    if (bare.startsWith('-') || bare.startsWith('+'))
        bare.remove(0, 1);
    if (bare == "nan" || bare == "inf" || bare == "infinity") {
        m_scan.badNumber = QStringLiteral("%1: expected a finite number, found %2 (JSON has no "
                                          "such number)")
                               .arg(valuePath(), QString::fromLatin1(text.left(40)));
        m_scan.badNumberStart = start;
        m_scan.badNumberEnd = m_pos;
    }
    return false;
}

JsonReader::Scan JsonScanner::run()
{
    if (m_json.startsWith("\xEF\xBB\xBF"))
        m_pos = 3;
    enum class Want
    {
        Value,
        Key,
        Next
    } want = Want::Value;
    while (true) {
        skipSpace();
        if (want == Want::Value) {
            const char c = peek();
            if (c == '{' || c == '[') {
                if (m_stack.size() >= MaxDepth)
                    break;
                ++m_pos;
                m_stack.push_back({c == '{', 0, QString(), {}});
                skipSpace();
                if (peek() == (c == '{' ? '}' : ']')) {
                    ++m_pos;
                    m_stack.pop_back();
                    want = Want::Next;
                } else {
                    want = c == '{' ? Want::Key : Want::Value;
                }
                continue;
            }
            const bool ok = c == '"'                               ? string(nullptr)
                            : (c == '-' || (c >= '0' && c <= '9')) ? number()
                                                                   : word(m_pos);
            if (!ok)
                break;
            want = Want::Next;
        } else if (want == Want::Key) {
            Frame &f = m_stack.back();
            QString key;
            if (peek() != '"' || !string(&key))
                break;
            skipSpace();
            if (peek() != ':')
                break;
            ++m_pos;
            f.key = key;
            if (++f.keys[key] == 2 && ++m_duplicates <= MaxDuplicates)
                m_scan.duplicates << QStringLiteral("%1: duplicate key (a key may appear only "
                                                    "once in an object)")
                                         .arg(valuePath());
            want = Want::Value;
        } else {
            if (m_stack.empty())
                break; // the document's value is complete
            Frame &f = m_stack.back();
            const char c = peek();
            ++m_pos;
            if (c == ',') {
                ++f.index;
                want = f.object ? Want::Key : Want::Value;
            } else if (c == (f.object ? '}' : ']')) {
                m_stack.pop_back();
            } else {
                break;
            }
        }
    }
    if (m_duplicates > MaxDuplicates)
        m_scan.duplicates << QStringLiteral("$: %1 more duplicate keys, not listed")
                                 .arg(m_duplicates - MaxDuplicates);
    return m_scan;
}

} // namespace

JsonReader::Scan JsonReader::scan(const QByteArray &json)
{
    return JsonScanner(json).run();
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
            fail(member(path, key),
                 QStringLiteral("is required (a number from %1 to %2)").arg(min).arg(max));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < min || v.toDouble() > max) {
        error(member(path, key), QStringLiteral("a number from %1 to %2").arg(min).arg(max), v);
        return fallback;
    }
    return v.toDouble();
}

int JsonReader::integer(const QJsonObject &o, const QString &path, const QString &key, int fallback,
                        int min, int max, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(member(path, key),
                 QStringLiteral("is required (an integer from %1 to %2)").arg(min).arg(max));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    const double d = v.toDouble();
    if (!v.isDouble() || !std::isfinite(d) || d != std::floor(d) || d < min || d > max) {
        error(member(path, key), QStringLiteral("an integer from %1 to %2").arg(min).arg(max), v);
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
        error(member(path, key), QStringLiteral("true or false"), v);
        return fallback;
    }
    return v.toBool();
}

QString JsonReader::string(const QJsonObject &o, const QString &path, const QString &key,
                           const QString &fallback, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(member(path, key), QStringLiteral("is required (a string)"));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    if (!v.isString()) {
        error(member(path, key), QStringLiteral("a string"), v);
        return fallback;
    }
    return v.toString();
}

QString JsonReader::choice(const QJsonObject &o, const QString &path, const QString &key,
                           const QStringList &choices, const QString &fallback, bool required)
{
    if (!o.contains(key)) {
        if (required)
            fail(member(path, key),
                 QStringLiteral("is required (one of %1)").arg(choices.join(QStringLiteral(", "))));
        return fallback;
    }
    const QJsonValue v = o.value(key);
    if (!v.isString() || !choices.contains(v.toString())) {
        error(member(path, key),
              QStringLiteral("one of %1").arg(choices.join(QStringLiteral(", "))), v);
        return fallback;
    }
    return v.toString();
}

} // namespace microcosm
