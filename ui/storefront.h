#pragma once

#include "message.h"

#include <QJsonValue>
#include <QPointer>
#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace microcosm {

class ShopController;
class WaterfallView;

/*
 * The seed's "user app" layer by hand. For an architecture with the shop's
 * product, cart and order services (alone or in a monolith): browse the
 * catalogue, add to a cart, check out (with an Idempotency-Key, and retry
 * with the same key). For any other architecture, a request panel: the
 * routes the users may call, one to pick, its path parameters filled with
 * random ids, and Send. Either way, each answer and the request's path
 * through the system as a waterfall of its trace's spans.
 *
 * Invariants: requests go through the gateway like any user's; replies
 * arrive on worker threads and are handed to the GUI thread by a queued
 * call that checks this panel still exists; a reply is shown in the
 * response area only if it answers the latest request (older ones still
 * land in the history list). Only one of the two front ends is built: the
 * other one's accessors return null.
 */
class StorefrontPanel : public QWidget
{
    Q_OBJECT
public:
    struct Reply
    {
        quint64 token = 0;
        QString label; // "POST /orders"
        QString idempotencyKey;
        int status = 0;
        QString reason;
        QJsonValue body;
        double ms = 0;
        std::shared_ptr<Trace> trace;
    };

    explicit StorefrontPanel(ShopController *controller, QWidget *parent = nullptr);

    // Whether this is the shop's storefront (else the generic request panel).
    bool isShop() const { return m_shop; }
    QString user() const;
    const Reply &lastReply() const { return m_last; }
    QTableWidget *products() const { return m_products; }
    WaterfallView *waterfall() const { return m_waterfall; }
    int pending() const { return m_pending; }

    // The request panel: the user-facing routes listed ("GET /items/{id}"),
    // picking one (its path filled with fresh random ids), and the path to send.
    QStringList routes() const;
    bool selectRoute(const QString &key);
    QString requestPath() const;
    QListWidget *routeList() const { return m_routes; }

public slots:
    void browse();
    void viewCart();
    void myOrders();
    void addToCart();
    void checkout();
    void retryCheckout();
    // Sends the picked route with the path as shown.
    void sendRequest();
    // Fills the picked route's path parameters with new random ids.
    void newIds();

signals:
    void replied(const microcosm::StorefrontPanel::Reply &reply);

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *buildShop();
    QWidget *buildRequests();
    void send(const QString &method, const QString &path, const QJsonValue &body = {},
              const QString &idempotencyKey = {});
    void received(Reply reply);
    void display(const Reply &reply);
    void fillProducts(const QJsonValue &body);

    QPointer<ShopController> m_controller;
    bool m_shop = false;
    // The shop's storefront.
    QLineEdit *m_user = nullptr;
    QTableWidget *m_products = nullptr;
    QSpinBox *m_quantity = nullptr;
    QPushButton *m_add = nullptr;
    QPushButton *m_checkout = nullptr;
    QPushButton *m_retry = nullptr;
    // The request panel.
    QListWidget *m_routes = nullptr;
    QLineEdit *m_path = nullptr;
    QPushButton *m_send = nullptr;
    // The answer, for both.
    QLabel *m_status;
    QPlainTextEdit *m_body;
    WaterfallView *m_waterfall;
    QListWidget *m_history;
    QList<Reply> m_replies;
    Reply m_last;
    QString m_lastKey;
    quint64 m_nextToken = 1;
    quint64 m_latest = 0;
    int m_pending = 0;
    bool m_browsed = false;
};

} // namespace microcosm
