// The live charts as an instructor uses them in front of a class, offscreen:
// on a 1280×720 projector in presenter mode (and at 1600×1000 normally) no
// title, axis label or legend is cut to "…"; marker labels do not overlap
// and each marker says in full what it was; lines that coincide stay
// visible; replicas and busy % are charts of their own; an exported chart
// is the chart alone at 1600×900 (PNG at twice that); a surge replica that
// lives two seconds is a step in the replicas chart; load changes are marked;
// a 41-service legend settles beside or below its chart instead of flipping
// between the two on every resize.
#include "chartspanel.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "scenario.h"
#include "shopcontroller.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsLineItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QScrollArea>
#include <QSettings>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

using namespace microcosm;

class TestGuiCharts : public QObject
{
    Q_OBJECT

private slots:
    void noTextIsElided_data();
    void noTextIsElided();
    void markerLabelsDoNotOverlapAndSayItAll();
    void coincidingLinesStayDistinct();
    void replicasAndUtilizationAreSeparateCharts();
    void exportIsTheChartAloneAtTheDefaultSize();
    void surgeReplicaShowsAsAStep();
    void loadChangeGetsAMarkerOfItsOwnColour();
    void manyServicesLegendSettles();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &dir, QSize size, bool presenter,
                                           double rate = 100);
    IsolatedSettings m_settings; // never the user's own settings
};

std::unique_ptr<MainWindow> TestGuiCharts::openWindow(const QString &dir, QSize size,
                                                      bool presenter, double rate)
{
    TestWindow w;
    w.rate = rate;
    w.size = size;
    w.presenter = presenter;
    return openTestWindow(dir, w);
}

// Every piece of text a chart's scene shows: titles, axis labels, legend
// labels and marker labels, with where each is.
struct ShownText
{
    QString text;
    QGraphicsItem *item;
};

static QList<ShownText> shownTexts(QChartView *view)
{
    QList<ShownText> out;
    for (QGraphicsItem *item : view->scene()->items()) {
        if (!item->isVisible())
            continue;
        if (auto *t = dynamic_cast<QGraphicsTextItem *>(item))
            out.append({t->toPlainText(), item});
        else if (auto *s = dynamic_cast<QGraphicsSimpleTextItem *>(item))
            out.append({s->text(), item});
    }
    return out;
}

static bool elided(const QString &text)
{
    return text.contains(QLatin1String("...")) || text.contains(QChar(0x2026));
}

// How much of a widget's height its parents leave in sight (a scroll
// area's viewport, a dock, the window).
static int seenHeight(QWidget *w)
{
    QRect r = w->rect();
    for (QWidget *p = w; !p->isWindow() && p->parentWidget(); p = p->parentWidget()) {
        r.translate(p->pos());
        r &= p->parentWidget()->rect();
    }
    return r.height();
}

// The legend label below a chart's view, if the panel shows one there.
static QLabel *legendLabel(QChartView *view)
{
    for (QLabel *l : view->parentWidget()->findChildren<QLabel *>(QStringLiteral("chart-legend"),
                                                                  Qt::FindDirectChildrenOnly))
        return l;
    return nullptr;
}

void TestGuiCharts::noTextIsElided_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("presenter");
    QTest::addColumn<QString>("preset");
    QTest::newRow("projector 1280x720, presenter")
        << QSize(1280, 720) << true << QStringLiteral("kill-product");
    QTest::newRow("projector 1280x720, presenter, no scenario")
        << QSize(1280, 720) << true << QString();
    QTest::newRow("desktop 1600x1000")
        << QSize(1600, 1000) << false << QStringLiteral("spike-autoscaler-on");
}

void TestGuiCharts::noTextIsElided()
{
    QFETCH(QSize, size);
    QFETCH(bool, presenter);
    QFETCH(QString, preset);
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), size, presenter);
    QVERIFY(window);
    QCOMPARE(window->presenterMode(), presenter);
    if (preset.isEmpty())
        window->controller()->startLoad();
    else // the views are made anew for the scenario's shop
        QVERIFY(window->openScenarioFile(QStringLiteral(MICROCOSM_SOURCE_DIR) +
                                         QStringLiteral("/resources/scenarios/") + preset +
                                         QStringLiteral(".json")));
    const auto p99Points = [&] {
        QXYSeries *p99 = window->charts()->series(QStringLiteral("latency:p99"));
        return p99 ? p99->count() : 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(p99Points() >= 3, 20000);
    QCoreApplication::processEvents();

    for (QChartView *view : window->charts()->chartViews()) {
        QChart *chart = view->chart();
        // Charts that do not fit beside each other scroll into view: each
        // must then be whole from top to bottom, axes and legend included.
        for (QWidget *w = view->parentWidget(); w; w = w->parentWidget())
            if (auto *scroll = qobject_cast<QScrollArea *>(w)) {
                scroll->ensureWidgetVisible(view->parentWidget(), 0, 0);
                QCoreApplication::processEvents();
                break;
            }
        const auto wholeHeight = [](QWidget *w) {
            return QStringLiteral("%1 of %2 px tall seen").arg(seenHeight(w)).arg(w->height());
        };
        QVERIFY2(seenHeight(view) == view->height(),
                 qPrintable(chart->title() + QStringLiteral(": ") + wholeHeight(view)));
        const QList<ShownText> texts = shownTexts(view);
        QStringList shown;
        for (const ShownText &t : texts) {
            QVERIFY2(
                !elided(t.text),
                qPrintable(
                    QStringLiteral("\"%1\" is cut short in \"%2\"").arg(t.text, chart->title())));
            shown << t.text;
        }
        // The title in full, and every series' name in full in a legend.
        QVERIFY2(shown.contains(chart->title()), qPrintable(chart->title()));
        QLabel *label = legendLabel(view);
        const bool chartLegend = chart->legend()->isVisible();
        QVERIFY2(chartLegend || (label && label->isVisible()),
                 qPrintable(QStringLiteral("no legend for ") + chart->title()));
        if (label && label->isVisible()) {
            // A wrapping label shows all its lines only when it is tall
            // enough; one that does not wrap, only when its lines fit.
            if (label->wordWrap())
                QVERIFY2(
                    label->height() >= label->heightForWidth(label->width()),
                    qPrintable(QStringLiteral("the legend of %1 is clipped").arg(chart->title())));
            else
                QVERIFY2(
                    label->width() >= label->sizeHint().width() &&
                        label->height() >= label->sizeHint().height(),
                    qPrintable(QStringLiteral("the legend of %1 is clipped").arg(chart->title())));
            QVERIFY2(seenHeight(label) == label->height(),
                     qPrintable(QStringLiteral("legend of ") + chart->title() +
                                QStringLiteral(": ") + wholeHeight(label)));
        }
        for (QAbstractSeries *s : chart->series()) {
            if (chartLegend) {
                for (QLegendMarker *m : chart->legend()->markers(s))
                    if (m->isVisible())
                        QVERIFY2(shown.contains(m->label()), qPrintable(m->label()));
            } else {
                QVERIFY2(label->text().contains(s->name().toHtmlEscaped()), qPrintable(s->name()));
            }
        }
    }
}

void TestGuiCharts::markerLabelsDoNotOverlapAndSayItAll()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1280, 720), true);
    QVERIFY(window);
    ChartsPanel *charts = window->charts();
    window->controller()->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window->controller()->lastWindow() >= 5, 15000);

    // Four events within half a second, as when a kill opens two breakers.
    const QString labels[][3] = {{"product", "killed", "product killed by the operator"},
                                 {"users>product", "breaker-open", "breaker opened: 50% failed"},
                                 {"order>product", "breaker-open", "breaker opened: 60% failed"},
                                 {"cart", "scaled", "cart scaled to 3 replicas"}};
    std::vector<Event> events;
    for (int i = 0; i < 4; ++i)
        events.push_back({1000 + i, 3.0 + 0.15 * i, labels[i][0], labels[i][1], labels[i][2]});
    charts->addEvents(events);
    QCoreApplication::processEvents();

    QChartView *first = charts->chartViews().front();
    QChart *chart = first->chart();
    const QRectF plot = chart->mapRectToScene(chart->plotArea());
    QList<QRectF> placed;
    for (QGraphicsItem *child : chart->childItems()) {
        auto *text = dynamic_cast<QGraphicsSimpleTextItem *>(child);
        if (!text || !text->isVisible())
            continue;
        const QRectF r = text->sceneBoundingRect();
        QVERIFY2(r.left() >= plot.left() - 0.5 && r.right() <= plot.right() + 0.5,
                 qPrintable(QStringLiteral("\"%1\" runs out of the plot").arg(text->text())));
        for (const QRectF &other : std::as_const(placed))
            QVERIFY2(!r.intersects(other),
                     qPrintable(QStringLiteral("\"%1\" overlaps another label").arg(text->text())));
        placed.append(r);
    }
    QVERIFY(!placed.isEmpty());

    // Every marker line, labelled or not, tells what it was when hovered.
    int lines = 0;
    for (QChartView *view : charts->chartViews())
        for (QGraphicsItem *child : view->chart()->childItems())
            if (auto *line = dynamic_cast<QGraphicsLineItem *>(child); line && line->isVisible()) {
                ++lines;
                QVERIFY2(!line->toolTip().isEmpty(), qPrintable(view->chart()->title()));
            }
    QVERIFY(lines >= 4 * int(charts->chartViews().size()));
    bool saysItAll = false;
    for (QGraphicsItem *child : chart->childItems())
        if (child->isVisible() &&
            child->toolTip().contains(QStringLiteral("breaker users→product")))
            saysItAll = true;
    QVERIFY(saysItAll);
}

void TestGuiCharts::coincidingLinesStayDistinct()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000), false);
    QVERIFY(window);
    // Three services with two replicas each draw three lines on top of each
    // other: each must differ from the others in style or width.
    for (QChartView *view : window->charts()->chartViews()) {
        const QList<QAbstractSeries *> all = view->chart()->series();
        for (int i = 0; i < all.size(); ++i)
            for (int j = i + 1; j < all.size(); ++j) {
                const QPen a = static_cast<QXYSeries *>(all[i])->pen();
                const QPen b = static_cast<QXYSeries *>(all[j])->pen();
                QVERIFY2(
                    a.style() != b.style() || a.widthF() != b.widthF(),
                    qPrintable(QStringLiteral("%1 and %2 in %3 look the same")
                                   .arg(all[i]->name(), all[j]->name(), view->chart()->title())));
            }
    }
}

void TestGuiCharts::replicasAndUtilizationAreSeparateCharts()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000), false);
    QVERIFY(window);
    ChartsPanel *charts = window->charts();
    for (const QString &s : window->controller()->platform().serviceNames()) {
        QXYSeries *ready = charts->series(QStringLiteral("ready:") + s);
        QXYSeries *busy = charts->series(QStringLiteral("utilization:") + s);
        QVERIFY(ready && busy);
        QVERIFY(ready->chart() && busy->chart());
        QVERIFY2(ready->chart() != busy->chart(), qPrintable(s));
        // One value axis each: counts on one, percentages on the other.
        QCOMPARE(ready->attachedAxes().size(), 2);
        QCOMPARE(busy->attachedAxes().size(), 2);
    }
}

void TestGuiCharts::exportIsTheChartAloneAtTheDefaultSize()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1280, 720), true);
    QVERIFY(window);
    window->controller()->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window->controller()->lastWindow() >= 2, 15000);
    ChartsPanel *charts = window->charts();
    QChartView *view = charts->chartViews().front();
    const QSize onScreen = view->chart()->size().toSize();

    // PNG at 1600×900 logical pixels, drawn at device pixel ratio 2: not a
    // grab of the panel (which has the "Window:" drop-down) at screen size.
    const QString png = dir.filePath(QStringLiteral("chart.png"));
    QString error;
    QVERIFY2(charts->exportChart(view, png, &error), qPrintable(error));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(3200, 1800));
    // SVG at 1600×900.
    const QString svg = dir.filePath(QStringLiteral("chart.svg"));
    QVERIFY2(charts->exportChart(view, svg, &error), qPrintable(error));
    QSvgRenderer renderer(svg);
    QVERIFY(renderer.isValid());
    QCOMPARE(renderer.viewBoxF(), QRectF(0, 0, 1600, 900));
    // The chart on screen is as it was.
    QCOMPARE(view->chart()->size().toSize(), onScreen);
    QVERIFY(!charts->exportChart(view, QStringLiteral("/no/such/folder/c.png"), &error));
    QVERIFY(error.contains(QLatin1String("/no/such/folder/c.png")));
}

static int readyOf(ShopController *c, const QString &service)
{
    const ServiceSnapshot *s = c->snapshot().service(service);
    return s ? s->ready() : -1;
}

void TestGuiCharts::surgeReplicaShowsAsAStep()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000), false);
    QVERIFY(window);
    ShopController *c = window->controller();
    c->startLoad();
    const QString cart = QStringLiteral("cart");
    QTRY_VERIFY_WITH_TIMEOUT(readyOf(c, cart) >= 1 && c->lastWindow() >= 2, 15000);
    const int steady = readyOf(c, cart);

    // One more replica for about two seconds, as a rolling update's surge.
    QVERIFY(c->scaleService(cart, steady + 1));
    QTRY_VERIFY_WITH_TIMEOUT(readyOf(c, cart) == steady + 1, 15000);
    const double up = c->snapshot().t;
    QTRY_VERIFY_WITH_TIMEOUT(c->snapshot().t >= up + 2.0, 10000);
    QVERIFY(c->scaleService(cart, steady));
    QTRY_VERIFY_WITH_TIMEOUT(readyOf(c, cart) == steady, 15000);
    const double down = c->snapshot().t;
    QTRY_VERIFY_WITH_TIMEOUT(c->lastWindow() >= down + 1.5, 10000);

    // A step up at the moment it became ready, and back down when it went:
    // two points at one time, not a slope between one-second samples.
    QXYSeries *ready = window->charts()->series(QStringLiteral("ready:cart"));
    QVERIFY(ready);
    const QList<QPointF> pts = ready->points();
    int stepUp = -1, stepDown = -1;
    for (int i = 0; i + 1 < pts.size(); ++i) {
        if (pts[i].x() != pts[i + 1].x())
            continue;
        if (pts[i].y() == steady && pts[i + 1].y() == steady + 1)
            stepUp = i;
        if (pts[i].y() == steady + 1 && pts[i + 1].y() == steady && stepUp >= 0)
            stepDown = i;
    }
    QVERIFY2(stepUp >= 0, "no step up to the surge count");
    QVERIFY2(stepDown > stepUp, "no step back down");
    QVERIFY(std::abs(pts[stepUp].x() - up) < 0.5);
    QVERIFY(std::abs(pts[stepDown].x() - down) < 0.5);
    QVERIFY(pts[stepDown].x() - pts[stepUp].x() > 1.5);
}

void TestGuiCharts::loadChangeGetsAMarkerOfItsOwnColour()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000), false);
    QVERIFY(window);
    ChartsPanel *charts = window->charts();
    window->controller()->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window->controller()->lastWindow() >= 3, 15000);

    const int before = charts->markerCount();
    charts->addEvents({Event{2000, 2.0, QStringLiteral("load"), QStringLiteral("load-change"),
                             QStringLiteral("load 100 → 400 journeys/s")},
                       Event{2001, 2.5, QStringLiteral("cart"), QStringLiteral("killed"),
                             QStringLiteral("cart killed")}});
    QCOMPARE(charts->markerCount(), before + 2);

    // Its line is drawn in every chart, in a colour no other marker has...
    QChart *chart = charts->chartViews().front()->chart();
    QColor loadColour, killColour;
    for (QGraphicsItem *child : chart->childItems()) {
        auto *line = dynamic_cast<QGraphicsLineItem *>(child);
        if (!line || !line->isVisible())
            continue;
        const double t = chart->mapToValue(line->line().p1()).x();
        if (std::abs(t - 2.0) < 0.1)
            loadColour = line->pen().color();
        if (std::abs(t - 2.5) < 0.1)
            killColour = line->pen().color();
    }
    QVERIFY(loadColour.isValid() && killColour.isValid());
    QVERIFY(loadColour != killColour);
    // ...and the hint above the charts names that colour.
    bool named = false;
    for (QLabel *l : charts->findChildren<QLabel *>())
        if (l->text().contains(QLatin1String("load change")) &&
            l->text().contains(loadColour.name()))
            named = true;
    QVERIFY2(named, "the hint does not name the load-change colour");
}

void TestGuiCharts::manyServicesLegendSettles()
{
    // The train-ticket architecture's 41 services are 41 legend entries in
    // the throughput chart: twenty lines below it in presenter type, forty
    // beside it. The panel chose one, then reckoned the other as one line
    // (or four) and flipped back on the next resize, for ever: 130 chart
    // repaints a second and the GUI thread fully busy.
    QStringList problems;
    const auto scenario = Scenario::fromFile(
        QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios/train-ticket.json"), &problems);
    QVERIFY2(scenario, qPrintable(problems.join(QLatin1Char('\n'))));
    QTemporaryDir dir;
    auto session = std::make_unique<ShopSession>(dir.path(), scenario->architecture,
                                                 scenario->platform, LoadConfig{});
    QVERIFY2(session->start(), qPrintable(session->startError()));
    MainWindow::Options options;
    options.persistSettings = false;
    options.presenter = true;
    options.size = QSize(1600, 1000);
    MainWindow window(std::move(session), options);
    window.resize(options.size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::qWait(500);

    QChartView *throughput = nullptr;
    for (QChartView *v : window.charts()->findChildren<QChartView *>())
        if (v->chart()->title().startsWith(QStringLiteral("Throughput")))
            throughput = v;
    QVERIFY(throughput);
    QLabel *legend = legendLabel(throughput);
    QVERIFY(legend);
    QVERIFY2(legend->text().count(QStringLiteral("</span>")) >= 41, qPrintable(legend->text()));

    // Beside, the legend does not wrap; below, it does.
    const bool placed = legend->wordWrap();
    int flips = 0;
    int paints = 0;
    struct PaintCounter : QObject
    {
        int *count;
        bool eventFilter(QObject *, QEvent *e) override
        {
            if (e->type() == QEvent::Paint)
                ++*count;
            return false;
        }
    } counter;
    counter.count = &paints;
    throughput->viewport()->installEventFilter(&counter);
    bool last = placed;
    for (int i = 0; i < 100; ++i) {
        QTest::qWait(10);
        if (legend->wordWrap() != last) {
            ++flips;
            last = legend->wordWrap();
        }
    }
    throughput->viewport()->removeEventFilter(&counter);
    QCOMPARE(flips, 0);
    // No load runs, so the chart has next to nothing to redraw in that second.
    QVERIFY2(paints <= 10, qPrintable(QStringLiteral("%1 repaints in a second").arg(paints)));
}

QTEST_MAIN(TestGuiCharts)
#include "tst_gui_charts.moc"
