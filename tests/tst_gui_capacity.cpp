// The capacity dialog (ui/capacitydialog.h) on the one-service M/M/4
// scenario, with steps shortened to 1 s of warm-up and 2 s measured: the
// bar reaches its end, the table holds one row per step of the search's
// result, the answer and the CLI's lines are the result's; Cancel stops a
// search within a bound and leaves the dialog usable; closing it cancels;
// a bad SLO shows parseSlo()'s message and disables Start.
#include "capacitydialog.h"
#include "mainwindow.h"
#include "queueing.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFontDatabase>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace microcosm;

namespace {

const QString mmcScenario =
    QStringLiteral(MICROCOSM_SOURCE_DIR "/examples/capacity/mmc-one-service.json");

// What a search through the dialog may take at most: a step is 3 s plus
// its shop's start, and the search takes at most CapacityOptions::maxSteps.
constexpr int searchTimeoutMs = 120'000;
// Cancel stops the search within a tenth of a second plus the stopping of
// one shop; a step here lasts 21 s, so this bound tells a cancel that works
// from one that lets the step run out.
constexpr qint64 cancelBoundMs = 5'000;

// The highest λ at which M/M/4 with a mean service of 20 ms keeps its p99
// under 200 ms: Erlang C's answer to the search below (175.0 per second).
double erlangCRate()
{
    double lo = 0, hi = 200;
    for (int i = 0; i < 60; ++i) {
        const double mid = (lo + hi) / 2;
        (queueing::mmc(mid, 20, 4).responseQuantileMs(0.99) < 200 ? lo : hi) = mid;
    }
    return lo;
}

// The step folders the dialog's searches have left behind (none, when each
// step removes its own).
QStringList leftovers(const CapacityDialog &dialog)
{
    return QDir(dialog.dataDirectory()).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
}

void shorten(CapacityDialog &dialog, double warm, double measure)
{
    dialog.warmBox()->setValue(warm);
    dialog.measureBox()->setValue(measure);
}

} // namespace

class TestGuiCapacity : public QObject
{
    Q_OBJECT

private slots:
    void entitiesAreTheScenariosServices_data();
    void entitiesAreTheScenariosServices();
    void aBadSloShowsTheParsersMessage_data();
    void aBadSloShowsTheParsersMessage();
    void aScenarioThatCannotBeSearchedIsSaid_data();
    void aScenarioThatCannotBeSearchedIsSaid();
    void searchRunsToItsEnd();
    void cancelStopsWithinABoundAndLeavesItUsable();
    void closingCancels();
    void presenterModeEnlargesTheType();
    // With MICROCOSM_SCREENSHOT_DIR set: a search at the CLI's step length
    // (3 s + 6 s), in presenter mode at 1280×720, saved as
    // capacity-dialog.png there; skipped otherwise.
    void screenshot();
};

void TestGuiCapacity::entitiesAreTheScenariosServices_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QStringList>("entities");
    const QString presets = QStringLiteral(MICROCOSM_SOURCE_DIR "/resources/scenarios/");
    QTest::newRow("one service") << mmcScenario << QStringList{"gateway", "work"};
    QTest::newRow("the shop") << presets + "steady-state.json"
                              << QStringList{"gateway", "product", "cart", "order"};
    QTest::newRow("a monolith") << presets + "monolith-spike.json"
                                << QStringList{"gateway", "monolith"};
}

void TestGuiCapacity::entitiesAreTheScenariosServices()
{
    QFETCH(QString, scenario);
    QFETCH(QStringList, entities);
    CapacityDialog dialog(scenario);
    QVERIFY2(dialog.scenario(), qPrintable(dialog.scenarioProblem()->text()));
    QStringList listed;
    for (int i = 0; i < dialog.entityBox()->count(); ++i)
        listed << dialog.entityBox()->itemData(i).toString();
    QCOMPARE(listed, entities);
    QCOMPARE(dialog.entityBox()->currentData().toString(), QStringLiteral("gateway"));
    QVERIFY(dialog.startButton()->isEnabled());
    QVERIFY(!dialog.cancelButton()->isEnabled());
    QCOMPARE(dialog.warmBox()->value(), CapacityOptions{}.warmSeconds);
    QCOMPARE(dialog.measureBox()->value(), CapacityOptions{}.measureSeconds);
}

void TestGuiCapacity::aBadSloShowsTheParsersMessage_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown figure") << "p98-ms<300";
    QTest::newRow("no operator") << "p99-ms300";
    QTest::newRow("success rate as percent") << "p99-ms<300,success-rate>=99.9";
    QTest::newRow("empty") << "";
}

void TestGuiCapacity::aBadSloShowsTheParsersMessage()
{
    QFETCH(QString, text);
    CapacityDialog dialog(mmcScenario);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QVERIFY(dialog.startButton()->isEnabled());
    dialog.sloEdit()->selectAll();
    QTest::keyClicks(dialog.sloEdit(), text);
    if (text.isEmpty())
        dialog.sloEdit()->clear();
    QCOMPARE(dialog.sloEdit()->text(), text);
    QString expected;
    QVERIFY(!parseSlo(text, &expected));
    QCOMPARE(dialog.sloError()->text(), expected);
    QVERIFY(dialog.sloError()->isVisible());
    QVERIFY(!dialog.startButton()->isEnabled());
    QVERIFY(!dialog.start()); // nor does start() run one
    QVERIFY(!dialog.running());
    // Mended, it is gone and Start is back.
    dialog.sloEdit()->setText(QStringLiteral("p99-ms<300"));
    QVERIFY(dialog.sloError()->text().isEmpty());
    QVERIFY(!dialog.sloError()->isVisible());
    QVERIFY(dialog.startButton()->isEnabled());
}

void TestGuiCapacity::aScenarioThatCannotBeSearchedIsSaid_data()
{
    QTest::addColumn<QByteArray>("json"); // empty: no such file
    QTest::addColumn<QString>("message");
    QTest::newRow("missing") << QByteArray() << "";
    QTest::newRow("closed model") << QByteArray(R"({"title": "Closed", "duration": 10,
                                 "load": {"model": "closed", "virtualUsers": 5}})")
                                  << "load is a closed model (virtual users)";
    QTest::newRow("unknown key") << QByteArray(R"({"title": "Bad", "duration": 10, "loud": {}})")
                                 << "$: unknown key \"loud\"";
}

void TestGuiCapacity::aScenarioThatCannotBeSearchedIsSaid()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("scenario.json"));
    if (!json.isEmpty()) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(json);
    }
    CapacityDialog dialog(mmcScenario);
    QVERIFY(dialog.startButton()->isEnabled());
    QVERIFY(!dialog.setScenarioPath(path));
    const QString said = dialog.scenarioProblem()->text();
    QVERIFY2(said.contains(path), qPrintable(said)); // it names the file
    QVERIFY2(said.contains(message), qPrintable(said));
    QVERIFY(!dialog.startButton()->isEnabled());
    QCOMPARE(dialog.entityBox()->count(), 1); // the gateway only
    QVERIFY(dialog.setScenarioPath(mmcScenario));
    QVERIFY(dialog.scenarioProblem()->text().isEmpty());
    QVERIFY(dialog.startButton()->isEnabled());
}

void TestGuiCapacity::searchRunsToItsEnd()
{
    CapacityDialog dialog(mmcScenario);
    dialog.resize(1000, 680);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.sloEdit()->setText(QStringLiteral("p99-ms<200"));
    shorten(dialog, 1, 2);
    QSignalSpy phases(&dialog, &CapacityDialog::phaseShown);
    QSignalSpy finished(&dialog, &CapacityDialog::searchFinished);
    QTest::mouseClick(dialog.startButton(), Qt::LeftButton);
    QVERIFY(dialog.running());
    QVERIFY(!dialog.startButton()->isEnabled());
    QVERIFY(dialog.cancelButton()->isEnabled());
    QVERIFY(!dialog.sloEdit()->isEnabled()); // the fields are the running search's
    QVERIFY(finished.wait(searchTimeoutMs));
    QVERIFY(!dialog.running());

    const CapacityResult &r = dialog.result();
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY(!r.cancelled);
    QVERIFY(r.found);
    QVERIFY(r.steps.size() >= 3); // a bracket, then bisection
    // The bar is full, at as many steps as the search took.
    QProgressBar *bar = dialog.progressBar();
    QCOMPARE(bar->maximum(), int(r.steps.size()) * CapacityDialog::TicksPerStep);
    QCOMPARE(bar->value(), bar->maximum());
    // One row per step, in order, with the step's figures.
    QTableWidget *table = dialog.stepsTable();
    QCOMPARE(table->rowCount(), int(r.steps.size()));
    const auto value = [&](int row, int column) {
        return table->item(row, column)->data(Qt::UserRole);
    };
    for (int i = 0; i < int(r.steps.size()); ++i) {
        const CapacityStep &s = r.steps[i];
        QCOMPARE(value(i, CapacityDialog::StepColumn).toInt(), i + 1);
        QCOMPARE(value(i, CapacityDialog::RateColumn).toDouble(), s.rate);
        QCOMPARE(table->item(i, CapacityDialog::RateColumn)->text(),
                 QString::number(s.rate, 'f', 1));
        QCOMPARE(value(i, CapacityDialog::P99Column).toDouble(), s.p99Ms);
        QCOMPARE(value(i, CapacityDialog::SuccessColumn).toDouble(), s.successRate);
        QCOMPARE(value(i, CapacityDialog::DroppedColumn).toULongLong(), s.dropped);
        QCOMPARE(value(i, CapacityDialog::ResultColumn).toBool(), s.held);
        if (!s.held)
            QVERIFY(table->item(i, CapacityDialog::ResultColumn)->text().contains(s.broken));
    }
    // The answer is the result's rate, and below it the lines the CLI prints.
    const QString answer = dialog.answerLabel()->text();
    QVERIFY2(answer.contains(QString::number(r.rate, 'f', 1) + QStringLiteral(" journeys/s")),
             qPrintable(answer));
    if (r.ceiling > 0)
        QVERIFY2(answer.contains(QString::number(r.ceiling, 'f', 1)), qPrintable(answer));
    QCOMPARE(dialog.detailsLabel()->text(), describeCapacityAnswer(r).join(QLatin1Char('\n')));
    // M/M/c's estimate beside it is Erlang C's from the scenario's own
    // figures and the calls per journey measured (one, but 2-s steps count
    // a few calls of journeys started before: hence 10 %, where
    // tst_capacity's 5-s steps keep to 2 %), as the CLI prints it.
    qInfo("found %.1f (broke at %.1f) in %d steps, Erlang C %.1f, estimate %.1f", r.rate, r.ceiling,
          int(r.steps.size()), erlangCRate(), r.theoryRate);
    QVERIFY2(std::abs(r.theoryRate / erlangCRate() - 1) <= 0.10, qPrintable(r.theoryNote));
    QVERIFY(dialog.detailsLabel()->text().contains(
        QStringLiteral("M/M/c estimate: %1 journeys/s").arg(r.theoryRate, 0, 'f', 1)));

    // Every step went through its phases in order, and the bound the bar
    // showed was one: never below the steps the search took.
    QCOMPARE(phases.size(), 3 * int(r.steps.size()));
    const QStringList order{QStringLiteral("starting"), QStringLiteral("warm-up"),
                            QStringLiteral("measuring")};
    for (int i = 0; i < phases.size(); ++i) {
        const QList<QVariant> &p = phases.at(i);
        QCOMPARE(p.at(0).toInt(), i / 3);
        QVERIFY2(p.at(1).toInt() >= int(r.steps.size()),
                 qPrintable(QStringLiteral("step %1 showed a bound of %2, but the search took %3")
                                .arg(i / 3 + 1)
                                .arg(p.at(1).toInt())
                                .arg(r.steps.size())));
        QCOMPARE(p.at(2).toDouble(), r.steps[i / 3].rate);
        QCOMPARE(p.at(3).toString(), order[i % 3]);
    }
    // Nothing is left running or lying about; the dialog can search again.
    QCOMPARE(leftovers(dialog), QStringList());
    QVERIFY(dialog.startButton()->isEnabled());
    QVERIFY(!dialog.cancelButton()->isEnabled());
    QVERIFY(dialog.sloEdit()->isEnabled());
}

void TestGuiCapacity::cancelStopsWithinABoundAndLeavesItUsable()
{
    CapacityDialog dialog(mmcScenario);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    shorten(dialog, 1, 20);
    QSignalSpy phases(&dialog, &CapacityDialog::phaseShown);
    QSignalSpy finished(&dialog, &CapacityDialog::searchFinished);
    QVERIFY(dialog.start());
    QTRY_VERIFY_WITH_TIMEOUT(
        !phases.isEmpty() && phases.last().at(3).toString() == QLatin1String("measuring"), 30'000);
    QVERIFY(dialog.phaseLabel()->text().contains(QStringLiteral("measuring")));
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
    QVERIFY(!dialog.cancelButton()->isEnabled()); // once is enough
    QVERIFY(finished.wait(int(cancelBoundMs)));
    const qint64 took = clock.elapsed();
    qInfo("cancelled in %lld ms (a step lasts 21 s)", took);
    QVERIFY2(took < cancelBoundMs, qPrintable(QString::number(took)));
    QVERIFY(dialog.result().cancelled);
    QVERIFY(dialog.result().steps.isEmpty()); // the step under way is not one
    QCOMPARE(dialog.stepsTable()->rowCount(), 0);
    QVERIFY(dialog.progressBar()->value() < dialog.progressBar()->maximum());
    QVERIFY(dialog.answerLabel()->text().contains(QStringLiteral("Cancelled")));
    QCOMPARE(leftovers(dialog), QStringList()); // the step's shop's files are gone

    // Usable again: a new search starts, reports its first step, and its
    // figures are the new search's, not the cancelled one's.
    QVERIFY(!dialog.running());
    QVERIFY(dialog.startButton()->isEnabled());
    QVERIFY(dialog.sloEdit()->isEnabled());
    shorten(dialog, 0.5, 1);
    phases.clear();
    QVERIFY(dialog.start());
    QTRY_COMPARE_WITH_TIMEOUT(dialog.stepsTable()->rowCount(), 1, 30'000);
    QCOMPARE(dialog.stepsTable()->item(0, CapacityDialog::RateColumn)->data(Qt::UserRole),
             QVariant(100.0));
    dialog.cancel();
    QVERIFY(finished.wait(int(cancelBoundMs)));
    QVERIFY(dialog.result().cancelled);
    QCOMPARE(dialog.result().steps.size(), 1);
    QCOMPARE(leftovers(dialog), QStringList());
}

void TestGuiCapacity::closingCancels()
{
    // As the main window opens it: deleted when closed.
    QPointer<CapacityDialog> dialog = CapacityDialog::askAndOpen(nullptr, mmcScenario);
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    shorten(*dialog, 1, 20);
    QSignalSpy phases(dialog.data(), &CapacityDialog::phaseShown);
    QVERIFY(dialog->start());
    QTRY_VERIFY_WITH_TIMEOUT(
        !phases.isEmpty() && phases.last().at(3).toString() == QLatin1String("measuring"), 30'000);
    const QString folder = dialog->dataDirectory();
    QVERIFY(QDir(folder).exists(QStringLiteral("step-0"))); // the step's shop is running
    QElapsedTimer clock;
    clock.start();
    QVERIFY(dialog->close());
    // Gone (its destructor joins the search), and so is everything of it.
    QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), int(cancelBoundMs));
    qInfo("closed in %lld ms", clock.elapsed());
    QVERIFY(clock.elapsed() < cancelBoundMs);
    QVERIFY(!QDir(folder).exists());
}

void TestGuiCapacity::presenterModeEnlargesTheType()
{
    CapacityDialog dialog(mmcScenario);
    const QFont system = QFontDatabase::systemFont(QFontDatabase::GeneralFont);
    const auto size = [](const QFont &f) {
        return f.pointSizeF() > 0 ? f.pointSizeF() : double(f.pixelSize());
    };
    dialog.setPresenter(true);
    QVERIFY(dialog.presenter());
    QVERIFY(qFuzzyCompare(size(dialog.font()), size(system) * MainWindow::PresenterTypeScale));
    QVERIFY(size(dialog.stepsTable()->font()) > size(system) * 1.4);
    QVERIFY(size(dialog.answerLabel()->font()) > size(dialog.font())); // the answer stands out
    dialog.setPresenter(false);
    QVERIFY(!dialog.presenter());
    QCOMPARE(dialog.font(), QFont());
}

void TestGuiCapacity::screenshot()
{
    const QString out = qEnvironmentVariable("MICROCOSM_SCREENSHOT_DIR");
    if (out.isEmpty())
        QSKIP("set MICROCOSM_SCREENSHOT_DIR to take the screenshot");
    CapacityDialog dialog(mmcScenario);
    dialog.setPresenter(true);
    dialog.resize(1280, 720);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.sloEdit()->setText(QStringLiteral("p99-ms<200,success-rate>=0.999"));
    QSignalSpy finished(&dialog, &CapacityDialog::searchFinished);
    QVERIFY(dialog.start());
    QVERIFY(finished.wait(300'000));
    QVERIFY2(dialog.result().found, qPrintable(dialog.detailsLabel()->text()));
    QTest::qWait(100); // the table lays out its last row
    const QString path = QDir(out).filePath(QStringLiteral("capacity-dialog.png"));
    QVERIFY2(dialog.grab().save(path), qPrintable(path));
}

QTEST_MAIN(TestGuiCapacity)
#include "tst_gui_capacity.moc"
