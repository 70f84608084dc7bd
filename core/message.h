#pragma once

#include "clock.h"

#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <mutex>

#include <memory>

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

// One hop of a request's path, for the storefront's waterfall.
struct Span
{
    QString name; // "gateway → product", "product#1 queue", "product.db"
    TimePoint start;
    TimePoint end;
    int status = 0;
    QString note;
    int depth = 0;
};

// Collects spans from whichever threads a traced request passes through.
class Trace
{
public:
    void add(Span span);
    QList<Span> spans() const;

private:
    mutable std::mutex m_mutex;
    QList<Span> m_spans;
};

// An HTTP-shaped request as it travels users → gateway → service → service.
struct Request
{
    QString method;         // GET, POST, DELETE
    QString path;           // /products/17
    QJsonValue body;        // JSON body, if any
    QString idempotencyKey; // Idempotency-Key header
    TimePoint intendedSend; // when the client meant to send it (no coordinated omission)
    TimePoint deadline = TimePoint::max();
    int attempt = 1;
    quint64 traceId = 0;
    QByteArray traceparent; // W3C traceparent header an HTTP request came with, as received
    QString caller = QStringLiteral("users");
    std::shared_ptr<Trace> trace; // set only for requests whose path is shown
    int depth = 0;                // hop depth, for the waterfall

    // Filled in by the router.
    QString route; // "GET /products/{id}"
    QHash<QString, QString> params;

    QString param(const QString &name) const { return params.value(name); }
    QString label() const { return method + QLatin1Char(' ') + path; }
};

// The answer: an HTTP-like status, a body, and for a failure a human reason
// such as "timeout 1000 ms at order→product" or "queue full: cart#2".
struct Response
{
    int status = 0;
    QJsonValue body;
    QString reason;
    Outcome outcome = Outcome::Ok;
    Duration latency{};
    bool fallback = false;
    bool replayed = false; // the stored first answer to an Idempotency-Key already used
    QString traceId;       // 32 lower-case hex digits: the W3C trace the answer belongs to

    bool ok() const { return status >= 200 && status < 300; }

    static Response make(int status, QJsonValue body = {});
    static Response error(int status, QString reason);
    static Response error(int status, QString reason, Outcome outcome);
};

// The outcome that a status stands for when the producer did not say.
Outcome outcomeForStatus(int status);

} // namespace microcosm
