#pragma once

#include <QWidget>

class QChart;
class QComboBox;
class QLabel;
class QLineSeries;
class QScatterSeries;
class QTableWidget;
class QValueAxis;

namespace microcosm {

class ShopController;

/*
 * Theory beside the measurement: for each service, what the M/M/c queue
 * predicts from its measured arrival rate, its workers, replicas and mean
 * service time (services/queueingmodel.h) — utilization, the probability of
 * waiting (Erlang C), the p95 response time and the capacity c·μ·replicas —
 * next to what was measured in the last second; and for one service a
 * "latency vs load" chart: the predicted p95 as a curve from no load to
 * capacity (the knee is where it turns up) and each second measured as a
 * point on it. Tooltips say which assumptions hold and when the prediction
 * does not apply.
 *
 * Invariants: reads only the platform's configuration and its closed
 * one-second windows; redraws once a second (refresh()), never per request.
 */
class TheoryPanel : public QWidget
{
    Q_OBJECT
public:
    explicit TheoryPanel(ShopController *controller, QWidget *parent = nullptr);

    void refresh();
    // The service the chart shows.
    QString service() const;
    void setService(const QString &service);

    QTableWidget *table() const { return m_table; }
    QLineSeries *predicted() const { return m_predicted; }
    QScatterSeries *measured() const { return m_measured; }
    QLineSeries *capacityLine() const { return m_capacity; }
    QString chartToolTip() const;

private:
    void rebuildChart();
    ShopController *m_controller;
    QTableWidget *m_table;
    QComboBox *m_service;
    QLabel *m_note;
    QChart *m_chart;
    QLineSeries *m_predicted;
    QScatterSeries *m_measured;
    QLineSeries *m_capacity;
    QValueAxis *m_x;
    QValueAxis *m_y;
};

} // namespace microcosm
