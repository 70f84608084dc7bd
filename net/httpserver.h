#pragma once

#include "clock.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>

namespace microcosm::net {

// One HTTP/1.1 request as the server read it.
struct HttpRequest
{
    QByteArray method; // "GET"
    QByteArray target; // "/products/17?x=1", as sent
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    // The first header of that name (case-insensitive), or empty.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "application/json";
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    // The first header of that name (case-insensitive), or empty.
    QByteArray header(QByteArrayView name) const;
};

// Answers a request once, from any thread. Calls after the first are
// ignored; a responder dropped without being called answers 500.
// One header line, for HttpRequest::headers and HttpResponse::headers.
inline QPair<QByteArray, QByteArray> header(QByteArray name, QByteArray value)
{
    return {std::move(name), std::move(value)};
}

using Responder = std::function<void(HttpResponse)>;
// Called on an io thread for each request that passed the server's own
// checks; must not block: it answers now or later through the responder.
using Handler = std::function<void(const HttpRequest &, Responder)>;

struct HttpLimits
{
    qsizetype maxHeaderBytes = 8 * 1024;             // beyond: 431, closed
    qsizetype maxBodyBytes = 1024 * 1024;            // beyond: 413, closed
    int maxConnections = 1024;                       // beyond: 503, closed
    Duration idleTimeout = std::chrono::seconds(30); // a connection with no request in flight
    Duration readTimeout =
        std::chrono::seconds(10); // to read one whole request from its first byte
};

// What the server saw, for /metrics: monotonic counters and one gauge.
struct HttpServerStats
{
    std::uint64_t connectionsOpen = 0; // gauge
    std::uint64_t connectionsAccepted = 0;
    std::uint64_t connectionsRefused = 0; // over maxConnections: 503
    std::uint64_t requests = 0;           // handed to the handler
    std::uint64_t malformed = 0;          // 400: HTTP the parser refused
    std::uint64_t headerTooLarge = 0;     // 431
    std::uint64_t bodyTooLarge = 0;       // 413
    std::uint64_t timeouts = 0;           // connections cut by the read or idle timeout
    std::uint64_t responsesDropped = 0;   // answers for connections already gone
};

// The one interface the rest of Microcosm sees of the HTTP library (Boost.Beast).
// Invariants: every request gets at most one response, written on its
// connection's strand; the handler never runs after stop() returns, and a
// responder called after it (or after its connection closed) does nothing.
// Its io threads are its own and are joined by stop() and the destructor.
class HttpServer
{
public:
    explicit HttpServer(HttpLimits limits = {}, int ioThreads = 2);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    void setHandler(Handler handler); // before listen()
    // Binds address:port (port 0: any free one) and serves on its own threads.
    bool listen(const QString &address, quint16 port, QString *error);
    quint16 port() const;
    QString address() const;
    bool isListening() const;
    const HttpLimits &limits() const;
    HttpServerStats stats() const;
    void stop();

    // The reason phrase of a status ("Not Found"), for bodies and tests.
    static QByteArray reasonPhrase(int status);
    // Parses bytes as a connection would (the same parser and limits), with
    // no socket: each complete request goes to `each` (at most maxRequests);
    // returns 0 when all of it parsed (or more bytes are needed), else the
    // status the server answers with (400, 413, 431) and *reason. For the fuzzer.
    static int parse(QByteArrayView bytes, const HttpLimits &limits,
                     const std::function<void(const HttpRequest &)> &each, QString *reason,
                     int maxRequests = 16);
    // Whether text is an IPv4 or IPv6 address, and whether a loopback one.
    static bool isIpAddress(const QString &text);
    static bool isLoopback(const QString &text);

    struct Impl; // the Beast side, in httpserver.cpp only

private:
    std::shared_ptr<Impl> d;
};

} // namespace microcosm::net
