#include "auditor.h"

#include "shop.h"
#include "sqlite.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include <map>
#include <memory>

namespace microcosm {

QJsonObject AuditReport::toJson() const
{
    return {{QStringLiteral("ok"), ok},
            {QStringLiteral("violations"), QJsonArray::fromStringList(violations)},
            {QStringLiteral("products"), products},
            {QStringLiteral("initialStock"), initialStock},
            {QStringLiteral("currentStock"), currentStock},
            {QStringLiteral("heldQuantity"), heldQuantity},
            {QStringLiteral("confirmedQuantity"), confirmedQuantity},
            {QStringLiteral("confirmedOrders"), confirmedOrders},
            {QStringLiteral("failedOrders"), failedOrders},
            {QStringLiteral("pendingOrders"), pendingOrders},
            {QStringLiteral("outboxRows"), outboxRows},
            {QStringLiteral("acknowledgedOrders"), acknowledged},
            {QStringLiteral("acknowledgedMissing"), acknowledgedMissing},
            {QStringLiteral("duplicateIdempotencyKeys"), duplicateKeys}};
}

QString AuditReport::summary() const
{
    QString s =
        QStringLiteral("audit %1: %2 products, stock %3 = %4 on shelves + %5 held; "
                       "%6 confirmed / %7 failed / %8 pending orders; %9 acknowledged, %10 missing")
            .arg(ok ? QStringLiteral("PASSED") : QStringLiteral("FAILED"))
            .arg(products)
            .arg(initialStock)
            .arg(currentStock)
            .arg(heldQuantity)
            .arg(confirmedOrders)
            .arg(failedOrders)
            .arg(pendingOrders)
            .arg(acknowledged)
            .arg(acknowledgedMissing);
    for (const QString &v : violations)
        s += QStringLiteral("\n  - ") + v;
    return s;
}

AuditReport audit(const QString &dataDir, const QSet<QString> &acknowledgedOrders)
{
    AuditReport r;
    auto violate = [&r](const QString &what) {
        r.ok = false;
        if (r.violations.size() < 50)
            r.violations << what;
    };
    const QDir dir(dataDir);
    // With no write-ahead log next to it, nothing is writing a file (a writer
    // in WAL mode always has one): it is read as it is, leaving nothing
    // behind; a read-only connection would create a -wal and a -shm that it
    // cannot remove. While the services run, the log is read too.
    auto open = [&dir](const QString &name) {
        const QString path = dir.filePath(name);
        return std::make_unique<Database>(path, QFileInfo::exists(path + QStringLiteral("-wal"))
                                                    ? Database::Mode::ReadOnly
                                                    : Database::Mode::Immutable);
    };
    try {
        const auto productDb = open(QStringLiteral("product.db"));
        const auto orderDb = open(QStringLiteral("order.db"));
        Database &product = *productDb;
        Database &order = *orderDb;

        std::map<qint64, qint64> seeded;
        for (const CatalogueItem &item : catalogue())
            seeded[item.id] = item.stock;

        // Per product: initial = on shelves + held, never negative, and as seeded.
        std::map<std::pair<QString, qint64>, qint64> held;
        {
            auto s =
                product.prepare(QStringLiteral("SELECT p.id, p.stock, p.initial_stock, "
                                               "coalesce((SELECT sum(quantity) FROM reservations r "
                                               "WHERE r.product_id = p.id AND r.status = 'HELD'), "
                                               "0) FROM products p ORDER BY p.id"));
            while (s.next()) {
                const qint64 id = s.int64(0), stock = s.int64(1), initial = s.int64(2),
                             h = s.int64(3);
                ++r.products;
                r.initialStock += initial;
                r.currentStock += stock;
                r.heldQuantity += h;
                if (stock < 0)
                    violate(QStringLiteral("product %1 has negative stock %2").arg(id).arg(stock));
                if (initial != stock + h)
                    violate(QStringLiteral("product %1: initial stock %2 ≠ %3 on shelves + %4 held")
                                .arg(id)
                                .arg(initial)
                                .arg(stock)
                                .arg(h));
                if (seeded.count(id) && seeded[id] != initial)
                    violate(QStringLiteral(
                                "product %1: initial stock %2 differs from the catalogue's %3")
                                .arg(id)
                                .arg(initial)
                                .arg(seeded[id]));
            }
            auto h = product.prepare(QStringLiteral(
                "SELECT order_id, product_id, quantity FROM reservations WHERE status = 'HELD'"));
            while (h.next())
                held[{h.text(0), h.int64(1)}] = h.int64(2);
        }

        // Held reservations = items of CONFIRMED orders, line by line.
        std::map<std::pair<QString, qint64>, qint64> confirmed;
        {
            auto s = order.prepare(QStringLiteral(
                "SELECT i.order_id, i.product_id, i.quantity FROM order_items i JOIN orders o "
                "ON o.id = i.order_id WHERE o.status = 'CONFIRMED'"));
            while (s.next()) {
                confirmed[{s.text(0), s.int64(1)}] = s.int64(2);
                r.confirmedQuantity += s.int64(2);
            }
        }
        for (const auto &[line, qty] : held) {
            auto it = confirmed.find(line);
            if (it == confirmed.end())
                violate(
                    QStringLiteral(
                        "stock held for order %1, product %2 (%3), but the order is not confirmed")
                        .arg(line.first)
                        .arg(line.second)
                        .arg(qty));
            else if (it->second != qty)
                violate(QStringLiteral("order %1, product %2: %3 held but %4 ordered")
                            .arg(line.first)
                            .arg(line.second)
                            .arg(qty)
                            .arg(it->second));
        }
        for (const auto &[line, qty] : confirmed)
            if (!held.count(line))
                violate(QStringLiteral("confirmed order %1 has product %2 ×%3 with no stock held")
                            .arg(line.first)
                            .arg(line.second)
                            .arg(qty));

        auto count = [&order](const char *sql) {
            return int(order.prepare(QString::fromLatin1(sql)).scalar());
        };
        r.confirmedOrders = count("SELECT count(*) FROM orders WHERE status = 'CONFIRMED'");
        r.failedOrders = count("SELECT count(*) FROM orders WHERE status = 'FAILED'");
        r.pendingOrders = count("SELECT count(*) FROM orders WHERE status = 'PENDING'");
        r.outboxRows = count("SELECT count(*) FROM outbox");
        r.duplicateKeys = count("SELECT count(*) FROM (SELECT idempotency_key FROM orders "
                                "GROUP BY idempotency_key HAVING count(*) > 1)");
        if (r.duplicateKeys)
            violate(QStringLiteral("%1 idempotency keys were used for more than one order")
                        .arg(r.duplicateKeys));

        // Every order a client was told succeeded exists as CONFIRMED.
        r.acknowledged = int(acknowledgedOrders.size());
        for (const QString &id : acknowledgedOrders) {
            auto s = order.prepare(QStringLiteral("SELECT status FROM orders WHERE id = ?"));
            s.bind(1, id);
            const QString status = s.next() ? s.text(0) : QString();
            if (status != QLatin1String("CONFIRMED")) {
                ++r.acknowledgedMissing;
                violate(QStringLiteral("order %1 was acknowledged to its client but is %2")
                            .arg(id, status.isEmpty() ? QStringLiteral("missing") : status));
            }
        }
    } catch (const DbError &e) {
        violate(QStringLiteral("cannot audit: %1").arg(QString::fromUtf8(e.what())));
    }
    return r;
}

} // namespace microcosm
