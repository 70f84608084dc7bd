#pragma once

#include "horizontalautoscaler.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace microcosm {

class ShopController;

/*
 * The "Autoscaler" section of the controls: for one service at a time, a
 * Kubernetes-style horizontal autoscaler on or off, the metric it watches
 * (utilization, requests in flight per replica, p95 latency), its target
 * and its replica bounds. Applied through Platform::setAutoscaler: on at
 * once when ticked, a changed target or bound after a short pause in typing.
 *
 * Invariants: the form shows the platform's autoscaler of the selected
 * service (re-read when policies change, unless the user is typing); turned
 * on from here, an autoscaler checks every 2 s and waits 20 s before scaling
 * down (kube's 15 s / 5 min are too slow for a class), unless the service's
 * autoscaler already had its own timing (a scenario's), which is kept.
 */
class AutoscalerControls : public QWidget
{
    Q_OBJECT
public:
    explicit AutoscalerControls(ShopController *controller, QWidget *parent = nullptr);

    bool selectService(const QString &service);
    QString currentService() const;
    QCheckBox *enabledBox() const { return m_enabled; }
    QComboBox *metricBox() const { return m_metric; }
    QDoubleSpinBox *targetBox() const { return m_target; }
    QSpinBox *minBox() const { return m_min; }
    QSpinBox *maxBox() const { return m_max; }

private:
    void load();
    void apply();
    void showUnits();
    AutoscalerConfig::Metric metric() const;

    QPointer<ShopController> m_controller;
    QComboBox *m_service;
    QCheckBox *m_enabled;
    QComboBox *m_metric;
    QDoubleSpinBox *m_target;
    QSpinBox *m_min;
    QSpinBox *m_max;
    QLabel *m_note;
    QTimer m_debounce;
    bool m_loading = false;
};

} // namespace microcosm
