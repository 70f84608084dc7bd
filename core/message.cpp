#include "message.h"

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

Response Response::make(int status, QJsonValue body)
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
