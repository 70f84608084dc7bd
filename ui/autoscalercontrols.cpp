#include "autoscalercontrols.h"

#include "shopcontroller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

namespace microcosm {

namespace {

using Metric = AutoscalerConfig::Metric;

// What the target box shows for a metric, and back: utilization as a percentage.
double shown(Metric m, double target)
{
    return m == Metric::Utilization ? 100 * target : target;
}

double stored(Metric m, double shownValue)
{
    return m == Metric::Utilization ? shownValue / 100 : shownValue;
}

double defaultTarget(Metric m)
{
    switch (m) {
    case Metric::Utilization:
        return 0.6;
    case Metric::InFlight:
        return 3;
    case Metric::LatencyP95:
        return 100;
    }
    return 0.6;
}

} // namespace

AutoscalerControls::AutoscalerControls(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_service(new QComboBox(this)),
      m_enabled(new QCheckBox(tr("on"), this)), m_metric(new QComboBox(this)),
      m_target(new QDoubleSpinBox(this)), m_min(new QSpinBox(this)), m_max(new QSpinBox(this)),
      m_note(new QLabel(this))
{
    setObjectName(QStringLiteral("autoscaler-controls"));
    m_service->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_service->setMinimumContentsLength(10);
    m_service->setObjectName(QStringLiteral("autoscaler-service"));
    for (const QString &s : controller->platform().serviceNames())
        m_service->addItem(controller->displayName(s), s);
    m_service->setToolTip(tr("Which service's autoscaler to set. Each service scales on its own: "
                             "that is the independent scaling the architecture promises."));
    m_enabled->setObjectName(QStringLiteral("autoscaler-enabled"));
    m_enabled->setToolTip(
        tr("A horizontal autoscaler (Kubernetes HPA rules): desired replicas = ceil(current × "
           "metric / target), within the bounds. Raise the load and watch the replica pips and "
           "the \"Replicas ready\" chart step up; each decision is an event."));
    m_metric->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_metric->setMinimumContentsLength(10);
    m_metric->setObjectName(QStringLiteral("autoscaler-metric"));
    m_metric->addItem(tr("utilization (busy workers)"), int(Metric::Utilization));
    m_metric->addItem(tr("requests in flight per replica"), int(Metric::InFlight));
    m_metric->addItem(tr("p95 latency"), int(Metric::LatencyP95));
    m_metric->setToolTip(tr("What the autoscaler watches: the share of busy workers, the "
                            "requests under way per replica, or the service's p95 latency."));
    m_target->setObjectName(QStringLiteral("autoscaler-target"));
    m_target->setDecimals(0);
    m_target->setRange(1, 100000);
    m_target->setKeyboardTracking(false);
    m_target->setToolTip(tr("The metric's value to aim for (a scenario's \"target\"; in "
                            "Kubernetes the metric's target, e.g. averageUtilization). Lower "
                            "targets keep more spare capacity (more replicas, lower latency)."));
    m_min->setObjectName(QStringLiteral("autoscaler-min"));
    m_min->setRange(1, MaxReplicas);
    m_min->setKeyboardTracking(false);
    m_min->setToolTip(tr("Fewest replicas the autoscaler keeps (minReplicas)."));
    m_max->setObjectName(QStringLiteral("autoscaler-max"));
    m_max->setRange(1, MaxReplicas);
    m_max->setKeyboardTracking(false);
    m_max->setToolTip(tr("Most replicas the autoscaler starts: the cost ceiling (maxReplicas)."));
    m_note->setWordWrap(true);
    m_note->setForegroundRole(QPalette::PlaceholderText);

    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto *top = new QHBoxLayout;
    top->addWidget(m_service, 1);
    top->addWidget(m_enabled);
    form->addRow(tr("Service:"), top);
    form->addRow(tr("Metric:"), m_metric);
    form->addRow(tr("Target:"), m_target);
    auto *bounds = new QHBoxLayout;
    bounds->addWidget(new QLabel(tr("min"), this));
    bounds->addWidget(m_min, 1);
    bounds->addWidget(new QLabel(tr("max"), this));
    bounds->addWidget(m_max, 1);
    form->addRow(tr("Replicas:"), bounds);
    form->addRow(m_note);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(400);
    connect(&m_debounce, &QTimer::timeout, this, &AutoscalerControls::apply);
    auto later = [this] {
        if (!m_loading && m_enabled->isChecked())
            m_debounce.start();
    };
    connect(m_service, &QComboBox::currentIndexChanged, this, [this] {
        m_debounce.stop();
        load();
    });
    connect(m_enabled, &QCheckBox::toggled, this, [this] {
        if (!m_loading) {
            m_debounce.stop();
            apply();
        }
    });
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this, later] {
        if (m_loading)
            return;
        const QSignalBlocker block(m_target);
        showUnits();
        m_target->setValue(shown(metric(), defaultTarget(metric())));
        later();
    });
    connect(m_target, &QDoubleSpinBox::valueChanged, this, later);
    connect(m_min, &QSpinBox::valueChanged, this, [this, later](int v) {
        if (!m_loading && m_max->value() < v)
            m_max->setValue(v);
        later();
    });
    connect(m_max, &QSpinBox::valueChanged, this, [this, later](int v) {
        if (!m_loading && m_min->value() > v)
            m_min->setValue(v);
        later();
    });
    connect(controller, &ShopController::policiesChanged, this, [this] {
        if (!m_debounce.isActive())
            load();
    });
    load();
}

bool AutoscalerControls::selectService(const QString &service)
{
    const int i = m_service->findData(service);
    if (i < 0)
        return false;
    m_service->setCurrentIndex(i);
    return true;
}

QString AutoscalerControls::currentService() const
{
    return m_service->currentData().toString();
}

AutoscalerConfig::Metric AutoscalerControls::metric() const
{
    return Metric(m_metric->currentData().toInt());
}

void AutoscalerControls::showUnits()
{
    switch (metric()) {
    case Metric::Utilization:
        m_target->setRange(5, 100);
        m_target->setSuffix(tr(" % busy"));
        break;
    case Metric::InFlight:
        m_target->setRange(1, 1000);
        m_target->setSuffix(tr(" requests"));
        break;
    case Metric::LatencyP95:
        m_target->setRange(1, 60000);
        m_target->setSuffix(tr(" ms"));
        break;
    }
}

void AutoscalerControls::load()
{
    if (!m_controller)
        return;
    m_loading = true;
    const AutoscalerConfig c = m_controller->autoscaler(currentService());
    m_enabled->setChecked(c.enabled);
    const Metric m = c.enabled ? c.metric : metric();
    m_metric->setCurrentIndex(m_metric->findData(int(m)));
    showUnits();
    if (!m_target->hasFocus())
        m_target->setValue(shown(m, c.enabled ? c.hpa.target : defaultTarget(m)));
    if (c.enabled) {
        if (!m_min->hasFocus())
            m_min->setValue(c.hpa.minReplicas);
        if (!m_max->hasFocus())
            m_max->setValue(c.hpa.maxReplicas);
    } else if (m_max->value() <= 1) {
        m_min->setValue(1);
        m_max->setValue(6);
    }
    m_note->setToolTip(tr("In a scenario file: syncPeriodMs, and "
                          "behavior.scaleDown.stabilizationWindowSeconds (Kubernetes' names; "
                          "default 300 s there)."));
    m_note->setText(c.enabled ? tr("Checks every %1 s; scales down only after %2 s of lower load.")
                                    .arg(toMs(c.hpa.syncPeriod) / 1000.0)
                                    .arg(toMs(c.hpa.scaleDownStabilization) / 1000.0)
                              : tr("Off: the replicas stay as set under Services."));
    m_loading = false;
}

void AutoscalerControls::apply()
{
    if (!m_controller)
        return;
    const QString service = currentService();
    AutoscalerConfig c = m_controller->autoscaler(service);
    if (!c.enabled) {
        // Fresh from here: timing fit for a class rather than kube's defaults.
        c.hpa.syncPeriod = seconds(2);
        c.hpa.scaleUpStabilization = seconds(0);
        c.hpa.scaleDownStabilization = seconds(20);
    }
    c.enabled = m_enabled->isChecked();
    c.metric = metric();
    c.hpa.target = stored(c.metric, m_target->value());
    c.hpa.minReplicas = m_min->value();
    c.hpa.maxReplicas = std::max(m_min->value(), m_max->value());
    m_controller->setAutoscaler(service, c);
}

} // namespace microcosm
