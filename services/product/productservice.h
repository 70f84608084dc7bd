#pragma once

#include "datafiles.h"
#include "service.h"

namespace microcosm {

// The catalogue and its stock. Reservations are idempotent by order id, and
// a released order can never reserve again (so a late reserve arriving after
// the saga compensated cannot hold stock). Never touches another service's data.
class ProductService final : public Service
{
public:
    QString name() const override { return QStringLiteral("product"); }
    QList<RouteSpec> routes() const override;
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;

    static const char *schema();
    // Fills a file just made with the catalogue (in the caller's transaction).
    static void seed(Database &db);
    // Its file's stamp (application_id "MCPR", schema version 1) and schema.
    static const DataFileKind &dataFile();
};

} // namespace microcosm
