// The window as an instructor uses it in front of a class: the topology
// stays the largest thing on screen in every path into a run, presenter
// mode scales what a projector must show, and a first start welcomes a
// newcomer with the load off.
#include "eventmodel.h"
#include "guitestsupport.h"
#include "livescenario.h"
#include "mainwindow.h"
#include "shopcontroller.h"
#include "topologyedge.h"
#include "topologynode.h"
#include "topologyview.h"
#include "welcomepanel.h"

#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>

#include <cmath>

using namespace microcosm;

class TestClassroom : public QObject
{
    Q_OBJECT

private slots:
    void topologyStaysLargestWhenAPresetStarts_data();
    void topologyStaysLargestWhenAPresetStarts();
    void presenterModeFitsTheProjector_data();
    void presenterModeFitsTheProjector();
    void ctrlWheelZoomsAndCtrl0Fits();
    void rightClickNearAnEdgesLineOpensItsMenu();
    void edgeMenuNamesTheLinkOneWay();
    void welcomeStartsNothingUntilAsked();
    void welcomeStartsAPreset();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &dir, QSize size, bool presenter = false,
                                           bool welcome = false);
    IsolatedSettings m_settings; // never the user's own settings
};

std::unique_ptr<MainWindow> TestClassroom::openWindow(const QString &dir, QSize size,
                                                      bool presenter, bool welcome)
{
    TestWindow w;
    w.size = size;
    w.presenter = presenter;
    w.welcome = welcome;
    return openTestWindow(dir, w);
}

// The share of the window's area the topology has.
static double topologyShare(MainWindow &w)
{
    const QSize t = w.topology()->size();
    return double(t.width()) * t.height() / (double(w.width()) * w.height());
}

// The side column's panels fit it: nothing is cut off at the right where
// there is no scroll bar to reach it (after the layout settles: a scroll bar
// coming takes its width).
static bool nothingCutOff(MainWindow &window)
{
    for (QScrollArea *area : window.findChildren<QScrollArea *>()) {
        if (!area->isVisible() || !area->widget() || area->visibleRegion().isEmpty() ||
            area->horizontalScrollBarPolicy() != Qt::ScrollBarAlwaysOff)
            continue; // a panel that scrolls sideways shows what is beyond
        if (!QTest::qWaitFor([&] { return area->widget()->width() <= area->viewport()->width(); },
                             2000)) {
            qWarning("%s is %d px wide in a %d px column", qPrintable(area->widget()->objectName()),
                     area->widget()->width(), area->viewport()->width());
            return false;
        }
    }
    return true;
}

void TestClassroom::topologyStaysLargestWhenAPresetStarts_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("presenter");
    QTest::newRow("1600x1000") << QSize(1600, 1000) << false;
    QTest::newRow("1280x720 presenter") << QSize(1280, 720) << true;
}

void TestClassroom::topologyStaysLargestWhenAPresetStarts()
{
    QFETCH(QSize, size);
    QFETCH(bool, presenter);
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), size, presenter);
    QVERIFY(window);
    QCoreApplication::processEvents();
    const double before = topologyShare(*window);

    // Scenarios → Kill the product service, as a user picks it.
    QAction *action = window->scenariosMenu()->findChild<QAction *>(
        QStringLiteral("scenario-preset-kill-product"));
    QVERIFY(action);
    QSignalSpy replaced(window.get(), &MainWindow::sessionReplaced);
    action->trigger();
    QVERIFY(replaced.wait(15000));
    QTRY_VERIFY(window->liveScenario());
    // The charts fill with points and the lesson shows over the next seconds.
    QTest::qWait(3500);
    const double after = topologyShare(*window);
    const QString figures = QStringLiteral("topology %1x%2 in %3x%4: %5% of the window (was %6%)")
                                .arg(window->topology()->width())
                                .arg(window->topology()->height())
                                .arg(window->width())
                                .arg(window->height())
                                .arg(100 * after, 0, 'f', 1)
                                .arg(100 * before, 0, 'f', 1);
    qInfo("%s", qPrintable(figures));
    // No dock's minimum size pushed the window wider than the screen, and
    // the lesson and the steps fit the side column.
    QCOMPARE(window->width(), size.width());
    QVERIFY(nothingCutOff(*window));

    QVERIFY2(after >= 0.4, qPrintable(figures));
    QVERIFY2(after >= before - 0.02, qPrintable(figures));
    for (QDockWidget *d : window->findChildren<QDockWidget *>()) {
        if (!d->isVisible())
            continue;
        const double share =
            double(d->width()) * d->height() / (double(window->width()) * window->height());
        QVERIFY2(share < after,
                 qPrintable(d->objectName() + QStringLiteral(" is larger: ") + figures));
    }
}

void TestClassroom::presenterModeFitsTheProjector_data()
{
    QTest::addColumn<QSize>("size");
    QTest::newRow("1280x720") << QSize(1280, 720);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
}

void TestClassroom::presenterModeFitsTheProjector()
{
    QFETCH(QSize, size);
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), size, true);
    QVERIFY(window);
    QCoreApplication::processEvents();
    // The window fits the projector: nothing's minimum size pushes it wider.
    QCOMPARE(window->size(), size);
    // The README's figure: a service's title at least 18 px tall.
    const double title = window->topology()->titlePixelSize();
    qInfo("node title %.1f px in presenter mode at %dx%d", title, size.width(), size.height());
    QVERIFY(nothingCutOff(*window));
    // What happened, not the source and kind, gets the events' column.
    auto *events = window->findChild<QTableView *>(QStringLiteral("event-table"));
    QVERIFY(events);
    const int from = events->columnViewportPosition(EventModel::Message);
    const int shown = events->viewport()->width() - from;
    QVERIFY2(from >= 0 && shown >= 0.6 * events->viewport()->width(),
             qPrintable(QStringLiteral("'what happened' gets %1 of %2 px")
                            .arg(shown)
                            .arg(events->viewport()->width())));
    QVERIFY2(title >= 18, qPrintable(QString::number(title)));
    // Menus, dialogs and tooltips are windows of their own: they grow too.
    const double presenter = QMenu().font().pointSizeF();
    window->setPresenterMode(false);
    const double normal = QMenu().font().pointSizeF();
    QVERIFY2(
        presenter >= 1.4 * normal,
        qPrintable(QStringLiteral("menu type %1 pt, %2 pt normal").arg(presenter).arg(normal)));
    QCOMPARE(QToolTip::font().pointSizeF(), normal);
}

void TestClassroom::ctrlWheelZoomsAndCtrl0Fits()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1400, 900));
    QVERIFY(window);
    TopologyView *view = window->topology();
    const double fitted = view->transform().m11();
    const QPointF at = view->viewport()->rect().center();
    QWheelEvent up(at, view->viewport()->mapToGlobal(at), {}, {0, 240}, Qt::NoButton,
                   Qt::ControlModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(view->viewport(), &up);
    QVERIFY2(view->transform().m11() > fitted * 1.2,
             qPrintable(QStringLiteral("%1 → %2").arg(fitted).arg(view->transform().m11())));
    // A resize keeps the zoom relative to the fitted picture.
    window->resize(1300, 850);
    QTRY_COMPARE(view->zoom(), view->zoom());
    QVERIFY(view->zoom() > 1.2);
    // Ctrl+0: the whole architecture again.
    QAction *fit = window->findChild<QAction *>(QStringLiteral("action-zoom-fit"));
    QVERIFY(fit);
    QCOMPARE(fit->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_0));
    fit->trigger();
    QCOMPARE(view->zoom(), 1.0);
    // Never smaller than the fitted picture: the architecture stays whole.
    QWheelEvent down(at, view->viewport()->mapToGlobal(at), {}, {0, -600}, Qt::NoButton,
                     Qt::ControlModifier, Qt::NoScrollPhase, false);
    const double m = view->transform().m11();
    QCoreApplication::sendEvent(view->viewport(), &down);
    QCOMPARE(view->transform().m11(), m);
}

void TestClassroom::rightClickNearAnEdgesLineOpensItsMenu()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000));
    QVERIFY(window);
    TopologyView *view = window->topology();
    for (TopologyEdge *e : view->edges()) {
        if (e->kind() != TopologyEdge::Kind::Traffic)
            continue;
        // Beside the line, 9 px off it, a third of the way along (the label
        // is at its middle): as close as a hand on a touchpad gets.
        const QPointF p0 = view->mapFromScene(e->pointAt(0)),
                      p1 = view->mapFromScene(e->pointAt(1));
        const QPointF along = (p1 - p0) / std::max(1.0, std::hypot((p1 - p0).x(), (p1 - p0).y()));
        const QPoint at =
            (view->mapFromScene(e->pointAt(0.3)) + QPointF(-along.y(), along.x()) * 9).toPoint();
        QContextMenuEvent click(QContextMenuEvent::Mouse, at, view->viewport()->mapToGlobal(at));
        QCoreApplication::sendEvent(view->viewport(), &click);
        QMenu *menu = nullptr;
        QTRY_VERIFY((menu = view->findChild<QMenu *>(QString(), Qt::FindDirectChildrenOnly)) &&
                    menu->isVisible());
        const QString header =
            menu->actions().value(0) ? menu->actions().value(0)->text() : QString();
        QVERIFY2(header.contains(e->dest()->id()),
                 qPrintable(e->source()->id() + QStringLiteral(">") + e->dest()->id() +
                            QStringLiteral(": ") + header));
        menu->close();
        QTRY_VERIFY(!view->findChild<QMenu *>(QString(), Qt::FindDirectChildrenOnly));
    }
}

void TestClassroom::edgeMenuNamesTheLinkOneWay()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000));
    QVERIFY(window);
    TopologyView *view = window->topology();
    TopologyEdge *edge = view->edge(QStringLiteral("gateway"), QStringLiteral("product"));
    QVERIFY(edge);
    std::unique_ptr<QMenu> menu(view->contextMenuFor(edge));
    QVERIFY(menu);
    // The header and the fault section name the same link, the same way.
    QStringList texts;
    for (QAction *a : menu->actions())
        texts << a->text();
    const QString all = texts.join(QLatin1Char('|'));
    QVERIFY2(texts.value(0).startsWith(QStringLiteral("users → product")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("Fault on the link users → product")), qPrintable(all));
    QVERIFY2(!all.contains(QStringLiteral("gateway → product")), qPrintable(all));
}

void TestClassroom::welcomeStartsNothingUntilAsked()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1280, 720), false, true);
    QVERIFY(window);
    WelcomePanel *welcome = window->welcome();
    QVERIFY(welcome && welcome->isVisible());
    // Over the topology, not off screen.
    QVERIFY(window->topology()->geometry().contains(welcome->geometry().center()));
    QVERIFY(!window->controller()->loadRunning());
    // One button per claim, each naming an existing preset.
    for (const WelcomePanel::Claim &c : WelcomePanel::claims()) {
        QVERIFY(welcome->findChild<QPushButton *>(QStringLiteral("welcome-") + c.preset));
        QVERIFY2(
            QFileInfo::exists(
                QDir(MainWindow::presetsDirectory()).filePath(c.preset + QStringLiteral(".json"))),
            qPrintable(c.preset));
    }
    // F1 shows the keys.
    QTest::keyClick(window.get(), Qt::Key_F1);
    QTRY_VERIFY(window->findChild<QMessageBox *>(QStringLiteral("help")));
    QVERIFY(window->findChild<QMessageBox *>(QStringLiteral("help"))
                ->text()
                .contains(QLatin1String("Ctrl+0")));
    QTest::mouseClick(welcome->findChild<QPushButton *>(QStringLiteral("welcome-start-load")),
                      Qt::LeftButton);
    QTRY_VERIFY(!window->welcome());
    QVERIFY(window->controller()->loadRunning());
}

void TestClassroom::welcomeStartsAPreset()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000), false, true);
    QVERIFY(window && window->welcome());
    QSignalSpy replaced(window.get(), &MainWindow::sessionReplaced);
    QTest::mouseClick(
        window->welcome()->findChild<QPushButton *>(QStringLiteral("welcome-kill-product")),
        Qt::LeftButton);
    QVERIFY(replaced.wait(15000));
    QTRY_VERIFY(window->liveScenario());
    QCOMPARE(window->liveScenario()->scenario().title, QStringLiteral("Kill the product service"));
    QVERIFY(!window->welcome());
    QVERIFY(window->controller()->loadRunning());
}

QTEST_MAIN(TestClassroom)
#include "tst_gui_classroom.moc"
