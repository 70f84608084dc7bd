#include "policycontrols.h"

#include "shopcontroller.h"
#include "theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

namespace microcosm {

namespace {

QString callerOf(const QString &key)
{
    return key.section(QLatin1Char('>'), 0, 0);
}

// The gateway's name for the callee: empty for the caller's default ("*").
QString serviceOf(const QString &key)
{
    const QString s = key.section(QLatin1Char('>'), 1);
    return s == QLatin1String("*") ? QString() : s;
}

} // namespace

PolicyControls::PolicyControls(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_edge(new QComboBox(this)),
      m_timeout(new QSpinBox(this)), m_retry(new QCheckBox(tr("on"), this)),
      m_attempts(new QSpinBox(this)), m_breaker(new QCheckBox(tr("on (demo preset)"), this)),
      m_breakerState(new QLabel(this)), m_fallback(new QCheckBox(tr("on"), this)),
      m_bulkhead(new QSpinBox(this)), m_rateLimit(new QCheckBox(tr("on"), this)),
      m_rateLimitRate(new QSpinBox(this))
{
    setObjectName(QStringLiteral("policy-controls"));
    m_edge->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_edge->setMinimumContentsLength(10);
    m_edge->setObjectName(QStringLiteral("policy-edge"));
    // The users' edge to each deployable, then each call one deployable's
    // routes make to another (as the architecture declares them).
    m_edge->addItem(tr("users → every service (gateway default)"), QStringLiteral("users>*"));
    for (const QString &s : controller->platform().serviceNames())
        m_edge->addItem(tr("users → %1").arg(s), QStringLiteral("users>") + s);
    const bool shop = controller->hasShop();
    for (const auto &[from, to] : controller->platform().declaredCalls()) {
        // The shop's order service calls product and cart while checking out.
        const ServiceSpec *caller = controller->architecture().service(from);
        const bool saga = shop && caller && caller->kind == ServiceSpec::Kind::Order;
        m_edge->addItem(saga ? tr("%1 → %2 (checkout saga)").arg(from, to)
                             : tr("%1 → %2").arg(from, to),
                        from + QLatin1Char('>') + to);
    }
    m_edge->setToolTip(
        tr("Which calls the policy below is for. users → … is the gateway's call to a service; "
           "a → b are service a's own calls to b while it serves a request (a monolith's calls "
           "between its modules are function calls, with no policy). \"every service\" is "
           "the default for the users edges that have no policy of their own."));

    m_timeout->setObjectName(QStringLiteral("policy-timeout"));
    m_timeout->setRange(0, 60000);
    m_timeout->setSingleStep(100);
    m_timeout->setSuffix(tr(" ms"));
    m_timeout->setSpecialValueText(tr("none"));
    m_timeout->setKeyboardTracking(false);
    m_timeout->setToolTip(tr("How long the caller waits for an answer (retries included) before "
                             "giving up with 504. With none, a slow service holds its callers' "
                             "workers: watch a cascading failure. With a short one, failures are "
                             "fast and the caller stays healthy."));

    m_retry->setObjectName(QStringLiteral("policy-retry"));
    m_retry->setToolTip(tr("Retry failed calls (idempotent routes and keyed checkouts only), with "
                           "exponential back-off and jitter. Helps with a flaky replica; against "
                           "an overloaded service it multiplies the load: watch a retry storm."));
    m_attempts->setObjectName(QStringLiteral("policy-attempts"));
    m_attempts->setRange(2, 10);
    m_attempts->setPrefix(tr("max "));
    m_attempts->setSuffix(tr(" attempts"));
    m_attempts->setKeyboardTracking(false);
    m_attempts->setToolTip(tr("Tries per call, the first one included."));

    m_breaker->setObjectName(QStringLiteral("policy-breaker"));
    // The preset in Resilience4j's own names, as a scenario file spells them.
    const CircuitBreakerConfig demo = CircuitBreakerConfig::demo();
    m_breaker->setToolTip(
        tr("A circuit breaker on this edge with the demo preset: it opens within about a "
           "second when half of the calls fail, short-circuits calls while open (fast 503, no "
           "load on the sick service) and probes again a few seconds later. Watch the badge on "
           "the edge. Resilience4j: slidingWindowSize %1, minimumNumberOfCalls %2, "
           "failureRateThreshold %3 %, slowCallRateThreshold %4 % "
           "(slowCallDurationThreshold %5 ms), waitDurationInOpenState %6 ms, "
           "permittedNumberOfCallsInHalfOpenState %7.")
            .arg(demo.slidingWindowSize)
            .arg(demo.minimumNumberOfCalls)
            .arg(demo.failureRateThreshold)
            .arg(demo.slowCallRateThreshold)
            .arg(toMs(demo.slowCallDurationThreshold))
            .arg(toMs(demo.waitDurationInOpenState))
            .arg(demo.permittedNumberOfCallsInHalfOpenState));
    m_breakerState->setObjectName(QStringLiteral("policy-breaker-state"));
    m_breakerState->setToolTip(tr("The breaker's state now (as the badge on the edge shows)."));

    m_fallback->setObjectName(QStringLiteral("policy-fallback"));
    m_fallback->setToolTip(
        tr("When a GET call fails, answer with the last good response, marked as a fallback "
           "(e.g. a cached list while its service is down). Users see a slightly stale page "
           "instead of an error; the edge label shows the fallback share."));

    m_bulkhead->setObjectName(QStringLiteral("policy-bulkhead"));
    m_bulkhead->setRange(0, 1000);
    m_bulkhead->setSuffix(tr(" calls"));
    m_bulkhead->setSpecialValueText(tr("off"));
    m_bulkhead->setKeyboardTracking(false);
    m_bulkhead->setToolTip(tr("At most this many calls in flight on this edge; the rest are "
                              "rejected at once. Keeps one slow dependency from taking every "
                              "worker of the caller."));

    m_rateLimit->setObjectName(QStringLiteral("policy-rate-limit"));
    m_rateLimit->setToolTip(tr("A token bucket at the gateway's entry: requests beyond the rate "
                               "are answered 429 at once and never reach a service. Watch the "
                               "\"rejected\" errors rise while the services stay calm."));
    m_rateLimitRate->setObjectName(QStringLiteral("policy-rate-limit-rate"));
    m_rateLimitRate->setRange(1, 100000);
    m_rateLimitRate->setValue(200);
    m_rateLimitRate->setSuffix(tr(" req/s"));
    m_rateLimitRate->setKeyboardTracking(false);
    m_rateLimitRate->setToolTip(tr("Requests per second let through (burst: one second's worth)."));

    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Edge:"), m_edge);
    form->addRow(tr("Timeout:"), m_timeout);
    auto *retryRow = new QHBoxLayout;
    retryRow->addWidget(m_retry);
    retryRow->addWidget(m_attempts, 1);
    form->addRow(tr("Retries:"), retryRow);
    auto *breakerRow = new QHBoxLayout;
    breakerRow->addWidget(m_breaker);
    breakerRow->addWidget(m_breakerState, 1);
    form->addRow(tr("Circuit breaker:"), breakerRow);
    // Only the box and its text take clicks, not the row's empty width.
    m_fallback->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    form->addRow(tr("Fallback:"), m_fallback);
    form->addRow(tr("Bulkhead:"), m_bulkhead);
    auto *limitRow = new QHBoxLayout;
    limitRow->addWidget(m_rateLimit);
    limitRow->addWidget(m_rateLimitRate, 1);
    form->addRow(tr("Gateway rate limit:"), limitRow);

    // Boxes apply at once; number fields after a short pause, so that
    // stepping through values does not log a policy change per step.
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(350);
    connect(&m_debounce, &QTimer::timeout, this, &PolicyControls::apply);
    auto later = [this] {
        if (!m_loading)
            m_debounce.start();
    };
    auto now = [this] {
        if (!m_loading) {
            m_debounce.stop();
            apply();
        }
    };
    connect(m_edge, &QComboBox::currentIndexChanged, this, [this] {
        m_debounce.stop();
        load();
    });
    connect(m_timeout, &QSpinBox::valueChanged, this, later);
    connect(m_attempts, &QSpinBox::valueChanged, this, later);
    connect(m_bulkhead, &QSpinBox::valueChanged, this, later);
    connect(m_retry, &QCheckBox::toggled, this, now);
    connect(m_breaker, &QCheckBox::toggled, this, now);
    connect(m_fallback, &QCheckBox::toggled, this, now);
    connect(m_rateLimit, &QCheckBox::toggled, this, [this] {
        if (!m_loading)
            applyRateLimit();
    });
    connect(m_rateLimitRate, &QSpinBox::valueChanged, this, [this] {
        if (!m_loading && m_rateLimit->isChecked())
            applyRateLimit();
    });
    connect(controller, &ShopController::policiesChanged, this, [this] {
        if (!m_debounce.isActive())
            load();
    });
    load();
}

QString PolicyControls::currentEdge() const
{
    return m_edge->currentData().toString();
}

bool PolicyControls::selectEdge(const QString &key)
{
    const int i = m_edge->findData(key);
    if (i < 0)
        return false;
    m_edge->setCurrentIndex(i);
    return true;
}

void PolicyControls::load()
{
    if (!m_controller)
        return;
    m_loading = true;
    const QString key = currentEdge();
    const EdgePolicy p = m_controller->policy(callerOf(key), serviceOf(key));
    if (!m_timeout->hasFocus())
        m_timeout->setValue(int(toMs(p.timeout)));
    m_retry->setChecked(p.retryEnabled);
    if (!m_attempts->hasFocus())
        m_attempts->setValue(std::max(2, p.retry.maxAttempts));
    m_attempts->setEnabled(p.retryEnabled);
    m_breaker->setChecked(p.breakerEnabled);
    m_fallback->setChecked(p.fallbackEnabled);
    if (!m_bulkhead->hasFocus())
        m_bulkhead->setValue(p.bulkheadMaxConcurrentCalls);
    const double limit = m_controller->rateLimit();
    m_rateLimit->setChecked(limit > 0);
    if (limit > 0 && !m_rateLimitRate->hasFocus())
        m_rateLimitRate->setValue(int(std::lround(limit)));
    if (!p.breakerEnabled)
        m_breakerState->clear();
    m_loading = false;
}

void PolicyControls::apply()
{
    if (!m_controller)
        return;
    const QString key = currentEdge();
    const QString caller = callerOf(key);
    const QString service = serviceOf(key);
    EdgePolicy p = m_controller->policy(caller, service);
    p.timeout = fromMs(m_timeout->value());
    p.retryEnabled = m_retry->isChecked();
    p.retry.maxAttempts = m_attempts->value();
    if (m_breaker->isChecked() && !p.breakerEnabled)
        p.breaker = CircuitBreakerConfig::demo();
    p.breakerEnabled = m_breaker->isChecked();
    p.fallbackEnabled = m_fallback->isChecked();
    p.bulkheadMaxConcurrentCalls = m_bulkhead->value();
    m_attempts->setEnabled(p.retryEnabled);
    m_controller->setPolicy(caller, service, p);
}

void PolicyControls::applyRateLimit()
{
    if (!m_controller)
        return;
    const double rate = m_rateLimit->isChecked() ? m_rateLimitRate->value() : 0.0;
    m_controller->setRateLimit(rate, rate);
}

void PolicyControls::setSnapshot(const SystemSnapshot &snap)
{
    const QString key = currentEdge();
    const QString caller = callerOf(key);
    const QString service = serviceOf(key);
    QString text;
    if (!service.isEmpty() && m_breaker->isChecked()) {
        text = tr("not called yet");
        for (const EdgeSnapshot &e : snap.edges)
            if (e.from == caller && e.to == service && e.breaker != BreakerState::None)
                text = breakerRefuses(e.breaker) ? QStringLiteral("<b style='color:%1'>%2</b>")
                                                       .arg(theme::errorColor().name(),
                                                            breakerStateName(e.breaker).toUpper())
                                                 : breakerStateName(e.breaker);
    }
    if (m_breakerState->text() != text)
        m_breakerState->setText(text);
}

} // namespace microcosm
