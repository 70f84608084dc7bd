#include "theorypanel.h"

#include "queueingmodel.h"
#include "shopcontroller.h"
#include "theme.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

namespace microcosm {

namespace {

enum Column
{
    Service,
    Arrivals,
    Servers,
    ServiceTimeMs,
    Utilization,
    ProbabilityWait,
    P95,
    Capacity,
    ColumnCount
};

QString ms(double v)
{
    return std::isfinite(v) ? QString::number(v, 'f', v < 10 ? 1 : 0) : QStringLiteral("∞");
}

// What the prediction assumes, for every service alike, and what makes it
// fail for this one.
QString assumptions(const ServiceModel &m, bool openModel)
{
    QStringList lines{
        QStringLiteral("M/M/c assumes: Poisson arrivals, exponential service times, each "
                       "replica one FIFO queue served by its %1 workers, the calls split "
                       "evenly over its %2 replicas, and no limit on the queue.")
            .arg(m.workers)
            .arg(m.replicas)};
    QStringList wrong = m.caveats();
    if (!openModel)
        wrong << QStringLiteral("the load is a closed model (virtual users wait for their "
                                "answers), so arrivals are not Poisson and slow down as "
                                "latency grows");
    wrong << QStringLiteral("its queue holds at most %1 a replica: beyond that calls are "
                            "rejected, which M/M/c does not model")
                 .arg(m.queueCapacity);
    lines << QStringLiteral("Here: ") + wrong.join(QStringLiteral("; ")) + QLatin1Char('.');
    lines << QStringLiteral("It does not apply at or above capacity (utilization ≥ 100%: the "
                            "queue grows without bound), nor to a service that is down or "
                            "faulted, nor to what its downstream calls add.");
    return lines.join(QLatin1Char('\n'));
}

} // namespace

TheoryPanel::TheoryPanel(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_table(new QTableWidget(this)),
      m_service(new QComboBox(this)), m_note(new QLabel(this)), m_chart(new QChart),
      m_predicted(new QLineSeries), m_measured(new QScatterSeries), m_capacity(new QLineSeries),
      m_x(new QValueAxis), m_y(new QValueAxis)
{
    setObjectName(QStringLiteral("theoryPanel"));
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels({tr("service"), tr("in/s"), tr("replicas×c"),
                                        tr("service ms"), tr("busy: seen / M/M/c"), tr("P(wait)"),
                                        tr("p95 ms: seen / M/M/c"), tr("capacity/s")});
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setToolTip(tr("What the M/M/c queue predicts for each service from its measured "
                           "arrival rate, its replicas, workers and mean service time, beside "
                           "what was measured in the last second: in/s the arrivals a second, "
                           "replicas×c its replicas and workers (c) each, busy the share of "
                           "workers busy, P(wait) Erlang C's probability that a call queues, "
                           "capacity c·μ·replicas. Hover a row for the assumptions."));

    m_predicted->setName(tr("M/M/c p95"));
    m_measured->setName(tr("measured p95, each second"));
    m_capacity->setName(tr("capacity of one replica (c·μ)"));
    m_measured->setMarkerSize(8);
    QPen dashed(theme::mutedText(palette()));
    dashed.setStyle(Qt::DashLine);
    m_capacity->setPen(dashed);
    for (QAbstractSeries *s :
         {static_cast<QAbstractSeries *>(m_predicted), static_cast<QAbstractSeries *>(m_measured),
          static_cast<QAbstractSeries *>(m_capacity)}) {
        m_chart->addSeries(s);
    }
    m_x->setTitleText(tr("arrivals per second to one replica"));
    m_y->setTitleText(tr("p95 response time, ms"));
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    for (QAbstractSeries *s : m_chart->series()) {
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    m_chart->setTitle(tr("Latency vs load: theory (line) and measurement (points)"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    auto *view = new QChartView(m_chart, this);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(320, 180);

    m_note->setWordWrap(true);
    // Side by side: a bottom dock is wide and short.
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Chart:"), this));
    top->addWidget(m_service, 1);
    auto *left = new QVBoxLayout;
    left->addWidget(m_table, 1);
    left->addWidget(m_note);
    auto *right = new QVBoxLayout;
    right->addLayout(top);
    right->addWidget(view, 1);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addLayout(right, 1);
    connect(m_service, &QComboBox::currentTextChanged, this, [this] { rebuildChart(); });
    refresh();
}

QString TheoryPanel::service() const
{
    return m_service->currentText();
}

void TheoryPanel::setService(const QString &service)
{
    m_service->setCurrentText(service);
}

QString TheoryPanel::chartToolTip() const
{
    return m_chart->toolTip();
}

void TheoryPanel::refresh()
{
    const QList<ServiceModel> models = serviceModels(m_controller->platform());
    const bool open = m_controller->load().config().model == LoadConfig::Model::Open;
    if (m_service->count() != models.size()) {
        const QString keep = m_service->currentText();
        m_service->clear();
        for (const ServiceModel &m : models)
            m_service->addItem(m.name);
        if (!keep.isEmpty())
            m_service->setCurrentText(keep);
    }
    m_table->setRowCount(int(models.size()));
    // Every cell written tells the view, and with columns sized to their
    // contents the view then measures the whole column again: a 41-service
    // table took a quarter of a second a refresh. Quiet while writing, then
    // one measure and one repaint.
    QSignalBlocker quiet(m_table->model());
    for (int row = 0; row < models.size(); ++row) {
        const ServiceModel &m = models[row];
        const EntitySummary s =
            m_controller->platform().metrics().summary(EntityKey::service(m.name));
        const double lambda = s.rps; // over the last window, per second
        const queueing::MmcPrediction p = m.predict(lambda);
        const double measuredUtil = s.last.gauges.utilization();
        const QStringList cells{
            m.name,
            QString::number(lambda, 'f', 0),
            QStringLiteral("%1 × %2").arg(m.replicas).arg(m.workers),
            ms(m.time.meanMs),
            QStringLiteral("%1% / %2%")
                .arg(100 * measuredUtil, 0, 'f', 0)
                .arg(p.stable ? QString::number(100 * p.utilization, 'f', 0)
                              : QStringLiteral("≥100")),
            p.stable ? QString::number(p.probabilityWait, 'f', 2) : QStringLiteral("1"),
            QStringLiteral("%1 / %2").arg(ms(s.last.p95), ms(p.responseQuantileMs(0.95))),
            QString::number(m.capacityPerSecond(), 'f', 0)};
        const QString tip = assumptions(m, open);
        for (int c = 0; c < ColumnCount; ++c) {
            auto *item = m_table->item(row, c);
            if (!item) {
                item = new QTableWidgetItem;
                m_table->setItem(row, c, item);
            }
            item->setText(cells[c]);
            item->setToolTip(tip);
            item->setForeground(c == Utilization && !p.stable ? QBrush(theme::errorColor())
                                                              : palette().text());
        }
    }
    quiet.unblock();
    m_table->horizontalHeader()->resizeSections(QHeaderView::ResizeToContents);
    m_table->viewport()->update();
    rebuildChart();
}

void TheoryPanel::rebuildChart()
{
    const QList<ServiceModel> models = serviceModels(m_controller->platform());
    const auto it = std::find_if(models.begin(), models.end(), [this](const ServiceModel &m) {
        return m.name == m_service->currentText();
    });
    if (it == models.end())
        return;
    const ServiceModel &m = *it;
    // Per replica: each is its own M/M/c queue, so the seconds when the
    // service had fewer replicas (a cold start, before the autoscaler
    // acted) sit on the same curve as the others.
    ServiceModel one = m;
    one.replicas = 1;
    const double capacity = one.capacityPerSecond();
    QList<QPointF> curve;
    double knee = 0;
    for (int i = 0; i <= 80 && capacity > 0; ++i) {
        // Denser near capacity, where the curve turns up.
        const double share = 1.0 - std::pow(1.0 - 0.985 * i / 80.0, 1.5);
        const double lambda = share * capacity;
        const double p95 = one.predict(lambda).responseQuantileMs(0.95);
        curve << QPointF(lambda, p95);
        if (share <= 0.9)
            knee = std::max(knee, p95);
    }
    m_predicted->replace(curve);
    QList<QPointF> points;
    double xMax = capacity * 1.05, seen = 0;
    for (const Window &w : m_controller->platform().metrics().series(EntityKey::service(m.name))) {
        if (w.total() == 0)
            continue;
        const double perReplica = double(w.total()) / std::max(1.0, w.gauges.replicasReady);
        points << QPointF(perReplica, w.p95);
        xMax = std::max(xMax, perReplica * 1.05);
        seen = std::max(seen, w.p95);
    }
    if (points.size() > 900)
        points = points.mid(points.size() - 900);
    m_measured->replace(points);
    // Up to three times the knee's height: the curve stays readable, and a
    // second far above it (a queue that was overrun) is drawn at the top edge.
    const double yMax = std::max(1.0, std::min(seen * 1.1, 3 * knee) + knee * 0.2);
    for (QPointF &p : points)
        p.setY(std::min(p.y(), yMax));
    m_measured->replace(points);
    m_y->setRange(0, yMax);
    m_capacity->replace({QPointF(capacity, 0), QPointF(capacity, yMax)});
    m_x->setRange(0, std::max(1.0, xMax));
    const QString tip =
        assumptions(m, m_controller->load().config().model == LoadConfig::Model::Open);
    m_chart->setToolTip(tip);
    const QStringList caveats = m.caveats();
    m_note->setText(caveats.isEmpty()
                        ? tr("%1: every assumption that the configuration shows holds "
                             "(exponential service, one route). Hover for the others.")
                              .arg(m.name)
                        : tr("%1: the prediction is approximate: %2. Hover for the rest.")
                              .arg(m.name, caveats.join(QStringLiteral("; "))));
}

} // namespace microcosm
