#pragma once

#include "clock.h"

#include <QByteArrayView>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QVarLengthArray>
#include <mutex>

#include <memory>
#include <optional>

namespace microcosm {

// How a call ended, as the metrics and the charts count it.
enum class Outcome
{
    Ok,
    ClientError,    // 4xx other than 429
    ServerError,    // 5xx produced by a service or a reset connection
    Timeout,        // 504: nobody answered in time
    Rejected,       // 429 / 503 from a full queue, a rate limiter, a bulkhead or no replica
    ShortCircuited, // 503 from an open circuit breaker
    Fallback,       // answered from a fallback, not by the service
    Count
};

QString outcomeName(Outcome o);

// A W3C trace id: 16 bytes, never all zero when valid
// (https://www.w3.org/TR/trace-context/#trace-id).
struct TraceId
{
    quint64 high = 0;
    quint64 low = 0;

    bool isValid() const { return high != 0 || low != 0; }
    QString toHex() const; // 32 lower-case hex digits
    bool operator==(const TraceId &) const = default;
};

// A random, non-zero 8-byte span id and a random, valid trace id.
quint64 newSpanId();
TraceId newTraceId();
// 16 lower-case hex digits (the W3C parent-id form).
QString spanIdHex(quint64 id);

// What an incoming W3C traceparent header says
// (https://www.w3.org/TR/trace-context/#traceparent-header).
struct TraceParent
{
    TraceId traceId;
    quint64 parentId = 0;
    bool sampled = false;
};

// Parses a traceparent header strictly, as the W3C Trace Context
// Recommendation's "traceparent Header Field Values" section says: version
// 00 is exactly 55 characters "00-<32 hex>-<16 hex>-<2 hex>" in lower-case
// hex; "ff" is an invalid version; a higher version is read for its first
// four fields when it has at least 55 characters and a '-' after them; an
// all-zero trace id or parent id is invalid. Returns nothing for an
// invalid header (the spec: the receiver then starts a new trace), with
// the reason in *error.
std::optional<TraceParent> parseTraceparent(QByteArrayView header, QString *error = nullptr);
// "00-<trace id>-<span id>-01" (or -00 when not sampled).
QByteArray formatTraceparent(const TraceId &traceId, quint64 spanId, bool sampled = true);

// One hop of a request's path: for the storefront's waterfall (name, start,
// end, status, note, depth) and for trace export (ids, kind, service...).
struct Span
{
    enum class Kind
    {
        Internal, // a step inside a service: queue, work, database
        Server,   // a service (or the gateway, for the root) handling a request
        Client    // one attempt of a call on an edge, made by the gateway
    };

    QString name; // "users→product", "product#1 queue", "product.db + logic"
    TimePoint start;
    TimePoint end;
    int status = 0;
    QString note; // a failure's reason, or what the step was
    int depth = 0;
    // For export: zero parentId means a root (its parent is the trace's remote parent, if any).
    quint64 id = 0;
    quint64 parentId = 0;
    Kind kind = Kind::Internal;
    QString service; // "product", "gateway"
    QString replica; // "product#2", empty for the gateway
    QString route;   // "GET /products/{id}"
    int attempt = 0; // Client spans: 1, 2, ...
};

// Collects spans from whichever threads a traced request passes through.
// Made for a sampled request (the gateway), a request that came with a
// sampled traceparent (then it keeps that trace id and parent), or one the
// storefront shows. Thread-safe; spans may still arrive after the request
// was answered (work that went on after a timeout).
class Trace
{
public:
    Trace(); // a new trace: random trace id, no remote parent
    Trace(TraceId id, quint64 remoteParentId);

    const TraceId &id() const { return m_id; }
    QString idHex() const { return m_id.toHex(); }
    // The span id of the caller outside Microcosm (an incoming traceparent's parent-id), or 0.
    quint64 remoteParentId() const { return m_remoteParent; }

    void add(Span span);
    QList<Span> spans() const;

private:
    const TraceId m_id;
    const quint64 m_remoteParent = 0;
    mutable std::mutex m_mutex;
    QList<Span> m_spans;
};

// An HTTP-shaped request as it travels users → gateway → service → service.
// A request's path and query parameters by name: a handful, kept in the
// order found and looked up by a walk. A path parameter keeps its route
// pattern's segment ("{id}") as its key, shared with the route, so that
// naming it allocates nothing; its name is the segment without the braces.
class Params
{
public:
    struct Entry
    {
        QString key; // "{id}" for a path parameter, the name for a query one
        QString value;
        QStringView name() const
        {
            return key.startsWith(QLatin1Char('{')) ? QStringView(key).sliced(1, key.size() - 2)
                                                    : QStringView(key);
        }
    };
    // A query parameter; a name already there gets the new value.
    void insert(const QString &name, QString value) { set(name, name, std::move(value)); }
    // A path parameter, by its pattern segment "{name}".
    void insertSegment(const QString &segment, QString value)
    {
        set(segment, QStringView(segment).sliced(1, segment.size() - 2), std::move(value));
    }
    QString value(QStringView name) const
    {
        const Entry *e = find(name);
        return e ? e->value : QString();
    }
    bool contains(QStringView name) const { return find(name) != nullptr; }
    bool isEmpty() const { return m_entries.isEmpty(); }
    qsizetype size() const { return m_entries.size(); }
    void clear() { m_entries.clear(); }
    const Entry *begin() const { return m_entries.cbegin(); }
    const Entry *end() const { return m_entries.cend(); }

private:
    const Entry *find(QStringView name) const
    {
        for (const Entry &e : m_entries)
            if (e.name() == name)
                return &e;
        return nullptr;
    }
    void set(const QString &key, QStringView name, QString value)
    {
        for (Entry &e : m_entries)
            if (e.name() == name) {
                e.value = std::move(value);
                return;
            }
        m_entries.append(Entry{key, std::move(value)});
    }
    QVarLengthArray<Entry, 2> m_entries;
};

// A response's JSON body: a value, or JSON text a service wrote straight
// out. A service that only serves a body (the product list) writes text and
// builds no tree of values nobody may read; one whose body its caller reads
// (the cart, read by the order service) answers with a value. Either reads
// as the other: text is parsed when a value is asked for, a value
// serialized when text is.
class Body
{
public:
    Body() = default;
    Body(QJsonValue value) : m_value(std::move(value)) {}
    Body(const QJsonObject &object) : m_value(object) {}
    Body(const QJsonArray &array) : m_value(array) {}
    // Compact JSON text, valid as written (a writer's duty, checked in
    // tests), and how many elements its outer array or object has.
    static Body fromJsonText(QByteArray text, qsizetype elements);

    bool isText() const { return !m_text.isNull(); }
    bool isUndefined() const { return !isText() && m_value.isUndefined(); }
    bool isNull() const { return !isText() && m_value.isNull(); }
    bool isObject() const { return isText() ? m_text.startsWith('{') : m_value.isObject(); }
    bool isArray() const { return isText() ? m_text.startsWith('[') : m_value.isArray(); }
    // The value; text is parsed (an invalid text reads as undefined).
    QJsonValue value() const;
    QJsonObject toObject() const { return value().toObject(); }
    QJsonArray toArray() const { return value().toArray(); }
    // Compact JSON text: as written, or the value serialized (a bare scalar
    // as its JSON literal; undefined as empty).
    QByteArray toJson() const;
    // Elements of the outer array or object (0 for a scalar): what a cached
    // body costs.
    qsizetype elements() const;

    // Equal when they read as the same value, whichever form each has.
    friend bool operator==(const Body &a, const Body &b) { return a.value() == b.value(); }

private:
    QJsonValue m_value;
    QByteArray m_text;
    qsizetype m_elements = 0;
};

struct Request
{
    QString method;         // GET, POST, DELETE
    QString path;           // /products/17
    Body body;              // JSON body, if any: a value, or JSON text a caller wrote
    QString idempotencyKey; // Idempotency-Key header
    TimePoint intendedSend; // when the client meant to send it (no coordinated omission)
    TimePoint deadline = TimePoint::max();
    int attempt = 1;
    QByteArray traceparent; // W3C traceparent header an HTTP request came with, as received
    QString caller = QStringLiteral("users");
    std::shared_ptr<Trace> trace; // set only for traced requests (sampled, or shown)
    quint64 parentSpanId = 0;     // traced: the span this request's spans hang under
    int depth = 0;                // hop depth, for the waterfall

    // Filled in by the router.
    QString route; // "GET /products/{id}"
    Params params;

    QString param(QStringView name) const { return params.value(name); }
    QString label() const { return method + QLatin1Char(' ') + path; }
};

// JSON text written by hand, for Body::fromJsonText: a string with its
// escapes (RFC 8259 section 7) and an integer, appended to out.
void appendJsonString(QByteArray &out, QByteArrayView utf8);
void appendJsonInteger(QByteArray &out, qint64 value);

// A JSON object written as text into out, member by member, in the order
// given (keys are plain ASCII literals, written as they are); close() ends
// it and says how many members it has.
class JsonObjectWriter
{
public:
    explicit JsonObjectWriter(QByteArray &out) : m_out(out) { m_out.append('{'); }
    JsonObjectWriter &member(const char *key, qint64 value)
    {
        appendJsonInteger(keyed(key), value);
        return *this;
    }
    JsonObjectWriter &member(const char *key, QByteArrayView utf8)
    {
        appendJsonString(keyed(key), utf8);
        return *this;
    }
    // The member's key written; its value is the caller's to append.
    QByteArray &keyed(const char *key)
    {
        if (m_members++ > 0)
            m_out.append(',');
        m_out.append('"').append(key).append("\":");
        return m_out;
    }
    qsizetype close()
    {
        m_out.append('}');
        return m_members;
    }

private:
    QByteArray &m_out;
    qsizetype m_members = 0;
};

// The answer: an HTTP-like status, a body, and for a failure a human reason
// such as "timeout 1000 ms at order→product" or "queue full: cart#2".
struct Response
{
    int status = 0;
    Body body;
    QString reason;
    Outcome outcome = Outcome::Ok;
    Duration latency{};
    bool fallback = false;
    bool replayed = false; // the stored first answer to an Idempotency-Key already used
    QString traceId;       // 32 lower-case hex digits: the W3C trace the answer belongs to
    // A 201's new resource ("/orders/<id>"), sent as the Location header
    // (RFC 9110 section 10.2.2); a caller learns the id without parsing the body.
    QString location;

    bool ok() const { return status >= 200 && status < 300; }

    static Response make(int status, Body body = {});
    static Response error(int status, QString reason);
    static Response error(int status, QString reason, Outcome outcome);
};

// The outcome that a status stands for when the producer did not say.
Outcome outcomeForStatus(int status);

} // namespace microcosm
