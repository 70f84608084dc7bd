// The Controls panel as an instructor drives it in front of a class (every
// section's header on screen, the wheel scrolls the panel, tooltips that
// fit), and one name for each thing in the files an architect compares: the
// report, the CSV of the GUI and of a headless run, and a saved scenario.
#include "chaoscontrols.h"
#include "controlspanel.h"
#include "exporter.h"
#include "guitestsupport.h"
#include "headless.h"
#include "mainwindow.h"
#include "programrunner.h"
#include "scenario.h"
#include "scenariowriter.h"
#include "shop.h"
#include "shopcontroller.h"
#include "topologyview.h"

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QGroupBox>
#include <QHelpEvent>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <QToolTip>
#include <QWheelEvent>
#include <QtTest/qtestspontaneevent.h>
#include <functional>

#include <functional>

using namespace microcosm;

namespace {

const QStringList SectionNames{QStringLiteral("load"), QStringLiteral("services"),
                               QStringLiteral("policies"), QStringLiteral("autoscaler"),
                               QStringLiteral("chaos")};

// A scenario with traffic on every edge, a fault on a link and a breaker
// forced open, so that edge names reach the report's events too.
QByteArray edgeScenario()
{
    return R"({
  "title": "edge names",
  "duration": 2,
  "seed": 3,
  "policies": { "edges": {
    "users>product": { "timeoutMs": 1000, "circuitBreaker": "demo" },
    "order>cart": { "timeoutMs": 500, "circuitBreaker": "demo" } } },
  "load": { "profile": { "shape": "constant", "rate": 40 } },
  "timeline": [
    { "at": 0.3, "action": "latency", "from": "order", "to": "cart", "ms": 20 },
    { "at": 0.6, "action": "breaker", "from": "users", "to": "product", "state": "forced-open" },
    { "at": 1.2, "action": "breaker", "from": "users", "to": "product", "state": "closed" },
    { "at": 1.5, "action": "clear-faults", "from": "order", "to": "cart" }
  ],
  "expect": [ { "metric": "success-rate", "entity": "order>cart", "op": ">=", "value": 0 } ]
})";
}

// An edge named as a file names it: "caller>service".
const QRegularExpression EdgeKey(QStringLiteral("^[a-z]+>[a-z*]+$"));

QScrollArea *scrollAreaOf(QWidget *w)
{
    for (QWidget *p = w->parentWidget(); p; p = p->parentWidget())
        if (auto *scroll = qobject_cast<QScrollArea *>(p))
            return scroll;
    return nullptr;
}

// Turns the wheel by `notches` over the middle of w, as a mouse does: a
// spontaneous event, which Qt gives the focus by and passes on to the
// parents when w ignores it (one sent by the program goes to w alone).
void wheel(QWidget *w, int notches)
{
    const QPointF local = QRectF(w->rect()).center();
    QWheelEvent e(local, w->mapToGlobal(local), QPoint(), QPoint(0, 120 * notches), Qt::NoButton,
                  Qt::NoModifier, Qt::NoScrollPhase, false);
    QSpontaneKeyEvent::setSpontaneous(&e);
    qApp->notify(w, &e);
}

// The lines of a CSV file, without the empty one after the last newline.
QList<QByteArray> csvLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = f.readAll().split('\n');
    while (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

} // namespace

class TestGuiControls : public QObject
{
    Q_OBJECT

private slots:
    void everySectionHeaderIsOnScreenAt1600x1000();
    void sectionsFoldAndTheirStateIsRemembered();
    void wheelOverAnUnfocusedFieldScrollsThePanel();
    void everyTooltipIsWrapped();
    void reportNamesEdgesCallerGreaterService();
    void guiAndHeadlessCsvHaveOneFormat();
    void guiCsvWideIsAnOption();
    void savedScenarioNamesEdgesAndPresetsAsFilesDo();
    void helpNamesEveryJourneyAndOption();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &dir, QSize size, bool persist = false);
    IsolatedSettings m_settings; // never the user's own settings
};

std::unique_ptr<MainWindow> TestGuiControls::openWindow(const QString &dir, QSize size,
                                                        bool persist)
{
    TestWindow w;
    w.rate = 60;
    w.size = size;
    w.persistSettings = persist;
    return openTestWindow(dir, w);
}

void TestGuiControls::everySectionHeaderIsOnScreenAt1600x1000()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000));
    QVERIFY(window);
    ControlsPanel *controls = window->controls();
    QScrollArea *scroll = scrollAreaOf(controls);
    QVERIFY(scroll);
    QTRY_VERIFY(scroll->viewport()->height() > 200);
    QCOMPARE(scroll->verticalScrollBar()->value(), 0);
    for (const QString &name : SectionNames) {
        auto *section = controls->findChild<QWidget *>(QStringLiteral("section-") + name);
        QVERIFY2(section, qPrintable(name));
        // The header: the top of the section, a line of text high.
        const int headerBottom = section->mapTo(scroll->viewport(), QPoint(0, 0)).y() +
                                 section->fontMetrics().height() + 8;
        QVERIFY2(headerBottom <= scroll->viewport()->height(),
                 qPrintable(QStringLiteral("the %1 header ends at y=%2, the panel shows %3 px")
                                .arg(name)
                                .arg(headerBottom)
                                .arg(scroll->viewport()->height())));
    }
}

void TestGuiControls::sectionsFoldAndTheirStateIsRemembered()
{
    QSettings().clear();
    QTemporaryDir dir;
    bool chaosOpen = false;
    {
        auto window = openWindow(dir.filePath(QStringLiteral("a")), QSize(1600, 1000), true);
        QVERIFY(window);
        ControlsPanel *controls = window->controls();
        auto *header =
            controls->findChild<QAbstractButton *>(QStringLiteral("section-header-chaos"));
        QVERIFY2(header, "the Chaos section has no clickable header");
        QWidget *content = controls->chaos();
        chaosOpen = content->isVisibleTo(controls);
        QTest::mouseClick(header, Qt::LeftButton);
        QCOMPARE(content->isVisibleTo(controls), !chaosOpen);
        window->close();
    }
    auto window = openWindow(dir.filePath(QStringLiteral("b")), QSize(1600, 1000), true);
    QVERIFY(window);
    QCOMPARE(window->controls()->chaos()->isVisibleTo(window->controls()), !chaosOpen);
    // Asked for (the topology's "Chaos…" item), a folded section opens.
    window->controls()->setSectionOpen(QStringLiteral("chaos"), false);
    window->controls()->showSection(QStringLiteral("chaos"));
    QVERIFY(window->controls()->chaos()->isVisibleTo(window->controls()));
    QSettings().clear();
}

void TestGuiControls::wheelOverAnUnfocusedFieldScrollsThePanel()
{
    QTemporaryDir dir;
    // Small enough that the panel scrolls whatever is open.
    auto window = openWindow(dir.path(), QSize(1100, 560));
    QVERIFY(window);
    ControlsPanel *controls = window->controls();
    QScrollArea *scroll = scrollAreaOf(controls);
    QVERIFY(scroll);
    // A field added after the panel was built is treated alike.
    auto *later = new QSpinBox;
    later->setRange(0, 100);
    later->setValue(50);
    controls->addSection(QStringLiteral("Later"), later);
    for (auto *header : controls->findChildren<QAbstractButton *>(
             QRegularExpression(QStringLiteral("^section-header-"))))
        if (!header->isChecked())
            header->click(); // every section open
    QTRY_VERIFY(scroll->verticalScrollBar()->maximum() > 100);
    window->topology()->setFocus();

    QSpinBox *replicas = controls->replicasBox(QStringLiteral("product"));
    QComboBox *shape = controls->shapeBox();
    const QList<QWidget *> fields{replicas, controls->rateBox(), shape, later};
    for (QWidget *field : fields) {
        QVERIFY(!field->hasFocus());
        const int replicasBefore = replicas->value(), rateBefore = controls->rateBox()->value(),
                  shapeBefore = shape->currentIndex(), laterBefore = later->value();
        QScrollBar *bar = scroll->verticalScrollBar();
        bar->setValue(bar->maximum() / 2);
        const int scrolled = bar->value();
        wheel(field, 1); // up: a spin box would count up
        wheel(field, -3);
        QCOMPARE(replicas->value(), replicasBefore);
        QCOMPARE(controls->rateBox()->value(), rateBefore);
        QCOMPARE(shape->currentIndex(), shapeBefore);
        QCOMPARE(later->value(), laterBefore);
        QVERIFY2(bar->value() > scrolled,
                 qPrintable(QStringLiteral("%1: the panel did not scroll (%2, then %3)")
                                .arg(field->metaObject()->className())
                                .arg(scrolled)
                                .arg(bar->value())));
        QVERIFY(!field->hasFocus());
    }
    // A field with the focus takes the wheel, as before.
    QApplication::setActiveWindow(window.get());
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    later->setFocus();
    QTRY_VERIFY(later->hasFocus());
    const int before = later->value();
    wheel(later, 1);
    QCOMPARE(later->value(), before + 1);
}

void TestGuiControls::everyTooltipIsWrapped()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1600, 1000));
    QVERIFY(window);
    ControlsPanel *controls = window->controls();
    for (auto *header : controls->findChildren<QAbstractButton *>(
             QRegularExpression(QStringLiteral("^section-header-"))))
        if (!header->isChecked())
            header->click(); // every section open, so every field can show its tip
    // One added later is wrapped too.
    auto *later = new QSpinBox;
    later->setToolTip(
        QString(QStringLiteral("A long explanation of a field added later. ")).repeated(8));
    controls->addSection(QStringLiteral("Later"), later);
    QTest::qWait(0);

    int shown = 0;
    QStringList tooWide;
    for (QWidget *w : controls->findChildren<QWidget *>()) {
        if (w->toolTip().isEmpty() || !w->isVisible())
            continue;
        const QPoint at = w->rect().center();
        QHelpEvent help(QEvent::ToolTip, at, w->mapToGlobal(at));
        QApplication::sendEvent(w, &help);
        QWidget *label = nullptr;
        for (QWidget *top : QApplication::topLevelWidgets())
            if (top->objectName() == QLatin1String("qtooltip_label") && top->isVisible())
                label = top;
        if (!label)
            continue;
        ++shown;
        if (label->width() > 600)
            tooWide << QStringLiteral("%1 (%2 px): %3")
                           .arg(w->objectName().isEmpty()
                                    ? QString::fromLatin1(w->metaObject()->className())
                                    : w->objectName())
                           .arg(label->width())
                           .arg(w->toolTip().left(60));
        QToolTip::hideText();
    }
    QVERIFY2(shown >= 20, qPrintable(QStringLiteral("only %1 tooltips shown").arg(shown)));
    QVERIFY2(tooWide.isEmpty(), qPrintable(tooWide.join(QLatin1Char('\n'))));
}

void TestGuiControls::reportNamesEdgesCallerGreaterService()
{
    QTemporaryDir dir;
    QStringList problems;
    const auto scenario = Scenario::parse(edgeScenario(), &problems);
    QVERIFY2(scenario, qPrintable(problems.join(QLatin1Char('\n'))));
    HeadlessOptions options;
    options.scenario = scenario;
    options.dataDir = dir.filePath(QStringLiteral("run"));
    options.reportPath = dir.filePath(QStringLiteral("report.json"));
    QString out, err;
    QTextStream outStream(&out), errStream(&err);
    runHeadless(options, outStream, errStream);
    QFile file(options.reportPath);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(err));
    const QJsonObject report = QJsonDocument::fromJson(file.readAll()).object();

    const QStringList edges = report.value(QStringLiteral("edges")).toObject().keys();
    QVERIFY(edges.contains(QStringLiteral("users>product")));
    QVERIFY(edges.contains(QStringLiteral("order>cart")));
    for (const QString &e : edges)
        QVERIFY2(EdgeKey.match(e).hasMatch(), qPrintable(e));
    QStringList sources;
    for (const QJsonValue &v : report.value(QStringLiteral("events")).toArray())
        sources << v.toObject().value(QStringLiteral("source")).toString();
    QVERIFY2(sources.contains(QStringLiteral("order>cart")), qPrintable(sources.join(u' ')));
    QVERIFY2(sources.contains(QStringLiteral("users>product")), qPrintable(sources.join(u' ')));
    // Only the sentences of the events, shown on the timeline as they are
    // here, may draw an arrow; no name does.
    QJsonArray events;
    for (const QJsonValue &v : report.value(QStringLiteral("events")).toArray()) {
        QJsonObject e = v.toObject();
        e.remove(QStringLiteral("message"));
        events.append(e);
    }
    QJsonObject names = report;
    names.insert(QStringLiteral("events"), events);
    // The debrief is sentences too (its text, and the events' own words in
    // its facts); its names (sources, edges) are keys like any other.
    QJsonObject debrief = report.value(QStringLiteral("debrief")).toObject();
    QVERIFY(!debrief.value(QStringLiteral("text")).toString().isEmpty());
    debrief.remove(QStringLiteral("text"));
    const std::function<QJsonValue(const QJsonValue &)> withoutMessages =
        [&](const QJsonValue &v) -> QJsonValue {
        if (v.isArray()) {
            QJsonArray a;
            for (const QJsonValue &x : v.toArray())
                a.append(withoutMessages(x));
            return a;
        }
        if (!v.isObject())
            return v;
        QJsonObject o = v.toObject();
        o.remove(QStringLiteral("message"));
        for (auto it = o.begin(); it != o.end(); ++it)
            it.value() = withoutMessages(it.value());
        return o;
    };
    names.insert(QStringLiteral("debrief"), withoutMessages(debrief));
    const QString rest = QString::fromUtf8(QJsonDocument(names).toJson());
    const qsizetype arrow = rest.indexOf(QStringLiteral("→"));
    QVERIFY2(arrow < 0, qPrintable(rest.mid(std::max<qsizetype>(0, arrow - 80), 160)));
}

void TestGuiControls::guiAndHeadlessCsvHaveOneFormat()
{
    QTemporaryDir dir;
    HeadlessOptions options;
    options.durationSeconds = 1.5;
    options.rate = 40;
    options.dataDir = dir.filePath(QStringLiteral("headless"));
    options.csvPath = dir.filePath(QStringLiteral("headless.csv"));
    QString out, err;
    QTextStream outStream(&out), errStream(&err);
    runHeadless(options, outStream, errStream);
    const QList<QByteArray> headless = csvLines(options.csvPath);
    QVERIFY2(headless.size() > 10, qPrintable(err));

    auto window = openWindow(dir.filePath(QStringLiteral("gui")), QSize(1280, 800));
    QVERIFY(window);
    window->controller()->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window->controller()->lastWindow() >= 2, 10000);
    const QString guiPath = dir.filePath(QStringLiteral("gui.csv"));
    QString error;
    QVERIFY2(exportSeriesCsv(window->controller()->platform(), guiPath, &error), qPrintable(error));
    const QList<QByteArray> gui = csvLines(guiPath);
    QVERIFY(gui.size() > 10);

    QCOMPARE(gui.first(), QByteArray("time,entity,metric,value"));
    QCOMPARE(headless.first(), gui.first());
    // The same metrics for the same kind of entity, four fields a row.
    auto metricsOf = [](const QList<QByteArray> &lines, const QByteArray &entity) {
        QSet<QByteArray> metrics;
        for (const QByteArray &l : lines.mid(1)) {
            const QList<QByteArray> f = l.split(',');
            if (f.size() != 4)
                return QSet<QByteArray>{"bad row: " + l};
            if (f[1] == entity)
                metrics.insert(f[2]);
        }
        return metrics;
    };
    for (const QByteArray &entity :
         {QByteArray("service:cart"), QByteArray("edge:users>product"), QByteArray("gateway")}) {
        const QSet<QByteArray> fromGui = metricsOf(gui, entity);
        QVERIFY2(!fromGui.isEmpty(), entity.constData());
        QCOMPARE(metricsOf(headless, entity), fromGui);
    }
    QVERIFY(!gui.join('\n').contains("→"));
}

void TestGuiControls::guiCsvWideIsAnOption()
{
    QTemporaryDir dir;
    auto window = openWindow(dir.path(), QSize(1280, 800));
    QVERIFY(window);
    window->controller()->startLoad();
    QTRY_VERIFY_WITH_TIMEOUT(window->controller()->lastWindow() >= 2, 10000);
    const QString path = dir.filePath(QStringLiteral("wide.csv"));
    QString error;
    QVERIFY2(exportSeriesCsv(window->controller()->platform(), path, &error, CsvLayout::Wide),
             qPrintable(error));
    const QList<QByteArray> lines = csvLines(path);
    QVERIFY(lines.size() > 2);
    QVERIFY2(lines.first().startsWith("time,entity,requests,ok,"), lines.first().constData());
    const qsizetype columns = lines.first().count(',');
    for (const QByteArray &l : lines)
        QCOMPARE(l.count(','), columns);
}

void TestGuiControls::savedScenarioNamesEdgesAndPresetsAsFilesDo()
{
    QStringList problems;
    const auto scenario = Scenario::parse(edgeScenario(), &problems);
    QVERIFY2(scenario, qPrintable(problems.join(QLatin1Char('\n'))));
    const QByteArray bytes = scenarioToBytes(*scenario);
    QVERIFY2(!QString::fromUtf8(bytes).contains(QStringLiteral("→")), bytes.constData());
    const QJsonObject edges = QJsonDocument::fromJson(bytes)
                                  .object()
                                  .value(QStringLiteral("policies"))
                                  .toObject()
                                  .value(QStringLiteral("edges"))
                                  .toObject();
    for (const QString &key : edges.keys())
        QVERIFY2(EdgeKey.match(key).hasMatch(), qPrintable(key));
    // The demo breaker is called "demo", as the reader and the GUI call it.
    const QJsonObject breaker = edges.value(QStringLiteral("users>product"))
                                    .toObject()
                                    .value(QStringLiteral("circuitBreaker"))
                                    .toObject();
    QCOMPARE(breaker.value(QStringLiteral("preset")).toString(), QStringLiteral("demo"));

    // Read back, it is the same configuration.
    const auto back = Scenario::parse(bytes, &problems);
    QVERIFY2(back, qPrintable(problems.join(QLatin1Char('\n'))));
    for (const EntityKey &key :
         {EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")),
          EntityKey::edge(QStringLiteral("order"), QStringLiteral("cart"))}) {
        QVERIFY(back->edges.count(key));
        const EdgePolicy &was = scenario->edges.at(key), &is = back->edges.at(key);
        QCOMPARE(is.breakerEnabled, was.breakerEnabled);
        const CircuitBreakerConfig demo = CircuitBreakerConfig::demo();
        for (const CircuitBreakerConfig *b : {&was.breaker, &is.breaker}) {
            QCOMPARE(b->slidingWindowSize, demo.slidingWindowSize);
            QCOMPARE(b->minimumNumberOfCalls, demo.minimumNumberOfCalls);
            QCOMPARE(b->failureRateThreshold, demo.failureRateThreshold);
            QCOMPARE(b->slowCallRateThreshold, demo.slowCallRateThreshold);
            QCOMPARE(b->slowCallDurationThreshold, demo.slowCallDurationThreshold);
            QCOMPARE(b->waitDurationInOpenState, demo.waitDurationInOpenState);
            QCOMPARE(b->permittedNumberOfCallsInHalfOpenState,
                     demo.permittedNumberOfCallsInHalfOpenState);
            QVERIFY(b->slidingWindowType == demo.slidingWindowType);
        }
        QCOMPARE(is.timeout, was.timeout);
    }
    // A breaker that is neither preset is written without a preset's name.
    Scenario custom = *scenario;
    custom.edges.at(EntityKey::edge(QStringLiteral("order"), QStringLiteral("cart")))
        .breaker.failureRateThreshold = 37;
    const QJsonObject customBreaker = scenarioToJson(custom)
                                          .value(QStringLiteral("policies"))
                                          .toObject()
                                          .value(QStringLiteral("edges"))
                                          .toObject()
                                          .value(QStringLiteral("order>cart"))
                                          .toObject()
                                          .value(QStringLiteral("circuitBreaker"))
                                          .toObject();
    QVERIFY(!customBreaker.contains(QStringLiteral("preset")));
    const auto customBack = Scenario::parse(scenarioToBytes(custom), &problems);
    QVERIFY(customBack);
    QCOMPARE(customBack->edges.at(EntityKey::edge(QStringLiteral("order"), QStringLiteral("cart")))
                 .breaker.failureRateThreshold,
             37.0);
}

void TestGuiControls::helpNamesEveryJourneyAndOption()
{
    QTemporaryDir dir;
    const test::ProgramRun run = test::runProgram({QStringLiteral("--help")}, 30'000, dir.path());
    QCOMPARE(run.exitCode, 0);
    for (const QString &journey : ShopWorkload().journeys())
        QVERIFY2(run.out.contains(journey), qPrintable(journey + QStringLiteral(" missing")));
    for (const QString &option :
         {QStringLiteral("--headless"), QStringLiteral("--scenario"), QStringLiteral("--duration"),
          QStringLiteral("--rate"), QStringLiteral("--data-dir"), QStringLiteral("--report"),
          QStringLiteral("--csv"), QStringLiteral("--csv-wide"), QStringLiteral("--seed"),
          QStringLiteral("--screenshot"), QStringLiteral("--quit-after"),
          QStringLiteral("--presenter"), QStringLiteral("--size"),
          QStringLiteral("--reset-layout")})
        QVERIFY2(run.out.contains(option + QLatin1Char(' ')) ||
                     run.out.contains(option + QLatin1Char('\n')) ||
                     run.out.contains(option + QLatin1Char('=')) ||
                     run.out.contains(option + QLatin1Char('<')),
                 qPrintable(option + QStringLiteral(" missing")));
    // Each option with a value says its default (or that it has none).
    for (const QString &option : {QStringLiteral("--duration"), QStringLiteral("--rate"),
                                  QStringLiteral("--seed"), QStringLiteral("--quit-after")}) {
        const qsizetype at = run.out.indexOf(QStringLiteral("\n  ") + option);
        QVERIFY2(at >= 0, qPrintable(option));
        const qsizetype next = run.out.indexOf(QStringLiteral("\n  -"), at + 1);
        QVERIFY2(run.out.mid(at, next - at).contains(QStringLiteral("default")),
                 qPrintable(run.out.mid(at, next - at)));
    }
}

QTEST_MAIN(TestGuiControls)
#include "tst_gui_controls.moc"
