// The Compare window on two real recordings: the cascading-failure presets
// without and with timeouts and a breaker, shortened to 18 s and run
// headless in this process, as tst_compare runs them.
#include "comparewindow.h"
#include "headless.h"
#include "recording.h"
#include "scenario.h"
#include "testsupport.h"
#include "theme.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QValueAxis>

#include <cmath>
#include <memory>

using namespace microcosm;

namespace {

using Plot = CompareWindow::Plot;
constexpr Plot plots[] = {Plot::Throughput, Plot::Success, Plot::P99};

// The figure's row under its entity's item in the window's table.
QTreeWidgetItem *rowOf(QTreeWidget *tree, const QString &entity, CompareFigure figure)
{
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *group = tree->topLevelItem(i);
        if (group->data(0, Qt::UserRole).toString() != entity)
            continue;
        for (int j = 0; j < group->childCount(); ++j)
            if (group->child(j)->data(0, Qt::UserRole).toInt() == int(figure))
                return group->child(j);
    }
    return nullptr;
}

std::optional<double> firstEventOf(const Recording &r, const QString &kind)
{
    for (const Event &e : r.events())
        if (e.kind == kind)
            return e.t;
    return std::nullopt;
}

} // namespace

class TestGuiCompare : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void tableShowsCompareRecordingsFigures();
    void verdictsAreColoured();
    void chartsHoldEverySecondOfLoad();
    void bIsDashedAndAIsSolid();
    void aligningOnAnEventShiftsByItsTime();
    void kindFilterShowsOnlyThatKind();
    void expectationsOfBoth();
    void presenterModeEnlargesTheType();
    void aBadFileIsRefused_data();
    void aBadFileIsRefused();
    // With MICROCOSM_SCREENSHOT_DIR set: the window at 1280×720 in presenter
    // mode, saved as compare-window.png there, on MICROCOSM_COMPARE_A and
    // MICROCOSM_COMPARE_B (the full presets' recordings) when set, else on
    // this test's own; skipped otherwise.
    void screenshot();

private:
    QTemporaryDir m_dir;
    QString m_noTimeouts; // A: the slow link holds the order service's threads
    QString m_breaker;    // B: timeouts and a breaker contain it
    std::optional<Recording> m_a, m_b;
    std::unique_ptr<CompareWindow> m_window;
};

void TestGuiCompare::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const auto &[preset, path] :
         {std::pair{QStringLiteral("cascade-no-timeouts"), &m_noTimeouts},
          std::pair{QStringLiteral("cascade-with-breaker"), &m_breaker}}) {
        QString problem;
        *path = test::recordShortenedPreset(preset, m_dir.filePath(preset), &problem);
        QVERIFY2(!path->isEmpty(), qPrintable(problem));
    }
    QString error;
    m_a = Recording::open(m_noTimeouts, &error);
    QVERIFY2(m_a, qPrintable(error));
    m_b = Recording::open(m_breaker, &error);
    QVERIFY2(m_b, qPrintable(error));
}

void TestGuiCompare::init()
{
    QString error;
    m_window.reset(CompareWindow::open(m_noTimeouts, m_breaker, nullptr, &error));
    QVERIFY2(m_window, qPrintable(error));
    m_window->setAttribute(Qt::WA_DeleteOnClose, false); // the test owns it
    m_window->resize(1280, 720);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestGuiCompare::cleanup()
{
    m_window.reset();
}

void TestGuiCompare::tableShowsCompareRecordingsFigures()
{
    const CompareTable t = compareRecordings(*m_a, *m_b);
    QCOMPARE(m_window->windowTitle(),
             QStringLiteral("Compare — A: Cascading failure: no timeouts / B: Cascading failure: "
                            "timeouts and a breaker"));
    const CompareRow *p99 = t.find(QStringLiteral("gateway"), CompareFigure::P99);
    QVERIFY(p99 && p99->a && p99->b);
    QTreeWidgetItem *row =
        rowOf(m_window->figures(), QStringLiteral("gateway"), CompareFigure::P99);
    QVERIFY(row);
    QVERIFY(row->parent()->text(0).startsWith(QStringLiteral("gateway")));
    QCOMPARE(row->text(0), QStringLiteral("p99 (ms)"));
    // As `microcosm compare` prints it (ms to a tenth), and the value itself.
    QCOMPARE(row->text(1), QString::number(*p99->a, 'f', 1));
    QCOMPARE(row->text(2), QString::number(*p99->b, 'f', 1));
    QCOMPARE(row->data(1, Qt::UserRole).toDouble(), *p99->a);
    QCOMPARE(row->data(2, Qt::UserRole).toDouble(), *p99->b);

    // Every row of the table is there, under its entity, with its values.
    int children = 0;
    for (int i = 0; i < m_window->figures()->topLevelItemCount(); ++i)
        children += m_window->figures()->topLevelItem(i)->childCount();
    QCOMPARE(children, int(t.rows.size()));
    for (const CompareRow &r : t.rows) {
        QTreeWidgetItem *item = rowOf(m_window->figures(), r.entity, r.figure);
        QVERIFY2(item, qPrintable(r.entity + QLatin1Char(' ') + compareFigureName(r.figure)));
        QCOMPARE(item->data(1, Qt::UserRole).isValid(), r.a.has_value());
        if (r.a)
            QCOMPARE(item->data(1, Qt::UserRole).toDouble(), *r.a);
        if (r.b)
            QCOMPARE(item->data(2, Qt::UserRole).toDouble(), *r.b);
    }
}

void TestGuiCompare::verdictsAreColoured()
{
    const CompareTable t = compareRecordings(*m_a, *m_b);
    int better = 0, worse = 0;
    for (const CompareRow &r : t.rows) {
        QTreeWidgetItem *item = rowOf(m_window->figures(), r.entity, r.figure);
        QVERIFY(item);
        const QColor fill = item->background(4).color();
        const QString what = r.entity + QLatin1Char(' ') + compareFigureName(r.figure);
        switch (r.verdict) {
        case CompareVerdict::Better:
            ++better;
            QCOMPARE(item->text(4), QStringLiteral("better"));
            QVERIFY2(fill.hue() >= 90 && fill.hue() <= 160, qPrintable(what)); // green
            break;
        case CompareVerdict::Worse:
            ++worse;
            QCOMPARE(item->text(4), QStringLiteral("worse"));
            QVERIFY2(fill.hue() >= 0 && (fill.hue() <= 15 || fill.hue() >= 345),
                     qPrintable(what)); // red
            break;
        case CompareVerdict::Same:
            QCOMPARE(item->text(4), QStringLiteral("same"));
            QCOMPARE(item->background(4).style(), Qt::NoBrush);
            QCOMPARE(item->foreground(4).color(), theme::mutedText(m_window->palette()));
            break;
        case CompareVerdict::None:
            QCOMPARE(item->text(4), QStringLiteral("—"));
            break;
        }
        // White type on a filled cell, for the back of the room.
        if (r.verdict == CompareVerdict::Better || r.verdict == CompareVerdict::Worse)
            QCOMPARE(item->foreground(4).color(), QColor(Qt::white));
    }
    // The lesson has both: the breaker makes the users' p99 better and
    // short-circuits calls the run without it never refused.
    QVERIFY(better > 0);
    QVERIFY(worse > 0);
}

void TestGuiCompare::chartsHoldEverySecondOfLoad()
{
    for (const auto side : {CompareWindow::A, CompareWindow::B}) {
        const Recording &r = side == CompareWindow::A ? *m_a : *m_b;
        QList<double> seconds;
        for (const double t : r.seconds())
            if (t > r.loadStart())
                seconds << t;
        QVERIFY(seconds.size() >= 17); // 18 s of load
        // The gateway's windows after the load started, and the seconds of
        // load each covers: the first began before the load, the last ended
        // with the run.
        std::vector<Window> windows;
        std::vector<double> spans;
        std::optional<double> previous;
        for (const Window &w : r.series(QStringLiteral("gateway"))) {
            if (w.t > r.loadStart()) {
                windows.push_back(w);
                spans.push_back(w.t - std::max(previous.value_or(w.t - 1), r.loadStart()));
            }
            previous = w.t;
        }
        qsizetype withRequests = 0;
        for (const Window &w : windows)
            withRequests += w.total() > 0 ? 1 : 0;

        const QList<QPointF> throughput = m_window->series(Plot::Throughput, side)->points();
        QCOMPARE(throughput.size(), seconds.size());
        QCOMPARE(m_window->series(Plot::Success, side)->points().size(), withRequests);
        QCOMPARE(m_window->series(Plot::P99, side)->points().size(), withRequests);
        QVERIFY(withRequests >= seconds.size() - 1);
        // x: seconds since the load started; y: the second's requests per
        // second of load in it (a full second's: its count).
        int full = 0;
        for (qsizetype i = 0; i < throughput.size(); ++i) {
            const auto at = std::size_t(i);
            QCOMPARE(throughput[i].x(), seconds[i] - r.loadStart());
            QCOMPARE(throughput[i].y(), double(windows[at].total()) / std::max(0.25, spans[at]));
            if (std::abs(spans[at] - 1) < 0.01) {
                QVERIFY(std::abs(throughput[i].y() - double(windows[at].total())) <
                        0.01 * throughput[i].y());
                ++full;
            }
        }
        QVERIFY(full >= throughput.size() - 2);
        QCOMPARE(m_window->origin(side), r.loadStart());
    }
    // Without timeouts, the users' p99 climbs past a second once the link
    // is slow; with the breaker it never does.
    auto highest = [this](CompareWindow::Side side) {
        double top = 0;
        for (const QPointF &p : m_window->series(Plot::P99, side)->points())
            top = std::max(top, p.y());
        return top;
    };
    QVERIFY2(highest(CompareWindow::A) > 1000,
             qPrintable(QString::number(highest(CompareWindow::A))));
    QVERIFY2(highest(CompareWindow::A) > highest(CompareWindow::B),
             qPrintable(QString::number(highest(CompareWindow::B))));
}

void TestGuiCompare::bIsDashedAndAIsSolid()
{
    for (const Plot plot : plots) {
        QLineSeries *a = m_window->series(plot, CompareWindow::A);
        QLineSeries *b = m_window->series(plot, CompareWindow::B);
        QVERIFY(a && b);
        QCOMPARE(a->pen().style(), Qt::SolidLine);
        QCOMPARE(b->pen().style(), Qt::DashLine);
        // One colour (A's paler, under B): the style tells them apart.
        QCOMPARE(a->pen().color().rgb(), b->pen().color().rgb());
        QVERIFY(a->isVisible() && b->isVisible());
        QCOMPARE(a->chart(), m_window->chartView(plot)->chart());
    }
    QVERIFY(m_window->header(CompareWindow::A)->text().contains(QStringLiteral("solid")));
    QVERIFY(m_window->header(CompareWindow::B)->text().contains(QStringLiteral("dashed")));
}

void TestGuiCompare::aligningOnAnEventShiftsByItsTime()
{
    // Both runs slow the link between order and product: a fault starts in each.
    const QString kind = QStringLiteral("fault-start");
    QVERIFY2(m_window->alignKinds().contains(kind),
             qPrintable(m_window->alignKinds().join(QLatin1Char(','))));
    QVERIFY(!m_window->alignKinds().contains(QStringLiteral("breaker-open"))); // only B's breaker
    QVERIFY(!m_window->setAlignOn(QStringLiteral("breaker-open")));

    std::array<std::array<QList<QPointF>, 3>, 2> before;
    for (const auto side : {CompareWindow::A, CompareWindow::B})
        for (std::size_t p = 0; p < 3; ++p)
            before[side][p] = m_window->series(plots[p], side)->points();

    // As the user picks it.
    QComboBox *box = m_window->alignBox();
    const int index = box->findData(kind);
    QVERIFY(index > 0);
    box->setCurrentIndex(index);
    QCOMPARE(m_window->alignOn(), kind);

    for (const auto side : {CompareWindow::A, CompareWindow::B}) {
        const Recording &r = side == CompareWindow::A ? *m_a : *m_b;
        const std::optional<double> at = firstEventOf(r, kind);
        QVERIFY(at);
        QCOMPARE(m_window->origin(side), *at);
        const double shift = *at - r.loadStart();
        QVERIFY(shift > 2); // the fault starts 4 s into the load
        for (std::size_t p = 0; p < 3; ++p) {
            const QList<QPointF> after = m_window->series(plots[p], side)->points();
            QCOMPARE(after.size(), before[side][p].size());
            for (qsizetype i = 0; i < after.size(); ++i) {
                QCOMPARE(before[side][p][i].x() - after[i].x(), shift);
                QCOMPARE(after[i].y(), before[side][p][i].y());
            }
        }
    }
    auto *x = qobject_cast<QValueAxis *>(
        m_window->chartView(Plot::P99)->chart()->axes(Qt::Horizontal).value(0));
    QVERIFY(x);
    QVERIFY(x->min() < 0); // the seconds before the fault
    QVERIFY(x->titleText().contains(kind));

    box->setCurrentIndex(0);
    QCOMPARE(m_window->alignOn(), QString());
    QCOMPARE(m_window->series(Plot::Throughput, CompareWindow::A)->points(),
             before[CompareWindow::A][0]);
}

void TestGuiCompare::kindFilterShowsOnlyThatKind()
{
    QComboBox *box = m_window->kindBox();
    box->setCurrentIndex(box->findData(int(CompareEntityKind::Edge)));
    QTreeWidget *tree = m_window->figures();
    int shown = 0;
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *group = tree->topLevelItem(i);
        const bool edge =
            group->data(0, Qt::UserRole).toString().startsWith(QStringLiteral("edge:"));
        QCOMPARE(group->isHidden(), !edge);
        shown += edge ? 1 : 0;
    }
    QVERIFY(shown > 0);
    box->setCurrentIndex(0);
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        QVERIFY(!tree->topLevelItem(i)->isHidden());
}

void TestGuiCompare::expectationsOfBoth()
{
    const CompareTable t = compareRecordings(*m_a, *m_b);
    QTreeWidget *tree = m_window->expectations();
    QCOMPARE(tree->topLevelItemCount(), 2);
    for (int side = 0; side < 2; ++side) {
        const CompareSide &s = side == 0 ? t.a : t.b;
        QTreeWidgetItem *group = tree->topLevelItem(side);
        QCOMPARE(group->childCount(), int(s.expectations.size()));
        for (int i = 0; i < group->childCount(); ++i) {
            QCOMPARE(group->child(i)->text(0), s.expectations[i].text);
            QCOMPARE(group->child(i)->text(2),
                     s.expectations[i].held ? QStringLiteral("held") : QStringLiteral("NOT HELD"));
        }
    }
    // The shortened runs meet what each preset expects (tst_compare checks it too).
    const int tab = m_window->tabs()->indexOf(tree);
    QCOMPARE(m_window->tabs()->tabText(tab),
             QStringLiteral("Expectations (A %1/%1 held, B %2/%2 held)")
                 .arg(t.a.expectations.size())
                 .arg(t.b.expectations.size()));
}

void TestGuiCompare::presenterModeEnlargesTheType()
{
    const qreal before = QFontInfo(m_window->figures()->font()).pixelSize();
    const qreal title = QFontInfo(m_window->chartView(Plot::P99)->chart()->titleFont()).pixelSize();
    const qreal width = m_window->series(Plot::P99, CompareWindow::B)->pen().widthF();
    m_window->setPresenter(true);
    QVERIFY(m_window->presenter());
    QVERIFY2(QFontInfo(m_window->figures()->font()).pixelSize() >= before * 1.4,
             qPrintable(QString::number(QFontInfo(m_window->figures()->font()).pixelSize())));
    QVERIFY(QFontInfo(m_window->chartView(Plot::P99)->chart()->titleFont()).pixelSize() >=
            title * 1.4);
    QVERIFY(m_window->series(Plot::P99, CompareWindow::B)->pen().widthF() > width);
    QCOMPARE(m_window->series(Plot::P99, CompareWindow::B)->pen().style(), Qt::DashLine);
    m_window->setPresenter(false);
    QCOMPARE(QFontInfo(m_window->figures()->font()).pixelSize(), before);
}

void TestGuiCompare::aBadFileIsRefused_data()
{
    QTest::addColumn<QByteArray>("content"); // empty: no file at all
    QTest::addColumn<bool>("badIsB");
    for (const bool b : {false, true}) {
        const char *side = b ? "B" : "A";
        QTest::newRow(qPrintable(QStringLiteral("%1 missing").arg(side))) << QByteArray() << b;
        QTest::newRow(qPrintable(QStringLiteral("%1 text").arg(side)))
            << QByteArray("not a recording at all\n") << b;
    }
    QTest::newRow("A empty file") << QByteArray("") << false;
}

void TestGuiCompare::aBadFileIsRefused()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, badIsB);
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("bad.microcosm"));
    if (!content.isNull()) {
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    QString expected;
    QVERIFY(!Recording::open(bad, &expected));
    QVERIFY(!expected.isEmpty());
    QString error;
    std::unique_ptr<CompareWindow> window(
        badIsB ? CompareWindow::open(m_noTimeouts, bad, nullptr, &error)
               : CompareWindow::open(bad, m_breaker, nullptr, &error));
    QVERIFY(!window);
    QCOMPARE(error, expected);
    QVERIFY2(error.contains(bad), qPrintable(error)); // it names the file
}

void TestGuiCompare::screenshot()
{
    const QString out = qEnvironmentVariable("MICROCOSM_SCREENSHOT_DIR");
    if (out.isEmpty())
        QSKIP("set MICROCOSM_SCREENSHOT_DIR to take the screenshot");
    const QString a = qEnvironmentVariable("MICROCOSM_COMPARE_A", m_noTimeouts);
    const QString b = qEnvironmentVariable("MICROCOSM_COMPARE_B", m_breaker);
    QString error;
    std::unique_ptr<CompareWindow> window(CompareWindow::open(a, b, nullptr, &error));
    QVERIFY2(window, qPrintable(error));
    window->setAttribute(Qt::WA_DeleteOnClose, false);
    window->setPresenter(true);
    window->resize(1280, 720);
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    QTest::qWait(200); // the charts lay out their plot areas
    const QString path = QDir(out).filePath(QStringLiteral("compare-window.png"));
    QVERIFY2(window->grab().save(path), qPrintable(path));
}

QTEST_MAIN(TestGuiCompare)
#include "tst_gui_compare.moc"
