#pragma once

#include "backgroundjob.h"
#include "capacity.h"
#include "scenario.h"

#include <QDialog>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <atomic>
#include <memory>
#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace microcosm {

// The capacity search of `microcosm --capacity` as a dialog: a scenario
// file, the SLO in --slo's syntax (checked by parseSlo() as it is typed,
// its message under the field), the entity it is measured on and each
// step's warm-up and measured seconds; Start runs searchCapacity(), each
// step a fresh shop as the CLI's are. While it runs, a bar shows the steps
// finished of the most the search can still take, and the current step's
// rate and phase; the table gains a row per finished step; at the end the
// answer and the CLI's own lines (describeCapacityAnswer()) show: the rate
// with its uncertainty, the first rule to break, M/M/c's estimate and its
// caveats.
//
// Invariants: the search runs on a worker thread (BackgroundJob) and never
// touches a widget: it posts plain values back, tagged with the run they
// belong to, so a stopped run's late reports are dropped; at most one
// search runs. Cancel, closing the dialog and the destructor raise the
// search's cancel flag, which stops it within a tenth of a second plus the
// stopping of the step's shop; the destructor then joins the worker, so no
// shop outlives the dialog. The steps' files live in a temporary folder of
// the dialog's, each removed when its step ends.
class CapacityDialog : public QDialog
{
    Q_OBJECT
public:
    // The table's columns.
    enum Column
    {
        StepColumn,
        RateColumn,     // journeys/s offered
        AchievedColumn, // journeys/s started
        P99Column,      // ms, on the entity
        SuccessColumn,  // %, on the entity
        DroppedColumn,  // arrivals not sent (too many journeys under way)
        ResultColumn,   // holds / broke: the rule and its measured value
        ColumnCount
    };

    explicit CapacityDialog(const QString &scenarioPath = {}, QWidget *parent = nullptr);
    ~CapacityDialog() override;

    // Opens the dialog on scenarioPath (e.g. the running scenario's file);
    // with none, asks for one first in the presets' folder, and returns
    // null when that is cancelled. Shown, not modal (the shop behind it goes
    // on), and deleted when closed.
    static CapacityDialog *askAndOpen(QWidget *parent, const QString &scenarioPath,
                                      bool presenter = false);

    // Reads the scenario (its problems, or a closed load model, are said
    // under the field and keep Start disabled) and lists its services as
    // entities. False when it cannot be searched.
    bool setScenarioPath(const QString &path);
    QString scenarioPath() const;
    const std::optional<Scenario> &scenario() const { return m_scenario; }

    // Starts a search with the fields as they are; false (and nothing
    // starts) when Start is disabled.
    bool start();
    // Asks the running search to stop; searchFinished() follows.
    void cancel();
    bool running() const { return m_running; }
    // The last search's result (steps, answer, theory; cancelled, error).
    const CapacityResult &result() const { return m_result; }
    // Where the steps' shops put their files (each removed after its step).
    QString dataDirectory() const { return m_dataDir.path(); }

    QLineEdit *scenarioEdit() const { return m_scenarioEdit; }
    QLabel *scenarioProblem() const { return m_scenarioProblem; }
    QLineEdit *sloEdit() const { return m_sloEdit; }
    QLabel *sloError() const { return m_sloError; }
    QComboBox *entityBox() const { return m_entityBox; }
    QDoubleSpinBox *warmBox() const { return m_warmBox; }
    QDoubleSpinBox *measureBox() const { return m_measureBox; }
    QPushButton *startButton() const { return m_startButton; }
    QPushButton *cancelButton() const { return m_cancelButton; }
    // In hundredths of a step: its maximum is the bound times 100; at the
    // end of a search the bound is the steps taken and the bar is full.
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *phaseLabel() const { return m_phaseLabel; }
    QTableWidget *stepsTable() const { return m_steps; }
    QLabel *answerLabel() const { return m_answer; }
    QLabel *detailsLabel() const { return m_details; }

    // Presenter mode: large type for a projector (the system's type times
    // MainWindow::PresenterTypeScale, as CompareWindow does).
    void setPresenter(bool on);
    bool presenter() const { return m_presenter; }

    static constexpr int TicksPerStep = 100;

signals:
    // A step entered a phase (CapacityProgress::phaseName()); bound: the
    // most steps the search can take in all, as far as it knows then.
    void phaseShown(int step, int bound, double rate, const QString &phase);
    // The search ended: with an answer, cancelled, or unable to run.
    void searchFinished();

public slots:
    void done(int result) override; // closing cancels the search

protected:
    void changeEvent(QEvent *event) override;

private:
    void browse();
    void validate();
    void showPhase(const CapacityProgress &progress);
    void addStep(const CapacityStep &step);
    void finish(const CapacityResult &result);
    void tick();
    void applyStyle();

    QLineEdit *m_scenarioEdit = nullptr;
    QLabel *m_scenarioProblem = nullptr;
    QLineEdit *m_sloEdit = nullptr;
    QLabel *m_sloError = nullptr;
    QComboBox *m_entityBox = nullptr;
    QDoubleSpinBox *m_warmBox = nullptr;
    QDoubleSpinBox *m_measureBox = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_phaseLabel = nullptr;
    QTableWidget *m_steps = nullptr;
    QLabel *m_answer = nullptr;
    QLabel *m_details = nullptr;

    std::optional<Scenario> m_scenario;
    QString m_scenarioError;
    std::optional<QList<SloRule>> m_slo;
    CapacityResult m_result;
    bool m_presenter = false;
    bool m_running = false;
    quint64 m_run = 0; // the current search's token (GUI thread only)
    // The current step, for the bar between reports.
    CapacityProgress m_phase;
    QElapsedTimer m_phaseClock;
    double m_warmSeconds = 0, m_measureSeconds = 0;
    QTimer m_ticker;

    QTemporaryDir m_dataDir;
    // Declared before the job, so that the job (joined in its destructor)
    // goes first; the destructor raises it and joins explicitly anyway.
    std::atomic<bool> m_cancel{false};
    BackgroundJob m_job;
};

} // namespace microcosm
