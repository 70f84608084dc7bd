#include "controlspanel.h"

#include "autoscalercontrols.h"
#include "chaoscontrols.h"
#include "policycontrols.h"
#include "serviceactions.h"
#include "shopcontroller.h"
#include "theme.h"

#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QChildEvent>
#include <QComboBox>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace microcosm {

namespace {
constexpr double SliderMaxRate = 5000;
constexpr int SliderSteps = 1000;

// Fields whose value the wheel changes (a scroll bar, which the wheel is
// for, is not one).
bool takesWheel(const QObject *o)
{
    return qobject_cast<const QAbstractSpinBox *>(o) || qobject_cast<const QComboBox *>(o) ||
           (qobject_cast<const QAbstractSlider *>(o) && !qobject_cast<const QScrollBar *>(o));
}

// Such a field takes the focus by click or Tab only: the wheel over it
// scrolls the panel instead of giving it the focus.
void takeFocusByClick(QObject *o)
{
    auto *w = qobject_cast<QWidget *>(o);
    if (w && takesWheel(w) && (w->focusPolicy() & Qt::WheelFocus) == Qt::WheelFocus)
        w->setFocusPolicy(Qt::StrongFocus);
    // A drop-down's longest entry must not set the panel's minimum width
    // (the side column is narrow in presenter mode): it shows what fits.
    if (auto *box = qobject_cast<QComboBox *>(o);
        box && box->sizeAdjustPolicy() != QComboBox::AdjustToMinimumContentsLengthWithIcon) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(8);
    }
}

} // namespace

ControlsPanel::ControlsPanel(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_sections(new QVBoxLayout(this))
{
    setObjectName(QStringLiteral("controls"));
    m_sections->setContentsMargins(4, 4, 4, 4);
    m_sections->setSpacing(6);
    m_sections->addStretch(1);
    addSection(tr("Load"), buildLoad(),
               tr("Users arriving at %1: an open model, so they keep coming whatever the "
                  "system does — as real users do.")
                   .arg(controller->hasShop() ? tr("the shop") : controller->architecture().name));
    addSection(tr("Services"), buildServices(),
               tr("Each service runs as replicas (pods). Scale one service without touching the "
                  "others; kill one and watch the others keep serving."));
    m_policies = new PolicyControls(controller, this);
    // Folded by default, so that at 1600×1000 every header is on screen.
    addSection(tr("Policies"), m_policies,
               tr("Resilience patterns on the calls between parts of the system: timeouts, "
                  "retries, circuit breakers, fallbacks, bulkheads, and a rate limit at the "
                  "gateway's door."),
               false);
    m_autoscalers = new AutoscalerControls(controller, this);
    addSection(tr("Autoscaler"), m_autoscalers,
               tr("Let the platform choose each service's replica count from a metric, as a "
                  "Kubernetes HorizontalPodAutoscaler does. A scenario file uses the HPA's "
                  "names: minReplicas, maxReplicas, target and behavior.scaleUp / scaleDown "
                  "with stabilizationWindowSeconds, selectPolicy (Max, Min, Disabled) and "
                  "policies of type Pods or Percent per periodSeconds; what it leaves out has "
                  "Kubernetes' defaults."),
               false);
    m_chaos = new ChaosControls(controller, this);
    addSection(tr("Chaos"), m_chaos,
               tr("Break things on purpose and watch what the architecture does about it. "
                  "Every fault is an event on the timeline and a purple badge in the "
                  "topology."),
               false);

    connect(controller, &ShopController::loadStateChanged, this, &ControlsPanel::showLoadState);
    connect(controller, &ShopController::rateChanged, this, &ControlsPanel::showRate);
    showLoadState(controller->loadRunning());
    showRate(controller->rate());
    // Every field, those of the sections above and any added later.
    watch(this);
}

QWidget *ControlsPanel::addSection(const QString &title, QWidget *content, const QString &tip,
                                   bool open)
{
    QString key = title.toLower();
    key.remove(QLatin1Char('&'));
    auto *frame = new QFrame(this);
    frame->setObjectName(QStringLiteral("section-") + key);
    frame->setFrameShape(QFrame::StyledPanel);
    auto *l = new QVBoxLayout(frame);
    l->setContentsMargins(2, 2, 2, 2);
    l->setSpacing(2);
    auto *header = new QToolButton(frame);
    header->setObjectName(QStringLiteral("section-header-") + key);
    header->setText(title);
    header->setToolTip(tip);
    header->setCheckable(true);
    header->setAutoRaise(true);
    header->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    header->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    QFont bold = header->font();
    bold.setBold(true);
    header->setFont(bold);
    l->addWidget(header);
    auto *body = new QWidget(frame);
    auto *bl = new QVBoxLayout(body);
    bl->setContentsMargins(6, 0, 4, 4);
    bl->addWidget(content);
    l->addWidget(body);
    m_sections->insertWidget(m_sections->count() - 1, frame);
    const Section section{frame, header, body};
    m_sectionsByName.insert(key, section);
    if (m_persistSections)
        open = QSettings().value(settingsKey(key), open).toBool();
    showSectionState(section, open);
    connect(header, &QToolButton::toggled, this, [this, key](bool on) {
        showSectionState(m_sectionsByName.value(key), on);
        if (m_persistSections)
            QSettings().setValue(settingsKey(key), on);
    });
    return frame;
}

void ControlsPanel::showSectionState(const Section &section, bool open)
{
    {
        const QSignalBlocker block(section.header);
        section.header->setChecked(open);
    }
    section.header->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    section.content->setVisible(open);
}

QString ControlsPanel::settingsKey(const QString &name)
{
    return QStringLiteral("window/sections/") + name;
}

void ControlsPanel::setSectionOpen(const QString &name, bool open)
{
    if (const auto it = m_sectionsByName.constFind(name); it != m_sectionsByName.cend())
        it->header->setChecked(open); // toggled(): shown and remembered
}

bool ControlsPanel::isSectionOpen(const QString &name) const
{
    const auto it = m_sectionsByName.constFind(name);
    return it != m_sectionsByName.cend() && it->header->isChecked();
}

void ControlsPanel::setPersistSections(bool persist)
{
    m_persistSections = persist;
    if (!persist)
        return;
    const QSettings settings;
    for (auto it = m_sectionsByName.cbegin(); it != m_sectionsByName.cend(); ++it)
        showSectionState(it.value(),
                         settings.value(settingsKey(it.key()), it->header->isChecked()).toBool());
}

void ControlsPanel::showSection(const QString &name)
{
    const auto it = m_sectionsByName.constFind(name);
    if (it == m_sectionsByName.cend())
        return;
    setSectionOpen(name, true);
    QScrollArea *scroll = nullptr; // the dock's, which the panel sits in
    for (QWidget *p = parentWidget(); p && !scroll; p = p->parentWidget())
        scroll = qobject_cast<QScrollArea *>(p);
    if (!scroll)
        return;
    // Now, and again once the scroll area has resized the panel to the
    // opened section's height (on its next layout pass).
    QPointer<QWidget> box = it->frame;
    QPointer<QScrollArea> area = scroll;
    auto reveal = [box, area] {
        if (box && area)
            area->ensureWidgetVisible(box, 0, 0);
    };
    reveal();
    QTimer::singleShot(0, this, reveal);
}

void ControlsPanel::watch(QWidget *w)
{
    w->installEventFilter(this);
    takeFocusByClick(w);
    for (QWidget *child : w->findChildren<QWidget *>()) {
        child->installEventFilter(this);
        takeFocusByClick(child);
    }
}

bool ControlsPanel::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::ChildAdded: {
        // A widget being made is not yet of its own class: its type is
        // looked at again when it is polished (below).
        QObject *child = static_cast<QChildEvent *>(event)->child();
        if (child->isWidgetType())
            watch(static_cast<QWidget *>(child));
        break;
    }
    case QEvent::Polish:
        takeFocusByClick(watched);
        break;
    case QEvent::Wheel:
        // Ignored here, the wheel goes on to the parents: the scroll area.
        if (takesWheel(watched) && !static_cast<QWidget *>(watched)->hasFocus()) {
            event->ignore();
            return true;
        }
        break;
    case QEvent::ToolTip: {
        auto *w = static_cast<QWidget *>(watched);
        const QString tip = w->toolTip();
        if (tip.isEmpty() || Qt::mightBeRichText(tip))
            break; // a parent's, or rich text that Qt wraps
        const auto *help = static_cast<QHelpEvent *>(event);
        QToolTip::showText(help->globalPos(), wrapToolTip(tip), w, QRect(), w->toolTipDuration());
        return true;
    }
    default:
        break;
    }
    return QWidget::eventFilter(watched, event);
}

QString ControlsPanel::wrapToolTip(const QString &tip, int columns)
{
    if (Qt::mightBeRichText(tip))
        return tip;
    QStringList lines;
    for (const QString &paragraph : tip.split(QLatin1Char('\n'))) {
        QString line;
        for (const QString &word : paragraph.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
            if (!line.isEmpty() && line.size() + 1 + word.size() > columns) {
                lines << line;
                line.clear();
            }
            line += (line.isEmpty() ? QString() : QStringLiteral(" ")) + word;
        }
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

int ControlsPanel::sliderFromRate(double rate)
{
    return int(std::lround(std::log10(std::max(0.0, rate) + 1) / std::log10(SliderMaxRate + 1) *
                           SliderSteps));
}

double ControlsPanel::rateFromSlider(int value)
{
    const double r =
        std::pow(10.0, double(value) / SliderSteps * std::log10(SliderMaxRate + 1)) - 1;
    // Round to two significant figures so the numbers read well.
    if (r < 10)
        return std::round(r);
    const double e = std::pow(10.0, std::floor(std::log10(r)) - 1);
    return std::round(r / e) * e;
}

QWidget *ControlsPanel::buildLoad()
{
    auto *w = new QWidget(this);
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(0, 0, 0, 0);
    m_load = new QPushButton(w);
    m_load->setObjectName(QStringLiteral("load-toggle"));
    m_load->setCheckable(true);
    m_load->setToolTip(tr("Start or pause the users (Space). Paused, no new journeys start; those "
                          "under way finish. Watch the particles and the throughput chart."));
    connect(m_load, &QPushButton::clicked, this, [this](bool on) {
        if (!m_controller)
            return;
        if (on)
            m_controller->startLoad();
        else
            m_controller->pauseLoad();
        showLoadState(m_controller->loadRunning());
    });
    m_slider = new QSlider(Qt::Horizontal, w);
    m_slider->setObjectName(QStringLiteral("rate-slider"));
    m_slider->setRange(0, SliderSteps);
    m_slider->setToolTip(tr("Arrival rate, on a log scale from 0 to %1 journeys/s. Raise it until "
                            "queues grow and p99 latency climbs: that is the capacity.")
                             .arg(SliderMaxRate));
    m_rate = new QSpinBox(w);
    m_rate->setObjectName(QStringLiteral("rate-box"));
    m_rate->setRange(0, 100000);
    m_rate->setSuffix(tr(" /s"));
    m_rate->setKeyboardTracking(false);
    // The journeys the users make: the shop's, or the architecture's.
    const QStringList journeys = m_controller->session().workload().journeys();
    m_rate->setToolTip(tr("User journeys started per second (%1). A journey of several steps is "
                          "as many requests.")
                           .arg(journeys.join(QStringLiteral(", "))));
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        const double r = rateFromSlider(v);
        {
            const QSignalBlocker b(m_rate);
            m_rate->setValue(int(r));
        }
        if (m_controller)
            m_controller->setRate(r);
    });
    connect(m_rate, &QSpinBox::valueChanged, this, [this](int v) {
        if (m_controller)
            m_controller->setRate(v);
    });
    m_loadStats = new QLabel(w);
    m_loadStats->setObjectName(QStringLiteral("load-stats"));
    m_loadStats->setWordWrap(true);
    m_loadStats->setToolTip(tr("Journeys under way now, and those the generator could not send "
                               "because too many were under way (counted, never hidden)."));
    m_load->setMinimumWidth(40);
    m_rate->setMinimumWidth(40);
    grid->addWidget(m_load, 0, 0);
    grid->addWidget(m_rate, 0, 1);
    grid->addWidget(m_slider, 1, 0, 1, 2);
    m_shape = new QComboBox(w);
    m_shape->setObjectName(QStringLiteral("load-shape"));
    m_shape->addItem(tr("constant rate"), int(LoadProfile::Shape::Constant));
    m_shape->addItem(tr("ramp up to ×4 over 30 s"), int(LoadProfile::Shape::Ramp));
    m_shape->addItem(tr("spike ×4 for 15 s"), int(LoadProfile::Shape::Spike));
    m_shape->addItem(tr("wave ±50% every 60 s"), int(LoadProfile::Shape::Wave));
    m_shape->setToolTip(
        tr("How the arrival rate moves from now on, around the current rate: a ramp finds the "
           "capacity (watch p99 climb and the queues grow), a spike tests the autoscaler and "
           "the rate limit, a wave shows scaling up and down. Moving the rate by hand goes "
           "back to a constant rate."));
    connect(m_shape, &QComboBox::activated, this, [this](int index) {
        if (!m_controller)
            return;
        const auto shape = LoadProfile::Shape(m_shape->itemData(index).toInt());
        LoadProfile p;
        p.shape = shape;
        // Around the base rate: the shape's own while one plays, else the current rate.
        p.rate = std::max(1.0, m_controller->loadShape().rate);
        switch (shape) {
        case LoadProfile::Shape::Ramp:
            p.to = 4 * p.rate;
            p.duration = 30;
            break;
        case LoadProfile::Shape::Spike:
            p.to = 4 * p.rate;
            p.at = 2;
            p.duration = 15;
            break;
        case LoadProfile::Shape::Wave:
            p.amplitude = p.rate / 2;
            p.period = 60;
            break;
        default:
            break;
        }
        m_controller->setLoadShape(p);
    });
    connect(m_controller, &ShopController::loadShapeChanged, this, [this] {
        const int i = m_shape->findData(int(m_controller->loadShape().shape));
        const QSignalBlocker block(m_shape);
        m_shape->setCurrentIndex(std::max(0, i));
    });
    auto *shapeLabel = new QLabel(tr("Shape:"), w);
    shapeLabel->setBuddy(m_shape);
    auto *shapeRow = new QHBoxLayout;
    shapeRow->addWidget(shapeLabel);
    shapeRow->addWidget(m_shape, 1);
    grid->addLayout(shapeRow, 2, 0, 1, 2);
    grid->addWidget(m_loadStats, 3, 0, 1, 2);
    return w;
}

QWidget *ControlsPanel::buildServices()
{
    auto *w = new QWidget(this);
    auto *grid = new QGridLayout(w);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);
    auto *h1 = new QLabel(tr("service"), w);
    auto *h2 = new QLabel(tr("replicas"), w);
    h1->setForegroundRole(QPalette::PlaceholderText);
    h2->setForegroundRole(QPalette::PlaceholderText);
    grid->addWidget(h1, 0, 0);
    grid->addWidget(h2, 0, 1);
    int row = 1;
    for (const QString &s : m_controller->platform().serviceNames()) {
        Row r;
        // A monolith names its modules under its own name.
        const QStringList modules = m_controller->architecture().modulesOf(s);
        const bool monolith = modules.size() > 1;
        auto *name = new QLabel(monolith ? QStringLiteral("<b>%1</b> <small>(%2)</small>")
                                               .arg(s, modules.join(QStringLiteral(", ")))
                                         : QStringLiteral("<b>%1</b>").arg(s),
                                w);
        name->setObjectName(QStringLiteral("service-name-") + s);
        name->setWordWrap(monolith); // its modules must not set the panel's minimum width
        r.health = new QLabel(w);
        r.health->setObjectName(QStringLiteral("health-") + s);
        auto *nameBox = new QVBoxLayout;
        nameBox->setSpacing(0);
        nameBox->addWidget(name);
        nameBox->addWidget(r.health);
        r.replicas = new QSpinBox(w);
        r.replicas->setObjectName(QStringLiteral("replicas-") + s);
        r.replicas->setRange(1, MaxReplicas);
        r.replicas->setKeyboardTracking(false);
        r.replicas->setValue(m_controller->configuredReplicas(s));
        r.replicas->setToolTip(tr("Replicas of %1. More replicas add capacity to %1 alone: watch "
                                  "its queue and utilization fall while the other services do "
                                  "not change. New replicas cold-start before taking traffic.")
                                   .arg(s));
        connect(r.replicas, &QSpinBox::valueChanged, this, [this, s](int n) {
            if (m_controller)
                m_controller->scaleService(s, n);
        });
        // The node's context menu and the Service menu offer the same
        // actions (ui/serviceactions.h).
        auto button = [&](ServiceAction what, const QString &name) {
            auto *b = new QPushButton(serviceactions::buttonText(what), w);
            b->setObjectName(name + s);
            b->setToolTip(serviceactions::toolTip(what, *m_controller, s));
            connect(b, &QPushButton::clicked, this, [this, what, s] {
                if (m_controller)
                    serviceactions::trigger(what, *m_controller, s);
            });
            return b;
        };
        r.kill = button(ServiceAction::Kill, QStringLiteral("kill-"));
        r.restart = button(ServiceAction::Restart, QStringLiteral("restart-"));
        r.name = nameBox;
        r.gridRow = row;
        // Their text must not set the panel's minimum width: a narrow
        // column gets the two-row layout instead (resizeEvent).
        for (QWidget *c : {static_cast<QWidget *>(r.replicas), static_cast<QWidget *>(r.kill),
                           static_cast<QWidget *>(r.restart)})
            c->setMinimumWidth(24);
        grid->addLayout(nameBox, row, 0);
        grid->addWidget(r.replicas, row, 1);
        grid->addWidget(r.kill, row, 2);
        grid->addWidget(r.restart, row, 3);
        m_rows.insert(s, r);
        row += 2;
    }
    grid->setColumnStretch(0, 1);
    m_servicesGrid = grid;
    return w;
}

void ControlsPanel::layoutServices(bool narrow)
{
    if (!m_servicesGrid || narrow == m_narrowServices)
        return;
    m_narrowServices = narrow;
    for (const Row &r : std::as_const(m_rows)) {
        m_servicesGrid->removeItem(r.name);
        for (QWidget *c : {static_cast<QWidget *>(r.replicas), static_cast<QWidget *>(r.kill),
                           static_cast<QWidget *>(r.restart)})
            m_servicesGrid->removeWidget(c);
        const int controls = narrow ? r.gridRow + 1 : r.gridRow;
        m_servicesGrid->addLayout(r.name, r.gridRow, 0, 1, narrow ? 4 : 1);
        m_servicesGrid->addWidget(r.replicas, controls, narrow ? 0 : 1);
        m_servicesGrid->addWidget(r.kill, controls, narrow ? 1 : 2);
        m_servicesGrid->addWidget(r.restart, controls, narrow ? 2 : 3);
    }
}

void ControlsPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    if (m_rows.isEmpty())
        return;
    const Row &r = *m_rows.cbegin();
    const int wide = r.name->sizeHint().width() + r.replicas->sizeHint().width() +
                     r.kill->sizeHint().width() + r.restart->sizeHint().width() + 3 * 6 + 32;
    layoutServices(width() < wide);
}

void ControlsPanel::showLoadState(bool running)
{
    m_load->setChecked(running);
    m_load->setText(running ? tr("Pause load") : tr("Start load"));
    m_load->setIcon(style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void ControlsPanel::showRate(double rate)
{
    const QSignalBlocker a(m_slider);
    const QSignalBlocker b(m_rate);
    m_slider->setValue(sliderFromRate(rate));
    if (!m_rate->hasFocus())
        m_rate->setValue(int(std::lround(rate)));
}

void ControlsPanel::setSnapshot(const SystemSnapshot &snap)
{
    if (!m_controller)
        return;
    m_policies->setSnapshot(snap);
    if (m_load->isChecked() != m_controller->loadRunning())
        showLoadState(m_controller->loadRunning());
    if (!m_rate->hasFocus() && !m_slider->isSliderDown() &&
        m_rate->value() != int(std::lround(m_controller->rate())))
        showRate(m_controller->rate());
    const auto stats = m_controller->load().stats();
    m_loadStats->setText(
        tr("%1 journeys under way · %2 dropped").arg(stats.inFlight).arg(stats.dropped));
    for (const ServiceSnapshot &s : snap.services) {
        auto it = m_rows.find(s.name);
        if (it == m_rows.end())
            continue;
        Row &r = it.value();
        const QString label =
            QStringLiteral("<span style='color:%1'>● %2</span> %3/%4")
                .arg(theme::healthColor(s.health).name(), theme::healthLabel(s.health))
                .arg(s.ready())
                .arg(s.replicas.size());
        if (r.health->text() != label) {
            r.health->setText(label);
            r.health->setToolTip(theme::healthRule(s.health));
        }
        r.restart->setEnabled(
            serviceactions::applies(ServiceAction::Restart, *m_controller, s.name));
        r.kill->setEnabled(serviceactions::applies(ServiceAction::Kill, *m_controller, s.name));
        const int configured = m_controller->configuredReplicas(s.name);
        if (!r.replicas->hasFocus() && r.replicas->value() != configured) {
            const QSignalBlocker block(r.replicas);
            r.replicas->setValue(configured);
        }
    }
}

} // namespace microcosm
