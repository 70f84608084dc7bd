#include "externalservice.h"

#include "enginethreads.h"
#include "genericservice.h"
#include "sqlite.h"

#include <httplib.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <memory>
#include <unordered_map>

namespace microcosm {

namespace {

std::atomic<quint64> nextId{1};

bool takesBody(const QString &method)
{
    return method == QLatin1String("POST") || method == QLatin1String("PUT") ||
           method == QLatin1String("PATCH") || method == QLatin1String("DELETE");
}

std::unique_ptr<httplib::Client> makeClient(const ExternalEndpoint &e)
{
    auto c = std::make_unique<httplib::Client>(e.host.toStdString(), e.port);
    c->set_keep_alive(true);
    return c;
}

// One keep-alive client per worker thread and service: a worker forwards
// one request at a time, and its connection ends with the thread (a kill
// of the replica ends its workers, so its connections too).
httplib::Client &clientFor(quint64 id, const ExternalEndpoint &e)
{
    thread_local std::unordered_map<quint64, std::unique_ptr<httplib::Client>> clients;
    std::unique_ptr<httplib::Client> &c = clients[id];
    if (!c)
        c = makeClient(e);
    return *c;
}

void setTimeouts(httplib::Client &c, Duration budget)
{
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(budget);
    c.set_connection_timeout(us);
    c.set_read_timeout(us);
    c.set_write_timeout(us);
}

// W3C Trace Context, "traceparent": version "00", the 32-hex-digit
// trace-id, the 16-hex-digit parent-id of the caller's span and flags
// (https://www.w3.org/TR/trace-context/#traceparent-header). A traced
// request names its trace and the span it hangs under, so the process's
// own spans join the same trace; an untraced one passes on the header it
// came with, if any, unchanged.
std::string traceparentFor(const Request &request)
{
    if (request.trace)
        return formatTraceparent(request.trace->id(),
                                 request.parentSpanId ? request.parentSpanId : newSpanId())
            .toStdString();
    return request.traceparent.toStdString();
}

QString describeError(httplib::Error e)
{
    switch (e) {
    case httplib::Error::Connection:
        return QStringLiteral("connection refused");
    case httplib::Error::ConnectionTimeout:
        return QStringLiteral("connect timed out");
    case httplib::Error::Read:
        return QStringLiteral("no answer (connection closed or read timed out)");
    case httplib::Error::Write:
        return QStringLiteral("could not send the request (connection closed)");
    default:
        return QString::fromStdString(httplib::to_string(e));
    }
}

} // namespace

ExternalService::ExternalService(ServiceSpec spec)
    : m_spec(std::move(spec)),
      m_id(nextId.fetch_add(1)), m_kind{m_spec.name, GenericService::ApplicationId, 1, ""},
      m_healthPeriod(m_spec.config.health.probePeriod > Duration::zero()
                         ? m_spec.config.health.probePeriod
                         : milliseconds(1000))
{
}

ExternalService::~ExternalService()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_health.joinable())
        m_health.join();
}

QString ExternalService::where() const
{
    return m_spec.external.url;
}

void ExternalService::migrate(Database &db)
{
    // As a generic service with no tables: the file is stamped as this
    // service's and holds nothing.
    prepareServiceFile(db, m_kind, [](Database &) {});
    std::call_once(m_started, [this] { startHealthChecks(); });
}

void ExternalService::startHealthChecks()
{
    m_health = std::thread([this] { healthLoop(); });
}

void ExternalService::healthLoop()
{
    engineThreadStarted();
    std::unique_ptr<httplib::Client> client = makeClient(m_spec.external);
    // A probe that waits longer than a period would fall behind its own schedule.
    setTimeouts(*client, std::min<Duration>(m_healthPeriod, milliseconds(1000)));
    const std::string path = m_spec.external.healthPath.toStdString();
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        lock.unlock();
        QString why;
        const httplib::Result res = client->Get(path);
        if (!res)
            why = QStringLiteral("GET %1%2: %3")
                      .arg(where(), m_spec.external.healthPath, describeError(res.error()));
        else if (res->status < 200 || res->status >= 300)
            why = QStringLiteral("GET %1%2 answered %3")
                      .arg(where(), m_spec.external.healthPath)
                      .arg(res->status);
        lock.lock();
        m_unready = why;
        m_wake.wait_for(lock, m_healthPeriod, [this] { return m_stop; });
    }
}

QString ExternalService::unready() const
{
    std::lock_guard lock(m_mutex);
    return m_unready;
}

Response ExternalService::handle(const Request &request, WorkerContext &ctx)
{
    const GenericRoute *route = nullptr;
    for (const GenericRoute &r : m_spec.routes)
        if (r.spec.key() == request.route)
            route = &r;
    if (!route)
        return Response::error(404,
                               QStringLiteral("%1 has no route %2").arg(name(), request.route));
    const TimePoint start = Clock::now();
    const Duration budget = request.deadline == TimePoint::max()
                                ? MaxWait
                                : std::min<Duration>(MaxWait, request.deadline - start);
    if (budget <= Duration::zero())
        return Response::error(
            504,
            QStringLiteral("timeout: no time left to call external %1 at %2").arg(name(), where()),
            Outcome::Timeout);

    httplib::Client &client = clientFor(m_id, m_spec.external);
    setTimeouts(client, budget);
    httplib::Headers headers{{"Accept", "application/json"},
                             {"X-Microcosm-Replica", ctx.replicaName().toStdString()}};
    if (!request.idempotencyKey.isEmpty())
        headers.emplace("Idempotency-Key", request.idempotencyKey.toStdString());
    if (const std::string tp = traceparentFor(request); !tp.empty())
        headers.emplace("traceparent", tp);
    const std::string path = request.path.toStdString();
    std::string body;
    if (takesBody(request.method)) {
        // An object or an array as its compact text (text a caller wrote is sent as written).
        if (request.body.isObject() || request.body.isArray())
            body = request.body.toJson().toStdString();
        else
            body = "{}";
    }
    const char *json = "application/json";
    httplib::Result res =
        request.method == QLatin1String("GET")     ? client.Get(path, headers)
        : request.method == QLatin1String("POST")  ? client.Post(path, headers, body, json)
        : request.method == QLatin1String("PUT")   ? client.Put(path, headers, body, json)
        : request.method == QLatin1String("PATCH") ? client.Patch(path, headers, body, json)
                                                   : client.Delete(path, headers, body, json);
    const TimePoint end = Clock::now();
    const QString target = where() + request.path;

    Response out;
    if (!res) {
        const httplib::Error e = res.error();
        const qint64 waited = std::llround(toMs(end - start));
        if (e == httplib::Error::Connection)
            out = Response::error(
                503,
                QStringLiteral("external %1 down: connection refused at %2").arg(name(), where()),
                Outcome::ServerError);
        // cpp-httplib reports a read timeout as Error::Read, like a closed
        // connection; its poll() may wake a little before the budget (it
        // rounds to its own units), so a read that failed within 10 ms of
        // the budget timed out.
        else if (e == httplib::Error::ConnectionTimeout ||
                 (e == httplib::Error::Read && end - start >= budget - milliseconds(10)) ||
                 end >= request.deadline)
            out = Response::error(504,
                                  QStringLiteral("timeout: external %1 did not answer %2 in %3 ms")
                                      .arg(name(), target)
                                      .arg(waited),
                                  Outcome::Timeout);
        else
            out = Response::error(
                502, QStringLiteral("external %1 at %2: %3").arg(name(), target, describeError(e)));
    } else {
        const QByteArray text = QByteArray::fromStdString(res->body);
        QJsonParseError parse;
        const QJsonDocument doc =
            text.trimmed().isEmpty() ? QJsonDocument() : QJsonDocument::fromJson(text, &parse);
        const bool empty = text.trimmed().isEmpty();
        if (!empty && doc.isNull()) {
            out = Response::error(
                502, QStringLiteral("external %1 answered %2 with status %3 and a body that is "
                                    "not JSON (%4 at byte %5; Content-Type \"%6\")")
                         .arg(name(), target)
                         .arg(res->status)
                         .arg(parse.errorString())
                         .arg(parse.offset)
                         .arg(QString::fromStdString(res->get_header_value("Content-Type"))));
        } else {
            const QJsonValue value = doc.isArray()    ? QJsonValue(doc.array())
                                     : doc.isObject() ? QJsonValue(doc.object())
                                                      : QJsonValue();
            if (res->status >= 200 && res->status < 300) {
                out = Response::make(res->status, value);
            } else {
                // The process's own reason when it gives one ({"error": …} or {"reason": …}).
                const QJsonObject o = value.toObject();
                QString why = o.value(QStringLiteral("error")).toString();
                if (why.isEmpty())
                    why = o.value(QStringLiteral("reason")).toString();
                if (why.isEmpty())
                    why = QStringLiteral("answered %1").arg(res->status);
                out = Response::error(res->status,
                                      QStringLiteral("external %1: %2").arg(name(), why));
                out.body = value;
            }
        }
    }
    ctx.span(QStringLiteral("HTTP → %1").arg(where()), start, end,
             QStringLiteral("%1 → %2").arg(request.label()).arg(out.status));
    return out;
}

} // namespace microcosm
