#include "auditor.h"

#include "architecture.h"
#include "genericservice.h"
#include "shop.h"
#include "sqlite.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include <functional>
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
            {QStringLiteral("restockedQuantity"), restockedQuantity},
            {QStringLiteral("confirmedQuantity"), confirmedQuantity},
            {QStringLiteral("confirmedOrders"), confirmedOrders},
            {QStringLiteral("failedOrders"), failedOrders},
            {QStringLiteral("pendingOrders"), pendingOrders},
            {QStringLiteral("outboxRows"), outboxRows},
            {QStringLiteral("acknowledgedOrders"), acknowledged},
            {QStringLiteral("acknowledgedMissing"), acknowledgedMissing},
            {QStringLiteral("duplicateIdempotencyKeys"), duplicateKeys},
            {QStringLiteral("shopChecked"), shopChecked},
            {QStringLiteral("tables"), [this] {
                 QJsonArray a;
                 for (const Table &t : tables)
                     a.append(QJsonObject{{QStringLiteral("file"), t.file},
                                          {QStringLiteral("table"), t.table},
                                          {QStringLiteral("seeded"), t.seeded},
                                          {QStringLiteral("rows"), t.rows}});
                 return a;
             }()}};
}

QString AuditReport::summary() const
{
    QString s;
    if (!shopChecked) {
        qint64 rows = 0;
        for (const Table &t : tables)
            rows += t.rows;
        s = QStringLiteral("audit %1: %2 tables checked, %3 rows")
                .arg(ok ? QStringLiteral("PASSED") : QStringLiteral("FAILED"))
                .arg(tables.size())
                .arg(rows);
        for (const QString &v : violations)
            s += QStringLiteral("\n  - ") + v;
        return s;
    }
    s = QStringLiteral("audit %1: %2 products, stock %3 = %4 on shelves + %5 held; "
                       "%6 confirmed / %7 failed / %8 pending orders; %9 acknowledged, %10 missing")
            .arg(ok ? QStringLiteral("PASSED") : QStringLiteral("FAILED"))
            .arg(products)
            .arg(restockedQuantity > 0
                     ? QStringLiteral("%1 + %2 restocked").arg(initialStock).arg(restockedQuantity)
                     : QString::number(initialStock))
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

namespace {

void auditShop(AuditReport &r, const QString &productPath, const QString &orderPath,
               const QSet<QString> &acknowledgedOrders,
               const std::function<void(const QString &)> &violate);

// With no write-ahead log next to it, nothing is writing a file (a writer in
// WAL mode always has one): it is read as it is, leaving nothing behind; a
// read-only connection would create a -wal and a -shm that it cannot
// remove. While the services run, the log is read too.
std::unique_ptr<Database> openForAudit(const QString &path)
{
    return std::make_unique<Database>(path, QFileInfo::exists(path + QStringLiteral("-wal"))
                                                ? Database::Mode::ReadOnly
                                                : Database::Mode::Immutable);
}

} // namespace

AuditReport audit(const QString &dataDir, const QSet<QString> &acknowledgedOrders,
                  const Architecture *architecture)
{
    AuditReport r;
    auto violate = [&r](const QString &what) {
        r.ok = false;
        if (r.violations.size() < 50)
            r.violations << what;
    };
    const QDir dir(dataDir);
    if (!architecture) {
        auditShop(r, dir.filePath(QStringLiteral("product.db")),
                  dir.filePath(QStringLiteral("order.db")), acknowledgedOrders, violate);
        return r;
    }
    const Architecture &a = *architecture;
    auto fileOfKind = [&a](ServiceSpec::Kind kind) {
        for (const ServiceSpec &s : a.services)
            if (s.kind == kind)
                return a.databaseOf(a.deployableOf(s.name));
        return QString();
    };
    const QString productFile = fileOfKind(ServiceSpec::Kind::Product);
    const QString orderFile = fileOfKind(ServiceSpec::Kind::Order);
    r.shopChecked = !productFile.isEmpty() && !orderFile.isEmpty();
    if (r.shopChecked)
        auditShop(r, dir.filePath(productFile + QStringLiteral(".db")),
                  dir.filePath(orderFile + QStringLiteral(".db")), acknowledgedOrders, violate);
    for (const std::shared_ptr<DatabaseFile> &f : databaseFiles(a)) {
        const QString path = dir.filePath(f->name + QStringLiteral(".db"));
        try {
            const auto db = openForAudit(path);
            // Only the tables of the services that use the file.
            QSet<QString> expected;
            {
                Database reference(QStringLiteral(":memory:"));
                reference.execScript(QString::fromStdString(f->schema));
                auto q = reference.prepare(
                    QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'"));
                while (q.next())
                    expected.insert(q.text(0));
            }
            auto q = db->prepare(QStringLiteral("SELECT name FROM sqlite_master WHERE type = "
                                                "'table' AND name NOT LIKE 'sqlite_%'"));
            while (q.next())
                if (!expected.contains(q.text(0)))
                    violate(QStringLiteral("%1 holds table %2, which none of %3 owns: a service "
                                           "wrote outside its own database")
                                .arg(path, q.text(0), f->services.join(QStringLiteral(", "))));
            for (const QString &service : f->services) {
                const ServiceSpec *spec = a.service(service);
                for (const TableSpec &t : spec->tables) {
                    const qint64 rows =
                        db->prepare(QStringLiteral("SELECT count(*) FROM \"%1\"").arg(t.name))
                            .scalar();
                    r.tables.append({f->name + QStringLiteral(".db"), t.name, t.rows, rows});
                    if (rows < t.rows)
                        violate(QStringLiteral("%1: table %2 of %3 has %4 rows, fewer than the "
                                               "%5 it was seeded with (no route deletes)")
                                    .arg(path, t.name, service)
                                    .arg(rows)
                                    .arg(t.rows));
                }
            }
        } catch (const DbError &e) {
            violate(QStringLiteral("cannot audit %1: %2").arg(path, QString::fromUtf8(e.what())));
        }
    }
    return r;
}

namespace {

void auditShop(AuditReport &r, const QString &productPath, const QString &orderPath,
               const QSet<QString> &acknowledgedOrders,
               const std::function<void(const QString &)> &violate)
{
    try {
        const auto productDb = openForAudit(productPath);
        const auto orderDb = openForAudit(orderPath);
        Database &product = *productDb;
        Database &order = *orderDb;

        std::map<qint64, qint64> seeded;
        for (const CatalogueItem &item : catalogue())
            seeded[item.id] = item.stock;

        // Per product: initial = on shelves + held, never negative, and as seeded.
        std::map<std::pair<QString, qint64>, qint64> held;
        {
            // Restocking adds to the shelves and writes what it added
            // (the restocks table), so the balance still holds exactly.
            auto s = product.prepare(QStringLiteral(
                "SELECT p.id, p.stock, p.initial_stock, "
                "coalesce((SELECT sum(quantity) FROM reservations r "
                "WHERE r.product_id = p.id AND r.status = 'HELD'), 0), "
                "coalesce((SELECT sum(quantity) FROM restocks k WHERE k.product_id = p.id), 0) "
                "FROM products p ORDER BY p.id"));
            while (s.next()) {
                const qint64 id = s.int64(0), stock = s.int64(1), initial = s.int64(2),
                             h = s.int64(3), restocked = s.int64(4);
                ++r.products;
                r.initialStock += initial;
                r.currentStock += stock;
                r.heldQuantity += h;
                r.restockedQuantity += restocked;
                if (stock < 0)
                    violate(QStringLiteral("product %1 has negative stock %2").arg(id).arg(stock));
                if (initial + restocked != stock + h)
                    violate(QStringLiteral("product %1: initial stock %2 + %3 restocked ≠ %4 on "
                                           "shelves + %5 held")
                                .arg(id)
                                .arg(initial)
                                .arg(restocked)
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
}

} // namespace

} // namespace microcosm
