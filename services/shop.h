#pragma once

#include "loadgenerator.h"
#include "product/productservice.h"
#include "servicehost.h"

#include <QSet>
#include <QUuid>

#include <mutex>
#include <vector>

namespace microcosm {

class Platform;

// The shop's deployment: one ServiceConfig per service.
struct ShopConfig
{
    ServiceConfig product;
    ServiceConfig cart;
    ServiceConfig order;
    RestockRule restock; // the product service's (off by default)
    static ShopConfig defaults();
};

// Puts the product, cart and order services on a platform, each with its
// own database file in the platform's data directory.
void installShop(Platform &platform, const ShopConfig &config = ShopConfig::defaults());

// The products and initial stock the product service seeds itself with.
struct CatalogueItem
{
    qint64 id;
    QString name;
    qint64 priceCents;
    qint64 stock;
};
QList<CatalogueItem> catalogue();

// A workload that remembers which orders the users were told succeeded,
// for the auditor: 16 bytes each (a replayed answer may repeat one; the set
// the auditor gets has each once). Keys carry the run's id, so a run on a
// kept data directory never meets a key of an earlier run (whose stored
// answers would be replayed instead of placing new orders); answers that
// were replays are counted apart.
class TrackedWorkload : public Workload
{
public:
    // runId: unique per run (the platform's); empty makes a fresh random one.
    explicit TrackedWorkload(QString runId = {});
    void observe(const Request &request, const Response &response) override;
    // An order acknowledged to someone else than the simulated users (the
    // HTTP front's clients), for the auditor; not counted as placed here.
    void acknowledge(const QString &orderId);

    QSet<QString> acknowledgedOrders() const;
    std::size_t acknowledgedCount() const;
    // Checkouts answered 201 with a new order, and answers that were the
    // stored first answer to a key already used (a retried checkout).
    std::size_t placedCount() const;
    std::size_t replayedCount() const;
    QString runId() const { return m_runId; }

protected:
    // A fresh Idempotency-Key for one of who's requests.
    QString freshKey(const QString &who, std::mt19937_64 &rng);

private:
    QString m_runId;
    quint64 m_keys = 0;
    std::size_t m_placed = 0;
    std::size_t m_replayed = 0;
    mutable std::mutex m_mutex;
    std::vector<QUuid> m_acknowledged;
};

// The users' journeys through the shop: browse the catalogue, view a
// product, add to cart, checkout (add an item, then POST /orders with a
// fresh Idempotency-Key) and look at one's order history.
class ShopWorkload final : public TrackedWorkload
{
public:
    explicit ShopWorkload(int products = 60, QString runId = {});
    QStringList journeys() const override;
    double defaultWeight(const QString &journey) const override;
    QList<Request> journey(const QString &name, int user, std::mt19937_64 &rng) override;

private:
    int m_products;
    // Made once, shared by every request (implicitly shared, not copied):
    // "/products/N", and the add-to-cart body for product N, quantity q
    // at [2 * (N - 1) + q - 1].
    QStringList m_productPaths;
    QList<QJsonValue> m_itemBodies;
};

} // namespace microcosm
