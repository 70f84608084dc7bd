#include "storefront.h"

#include "shopcontroller.h"
#include "theme.h"
#include "waterfallview.h"

#include <QCoreApplication>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QUuid>
#include <QVBoxLayout>

namespace microcosm {

namespace {

QString statusText(int status)
{
    switch (status) {
    case 200:
        return QStringLiteral("200 OK");
    case 201:
        return QStringLiteral("201 Created");
    case 400:
        return QStringLiteral("400 Bad Request");
    case 404:
        return QStringLiteral("404 Not Found");
    case 409:
        return QStringLiteral("409 Conflict");
    case 429:
        return QStringLiteral("429 Too Many Requests");
    case 500:
        return QStringLiteral("500 Internal Error");
    case 502:
        return QStringLiteral("502 Bad Gateway");
    case 503:
        return QStringLiteral("503 Unavailable");
    case 504:
        return QStringLiteral("504 Timeout");
    }
    return QString::number(status);
}

} // namespace

StorefrontPanel::StorefrontPanel(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_shop(controller->hasShop()),
      m_status(new QLabel(this)), m_body(new QPlainTextEdit(this)),
      m_waterfall(new WaterfallView(this)), m_history(new QListWidget(this))
{
    setObjectName(QStringLiteral("storefront"));
    m_status->setObjectName(QStringLiteral("store-status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_body->setObjectName(QStringLiteral("store-body"));
    m_body->setReadOnly(true);
    m_body->setMaximumBlockCount(400);
    m_body->setToolTip(tr("The response body, as JSON."));
    m_history->setObjectName(QStringLiteral("store-history"));
    m_history->setToolTip(tr("Your recent requests; click one to see its answer and path again."));
    connect(m_history, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row < m_replies.size())
            display(m_replies[m_replies.size() - 1 - row]);
    });

    auto *answer = new QWidget(this);
    auto *answerLayout = new QVBoxLayout(answer);
    answerLayout->setContentsMargins(0, 0, 0, 0);
    answerLayout->addWidget(m_status);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_waterfall);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setMinimumHeight(120);
    answerLayout->addWidget(scroll, 3);
    auto *lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(m_body);
    lower->addWidget(m_history);
    lower->setStretchFactor(0, 2);
    lower->setStretchFactor(1, 1);
    answerLayout->addWidget(lower, 1);

    // Left: the system as a user sees it. Right: what happened to the last request.
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_shop ? buildShop() : buildRequests());
    split->addWidget(answer);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(split, 1);
}

QWidget *StorefrontPanel::buildShop()
{
    // Where each service keeps its data: its own file, or a monolith's.
    const auto fileOf = [this](const QString &service) {
        return m_controller->databaseFile(m_controller->architecture().deployableOf(service));
    };
    const QString productDb = fileOf(QStringLiteral("product"));
    const QString cartDb = fileOf(QStringLiteral("cart"));
    const QString orderDb = fileOf(QStringLiteral("order"));
    m_user = new QLineEdit(QStringLiteral("student"), this);
    m_products = new QTableWidget(0, 4, this);
    m_quantity = new QSpinBox(this);
    m_add = new QPushButton(tr("Add to cart"), this);
    m_checkout = new QPushButton(tr("Check out"), this);
    m_retry = new QPushButton(tr("Retry same key"), this);
    m_user->setObjectName(QStringLiteral("store-user"));
    m_user->setToolTip(tr("Whose cart and orders: any name; the load generator's users are "
                          "user0, user1, …"));
    auto *browse = new QPushButton(tr("Browse products"), this);
    browse->setObjectName(QStringLiteral("store-browse"));
    browse->setToolTip(tr("GET /products through the gateway: served by the product service "
                          "from %1. Kill product and try again to see the failure.")
                           .arg(productDb));
    auto *cart = new QPushButton(tr("View cart"), this);
    cart->setObjectName(QStringLiteral("store-cart"));
    cart->setToolTip(tr("GET /carts/{user}: served by the cart service from %1 alone, so it "
                        "keeps working while product is down (unless they are one deployable).")
                         .arg(cartDb));
    auto *orders = new QPushButton(tr("My orders"), this);
    orders->setObjectName(QStringLiteral("store-orders"));
    orders->setToolTip(tr("GET /orders?user=…: the order service reads only %1.").arg(orderDb));
    connect(browse, &QPushButton::clicked, this, &StorefrontPanel::browse);
    connect(cart, &QPushButton::clicked, this, &StorefrontPanel::viewCart);
    connect(orders, &QPushButton::clicked, this, &StorefrontPanel::myOrders);

    m_products->setObjectName(QStringLiteral("store-products"));
    m_products->setHorizontalHeaderLabels({tr("id"), tr("product"), tr("price"), tr("stock")});
    m_products->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_products->setSelectionMode(QAbstractItemView::SingleSelection);
    m_products->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_products->verticalHeader()->hide();
    m_products->verticalHeader()->setDefaultSectionSize(m_products->fontMetrics().height() + 6);
    m_products->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_products->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_products->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_products->horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_products->setToolTip(tr("The catalogue as the product service last returned it. Pick one "
                              "to add to the cart; stock falls as orders reserve it."));
    m_products->setMinimumHeight(110);

    m_quantity->setObjectName(QStringLiteral("store-quantity"));
    m_quantity->setRange(1, 99);
    m_quantity->setToolTip(tr("How many of the selected product to add."));
    m_add->setObjectName(QStringLiteral("store-add"));
    m_add->setToolTip(
        tr("POST /carts/{user}/items: the cart service stores it in %1 only.").arg(cartDb));
    m_checkout->setObjectName(QStringLiteral("store-checkout"));
    m_checkout->setToolTip(tr("POST /orders with a fresh Idempotency-Key: the order service's saga "
                              "reads the cart, reserves stock at product, confirms the order in "
                              "%1 and clears the cart. Watch the waterfall.")
                               .arg(orderDb));
    m_retry->setObjectName(QStringLiteral("store-retry"));
    m_retry->setEnabled(false);
    m_retry->setToolTip(
        tr("Send the last checkout again with the same Idempotency-Key: the order "
           "service answers with the first result and never makes a second order."));
    connect(m_add, &QPushButton::clicked, this, &StorefrontPanel::addToCart);
    connect(m_checkout, &QPushButton::clicked, this, &StorefrontPanel::checkout);
    connect(m_retry, &QPushButton::clicked, this, &StorefrontPanel::retryCheckout);
    m_status->setText(tr("Browse, add to cart and check out by hand: each request goes through "
                         "the gateway like any user's."));

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("User:"), this));
    top->addWidget(m_user, 1);
    top->addWidget(browse);
    top->addWidget(cart);
    top->addWidget(orders);
    auto *buy = new QHBoxLayout;
    buy->addWidget(new QLabel(tr("Quantity:"), this));
    buy->addWidget(m_quantity);
    buy->addWidget(m_add);
    buy->addStretch(1);
    buy->addWidget(m_checkout);
    buy->addWidget(m_retry);

    auto *shop = new QWidget(this);
    auto *shopLayout = new QVBoxLayout(shop);
    shopLayout->setContentsMargins(0, 0, 0, 0);
    shopLayout->addLayout(top);
    shopLayout->addWidget(m_products, 1);
    shopLayout->addLayout(buy);
    return shop;
}

QWidget *StorefrontPanel::buildRequests()
{
    m_routes = new QListWidget(this);
    m_path = new QLineEdit(this);
    m_send = new QPushButton(tr("Send"), this);
    auto *ids = new QPushButton(tr("New ids"), this);
    m_routes->setObjectName(QStringLiteral("request-routes"));
    m_path->setObjectName(QStringLiteral("request-path"));
    m_send->setObjectName(QStringLiteral("request-send"));
    ids->setObjectName(QStringLiteral("request-ids"));

    // Every route the gateway lets the users call, with the service that
    // answers it (and the deployable it runs in, when that is a monolith).
    const Architecture &a = m_controller->architecture();
    for (const ServiceSpec &service : a.services)
        for (const RouteSpec &r : service.routeSpecs()) {
            if (r.internal)
                continue;
            const QString deployable = a.deployableOf(service.name);
            auto *item = new QListWidgetItem(
                deployable == service.name
                    ? QStringLiteral("%1   → %2").arg(r.key(), service.name)
                    : QStringLiteral("%1   → %2 in %3").arg(r.key(), service.name, deployable),
                m_routes);
            item->setData(Qt::UserRole, r.method);
            item->setData(Qt::UserRole + 1, r.pattern);
            item->setToolTip(tr("%1, answered by %2. %3")
                                 .arg(r.key(), service.name,
                                      r.idempotent ? tr("Idempotent: callers may retry it.")
                                                   : tr("Not idempotent: nobody retries it.")));
        }
    m_routes->setToolTip(tr("The routes the users may call through the gateway (internal routes, "
                            "for other services only, are not listed). Pick one; double-click "
                            "sends it."));
    m_routes->setMinimumHeight(110);
    m_path->setToolTip(tr("The path sent: the route's {parameters} filled with random ids. Edit "
                          "it as you like; Enter sends it."));
    m_send->setToolTip(tr("Send the request through the gateway like any user's, traced: watch "
                          "the waterfall show each hop, queue wait, database call and downstream "
                          "call it made."));
    ids->setToolTip(tr("Fill the route's parameters with new random ids (1 to 1000)."));
    m_send->setEnabled(false);
    connect(m_routes, &QListWidget::currentRowChanged, this, [this](int row) {
        m_send->setEnabled(row >= 0);
        newIds();
    });
    connect(m_routes, &QListWidget::itemDoubleClicked, this, [this] { sendRequest(); });
    connect(m_path, &QLineEdit::returnPressed, this, &StorefrontPanel::sendRequest);
    connect(m_send, &QPushButton::clicked, this, &StorefrontPanel::sendRequest);
    connect(ids, &QPushButton::clicked, this, &StorefrontPanel::newIds);
    m_status->setText(tr("Pick a route of %1 and send it: the request goes through the gateway "
                         "like any user's, and its answer and path through the services show "
                         "here.")
                          .arg(a.name.toHtmlEscaped()));

    auto *title = new QLabel(tr("Routes the users may call:"), this);
    title->setBuddy(m_routes);
    auto *row = new QHBoxLayout;
    row->addWidget(m_path, 1);
    row->addWidget(ids);
    row->addWidget(m_send);
    auto *panel = new QWidget(this);
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title);
    layout->addWidget(m_routes, 1);
    layout->addLayout(row);
    if (m_routes->count() > 0)
        m_routes->setCurrentRow(0);
    return panel;
}

QStringList StorefrontPanel::routes() const
{
    QStringList out;
    if (!m_routes)
        return out;
    for (int i = 0; i < m_routes->count(); ++i) {
        const QListWidgetItem *item = m_routes->item(i);
        out << item->data(Qt::UserRole).toString() + QLatin1Char(' ') +
                   item->data(Qt::UserRole + 1).toString();
    }
    return out;
}

bool StorefrontPanel::selectRoute(const QString &key)
{
    const qsizetype i = routes().indexOf(key);
    if (i < 0)
        return false;
    m_routes->setCurrentRow(int(i));
    return true;
}

QString StorefrontPanel::requestPath() const
{
    return m_path ? m_path->text().trimmed() : QString();
}

void StorefrontPanel::newIds()
{
    const QListWidgetItem *item = m_routes ? m_routes->currentItem() : nullptr;
    if (!item)
        return;
    static const QRegularExpression param(QStringLiteral("\\{[^}]*\\}"));
    QString path = item->data(Qt::UserRole + 1).toString();
    // Each {parameter} its own id, as a generic route's call fills one it does not know.
    for (QRegularExpressionMatch m = param.match(path); m.hasMatch(); m = param.match(path))
        path.replace(m.capturedStart(), m.capturedLength(),
                     QString::number(QRandomGenerator::global()->bounded(1, 1001)));
    m_path->setText(path);
}

void StorefrontPanel::sendRequest()
{
    const QListWidgetItem *item = m_routes ? m_routes->currentItem() : nullptr;
    if (!item)
        return;
    QString path = requestPath();
    if (!path.startsWith(QLatin1Char('/')))
        path.prepend(QLatin1Char('/'));
    const QString method = item->data(Qt::UserRole).toString();
    // A method that takes a body gets {}, as a generic route's own calls send.
    const bool body = method != QLatin1String("GET") && method != QLatin1String("DELETE");
    send(method, path, body ? QJsonValue(QJsonObject{}) : QJsonValue());
}

QString StorefrontPanel::user() const
{
    const QString u = m_user ? m_user->text().trimmed() : QString();
    return u.isEmpty() ? QStringLiteral("student") : u;
}

void StorefrontPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_shop && !m_browsed) {
        m_browsed = true;
        browse();
    }
}

void StorefrontPanel::browse()
{
    send(QStringLiteral("GET"), QStringLiteral("/products"));
}

void StorefrontPanel::viewCart()
{
    send(QStringLiteral("GET"), QStringLiteral("/carts/") + user());
}

void StorefrontPanel::myOrders()
{
    send(QStringLiteral("GET"), QStringLiteral("/orders?user=") + user());
}

void StorefrontPanel::addToCart()
{
    if (!m_products)
        return;
    const int row = m_products->currentRow();
    if (row < 0) {
        m_status->setText(tr("Pick a product in the list first (Browse products fills it)."));
        return;
    }
    const qint64 id = m_products->item(row, 0)->text().toLongLong();
    send(QStringLiteral("POST"), QStringLiteral("/carts/%1/items").arg(user()),
         QJsonObject{{QStringLiteral("productId"), id},
                     {QStringLiteral("quantity"), m_quantity->value()}});
}

void StorefrontPanel::checkout()
{
    if (!m_shop)
        return;
    m_lastKey = QStringLiteral("store-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_retry->setEnabled(true);
    send(QStringLiteral("POST"), QStringLiteral("/orders"),
         QJsonObject{{QStringLiteral("user"), user()}}, m_lastKey);
}

void StorefrontPanel::retryCheckout()
{
    if (m_lastKey.isEmpty())
        return;
    send(QStringLiteral("POST"), QStringLiteral("/orders"),
         QJsonObject{{QStringLiteral("user"), user()}}, m_lastKey);
}

void StorefrontPanel::send(const QString &method, const QString &path, const QJsonValue &body,
                           const QString &idempotencyKey)
{
    if (!m_controller)
        return;
    Request request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.idempotencyKey = idempotencyKey;
    request.trace = std::make_shared<Trace>();
    request.intendedSend = Clock::now();
    Reply pending;
    pending.token = m_nextToken++;
    pending.label = request.label();
    pending.idempotencyKey = idempotencyKey;
    pending.trace = request.trace;
    m_latest = pending.token;
    ++m_pending;
    m_status->setText(tr("%1 … waiting for the answer").arg(pending.label));

    // The completion runs on whichever worker or timer thread finishes the
    // request: it only copies the answer and queues the rest to the GUI thread.
    QPointer<StorefrontPanel> self(this);
    const TimePoint sent = request.intendedSend;
    m_controller->platform().gateway().submit(std::move(request),
                                              [self, pending, sent](Response response) mutable {
                                                  pending.status = response.status;
                                                  pending.reason = response.reason;
                                                  pending.body = response.body.value();
                                                  pending.ms = toMs(Clock::now() - sent);
                                                  QMetaObject::invokeMethod(
                                                      QCoreApplication::instance(),
                                                      [self, pending]() mutable {
                                                          if (self)
                                                              self->received(std::move(pending));
                                                      },
                                                      Qt::QueuedConnection);
                                              });
}

void StorefrontPanel::received(Reply reply)
{
    --m_pending;
    m_replies.append(reply);
    while (m_replies.size() > 30)
        m_replies.removeFirst();
    const bool ok = reply.status >= 200 && reply.status < 300;
    auto *item = new QListWidgetItem(
        QStringLiteral("%1  %2  %3 ms")
            .arg(QString::number(reply.status), reply.label, QString::number(reply.ms, 'f', 1)));
    item->setForeground(ok ? theme::okColor() : theme::errorColor());
    item->setToolTip(reply.reason.isEmpty() ? reply.label : reply.reason);
    {
        const QSignalBlocker block(m_history);
        m_history->insertItem(0, item);
        while (m_history->count() > 30)
            delete m_history->takeItem(m_history->count() - 1);
    }
    if (m_products && reply.label == QLatin1String("GET /products") && ok)
        fillProducts(reply.body);
    if (reply.token != m_latest) {
        emit replied(reply);
        return; // an older request: kept in the history, not shown over the newest one
    }
    m_last = reply;
    display(reply);
    // Spans that arrive after the answer (work that went on after a timeout) show on a second look.
    QPointer<StorefrontPanel> self(this);
    const quint64 token = reply.token;
    QTimer::singleShot(1500, this, [self, token] {
        if (self && self->m_last.token == token && self->m_last.trace)
            self->m_waterfall->setSpans(self->m_last.trace->spans());
    });
    emit replied(reply);
}

void StorefrontPanel::display(const Reply &reply)
{
    const bool ok = reply.status >= 200 && reply.status < 300;
    QString text =
        QStringLiteral("<b>%1</b> → <b style='color:%2'>%3</b> in %4 ms")
            .arg(reply.label.toHtmlEscaped(), (ok ? theme::okColor() : theme::errorColor()).name(),
                 statusText(reply.status), QString::number(reply.ms, 'f', 1));
    if (!reply.reason.isEmpty())
        text += QStringLiteral("<br>reason: %1").arg(reply.reason.toHtmlEscaped());
    if (!reply.idempotencyKey.isEmpty())
        text += QStringLiteral("<br><small>Idempotency-Key: %1</small>").arg(reply.idempotencyKey);
    // A generic route answers 200 even when an optional call failed, and says which.
    QStringList degraded;
    for (const QJsonValue &d : reply.body.toObject().value(QStringLiteral("degraded")).toArray())
        degraded << d.toString();
    if (!degraded.isEmpty())
        text += tr("<br>degraded: %1").arg(degraded.join(QStringLiteral("; ")).toHtmlEscaped());
    if (m_shop && reply.label == QLatin1String("POST /orders") && ok) {
        const QString id = reply.body.toObject().value(QStringLiteral("id")).toString();
        const QString file =
            m_controller ? m_controller->databaseFile(
                               m_controller->architecture().deployableOf(QStringLiteral("order")))
                         : QStringLiteral("order.db");
        text += tr("<br>order %1 is in %2 (see the database inspector)").arg(id, file);
    }
    m_status->setText(text);
    QString body;
    if (reply.body.isObject())
        body =
            QString::fromUtf8(QJsonDocument(reply.body.toObject()).toJson(QJsonDocument::Indented));
    else if (reply.body.isArray())
        body =
            QString::fromUtf8(QJsonDocument(reply.body.toArray()).toJson(QJsonDocument::Indented));
    if (body.size() > 6000)
        body = body.left(6000) + QStringLiteral("\n… (cut)");
    m_body->setPlainText(body);
    m_waterfall->setSpans(reply.trace ? reply.trace->spans() : QList<Span>());
}

void StorefrontPanel::fillProducts(const QJsonValue &body)
{
    const QJsonArray list = body.toArray();
    const int current = m_products->currentRow();
    // Columns sized to their contents re-measure every row on each change:
    // fix them while filling (one measurement at the end, not one per cell),
    // and touch only the cells whose text changed (mostly the stock).
    QHeaderView *header = m_products->horizontalHeader();
    for (int c : {0, 2, 3})
        header->setSectionResizeMode(c, QHeaderView::Interactive);
    m_products->setRowCount(int(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        const QJsonObject p = list[i].toObject();
        const QString cells[4] = {
            QString::number(p.value(QStringLiteral("id")).toInteger()),
            p.value(QStringLiteral("name")).toString(),
            QString::number(p.value(QStringLiteral("priceCents")).toInteger() / 100.0, 'f', 2),
            QString::number(p.value(QStringLiteral("stock")).toInteger())};
        for (int c = 0; c < 4; ++c) {
            QTableWidgetItem *item = m_products->item(i, c);
            if (!item) {
                item = new QTableWidgetItem;
                if (c != 1)
                    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                m_products->setItem(i, c, item);
            }
            if (item->text() != cells[c])
                item->setText(cells[c]);
        }
    }
    for (int c : {0, 2, 3})
        header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    if (current >= 0 && current < m_products->rowCount() && m_products->currentRow() != current)
        m_products->selectRow(current);
}

} // namespace microcosm
