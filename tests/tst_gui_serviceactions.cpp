// One set of service actions (ui/serviceactions.h): a node's context menu,
// the Service menu (on the selected node) and the Controls panel's buttons
// offer the same kill, restart and scale, with the same tooltips, the same
// rule for when each applies, and the same effect on the running shop.
#include "controlspanel.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "serviceactions.h"
#include "servicehost.h"
#include "shopcontroller.h"
#include "topologyview.h"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QStatusBar>
#include <QTest>

using namespace microcosm;

class TestGuiServiceActions : public QObject
{
    Q_OBJECT
private slots:
    void threePlacesAgreeAndAct();
    void scaleStopsAtTheBounds();

private:
    IsolatedSettings m_settings;
};

namespace {
const QString Product = QStringLiteral("product");

QAction *menuEntry(QMenu *menu, ServiceAction a)
{
    return menu ? menu->findChild<QAction *>(serviceactions::objectName(a)) : nullptr;
}

QAction *serviceMenuEntry(MainWindow &w, const char *name)
{
    return w.findChild<QAction *>(QString::fromLatin1(name));
}

QPushButton *panelButton(MainWindow &w, const QString &prefix)
{
    return w.controls()->findChild<QPushButton *>(prefix + Product);
}

int dead(ShopController &c)
{
    int n = 0;
    for (const ReplicaSnapshot &r : c.snapshot().service(Product)->replicas)
        n += r.state == ReplicaState::Dead;
    return n;
}
} // namespace

void TestGuiServiceActions::threePlacesAgreeAndAct()
{
    QTemporaryDir dir;
    auto window = openTestWindow(dir.path());
    QVERIFY(window);
    ShopController &c = *window->controller();
    QTRY_VERIFY_WITH_TIMEOUT(c.snapshot().service(Product) &&
                                 c.snapshot().service(Product)->ready() ==
                                     c.configuredReplicas(Product),
                             10000);
    QPushButton *kill = panelButton(*window, QStringLiteral("kill-"));
    QPushButton *restart = panelButton(*window, QStringLiteral("restart-"));
    QVERIFY(kill && restart);

    // The same words and the same rule in the menu and on the buttons.
    auto agree = [&](bool killApplies, bool restartApplies) {
        std::unique_ptr<QMenu> menu(window->topology()->serviceMenu(Product));
        QAction *menuKill = menuEntry(menu.get(), ServiceAction::Kill);
        QAction *menuRestart = menuEntry(menu.get(), ServiceAction::Restart);
        QVERIFY(menuKill && menuRestart);
        QCOMPARE(menuKill->toolTip(), kill->toolTip());
        QCOMPARE(menuRestart->toolTip(), restart->toolTip());
        QCOMPARE(kill->toolTip(), serviceactions::toolTip(ServiceAction::Kill, c, Product));
        QVERIFY(menuKill->text().endsWith(QStringLiteral("\tK")));
        QVERIFY(menuRestart->text().endsWith(QStringLiteral("\tR")));
        QCOMPARE(menuKill->isEnabled(), killApplies);
        QCOMPARE(kill->isEnabled(), killApplies);
        QCOMPARE(menuRestart->isEnabled(), restartApplies);
        QCOMPARE(restart->isEnabled(), restartApplies);
        QCOMPARE(serviceactions::applies(ServiceAction::Kill, c, Product), killApplies);
        QCOMPARE(serviceactions::applies(ServiceAction::Restart, c, Product), restartApplies);
    };
    agree(true, false);
    if (QTest::currentTestFailed())
        return;

    // The Service menu with nothing selected does nothing and says what to do.
    QAction *up = serviceMenuEntry(*window, "action-scale-up-selected");
    QAction *down = serviceMenuEntry(*window, "action-scale-down-selected");
    QAction *killSelected = serviceMenuEntry(*window, "action-kill-selected");
    QVERIFY(up && down && killSelected);
    QCOMPARE(up->shortcut(), serviceactions::shortcut(ServiceAction::ScaleUp));
    QCOMPARE(killSelected->shortcut(), QKeySequence(Qt::Key_K));
    const int replicas = c.configuredReplicas(Product);
    up->trigger();
    QCOMPARE(c.configuredReplicas(Product), replicas);
    QVERIFY2(window->statusBar()->currentMessage().contains(QStringLiteral("press +")),
             qPrintable(window->statusBar()->currentMessage()));

    // On the selected node: + adds a replica, − takes it away again.
    QVERIFY(window->topology()->highlight(Product));
    QCOMPARE(window->topology()->selectedService(), Product);
    up->trigger();
    QCOMPARE(c.configuredReplicas(Product), replicas + 1);
    down->trigger();
    QCOMPARE(c.configuredReplicas(Product), replicas);
    QTRY_COMPARE_WITH_TIMEOUT(c.snapshot().service(Product)->ready(), replicas, 10000);

    // The panel's Kill kills; then the menu and the buttons agree the other way.
    QTest::mouseClick(kill, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(dead(c), replicas, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!kill->isEnabled() && restart->isEnabled(), 5000);
    agree(false, true);
    if (QTest::currentTestFailed())
        return;

    // R on the selected node restarts what the menu would.
    window->activateWindow();
    QTest::keyClick(window.get(), Qt::Key_R);
    QTRY_COMPARE_WITH_TIMEOUT(dead(c), 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(c.snapshot().service(Product)->ready(), replicas, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(kill->isEnabled() && !restart->isEnabled(), 5000);
}

// One bound for every place: scaling up stops at MaxReplicas and down at one.
void TestGuiServiceActions::scaleStopsAtTheBounds()
{
    QTemporaryDir dir;
    auto window = openTestWindow(dir.path());
    QVERIFY(window);
    ShopController &c = *window->controller();
    QVERIFY(window->topology()->highlight(Product));
    QVERIFY(c.scaleService(Product, MaxReplicas));
    QCOMPARE(c.configuredReplicas(Product), MaxReplicas);
    {
        std::unique_ptr<QMenu> menu(window->topology()->serviceMenu(Product));
        QVERIFY(!menuEntry(menu.get(), ServiceAction::ScaleUp)->isEnabled());
        QVERIFY(menuEntry(menu.get(), ServiceAction::ScaleDown)->isEnabled());
    }
    serviceMenuEntry(*window, "action-scale-up-selected")->trigger();
    QCOMPARE(c.configuredReplicas(Product), MaxReplicas); // never fewer
    QVERIFY(c.scaleService(Product, 1));
    {
        std::unique_ptr<QMenu> menu(window->topology()->serviceMenu(Product));
        QVERIFY(menuEntry(menu.get(), ServiceAction::ScaleUp)->isEnabled());
        QVERIFY(!menuEntry(menu.get(), ServiceAction::ScaleDown)->isEnabled());
    }
    serviceMenuEntry(*window, "action-scale-down-selected")->trigger();
    QCOMPARE(c.configuredReplicas(Product), 1);
}

QTEST_MAIN(TestGuiServiceActions)
#include "tst_gui_serviceactions.moc"
