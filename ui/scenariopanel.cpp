#include "scenariopanel.h"

#include "theme.h"

#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

namespace microcosm {

namespace {

QString secondsText(double s)
{
    return QString::number(s, 'f', s < 10 && s != std::floor(s) ? 1 : 0) + QStringLiteral(" s");
}

// A list of rows (each with a colour and boldness) as a word-wrapped label;
// the label is touched only when the text changes.
struct Row
{
    QString text;
    QColor color;
    bool bold = false;
};

// The changes of the scenario's load profile (open model) that happen: those
// before its first set-rate step, which replaces the profile.
QList<LoadChange> scenarioLoadChanges(const Scenario &sc)
{
    if (sc.load.model != LoadConfig::Model::Open)
        return {};
    double until = sc.duration;
    for (const TimelineAction &a : sc.timeline)
        if (a.kind == TimelineAction::Kind::SetRate)
            until = std::min(until, a.at);
    QList<LoadChange> out;
    for (const LoadChange &c : sc.load.profile.changes())
        if (c.at < until)
            out << c;
    return out;
}

void setRows(QLabel *label, QStringList *plain, const QList<Row> &rows)
{
    QStringList html;
    QStringList texts;
    for (const Row &r : rows) {
        QString line = r.text.toHtmlEscaped();
        if (r.bold)
            line = QStringLiteral("<b>%1</b>").arg(line);
        if (r.color.isValid())
            line = QStringLiteral("<span style='color:%1'>%2</span>").arg(r.color.name(), line);
        html << line;
        texts << r.text;
    }
    *plain = texts;
    const QString text = html.join(QStringLiteral("<br>"));
    if (label->text() != text)
        label->setText(text);
}

} // namespace

ScenarioPanel::ScenarioPanel(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(this)), m_lesson(new QLabel(this)),
      m_progress(new QProgressBar(this)), m_phase(new QLabel(this)), m_timeline(new QLabel(this)),
      m_resultsTitle(new QLabel(this)), m_results(new QLabel(this)), m_audit(new QLabel(this)),
      m_debrief(new QLabel(this)), m_rerun(new QPushButton(tr("Run again"), this)),
      m_open(new QPushButton(tr("Open scenario…"), this))
{
    setObjectName(QStringLiteral("scenario-panel"));
    m_title->setObjectName(QStringLiteral("scenario-title"));
    m_title->setWordWrap(true);
    QFont tf = m_title->font();
    tf.setBold(true);
    tf.setPointSizeF(tf.pointSizeF() * 1.25);
    m_title->setFont(tf);

    m_lesson->setObjectName(QStringLiteral("scenario-lesson"));
    m_lesson->setWordWrap(true);
    m_lesson->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_lesson->setFrameShape(QFrame::StyledPanel);
    m_lesson->setMargin(8);
    m_lesson->setAutoFillBackground(true);
    m_lesson->setBackgroundRole(QPalette::AlternateBase);
    m_lesson->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_lesson->setToolTip(tr("What this experiment shows, and what to watch for."));

    m_progress->setObjectName(QStringLiteral("scenario-progress"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    m_progress->setToolTip(tr("Time since the scenario's load started, against its duration. "
                              "At the end the load stops, the system settles and the "
                              "expectations are judged."));
    m_phase->setObjectName(QStringLiteral("scenario-phase"));
    m_phase->setWordWrap(true);

    auto *timelineTitle = new QLabel(tr("<b>Timeline</b> (✓ done, ▶ next)"), this);
    timelineTitle->setWordWrap(true); // no line here may set the panel's minimum width
    m_timeline->setObjectName(QStringLiteral("scenario-timeline"));
    m_timeline->setToolTip(tr("The scenario's steps: faults, operations and load changes, each "
                              "at its time after the start. Each one also lands in the Events "
                              "panel when it is played."));
    m_timeline->setWordWrap(true);
    m_timeline->setTextFormat(Qt::RichText);
    m_timeline->setFrameShape(QFrame::StyledPanel);
    m_timeline->setMargin(4);
    m_timeline->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    m_resultsTitle->setText(tr("<b>Expectations</b> (judged when the run is over)"));
    m_resultsTitle->setWordWrap(true);
    m_results->setObjectName(QStringLiteral("scenario-results"));
    m_results->setToolTip(tr("The steady-state hypothesis: what must hold for the architecture "
                             "to pass this experiment. PASS or FAIL with the value measured."));
    m_results->setWordWrap(true);
    m_results->setTextFormat(Qt::RichText);
    m_results->setFrameShape(QFrame::StyledPanel);
    m_results->setMargin(4);
    m_results->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_audit->setObjectName(QStringLiteral("scenario-audit"));
    m_audit->setWordWrap(true);
    m_audit->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_debrief->setObjectName(QStringLiteral("scenario-debrief"));
    m_debrief->setWordWrap(true);
    m_debrief->setTextFormat(Qt::PlainText);
    m_debrief->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_debrief->hide();

    m_rerun->setObjectName(QStringLiteral("scenario-rerun"));
    m_rerun->setToolTip(tr("Start this scenario again from the beginning, on fresh services (a "
                           "new sub-folder of the data directory)."));
    m_open->setObjectName(QStringLiteral("scenario-open"));
    m_open->setToolTip(tr("Open a scenario file (JSON), or pick a preset from the Scenarios "
                          "menu."));
    connect(m_rerun, &QPushButton::clicked, this, &ScenarioPanel::rerunRequested);
    connect(m_open, &QPushButton::clicked, this, &ScenarioPanel::openRequested);

    // Side by side, or one above the other in a narrow column.
    auto *buttons = new QGridLayout;
    buttons->addWidget(m_rerun, 0, 0);
    buttons->addWidget(m_open, 0, 1);
    buttons->setColumnStretch(2, 1);
    m_buttons = buttons;
    // The buttons' text must not set the panel's minimum width: resizeEvent
    // stacks them instead when the column is narrow.
    m_rerun->setMinimumWidth(40);
    m_open->setMinimumWidth(40);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_title);
    layout->addWidget(m_lesson);
    layout->addWidget(m_progress);
    layout->addWidget(m_phase);
    layout->addWidget(timelineTitle);
    layout->addWidget(m_timeline);
    layout->addWidget(m_resultsTitle);
    layout->addWidget(m_results);
    layout->addWidget(m_audit);
    layout->addWidget(m_debrief);
    layout->addLayout(buttons);
    layout->addStretch(1);

    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &ScenarioPanel::refresh);
    setScenario(nullptr);
}

void ScenarioPanel::setScenario(LiveScenario *scenario)
{
    if (m_scenario)
        disconnect(m_scenario, nullptr, this, nullptr);
    m_scenario = scenario;
    if (!scenario) {
        m_timer.stop();
        m_title->setText(tr("No scenario running"));
        m_lesson->setText(tr("A scenario is an experiment: a deployment, a load, a timeline of "
                             "faults and what must hold. Pick one from the <b>Scenarios</b> "
                             "menu (for a start, \"Kill the product service\"), or open a "
                             "scenario file."));
        m_progress->setValue(0);
        m_progress->setFormat(QString());
        m_phase->clear();
        setRows(m_timeline, &m_timelineRows, {});
        setRows(m_results, &m_resultRows, {});
        m_audit->clear();
        m_debrief->hide();
        m_rerun->setEnabled(false);
        return;
    }
    m_title->setText(scenario->scenario().title);
    m_lesson->setText(scenario->scenario().lesson.isEmpty()
                          ? tr("(This scenario has no lesson text.)")
                          : scenario->scenario().lesson);
    m_lesson->setTextFormat(Qt::PlainText);
    m_rerun->setEnabled(true);
    connect(scenario, &LiveScenario::phaseChanged, this, &ScenarioPanel::refresh);
    m_timer.start();
    refresh();
}

void ScenarioPanel::showStarting(const QString &title)
{
    setScenario(nullptr);
    m_title->setText(title);
    m_lesson->setText(tr("Starting fresh services for this scenario: their replicas are "
                         "cold-starting. The run begins as soon as they are ready."));
    m_phase->setText(tr("Starting…"));
}

QString ScenarioPanel::titleText() const
{
    return m_title->text();
}

QString ScenarioPanel::lessonText() const
{
    return m_lesson->text();
}

QStringList ScenarioPanel::timelineRows() const
{
    return m_timelineRows;
}

QStringList ScenarioPanel::resultRows() const
{
    return m_resultRows;
}

void ScenarioPanel::refresh()
{
    if (!m_scenario)
        return;
    LiveScenario &s = *m_scenario;
    const Scenario &sc = s.scenario();
    const double elapsed = s.elapsed();
    const double duration = std::max(0.001, sc.duration);
    const int value = int(1000 * std::clamp(elapsed / duration, 0.0, 1.0));
    if (m_progress->value() != value)
        m_progress->setValue(value);
    const QString format =
        tr("%1 of %2").arg(secondsText(std::floor(elapsed)), secondsText(duration));
    if (m_progress->format() != format)
        m_progress->setFormat(format);

    QString phase;
    switch (s.phase()) {
    case LiveScenario::Phase::Running:
        phase = tr("Running. Watch the topology and the charts; each step below lands in the "
                   "Events panel too.");
        break;
    case LiveScenario::Phase::Settling:
        phase = tr("Over: the load has stopped; waiting for the journeys under way (and a "
                   "shop's compensations and order outbox) to finish before the audit…");
        break;
    case LiveScenario::Phase::Done: {
        int held = 0;
        for (const ExpectationResult &r : s.results())
            held += r.held;
        phase = s.passed()
                    ? tr("<b style='color:%1'>PASSED</b>: every expectation held and the "
                         "audit %2.")
                          .arg(theme::okColor().name(),
                               s.audit().shopChecked ? tr("balanced") : tr("passed"))
                    : tr("<b style='color:%1'>FAILED</b>: %2 of %3 expectations held%4.")
                          .arg(theme::errorColor().name())
                          .arg(held)
                          .arg(s.results().size())
                          .arg(s.audit().ok ? QString() : tr("; the audit found violations"));
        break;
    }
    }
    if (m_phase->text() != phase)
        m_phase->setText(phase);

    // Timeline: the steps played so far, ticked, then the upcoming ones;
    // the load profile's changes among them at their times.
    const QList<TimelineAction> upcoming = s.upcoming();
    const qsizetype played = sc.timeline.size() - upcoming.size();
    const bool running = s.phase() == LiveScenario::Phase::Running;
    struct Step
    {
        double at;
        QString text;
        bool done;
    };
    std::vector<Step> steps;
    for (qsizetype i = 0; i < sc.timeline.size(); ++i)
        steps.push_back({sc.timeline[i].at, sc.timeline[i].describe(), i < played || !running});
    for (const LoadChange &c : scenarioLoadChanges(sc))
        steps.push_back({c.at, c.text, elapsed >= c.at || !running});
    std::stable_sort(steps.begin(), steps.end(),
                     [](const Step &a, const Step &b) { return a.at < b.at; });
    const QColor muted = theme::mutedText(palette());
    QList<Row> rows;
    bool nextShown = false;
    for (const Step &step : steps) {
        Row r;
        if (step.done) {
            r.text = QStringLiteral("✓  %1  %2").arg(secondsText(step.at), step.text);
            r.color = muted;
        } else if (!nextShown) {
            r.text = QStringLiteral("▶  %1  %2  (in %3)")
                         .arg(secondsText(step.at), step.text,
                              secondsText(std::max(0.0, std::ceil(step.at - elapsed))));
            r.bold = true;
            nextShown = true;
        } else {
            r.text = QStringLiteral("    %1  %2").arg(secondsText(step.at), step.text);
        }
        rows << r;
    }
    if (steps.empty())
        rows << Row{tr("(no faults, operations or load changes: a steady run)"), muted, false};
    setRows(m_timeline, &m_timelineRows, rows);

    if (s.phase() == LiveScenario::Phase::Done) {
        m_timer.stop();
        showResults();
        return;
    }
    QList<Row> pending;
    for (const Expectation &e : sc.expectations)
        pending << Row{QStringLiteral("…  ") + e.describe(), muted, false};
    if (sc.expectations.isEmpty())
        pending << Row{tr("(none: this scenario only shows)"), muted, false};
    setRows(m_results, &m_resultRows, pending);
    if (!m_audit->text().isEmpty())
        m_audit->clear();
    m_debrief->hide();
}

void ScenarioPanel::showResults()
{
    LiveScenario &s = *m_scenario;
    QList<Row> rows;
    for (const ExpectationResult &r : s.results())
        rows << Row{QStringLiteral("%1  %2 — measured %3")
                        .arg(r.held ? QStringLiteral("PASS") : QStringLiteral("FAIL"),
                             r.expectation.describe())
                        .arg(r.measured, 0, 'g', 4),
                    r.held ? theme::okColor() : theme::errorColor(), !r.held};
    if (rows.isEmpty())
        rows << Row{tr("(none: this scenario only shows)"), theme::mutedText(palette()), false};
    setRows(m_results, &m_resultRows, rows);
    const AuditReport &a = s.audit();
    const QString verdict =
        tr("<b style='color:%1'>Audit %2</b>")
            .arg((a.ok ? theme::okColor() : theme::errorColor()).name(),
                 a.ok ? (a.shopChecked ? tr("balanced") : tr("passed")) : tr("FAILED"));
    QString audit;
    if (a.shopChecked)
        audit = tr("%1: stock %2 = %3 on shelves + %4 held; %5 confirmed, %6 failed orders; "
                   "%7 acknowledged, %8 missing.")
                    .arg(verdict)
                    .arg(a.restockedQuantity > 0
                             ? tr("%1 + %2 restocked").arg(a.initialStock).arg(a.restockedQuantity)
                             : QString::number(a.initialStock))
                    .arg(a.currentStock)
                    .arg(a.heldQuantity)
                    .arg(a.confirmedOrders)
                    .arg(a.failedOrders)
                    .arg(a.acknowledged)
                    .arg(a.acknowledgedMissing);
    else
        audit = tr("%1: no shop to balance (no product and order service), so it checked what "
                   "it can.")
                    .arg(verdict);
    if (!a.tables.isEmpty()) {
        // The generic services' tables: each there, with at least its seeded rows, in its
        // own services' files only.
        qint64 rows = 0;
        QStringList files;
        for (const AuditReport::Table &t : a.tables) {
            rows += t.rows;
            if (!files.contains(t.file))
                files << t.file;
        }
        audit +=
            tr(" %1 checked in %2: %3 rows")
                .arg(a.tables.size() == 1 ? tr("1 table") : tr("%1 tables").arg(a.tables.size()),
                     files.join(QStringLiteral(", ")).toHtmlEscaped())
                .arg(rows);
        audit += a.ok ? tr(", none below its seed, and no file holding another service's "
                           "tables.")
                      : QStringLiteral(".");
    }
    for (const QString &v : a.violations)
        audit += QStringLiteral("<br>• ") + v.toHtmlEscaped();
    if (!s.settled())
        audit += tr("<br>The system did not settle within 30 s after the run.");
    m_audit->setText(audit);
    m_debrief->setText(s.debrief().isEmpty() ? QString() : tr("Debrief\n") + s.debrief());
    m_debrief->setVisible(!s.debrief().isEmpty());
}

void ScenarioPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    const bool stacked = width() < m_rerun->sizeHint().width() + m_open->sizeHint().width() + 24;
    if (stacked == (m_buttons->itemAtPosition(1, 0) != nullptr))
        return;
    m_buttons->removeWidget(m_open);
    if (stacked)
        m_buttons->addWidget(m_open, 1, 0);
    else
        m_buttons->addWidget(m_open, 0, 1);
}

} // namespace microcosm
