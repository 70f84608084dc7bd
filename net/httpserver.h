#pragma once

#include "clock.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

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
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = "application/json";
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
};

// Answers a request once, from any thread.
using Responder = std::function<void(HttpResponse)>;
// Called for each request that passed the server's own checks; must not
// block: it answers now or later through the responder.
using Handler = std::function<void(const HttpRequest &, Responder)>;

struct HttpLimits
{
    qsizetype maxHeaderBytes = 8 * 1024;   // beyond: 431
    qsizetype maxBodyBytes = 1024 * 1024;  // beyond: 413
    int maxConnections = 1024;             // beyond: the connection is refused (503, closed)
    Duration idleTimeout = std::chrono::seconds(30); // a connection with no request in flight
    Duration readTimeout = std::chrono::seconds(10); // to read one whole request
};

// The one interface the rest of Microcosm sees of the HTTP library.
class HttpServer
{
public:
    explicit HttpServer(HttpLimits limits = {});
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    void setHandler(Handler handler); // before listen()
    // Binds address:port (port 0: any free one) and serves on its own threads.
    bool listen(const QString &address, quint16 port, QString *error);
    quint16 port() const;
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace microcosm::net
