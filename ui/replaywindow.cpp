#include "replaywindow.h"

#include "chartspanel.h"
#include "eventmodel.h"
#include "eventtimeline.h"
#include "timebar.h"
#include "topologyview.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace microcosm {

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
    // A window's run is never finished (it ends when the window closes or
    // another run replaces it): its recording says "incomplete", which is fine.
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
    // An event clicked: the replay goes to its second.
    connect(m_events->view(), &QTableView::clicked, this, [this](const QModelIndex &index) {
        auto *proxy = qobject_cast<QSortFilterProxyModel *>(m_events->view()->model());
        const QModelIndex row = proxy ? proxy->mapToSource(index) : index;
        if (row.isValid() && row.row() < m_events->model()->rowCount()) {
            pause();
            seek(m_events->model()->event(row.row()).t);
        }
    });

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
        const double since = second - m_recording.loadStart();
        m_topology->setStill(true, m_scenario ? scenarioRateAt(*m_scenario, since) : 0);
        m_topology->setSnapshot(snap);
        m_charts->setCutAt(second);
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

} // namespace microcosm
