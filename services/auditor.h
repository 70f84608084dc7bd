#pragma once

#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QStringList>

namespace microcosm {

// The end-of-run proof that nothing was lost. Opens the three database
// files read-only, from outside the services, and checks DESIGN.md's
// invariants. Run it only after the system has quiesced.
struct AuditReport
{
    bool ok = true;
    QStringList violations; // one sentence each
    int products = 0;
    qint64 initialStock = 0; // summed over products
    qint64 currentStock = 0;
    qint64 heldQuantity = 0;      // in HELD reservations
    qint64 restockedQuantity = 0; // added by the restocking rule (the restocks table)
    qint64 confirmedQuantity = 0; // in CONFIRMED orders' items
    int confirmedOrders = 0;
    int failedOrders = 0;
    int pendingOrders = 0;
    int outboxRows = 0;
    int acknowledged = 0;
    int acknowledgedMissing = 0;
    int duplicateKeys = 0;
    bool shopChecked = true; // false: the architecture has no product and order service
    // A generic service's tables: what it was seeded with and what is there.
    struct Table
    {
        QString file;
        QString table;
        qint64 seeded = 0;
        qint64 rows = 0;
    };
    QList<Table> tables;
    QJsonObject toJson() const;
    QString summary() const;
};

struct Architecture;

// architecture: where the shop's tables live (a monolith's one file) and
// which generic tables to check; null: the shop, each service its own file.
// For a generic service it checks what it can: each table is there with at
// least its seeded rows (writes update, inserts add), and each file holds
// only the tables of the services that use it (no service wrote outside
// its own database).
AuditReport audit(const QString &dataDir, const QSet<QString> &acknowledgedOrders = {},
                  const Architecture *architecture = nullptr);

} // namespace microcosm
