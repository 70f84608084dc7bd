#include "chartspanel.h"

#include "edgekey.h"
#include "recording.h"
#include "shopcontroller.h"
#include "theme.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QScrollArea>
#include <QSpinBox>
#include <QStyle>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace microcosm {

namespace {

constexpr int LongestWindow = 900;

QColor loadChangeColor()
{
    return QColor(0x0b, 0x9a, 0x9a); // teal: no service, health or other marker uses it
}

QColor markerColor(const QString &kind)
{
    if (kind == QLatin1String("killed"))
        return theme::errorColor();
    if (kind == QLatin1String("restarted"))
        return theme::okColor();
    if (kind == QLatin1String("fault-start"))
        return QColor(0xa8, 0x5c, 0xd6);
    if (kind.startsWith(QLatin1String("breaker-")))
        return QColor(0xf0, 0x6a, 0x1d);
    if (kind == QLatin1String("load-change"))
        return loadChangeColor();
    return theme::startingColor();
}

// The short label of an event drawn as a marker, or empty for events that are not.
QString markerLabel(const Event &e)
{
    if (e.kind == QLatin1String("killed"))
        return QStringLiteral("kill ") + e.source;
    if (e.kind == QLatin1String("restarted"))
        return QStringLiteral("restart ") + e.source;
    if (e.kind == QLatin1String("scaled"))
        return QStringLiteral("scale ") + e.source;
    if (e.kind == QLatin1String("fault-start"))
        return QStringLiteral("fault ") + displayName(e.source);
    if (e.kind == QLatin1String("breaker-open"))
        return QStringLiteral("breaker ") + displayName(e.source); // orange: it opened
    if (e.kind == QLatin1String("update-started"))
        return QStringLiteral("update ") + e.source;
    if (e.kind == QLatin1String("load-change")) {
        // "load 100 → 400 journeys/s" reads as "load 100→400/s" above a line.
        QString label = e.message.simplified();
        if (const qsizetype reason = label.indexOf(QStringLiteral(" (")); reason > 0)
            label.truncate(reason); // the reason is in the tooltip
        label.replace(QStringLiteral(" journeys/s"), QStringLiteral("/s"));
        label.replace(QStringLiteral(" → "), QStringLiteral("→"));
        if (label.isEmpty())
            return QStringLiteral("load change");
        return label.startsWith(QLatin1String("load")) ? label : QStringLiteral("load ") + label;
    }
    return {};
}

// Lines of one chart that may lie on top of each other (three services
// with 2 replicas each, four error kinds at zero) stay apart by style: the
// first is wide and solid and drawn first, each later one narrower and
// broken, so the ones below show through its gaps.
struct LineStyle
{
    Qt::PenStyle style;
    qreal width;
    const char *swatch; // the same line in the legend
};
constexpr LineStyle lineStyles[] = {
    {Qt::SolidLine, 4.5, "\u2501\u2501"},
    {Qt::DashLine, 3.0, "\u254d\u254d"},
    {Qt::DotLine, 3.0, "\u2505\u2505"},
    {Qt::DashDotLine, 2.0, "\u254d\u2505"},
};

const LineStyle &lineStyle(int index)
{
    return lineStyles[index % int(std::size(lineStyles))];
}

// Calls back when the watched widget changes size.
class ResizeWatcher : public QObject
{
public:
    ResizeWatcher(QWidget *watched, std::function<void()> resized)
        : QObject(watched), m_resized(std::move(resized))
    {
        watched->installEventFilter(this);
    }
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Resize)
            m_resized();
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void()> m_resized;
};

// A chart view that asks for little, so that the legend below it and the
// panel's height decide how tall it is (QGraphicsView asks for its scene).
class ChartView : public QChartView
{
public:
    using QChartView::QChartView;
    QSize sizeHint() const override { return minimumSize().expandedTo(QSize(160, 100)); }
};

} // namespace

ChartsPanel::ChartsPanel(ShopController *controller, QWidget *parent)
    : ChartsPanel(controller->platform().serviceNames(), parent)
{
    m_controller = controller;
    connect(controller, &ShopController::snapshotUpdated, this, &ChartsPanel::onSnapshot);
}

ChartsPanel::ChartsPanel(const QStringList &services, QWidget *parent)
    : QWidget(parent), m_windowBox(new QComboBox(this)), m_services(services)
{
    setObjectName(QStringLiteral("charts"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 2, 4, 2);
    outer->setSpacing(2);
    auto *bar = new QHBoxLayout;
    auto *label = new QLabel(tr("Window:"), this);
    label->setObjectName(QStringLiteral("chart-window-label"));
    m_windowBox->setObjectName(QStringLiteral("chart-window"));
    m_windowBox->addItem(tr("last 1 min"), 60);
    m_windowBox->addItem(tr("last 5 min"), 300);
    m_windowBox->addItem(tr("last 15 min"), 900);
    m_windowBox->setToolTip(tr("How much history the charts show. Each point is one second; "
                               "markers show kills, restarts, scaling and load changes."));
    label->setBuddy(m_windowBox);
    bar->addWidget(label);
    bar->addWidget(m_windowBox);
    // Each colour named in its own colour, so the line and its name match.
    const auto named = [](const QColor &color, const QString &text) {
        return QStringLiteral("<span style=\"color:%1\">%2</span>")
            .arg(color.name(), text.toHtmlEscaped());
    };
    m_hint = new QLabel(tr("%1 · %2 · %3 · %4 · %5 · %6")
                            .arg(named(theme::errorColor(), tr("red = kill")),
                                 named(theme::okColor(), tr("green = restart")),
                                 named(theme::startingColor(), tr("blue = scale")),
                                 named(QColor(0xa8, 0x5c, 0xd6), tr("purple = fault")),
                                 named(QColor(0xf0, 0x6a, 0x1d), tr("orange = breaker")),
                                 named(loadChangeColor(), tr("teal = load change"))),
                        this);
    m_hint->setObjectName(QStringLiteral("chart-hint"));
    m_hint->setTextFormat(Qt::RichText);
    m_hint->setToolTip(tr("The dashed vertical lines mark events: kills, restarts, scaling "
                          "and rolling updates, faults, circuit breakers opening and changes "
                          "of the load. Hover a marker's label for the event. One point per "
                          "second; replica counts step at the moment they change. Right-click "
                          "a chart to export it."));
    m_hint->setWordWrap(true); // wraps rather than setting the window's minimum width
    bar->addWidget(m_hint, 1);
    outer->addLayout(bar);
    connect(m_windowBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setWindowSeconds(m_windowBox->itemData(i).toInt()); });

    // The charts side by side, each at least wide enough for its title and
    // axes; narrower than that, the row scrolls rather than squeezes them.
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("chart-scroll"));
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    // Too short a panel (a floating dock made small) scrolls rather than clips.
    scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    auto *row = new QWidget(scroll);
    auto *rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    rowLayout->setSpacing(4);
    scroll->setWidget(row);
    outer->addWidget(scroll, 1);

    Chart &tp = addChart(tr("Throughput (ok/s)"),
                         tr("Requests each service answered successfully per second, whoever "
                            "called it. Kill a service and watch its line drop to zero while the "
                            "others keep going: failure isolation."));
    for (const QString &s : std::as_const(m_services))
        addSeries(tp, QStringLiteral("throughput:") + s, s, theme::serviceColor(s));
    tp.maxIndex = 0;

    Chart &lat = addChart(tr("Latency (ms)"),
                          tr("How long users waited at the gateway, per second: median (p50), "
                             "p95 and p99. Near capacity the queues grow and the tail (p99) "
                             "climbs first."));
    addSeries(lat, QStringLiteral("latency:p50"), QStringLiteral("p50"), theme::okColor());
    addSeries(lat, QStringLiteral("latency:p95"), QStringLiteral("p95"), theme::warningColor());
    addSeries(lat, QStringLiteral("latency:p99"), QStringLiteral("p99"), theme::errorColor());
    lat.maxIndex = 1;

    Chart &err = addChart(tr("Errors (/s)"),
                          tr("Failed user requests per second at the gateway, by kind: timeout "
                             "(504, nobody answered in time), rejected (503/429: no ready "
                             "replica, queue full), breaker (short-circuited by an open circuit "
                             "breaker), 5xx (a service failed or was reset)."));
    addSeries(err, QStringLiteral("errors:timeout"), tr("timeout"), QColor(0xa8, 0x5c, 0xd6));
    addSeries(err, QStringLiteral("errors:rejected"), tr("rejected"), theme::warningColor());
    addSeries(err, QStringLiteral("errors:short-circuited"), tr("breaker"), theme::startingColor());
    addSeries(err, QStringLiteral("errors:5xx"), tr("5xx"), theme::errorColor());
    err.integerY = true;
    err.maxIndex = 2;

    Chart &rep = addChart(tr("Replicas ready"),
                          tr("Replicas ready to serve, per service, stepping at the moment a "
                             "replica becomes ready or goes away: a rolling update's surge "
                             "replica shows as a short step up."));
    for (const QString &s : std::as_const(m_services))
        addSeries(rep, QStringLiteral("ready:") + s, s, theme::serviceColor(s));
    rep.integerY = true;
    rep.maxIndex = 3;

    Chart &busy = addChart(tr("Busy workers (%)"),
                           tr("Share of the ready replicas' workers that are busy, averaged "
                              "over each second. Near 100% requests queue up: scale that "
                              "service."));
    for (const QString &s : std::as_const(m_services))
        addSeries(busy, QStringLiteral("utilization:") + s, s, theme::serviceColor(s));
    busy.fixedTop = 100;
    busy.y->setLabelFormat(QStringLiteral("%.0f%%"));

    Chart &q = addChart(tr("Queue (waiting)"),
                        tr("Requests waiting in the replicas' inboxes, per service, sampled "
                           "each second. A growing queue is the first sign of saturation."));
    for (const QString &s : std::as_const(m_services))
        addSeries(q, QStringLiteral("queue:") + s, s, theme::serviceColor(s));
    q.integerY = true;
    q.maxIndex = 4;

    for (Chart &c : m_charts) {
        auto *box = new QWidget(row);
        auto *v = new QBoxLayout(QBoxLayout::TopToBottom, box);
        c.box = v;
        v->setContentsMargins(0, 0, 0, 0);
        v->setSpacing(0);
        c.view->setParent(box);
        c.legend->setParent(box);
        v->addWidget(c.view, 1);
        v->addWidget(c.legend);
        // The first chart carries the markers' labels: it gets the most room.
        rowLayout->addWidget(box, &c == &m_charts.front() ? 2 : 1);
    }
    new ResizeWatcher(scroll->viewport(),
                      [this, scroll] { fitHeight(scroll->viewport()->height()); });
    applyPalette();
}

ChartsPanel::~ChartsPanel() = default;

ChartsPanel::Chart &ChartsPanel::addChart(const QString &title, const QString &tip)
{
    m_charts.emplace_back();
    Chart &c = m_charts.back();
    c.chart = new QChart;
    c.chart->setAnimationOptions(QChart::NoAnimation);
    c.chart->setTitle(title);
    c.chart->setMargins(QMargins(2, 2, 2, 2));
    c.chart->layout()->setContentsMargins(0, 0, 0, 0);
    c.chart->setBackgroundRoundness(0);
    // On screen the legend is the label below the view, which wraps; the
    // chart's own is shown only in exports, where there is room for it.
    c.chart->legend()->setAlignment(Qt::AlignBottom);
    c.chart->legend()->setVisible(false);
    c.chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries); // solid, dashed, dotted
    c.x = new QValueAxis;
    c.x->setLabelFormat(QStringLiteral("%.0f s"));
    // Ticks at round values from 0 (every 5 s, 10 s...), as many as fit.
    c.x->setTickType(QValueAxis::TicksDynamic);
    c.x->setTickAnchor(0);
    c.x->setTickInterval(10);
    c.y = new QValueAxis;
    c.y->setLabelFormat(QStringLiteral("%g"));
    c.y->setTickType(QValueAxis::TicksDynamic);
    c.y->setTickAnchor(0);
    c.y->setTickInterval(1);
    c.chart->addAxis(c.x, Qt::AlignBottom);
    c.chart->addAxis(c.y, Qt::AlignLeft);
    QChartView *view = new ChartView(c.chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(80);
    view->setToolTip(tip);
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view, &QWidget::customContextMenuRequested, this, [this, view](const QPoint &pos) {
        QMenu menu(this);
        QAction *exportAction = menu.addAction(tr("Export chart…"));
        if (menu.exec(view->mapToGlobal(pos)) == exportAction)
            exportChartInteractively(view);
    });
    connect(c.chart, &QChart::plotAreaChanged, this, [this, chart = c.chart] {
        for (Chart &x : m_charts)
            if (x.chart == chart) {
                applyTicks(x);
                placeMarkers(x);
            }
    });
    c.view = view;
    c.legend = new QLabel(this);
    c.legend->setObjectName(QStringLiteral("chart-legend"));
    c.legend->setTextFormat(Qt::RichText);
    c.legend->setWordWrap(true);
    c.legend->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    c.legend->setToolTip(tip);
    m_views.append(view);
    return c;
}

QXYSeries *ChartsPanel::addSeries(Chart &c, const QString &id, const QString &name,
                                  const QColor &color)
{
    auto *s = new QLineSeries;
    s->setObjectName(id);
    s->setName(name);
    s->setUseOpenGL(false);
    const LineStyle &style = lineStyle(int(c.chart->series().size()));
    QPen pen(color, style.width, style.style,
             style.style == Qt::SolidLine ? Qt::RoundCap : Qt::FlatCap, Qt::RoundJoin);
    s->setPen(pen);
    c.chart->addSeries(s);
    s->attachAxis(c.x);
    s->attachAxis(c.y);
    if (!c.anchor)
        c.anchor = s;
    m_series.insert(id, s);
    return s;
}

QLabel *ChartsPanel::legendOf(QChartView *view) const
{
    for (const Chart &c : m_charts)
        if (c.view == view)
            return c.legend;
    return nullptr;
}

ChartsPanel::Chart *ChartsPanel::chartOf(QChartView *view)
{
    for (Chart &c : m_charts)
        if (c.view == view)
            return &c;
    return nullptr;
}

void ChartsPanel::updateLegend(Chart &c)
{
    // Below the chart the entries wrap between one another, never inside
    // one; beside it they stand one per line.
    QStringList entries, plain;
    const QList<QAbstractSeries *> all = c.chart->series();
    for (int i = 0; i < all.size(); ++i) {
        auto *s = static_cast<QXYSeries *>(all[i]);
        plain << QString::fromUtf8(lineStyle(i).swatch) + QLatin1Char(' ') + s->name();
        entries << QStringLiteral("<span style=\"color:%1\">%2</span>&nbsp;%3")
                       .arg(s->pen().color().name(), QString::fromUtf8(lineStyle(i).swatch),
                            s->name().toHtmlEscaped().replace(QLatin1Char(' '),
                                                              QStringLiteral("&nbsp;")));
    }
    c.legend->setText(
        entries.join(m_legendBeside ? QStringLiteral("<br>") : QStringLiteral(" &nbsp; ")));
    c.legendText = plain.join(QStringLiteral("   "));
}

void ChartsPanel::setLegendBeside(bool beside)
{
    m_legendBeside = beside;
    for (Chart &c : m_charts) {
        c.box->setDirection(beside ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
        c.legend->setWordWrap(!beside);
        c.legend->setAlignment(beside ? Qt::AlignLeft | Qt::AlignVCenter
                                      : Qt::AlignHCenter | Qt::AlignTop);
        updateLegend(c);
    }
    updateMinimumWidths();
}

void ChartsPanel::applyFonts(Chart &c, const QFont &base)
{
    QFont title = base;
    title.setBold(true);
    c.chart->setTitleFont(title);
    const QFont small = theme::scaledFont(base, 0.85);
    c.chart->legend()->setFont(small);
    for (QValueAxis *a : {c.x, c.y})
        a->setLabelsFont(small);
}

void ChartsPanel::updateMinimumWidths()
{
    // Wide enough for the bold title in one line and for the axes' labels
    // with a plot between them; the legend wraps below.
    const QFontMetrics fm(font());
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics titleFm(bold);
    const QFont legendFont = theme::scaledFont(font(), 0.85);
    const QFontMetrics legendFm(legendFont);
    for (Chart &c : m_charts) {
        const int title = titleFm.horizontalAdvance(c.chart->title()) + 2 * fm.height();
        // Below: the legend on one line where that costs no more than 20 em,
        // a longer one wraps. Beside: the widest entry beside the plot.
        int width = std::max(title, 11 * fm.height());
        if (m_legendBeside) {
            int widest = 0;
            for (const QString &entry : c.legendText.split(QStringLiteral("   ")))
                widest = std::max(widest, legendFm.horizontalAdvance(entry));
            width += widest + fm.height() / 2;
        } else if (const int legend = legendFm.horizontalAdvance(c.legendText) + fm.height();
                   legend <= 20 * fm.height()) {
            width = std::max(width, legend);
        }
        c.view->parentWidget()->setMinimumWidth(width);
        c.legend->setFont(legendFont);
    }
    // The bar above the charts in the small type of the axes: it is read
    // once, the charts all the time.
    QWidget *bar[] = {m_hint, m_windowBox,
                      findChild<QLabel *>(QStringLiteral("chart-window-label"))};
    for (QWidget *w : bar)
        if (w)
            w->setFont(legendFont);
    updateMinimumHeight();
}

// The heights a chart is made of, from the panel's font.
struct ChartsPanel::Heights
{
    qreal label;          // a value label
    qreal title;          // the bold title with its margin
    qreal axis;           // the time axis' labels with their ticks
    int legendBelow = 0;  // the tallest legend laid out below its chart
    int legendBeside = 0; // the tallest legend laid out beside it
};

ChartsPanel::Heights ChartsPanel::heights() const
{
    const QFontMetricsF legendFm(theme::scaledFont(font(), 0.85));
    const qreal label = legendFm.height();
    QFont bold = font();
    bold.setBold(true);
    Heights h{label, QFontMetricsF(bold).height() + 5, label + 10};
    for (const Chart &c : m_charts) {
        const int width = std::max(c.legend->width(), c.view->parentWidget()->minimumWidth());
        if (m_legendBeside)
            h.legendBeside = std::max(h.legendBeside, c.legend->sizeHint().height());
        else
            h.legendBelow = std::max(h.legendBelow, c.legend->heightForWidth(width));
    }
    // The layout not in force is reckoned from the entries: below, they
    // wrap between one another across the chart's width; beside, they stand
    // one per line. (An estimate far from what the layout then does would
    // flip the legend back and forth on every resize: a 41-service
    // architecture's legend is twenty lines below but one in the estimate.)
    const qreal gap = legendFm.horizontalAdvance(QStringLiteral("   "));
    for (const Chart &c : m_charts) {
        const QStringList entries = c.legendText.split(QStringLiteral("   "));
        if (m_legendBeside) {
            const qreal width = c.view->parentWidget()->width();
            int lines = 1;
            qreal used = 0;
            for (const QString &entry : entries) {
                const qreal w = legendFm.horizontalAdvance(entry);
                if (used > 0 && used + gap + w > width) {
                    ++lines;
                    used = w;
                } else {
                    used += (used > 0 ? gap : 0) + w;
                }
            }
            h.legendBelow = std::max(h.legendBelow, int(std::ceil(lines * legendFm.lineSpacing())));
        } else {
            h.legendBeside =
                std::max(h.legendBeside, int(std::ceil(entries.size() * legendFm.lineSpacing())));
        }
    }
    return h;
}

void ChartsPanel::updateMinimumHeight()
{
    // Never shorter than a whole chart with its legend beside it: the hint
    // above, a title, a plot two and a half value labels tall, the time
    // axis and the scroll bar below. The main window's docks give way to that.
    const Heights h = heights();
    const int hintWidth = std::max(200, width() - m_windowBox->sizeHint().width() - 80);
    const int bar = std::max(m_windowBox->sizeHint().height(), m_hint->heightForWidth(hintWidth));
    const int scrollBar = style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this);
    const QMargins m = layout()->contentsMargins();
    // A legend of more than four entries beside it scrolls with the charts
    // rather than making the panel taller than a screen.
    const int chart = int(std::ceil(std::max(h.title + 2.5 * h.label + h.axis,
                                             std::min(qreal(h.legendBeside), 4.2 * h.label))));
    setMinimumHeight(m.top() + m.bottom() + bar + 2 + chart + scrollBar + 2);
}

void ChartsPanel::fitHeight(int height)
{
    // The legend goes below the charts when there is room for it and for a
    // plot five labels tall, beside them otherwise (a short panel in
    // presenter mode). Going back below asks for a label more than coming
    // beside, so that the scroll bar coming or going does not flip it.
    const Heights h = heights();
    const qreal below = h.title + h.axis + 5 * h.label + h.legendBelow;
    if (m_legendBeside ? height >= below + h.label : height < below)
        setLegendBeside(!m_legendBeside);
    updateMinimumHeight();
    // As many value labels as the plot has room for (a chart is at least as
    // tall as its labels stacked), so that every chart shows whole.
    const qreal plot = height - (m_legendBeside ? 0 : h.legendBelow) - h.title - h.axis;
    m_valueTicks = std::clamp(int(plot / (h.label * 1.8)) + 1, 2, 5);
    for (Chart &c : m_charts)
        applyTicks(c);
}

double ChartsPanel::niceStep(double span, int ticks, bool integral)
{
    // The smallest of 1, 2, 2.5, 5 × 10^k that needs no more than ticks
    // labels from 0 to span; whole numbers only for counts.
    const double raw = span / std::max(1, ticks - 1);
    if (raw <= 0)
        return 1;
    const double e = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        const double step = m * e;
        if (integral && (step < 1 || step != std::floor(step)))
            continue;
        if (step >= raw * (1 - 1e-9))
            return step;
    }
    return integral ? std::max(1.0, std::ceil(10 * e)) : 10 * e;
}

void ChartsPanel::applyTicks(Chart &c)
{
    const double yStep = niceStep(c.y->max() - c.y->min(), m_valueTicks, c.integerY);
    if (c.y->tickInterval() != yStep)
        c.y->setTickInterval(yStep);
    // Time labels ("900 s") with an em between them across the plot's width.
    const QFontMetricsF fm(c.x->labelsFont());
    const qreal label = fm.horizontalAdvance(QStringLiteral("900 s")) + fm.height();
    const int fit = std::max(2, int(c.chart->plotArea().width() / label) + 1);
    const double xStep = niceStep(c.x->max() - c.x->min(), fit, true);
    if (c.x->tickInterval() != xStep)
        c.x->setTickInterval(xStep);
}

void ChartsPanel::applyPalette()
{
    const QPalette pal = palette();
    const bool dark = theme::isDark(pal);
    const QColor text = pal.color(QPalette::Text);
    const QColor grid = theme::mix(pal.color(QPalette::Base), text, dark ? 0.18 : 0.12);
    for (Chart &c : m_charts) {
        c.chart->setBackgroundBrush(pal.color(QPalette::Base));
        c.chart->setPlotAreaBackgroundVisible(false);
        c.chart->setTitleBrush(text);
        c.chart->legend()->setLabelColor(text);
        applyFonts(c, font());
        for (QValueAxis *a : {c.x, c.y}) {
            a->setLabelsBrush(text);
            a->setGridLineColor(grid);
            a->setLinePenColor(grid);
        }
        updateLegend(c);
        c.view->setBackgroundBrush(pal.color(QPalette::Base));
    }
    updateMinimumWidths();
    if (auto *scroll = findChild<QScrollArea *>(QStringLiteral("chart-scroll")))
        fitHeight(scroll->viewport()->height());
}

void ChartsPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        applyPalette();
}

void ChartsPanel::setWindowSeconds(int seconds)
{
    seconds = std::clamp(seconds, 10, LongestWindow);
    if (seconds == m_window)
        return;
    m_window = seconds;
    const int i = m_windowBox->findData(seconds);
    if (i >= 0 && i != m_windowBox->currentIndex())
        m_windowBox->setCurrentIndex(i);
    redraw();
    emit windowSecondsChanged(seconds);
}

void ChartsPanel::onSnapshot(const SystemSnapshot &snapshot)
{
    for (const ServiceSnapshot &s : snapshot.services) {
        std::deque<ReadyStep> &d = m_ready[s.name];
        const int ready = s.ready();
        if (d.empty() || d.back().ready != ready)
            d.push_back({snapshot.t, ready});
        // The newest step older than the longest window stays: it is the
        // count at the window's left edge.
        while (d.size() > 1 && d[1].t < snapshot.t - LongestWindow - 1)
            d.pop_front();
    }
}

QList<QPointF> ChartsPanel::readySteps(const QString &service, double from, double to) const
{
    QList<QPointF> pts;
    const auto it = m_ready.find(service);
    if (it == m_ready.end() || it->second.empty())
        return pts;
    const std::deque<ReadyStep> &d = it->second;
    std::size_t i = 0;
    while (i + 1 < d.size() && d[i + 1].t <= from)
        ++i;
    if (d[i].t > to)
        return pts;
    double value = d[i].ready;
    pts.append(QPointF(std::max(from, d[i].t), value));
    for (++i; i < d.size() && d[i].t <= to; ++i) {
        pts.append(QPointF(d[i].t, value));
        value = d[i].ready;
        pts.append(QPointF(d[i].t, value));
    }
    pts.append(QPointF(to, value));
    return pts;
}

void ChartsPanel::pull(const EntityKey &entity)
{
    std::deque<Sample> &d = m_samples[entity];
    const double since = d.empty() ? -1.0 : d.back().t;
    for (const Window &w : m_controller->platform().metrics().series(entity, since))
        d.push_back({w.t, w.counts, w.p50, w.p95, w.p99, w.gauges});
    while (!d.empty() && d.front().t < m_now - LongestWindow - 1)
        d.pop_front();
}

void ChartsPanel::refresh()
{
    if (!m_controller)
        return;
    m_now = m_controller->platform().elapsed();
    pull(EntityKey::gateway());
    pull(EntityKey::http());
    for (const QString &s : std::as_const(m_services))
        pull(EntityKey::service(s));
    if (const auto &gw = m_samples[EntityKey::gateway()]; !gw.empty())
        m_now = std::max(m_now, gw.back().t);
    redraw();
}

double ChartsPanel::niceCeiling(double v)
{
    if (v <= 0)
        return 1;
    const double e = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 4.0, 6.0, 8.0, 10.0})
        if (v <= m * e)
            return m * e;
    return 10 * e;
}

void ChartsPanel::setCutAt(std::optional<double> t)
{
    if (t == m_cut)
        return;
    m_cut = t;
    redraw();
}

void ChartsPanel::loadRecording(const Recording &recording)
{
    m_samples.clear();
    m_ready.clear();
    m_markers.clear();
    const auto load = [&](const EntityKey &entity) {
        std::deque<Sample> &d = m_samples[entity];
        for (const Window &w : recording.series(entity.name()))
            d.push_back({w.t, w.counts, w.p50, w.p95, w.p99, w.gauges});
    };
    load(EntityKey::gateway());
    load(EntityKey::http());
    for (const QString &s : std::as_const(m_services)) {
        const EntityKey entity = EntityKey::service(s);
        load(entity);
        // A recording keeps the ready count once a second (the live panel
        // catches every change between two snapshots): one step a second.
        std::deque<ReadyStep> &d = m_ready[s];
        for (const Sample &x : m_samples[entity]) {
            const int ready = int(std::lround(x.gauges.replicasReady));
            if (d.empty() || d.back().ready != ready)
                d.push_back({x.t, ready});
        }
    }
    const std::vector<double> seconds = recording.seconds();
    m_now = seconds.empty() ? 0 : seconds.back();
    addEvents(recording.events());
    redraw();
}

void ChartsPanel::redraw()
{
    // Cut at a second: what the charts showed then (nothing after it).
    const double now = m_cut ? *m_cut : m_now;
    const double from = std::max(0.0, now - m_window);
    const double to = std::max(now, from + 10);
    auto build = [&](const EntityKey &entity, auto value) {
        QList<QPointF> pts;
        const auto it = m_samples.find(entity);
        if (it == m_samples.end())
            return pts;
        pts.reserve(int(it->second.size()));
        for (const Sample &s : it->second)
            if (s.t >= from && s.t <= now)
                pts.append(QPointF(s.t, value(s)));
        return pts;
    };
    auto feed = [&](const QString &id, const QList<QPointF> &pts, double *max) {
        if (QXYSeries *s = m_series.value(id)) {
            s->replace(pts);
            for (const QPointF &p : pts)
                *max = std::max(*max, p.y());
        }
    };
    const auto ok = [](const Sample &s) {
        return double(s.counts[int(Outcome::Ok)] + s.counts[int(Outcome::Fallback)]);
    };

    double max[5] = {0, 0, 0, 0, 0};
    double ignored = 0;
    for (const QString &s : std::as_const(m_services)) {
        const EntityKey e = EntityKey::service(s);
        feed(QStringLiteral("throughput:") + s, build(e, ok), &max[0]);
        feed(QStringLiteral("ready:") + s, readySteps(s, from, now), &max[3]);
        feed(QStringLiteral("utilization:") + s,
             build(e, [](const Sample &x) { return 100.0 * x.gauges.utilization(); }), &ignored);
        feed(QStringLiteral("queue:") + s,
             build(e, [](const Sample &x) { return x.gauges.queueDepth; }), &max[4]);
    }
    // The HTTP front's clients: a throughput line of their own once they send.
    const EntityKey http = EntityKey::http();
    const auto httpSamples = m_samples.find(http);
    if (!m_series.contains(QStringLiteral("throughput:http")) && !m_charts.empty() &&
        httpSamples != m_samples.end() &&
        std::any_of(httpSamples->second.begin(), httpSamples->second.end(), [](const Sample &x) {
            return std::accumulate(x.counts.begin(), x.counts.end(), std::uint64_t(0)) > 0;
        })) {
        addSeries(m_charts.front(), QStringLiteral("throughput:http"), tr("via HTTP"),
                  theme::mutedText(palette()));
        updateLegend(m_charts.front());
    }
    feed(QStringLiteral("throughput:http"), build(http, ok), &max[0]);
    const EntityKey gw = EntityKey::gateway();
    feed(QStringLiteral("latency:p50"), build(gw, [](const Sample &s) { return s.p50; }), &max[1]);
    feed(QStringLiteral("latency:p95"), build(gw, [](const Sample &s) { return s.p95; }), &max[1]);
    feed(QStringLiteral("latency:p99"), build(gw, [](const Sample &s) { return s.p99; }), &max[1]);
    const std::pair<const char *, Outcome> kinds[] = {
        {"errors:timeout", Outcome::Timeout},
        {"errors:rejected", Outcome::Rejected},
        {"errors:short-circuited", Outcome::ShortCircuited},
        {"errors:5xx", Outcome::ServerError}};
    for (const auto &[id, outcome] : kinds) {
        const int k = int(outcome);
        feed(QString::fromLatin1(id),
             build(gw, [k](const Sample &s) { return double(s.counts[k]); }), &max[2]);
    }

    for (Chart &c : m_charts) {
        c.x->setRange(from, to);
        double ceil = c.fixedTop;
        if (ceil <= 0) {
            ceil = niceCeiling((c.maxIndex >= 0 ? max[c.maxIndex] : 1) * 1.1);
            if (c.integerY)
                ceil = std::max(ceil, 4.0);
        }
        c.y->setRange(0, ceil);
        applyTicks(c);
        placeMarkers(c);
    }
}

void ChartsPanel::addEvents(const std::vector<Event> &events)
{
    bool added = false;
    for (const Event &e : events) {
        const QString label = markerLabel(e);
        if (label.isEmpty())
            continue;
        m_markers.push_back({e.t, label, e.message, markerColor(e.kind)});
        added = true;
    }
    // Live, markers older than the longest window go; a recording's all stay.
    const double keepAfter = std::max(m_now, events.empty() ? 0.0 : events.back().t);
    while (m_controller && !m_markers.empty() &&
           m_markers.front().t < keepAfter - LongestWindow - 1)
        m_markers.erase(m_markers.begin());
    if (added)
        for (Chart &c : m_charts)
            placeMarkers(c);
}

void ChartsPanel::placeMarkers(Chart &c)
{
    if (!c.anchor)
        return;
    // One line and one label per marker, children of the chart, reused.
    while (c.markerItems.size() < m_markers.size() * 2) {
        auto *line = new QGraphicsLineItem(c.chart);
        line->setZValue(20);
        auto *text = new QGraphicsSimpleTextItem(c.chart);
        text->setZValue(21);
        c.markerItems.push_back(line);
        c.markerItems.push_back(text);
    }
    const QRectF plot = c.chart->plotArea();
    const QFont f = theme::scaledFont(font(), 0.8);
    const QFontMetricsF fm(f);
    // Labels only on the first chart, every chart gets every line. Labels
    // close in time are staggered into rows below the top of the plot; one
    // that fits in no row (or not in the plot at all) is left out, and its
    // line's tooltip and the event timeline still say what it was.
    const bool labelled = !m_charts.empty() && &c == &m_charts.front();
    const qreal rowHeight = fm.height() + 1;
    const int rows = std::clamp(int(plot.height() * 0.6 / rowHeight), 1, 4);
    std::vector<std::vector<std::pair<qreal, qreal>>> taken(rows);
    for (std::size_t i = 0; i < c.markerItems.size() / 2; ++i) {
        auto *line = static_cast<QGraphicsLineItem *>(c.markerItems[2 * i]);
        auto *text = static_cast<QGraphicsSimpleTextItem *>(c.markerItems[2 * i + 1]);
        text->setVisible(false);
        if (i >= m_markers.size()) {
            line->hide();
            continue;
        }
        const Marker &m = m_markers[i];
        const double x = c.chart->mapToPosition(QPointF(m.t, 0), c.anchor).x();
        const bool visible =
            x >= plot.left() && x <= plot.right() && plot.width() > 0 && (!m_cut || m.t <= *m_cut);
        line->setVisible(visible);
        if (!visible)
            continue;
        const QString tip = m.detail.isEmpty() || m.detail == m.label
                                ? tr("%1 s: %2").arg(m.t, 0, 'f', 1).arg(m.label)
                                : tr("%1 s: %2 (%3)").arg(m.t, 0, 'f', 1).arg(m.label, m.detail);
        line->setPen(QPen(m.color, 1.5, Qt::DashLine));
        line->setLine(x, plot.top(), x, plot.bottom());
        line->setToolTip(tip);
        if (!labelled)
            continue;
        const qreal w = fm.horizontalAdvance(m.label);
        if (w + 2 > plot.width())
            continue;
        qreal left = x + 3;
        if (left + w > plot.right() - 1)
            left = x - w - 3;
        left = std::clamp(left, plot.left() + 1, plot.right() - 1 - w);
        int row = 0;
        for (; row < rows; ++row) {
            const bool free = std::none_of(taken[row].begin(), taken[row].end(), [&](auto span) {
                return left < span.second + 4 && left + w + 4 > span.first;
            });
            if (free)
                break;
        }
        if (row == rows)
            continue;
        taken[row].push_back({left, left + w});
        text->setText(m.label);
        text->setFont(f);
        text->setBrush(m.color);
        text->setToolTip(tip);
        text->setPos(left, plot.top() + 1 + row * rowHeight);
        text->setVisible(true);
    }
}

bool ChartsPanel::exportChart(QChartView *view, const QString &path, QString *error)
{
    return exportChart(view, path, DefaultExportSize, error);
}

bool ChartsPanel::exportChart(QChartView *view, const QString &path, QSize size, QString *error)
{
    Chart *c = view ? chartOf(view) : nullptr;
    if (!c || size.isEmpty()) {
        if (error)
            *error = tr("no chart to export to %1").arg(path);
        return false;
    }
    // The chart alone, laid out afresh at the export size with its own
    // legend and type large enough for a slide, then put back as it was.
    // All of it happens between two paints, so the screen never shows it.
    QChart *chart = c->chart;
    const QSizeF onScreen = chart->size();
    QFont base = font();
    if (base.pointSizeF() > 0 && base.pointSizeF() < 14)
        base.setPointSizeF(14);
    applyFonts(*c, base);
    chart->legend()->setVisible(true);
    chart->resize(size);
    chart->layout()->activate();
    const int ticks = std::exchange(m_valueTicks, 5);
    applyTicks(*c);
    chart->layout()->activate();
    placeMarkers(*c);
    const QRectF source(chart->scenePos(), QSizeF(size));
    const QRectF target(QPointF(0, 0), QSizeF(size));

    bool ok = false;
    if (QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setResolution(96); // CSS pixels: a browser shows it at the size asked for
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(chart->title());
        QPainter p;
        if (p.begin(&svg)) {
            p.setRenderHint(QPainter::Antialiasing);
            chart->scene()->render(&p, target, source);
            ok = p.end();
        }
    } else {
        QImage image(size * 2, QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(2);
        image.fill(palette().color(QPalette::Base));
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        p.setRenderHint(QPainter::TextAntialiasing);
        chart->scene()->render(&p, target, source);
        p.end();
        ok = image.save(path);
    }

    chart->legend()->setVisible(false);
    applyFonts(*c, font());
    chart->resize(onScreen);
    chart->layout()->activate();
    m_valueTicks = ticks;
    applyTicks(*c);
    chart->layout()->activate();
    placeMarkers(*c);
    if (!ok && error)
        *error = tr("cannot write %1").arg(path);
    return ok;
}

void ChartsPanel::exportChartInteractively(QChartView *view)
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Export chart"));
    auto *form = new QFormLayout(&dialog);
    auto *which = new QComboBox(&dialog);
    for (const Chart &c : m_charts)
        which->addItem(c.chart->title());
    const int preselected = view ? int(m_views.indexOf(view)) : 0;
    which->setCurrentIndex(std::max(0, preselected));
    auto *format = new QComboBox(&dialog);
    format->addItem(tr("PNG (drawn at twice the size, for sharp slides)"), QStringLiteral("png"));
    format->addItem(tr("SVG"), QStringLiteral("svg"));
    auto *width = new QSpinBox(&dialog);
    width->setRange(320, 7680);
    width->setValue(DefaultExportSize.width());
    width->setSuffix(tr(" px"));
    auto *height = new QSpinBox(&dialog);
    height->setRange(200, 4320);
    height->setValue(DefaultExportSize.height());
    height->setSuffix(tr(" px"));
    form->addRow(tr("Chart:"), which);
    form->addRow(tr("Format:"), format);
    form->addRow(tr("Width:"), width);
    form->addRow(tr("Height:"), height);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;

    const QString suffix = format->currentData().toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export chart"), QStringLiteral("chart.") + suffix,
        suffix == QLatin1String("svg") ? tr("SVG image (*.svg)") : tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportChart(m_views.value(which->currentIndex()), path,
                     QSize(width->value(), height->value()), &error))
        QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace microcosm
