#include "chaoscontrols.h"

#include "shopcontroller.h"
#include "theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>

namespace microcosm {

ChaosControls::ChaosControls(ShopController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_service(new QComboBox(this)),
      m_latency(new QSpinBox(this)), m_latencyPercent(new QSpinBox(this)),
      m_errorPercent(new QSpinBox(this)), m_errorStatus(new QComboBox(this)),
      m_slowDb(new QSpinBox(this)), m_inject(new QPushButton(tr("Inject"), this)),
      m_clear(new QPushButton(tr("Clear"), this)), m_now(new QLabel(this)),
      m_lock(new QPushButton(this)), m_lockFile(new QPushButton(this)),
      m_monkey(new QCheckBox(tr("on, a kill every"), this)), m_monkeyMean(new QSpinBox(this)),
      m_clearAll(new QPushButton(tr("Clear every fault"), this))
{
    setObjectName(QStringLiteral("chaos-controls"));
    m_service->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_service->setMinimumContentsLength(10);
    m_service->setObjectName(QStringLiteral("chaos-service"));
    for (const QString &s : controller->platform().serviceNames())
        m_service->addItem(controller->displayName(s), s);
    m_service->setToolTip(tr("Which service to break. Link faults (one caller's calls only) are "
                             "on the right-click menu of an edge in the topology."));

    m_latency->setObjectName(QStringLiteral("chaos-latency"));
    m_latency->setRange(0, 30000);
    m_latency->setSingleStep(100);
    m_latency->setSuffix(tr(" ms"));
    m_latency->setSpecialValueText(tr("none"));
    m_latency->setToolTip(tr("Extra delay on the service's calls, as if its network or a "
                             "dependency were slow. Beyond the callers' timeouts it turns into "
                             "504s; without timeouts, watch the callers' workers fill up."));
    m_latencyPercent->setObjectName(QStringLiteral("chaos-latency-percent"));
    m_latencyPercent->setRange(1, 100);
    m_latencyPercent->setValue(100);
    m_latencyPercent->setPrefix(tr("on "));
    m_latencyPercent->setSuffix(tr(" % of calls"));
    m_latencyPercent->setToolTip(tr("The share of calls that get the delay (the rest are spared): "
                                    "a few slow calls show up in p99 long before p50."));
    m_errorPercent->setObjectName(QStringLiteral("chaos-error-percent"));
    m_errorPercent->setRange(0, 100);
    m_errorPercent->setSuffix(tr(" % of calls"));
    m_errorPercent->setSpecialValueText(tr("none"));
    m_errorPercent->setToolTip(tr("The share of the service's calls answered with an error at "
                                  "once. Watch the breaker trip above its threshold (50% with "
                                  "the demo preset) and retries hide a small share."));
    m_errorStatus->setObjectName(QStringLiteral("chaos-error-status"));
    for (int status : {500, 503, 502, 504, 429})
        m_errorStatus->addItem(QString::number(status), status);
    m_errorStatus->setToolTip(tr("The status the injected errors carry."));
    m_slowDb->setObjectName(QStringLiteral("chaos-slow-db"));
    m_slowDb->setRange(0, 10000);
    m_slowDb->setSingleStep(50);
    m_slowDb->setSuffix(tr(" ms"));
    m_slowDb->setSpecialValueText(tr("none"));
    m_slowDb->setToolTip(tr("Extra time in every database call of the service: its workers stay "
                            "busy longer, so its queue and utilization climb while the other "
                            "services' databases are untouched."));

    m_inject->setObjectName(QStringLiteral("chaos-inject"));
    m_inject->setToolTip(tr("Apply the fault above to the service (replacing its previous "
                            "fault). It shows as a purple badge on the node and an event."));
    m_clear->setObjectName(QStringLiteral("chaos-clear"));
    m_clear->setToolTip(tr("Remove this service's fault: watch it recover."));
    m_now->setObjectName(QStringLiteral("chaos-now"));
    m_now->setWordWrap(true);
    m_lock->setObjectName(QStringLiteral("chaos-lock-db"));
    m_lock->setCheckable(true);
    m_lock->setToolTip(tr("Block the writes to the service's database file (a connection holds "
                          "its write lock): writes wait for SQLite's busy timeout and then "
                          "fail; reads go on, as WAL lets them. The other services' files are "
                          "not affected: database per service."));
    m_lockFile->setObjectName(QStringLiteral("chaos-lock-file"));
    m_lockFile->setCheckable(true);
    m_lockFile->setToolTip(tr("Lock the whole database file, as a connection in exclusive locking "
                              "mode would: reads and writes wait for the busy timeout and then "
                              "fail. Browsing that service fails too."));

    m_monkey->setObjectName(QStringLiteral("chaos-monkey"));
    m_monkey->setToolTip(tr("Netflix's Chaos Monkey: kills a replica (sometimes a whole service) "
                            "at random, exponentially spaced around the mean, and restarts it "
                            "two seconds later. Watch the system heal itself."));
    m_monkeyMean->setObjectName(QStringLiteral("chaos-monkey-mean"));
    m_monkeyMean->setRange(1, 600);
    m_monkeyMean->setValue(int(controller->monkeyMeanSeconds()));
    m_monkeyMean->setSuffix(tr(" s"));
    m_monkeyMean->setKeyboardTracking(false);
    m_monkeyMean->setToolTip(tr("Mean time between the monkey's kills."));
    m_clearAll->setObjectName(QStringLiteral("chaos-clear-all"));
    m_clearAll->setToolTip(tr("Remove every fault on every service and link, unlock every "
                              "database and stop the monkey. Killed services stay down: restart "
                              "them under Services."));

    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Service:"), m_service);
    auto *latency = new QHBoxLayout;
    latency->addWidget(m_latency, 1);
    latency->addWidget(m_latencyPercent, 1);
    form->addRow(tr("Latency:"), latency);
    auto *errors = new QHBoxLayout;
    errors->addWidget(m_errorPercent, 1);
    errors->addWidget(new QLabel(tr("status"), this));
    errors->addWidget(m_errorStatus);
    form->addRow(tr("Errors:"), errors);
    form->addRow(tr("Slow database:"), m_slowDb);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_inject);
    buttons->addWidget(m_clear);
    buttons->addStretch(1);
    form->addRow(buttons);
    auto *database = new QHBoxLayout;
    database->addWidget(m_lock, 1);
    database->addWidget(m_lockFile, 1);
    form->addRow(tr("Database:"), database);
    form->addRow(tr("Now:"), m_now);
    auto *line = new QFrame(this);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);
    form->addRow(line);
    auto *monkey = new QHBoxLayout;
    monkey->addWidget(m_monkey);
    monkey->addWidget(m_monkeyMean, 1);
    form->addRow(tr("Chaos monkey:"), monkey);
    form->addRow(m_clearAll);

    connect(m_service, &QComboBox::currentIndexChanged, this, [this] {
        loadForm();
        showState();
    });
    for (QSpinBox *box : {m_latency, m_latencyPercent, m_errorPercent, m_slowDb})
        connect(box, &QSpinBox::valueChanged, this, &ChaosControls::updateInject);
    connect(m_inject, &QPushButton::clicked, this, [this] {
        if (m_controller)
            m_controller->setServiceFault(currentService(), formFault());
    });
    connect(m_clear, &QPushButton::clicked, this, [this] {
        if (m_controller)
            m_controller->setServiceFault(currentService(), Fault{});
    });
    connect(m_lock, &QPushButton::clicked, this, [this](bool on) {
        if (m_controller)
            m_controller->setDatabaseFault(currentService(),
                                           on ? DatabaseFault::WritesBlocked : DatabaseFault::None);
    });
    connect(m_lockFile, &QPushButton::clicked, this, [this](bool on) {
        if (m_controller)
            m_controller->setDatabaseFault(currentService(),
                                           on ? DatabaseFault::FileLocked : DatabaseFault::None);
    });
    connect(m_monkey, &QCheckBox::clicked, this, [this](bool on) {
        if (!m_controller)
            return;
        if (on)
            m_controller->startMonkey(m_monkeyMean->value());
        else
            m_controller->stopMonkey();
    });
    m_monkeyDebounce.setSingleShot(true);
    m_monkeyDebounce.setInterval(400);
    connect(&m_monkeyDebounce, &QTimer::timeout, this, [this] {
        if (m_controller && m_controller->monkeyRunning())
            m_controller->startMonkey(m_monkeyMean->value());
    });
    connect(m_monkeyMean, &QSpinBox::valueChanged, this, [this] {
        if (m_monkey->isChecked())
            m_monkeyDebounce.start();
    });
    connect(m_clearAll, &QPushButton::clicked, this, [this] {
        if (m_controller)
            m_controller->clearFaults();
        loadForm();
    });
    connect(controller, &ShopController::chaosChanged, this, &ChaosControls::showState);
    // The monkey, a scenario or settling also change chaos: follow the snapshots too.
    connect(controller, &ShopController::snapshotUpdated, this, &ChaosControls::showState);
    loadForm();
    showState();
}

bool ChaosControls::selectService(const QString &service)
{
    const int i = m_service->findData(service);
    if (i < 0)
        return false;
    m_service->setCurrentIndex(i);
    return true;
}

QString ChaosControls::currentService() const
{
    return m_service->currentData().toString();
}

Fault ChaosControls::formFault() const
{
    Fault f;
    f.latencyMs = m_latency->value();
    f.latencyPercent = m_latencyPercent->value();
    f.errorPercent = m_errorPercent->value();
    f.errorStatus = m_errorStatus->currentData().toInt();
    f.dbDelayMs = m_slowDb->value();
    return f;
}

void ChaosControls::loadForm()
{
    if (!m_controller)
        return;
    const Fault f = m_controller->serviceFault(currentService());
    const QSignalBlocker a(m_latency), b(m_latencyPercent), c(m_errorPercent), d(m_slowDb);
    m_latency->setValue(int(f.latencyMs));
    m_latencyPercent->setValue(int(std::max(1.0, f.latencyMs > 0 ? f.latencyPercent : 100.0)));
    m_errorPercent->setValue(int(f.errorPercent));
    const int status = m_errorStatus->findData(f.errorStatus);
    m_errorStatus->setCurrentIndex(status >= 0 ? status : 0);
    m_slowDb->setValue(int(f.dbDelayMs));
    updateInject();
}

void ChaosControls::updateInject()
{
    m_inject->setEnabled(formFault().active());
}

void ChaosControls::showState()
{
    if (!m_controller)
        return;
    const QString s = currentService();
    const Fault f = m_controller->serviceFault(s);
    const DatabaseFault db = m_controller->databaseFault(s);
    QStringList parts;
    if (f.active())
        parts << f.describe();
    const QString file = m_controller->databaseFile(s);
    if (db == DatabaseFault::WritesBlocked)
        parts << tr("%1: writes blocked, reads go on").arg(file);
    else if (db == DatabaseFault::FileLocked)
        parts << tr("%1: whole file locked").arg(file);
    const QString text = parts.isEmpty()
                             ? tr("no fault on %1").arg(s)
                             : QStringLiteral("<span style='color:%1'>%2</span>")
                                   .arg(theme::faultColor().name(),
                                        parts.join(QStringLiteral("; ")).toHtmlEscaped());
    if (m_now->text() != text)
        m_now->setText(text);
    m_clear->setEnabled(f.active());
    // The lock buttons act on the file, which other deployables may share.
    const QStringList users = m_controller->databaseUsers(s);
    const QString fileTip =
        users.size() > 1
            ? tr("%1 is shared by %2: locking or slowing it hits every one of them.")
                  .arg(file, users.join(QStringLiteral(", ")))
            : tr("%1 is %2's alone: the other services' files are not affected.").arg(file, s);
    if (m_lock->statusTip() != fileTip) {
        m_lock->setStatusTip(fileTip);
        m_lockFile->setStatusTip(fileTip);
        m_lock->setToolTip(tr("Block the writes to %1 (a connection holds its write lock): "
                              "writes wait for SQLite's busy timeout and then fail; reads go "
                              "on, as WAL lets them. %2")
                               .arg(file, fileTip));
        m_lockFile->setToolTip(tr("Lock the whole of %1, as a connection in exclusive locking "
                                  "mode would: reads and writes wait for the busy timeout and "
                                  "then fail. %2")
                                   .arg(file, fileTip));
    }
    m_lock->setChecked(db == DatabaseFault::WritesBlocked);
    m_lock->setText(db == DatabaseFault::WritesBlocked ? tr("Unblock writes") : tr("Block writes"));
    m_lockFile->setChecked(db == DatabaseFault::FileLocked);
    m_lockFile->setText(db == DatabaseFault::FileLocked ? tr("Unlock the file")
                                                        : tr("Lock the whole file"));
    const bool monkey = m_controller->monkeyRunning();
    if (m_monkey->isChecked() != monkey) {
        const QSignalBlocker block(m_monkey);
        m_monkey->setChecked(monkey);
    }
}

} // namespace microcosm
