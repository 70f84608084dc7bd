#pragma once

#include "message.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace microcosm {

class Platform;

// The two files a trace viewer reads:
// - Otlp: OpenTelemetry's OTLP/JSON (ExportTraceServiceRequest in the
//   protobuf JSON mapping), which Jaeger's UI (1.35 and later) opens as a file;
// - Zipkin: Zipkin's v2 JSON, a list of spans.
enum class TraceFormat
{
    Otlp,
    Zipkin
};

// "otlp" or "zipkin" (as GET /traces?format= and --trace-format take it);
// anything else: nothing, and *error names what was given and what is allowed.
std::optional<TraceFormat> traceFormatFromName(const QString &name, QString *error = nullptr);
QString traceFormatName(TraceFormat format);
// A file named *.zipkin.json is Zipkin; any other is OTLP/JSON.
TraceFormat traceFormatForFile(const QString &path);

// Steady-clock time → Unix time in nanoseconds.
using UnixNanos = std::function<qint64(TimePoint)>;

// The traces as one JSON document, compact, in the trace store's order.
// Every span names its service (OTLP: the resource's service.name; Zipkin:
// localEndpoint.serviceName), its replica, route, status, failure reason and
// attempt. Never fails: a trace with no spans adds nothing.
QByteArray exportTraces(const std::vector<std::shared_ptr<const Trace>> &traces, TraceFormat format,
                        const UnixNanos &unixNanos);
// The platform's stored traces (for --traces, GET /traces and File → Export traces).
QByteArray exportTraces(const Platform &platform, TraceFormat format);

} // namespace microcosm
