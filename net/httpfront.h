#pragma once

#include "httpserver.h"
#include "message.h"

#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace microcosm {
class Platform;
}

namespace microcosm::net {

struct HttpFrontOptions
{
    QString address = QStringLiteral("127.0.0.1");
    quint16 port = 0; // 0: any free port
    HttpLimits limits;
    int ioThreads = 2;
    qsizetype maxTargetBytes = 2048; // a longer request target: 414
    qsizetype maxSegmentChars = 200; // a longer path segment or query value, decoded: 400
    // Told of every order id the front answered 201 to (POST /orders, a
    // replayed answer included), from the thread that finished the request:
    // how the session's auditor learns of orders acknowledged over HTTP.
    std::function<void(const QString &orderId)> onOrderAcknowledged;
};

// The front's own figures, for /metrics: counters, and the server's.
struct HttpFrontStats
{
    HttpServerStats server;
    std::uint64_t requests = 0;    // every request the server handed over
    std::uint64_t toGateway = 0;   // submitted to the gateway
    std::uint64_t staticFiles = 0; // answered from the web storefront's files
    std::uint64_t endpoints = 0;   // answered by a built-in endpoint (/metrics, /healthz…)
    std::uint64_t refusedByFront =
        0;                       // never reached the gateway: 405, 411, 414, 415, bad path or JSON
    std::uint64_t status2xx = 0; // answers by class, whoever gave them
    std::uint64_t status3xx = 0;
    std::uint64_t status4xx = 0;
    std::uint64_t status5xx = 0;
    std::uint64_t ordersAcknowledged = 0;
};

// A built-in endpoint's answer; runs on an io thread, so it must be quick.
using EndpointHandler = std::function<HttpResponse(const HttpRequest &)>;

// The shop's door to the outside: HTTP/1.1 on address:port, handing every
// request that is not a built-in endpoint or a storefront file to the
// gateway exactly as a simulated user's request (caller "http": its own
// edges, the users' policies), and the gateway's answer back as HTTP.
// Invariants: it never blocks an io thread on the gateway; it must be
// stopped (stop() or the destructor) before the platform shuts down;
// answers that arrive after stop() are dropped.
class HttpFront
{
public:
    explicit HttpFront(Platform &platform, HttpFrontOptions options = {});
    ~HttpFront();
    HttpFront(const HttpFront &) = delete;
    HttpFront &operator=(const HttpFront &) = delete;

    // An exact path (no query) answered by handler for that method; may be
    // added before or after start().
    void addEndpoint(const QByteArray &method, const QByteArray &path, EndpointHandler handler);
    bool start(QString *error);
    void stop();
    bool isListening() const;
    quint16 port() const;
    QString address() const;
    QString url() const; // "http://127.0.0.1:8080/"
    HttpFrontStats stats() const;
    const HttpFrontOptions &options() const;

    // The pure parts, as the fuzzer drives them.
    // The gateway request an HTTP request stands for, or nullopt with the
    // answer to give instead in *refusal (405, 411, 414, 415, 400).
    static std::optional<Request> toRequest(const HttpRequest &http,
                                            const HttpFrontOptions &options, HttpResponse *refusal);
    // The gateway's answer as HTTP: its status and JSON body; a failure
    // as {"status":..,"error":reason} with the reason in X-Microcosm-Reason.
    static HttpResponse toHttp(const Response &response);
    static HttpResponse errorResponse(int status, const QString &reason);
    // The reason as a header value: ASCII only, one line, at most 300 bytes.
    static QByteArray headerSafe(const QString &reason);
    // The storefront resource a GET target names (":/web/index.html"), or empty.
    static QString staticResource(const QByteArray &target);
    static QByteArray contentTypeFor(const QString &fileName);

private:
    struct State;
    void handle(const HttpRequest &request, Responder respond);

    Platform &m_platform;
    HttpFrontOptions m_options;
    std::shared_ptr<State> m_state; // shared with requests still in the gateway
    std::unique_ptr<HttpServer> m_server;
};

// GET /traces: the platform's sampled traces, OTLP/JSON by default or
// ?format=zipkin (core/traceexport.h); another format is a 400 naming both.
void addTracesEndpoint(HttpFront &front, const Platform &platform);

} // namespace microcosm::net
