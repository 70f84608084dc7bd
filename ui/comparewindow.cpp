#include "comparewindow.h"

#include "mainwindow.h"
#include "theme.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace microcosm {

namespace {

const QString dash = QStringLiteral("—");

QString sideLetter(CompareWindow::Side side)
{
    return side == CompareWindow::A ? QStringLiteral("A") : QStringLiteral("B");
}

QString titleOf(const Recording &r)
{
    return r.title().isEmpty() ? QFileInfo(r.path()).fileName() : r.title();
}

// The file as a reader tells two apart: both are often "run.microcosm",
// in different data directories.
QString shortPath(const QString &path)
{
    const QFileInfo info(path);
    return info.dir().dirName() + QLatin1Char('/') + info.fileName();
}

std::optional<double> firstEvent(const Recording &r, const QString &kind)
{
    for (const Event &e : r.events())
        if (e.kind == kind)
            return e.t;
    return std::nullopt;
}

double niceStep(double span, int ticks)
{
    if (span <= 0 || ticks <= 0)
        return 1;
    const double raw = span / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= raw)
            return m * magnitude;
    return 10 * magnitude;
}

// A verdict as a projector shows it from the back: a filled cell with
// white bold type for better and worse, grey type for the same.
void paintVerdict(QTreeWidgetItem *item, int column, const QString &text, const QColor &fill,
                  const QPalette &palette)
{
    item->setText(column, text);
    item->setTextAlignment(column, Qt::AlignCenter);
    QFont bold = item->font(column);
    bold.setBold(true);
    item->setFont(column, bold);
    if (fill.isValid()) {
        item->setBackground(column, fill);
        item->setForeground(column, Qt::white);
    } else {
        item->setForeground(column, theme::mutedText(palette));
    }
}

constexpr int EntityKindRole = Qt::UserRole + 1;

} // namespace

CompareWindow *CompareWindow::open(const QString &pathA, const QString &pathB, QWidget *parent,
                                   QString *error)
{
    // allowLive: the running window's own recording is a natural A; it is
    // compared as it stands (incomplete, no report yet).
    QString problem;
    std::optional<Recording> a = Recording::open(pathA, &problem, true);
    std::optional<Recording> b;
    if (a)
        b = Recording::open(pathB, &problem, true);
    if (!a || !b) {
        if (error)
            *error = problem;
        return nullptr;
    }
    auto *window = new CompareWindow(std::move(*a), std::move(*b), parent);
    window->setAttribute(Qt::WA_DeleteOnClose);
    return window;
}

CompareWindow *CompareWindow::askAndOpen(QWidget *parent, const QString &defaultA, bool presenter)
{
    const QString filter = tr("Microcosm recordings (*.microcosm);;All files (*)");
    const QString a = QFileDialog::getOpenFileName(parent, tr("Compare: recording A (drawn solid)"),
                                                   defaultA, filter);
    if (a.isEmpty())
        return nullptr;
    const QString b =
        QFileDialog::getOpenFileName(parent, tr("Compare with: recording B (drawn dashed)"),
                                     QFileInfo(a).absolutePath(), filter);
    if (b.isEmpty())
        return nullptr;
    QString error;
    CompareWindow *window = open(a, b, parent, &error);
    if (!window) {
        QMessageBox::warning(parent, tr("Cannot compare"), error);
        return nullptr;
    }
    window->setPresenter(presenter);
    window->resize(presenter ? QSize(1280, 720) : QSize(1400, 900));
    window->show();
    return window;
}

CompareWindow::CompareWindow(Recording a, Recording b, QWidget *parent) : QWidget(parent)
{
    setWindowFlag(Qt::Window);
    setObjectName(QStringLiteral("compare-window"));
    m_sides[A].recording = std::move(a);
    m_sides[B].recording = std::move(b);
    m_table = compareRecordings(m_sides[A].recording, m_sides[B].recording);
    for (SideData &s : m_sides) {
        const double loadStart = s.recording.loadStart();
        std::optional<double> previous;
        for (const Window &w : s.recording.series(QStringLiteral("gateway"))) {
            if (w.t > loadStart) {
                s.windows.push_back(w);
                s.spans.push_back(w.t - std::max(previous.value_or(w.t - 1), loadStart));
            }
            previous = w.t;
        }
    }
    setWindowTitle(tr("Compare — A: %1 / B: %2")
                       .arg(titleOf(m_sides[A].recording), titleOf(m_sides[B].recording)));

    // Kinds both have, in the order A first had them.
    for (const Event &e : m_sides[A].recording.events())
        if (!m_alignKinds.contains(e.kind) && firstEvent(m_sides[B].recording, e.kind))
            m_alignKinds << e.kind;

    auto *column = new QVBoxLayout(this);
    column->setContentsMargins(6, 4, 6, 4);
    column->setSpacing(2);
    for (const Side side : {A, B})
        column->addWidget(buildHeader(side));

    auto *bar = new QHBoxLayout;
    auto *alignLabel = new QLabel(tr("Align on:"), this);
    m_alignBox = new QComboBox(this);
    m_alignBox->setObjectName(QStringLiteral("compare-align"));
    m_alignBox->addItem(tr("load start"), QString());
    for (const QString &kind : std::as_const(m_alignKinds))
        m_alignBox->addItem(tr("first “%1” event").arg(kind), kind);
    m_alignBox->setToolTip(tr("x = 0 at each recording's load start, or at the first event of "
                              "this kind in each (kinds both recordings have)."));
    alignLabel->setBuddy(m_alignBox);
    connect(m_alignBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setAlignOn(m_alignBox->itemData(i).toString()); });
    auto *kindLabel = new QLabel(tr("Table shows:"), this);
    m_kindBox = new QComboBox(this);
    m_kindBox->setObjectName(QStringLiteral("compare-kind"));
    m_kindBox->addItem(tr("everything"), -1);
    m_kindBox->addItem(tr("gateway"), int(CompareEntityKind::Gateway));
    m_kindBox->addItem(tr("services"), int(CompareEntityKind::Service));
    m_kindBox->addItem(tr("routes"), int(CompareEntityKind::Route));
    m_kindBox->addItem(tr("edges"), int(CompareEntityKind::Edge));
    kindLabel->setBuddy(m_kindBox);
    connect(m_kindBox, &QComboBox::currentIndexChanged, this, [this](int i) {
        const int kind = m_kindBox->itemData(i).toInt();
        setKindFilter(kind < 0 ? std::nullopt
                               : std::optional<CompareEntityKind>(CompareEntityKind(kind)));
    });
    bar->addWidget(alignLabel);
    bar->addWidget(m_alignBox);
    bar->addSpacing(24);
    bar->addWidget(kindLabel);
    bar->addWidget(m_kindBox);
    bar->addStretch(1);
    column->addLayout(bar);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("compare-split"));
    split->setChildrenCollapsible(false);
    auto *row = new QWidget(split);
    buildCharts(row);
    m_tabs = new QTabWidget(split);
    m_tabs->setObjectName(QStringLiteral("compare-tabs"));
    buildFigures();
    buildExpectations();
    split->addWidget(row);
    split->addWidget(m_tabs);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 4);
    column->addWidget(split, 1);

    applyStyle();
    redraw();
}

CompareWindow::~CompareWindow() = default;

QWidget *CompareWindow::buildHeader(Side side)
{
    const Recording &r = m_sides[side].recording;
    const CompareSide &s = side == A ? m_table.a : m_table.b;
    const QString state = r.complete() ? tr("complete")
                          : r.live()   ? tr("still being recorded")
                                       : tr("incomplete (its run ended before finishing it)");
    // How many expectations held is the Expectations tab's title: the
    // header keeps to one line per recording at 1280 pixels in presenter mode.
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    // The line the charts draw this side with, drawn (applyStyle()) rather
    // than typed: box-drawing characters are too thin to tell apart.
    auto *swatch = new QLabel(row);
    swatch->setObjectName(QStringLiteral("compare-swatch-") + sideLetter(side));
    swatch->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->addWidget(swatch, 0, Qt::AlignTop);
    auto *label = new QLabel(row);
    label->setObjectName(QStringLiteral("compare-header-") + sideLetter(side));
    label->setTextFormat(Qt::RichText);
    label->setWordWrap(true);
    label->setText(tr("<b>%1</b> %2 · <b>%3</b> · %4 · %5 s of load, %6")
                       .arg(sideLetter(side), side == A ? tr("solid") : tr("dashed"),
                            titleOf(r).toHtmlEscaped(), shortPath(r.path()).toHtmlEscaped(),
                            QString::number(s.loadSeconds, 'f', 1), state));
    label->setToolTip(tr("%1: %2 s recorded, %3 s of them after the load started")
                          .arg(r.path())
                          .arg(s.seconds)
                          .arg(QString::number(s.loadSeconds, 'f', 1)));
    layout->addWidget(label, 1);
    m_sides[side].header = label;
    m_sides[side].swatch = swatch;
    return row;
}

void CompareWindow::buildCharts(QWidget *row)
{
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    struct Spec
    {
        const char *id;
        QString title;
        QString tip;
        QColor color;
    };
    const Spec specs[] = {
        {"throughput", tr("Users' throughput (req/s)"),
         tr("Requests the users sent through the gateway each second, whatever the answer."),
         theme::startingColor()},
        {"success", tr("Users' success rate (%)"),
         tr("Share of the users' requests answered ok or from a fallback, each second."),
         theme::okColor()},
        {"p99", tr("Gateway p99 (ms)"),
         tr("The slowest 1% of the users' requests took at least this long, each second."),
         theme::errorColor()},
    };
    for (std::size_t i = 0; i < std::size(specs); ++i) {
        PlotData &p = m_plots[i];
        p.color = specs[i].color;
        p.chart = new QChart;
        p.chart->setAnimationOptions(QChart::NoAnimation);
        p.chart->setTitle(specs[i].title);
        p.chart->setMargins(QMargins(2, 2, 2, 2));
        p.chart->layout()->setContentsMargins(0, 0, 0, 0);
        p.chart->setBackgroundRoundness(0);
        // The headers say which line is which: A solid, B dashed.
        p.chart->legend()->setVisible(false);
        p.x = new QValueAxis;
        p.x->setLabelFormat(QStringLiteral("%.0f"));
        p.x->setTickType(QValueAxis::TicksDynamic);
        p.x->setTickAnchor(0);
        p.y = new QValueAxis;
        p.y->setLabelFormat(i == std::size_t(Plot::Success) ? QStringLiteral("%.0f%%")
                                                            : QStringLiteral("%.0f"));
        p.y->setTickType(QValueAxis::TicksDynamic);
        p.y->setTickAnchor(0);
        p.chart->addAxis(p.x, Qt::AlignBottom);
        p.chart->addAxis(p.y, Qt::AlignLeft);
        for (const Side side : {A, B}) {
            auto *s = new QLineSeries;
            s->setObjectName(QLatin1String(specs[i].id) + QLatin1Char(':') + sideLetter(side));
            s->setName(sideLetter(side) + QStringLiteral(": ") + titleOf(m_sides[side].recording));
            p.chart->addSeries(s);
            s->attachAxis(p.x);
            s->attachAxis(p.y);
            p.series[side] = s;
        }
        p.view = new QChartView(p.chart, row);
        p.view->setObjectName(QStringLiteral("compare-chart-") + QLatin1String(specs[i].id));
        p.view->setRenderHint(QPainter::Antialiasing);
        p.view->setMinimumHeight(140);
        p.view->setToolTip(specs[i].tip);
        layout->addWidget(p.view, 1);
    }
}

void CompareWindow::buildFigures()
{
    m_figures = new QTreeWidget(m_tabs);
    m_figures->setObjectName(QStringLiteral("compare-figures"));
    m_figures->setColumnCount(5);
    m_figures->setHeaderLabels(
        {tr("Figure"), QStringLiteral("A"), QStringLiteral("B"), tr("Change (B − A)"), tr("B is")});
    m_figures->setRootIsDecorated(true);
    m_figures->setUniformRowHeights(true);
    m_figures->setAlternatingRowColors(true);
    m_figures->setSelectionMode(QAbstractItemView::NoSelection);
    QTreeWidgetItem *group = nullptr;
    const QColor better = theme::okColor().darker(115), worse = theme::errorColor();
    for (const CompareRow &row : m_table.rows) {
        if (!group || group->data(0, Qt::UserRole).toString() != row.entity) {
            group = new QTreeWidgetItem(m_figures);
            group->setText(0, row.kind == CompareEntityKind::Gateway
                                  ? tr("gateway — what the users saw")
                                  : row.entity);
            group->setData(0, Qt::UserRole, row.entity);
            group->setData(0, EntityKindRole, int(row.kind));
            QFont bold = group->font(0);
            bold.setBold(true);
            group->setFont(0, bold);
            group->setFirstColumnSpanned(true);
        }
        auto *item = new QTreeWidgetItem(group);
        item->setText(0, compareFigureLabel(row.figure));
        item->setData(0, Qt::UserRole, int(row.figure));
        item->setText(1, compareValueText(row.a, row.figure));
        item->setText(2, compareValueText(row.b, row.figure));
        if (row.a)
            item->setData(1, Qt::UserRole, *row.a);
        if (row.b)
            item->setData(2, Qt::UserRole, *row.b);
        item->setText(3, compareChangeText(row));
        for (int c = 1; c <= 3; ++c)
            item->setTextAlignment(c, Qt::AlignRight | Qt::AlignVCenter);
        switch (row.verdict) {
        case CompareVerdict::Better:
            paintVerdict(item, 4, tr("better"), better, palette());
            break;
        case CompareVerdict::Worse:
            paintVerdict(item, 4, tr("worse"), worse, palette());
            break;
        case CompareVerdict::Same:
            paintVerdict(item, 4, tr("same"), QColor(), palette());
            break;
        case CompareVerdict::None:
            paintVerdict(item, 4, dash, QColor(), palette());
            break;
        }
    }
    if (m_table.rows.empty()) {
        auto *none = new QTreeWidgetItem(m_figures);
        none->setText(0, tr("No requests in either recording"));
        none->setFirstColumnSpanned(true);
    }
    m_figures->expandAll();
    m_figures->header()->setStretchLastSection(false);
    m_figures->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c <= 4; ++c)
        m_figures->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_tabs->addTab(m_figures, tr("Figures"));
}

void CompareWindow::buildExpectations()
{
    m_expectations = new QTreeWidget(m_tabs);
    m_expectations->setObjectName(QStringLiteral("compare-expectations"));
    m_expectations->setColumnCount(3);
    m_expectations->setHeaderLabels({tr("Expectation"), tr("Measured"), tr("Verdict")});
    m_expectations->setSelectionMode(QAbstractItemView::NoSelection);
    m_expectations->setWordWrap(true);
    QStringList summary;
    for (const Side side : {A, B}) {
        const CompareSide &s = side == A ? m_table.a : m_table.b;
        auto *group = new QTreeWidgetItem(m_expectations);
        group->setText(0, QStringLiteral("%1 — %2").arg(sideLetter(side), s.title));
        QFont bold = group->font(0);
        bold.setBold(true);
        group->setFont(0, bold);
        group->setFirstColumnSpanned(true);
        if (!s.hasReport || s.expectations.isEmpty()) {
            auto *item = new QTreeWidgetItem(group);
            item->setText(0, !s.hasReport ? tr("no report: the run ended before it was finished")
                                          : tr("no expectations"));
            summary << QStringLiteral("%1 —").arg(sideLetter(side));
            continue;
        }
        int held = 0;
        for (const CompareExpectation &e : s.expectations) {
            auto *item = new QTreeWidgetItem(group);
            item->setText(0, e.text);
            item->setToolTip(0, e.text);
            item->setText(1, e.measured ? QString::number(*e.measured, 'g', 6) : dash);
            item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
            if (!e.evaluated)
                paintVerdict(item, 2, tr("not evaluated"), QColor(), palette());
            else if (e.held)
                paintVerdict(item, 2, tr("held"), theme::okColor().darker(115), palette());
            else
                paintVerdict(item, 2, tr("NOT HELD"), theme::errorColor(), palette());
            held += e.held ? 1 : 0;
        }
        summary << tr("%1 %2/%3 held").arg(sideLetter(side)).arg(held).arg(s.expectations.size());
    }
    m_expectations->expandAll();
    m_expectations->header()->setStretchLastSection(false);
    m_expectations->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_expectations->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_expectations->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_tabs->addTab(m_expectations, tr("Expectations (%1)").arg(summary.join(QStringLiteral(", "))));
}

QLineSeries *CompareWindow::series(Plot plot, Side side) const
{
    return plot == Plot::Count ? nullptr : m_plots[std::size_t(plot)].series[side];
}

double CompareWindow::origin(Side side) const
{
    const Recording &r = m_sides[side].recording;
    if (!m_alignKind.isEmpty())
        if (const auto t = firstEvent(r, m_alignKind))
            return *t;
    return r.loadStart();
}

bool CompareWindow::setAlignOn(const QString &kind)
{
    if (!kind.isEmpty() && !m_alignKinds.contains(kind))
        return false;
    m_alignKind = kind;
    const int index = m_alignBox->findData(kind);
    if (index >= 0 && m_alignBox->currentIndex() != index)
        m_alignBox->setCurrentIndex(index); // calls back here, with nothing left to change
    redraw();
    return true;
}

void CompareWindow::setKindFilter(std::optional<CompareEntityKind> kind)
{
    for (int i = 0; i < m_figures->topLevelItemCount(); ++i) {
        QTreeWidgetItem *group = m_figures->topLevelItem(i);
        const QVariant k = group->data(0, EntityKindRole);
        group->setHidden(kind && k.isValid() && k.toInt() != int(*kind));
    }
    const int index = m_kindBox->findData(kind ? int(*kind) : -1);
    if (index >= 0 && m_kindBox->currentIndex() != index)
        m_kindBox->setCurrentIndex(index);
}

void CompareWindow::redraw()
{
    double xMin = std::numeric_limits<double>::max(), xMax = std::numeric_limits<double>::lowest();
    std::array<double, std::size_t(Plot::Count)> yMax{};
    double yMin = 100; // of the success rate
    for (const Side side : {A, B}) {
        const double zero = origin(side);
        std::array<QList<QPointF>, std::size_t(Plot::Count)> points;
        for (std::size_t i = 0; i < m_sides[side].windows.size(); ++i) {
            const Window &w = m_sides[side].windows[i];
            const double x = w.t - zero;
            const auto total = w.total();
            // Per second of load: the first and the last window hold less
            // than a second of it, and their counts alone would dip at both
            // ends. A sliver of a second (under a quarter) is not stretched
            // into a rate.
            const double span = std::max(0.25, m_sides[side].spans[i]);
            points[std::size_t(Plot::Throughput)].append({x, double(total) / span});
            // A second without requests has no success rate and no p99.
            if (total > 0) {
                points[std::size_t(Plot::Success)].append(
                    {x, 100.0 * double(w.succeeded()) / double(total)});
                points[std::size_t(Plot::P99)].append({x, w.p99});
            }
            xMin = std::min(xMin, x);
            xMax = std::max(xMax, x);
        }
        for (std::size_t i = 0; i < points.size(); ++i) {
            for (const QPointF &p : std::as_const(points[i]))
                yMax[i] = std::max(yMax[i], p.y());
            m_plots[i].series[side]->replace(points[i]);
        }
        for (const QPointF &p : std::as_const(points[std::size_t(Plot::Success)]))
            yMin = std::min(yMin, p.y());
    }
    if (xMin > xMax)
        xMin = 0, xMax = 1;
    xMin = std::floor(xMin);
    xMax = std::ceil(xMax);
    const QString since = m_alignKind.isEmpty() ? tr("s since load start")
                                                : tr("s since the first “%1”").arg(m_alignKind);
    for (std::size_t i = 0; i < m_plots.size(); ++i) {
        PlotData &p = m_plots[i];
        p.x->setRange(xMin, xMax);
        p.x->setTickInterval(niceStep(xMax - xMin, 6));
        p.x->setTitleText(since);
        if (i == std::size_t(Plot::Success)) {
            // From a round value below the lowest second up to 100%: a dip
            // from 100 to 96% must read from the back of the room.
            const double low = std::clamp(yMin, 0.0, 99.0);
            const double step = niceStep(100 - low, 4);
            p.y->setRange(std::floor(low / step - 1e-9) * step, 100);
            p.y->setTickAnchor(100);
            p.y->setTickInterval(step);
            continue;
        }
        const double step = niceStep(std::max(1.0, yMax[i] * 1.05), 4);
        p.y->setRange(0, std::ceil(std::max(1.0, yMax[i] * 1.05) / step - 1e-9) * step);
        p.y->setTickInterval(step);
    }
}

void CompareWindow::applyStyle()
{
    if (!m_plots.front().chart)
        return; // a font or palette change while the constructor builds the charts
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    const QColor grid =
        theme::mix(pal.color(QPalette::Base), text, theme::isDark(pal) ? 0.18 : 0.12);
    QFont title = font();
    title.setBold(true);
    const QFont small = theme::scaledFont(font(), 0.85);
    const qreal width = m_presenter ? 4.0 : 2.5;
    const QFontMetrics fm(font());
    for (const Side side : {A, B}) {
        QPixmap swatch(QSize(fm.height() * 3, fm.height()) * devicePixelRatioF());
        swatch.setDevicePixelRatio(devicePixelRatioF());
        swatch.fill(Qt::transparent);
        QPainter painter(&swatch);
        painter.setRenderHint(QPainter::Antialiasing);
        // As the charts draw it: A a paler, wider band, B dashes.
        QColor ink = text;
        if (side == A)
            ink.setAlphaF(0.55f);
        painter.setPen(QPen(ink, side == A ? width * 1.6 : width,
                            side == A ? Qt::SolidLine : Qt::DashLine, Qt::FlatCap));
        painter.drawLine(QPointF(0, fm.height() / 2.0),
                         QPointF(fm.height() * 3, fm.height() / 2.0));
        painter.end();
        m_sides[side].swatch->setPixmap(swatch);
    }
    for (PlotData &p : m_plots) {
        p.chart->setBackgroundBrush(pal.color(QPalette::Base));
        p.chart->setTitleBrush(text);
        p.chart->setTitleFont(title);
        for (QValueAxis *a : {p.x, p.y}) {
            a->setLabelsFont(small);
            a->setLabelsBrush(text);
            a->setTitleFont(small);
            a->setTitleBrush(text);
            a->setGridLineColor(grid);
            a->setLinePenColor(grid);
        }
        p.view->setBackgroundBrush(pal.color(QPalette::Base));
        // A solid, B dashed, in one colour: which run is which is the
        // line's style, which the headers above name. Where the two runs
        // agree the lines lie on each other, so A is a wider, paler band and
        // B's dashes, drawn on top, still show along it.
        QColor band = p.color;
        band.setAlphaF(0.55f);
        p.series[A]->setPen(QPen(band, width * 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        p.series[B]->setPen(QPen(p.color, width, Qt::DashLine, Qt::FlatCap, Qt::RoundJoin));
    }
}

void CompareWindow::setPresenter(bool on)
{
    m_presenter = on;
    setFont(theme::presenterFont(on, MainWindow::PresenterTypeScale));
    applyStyle();
}

void CompareWindow::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        applyStyle();
}

} // namespace microcosm
