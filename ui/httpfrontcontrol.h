#pragma once

#include <QObject>
#include <QString>

class QAction;
class QLabel;
class QWidget;

namespace microcosm {

class ShopSession;

// The window's HTTP front: one toggle ("Serve over HTTP") and one status-bar
// link with the address, for whichever shop the window shows. When a
// scenario replaces the shop, the front moves to the new one on the same
// port, so a browser or a load tool pointed at it carries on.
// The front itself belongs to the shop (ShopSession::startHttp), which stops
// it before its services; the window calls moveTo() before retiring a shop.
// Everything here runs on the GUI thread.
class HttpFrontControl : public QObject
{
    Q_OBJECT
public:
    // The port the toggle asks for first; a busy one falls back to a free one.
    static constexpr quint16 DefaultPort = 8080;

    HttpFrontControl(ShopSession &session, QWidget *window);
    ~HttpFrontControl() override;

    QAction *toggleAction() const { return m_toggle; }
    QLabel *statusLabel() const { return m_label; }

    // Address and port to use (from --http-bind / --http); port 0: any free one.
    void setEndpoint(const QString &address, quint16 port);
    bool start(QString *error);
    void stop();
    bool isOn() const;
    QString url() const;
    // Serves `session` from now on (restarting on the same port when on).
    void moveTo(ShopSession &session);

signals:
    void changed();

private:
    void update();

    ShopSession *m_session;
    QWidget *m_window;
    QString m_address = QStringLiteral("127.0.0.1");
    quint16 m_port = DefaultPort;
    bool m_portGiven = false;
    QAction *m_toggle;
    QLabel *m_label;
};

} // namespace microcosm
