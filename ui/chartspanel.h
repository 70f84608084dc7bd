#pragma once

#include "eventlog.h"
#include "metrics.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <deque>
#include <map>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QXYSeries;
class QValueAxis;
class QGraphicsItem;

namespace microcosm {

class ShopController;

/*
 * The live charts: throughput per service, gateway latency percentiles,
 * errors by kind, replicas ready with utilization, and queue depth, over a
 * selectable window (1, 5 or 15 minutes) of the platform's one-second
 * metrics ring, with kill / restart / scale events as vertical markers.
 *
 * Invariants: refreshes once per closed one-second window (not per
 * snapshot), pulling only the windows it has not seen; every series is fed
 * whole through QXYSeries::replace(), and no chart animates; points older
 * than the longest window are dropped, so memory stays bounded.
 */
class ChartsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ChartsPanel(ShopController *controller, QWidget *parent = nullptr);
    ~ChartsPanel() override;

    // Pulls the windows closed since the last call and redraws.
    void refresh();
    void addEvents(const std::vector<Event> &events);

    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_window; }

    // "throughput:cart", "latency:p99", "errors:timeout", "ready:order",
    // "utilization:order", "queue:product"; null when there is none.
    QXYSeries *series(const QString &id) const { return m_series.value(id); }
    QList<QChartView *> chartViews() const { return m_views; }
    int markerCount() const { return int(m_markers.size()); }

    bool exportChart(QChartView *view, const QString &path, QString *error = nullptr);
    void applyPalette();

signals:
    void windowSecondsChanged(int seconds);

protected:
    void changeEvent(QEvent *event) override;

private:
    struct Sample
    {
        double t;
        OutcomeCounts counts;
        double p50, p95, p99;
        Gauges gauges;
    };
    struct Marker
    {
        double t;
        QString label;
        QColor color;
    };
    struct Chart
    {
        QChart *chart = nullptr;
        QValueAxis *x = nullptr;
        QValueAxis *y = nullptr;
        QValueAxis *y2 = nullptr;
        QXYSeries *anchor = nullptr;
        std::vector<QGraphicsItem *> markerItems;
        bool integerY = false;
    };

    Chart &addChart(const QString &title, const QString &tip, bool secondAxis = false);
    QXYSeries *addSeries(Chart &c, const QString &id, const QString &name, const QColor &color,
                         bool dashed = false, bool secondAxis = false);
    void pull(const QString &entity);
    void redraw();
    void placeMarkers(Chart &c);
    static double niceCeiling(double v);

    QPointer<ShopController> m_controller;
    QComboBox *m_windowBox;
    QStringList m_services;
    int m_window = 60;
    double m_now = 0;
    std::map<QString, std::deque<Sample>> m_samples;
    std::deque<Chart> m_charts;
    QList<QChartView *> m_views;
    QHash<QString, QXYSeries *> m_series;
    std::vector<Marker> m_markers;
};

} // namespace microcosm
