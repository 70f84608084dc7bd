#pragma once

#include <QJsonObject>
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
    qint64 confirmedQuantity = 0; // in CONFIRMED orders' items
    int confirmedOrders = 0;
    int failedOrders = 0;
    int pendingOrders = 0;
    int outboxRows = 0;
    int acknowledged = 0;
    int acknowledgedMissing = 0;
    int duplicateKeys = 0;
    QJsonObject toJson() const;
    QString summary() const;
};

AuditReport audit(const QString &dataDir, const QSet<QString> &acknowledgedOrders = {});

} // namespace microcosm
