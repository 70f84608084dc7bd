#include "chartspanel.h"

#include "shopcontroller.h"
#include "theme.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QPainter>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace microcosm {

namespace {

constexpr int LongestWindow = 900;

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
        return QStringLiteral("fault ") + e.source;
    if (e.kind == QLatin1String("breaker-open"))
        return QStringLiteral("breaker open ") + e.source;
    if (e.kind == QLatin1String("update-started"))
        return QStringLiteral("update ") + e.source;
    return {};
}

} // namespace

ChartsPanel::ChartsPanel(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_windowBox(new QComboBox(this)),
      m_services(controller->platform().serviceNames())
{
    setObjectName(QStringLiteral("charts"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 2, 4, 2);
    outer->setSpacing(2);
    auto *bar = new QHBoxLayout;
    auto *label = new QLabel(tr("Window:"), this);
    m_windowBox->setObjectName(QStringLiteral("chart-window"));
    m_windowBox->addItem(tr("last 1 min"), 60);
    m_windowBox->addItem(tr("last 5 min"), 300);
    m_windowBox->addItem(tr("last 15 min"), 900);
    m_windowBox->setToolTip(tr("How much history the charts show. Each point is one second; "
                               "markers show kills, restarts and scaling."));
    label->setBuddy(m_windowBox);
    bar->addWidget(label);
    bar->addWidget(m_windowBox);
    auto *hint = new QLabel(tr("One point per second. Vertical lines: red = kill, green = "
                               "restart, blue = scale, purple = fault, orange = breaker opened. "
                               "Right-click a chart to export it."),
                            this);
    hint->setForegroundRole(QPalette::PlaceholderText);
    hint->setWordWrap(true); // wraps rather than setting the window's minimum width
    bar->addWidget(hint, 1);
    outer->addLayout(bar);
    connect(m_windowBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setWindowSeconds(m_windowBox->itemData(i).toInt()); });

    auto *grid = new QGridLayout;
    grid->setSpacing(2);
    outer->addLayout(grid, 1);

    Chart &tp = addChart(tr("Throughput (ok replies/s)"),
                         tr("Requests each service answered successfully per second, whoever "
                            "called it. Kill a service and watch its line drop to zero while the "
                            "others keep going: failure isolation."));
    for (const QString &s : std::as_const(m_services))
        addSeries(tp, QStringLiteral("throughput:") + s, s, theme::serviceColor(s));

    Chart &lat = addChart(tr("Latency at the gateway (ms)"),
                          tr("How long users waited, per second: median (p50), p95 and p99. Near "
                             "capacity the queues grow and the tail (p99) climbs first."));
    addSeries(lat, QStringLiteral("latency:p50"), QStringLiteral("p50"), theme::okColor());
    addSeries(lat, QStringLiteral("latency:p95"), QStringLiteral("p95"), theme::warningColor());
    addSeries(lat, QStringLiteral("latency:p99"), QStringLiteral("p99"), theme::errorColor());

    Chart &err = addChart(tr("Errors at the gateway (/s)"),
                          tr("Failed user requests per second by kind: timeout (504, nobody "
                             "answered in time), rejected (503/429: no ready replica, queue "
                             "full), short-circuited (an open circuit breaker), 5xx (a service "
                             "failed or was reset)."));
    addSeries(err, QStringLiteral("errors:timeout"), tr("timeout"), QColor(0xa8, 0x5c, 0xd6));
    addSeries(err, QStringLiteral("errors:rejected"), tr("rejected"), theme::warningColor());
    addSeries(err, QStringLiteral("errors:short-circuited"), tr("breaker"), theme::startingColor());
    addSeries(err, QStringLiteral("errors:5xx"), tr("5xx"), theme::errorColor());
    err.integerY = true;

    Chart &rep = addChart(tr("Replicas ready · busy % (dashed)"),
                          tr("Solid: replicas ready to serve (left axis). Dashed: share of the "
                             "ready replicas' workers that are busy (right axis). Utilization "
                             "near 100% means requests queue up: scale that service."),
                          true);
    for (const QString &s : std::as_const(m_services))
        addSeries(rep, QStringLiteral("ready:") + s, s, theme::serviceColor(s));
    for (const QString &s : std::as_const(m_services)) {
        QXYSeries *u = addSeries(rep, QStringLiteral("utilization:") + s, s + tr(" util"),
                                 theme::serviceColor(s), true, true);
        Q_UNUSED(u);
    }
    rep.integerY = true;
    // The legend lists each service once: hide the dashed duplicates.
    for (QLegendMarker *m : rep.chart->legend()->markers())
        if (m->series()->objectName().startsWith(QLatin1String("utilization:")))
            m->setVisible(false);

    Chart &q = addChart(tr("Queue depth (waiting)"),
                        tr("Requests waiting in the replicas' inboxes, per service, sampled "
                           "each second. A growing queue is the first sign of saturation."));
    for (const QString &s : std::as_const(m_services))
        addSeries(q, QStringLiteral("queue:") + s, s, theme::serviceColor(s));
    q.integerY = true;

    for (int i = 0; i < m_views.size(); ++i)
        grid->addWidget(m_views[i], 0, i);
    applyPalette();
}

ChartsPanel::~ChartsPanel() = default;

ChartsPanel::Chart &ChartsPanel::addChart(const QString &title, const QString &tip, bool secondAxis)
{
    m_charts.emplace_back();
    Chart &c = m_charts.back();
    c.chart = new QChart;
    c.chart->setAnimationOptions(QChart::NoAnimation);
    c.chart->setTitle(title);
    c.chart->setMargins(QMargins(2, 2, 2, 2));
    c.chart->layout()->setContentsMargins(0, 0, 0, 0);
    c.chart->setBackgroundRoundness(0);
    c.chart->legend()->setAlignment(Qt::AlignBottom);
    c.x = new QValueAxis;
    c.x->setLabelFormat(QStringLiteral("%.0f s"));
    c.x->setTickCount(4);
    c.y = new QValueAxis;
    c.y->setLabelFormat(QStringLiteral("%g"));
    c.y->setTickCount(5);
    c.chart->addAxis(c.x, Qt::AlignBottom);
    c.chart->addAxis(c.y, Qt::AlignLeft);
    if (secondAxis) {
        c.y2 = new QValueAxis;
        c.y2->setRange(0, 100);
        c.y2->setLabelFormat(QStringLiteral("%.0f%%"));
        c.y2->setTickCount(5);
        c.chart->addAxis(c.y2, Qt::AlignRight);
    }
    auto *view = new QChartView(c.chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(160, 150);
    view->setToolTip(tip);
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view, &QWidget::customContextMenuRequested, this, [this, view](const QPoint &pos) {
        QMenu menu(this);
        QAction *png = menu.addAction(tr("Export this chart as PNG…"));
        QAction *svg = menu.addAction(tr("Export this chart as SVG…"));
        QAction *chosen = menu.exec(view->mapToGlobal(pos));
        if (!chosen)
            return;
        const bool isSvg = chosen == svg;
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export chart"),
            isSvg ? QStringLiteral("chart.svg") : QStringLiteral("chart.png"),
            isSvg ? tr("SVG image (*.svg)") : tr("PNG image (*.png)"));
        if (!path.isEmpty())
            exportChart(view, path);
        Q_UNUSED(png);
    });
    connect(c.chart, &QChart::plotAreaChanged, this, [this, chart = c.chart] {
        for (Chart &x : m_charts)
            if (x.chart == chart)
                placeMarkers(x);
    });
    m_views.append(view);
    return c;
}

QXYSeries *ChartsPanel::addSeries(Chart &c, const QString &id, const QString &name,
                                  const QColor &color, bool dashed, bool secondAxis)
{
    auto *s = new QLineSeries;
    s->setObjectName(id);
    s->setName(name);
    s->setUseOpenGL(false);
    QPen pen(color, 2);
    if (dashed)
        pen.setStyle(Qt::DashLine);
    s->setPen(pen);
    c.chart->addSeries(s);
    s->attachAxis(c.x);
    s->attachAxis(secondAxis && c.y2 ? c.y2 : c.y);
    if (!c.anchor)
        c.anchor = s;
    m_series.insert(id, s);
    return s;
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
        QFont tf = font();
        tf.setBold(true);
        c.chart->setTitleFont(tf);
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.85);
        c.chart->legend()->setLabelColor(text);
        c.chart->legend()->setFont(small);
        for (QValueAxis *a : {c.x, c.y, c.y2}) {
            if (!a)
                continue;
            a->setLabelsBrush(text);
            a->setLabelsFont(small);
            a->setGridLineColor(grid);
            a->setLinePenColor(grid);
        }
    }
    for (QChartView *v : std::as_const(m_views))
        v->setBackgroundBrush(pal.color(QPalette::Base));
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

void ChartsPanel::pull(const QString &entity)
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
    pull(QStringLiteral("gateway"));
    for (const QString &s : std::as_const(m_services))
        pull(QStringLiteral("service:") + s);
    if (!m_samples[QStringLiteral("gateway")].empty())
        m_now = std::max(m_now, m_samples[QStringLiteral("gateway")].back().t);
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

void ChartsPanel::redraw()
{
    const double from = std::max(0.0, m_now - m_window);
    const double to = std::max(m_now, from + 10);
    auto build = [&](const QString &entity, auto value) {
        QList<QPointF> pts;
        const auto it = m_samples.find(entity);
        if (it == m_samples.end())
            return pts;
        pts.reserve(int(it->second.size()));
        for (const Sample &s : it->second)
            if (s.t >= from)
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
    for (const QString &s : std::as_const(m_services)) {
        const QString e = QStringLiteral("service:") + s;
        feed(QStringLiteral("throughput:") + s, build(e, ok), &max[0]);
        feed(QStringLiteral("ready:") + s,
             build(e, [](const Sample &x) { return x.gauges.replicasReady; }), &max[3]);
        double ignored = 0;
        feed(QStringLiteral("utilization:") + s,
             build(e, [](const Sample &x) { return 100.0 * x.gauges.utilization(); }), &ignored);
        feed(QStringLiteral("queue:") + s,
             build(e, [](const Sample &x) { return x.gauges.queueDepth; }), &max[4]);
    }
    const QString gw = QStringLiteral("gateway");
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

    for (std::size_t i = 0; i < m_charts.size(); ++i) {
        Chart &c = m_charts[i];
        c.x->setRange(from, to);
        const double top = i < 5 ? max[i] : 1;
        double ceil = niceCeiling(top * 1.1);
        if (c.integerY)
            ceil = std::max(ceil, 4.0);
        c.y->setRange(0, ceil);
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
        m_markers.push_back({e.t, label, markerColor(e.kind)});
        added = true;
    }
    while (!m_markers.empty() && m_markers.front().t < m_now - LongestWindow - 1)
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
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.8);
    // Labels only on the first chart, and only where they do not run into
    // the previous one; every chart gets every line.
    const bool labelled = !m_charts.empty() && &c == &m_charts.front();
    qreal rowEnd[3] = {-1e9, -1e9, -1e9};
    for (std::size_t i = 0; i < c.markerItems.size() / 2; ++i) {
        auto *line = static_cast<QGraphicsLineItem *>(c.markerItems[2 * i]);
        auto *text = static_cast<QGraphicsSimpleTextItem *>(c.markerItems[2 * i + 1]);
        if (i >= m_markers.size()) {
            line->hide();
            text->hide();
            continue;
        }
        const Marker &m = m_markers[i];
        const double x = c.chart->mapToPosition(QPointF(m.t, 0), c.anchor).x();
        const bool visible = x >= plot.left() && x <= plot.right() && plot.width() > 0;
        line->setVisible(visible);
        text->setVisible(false);
        if (!visible)
            continue;
        line->setPen(QPen(m.color, 1.5, Qt::DashLine));
        line->setLine(x, plot.top(), x, plot.bottom());
        if (!labelled)
            continue;
        text->setText(m.label);
        text->setFont(f);
        text->setBrush(m.color);
        const qreal w = text->boundingRect().width();
        const qreal left = std::max(plot.left() + 1, x + w + 3 > plot.right() ? x - w - 3 : x + 3);
        int row = 0;
        while (row < 3 && left < rowEnd[row] + 4)
            ++row;
        if (row == 3)
            continue; // crowded: the line alone says enough, the timeline has the rest
        text->setPos(left, plot.top() + 1 + row * (text->boundingRect().height() + 1));
        text->setVisible(true);
        rowEnd[row] = left + w;
    }
}

bool ChartsPanel::exportChart(QChartView *view, const QString &path, QString *error)
{
    if (QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(view->size());
        svg.setViewBox(QRect(QPoint(0, 0), view->size()));
        svg.setTitle(view->chart()->title());
        QPainter p;
        if (!p.begin(&svg)) {
            if (error)
                *error = tr("cannot write %1").arg(path);
            return false;
        }
        view->render(&p);
        p.end();
        return true;
    }
    const bool ok = view->grab().save(path);
    if (!ok && error)
        *error = tr("cannot write %1").arg(path);
    return ok;
}

} // namespace microcosm
