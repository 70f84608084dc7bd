#include "replaywindow.h"

#include "chartspanel.h"
#include "databaseinspector.h"
#include "eventmodel.h"
#include "eventtimeline.h"
#include "recordingdocuments.h"
#include "timebar.h"
#include "topologyview.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace microcosm {

double recordedUsersRate(const Recording &recording, const Scenario *scenario, double t,
                         double fallback)
{
    // The last rate set by hand at or before t, and the first one after it.
    std::optional<std::pair<double, HandSetRate>> before, after;
    for (const Event &e : recording.events()) {
        const std::optional<HandSetRate> r = handSetRate(e);
        if (!r)
            continue;
        if (e.t <= t + 1e-9) {
            before = std::make_pair(e.t, *r);
        } else {
            after = std::make_pair(e.t, *r);
            break; // the events are in time order
        }
    }
    if (!scenario)
        return before ? before->second.to : after ? after->second.from : fallback;
    // A set-rate step of the timeline after the hand's change sets the rate again.
    const double since = t - recording.loadStart();
    double stepAt = -std::numeric_limits<double>::infinity();
    for (const TimelineAction &a : scenario->timeline)
        if (a.kind == TimelineAction::Kind::SetRate && a.at <= since)
            stepAt = std::max(stepAt, recording.loadStart() + a.at);
    if (before && before->first > stepAt)
        return before->second.to;
    return scenarioRateAt(*scenario, since);
}

ReplayWindow *ReplayWindow::open(const QString &path, bool presenter, QString *error,
                                 QWidget *parent)
{
    std::optional<Recording> recording = Recording::open(path, error);
    if (!recording)
        return nullptr;
    return new ReplayWindow(std::move(*recording), presenter, parent);
}

ReplayWindow::ReplayWindow(Recording recording, bool presenter, QWidget *parent)
    : QMainWindow(parent), m_recording(std::move(recording)), m_seconds(m_recording.seconds())
{
    setObjectName(QStringLiteral("replay-window"));
    setAttribute(Qt::WA_DeleteOnClose);
    const QString file = QFileInfo(m_recording.path()).fileName();
    const QString title = m_recording.title().isEmpty() ? file : m_recording.title();
    // Incomplete: its run ended without finishing it (killed, crashed).
    setWindowTitle(tr("Microcosm — replay of %1 (%2, %3)")
                       .arg(title, m_recording.path(),
                            m_recording.complete() ? tr("complete") : tr("incomplete")));
    QStringList problems;
    m_scenario =
        Scenario::parse(QJsonDocument(m_recording.scenario()).toJson(), &problems, QString());

    auto *centre = new QWidget(this);
    auto *column = new QVBoxLayout(centre);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    m_banner = new QLabel(centre);
    m_banner->setObjectName(QStringLiteral("replay-banner"));
    m_banner->setWordWrap(true);
    m_banner->setMargin(4);
    // The same blue as the replay's handle: this is a recording, not the shop.
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #1f4e8c; color: white; }"));
    QFont bannerFont = QApplication::font();
    bannerFont.setPointSizeF(bannerFont.pointSizeF() * 1.15);
    bannerFont.setBold(true);
    m_banner->setFont(bannerFont);
    column->addWidget(m_banner);
    m_topology = new TopologyView(nullptr, centre);
    m_topology->setPresenter(presenter);
    column->addWidget(m_topology, 1);
    m_bar = new TimeBar(centre);
    m_bar->setPlayback(true);
    column->addWidget(m_bar);
    setCentralWidget(centre);

    // The services in the architecture's order, as the live charts have
    // them (their line styles go by place), then any the scenario lacks.
    QStringList recorded, services;
    const SystemSnapshot firstState =
        m_recording.snapshotAt(m_seconds.empty() ? 0 : m_seconds.front());
    for (const ServiceSnapshot &s : firstState.services)
        recorded << s.name;
    if (m_scenario)
        for (const QString &s : m_scenario->serviceNames())
            if (recorded.contains(s))
                services << s;
    for (const QString &s : std::as_const(recorded))
        if (!services.contains(s))
            services << s;
    m_charts = new ChartsPanel(services, this);
    m_charts->loadRecording(m_recording);
    auto *charts = new QDockWidget(tr("Charts"), this);
    charts->setObjectName(QStringLiteral("replay-charts-dock"));
    charts->setWidget(m_charts);
    addDockWidget(Qt::BottomDockWidgetArea, charts);

    m_events = new EventTimeline(this);
    m_events->append(m_recording.events());
    auto *events = new QDockWidget(tr("Events (click one to go to it)"), this);
    events->setObjectName(QStringLiteral("replay-events-dock"));
    events->setWidget(m_events);
    addDockWidget(Qt::RightDockWidgetArea, events);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    connect(m_events, &EventTimeline::sourceActivated, m_topology, &TopologyView::highlight);
    // An event clicked: the replay goes to its second, the one-second window
    // that holds it (the first recorded second at or after it), so that the
    // list, cut there, still shows it.
    connect(m_events->view(), &QTableView::clicked, this, [this](const QModelIndex &index) {
        auto *proxy = qobject_cast<QSortFilterProxyModel *>(m_events->view()->model());
        const QModelIndex row = proxy ? proxy->mapToSource(index) : index;
        if (row.isValid() && row.row() < m_events->model()->rowCount() && !m_seconds.empty()) {
            pause();
            const double t = m_events->model()->event(row.row()).t;
            const auto holding = std::lower_bound(m_seconds.begin(), m_seconds.end(), t - 1e-9);
            seek(holding == m_seconds.end() ? last() : *holding);
        }
    });

    // Beside the charts: the databases as the run left them, and its report.
    auto *databases = new QDockWidget(tr("Databases"), this);
    databases->setObjectName(QStringLiteral("replay-databases-dock"));
    databases->setWidget(buildDatabases());
    addDockWidget(Qt::BottomDockWidgetArea, databases);
    m_report = new QTextBrowser(this);
    m_report->setObjectName(QStringLiteral("replay-report"));
    m_report->setOpenLinks(false);
    m_report->setHtml(reportHtml());
    auto *report = new QDockWidget(tr("Report"), this);
    report->setObjectName(QStringLiteral("replay-report-dock"));
    report->setWidget(m_report);
    addDockWidget(Qt::BottomDockWidgetArea, report);
    tabifyDockWidget(charts, databases);
    tabifyDockWidget(databases, report);
    setTabPosition(Qt::BottomDockWidgetArea, QTabWidget::North);
    charts->raise();

    m_bar->setRange(first(), last());
    m_bar->setEvents(m_recording.events());
    connect(m_bar, &TimeBar::seekRequested, this, [this](double t) {
        pause();
        seek(t);
    });
    connect(m_bar, &TimeBar::playToggled, this, &ReplayWindow::togglePlay);
    connect(m_bar, &TimeBar::speedChanged, this, &ReplayWindow::setSpeed);

    // The keys of the time bar, wherever the focus is in the picture and the
    // bar (the events list keeps its arrows); Space anywhere in the window.
    struct Key
    {
        const char *name;
        QKeySequence key;
        std::function<void()> act;
        Qt::ShortcutContext context;
    };
    const Key keys[] = {
        {"replay-play", QKeySequence(Qt::Key_Space), [this] { togglePlay(); }, Qt::WindowShortcut},
        {"replay-back", QKeySequence(Qt::Key_Left), [this] { step(-1); },
         Qt::WidgetWithChildrenShortcut},
        {"replay-forward", QKeySequence(Qt::Key_Right), [this] { step(+1); },
         Qt::WidgetWithChildrenShortcut},
        {"replay-first", QKeySequence(Qt::Key_Home),
         [this] {
             pause();
             seek(first());
         },
         Qt::WidgetWithChildrenShortcut},
        {"replay-last", QKeySequence(Qt::Key_End),
         [this] {
             pause();
             seek(last());
         },
         Qt::WidgetWithChildrenShortcut},
    };
    for (const Key &k : keys) {
        auto *a = new QAction(this);
        a->setObjectName(QLatin1String(k.name));
        a->setShortcut(k.key);
        a->setShortcutContext(k.context);
        connect(a, &QAction::triggered, this, k.act);
        (k.context == Qt::WindowShortcut ? static_cast<QWidget *>(this) : centre)->addAction(a);
    }

    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(40);
    connect(&m_timer, &QTimer::timeout, this, &ReplayWindow::tick);

    resize(presenter ? QSize(1280, 720) : QSize(1400, 900));
    resizeDocks({events}, {presenter ? 300 : 380}, Qt::Horizontal);
    resizeDocks({charts}, {presenter ? 220 : 300}, Qt::Vertical);
    seek(first());
    m_topology->setFocus();
}

ReplayWindow::~ReplayWindow() = default;

double ReplayWindow::first() const
{
    return m_seconds.empty() ? 0 : m_seconds.front();
}

double ReplayWindow::last() const
{
    return m_seconds.empty() ? 0 : m_seconds.back();
}

int ReplayWindow::indexAt(double t) const
{
    // The recorded second at or before t (the first one before it).
    const auto it = std::upper_bound(m_seconds.begin(), m_seconds.end(), t + 1e-9);
    return std::max(0, int(it - m_seconds.begin()) - 1);
}

double ReplayWindow::secondShown() const
{
    return m_shown >= 0 && m_shown < int(m_seconds.size()) ? m_seconds[std::size_t(m_shown)] : 0;
}

void ReplayWindow::seek(double t)
{
    // Asked for by the user: the recorded second nearest to it (playing
    // shows the one at or before the time reached).
    if (!m_seconds.empty())
        showAt(nearestSecond(m_seconds, t));
}

void ReplayWindow::step(int seconds)
{
    pause();
    if (m_seconds.empty())
        return;
    const int i = std::clamp(indexAt(m_t) + seconds, 0, int(m_seconds.size()) - 1);
    seek(m_seconds[std::size_t(i)]);
}

void ReplayWindow::play()
{
    if (m_seconds.empty())
        return;
    if (m_t >= last())
        seek(first()); // played to the end: from the start again
    m_clock.start();
    m_timer.start();
    m_bar->setPlaying(true);
    updateBanner();
}

void ReplayWindow::pause()
{
    if (!m_timer.isActive())
        return;
    m_timer.stop();
    m_bar->setPlaying(false);
    updateBanner();
}

void ReplayWindow::togglePlay()
{
    if (playing())
        pause();
    else
        play();
}

void ReplayWindow::setSpeed(double speed)
{
    if (speed <= 0)
        return;
    m_speed = speed;
    m_bar->setSpeed(speed);
    updateBanner();
}

void ReplayWindow::tick()
{
    const double elapsed = double(m_clock.nsecsElapsed()) / 1e9;
    m_clock.start();
    const double t = m_t + m_speed * elapsed;
    if (t >= last()) {
        showAt(last());
        pause();
        emit reachedEnd();
        return;
    }
    showAt(t);
}

void ReplayWindow::showAt(double t)
{
    m_t = t;
    const int i = m_seconds.empty() ? -1 : indexAt(t);
    if (i != m_shown && i >= 0) {
        m_shown = i;
        const double second = m_seconds[std::size_t(i)];
        const SystemSnapshot snap = m_recording.snapshotAt(second);
        m_topology->setStill(
            true, recordedUsersRate(m_recording, m_scenario ? &*m_scenario : nullptr, second));
        m_topology->setSnapshot(snap);
        m_charts->setCutAt(second);
        // At the last second, the end of the run: the events logged after
        // its last window closed (settling, the verdict) belong to it too.
        m_events->setCutAt(i + 1 < int(m_seconds.size()) ? std::optional<double>(second)
                                                         : std::nullopt);
    }
    m_bar->setPosition(t);
    updateBanner();
}

void ReplayWindow::updateBanner()
{
    QString text;
    if (m_seconds.empty()) {
        text = tr("Replay: nothing was recorded in %1").arg(m_recording.path());
    } else {
        const QString title = m_recording.title().isEmpty()
                                  ? QFileInfo(m_recording.path()).fileName()
                                  : m_recording.title();
        text = tr("REPLAY of “%1” · %2").arg(title, timeText(m_t));
        // The scenario's own clock, as its timeline and lesson count.
        if (m_recording.loadStart() > 0 && m_t >= m_recording.loadStart())
            text += tr(" (%1 s into the run)")
                        .arg(QString::number(m_t - m_recording.loadStart(), 'f', 0));
        text += playing() ? tr(" · playing at %1×").arg(m_speed)
                          : tr(" · paused — Space plays, ←/→ step");
    }
    if (m_banner->text() != text)
        m_banner->setText(text);
}

QWidget *ReplayWindow::buildDatabases()
{
    auto *box = new QWidget(this);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    m_databasesNote = new QLabel(box);
    m_databasesNote->setObjectName(QStringLiteral("replay-databases-note"));
    m_databasesNote->setWordWrap(true);
    m_databasesNote->setMargin(4);
    layout->addWidget(m_databasesNote);
    if (!m_recording.complete()) {
        m_databasesNote->setText(
            tr("This recording was not finished (its run was killed or crashed), so it holds no "
               "copies of the databases: they are taken when a run ends."));
        layout->addStretch(1);
        return box;
    }
    m_databaseDir = std::make_unique<QTemporaryDir>();
    QString error;
    const RecordedDatabases recorded =
        m_databaseDir->isValid() ? extractDatabases(m_recording, m_databaseDir->path(), &error)
                                 : RecordedDatabases{};
    if (!m_databaseDir->isValid())
        error = tr("no temporary folder for the copies: %1").arg(m_databaseDir->errorString());
    QStringList problems = recorded.skipped;
    if (!error.isEmpty())
        problems << error;
    if (recorded.files.isEmpty()) {
        m_databasesNote->setText(
            !recorded.indexed && error.isEmpty()
                ? tr("This recording holds no copies of the databases (it was made by a "
                     "Microcosm that did not keep them).")
                : tr("No database could be shown: %1").arg(problems.join(QStringLiteral("; "))));
        layout->addStretch(1);
        return box;
    }
    QList<DatabaseInspector::File> files;
    for (const RecordedDatabase &d : recorded.files)
        files.append({d.path, d.users, d.modules});
    m_inspector = new DatabaseInspector(
        files, tr("as the run left them (copies kept in the recording)"), box);
    layout->addWidget(m_inspector, 1);
    if (problems.isEmpty())
        m_databasesNote->hide();
    else
        m_databasesNote->setText(tr("Not shown: %1").arg(problems.join(QStringLiteral("; "))));
    return box;
}

namespace {

QString escaped(const QString &text)
{
    return text.toHtmlEscaped();
}

// The audit document in a sentence or two, as AuditReport::summary() says it.
QString auditHtml(const QJsonObject &a)
{
    const bool ok = a.value(QStringLiteral("ok")).toBool();
    QString out = QStringLiteral("<p><b>Audit %1</b>")
                      .arg(ok ? ReplayWindow::tr("passed") : ReplayWindow::tr("FAILED"));
    auto n = [&a](const char *key) { return a.value(QLatin1String(key)).toInteger(); };
    if (a.value(QStringLiteral("shopChecked")).toBool(true)) {
        out += ReplayWindow::tr(": %1 products, stock %2 = %3 on the shelves + %4 held; %5 "
                                "confirmed, %6 failed, %7 pending orders; %8 acknowledged to "
                                "their clients, %9 of them missing.")
                   .arg(n("products"))
                   .arg(n("initialStock"))
                   .arg(n("currentStock"))
                   .arg(n("heldQuantity"))
                   .arg(n("confirmedOrders"))
                   .arg(n("failedOrders"))
                   .arg(n("pendingOrders"))
                   .arg(n("acknowledgedOrders"))
                   .arg(n("acknowledgedMissing"));
    }
    const QJsonArray tables = a.value(QStringLiteral("tables")).toArray();
    if (!tables.isEmpty()) {
        qint64 rows = 0;
        for (const QJsonValue &t : tables)
            rows += t.toObject().value(QStringLiteral("rows")).toInteger();
        out += ReplayWindow::tr(" %1 tables checked, %2 rows.").arg(tables.size()).arg(rows);
    }
    out += QStringLiteral("</p>");
    const QJsonArray violations = a.value(QStringLiteral("violations")).toArray();
    if (!violations.isEmpty()) {
        out += QStringLiteral("<ul>");
        for (const QJsonValue &v : violations)
            out += QStringLiteral("<li>%1</li>").arg(escaped(v.toString()));
        out += QStringLiteral("</ul>");
    }
    return out;
}

} // namespace

QString ReplayWindow::reportHtml() const
{
    const QString title = m_recording.title().isEmpty() ? QFileInfo(m_recording.path()).fileName()
                                                        : m_recording.title();
    QString html = QStringLiteral("<h3>%1</h3>").arg(escaped(title));
    if (!m_recording.complete())
        return html + tr("<p><b>This recording was not finished</b>: its run ended without "
                         "ending it (killed or crashed), so it holds the %1 seconds and %2 "
                         "events written until then, and no report, audit, debrief or copies "
                         "of the databases.</p>")
                          .arg(m_seconds.size())
                          .arg(m_recording.events().size());
    const QJsonObject report = m_recording.report();
    if (report.isEmpty()) {
        html += tr("<p>This recording has no report.</p>");
    } else {
        const bool passed = report.value(QStringLiteral("passed")).toBool();
        const QJsonArray expectations = report.value(QStringLiteral("expectations")).toArray();
        html += QStringLiteral("<p style=\"font-size: large\"><b>%1</b></p>")
                    .arg(passed ? (expectations.isEmpty() ? tr("PASSED: the audit held")
                                                          : tr("PASSED: every expectation held"))
                                : tr("FAILED"));
        if (!expectations.isEmpty()) {
            html += tr("<p><b>Expectations</b></p><ul>");
            for (const QJsonValue &v : expectations) {
                const QJsonObject e = v.toObject();
                const QString expect = escaped(e.value(QStringLiteral("expect")).toString());
                QString line;
                if (!e.value(QStringLiteral("evaluated")).toBool(true))
                    line = tr("NOT EVALUATED %1 (measured nothing: %2)")
                               .arg(expect,
                                    escaped(e.value(QStringLiteral("notEvaluated")).toString()));
                else
                    line =
                        tr("<b>%1</b> %2 (measured %3)")
                            .arg(e.value(QStringLiteral("held")).toBool() ? tr("PASS") : tr("FAIL"),
                                 expect)
                            .arg(e.value(QStringLiteral("measured")).toDouble(), 0, 'g', 6);
                html += QStringLiteral("<li>%1</li>").arg(line);
            }
            html += QStringLiteral("</ul>");
        }
        for (const QJsonValue &n : report.value(QStringLiteral("notes")).toArray())
            html += QStringLiteral("<p><i>%1</i></p>").arg(escaped(n.toString()));
        for (const QJsonValue &f : report.value(QStringLiteral("databaseFailures")).toArray()) {
            const QJsonObject o = f.toObject();
            html += tr("<p><i>%1 failed %2 time(s); last: %3</i></p>")
                        .arg(escaped(o.value(QStringLiteral("file")).toString()))
                        .arg(o.value(QStringLiteral("failures")).toInteger())
                        .arg(escaped(o.value(QStringLiteral("lastReason")).toString()));
        }
    }
    const QJsonObject audit =
        QJsonDocument::fromJson(m_recording.document(QStringLiteral("audit"))).object();
    html += audit.isEmpty() ? tr("<p>No audit was recorded.</p>") : auditHtml(audit);
    const QString debrief = QString::fromUtf8(m_recording.document(QStringLiteral("debrief")));
    if (!debrief.isEmpty())
        html += tr("<p><b>Debrief</b></p>") +
                QStringLiteral("<p>%1</p>")
                    .arg(escaped(debrief).replace(QLatin1Char('\n'), QStringLiteral("<br>")));
    return html;
}

} // namespace microcosm
