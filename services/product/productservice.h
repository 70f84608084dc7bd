#pragma once

#include "datafiles.h"
#include "service.h"

namespace microcosm {

// A real shop restocks: at least every `every`, each product whose stock
// on the shelves is below `below` is topped up to `upTo`, in one
// transaction that also writes a row of the `restocks` table per product,
// so the auditor balances initial + restocked = on shelves + held exactly.
// Off (every = 0) unless a scenario's "services.product.restock" says so.
struct RestockRule
{
    Duration every = Duration::zero();
    qint64 below = 0;
    qint64 upTo = 0;
    bool enabled() const { return every > Duration::zero() && upTo > 0; }
    bool operator==(const RestockRule &) const = default;
};

// The catalogue and its stock. Reservations are idempotent by order id, and
// a released order can never reserve again (so a late reserve arriving after
// the saga compensated cannot hold stock). Never touches another service's data.
class ProductService final : public Service
{
public:
    explicit ProductService(RestockRule restock = {}) : m_restock(restock) {}
    QString name() const override { return QStringLiteral("product"); }
    QList<RouteSpec> routes() const override;
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;
    Duration maintenancePeriod() const override;
    void maintain(WorkerContext &ctx) override; // the restocking rule

    static const char *schema();
    // Fills a file just made with the catalogue (in the caller's transaction).
    static void seed(Database &db);
    // Its file's stamp (application_id "MCPR", schema version 2: version 1
    // had no restocks table, and is brought up to 2 when opened) and schema.
    static const DataFileKind &dataFile();

private:
    const RestockRule m_restock;
};

} // namespace microcosm
