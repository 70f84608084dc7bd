#include "timebar.h"

#include "theme.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QToolButton>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace microcosm {

// The track itself: painted here, its mouse and tooltips handed to the bar.
class TimeTrack : public QWidget
{
public:
    explicit TimeTrack(TimeBar *bar) : QWidget(bar), m_bar(bar)
    {
        setObjectName(QStringLiteral("time-track"));
        setMouseTracking(false);
        setCursor(Qt::PointingHandCursor);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    // About a line of text tall: the picture above it keeps its room (in
    // presenter mode at 1280×720 every pixel of the topology's height counts).
    QSize sizeHint() const override
    {
        const int h = fontMetrics().height();
        return {20 * h, int(h * 1.1)};
    }
    QSize minimumSizeHint() const override
    {
        const int h = fontMetrics().height();
        return {6 * h, int(h * 1.1)};
    }
    // The horizontal room the seconds are spread over (the handle's half
    // width kept free at each end).
    int left() const { return handleRadius() + 2; }
    int right() const { return width() - handleRadius() - 3; }
    int handleRadius() const { return std::max(5, fontMetrics().height() / 2); }

protected:
    void paintEvent(QPaintEvent *) override;
    void mousePressEvent(QMouseEvent *e) override
    {
        if (e->button() != Qt::LeftButton)
            return;
        m_dragging = true;
        emit m_bar->seekRequested(m_bar->tOf(int(e->position().x())));
    }
    void mouseMoveEvent(QMouseEvent *e) override
    {
        if (m_dragging)
            emit m_bar->seekRequested(m_bar->tOf(int(e->position().x())));
    }
    void mouseReleaseEvent(QMouseEvent *) override { m_dragging = false; }
    bool event(QEvent *e) override
    {
        if (e->type() == QEvent::ToolTip) {
            auto *help = static_cast<QHelpEvent *>(e);
            QToolTip::showText(help->globalPos(), m_bar->toolTipAt(help->pos().x()), this);
            return true;
        }
        return QWidget::event(e);
    }

private:
    TimeBar *m_bar;
    bool m_dragging = false;
};

void TimeTrack::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const int h = height();
    const int groove = std::max(6, h / 4);
    const QRectF track(left(), (h - groove) / 2.0, std::max(1, right() - left()), groove);
    p.setPen(Qt::NoPen);
    p.setBrush(theme::mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.18));
    p.drawRoundedRect(track, groove / 2.0, groove / 2.0);

    const std::optional<double> at = m_bar->position();
    const int handleX = at ? m_bar->xOf(*at) : right();
    // What lies before the second shown, in the highlight colour.
    QRectF done = track;
    done.setRight(handleX);
    p.setBrush(theme::mix(pal.color(QPalette::Highlight), pal.color(QPalette::Base), 0.35));
    p.drawRoundedRect(done, groove / 2.0, groove / 2.0);

    // The marks, full height, so that a red one reads from the back row.
    const qreal markWidth = std::max(3.0, h / 7.0);
    for (const TimeBar::Mark &m : m_bar->marks()) {
        if (m.t < m_bar->first() || m.t > m_bar->last())
            continue; // before the recording began (or not closed yet)
        const int x = m_bar->xOf(m.t);
        p.setBrush(m.color);
        p.drawRect(QRectF(x - markWidth / 2, 1, markWidth, h - 2));
    }

    // The handle: a ring at the second shown; at the right end, red, when live.
    const int r = handleRadius();
    const QColor handle = at ? pal.color(QPalette::Highlight) : theme::errorColor();
    p.setBrush(pal.color(QPalette::Base));
    p.setPen(QPen(handle, std::max(2, r / 3)));
    p.drawEllipse(QPointF(handleX, h / 2.0), r, r);
}

TimeBar::TimeBar(QWidget *parent)
    : QWidget(parent), m_track(new TimeTrack(this)), m_play(new QToolButton(this)),
      m_speed(new QComboBox(this)), m_label(new QLabel(this)), m_live(new QPushButton(this))
{
    setObjectName(QStringLiteral("time-bar"));
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(6, 1, 6, 1);
    row->setSpacing(6);

    m_play->setObjectName(QStringLiteral("time-play"));
    m_play->setToolTip(tr("Play or pause the replay (Space)"));
    m_play->setToolButtonStyle(Qt::ToolButtonTextOnly);
    connect(m_play, &QToolButton::clicked, this, &TimeBar::playToggled);
    row->addWidget(m_play);

    m_speed->setObjectName(QStringLiteral("time-speed"));
    for (double s : speeds())
        m_speed->addItem(QStringLiteral("%1×").arg(s), s);
    m_speed->setToolTip(tr("Replay speed: recorded seconds per second"));
    connect(m_speed, &QComboBox::currentIndexChanged, this,
            [this](int i) { emit speedChanged(m_speed->itemData(i).toDouble()); });
    row->addWidget(m_speed);

    m_track->setToolTip(QString()); // answered per position (TimeTrack::event)
    row->addWidget(m_track, 1);

    m_label->setObjectName(QStringLiteral("time-label"));
    m_label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    row->addWidget(m_label);

    m_live->setObjectName(QStringLiteral("time-live"));
    m_live->setToolTip(tr("Back to the present (End)"));
    connect(m_live, &QPushButton::clicked, this, &TimeBar::liveRequested);
    row->addWidget(m_live);

    setPlayback(false);
}

TimeBar::~TimeBar() = default;

QWidget *TimeBar::track() const
{
    return m_track;
}

void TimeBar::setRange(double first, double last)
{
    last = std::max(first, last);
    if (first == m_first && last == m_last)
        return;
    m_first = first;
    m_last = last;
    updateLabel();
    m_track->update();
}

QColor TimeBar::markColor(const QString &kind)
{
    // Failures and what breaks: red; a breaker: orange; capacity: blue;
    // recovery: green; the load: teal (as the charts' markers).
    static const QStringList red{
        QStringLiteral("killed"),          QStringLiteral("fault-start"),
        QStringLiteral("start-failed"),    QStringLiteral("worker-failed"),
        QStringLiteral("database-failed"), QStringLiteral("maintenance-failed"),
        QStringLiteral("expect-violated"), QStringLiteral("unhealthy"),
        QStringLiteral("out-of-rotation"), QStringLiteral("ejected")};
    static const QStringList blue{QStringLiteral("scaled"), QStringLiteral("update-started"),
                                  QStringLiteral("update-step"), QStringLiteral("update-done")};
    static const QStringList green{QStringLiteral("restarted"), QStringLiteral("fault-end"),
                                   QStringLiteral("healthy"), QStringLiteral("back-in-rotation"),
                                   QStringLiteral("breaker-closed")};
    if (red.contains(kind))
        return theme::errorColor();
    if (kind.startsWith(QLatin1String("breaker-")) && !green.contains(kind))
        return QColor(0xf0, 0x6a, 0x1d);
    if (blue.contains(kind))
        return theme::startingColor();
    if (green.contains(kind))
        return theme::okColor();
    if (kind == QLatin1String("load-change"))
        return QColor(0x0b, 0x9a, 0x9a);
    if (kind == QLatin1String("scenario-start") || kind == QLatin1String("scenario-end") ||
        kind == QLatin1String("timeline"))
        return QColor(0x80, 0x80, 0x80);
    return {};
}

void TimeBar::setEvents(const std::vector<Event> &events)
{
    m_marks.clear();
    addEvents(events);
    m_track->update();
}

void TimeBar::addEvents(const std::vector<Event> &events)
{
    bool added = false;
    for (const Event &e : events) {
        const QColor color = markColor(e.kind);
        if (!color.isValid())
            continue;
        m_marks.push_back(
            {e.t, e.kind, QStringLiteral("%1 s · %2").arg(e.t, 0, 'f', 1).arg(e.message), color});
        added = true;
    }
    if (added)
        m_track->update();
}

int TimeBar::xOf(double t) const
{
    const int l = m_track->left(), r = m_track->right();
    if (m_last <= m_first)
        return r;
    const double f = std::clamp((t - m_first) / (m_last - m_first), 0.0, 1.0);
    return l + int(std::lround(f * (r - l)));
}

double TimeBar::tOf(int x) const
{
    const int l = m_track->left(), r = m_track->right();
    if (r <= l)
        return m_last;
    const double f = std::clamp(double(x - l) / double(r - l), 0.0, 1.0);
    return m_first + f * (m_last - m_first);
}

QString TimeBar::toolTipAt(int x) const
{
    const int near = std::max(4, m_track->height() / 5);
    QStringList lines;
    for (const Mark &m : m_marks)
        if (m.t >= m_first && m.t <= m_last && std::abs(xOf(m.t) - x) <= near)
            lines << m.text.toHtmlEscaped();
    if (lines.size() > 8) {
        const qsizetype more = lines.size() - 8;
        lines = lines.mid(0, 8);
        lines << tr("… and %n more", nullptr, int(more));
    }
    if (!lines.isEmpty())
        return lines.join(QStringLiteral("<br>"));
    return m_playback
               ? tr("%1 — drag to go to another second; ←/→ step one second").arg(timeText(tOf(x)))
               : tr("%1 — drag to look back at that second; ←/→ step one second, "
                    "End (or Live) goes back to the present")
                     .arg(timeText(tOf(x)));
}

void TimeBar::setPosition(std::optional<double> t)
{
    if (t == m_position)
        return;
    m_position = t;
    updateLabel();
    m_track->update();
}

void TimeBar::setPlayback(bool on)
{
    m_playback = on;
    m_play->setVisible(on);
    m_speed->setVisible(on);
    setPlaying(m_playing);
    updateLabel();
}

void TimeBar::setPlaying(bool playing)
{
    m_playing = playing;
    m_play->setText(playing ? tr("❚❚ Pause") : tr("▶ Play"));
}

double TimeBar::speed() const
{
    return m_speed->currentData().toDouble();
}

void TimeBar::setSpeed(double speed)
{
    const int i = m_speed->findData(speed);
    if (i >= 0)
        m_speed->setCurrentIndex(i);
}

void TimeBar::updateLabel()
{
    if (m_playback) {
        m_live->hide();
        m_label->show();
        const double at = m_position.value_or(m_first);
        m_label->setText(tr("%1 s of %2–%3 s")
                             .arg(QString::number(at, 'f', 0), QString::number(m_first, 'f', 0),
                                  QString::number(m_last, 'f', 0)));
        return;
    }
    // Live, the track alone (nothing to say: the picture is the present);
    // looking back, the second shown and the way back.
    m_label->setText(m_position ? timeText(*m_position) : QString());
    m_label->setVisible(m_position.has_value());
    m_live->setText(tr("Go live (End)"));
    m_live->setVisible(m_position.has_value());
}

double scenarioRateAt(const Scenario &scenario, double sinceLoadStart)
{
    if (sinceLoadStart < 0)
        return 0;
    double rate = scenario.load.profile.rateAt(sinceLoadStart);
    double setAt = -1;
    for (const TimelineAction &a : scenario.timeline)
        if (a.kind == TimelineAction::Kind::SetRate && a.at <= sinceLoadStart && a.at >= setAt) {
            rate = a.rate;
            setAt = a.at;
        }
    return rate;
}

QString timeText(double t)
{
    return QStringLiteral("t = %1 s").arg(QString::number(t, 'f', 0));
}

double nearestSecond(const std::vector<double> &seconds, double t)
{
    const auto after = std::lower_bound(seconds.begin(), seconds.end(), t);
    if (after == seconds.begin())
        return seconds.front();
    if (after == seconds.end())
        return seconds.back();
    const double before = *std::prev(after);
    return t - before <= *after - t ? before : *after;
}

} // namespace microcosm
