#pragma once

#include "datafiles.h"
#include "service.h"

namespace microcosm {

// Checkout as an orchestrated saga: write the order PENDING with its
// idempotency key → read the cart → reserve each item at product → mark
// CONFIRMED → clear the cart through an outbox. A failure before CONFIRMED
// releases every reservation (also through the outbox, so a dead product
// service is compensated once it is back). Orders left PENDING by a replica
// that died are compensated by maintenance. Invariant: one order per
// idempotency key, and a client told "201" has a CONFIRMED order.
class OrderService final : public Service
{
public:
    QString name() const override { return QStringLiteral("order"); }
    QList<RouteSpec> routes() const override;
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;
    Duration maintenancePeriod() const override { return milliseconds(1000); }
    // A PENDING order this old is compensated even when its owner still runs.
    static constexpr Duration StrandedAfter = seconds(15);
    // GET /orders?user=U[&limit=N]: the newest HistoryPage orders, or N of
    // them up to HistoryMax.
    static constexpr int HistoryPage = 20;
    static constexpr int HistoryMax = 100;
    void maintain(WorkerContext &ctx) override;

    static const char *schema();
    // Its file's stamp (application_id "MCOR", schema version 1) and schema.
    static const DataFileKind &dataFile();

private:
    Response checkout(const Request &request, WorkerContext &ctx);
    Response fail(WorkerContext &ctx, const QString &orderId, int status, const QString &reason);
    void relayOutbox(WorkerContext &ctx, const QString &orderId = {});
};

} // namespace microcosm
