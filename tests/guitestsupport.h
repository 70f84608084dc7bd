#pragma once

// What the window tests share: settings kept out of the user's own, and a
// main window on a fresh, started shop, shown offscreen.
#include "eventmodel.h"
#include "eventtimeline.h"
#include "mainwindow.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace microcosm {

// Points QSettings at a temporary folder for the test's life.
class IsolatedSettings
{
public:
    IsolatedSettings()
    {
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
    }

private:
    QTemporaryDir m_dir;
};

struct TestWindow
{
    double rate = 0; // journeys/s once the load is started (it starts paused)
    QSize size = QSize(1400, 900);
    bool presenter = false;
    bool welcome = false;
    bool persistSettings = false;
};

// A window on a shop in `dir` with the default deployment; null when the
// shop did not start or the window was never exposed.
inline std::unique_ptr<MainWindow> openTestWindow(const QString &dir, const TestWindow &w = {})
{
    LoadConfig load;
    load.profile.rate = w.rate;
    load.profile.rate = w.rate;
    auto session =
        std::make_unique<ShopSession>(dir, ShopConfig::defaults(), PlatformConfig{}, load);
    if (!session->start())
        return nullptr;
    MainWindow::Options options;
    options.persistSettings = w.persistSettings;
    options.presenter = w.presenter;
    options.welcome = w.welcome;
    options.size = w.size;
    auto window = std::make_unique<MainWindow>(std::move(session), options);
    window->resize(w.size);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return nullptr;
    return window;
}

// Whether the window's event timeline holds an event of this kind (from
// this source, when one is given).
inline bool hasEvent(MainWindow &window, const QString &kind, const QString &source = {})
{
    EventModel *events = window.timeline()->model();
    for (int r = 0; r < events->rowCount(); ++r)
        if (events->event(r).kind == kind &&
            (source.isEmpty() || events->event(r).source == source))
            return true;
    return false;
}

} // namespace microcosm
