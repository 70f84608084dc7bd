#include "capacitydialog.h"

#include "mainwindow.h"
#include "theme.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace microcosm {

namespace {

QTableWidgetItem *cell(const QString &text, const QVariant &value, bool number = true)
{
    auto *item = new QTableWidgetItem(text);
    item->setData(Qt::UserRole, value);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (number)
        item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

CapacityDialog *CapacityDialog::askAndOpen(QWidget *parent, const QString &scenarioPath,
                                           bool presenter)
{
    QString path = scenarioPath;
    if (path.isEmpty()) {
        path = QFileDialog::getOpenFileName(parent, tr("Find capacity: scenario"),
                                            MainWindow::presetsDirectory(),
                                            tr("Scenarios (*.json);;All files (*)"));
        if (path.isEmpty())
            return nullptr;
    }
    auto *dialog = new CapacityDialog(path, parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setPresenter(presenter);
    dialog->resize(presenter ? QSize(1280, 720) : QSize(1000, 680));
    dialog->show();
    return dialog;
}

CapacityDialog::CapacityDialog(const QString &scenarioPath, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("capacity-dialog"));
    setWindowTitle(tr("Find capacity"));
    setSizeGripEnabled(true);

    auto *column = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);

    // Scenario: a file and its problems under it.
    auto *scenarioRow = new QHBoxLayout;
    m_scenarioEdit = new QLineEdit(this);
    m_scenarioEdit->setObjectName(QStringLiteral("capacity-scenario"));
    m_scenarioEdit->setPlaceholderText(tr("a scenario file whose load is an arrival rate"));
    m_scenarioEdit->setToolTip(tr("Its architecture, policies and load model are searched; its "
                                  "rate is where the search starts; its timeline is not run."));
    connect(m_scenarioEdit, &QLineEdit::editingFinished, this,
            [this] { setScenarioPath(m_scenarioEdit->text()); });
    auto *browseButton = new QPushButton(tr("Choose…"), this);
    browseButton->setObjectName(QStringLiteral("capacity-browse"));
    connect(browseButton, &QPushButton::clicked, this, &CapacityDialog::browse);
    scenarioRow->addWidget(m_scenarioEdit, 1);
    scenarioRow->addWidget(browseButton);
    // A row of a layout gets no buddy from addRow(): the label is made here.
    auto *scenarioLabel = new QLabel(tr("&Scenario:"), this);
    scenarioLabel->setBuddy(m_scenarioEdit);
    form->addRow(scenarioLabel, scenarioRow);
    m_scenarioProblem = new QLabel(this);
    m_scenarioProblem->setObjectName(QStringLiteral("capacity-scenario-problem"));
    m_scenarioProblem->setWordWrap(true);
    m_scenarioProblem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(QString(), m_scenarioProblem);

    // The SLO, in --slo's syntax, and parseSlo()'s message under it.
    m_sloEdit = new QLineEdit(QStringLiteral("p99-ms<300,success-rate>=0.999"), this);
    m_sloEdit->setObjectName(QStringLiteral("capacity-slo"));
    m_sloEdit->setToolTip(tr("As --slo takes it: rules FIGURE OP NUMBER separated by commas; "
                             "figures p50-ms, p95-ms, p99-ms, p999-ms, mean-ms, success-rate "
                             "(0 to 1)."));
    connect(m_sloEdit, &QLineEdit::textChanged, this, &CapacityDialog::validate);
    form->addRow(tr("S&LO:"), m_sloEdit);
    m_sloError = new QLabel(this);
    m_sloError->setObjectName(QStringLiteral("capacity-slo-error"));
    m_sloError->setWordWrap(true);
    m_sloError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(QString(), m_sloError);

    m_entityBox = new QComboBox(this);
    m_entityBox->setObjectName(QStringLiteral("capacity-entity"));
    m_entityBox->setToolTip(tr("Where the SLO is measured: the gateway (what the users saw) or "
                               "one service, as --entity says."));
    auto *entityRow = new QHBoxLayout;
    entityRow->addWidget(m_entityBox);
    entityRow->addStretch(1);
    auto *entityLabel = new QLabel(tr("Measured &on:"), this);
    entityLabel->setBuddy(m_entityBox);
    form->addRow(entityLabel, entityRow);

    auto *settings = new QHBoxLayout;
    auto *warmLabel = new QLabel(tr("&warm-up"), this);
    m_warmBox = new QDoubleSpinBox(this);
    m_warmBox->setObjectName(QStringLiteral("capacity-warm"));
    m_warmBox->setRange(0, 600);
    m_warmBox->setDecimals(1);
    m_warmBox->setSuffix(tr(" s"));
    m_warmBox->setValue(CapacityOptions{}.warmSeconds);
    warmLabel->setBuddy(m_warmBox);
    auto *measureLabel = new QLabel(tr("then &measured"), this);
    m_measureBox = new QDoubleSpinBox(this);
    m_measureBox->setObjectName(QStringLiteral("capacity-measure"));
    m_measureBox->setRange(0.5, 3600);
    m_measureBox->setDecimals(1);
    m_measureBox->setSuffix(tr(" s"));
    m_measureBox->setValue(CapacityOptions{}.measureSeconds);
    m_measureBox->setToolTip(tr("Longer steps measure the tail (p99) more surely; the CLI's "
                                "are %1 s + %2 s.")
                                 .arg(CapacityOptions{}.warmSeconds)
                                 .arg(CapacityOptions{}.measureSeconds));
    measureLabel->setBuddy(m_measureBox);
    settings->addWidget(warmLabel);
    settings->addWidget(m_warmBox);
    settings->addWidget(measureLabel);
    settings->addWidget(m_measureBox);
    settings->addStretch(1);
    form->addRow(tr("Each step:"), settings);
    column->addLayout(form);

    auto *runRow = new QHBoxLayout;
    m_startButton = new QPushButton(tr("S&tart"), this);
    m_startButton->setObjectName(QStringLiteral("capacity-start"));
    m_startButton->setDefault(true);
    connect(m_startButton, &QPushButton::clicked, this, &CapacityDialog::start);
    m_cancelButton = new QPushButton(tr("&Cancel search"), this);
    m_cancelButton->setObjectName(QStringLiteral("capacity-cancel"));
    m_cancelButton->setEnabled(false);
    connect(m_cancelButton, &QPushButton::clicked, this, &CapacityDialog::cancel);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("capacity-progress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->setFormat(tr("not started"));
    runRow->addWidget(m_startButton);
    runRow->addWidget(m_cancelButton);
    runRow->addWidget(m_progress, 1);
    column->addLayout(runRow);
    m_phaseLabel = new QLabel(this);
    m_phaseLabel->setObjectName(QStringLiteral("capacity-phase"));
    column->addWidget(m_phaseLabel);

    m_steps = new QTableWidget(0, ColumnCount, this);
    m_steps->setObjectName(QStringLiteral("capacity-steps"));
    m_steps->setHorizontalHeaderLabels({tr("Step"), tr("Rate (journeys/s)"), tr("Achieved (/s)"),
                                        tr("p99 (ms)"), tr("Success"), tr("Dropped"),
                                        tr("Result")});
    m_steps->verticalHeader()->hide();
    m_steps->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_steps->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_steps->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_steps->horizontalHeader()->setSectionResizeMode(ResultColumn, QHeaderView::Stretch);
    m_steps->setWordWrap(false);
    column->addWidget(m_steps, 1);

    m_answer = new QLabel(this);
    m_answer->setObjectName(QStringLiteral("capacity-answer"));
    m_answer->setTextInteractionFlags(Qt::TextSelectableByMouse);
    column->addWidget(m_answer);
    m_details = new QLabel(this);
    m_details->setObjectName(QStringLiteral("capacity-details"));
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    column->addWidget(m_details);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    column->addWidget(buttons);

    // Between two reports the bar moves with the clock through the step.
    m_ticker.setInterval(100);
    connect(&m_ticker, &QTimer::timeout, this, &CapacityDialog::tick);

    applyStyle();
    if (!scenarioPath.isEmpty())
        setScenarioPath(scenarioPath);
    validate();
}

CapacityDialog::~CapacityDialog()
{
    // The worker reads m_cancel and posts to this object: stop it and join
    // it while both still exist. Its queued reports go with this QObject.
    m_cancel = true;
    m_job.cancel();
    m_job.wait();
}

void CapacityDialog::browse()
{
    const QString start = m_scenarioEdit->text().isEmpty()
                              ? MainWindow::presetsDirectory()
                              : QFileInfo(m_scenarioEdit->text()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Find capacity: scenario"), start,
                                                      tr("Scenarios (*.json);;All files (*)"));
    if (!path.isEmpty())
        setScenarioPath(path);
}

bool CapacityDialog::setScenarioPath(const QString &path)
{
    if (m_scenarioEdit->text() != path)
        m_scenarioEdit->setText(path);
    m_scenario.reset();
    m_scenarioError.clear();
    QStringList problems;
    std::optional<Scenario> scenario;
    if (path.isEmpty())
        m_scenarioError = tr("Choose a scenario file.");
    else if (!(scenario = Scenario::fromFile(path, &problems))) {
        // As the CLI says it: "FILE: problem", one a line.
        QStringList lines;
        for (const QString &p : std::as_const(problems))
            lines << QStringLiteral("%1: %2").arg(path, p);
        m_scenarioError = lines.join(QLatin1Char('\n'));
    } else if (scenario->load.model != LoadConfig::Model::Open)
        m_scenarioError = tr("%1's load is a closed model (virtual users); capacity is searched "
                             "over arrival rates, which need an open model")
                              .arg(path);
    else
        m_scenario = std::move(scenario);

    const QString previous = m_entityBox->currentData().toString();
    m_entityBox->clear();
    m_entityBox->addItem(tr("gateway (what the users saw)"), QStringLiteral("gateway"));
    if (m_scenario)
        for (const QString &service : m_scenario->serviceNames())
            m_entityBox->addItem(tr("service %1").arg(service), service);
    const int keep = m_entityBox->findData(previous);
    m_entityBox->setCurrentIndex(std::max(0, keep));

    if (m_scenario)
        setWindowTitle(tr("Find capacity — %1").arg(m_scenario->title));
    validate();
    return m_scenario.has_value();
}

QString CapacityDialog::scenarioPath() const
{
    return m_scenarioEdit->text();
}

void CapacityDialog::validate()
{
    QString error;
    m_slo = parseSlo(m_sloEdit->text(), &error);
    m_sloError->setText(m_slo ? QString() : error);
    m_sloError->setVisible(!m_slo);
    m_scenarioProblem->setText(m_scenarioError);
    m_scenarioProblem->setVisible(!m_scenarioError.isEmpty());
    m_startButton->setEnabled(!m_running && m_slo && m_scenario);
    m_cancelButton->setEnabled(m_running && !m_cancel);
    for (QWidget *w : std::initializer_list<QWidget *>{m_scenarioEdit, m_sloEdit, m_entityBox,
                                                       m_warmBox, m_measureBox})
        w->setEnabled(!m_running);
}

bool CapacityDialog::start()
{
    validate();
    if (!m_startButton->isEnabled())
        return false;
    if (!m_dataDir.isValid()) {
        m_answer->setText(tr("The search could not run"));
        m_details->setText(
            tr("No temporary folder for the steps' files: %1").arg(m_dataDir.errorString()));
        return false;
    }
    CapacityOptions o;
    o.scenario = *m_scenario;
    o.slo = *m_slo;
    o.entity = m_entityBox->currentData().toString();
    o.dataDir = m_dataDir.path();
    o.warmSeconds = m_warmBox->value();
    o.measureSeconds = m_measureBox->value();
    o.cancel = &m_cancel;
    const quint64 run = ++m_run;
    // Reports cross to the GUI thread by value, and only the current run's
    // are shown.
    o.onPhase = [this, run](const CapacityProgress &p) {
        QMetaObject::invokeMethod(
            this,
            [this, run, p] {
                if (run == m_run)
                    showPhase(p);
            },
            Qt::QueuedConnection);
    };
    const auto progress = [this, run](const CapacityStep &s) {
        QMetaObject::invokeMethod(
            this,
            [this, run, s] {
                if (run == m_run)
                    addStep(s);
            },
            Qt::QueuedConnection);
    };
    m_result = CapacityResult{};
    m_cancel = false;
    m_running = true;
    m_warmSeconds = o.warmSeconds;
    m_measureSeconds = o.measureSeconds;
    m_phase = CapacityProgress{0, o.maxSteps, 0, CapacityProgress::Phase::Starting, 0};
    m_phaseClock.start();
    m_steps->setRowCount(0);
    m_answer->clear();
    m_details->clear();
    m_progress->setRange(0, o.maxSteps * TicksPerStep);
    m_progress->setValue(0);
    m_progress->setFormat(tr("starting"));
    m_phaseLabel->setText(tr("Starting the first step's shop…"));
    validate();
    m_ticker.start();

    auto result = std::make_shared<CapacityResult>();
    m_job.start([o, progress, result] { *result = searchCapacity(o, progress); },
                [this, run, result] {
                    if (run == m_run)
                        finish(*result);
                });
    return true;
}

void CapacityDialog::cancel()
{
    if (!m_running || m_cancel)
        return;
    m_cancel = true;
    m_phaseLabel->setText(tr("Cancelling: stopping step %1's shop…").arg(m_phase.step + 1));
    validate();
}

void CapacityDialog::done(int result)
{
    cancel();
    QDialog::done(result);
}

void CapacityDialog::showPhase(const CapacityProgress &p)
{
    m_phase = p;
    m_phaseClock.restart();
    if (!m_cancel) {
        QString what;
        switch (p.phase) {
        case CapacityProgress::Phase::Starting:
            what = tr("starting a fresh shop");
            break;
        case CapacityProgress::Phase::WarmUp:
            what = tr("warm-up (%1 s, not measured)").arg(p.seconds);
            break;
        case CapacityProgress::Phase::Measuring:
            what = tr("measuring (%1 s)").arg(p.seconds);
            break;
        }
        m_phaseLabel->setText(
            tr("Step %1: %2 journeys/s — %3").arg(p.step + 1).arg(p.rate, 0, 'f', 1).arg(what));
    }
    m_progress->setMaximum(std::max(p.bound, p.step + 1) * TicksPerStep);
    m_progress->setFormat(tr("step %1 of at most %2 — %3")
                              .arg(p.step + 1)
                              .arg(p.bound)
                              .arg(CapacityProgress::phaseName(p.phase)));
    tick();
    emit phaseShown(p.step, p.bound, p.rate, CapacityProgress::phaseName(p.phase));
}

void CapacityDialog::tick()
{
    // How far into the step: starting counts as its beginning, then the
    // warm-up and the measured part by the clock, never quite to its end
    // (that is the step's report).
    const double span = m_warmSeconds + m_measureSeconds;
    double into = 0;
    const double elapsed = m_phaseClock.isValid() ? m_phaseClock.elapsed() / 1000.0 : 0;
    if (m_phase.phase == CapacityProgress::Phase::WarmUp)
        into = std::min(elapsed, m_warmSeconds);
    else if (m_phase.phase == CapacityProgress::Phase::Measuring)
        into = m_warmSeconds + std::min(elapsed, m_measureSeconds);
    const double share = span > 0 ? std::min(0.99, into / span) : 0;
    m_progress->setValue(
        std::min(m_progress->maximum(), int((m_phase.step + share) * TicksPerStep)));
}

void CapacityDialog::addStep(const CapacityStep &s)
{
    const int row = m_steps->rowCount();
    m_steps->insertRow(row);
    m_steps->setItem(row, StepColumn, cell(QString::number(row + 1), row + 1));
    m_steps->setItem(row, RateColumn, cell(QString::number(s.rate, 'f', 1), s.rate));
    m_steps->setItem(row, AchievedColumn, cell(QString::number(s.achieved, 'f', 1), s.achieved));
    m_steps->setItem(row, P99Column, cell(QString::number(s.p99Ms, 'f', 1), s.p99Ms));
    m_steps->setItem(
        row, SuccessColumn,
        cell(QStringLiteral("%1%").arg(100 * s.successRate, 0, 'f', 2), s.successRate));
    m_steps->setItem(
        row, DroppedColumn,
        cell(s.dropped == 0 ? QStringLiteral("0") : tr("%1 of %2").arg(s.dropped).arg(s.arrivals),
             qulonglong(s.dropped)));
    auto *verdict = cell(s.held ? tr("holds") : tr("broke: %1").arg(s.broken), s.held, false);
    verdict->setForeground(s.held ? theme::okColor() : theme::errorColor());
    verdict->setToolTip(describeCapacityStep(s).trimmed());
    m_steps->setItem(row, ResultColumn, verdict);
    m_steps->scrollToBottom();
    m_phase.step = row + 1;
    m_phase.phase = CapacityProgress::Phase::Starting;
    m_phaseClock.restart();
    tick();
}

void CapacityDialog::finish(const CapacityResult &r)
{
    m_result = r;
    m_running = false;
    m_ticker.stop();
    const int steps = int(r.steps.size());
    if (!r.error.isEmpty()) {
        m_answer->setText(tr("The search could not run"));
        m_details->setText(r.error);
        m_phaseLabel->setText(tr("Stopped at step %1.").arg(steps + 1));
        m_progress->setFormat(tr("could not run"));
    } else if (r.cancelled) {
        m_answer->setText(tr("Cancelled"));
        m_details->setText(tr("after %n finished step(s); no answer.", nullptr, steps));
        m_phaseLabel->setText(tr("Cancelled: every step's shop has stopped."));
        m_progress->setFormat(tr("cancelled after %n step(s)", nullptr, steps));
    } else {
        // The bound becomes what the search took: the bar is full.
        m_progress->setRange(0, std::max(1, steps) * TicksPerStep);
        m_progress->setValue(m_progress->maximum());
        m_progress->setFormat(tr("%n step(s), done", nullptr, steps));
        m_phaseLabel->setText(tr("Done."));
        if (!r.found)
            m_answer->setText(tr("No rate tried kept the SLO"));
        else if (r.ceiling > 0)
            m_answer->setText(tr("Capacity: %1 journeys/s (the limit is below %2)")
                                  .arg(r.rate, 0, 'f', 1)
                                  .arg(r.ceiling, 0, 'f', 1));
        else
            m_answer->setText(tr("Capacity: at least %1 journeys/s").arg(r.rate, 0, 'f', 1));
        // The CLI's own lines, so the dialog and `microcosm --capacity`
        // never say different things.
        m_details->setText(describeCapacityAnswer(r).join(QLatin1Char('\n')));
    }
    validate();
    emit searchFinished();
}

void CapacityDialog::applyStyle()
{
    if (!m_answer)
        return; // a font or palette change while the constructor builds the widgets
    QFont big = theme::scaledFont(font(), 1.5);
    big.setBold(true);
    m_answer->setFont(big);
    // The header takes the platform's header type otherwise, not this
    // dialog's (too small to read in presenter mode).
    QFont header = font();
    header.setBold(true);
    m_steps->horizontalHeader()->setFont(header);
    QPalette error = m_sloError->palette();
    error.setColor(QPalette::WindowText, theme::errorColor());
    m_sloError->setPalette(error);
    m_scenarioProblem->setPalette(error);
    QPalette muted = m_phaseLabel->palette();
    muted.setColor(QPalette::WindowText, theme::mutedText(palette()));
    m_phaseLabel->setPalette(muted);
}

void CapacityDialog::setPresenter(bool on)
{
    m_presenter = on;
    setFont(theme::presenterFont(on, MainWindow::PresenterTypeScale));
    applyStyle();
}

void CapacityDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        applyStyle();
}

} // namespace microcosm
