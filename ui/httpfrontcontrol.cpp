#include "httpfrontcontrol.h"

#include "shopsession.h"

#include <QAction>
#include <QLabel>
#include <QMessageBox>
#include <QWidget>

namespace microcosm {

HttpFrontControl::HttpFrontControl(ShopSession &session, QWidget *window)
    : QObject(window), m_session(&session), m_window(window),
      m_toggle(new QAction(tr("Serve over &HTTP (storefront, /metrics, /traces)"), this)),
      m_label(new QLabel(window))
{
    m_toggle->setObjectName(QStringLiteral("action-http"));
    m_toggle->setCheckable(true);
    m_toggle->setToolTip(tr("Open the shop to the outside on this machine: the web storefront "
                            "in a browser, curl, wrk or Locust, Prometheus at /metrics and the "
                            "traces at /traces. Requests from it are the \"http\" caller."));
    connect(m_toggle, &QAction::toggled, this, [this](bool on) {
        if (on == isOn())
            return;
        if (!on) {
            stop();
            return;
        }
        QString error;
        if (!start(&error))
            QMessageBox::warning(m_window, tr("HTTP front"),
                                 tr("The HTTP front could not start: %1").arg(error));
    });
    m_label->setObjectName(QStringLiteral("http-address"));
    m_label->setOpenExternalLinks(true);
    m_label->setTextInteractionFlags(Qt::TextBrowserInteraction);
    update();
}

HttpFrontControl::~HttpFrontControl() = default;

void HttpFrontControl::setEndpoint(const QString &address, quint16 port)
{
    m_address = address;
    m_port = port;
    m_portGiven = true;
}

bool HttpFrontControl::start(QString *error)
{
    m_session->stopHttp();
    net::HttpFrontOptions options;
    options.address = m_address;
    options.port = m_port;
    bool on = m_session->startHttp(options, error);
    if (!on && !m_portGiven && m_port != 0) {
        // The default port is taken (another program, another window): any free one.
        options.port = 0;
        on = m_session->startHttp(options, error);
    }
    if (on)
        m_port = m_session->http()->port(); // a restart for another shop keeps the address
    update();
    emit changed();
    return on;
}

void HttpFrontControl::stop()
{
    if (!isOn())
        return;
    m_session->stopHttp();
    update();
    emit changed();
}

bool HttpFrontControl::isOn() const
{
    return m_session->http() && m_session->http()->isListening();
}

QString HttpFrontControl::url() const
{
    return isOn() ? m_session->http()->url() : QString();
}

void HttpFrontControl::moveTo(ShopSession &session)
{
    const bool wasOn = isOn();
    stop();
    m_session = &session;
    if (wasOn) {
        QString error;
        if (!start(&error))
            QMessageBox::warning(
                m_window, tr("HTTP front"),
                tr("The HTTP front could not move to the new shop: %1").arg(error));
    }
}

void HttpFrontControl::update()
{
    {
        const QSignalBlocker block(m_toggle);
        m_toggle->setChecked(isOn());
    }
    m_label->setVisible(isOn());
    if (isOn())
        m_label->setText(tr("HTTP: <a href=\"%1\">%1</a>").arg(url().toHtmlEscaped()));
}

} // namespace microcosm
