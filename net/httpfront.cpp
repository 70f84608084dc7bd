#include "httpfront.h"

#include "gateway.h"
#include "platform.h"
#include "traceexport.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>
#include <QUrlQuery>

#include <atomic>
#include <map>
#include <shared_mutex>

static void initWebResources()
{
    Q_INIT_RESOURCE(web);
}

namespace microcosm::net {

namespace {

constexpr QByteArrayView allowedMethods = "GET, POST, DELETE";

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// RFC 3986 section 2.1: '%' followed by exactly two hex digits; anything
// else after a '%' is a bad encoding. Returns false on one.
bool percentDecode(QByteArrayView in, QByteArray *out)
{
    out->clear();
    out->reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c != '%') {
            out->append(c);
            continue;
        }
        if (i + 2 >= in.size())
            return false;
        const int hi = hexDigit(in[i + 1]), lo = hexDigit(in[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        out->append(char(hi * 16 + lo));
        i += 2;
    }
    return true;
}

// Strict UTF-8: a decoder error is a bad request, not a replacement character.
std::optional<QString> utf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString s = decoder(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return s;
}

bool hasControl(const QString &s)
{
    for (QChar c : s)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return true;
    return false;
}

// What an answer without a body says on the wire: an empty object.
QByteArray jsonText(const Body &body)
{
    return body.isUndefined() || body.isNull() ? QByteArray("{}") : body.toJson();
}

QString ordinal(qsizetype i)
{
    return QString::number(i + 1);
}

} // namespace

struct HttpFront::State
{
    std::atomic<std::uint64_t> requests{0}, toGateway{0}, staticFiles{0}, endpoints{0}, refused{0},
        s2xx{0}, s3xx{0}, s4xx{0}, s5xx{0}, orders{0};
    mutable std::shared_mutex endpointsLock;
    std::map<std::pair<QByteArray, QByteArray>, EndpointHandler> endpointHandlers;
    std::function<void(const QString &)> onOrder;

    void count(int status)
    {
        ++(status >= 500 ? s5xx : status >= 400 ? s4xx : status >= 300 ? s3xx : s2xx);
    }
};

HttpFront::HttpFront(Platform &platform, HttpFrontOptions options)
    : m_platform(platform), m_options(std::move(options)), m_state(std::make_shared<State>())
{
    initWebResources();
    m_state->onOrder = m_options.onOrderAcknowledged;
}

HttpFront::~HttpFront()
{
    stop();
}

void HttpFront::addEndpoint(const QByteArray &method, const QByteArray &path,
                            EndpointHandler handler)
{
    std::unique_lock lock(m_state->endpointsLock);
    m_state->endpointHandlers[{method, path}] = std::move(handler);
}

bool HttpFront::start(QString *error)
{
    if (m_server && m_server->isListening())
        return true;
    m_server = std::make_unique<HttpServer>(m_options.limits, m_options.ioThreads);
    m_server->setHandler(
        [this](const HttpRequest &request, Responder respond) { handle(request, respond); });
    if (!m_server->listen(m_options.address, m_options.port, error)) {
        m_server.reset();
        return false;
    }
    return true;
}

void HttpFront::stop()
{
    if (m_server)
        m_server->stop(); // joins the io threads: handle() runs no more
}

bool HttpFront::isListening() const
{
    return m_server && m_server->isListening();
}

quint16 HttpFront::port() const
{
    return m_server ? m_server->port() : 0;
}

QString HttpFront::address() const
{
    return m_options.address;
}

QString HttpFront::url() const
{
    const QString host = m_options.address.contains(QLatin1Char(':'))
                             ? QStringLiteral("[%1]").arg(m_options.address)
                             : m_options.address;
    return QStringLiteral("http://%1:%2/").arg(host).arg(port());
}

const HttpFrontOptions &HttpFront::options() const
{
    return m_options;
}

HttpFrontStats HttpFront::stats() const
{
    HttpFrontStats s;
    if (m_server)
        s.server = m_server->stats();
    const State &st = *m_state;
    s.requests = st.requests;
    s.toGateway = st.toGateway;
    s.staticFiles = st.staticFiles;
    s.endpoints = st.endpoints;
    s.refusedByFront = st.refused;
    s.status2xx = st.s2xx;
    s.status3xx = st.s3xx;
    s.status4xx = st.s4xx;
    s.status5xx = st.s5xx;
    s.ordersAcknowledged = st.orders;
    return s;
}

HttpResponse HttpFront::errorResponse(int status, const QString &reason)
{
    HttpResponse r;
    r.status = status;
    r.body = QJsonDocument(
                 QJsonObject{{QStringLiteral("status"), status}, {QStringLiteral("error"), reason}})
                 .toJson(QJsonDocument::Compact);
    r.headers.append(header("X-Microcosm-Reason", headerSafe(reason)));
    return r;
}

QByteArray HttpFront::headerSafe(const QString &reason)
{
    QByteArray out;
    out.reserve(reason.size());
    for (QChar c : reason) {
        if (c == QChar(0x2192)) // "order→product" reads as "order->product"
            out.append("->");
        else if (c.unicode() >= 0x20 && c.unicode() < 0x7f)
            out.append(char(c.unicode()));
        else if (c == QLatin1Char('\t') || c == QLatin1Char('\n') || c == QLatin1Char('\r'))
            out.append(' ');
        else
            out.append('?');
        if (out.size() >= 300)
            break;
    }
    return out.trimmed();
}

QByteArray HttpFront::contentTypeFor(const QString &fileName)
{
    const QString ext = QFileInfo(fileName).suffix().toLower();
    static const std::map<QString, QByteArray> types{
        {QStringLiteral("html"), "text/html; charset=utf-8"},
        {QStringLiteral("htm"), "text/html; charset=utf-8"},
        {QStringLiteral("js"), "text/javascript; charset=utf-8"},
        {QStringLiteral("mjs"), "text/javascript; charset=utf-8"},
        {QStringLiteral("css"), "text/css; charset=utf-8"},
        {QStringLiteral("json"), "application/json"},
        {QStringLiteral("svg"), "image/svg+xml"},
        {QStringLiteral("png"), "image/png"},
        {QStringLiteral("jpg"), "image/jpeg"},
        {QStringLiteral("jpeg"), "image/jpeg"},
        {QStringLiteral("webp"), "image/webp"},
        {QStringLiteral("ico"), "image/x-icon"},
        {QStringLiteral("txt"), "text/plain; charset=utf-8"},
        {QStringLiteral("woff2"), "font/woff2"}};
    const auto it = types.find(ext);
    return it == types.end() ? QByteArray("application/octet-stream") : it->second;
}

QString HttpFront::staticResource(const QByteArray &target)
{
    const qsizetype q = target.indexOf('?');
    QByteArray decoded;
    if (!percentDecode(q < 0 ? target : target.left(q), &decoded) || !decoded.startsWith('/'))
        return {};
    const std::optional<QString> path = utf8(decoded);
    if (!path)
        return {};
    QString relative = path->mid(1);
    if (relative.isEmpty() || relative.endsWith(QLatin1Char('/')))
        relative += QStringLiteral("index.html");
    // No way out of the storefront's folder: no "." or ".." or empty segment,
    // no backslash, no control character.
    const QStringList segments = relative.split(QLatin1Char('/'));
    for (const QString &s : segments)
        if (s.isEmpty() || s == QLatin1String(".") || s == QLatin1String("..") ||
            s.contains(QLatin1Char('\\')) || hasControl(s))
            return {};
    const QString resource = QStringLiteral(":/web/") + relative;
    return QFileInfo(resource).isFile() ? resource : QString();
}

std::optional<Request> HttpFront::toRequest(const HttpRequest &http,
                                            const HttpFrontOptions &options, HttpResponse *refusal)
{
    auto refuse = [&](int status, const QString &reason) -> std::optional<Request> {
        *refusal = errorResponse(status, reason);
        return std::nullopt;
    };
    if (http.method != "GET" && http.method != "POST" && http.method != "DELETE") {
        refuse(405, QStringLiteral("method %1 is not allowed; the shop answers %2")
                        .arg(QString::fromLatin1(http.method.left(32)),
                             QString::fromLatin1(allowedMethods)));
        refusal->headers.append(header("Allow", allowedMethods.toByteArray()));
        return std::nullopt;
    }
    if (http.target.size() > options.maxTargetBytes)
        return refuse(414, QStringLiteral("the request target is %1 bytes; at most %2 are read")
                               .arg(http.target.size())
                               .arg(options.maxTargetBytes));
    if (!http.target.startsWith('/'))
        return refuse(400, QStringLiteral("the request target must be a path starting with '/'"));
    if (http.target.contains('#'))
        return refuse(400, QStringLiteral("the request target must not contain a fragment ('#')"));

    // The path, one segment at a time: each decoded on its own, so an
    // encoded '/' cannot make a new segment.
    const qsizetype q = http.target.indexOf('?');
    const QByteArray rawPath = q < 0 ? http.target : http.target.left(q);
    const QByteArray rawQuery = q < 0 ? QByteArray() : http.target.mid(q + 1);
    QStringList segments;
    const QList<QByteArray> rawSegments = rawPath.split('/');
    for (const QByteArray &raw : rawSegments) {
        if (raw.isEmpty())
            continue;
        const qsizetype i = segments.size();
        QByteArray bytes;
        if (!percentDecode(raw, &bytes))
            return refuse(400, QStringLiteral("bad percent-encoding in path segment %1 "
                                              "('%' must be followed by two hex digits)")
                                   .arg(ordinal(i)));
        const std::optional<QString> segment = utf8(bytes);
        if (!segment)
            return refuse(400,
                          QStringLiteral("path segment %1 is not valid UTF-8").arg(ordinal(i)));
        if (segment->size() > options.maxSegmentChars)
            return refuse(400, QStringLiteral("path segment %1 is %2 characters long; an id has "
                                              "at most %3")
                                   .arg(ordinal(i))
                                   .arg(segment->size())
                                   .arg(options.maxSegmentChars));
        if (segment->contains(QLatin1Char('/')) || segment->contains(QLatin1Char('?')) ||
            hasControl(*segment))
            return refuse(400, QStringLiteral("path segment %1 decodes to '/', '?' or a control "
                                              "character")
                                   .arg(ordinal(i)));
        if (*segment == QLatin1String(".") || *segment == QLatin1String(".."))
            return refuse(400, QStringLiteral("path segment %1 is '%2'").arg(ordinal(i), *segment));
        segments << *segment;
    }
    // The query stays encoded (the gateway's router decodes it) but must decode.
    const QList<QByteArray> pairs = rawQuery.split('&');
    for (const QByteArray &pair : pairs) {
        QByteArray bytes;
        QByteArray plus = pair;
        plus.replace('+', ' ');
        if (!percentDecode(plus, &bytes))
            return refuse(400, QStringLiteral("bad percent-encoding in the query "
                                              "('%' must be followed by two hex digits)"));
        const std::optional<QString> text = utf8(bytes);
        if (!text)
            return refuse(400, QStringLiteral("the query is not valid UTF-8"));
        if (text->size() > options.maxSegmentChars + 64)
            return refuse(400, QStringLiteral("a query parameter is %1 characters long; at "
                                              "most %2 are read")
                                   .arg(text->size())
                                   .arg(options.maxSegmentChars + 64));
        if (hasControl(*text))
            return refuse(400, QStringLiteral("the query decodes to a control character"));
    }

    Request r;
    r.method = QString::fromLatin1(http.method);
    r.path = QLatin1Char('/') + segments.join(QLatin1Char('/'));
    if (q >= 0)
        r.path += QLatin1Char('?') + QString::fromLatin1(rawQuery);
    r.caller = QStringLiteral("http");
    r.traceparent = http.header("traceparent").trimmed().left(256);

    const QByteArray key = http.header("Idempotency-Key").trimmed();
    for (char c : key)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return refuse(400, QStringLiteral("header Idempotency-Key must be visible ASCII "
                                              "characters without spaces"));
    r.idempotencyKey = QString::fromLatin1(key);

    // RFC 9112 section 6.3: a request body is framed by Content-Length or
    // chunked Transfer-Encoding; a POST with neither cannot say its length.
    if (http.method == "POST" && !http.hasHeader("Content-Length") &&
        !http.hasHeader("Transfer-Encoding"))
        return refuse(411, QStringLiteral("a POST needs a Content-Length header (or a chunked "
                                          "body)"));
    if (!http.body.isEmpty()) {
        const QByteArray type = http.header("Content-Type");
        const QByteArray media =
            type.left(type.indexOf(';') < 0 ? type.size() : type.indexOf(';')).trimmed().toLower();
        if (media != "application/json")
            return refuse(415, type.isEmpty()
                                   ? QStringLiteral("the body must be application/json; the "
                                                    "request has no Content-Type")
                                   : QStringLiteral("the body must be application/json, not '%1'")
                                         .arg(QString::fromLatin1(
                                             headerSafe(QString::fromLatin1(type.left(100))))));
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(http.body, &error);
        if (error.error != QJsonParseError::NoError)
            return refuse(400, QStringLiteral("bad JSON body at byte %1: %2")
                                   .arg(error.offset)
                                   .arg(error.errorString()));
        if (doc.isObject())
            r.body = doc.object();
        else if (doc.isArray())
            r.body = doc.array();
        else
            return refuse(400, QStringLiteral("the JSON body must be an object or an array"));
    }
    return r;
}

HttpResponse HttpFront::toHttp(const Response &response)
{
    HttpResponse h;
    if (response.ok()) {
        h.status = response.status;
        h.body = jsonText(response.body);
    } else {
        QString reason = response.reason;
        const QJsonObject body = response.body.toObject();
        if (reason.isEmpty())
            reason = body.value(QStringLiteral("reason")).toString();
        if (reason.isEmpty())
            reason = body.value(QStringLiteral("error")).toString();
        if (reason.isEmpty())
            reason = QString::fromLatin1(HttpServer::reasonPhrase(response.status));
        const int status = response.status >= 100 && response.status <= 599 ? response.status : 502;
        h = errorResponse(status, reason);
    }
    h.headers.append(
        header("X-Microcosm-Latency-Ms",
               QByteArray::number(
                   std::chrono::duration<double, std::milli>(response.latency).count(), 'f', 3)));
    if (!response.traceId.isEmpty())
        h.headers.append(header("X-Trace-Id", response.traceId.toLatin1()));
    if (response.replayed)
        h.headers.append(header("Idempotent-Replayed", "true"));
    if (response.ok() && !response.location.isEmpty())
        h.headers.append(header("Location", headerSafe(response.location)));
    if (response.fallback)
        h.headers.append(header("X-Microcosm-Fallback", "true"));
    return h;
}

void HttpFront::handle(const HttpRequest &request, Responder respond)
{
    State &state = *m_state;
    ++state.requests;
    const qsizetype q = request.target.indexOf('?');
    const QByteArray path = q < 0 ? request.target : request.target.left(q);
    EndpointHandler endpoint;
    {
        std::shared_lock lock(state.endpointsLock);
        const auto it = state.endpointHandlers.find({request.method, path});
        if (it != state.endpointHandlers.end())
            endpoint = it->second;
    }
    if (endpoint) {
        ++state.endpoints;
        HttpResponse r = endpoint(request);
        state.count(r.status);
        respond(std::move(r));
        return;
    }
    if (request.method == "GET") {
        const QString resource = staticResource(request.target);
        if (!resource.isEmpty()) {
            QFile file(resource);
            if (file.open(QIODevice::ReadOnly)) {
                HttpResponse r;
                r.contentType = contentTypeFor(resource);
                r.body = file.readAll();
                r.headers.append(header("Cache-Control", "no-cache"));
                ++state.staticFiles;
                state.count(r.status);
                respond(std::move(r));
                return;
            }
        }
    }
    HttpResponse refusal;
    std::optional<Request> gatewayRequest = toRequest(request, m_options, &refusal);
    if (!gatewayRequest) {
        ++state.refused;
        state.count(refusal.status);
        respond(std::move(refusal));
        return;
    }
    ++state.toGateway;
    const bool checkout = gatewayRequest->method == QLatin1String("POST") &&
                          gatewayRequest->path == QLatin1String("/orders");
    m_platform.gateway().submit(
        std::move(*gatewayRequest),
        [state = m_state, respond = std::move(respond), checkout](Response r) {
            if (checkout && r.status == 201) {
                const QString id = r.body.toObject().value(QStringLiteral("id")).toString();
                if (!id.isEmpty()) {
                    ++state->orders;
                    if (state->onOrder)
                        state->onOrder(id);
                }
            }
            HttpResponse h = toHttp(r);
            state->count(h.status);
            respond(std::move(h));
        });
}

void addTracesEndpoint(HttpFront &front, const Platform &platform)
{
    const Platform *p = &platform;
    front.addEndpoint("GET", "/traces", [p](const HttpRequest &request) {
        const qsizetype q = request.target.indexOf('?');
        const QUrlQuery query(q < 0 ? QString() : QString::fromUtf8(request.target.mid(q + 1)));
        const QString name = query.hasQueryItem(QStringLiteral("format"))
                                 ? query.queryItemValue(QStringLiteral("format"))
                                 : QStringLiteral("otlp");
        QString error;
        const std::optional<TraceFormat> format = traceFormatFromName(name, &error);
        if (!format)
            return HttpFront::errorResponse(400, QStringLiteral("format: ") + error);
        HttpResponse r;
        r.body = exportTraces(*p, *format);
        return r;
    });
}

} // namespace microcosm::net
