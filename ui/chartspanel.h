#pragma once

#include "eventlog.h"
#include "metrics.h"
#include "snapshot.h"

#include <QHash>
#include <QPointer>
#include <QSize>
#include <QWidget>

#include <deque>
#include <map>
#include <optional>
#include <vector>

class QChart;
class QChartView;
class QBoxLayout;
class QComboBox;
class QLabel;
class QXYSeries;
class QValueAxis;
class QGraphicsItem;

namespace microcosm {

class Recording;
class ShopController;

// The live charts: throughput per service, gateway latency percentiles,
// errors by kind, replicas ready, utilization (busy %) and queue depth, over
// a selectable window (1, 5 or 15 minutes) of the platform's one-second
// metrics ring, with kill / restart / scale / load-change events as
// vertical markers. Each chart has its legend below it as a wrapping label,
// so no series name is ever cut short, whatever the font (presenter mode)
// or the width; charts keep a readable minimum width and the row scrolls
// sideways when the panel is narrower.
//
// Cut at a second (setCutAt: a past second or the picture frozen), it
// draws what it showed then (live, as far back as the points it keeps);
// without a controller it shows a recording (loadRecording()).
//
// Invariants: redraws once per closed one-second window (not per
// snapshot) and when the cut moves, pulling only the windows it has not seen; the only per-snapshot
// work is comparing each service's ready count with the last one and
// recording a step when it changed, so that a replica that lives for less
// than a window still shows; every series is fed whole through
// QXYSeries::replace(), and no chart animates; live, points, steps and
// markers older than the longest window are dropped, so memory stays
// bounded (a recording's are all kept: it is all in memory anyway).
class ChartsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ChartsPanel(ShopController *controller, QWidget *parent = nullptr);
    // Without a controller: the charts of these services, showing what
    // loadRecording() put in them (a replay).
    explicit ChartsPanel(const QStringList &services, QWidget *parent = nullptr);
    ~ChartsPanel() override;

    // Replaces what the panel holds with a recording's seconds and events.
    void loadRecording(const Recording &recording);
    // The charts cut at second t, as they stood then: nothing after it is
    // drawn and the time axis ends there; nullopt: up to the newest second.
    void setCutAt(std::optional<double> t);
    std::optional<double> cutAt() const { return m_cut; }

    // Pulls the windows closed since the last call and redraws.
    void refresh();
    void addEvents(const std::vector<Event> &events);

    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_window; }

    // "throughput:cart", "latency:p99", "errors:timeout", "ready:order",
    // "utilization:order", "queue:product"; null when there is none.
    QXYSeries *series(const QString &id) const { return m_series.value(id); }
    QList<QChartView *> chartViews() const { return m_views; }
    // The legend shown below a chart's view (a word-wrapped label).
    QLabel *legendOf(QChartView *view) const;
    int markerCount() const { return int(m_markers.size()); }

    // The size a chart is exported at unless another is chosen; PNGs are
    // rendered at twice it (device pixel ratio 2), SVGs at it.
    static constexpr QSize DefaultExportSize{1600, 900};
    // Renders the chart alone (no widget around it) to a PNG or SVG file,
    // chosen by the suffix.
    bool exportChart(QChartView *view, const QString &path, QString *error = nullptr);
    bool exportChart(QChartView *view, const QString &path, QSize size, QString *error = nullptr);
    // Asks which chart, at what size and where, then exports it; view
    // preselects a chart (the first when null).
    void exportChartInteractively(QChartView *view = nullptr);
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
        QString detail; // the event's own sentence, for the tooltip
        QColor color;
    };
    struct Chart
    {
        QChart *chart = nullptr;
        QChartView *view = nullptr;
        QLabel *legend = nullptr;
        QBoxLayout *box = nullptr; // the view and its legend, below or beside
        QString legendText;        // the legend as plain text, to measure
        QValueAxis *x = nullptr;
        QValueAxis *y = nullptr;
        QXYSeries *anchor = nullptr;
        std::vector<QGraphicsItem *> markerItems;
        bool integerY = false;
        double fixedTop = 0; // a fixed y range (0..fixedTop) when > 0
        int maxIndex = -1;   // which running maximum scales the y axis
    };
    // One service's ready count as it changed: (t, count) at each change.
    struct ReadyStep
    {
        double t;
        int ready;
    };

    Chart &addChart(const QString &title, const QString &tip);
    QXYSeries *addSeries(Chart &c, const QString &id, const QString &name, const QColor &color);
    void updateLegend(Chart &c);
    void applyFonts(Chart &c, const QFont &base);
    void updateMinimumWidths();
    struct Heights;
    Heights heights() const;
    void setLegendBeside(bool beside);
    void updateMinimumHeight();
    void fitHeight(int height);
    void onSnapshot(const SystemSnapshot &snapshot);
    QList<QPointF> readySteps(const QString &service, double from, double to) const;
    void pull(const EntityKey &entity);
    void redraw();
    void placeMarkers(Chart &c);
    Chart *chartOf(QChartView *view);
    void applyTicks(Chart &c);
    static double niceCeiling(double v);
    static double niceStep(double span, int ticks, bool integral);

    QPointer<ShopController> m_controller;
    QComboBox *m_windowBox;
    QLabel *m_hint = nullptr;
    bool m_legendBeside = false;
    int m_valueTicks = 5; // the most value labels a chart's height has room for
    QStringList m_services;
    int m_window = 60;
    double m_now = 0;
    std::optional<double> m_cut;
    std::map<EntityKey, std::deque<Sample>> m_samples;
    std::map<QString, std::deque<ReadyStep>> m_ready;
    std::deque<Chart> m_charts;
    QList<QChartView *> m_views;
    QHash<QString, QXYSeries *> m_series;
    std::vector<Marker> m_markers;
};

} // namespace microcosm
