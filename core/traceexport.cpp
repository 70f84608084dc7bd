#include "traceexport.h"

#include "platform.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <map>

namespace microcosm {

namespace {

// What the exporters say about a span, from the OpenTelemetry semantic
// conventions for HTTP spans
// (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status):
// a server span fails on 5xx, a client span on 4xx and 5xx; the
// gateway's steps inside a service fail as the service's answer does.
bool isError(const Span &s)
{
    if (s.kind == Span::Kind::Client)
        return s.status >= 400;
    return s.status >= 500;
}

// The span's name as a viewer lists operations: "GET /products/{id}" for a
// service (or the gateway) handling a request, "order→product" for a call
// on an edge, the step's own name otherwise.
QString operationName(const Span &s)
{
    if (s.kind == Span::Kind::Server && !s.route.isEmpty())
        return s.route;
    return s.name;
}

struct Attribute
{
    QString key;
    QString text; // a string attribute
    qint64 number = 0;
    bool isNumber = false;
};

QList<Attribute> attributesOf(const Span &s)
{
    QList<Attribute> out;
    if (!s.replica.isEmpty())
        out.append({QStringLiteral("replica"), s.replica});
    if (!s.route.isEmpty())
        out.append({QStringLiteral("http.route"), s.route});
    if (s.status != 0)
        out.append({QStringLiteral("http.response.status_code"), {}, s.status, true});
    if (s.attempt > 0)
        out.append({QStringLiteral("attempt"), {}, s.attempt, true});
    if (!s.note.isEmpty())
        out.append({isError(s) ? QStringLiteral("reason") : QStringLiteral("note"), s.note});
    return out;
}

qint64 endNanos(const Span &s, const UnixNanos &unixNanos, qint64 start)
{
    return std::max(start, unixNanos(s.end));
}

// OTLP/JSON: the protobuf JSON mapping of
// opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest, as the
// OTLP specification defines it
// (https://github.com/open-telemetry/opentelemetry-proto/blob/main/docs/specification.md#json-protobuf-encoding,
// messages in opentelemetry/proto/trace/v1/trace.proto and
// common/v1/common.proto): lowerCamelCase field names; trace and span ids
// as hex strings (not base64); enums as integers; 64-bit integers
// (fixed64 times, int64 intValue) as decimal strings.
QByteArray otlp(const std::vector<std::shared_ptr<const Trace>> &traces, const UnixNanos &unixNanos)
{
    std::map<QString, QJsonArray> byService; // one resourceSpans per service
    for (const auto &trace : traces) {
        const QString traceId = trace->idHex();
        for (const Span &s : trace->spans()) {
            QJsonObject span;
            span.insert(QStringLiteral("traceId"), traceId);
            span.insert(QStringLiteral("spanId"), spanIdHex(s.id));
            if (s.parentId != 0)
                span.insert(QStringLiteral("parentSpanId"), spanIdHex(s.parentId));
            span.insert(QStringLiteral("name"), operationName(s));
            // Span.SpanKind: 1 INTERNAL, 2 SERVER, 3 CLIENT.
            span.insert(QStringLiteral("kind"), s.kind == Span::Kind::Server   ? 2
                                                : s.kind == Span::Kind::Client ? 3
                                                                               : 1);
            const qint64 start = unixNanos(s.start);
            span.insert(QStringLiteral("startTimeUnixNano"), QString::number(start));
            span.insert(QStringLiteral("endTimeUnixNano"),
                        QString::number(endNanos(s, unixNanos, start)));
            QJsonArray attributes;
            for (const Attribute &a : attributesOf(s))
                attributes.append(QJsonObject{
                    {QStringLiteral("key"), a.key},
                    {QStringLiteral("value"),
                     a.isNumber
                         ? QJsonObject{{QStringLiteral("intValue"), QString::number(a.number)}}
                         : QJsonObject{{QStringLiteral("stringValue"), a.text}}}});
            span.insert(QStringLiteral("attributes"), attributes);
            // Status.StatusCode: 0 UNSET (a success is left unset), 2 ERROR with its message.
            QJsonObject status{{QStringLiteral("code"), isError(s) ? 2 : 0}};
            if (isError(s))
                status.insert(QStringLiteral("message"), s.note);
            span.insert(QStringLiteral("status"), status);
            byService[s.service.isEmpty() ? QStringLiteral("microcosm") : s.service].append(span);
        }
    }
    QJsonArray resourceSpans;
    for (const auto &[service, spans] : byService) {
        const QJsonObject resource{
            {QStringLiteral("attributes"),
             QJsonArray{QJsonObject{{QStringLiteral("key"), QStringLiteral("service.name")},
                                    {QStringLiteral("value"),
                                     QJsonObject{{QStringLiteral("stringValue"), service}}}}}}};
        const QJsonObject scope{{QStringLiteral("name"), QStringLiteral("microcosm")},
                                {QStringLiteral("version"), QStringLiteral("0.1")}};
        resourceSpans.append(
            QJsonObject{{QStringLiteral("resource"), resource},
                        {QStringLiteral("scopeSpans"),
                         QJsonArray{QJsonObject{{QStringLiteral("scope"), scope},
                                                {QStringLiteral("spans"), spans}}}}});
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("resourceSpans"), resourceSpans}})
        .toJson(QJsonDocument::Compact);
}

// Zipkin v2: a list of Span objects as openzipkin/zipkin-api's
// zipkin2-api.yaml defines them
// (https://github.com/openzipkin/zipkin-api/blob/master/zipkin2-api.yaml):
// traceId 32 and id/parentId 16 lower-case hex; kind CLIENT or SERVER
// (absent for a local step); timestamp in epoch microseconds and duration
// in microseconds, rounded up to at least 1; tags map to strings; an
// "error" tag marks a failed span with its message.
QByteArray zipkin(const std::vector<std::shared_ptr<const Trace>> &traces,
                  const UnixNanos &unixNanos)
{
    QJsonArray out;
    for (const auto &trace : traces) {
        const QString traceId = trace->idHex();
        for (const Span &s : trace->spans()) {
            QJsonObject span;
            span.insert(QStringLiteral("traceId"), traceId);
            span.insert(QStringLiteral("id"), spanIdHex(s.id));
            if (s.parentId != 0)
                span.insert(QStringLiteral("parentId"), spanIdHex(s.parentId));
            span.insert(QStringLiteral("name"), operationName(s));
            if (s.kind == Span::Kind::Server)
                span.insert(QStringLiteral("kind"), QStringLiteral("SERVER"));
            else if (s.kind == Span::Kind::Client)
                span.insert(QStringLiteral("kind"), QStringLiteral("CLIENT"));
            const qint64 start = unixNanos(s.start);
            const qint64 end = endNanos(s, unixNanos, start);
            span.insert(QStringLiteral("timestamp"), start / 1000);
            span.insert(QStringLiteral("duration"),
                        std::max<qint64>(1, (end - start + 999) / 1000));
            span.insert(
                QStringLiteral("localEndpoint"),
                QJsonObject{{QStringLiteral("serviceName"),
                             s.service.isEmpty() ? QStringLiteral("microcosm") : s.service}});
            QJsonObject tags;
            for (const Attribute &a : attributesOf(s))
                tags.insert(a.key, a.isNumber ? QString::number(a.number) : a.text);
            if (isError(s))
                tags.insert(QStringLiteral("error"),
                            s.note.isEmpty() ? QString::number(s.status) : s.note);
            span.insert(QStringLiteral("tags"), tags);
            out.append(span);
        }
    }
    return QJsonDocument(out).toJson(QJsonDocument::Compact);
}

} // namespace

std::optional<TraceFormat> traceFormatFromName(const QString &name, QString *error)
{
    if (name == QLatin1String("otlp"))
        return TraceFormat::Otlp;
    if (name == QLatin1String("zipkin"))
        return TraceFormat::Zipkin;
    if (error)
        *error = QStringLiteral("unknown trace format '%1' (otlp or zipkin)").arg(name);
    return std::nullopt;
}

QString traceFormatName(TraceFormat format)
{
    return format == TraceFormat::Zipkin ? QStringLiteral("zipkin") : QStringLiteral("otlp");
}

TraceFormat traceFormatForFile(const QString &path)
{
    return path.endsWith(QLatin1String(".zipkin.json"), Qt::CaseInsensitive) ? TraceFormat::Zipkin
                                                                             : TraceFormat::Otlp;
}

QByteArray exportTraces(const std::vector<std::shared_ptr<const Trace>> &traces, TraceFormat format,
                        const UnixNanos &unixNanos)
{
    return format == TraceFormat::Zipkin ? zipkin(traces, unixNanos) : otlp(traces, unixNanos);
}

QByteArray exportTraces(const Platform &platform, TraceFormat format)
{
    return exportTraces(platform.traces().traces(), format,
                        [&platform](TimePoint t) { return platform.unixNanos(t); });
}

} // namespace microcosm
