#pragma once

#include "architecture.h"
#include "datafiles.h"
#include "service.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace microcosm {

// A service that runs outside Microcosm, in any language: a process the
// user starts, reached over HTTP at its url. It is hosted like any other
// (a ServiceHost's replicas, workers, queue), so every policy, metric,
// trace and fault applies to it: each worker forwards its request with a
// blocking HTTP client of its own (one keep-alive connection per worker
// thread), bounded by the request's deadline, and turns the answer back
// into a Response. A background thread GETs the health path; while it
// fails, unready() says why and the host keeps the replicas out of rotation.
//
// Invariants: it never answers for the process (a request it could not
// forward fails with the reason: 503 when nothing listens, 504 when the
// deadline passed, 502 for an answer that is not JSON); it keeps no state
// of a request; its health thread is started by the first worker and
// stopped and joined by the destructor, never detached.
class ExternalService final : public Service
{
public:
    explicit ExternalService(ServiceSpec spec);
    ~ExternalService() override;
    ExternalService(const ExternalService &) = delete;
    ExternalService &operator=(const ExternalService &) = delete;

    QString name() const override { return m_spec.name; }
    QList<RouteSpec> routes() const override { return m_spec.routeSpecs(); }
    // The file every replica opens holds nothing of it (no tables).
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;
    QString unready() const override;

    // How long a forwarded request may wait when its caller set no deadline.
    static constexpr Duration MaxWait = seconds(30);

private:
    void startHealthChecks();
    void healthLoop();
    QString where() const; // the url, for messages

    const ServiceSpec m_spec;
    const quint64 m_id; // tells this object's per-thread clients from another's
    DataFileKind m_kind;
    Duration m_healthPeriod;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    QString m_unready;
    bool m_stop = false;
    std::once_flag m_started;
    std::thread m_health;
};

} // namespace microcosm
