#include "httpserver.h"

#include "enginethreads.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace microcosm::net {

namespace {

QByteArray firstHeader(const QList<QPair<QByteArray, QByteArray>> &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

// Header values go out on one line: CR, LF and other control bytes would
// split the response (RFC 9110 section 5.5: field values are visible
// characters, spaces and tabs).
std::string fieldValue(const QByteArray &value)
{
    std::string out = value.toStdString();
    for (char &c : out)
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
            c = ' ';
    return out;
}

// The state a responder may still reach once the server is gone.
struct Shared
{
    std::shared_mutex lock; // held shared while posting an answer, exclusively by stop()
    bool stopped = false;
    std::atomic<std::uint64_t> open{0}, accepted{0}, refused{0}, requests{0}, malformed{0},
        headerTooLarge{0}, bodyTooLarge{0}, timeouts{0}, dropped{0};
};

using RequestParser = http::request_parser<http::string_body>;

void applyLimits(RequestParser &parser, const HttpLimits &limits)
{
    parser.header_limit(std::uint32_t(std::clamp<qsizetype>(limits.maxHeaderBytes, 1, INT32_MAX)));
    parser.body_limit(std::uint64_t(std::max<qsizetype>(limits.maxBodyBytes, 0)));
}

HttpRequest toHttpRequest(const http::request<http::string_body> &message)
{
    HttpRequest request;
    request.method =
        QByteArray(message.method_string().data(), qsizetype(message.method_string().size()));
    request.target = QByteArray(message.target().data(), qsizetype(message.target().size()));
    for (const auto &field : message)
        request.headers.append(
            {QByteArray(field.name_string().data(), qsizetype(field.name_string().size())),
             QByteArray(field.value().data(), qsizetype(field.value().size()))});
    request.body = QByteArray::fromStdString(message.body());
    return request;
}

// The answer to a parse error: 431, 413 or 400 with the reason; 0 for an
// error that is not the request's fault (the connection went away).
int statusForParseError(beast::error_code ec, const HttpLimits &limits, QString *reason)
{
    if (ec == http::error::header_limit) {
        *reason = QStringLiteral("the request's header is larger than %1 bytes")
                      .arg(limits.maxHeaderBytes);
        return 431;
    }
    if (ec == http::error::body_limit) {
        *reason =
            QStringLiteral("the request's body is larger than %1 bytes").arg(limits.maxBodyBytes);
        return 413;
    }
    if (ec && ec != http::error::need_more && ec != http::error::end_of_stream &&
        ec != http::error::partial_message &&
        ec.category() == http::make_error_code(http::error::bad_method).category()) {
        *reason =
            QStringLiteral("malformed HTTP request: %1").arg(QString::fromStdString(ec.message()));
        return 400;
    }
    return 0;
}

} // namespace

int HttpServer::parse(QByteArrayView bytes, const HttpLimits &limits,
                      const std::function<void(const HttpRequest &)> &each, QString *reason,
                      int maxRequests)
{
    qsizetype offset = 0;
    for (int n = 0; n < maxRequests && offset < bytes.size(); ++n) {
        RequestParser parser;
        applyLimits(parser, limits);
        beast::error_code ec;
        while (!parser.is_done() && offset < bytes.size()) {
            const std::size_t used = parser.put(
                asio::buffer(bytes.data() + offset, std::size_t(bytes.size() - offset)), ec);
            offset += qsizetype(used);
            if (ec == http::error::need_more) {
                ec = {};
                if (used == 0)
                    return 0; // a request not finished yet: a connection would wait
                continue;
            }
            if (ec)
                return statusForParseError(ec, limits, reason);
        }
        if (!parser.is_done())
            return 0;
        each(toHttpRequest(parser.get()));
    }
    return 0;
}

QByteArray HttpRequest::header(QByteArrayView name) const
{
    return firstHeader(headers, name);
}

bool HttpRequest::hasHeader(QByteArrayView name) const
{
    for (const auto &header : headers)
        if (header.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    return firstHeader(headers, name);
}

QByteArray HttpServer::reasonPhrase(int status)
{
    const auto phrase = http::obsolete_reason(static_cast<http::status>(status));
    return QByteArray(phrase.data(), qsizetype(phrase.size()));
}

bool HttpServer::isIpAddress(const QString &text)
{
    beast::error_code ec;
    asio::ip::make_address(text.toStdString(), ec);
    return !ec;
}

bool HttpServer::isLoopback(const QString &text)
{
    beast::error_code ec;
    const asio::ip::address a = asio::ip::make_address(text.toStdString(), ec);
    return !ec && a.is_loopback();
}

class HttpSession;

struct HttpServer::Impl
{
    HttpLimits limits;
    int ioThreads = 2;
    asio::io_context ioc; // declared first, destroyed last: sessions in its queue die with it
    std::optional<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    Handler handler;
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
    std::mutex sessionsLock;
    std::unordered_map<HttpSession *, std::shared_ptr<HttpSession>> sessions;
    std::atomic<quint16> port{0};
    QString address;
    std::atomic<bool> listening{false};

    void accept();
    void onAccepted(tcp::socket socket);
    void forget(HttpSession *session)
    {
        std::lock_guard lock(sessionsLock);
        sessions.erase(session);
    }
};

// One connection: reads a request, hands it to the handler, writes its
// answer when the responder posts it, then reads the next (keep-alive).
// Runs only on its strand; at most one request is in flight at a time
// (pipelined requests wait in the buffer).
class HttpSession : public std::enable_shared_from_this<HttpSession>
{
public:
    HttpSession(tcp::socket socket, HttpServer::Impl *server)
        : m_stream(std::move(socket)), m_server(server), m_shared(server->shared)
    {
        ++m_shared->open;
    }
    ~HttpSession() { --m_shared->open; }

    void start()
    {
        asio::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->readNext(); });
    }
    void refuse()
    {
        asio::dispatch(m_stream.get_executor(), [self = shared_from_this()] {
            self->answerError(503, QStringLiteral("too many connections (the limit is %1)")
                                       .arg(self->m_server->limits.maxConnections));
        });
    }
    asio::any_io_executor executor() { return m_stream.get_executor(); }

    // On the strand: the handler's answer.
    void write(HttpResponse response)
    {
        if (!m_awaiting || m_closed) {
            ++m_shared->dropped;
            return;
        }
        m_awaiting = false;
        auto message = std::make_shared<http::response<http::string_body>>();
        message->version(11);
        const int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
        message->result(static_cast<unsigned>(status));
        message->set(http::field::server, "Microcosm");
        if (!response.contentType.isEmpty())
            message->set(http::field::content_type, fieldValue(response.contentType));
        for (const auto &[name, value] : response.headers)
            message->insert(fieldValue(name), fieldValue(value));
        message->body() = response.body.toStdString();
        message->keep_alive(m_keepAlive);
        // An HTTP/1.0 client (ab -k) keeps the connection only when told so;
        // an HTTP/1.1 answer implies it (RFC 9112 section 9.3).
        if (m_keepAlive && m_requestVersion == 10)
            message->set(http::field::connection, "keep-alive");
        message->prepare_payload();
        m_stream.expires_after(m_server->limits.readTimeout);
        http::async_write(m_stream, *message,
                          [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                              if (ec || !message->keep_alive())
                                  self->close();
                              else
                                  self->readNext();
                          });
    }

private:
    void readNext()
    {
        m_parser.emplace();
        applyLimits(*m_parser, m_server->limits);
        if (m_buffer.size() > 0) { // a pipelined request already arrived
            readRest();
            return;
        }
        // Idle until the first byte of the next request; from then on the
        // whole request must arrive within the read timeout (slowloris).
        m_stream.expires_after(m_server->limits.idleTimeout);
        m_stream.async_read_some(m_buffer.prepare(4096),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                     if (ec) {
                                         if (ec == beast::error::timeout)
                                             ++self->m_shared->timeouts;
                                         self->close();
                                         return;
                                     }
                                     self->m_buffer.commit(n);
                                     self->readRest();
                                 });
    }

    void readRest()
    {
        m_stream.expires_after(m_server->limits.readTimeout);
        http::async_read(
            m_stream, m_buffer, *m_parser,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
    }

    void onRead(beast::error_code ec)
    {
        if (ec == beast::error::timeout) {
            ++m_shared->timeouts;
            close();
            return;
        }
        if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
            close(); // the client went away, mid-request or not
            return;
        }
        if (ec) {
            QString reason;
            const int status = statusForParseError(ec, m_server->limits, &reason);
            if (status == 0) {
                close();
                return;
            }
            ++(status == 431   ? m_shared->headerTooLarge
               : status == 413 ? m_shared->bodyTooLarge
                               : m_shared->malformed);
            answerError(status, reason);
            return;
        }
        const HttpRequest request = toHttpRequest(m_parser->get());
        m_keepAlive = m_parser->get().keep_alive();
        m_requestVersion = m_parser->get().version();
        m_awaiting = true;
        m_stream.expires_never(); // the handler answers within the gateway's own deadline
        ++m_shared->requests;
        dispatch(request);
    }

    void dispatch(const HttpRequest &request);

    // An error the server answers itself; the connection closes after it.
    void answerError(int status, const QString &reason)
    {
        m_awaiting = true;
        m_keepAlive = false;
        HttpResponse r;
        r.status = status;
        r.body = QJsonDocument(QJsonObject{{QStringLiteral("status"), status},
                                           {QStringLiteral("error"), reason}})
                     .toJson(QJsonDocument::Compact);
        r.headers.append(header("X-Microcosm-Reason", reason.toLatin1()));
        write(std::move(r));
    }

    void close()
    {
        if (m_closed)
            return;
        m_closed = true;
        beast::error_code ignored;
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        m_stream.close();
        m_server->forget(this);
    }

    beast::tcp_stream m_stream;
    HttpServer::Impl *m_server; // outlives every handler that runs on an io thread
    std::shared_ptr<Shared> m_shared;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    bool m_keepAlive = true;
    unsigned m_requestVersion = 11;
    bool m_awaiting = false; // a request is waiting for its answer
    bool m_closed = false;
};

namespace {

// The one answer to one request, from whichever thread gives it.
struct PendingAnswer
{
    std::weak_ptr<HttpSession> session;
    std::shared_ptr<Shared> shared;
    std::atomic<bool> done{false};

    void answer(HttpResponse response)
    {
        if (done.exchange(true))
            return;
        std::shared_lock lock(shared->lock);
        std::shared_ptr<HttpSession> s = shared->stopped ? nullptr : session.lock();
        if (!s) {
            ++shared->dropped;
            return;
        }
        const asio::any_io_executor executor = s->executor();
        asio::post(executor, [s = std::move(s), response = std::move(response)]() mutable {
            s->write(std::move(response));
        });
    }
    ~PendingAnswer()
    {
        if (!done.load()) {
            HttpResponse r;
            r.status = 500;
            r.body = R"({"status":500,"error":"the request's handler did not answer"})";
            r.headers.append(header("X-Microcosm-Reason", "the request's handler did not answer"));
            answer(std::move(r));
        }
    }
};

} // namespace

void HttpSession::dispatch(const HttpRequest &request)
{
    auto pending = std::make_shared<PendingAnswer>();
    pending->session = weak_from_this();
    pending->shared = m_shared;
    Responder responder = [pending](HttpResponse r) { pending->answer(std::move(r)); };
    if (!m_server->handler) {
        HttpResponse r;
        r.status = 404;
        r.body = R"({"status":404,"error":"nothing is served here"})";
        responder(std::move(r));
        return;
    }
    try {
        m_server->handler(request, responder);
    } catch (const std::exception &e) {
        HttpResponse r;
        r.status = 500;
        const QString reason = QStringLiteral("the handler failed: %1").arg(e.what());
        r.body = QJsonDocument(QJsonObject{{QStringLiteral("status"), 500},
                                           {QStringLiteral("error"), reason}})
                     .toJson(QJsonDocument::Compact);
        responder(std::move(r));
    }
}

void HttpServer::Impl::accept()
{
    acceptor->async_accept(
        asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !acceptor->is_open())
                return;
            if (!ec) {
                onAccepted(std::move(socket));
                accept();
                return;
            }
            // Out of file descriptors or the like: try again shortly, not in a tight loop.
            auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(20));
            timer->async_wait([this, timer](beast::error_code) {
                if (acceptor->is_open())
                    accept();
            });
        });
}

void HttpServer::Impl::onAccepted(tcp::socket socket)
{
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<HttpSession>(std::move(socket), this);
    {
        std::lock_guard lock(sessionsLock);
        if (qsizetype(sessions.size()) >= limits.maxConnections) {
            ++shared->refused;
            session->refuse(); // kept alive by its own handlers, not counted
            return;
        }
        sessions.emplace(session.get(), session);
    }
    ++shared->accepted;
    session->start();
}

HttpServer::HttpServer(HttpLimits limits, int ioThreads) : d(std::make_shared<Impl>())
{
    d->limits = limits;
    d->ioThreads = std::max(1, ioThreads);
}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::setHandler(Handler handler)
{
    d->handler = std::move(handler);
}

bool HttpServer::listen(const QString &address, quint16 port, QString *error)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3").arg(address).arg(port).arg(why);
        d->acceptor.reset();
        return false;
    };
    if (d->listening || d->shared->stopped)
        return fail(QStringLiteral("the server was already started"));
    beast::error_code ec;
    const asio::ip::address ip = asio::ip::make_address(address.toStdString(), ec);
    if (ec)
        return fail(QStringLiteral("'%1' is not an IP address").arg(address));
    const tcp::endpoint endpoint(ip, port);
    d->acceptor.emplace(d->ioc);
    d->acceptor->open(endpoint.protocol(), ec);
    if (!ec)
        d->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        d->acceptor->bind(endpoint, ec);
    if (!ec)
        d->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return fail(QString::fromStdString(ec.message()));
    d->port = d->acceptor->local_endpoint().port();
    d->address = address;
    d->listening = true;
    d->accept();
    for (int i = 0; i < d->ioThreads; ++i)
        d->threads.emplace_back([impl = d.get()] {
            engineThreadStarted();
            impl->ioc.run();
        });
    return true;
}

quint16 HttpServer::port() const
{
    return d->port;
}

QString HttpServer::address() const
{
    return d->address;
}

bool HttpServer::isListening() const
{
    return d->listening;
}

const HttpLimits &HttpServer::limits() const
{
    return d->limits;
}

HttpServerStats HttpServer::stats() const
{
    const Shared &s = *d->shared;
    HttpServerStats out;
    out.connectionsOpen = s.open;
    out.connectionsAccepted = s.accepted;
    out.connectionsRefused = s.refused;
    out.requests = s.requests;
    out.malformed = s.malformed;
    out.headerTooLarge = s.headerTooLarge;
    out.bodyTooLarge = s.bodyTooLarge;
    out.timeouts = s.timeouts;
    out.responsesDropped = s.dropped;
    return out;
}

void HttpServer::stop()
{
    {
        std::unique_lock lock(d->shared->lock);
        d->shared->stopped = true; // from here on, responders drop their answers
    }
    d->ioc.stop();
    for (std::thread &t : d->threads)
        t.join();
    d->threads.clear();
    d->listening = false;
    if (d->acceptor) {
        beast::error_code ignored;
        d->acceptor->close(ignored);
    }
    std::unordered_map<HttpSession *, std::shared_ptr<HttpSession>> sessions;
    {
        std::lock_guard lock(d->sessionsLock);
        sessions.swap(d->sessions);
    }
    sessions.clear(); // their sockets close; queued handlers go with the io_context
}

} // namespace microcosm::net
