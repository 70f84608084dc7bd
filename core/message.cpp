#include "message.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <charconv>
#include <random>

namespace microcosm {

QString outcomeName(Outcome o)
{
    switch (o) {
    case Outcome::Ok:
        return QStringLiteral("ok");
    case Outcome::ClientError:
        return QStringLiteral("4xx");
    case Outcome::ServerError:
        return QStringLiteral("5xx");
    case Outcome::Timeout:
        return QStringLiteral("timeout");
    case Outcome::Rejected:
        return QStringLiteral("rejected");
    case Outcome::ShortCircuited:
        return QStringLiteral("short-circuited");
    case Outcome::Fallback:
        return QStringLiteral("fallback");
    case Outcome::Count:
        break;
    }
    return QStringLiteral("?");
}

namespace {

std::mt19937_64 &idRng()
{
    thread_local std::mt19937_64 rng(std::random_device{}());
    return rng;
}

// Digit value of a lower-case hex digit, or -1 (upper case is not allowed:
// the W3C header's fields are HEXDIGLC).
int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// Reads `digits` lower-case hex digits at text[from] into *value (at most 16).
bool readHex(QByteArrayView text, qsizetype from, int digits, quint64 *value)
{
    quint64 v = 0;
    for (int i = 0; i < digits; ++i) {
        const int d = hexValue(text[from + i]);
        if (d < 0)
            return false;
        v = (v << 4) | quint64(d);
    }
    *value = v;
    return true;
}

void appendHex(QString &out, quint64 v, int digits)
{
    static const char digitsLc[] = "0123456789abcdef";
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        out.append(QLatin1Char(digitsLc[(v >> shift) & 0xf]));
}

} // namespace

QString TraceId::toHex() const
{
    QString out;
    out.reserve(32);
    appendHex(out, high, 16);
    appendHex(out, low, 16);
    return out;
}

quint64 newSpanId()
{
    quint64 id = 0;
    while (id == 0) // all zero is an invalid span id
        id = idRng()();
    return id;
}

TraceId newTraceId()
{
    TraceId id;
    while (!id.isValid())
        id = {idRng()(), idRng()()};
    return id;
}

QString spanIdHex(quint64 id)
{
    QString out;
    out.reserve(16);
    appendHex(out, id, 16);
    return out;
}

std::optional<TraceParent> parseTraceparent(QByteArrayView header, QString *error)
{
    // https://www.w3.org/TR/trace-context/#traceparent-header-field-values
    // version "-" trace-id "-" parent-id "-" trace-flags, 2+32+16+2 hex digits.
    constexpr qsizetype Length = 55;
    auto bad = [&](QString why) {
        if (error)
            *error =
                QStringLiteral("invalid traceparent \"%1\": %2")
                    .arg(QString::fromLatin1(header.first(std::min<qsizetype>(80, header.size()))),
                         why);
        return std::nullopt;
    };
    if (header.size() < Length)
        return bad(QStringLiteral("%1 characters, a traceparent has 55").arg(header.size()));
    quint64 version = 0;
    if (!readHex(header, 0, 2, &version))
        return bad(QStringLiteral("the version is not 2 lower-case hex digits"));
    if (version == 0xff)
        return bad(QStringLiteral("version ff is invalid"));
    if (version == 0 && header.size() != Length)
        return bad(QStringLiteral("version 00 has exactly 55 characters, this one has %1")
                       .arg(header.size()));
    // A higher version may carry more fields after a '-' (the spec's "Versioning of traceparent").
    if (version != 0 && header.size() > Length && header[Length] != '-')
        return bad(QStringLiteral("a later version's fields must follow a '-'"));
    if (header[2] != '-' || header[35] != '-' || header[52] != '-')
        return bad(QStringLiteral("the fields are not separated by '-' at 2, 35 and 52"));
    TraceParent tp;
    if (!readHex(header, 3, 16, &tp.traceId.high) || !readHex(header, 19, 16, &tp.traceId.low))
        return bad(QStringLiteral("the trace-id is not 32 lower-case hex digits"));
    if (!tp.traceId.isValid())
        return bad(QStringLiteral("the trace-id is all zero"));
    if (!readHex(header, 36, 16, &tp.parentId))
        return bad(QStringLiteral("the parent-id is not 16 lower-case hex digits"));
    if (tp.parentId == 0)
        return bad(QStringLiteral("the parent-id is all zero"));
    quint64 flags = 0;
    if (!readHex(header, 53, 2, &flags))
        return bad(QStringLiteral("the trace-flags are not 2 lower-case hex digits"));
    tp.sampled = (flags & 0x01) != 0; // the sampled flag; other bits are not known to version 00
    return tp;
}

QByteArray formatTraceparent(const TraceId &traceId, quint64 spanId, bool sampled)
{
    return QStringLiteral("00-%1-%2-%3")
        .arg(traceId.toHex(), spanIdHex(spanId),
             sampled ? QStringLiteral("01") : QStringLiteral("00"))
        .toLatin1();
}

Trace::Trace() : m_id(newTraceId()) {}

Trace::Trace(TraceId id, quint64 remoteParentId)
    : m_id(id.isValid() ? id : newTraceId()), m_remoteParent(remoteParentId)
{
}

void Trace::add(Span span)
{
    std::lock_guard lock(m_mutex);
    m_spans.append(std::move(span));
}

QList<Span> Trace::spans() const
{
    std::lock_guard lock(m_mutex);
    return m_spans;
}

Outcome outcomeForStatus(int status)
{
    if (status >= 200 && status < 400)
        return Outcome::Ok;
    if (status == 429)
        return Outcome::Rejected;
    if (status == 504)
        return Outcome::Timeout;
    if (status >= 400 && status < 500)
        return Outcome::ClientError;
    return Outcome::ServerError;
}

Body Body::fromJsonText(QByteArray text, qsizetype elements)
{
    Body b;
    b.m_text = text.isNull() ? QByteArray("", 0) : std::move(text);
    b.m_elements = elements;
    return b;
}

QJsonValue Body::value() const
{
    if (!isText())
        return m_value;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(m_text, &error);
    if (error.error != QJsonParseError::NoError)
        return QJsonValue(QJsonValue::Undefined);
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

QByteArray Body::toJson() const
{
    if (isText())
        return m_text;
    if (m_value.isObject())
        return QJsonDocument(m_value.toObject()).toJson(QJsonDocument::Compact);
    if (m_value.isArray())
        return QJsonDocument(m_value.toArray()).toJson(QJsonDocument::Compact);
    if (m_value.isUndefined())
        return {};
    // A scalar: serialized inside an array, the brackets taken off.
    const QByteArray wrapped = QJsonDocument(QJsonArray{m_value}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

qsizetype Body::elements() const
{
    if (isText())
        return m_elements;
    return m_value.isArray()    ? m_value.toArray().size()
           : m_value.isObject() ? m_value.toObject().size()
                                : 0;
}

void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.append('"');
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.append('\\');
            out.append(c);
        } else if (u < 0x20) {
            const char escape[] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 15]};
            out.append(escape, sizeof escape);
        } else {
            out.append(c);
        }
    }
    out.append('"');
}

void appendJsonInteger(QByteArray &out, qint64 value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end - digits);
}

Response Response::make(int status, Body body)
{
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.outcome = outcomeForStatus(status);
    return r;
}

Response Response::error(int status, QString reason)
{
    return error(status, std::move(reason), outcomeForStatus(status));
}

Response Response::error(int status, QString reason, Outcome outcome)
{
    Response r;
    r.status = status;
    r.reason = std::move(reason);
    r.outcome = outcome;
    return r;
}

} // namespace microcosm
