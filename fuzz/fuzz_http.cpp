// libFuzzer target: arbitrary bytes as what a client sends the HTTP front.
// They go through the server's own parse (Beast's request parser with the
// front's limits, net/httpserver.cpp: HttpServer::parse) and each request
// that parses through the front's pure parts: the storefront file lookup and
// the HTTP → gateway Request translation (HttpFront::toRequest), then the
// answer's way back (HttpFront::toHttp). No socket, no service.
//
// Besides crashes and sanitizer reports it aborts when a promise breaks:
// a refusal is a 4xx with a JSON error body and a one-line ASCII reason
// header; a translated request is GET, POST or DELETE on a path of
// non-empty segments with no '.', '..', control character or decoded '/';
// a storefront file never lies outside ":/web/".
#include "httpfront.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace microcosm;
using namespace microcosm::net;

namespace {

[[noreturn]] void broken(const char *what, const QByteArray &detail)
{
    std::fprintf(stderr, "fuzz_http: %s: %s\n", what, detail.constData());
    std::abort();
}

void checkHeaderLine(const QByteArray &value)
{
    for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            broken("a reason header is not one line of ASCII", value);
}

void checkRefusal(const HttpResponse &r)
{
    if (r.status < 400 || r.status > 499)
        broken("a refusal is not a 4xx", QByteArray::number(r.status));
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    if (body.value(QStringLiteral("status")).toInt() != r.status ||
        body.value(QStringLiteral("error")).toString().isEmpty())
        broken("a refusal's body is not {status, error}", r.body);
    checkHeaderLine(r.header("X-Microcosm-Reason"));
}

void checkRequest(const Request &r)
{
    if (r.method != QLatin1String("GET") && r.method != QLatin1String("POST") &&
        r.method != QLatin1String("DELETE"))
        broken("a translated method", r.method.toUtf8());
    if (r.caller != QLatin1String("http") || !r.path.startsWith(QLatin1Char('/')))
        broken("a translated request's caller or path", r.path.toUtf8());
    const qsizetype q = r.path.indexOf(QLatin1Char('?'));
    const QStringList segments =
        (q < 0 ? r.path : r.path.left(q)).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (const QString &s : segments) {
        if (s == QLatin1String(".") || s == QLatin1String(".."))
            broken("a dot segment got through", r.path.toUtf8());
        for (QChar c : s)
            if (c.unicode() < 0x20 || c.unicode() == 0x7f)
                broken("a control character got through", r.path.toUtf8());
    }
    if (!r.body.isNull() && !r.body.isObject() && !r.body.isArray())
        broken("a body that is not an object or array", r.path.toUtf8());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const HttpFrontOptions options = [] {
        HttpFrontOptions o;
        o.limits.maxHeaderBytes = 4096;
        o.limits.maxBodyBytes = 16 * 1024;
        return o;
    }();
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QString reason;
    const int status = HttpServer::parse(
        bytes, options.limits,
        [](const HttpRequest &http) {
            const QString file = HttpFront::staticResource(http.target);
            if (!file.isEmpty() && !file.startsWith(QStringLiteral(":/web/")))
                broken("a storefront file outside :/web/", file.toUtf8());
            HttpResponse refusal;
            const std::optional<Request> request = HttpFront::toRequest(http, options, &refusal);
            if (!request) {
                checkRefusal(refusal);
                return;
            }
            checkRequest(*request);
            // The way back, with a reason made of what the client sent.
            Response answer =
                Response::error(404, QStringLiteral("no route for %1").arg(request->label()));
            answer.traceId = QString::fromLatin1(request->traceparent.left(32));
            const HttpResponse back = HttpFront::toHttp(answer);
            checkRefusal(back);
        },
        &reason);
    if (status != 0 && status != 400 && status != 413 && status != 431)
        broken("a parse status", QByteArray::number(status));
    if (status != 0 && reason.isEmpty())
        broken("a parse error without a reason", QByteArray::number(status));
    return 0;
}
