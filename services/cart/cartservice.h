#pragma once

#include "datafiles.h"
#include "service.h"

namespace microcosm {

// Per-user shopping carts. Knows products only by id: it never reads the
// product service's data (database per service).
class CartService final : public Service
{
public:
    QString name() const override { return QStringLiteral("cart"); }
    QList<RouteSpec> routes() const override;
    void migrate(Database &db) override;
    Response handle(const Request &request, WorkerContext &ctx) override;

    static const char *schema();
    // Its file's stamp (application_id "MCCA", schema version 1) and schema.
    static const DataFileKind &dataFile();
};

} // namespace microcosm
