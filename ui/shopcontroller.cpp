#include "shopcontroller.h"

#include "edgekey.h"

#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>
#include <utility>

namespace microcosm {

QString handSetRateMessage(double from, double to)
{
    return QStringLiteral("load %1 → %2 journeys/s (set in the controls)")
        .arg(QString::number(from), QString::number(to));
}

std::optional<HandSetRate> handSetRate(const Event &event)
{
    // handSetRateMessage's words, logged once the rate control rests.
    static const QRegularExpression words(
        QStringLiteral("^load ([0-9.]+) → ([0-9.]+) journeys/s \\(set in the controls\\)$"));
    if (event.kind != QLatin1String("load-change"))
        return std::nullopt;
    const QRegularExpressionMatch m = words.match(event.message);
    if (!m.hasMatch())
        return std::nullopt;
    return HandSetRate{m.captured(1).toDouble(), m.captured(2).toDouble()};
}

namespace {

QString edgeName(const QString &caller, const QString &service)
{
    return edgeLabel(caller, service);
}

QString describePolicy(const EdgePolicy &p)
{
    QStringList parts;
    const qint64 timeout = qint64(toMs(p.timeout));
    parts << (timeout > 0 ? QStringLiteral("timeout %1 ms").arg(timeout)
                          : QStringLiteral("no timeout"));
    parts << (p.retryEnabled ? QStringLiteral("retries up to %1 attempts").arg(p.retry.maxAttempts)
                             : QStringLiteral("no retries"));
    parts << (p.breakerEnabled ? QStringLiteral("circuit breaker on")
                               : QStringLiteral("no circuit breaker"));
    if (p.fallbackEnabled)
        parts << QStringLiteral("fallback on");
    if (p.bulkheadMaxConcurrentCalls > 0)
        parts << QStringLiteral("bulkhead %1 calls").arg(p.bulkheadMaxConcurrentCalls);
    return parts.join(QStringLiteral(", "));
}

// "v1" → "v2", "v2.1" → "v3"; anything else gets "-next".
QString nextVersion(const QString &version)
{
    bool ok = false;
    const int n = version.mid(1).section(QLatin1Char('.'), 0, 0).toInt(&ok);
    if (version.startsWith(QLatin1Char('v')) && ok)
        return QStringLiteral("v%1").arg(n + 1);
    return version + QStringLiteral("-next");
}

} // namespace

ShopController::ShopController(std::unique_ptr<ShopSession> session, QObject *parent)
    : QObject(parent), m_session(std::move(session))
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(66);
    connect(&m_timer, &QTimer::timeout, this, &ShopController::poll);
    m_timer.start();
    m_shapeTimer.setInterval(250);
    connect(&m_shapeTimer, &QTimer::timeout, this, [this] {
        if (m_shutdown)
            return;
        const double t = double(m_shapeClock.elapsed()) / 1000.0;
        load().setRate(m_shape.rateAt(t));
        while (!m_shapeChanges.isEmpty() && m_shapeChanges.front().at <= t)
            platform().events().add(QStringLiteral("load"), QStringLiteral("load-change"),
                                    m_shapeChanges.takeFirst().text);
        emit rateChanged(rate());
    });
    m_rateEventTimer.setSingleShot(true);
    m_rateEventTimer.setInterval(500);
    connect(&m_rateEventTimer, &QTimer::timeout, this, [this] {
        const double from = std::exchange(m_rateBefore, -1);
        if (m_shutdown || from < 0 || qFuzzyCompare(from + 1, rate() + 1))
            return;
        platform().events().add(QStringLiteral("load"), QStringLiteral("load-change"),
                                handSetRateMessage(from, rate()));
    });
}

ShopController::~ShopController()
{
    shutdown();
}

void ShopController::shutdown()
{
    if (m_shutdown)
        return;
    m_shutdown = true;
    m_timer.stop();
    m_session->shutdown();
}

std::unique_ptr<ShopSession> ShopController::takeSession()
{
    m_shutdown = true;
    m_timer.stop();
    return std::move(m_session);
}

void ShopController::setPollInterval(int ms)
{
    m_timer.setInterval(std::clamp(ms, 10, 1000));
}

void ShopController::poll()
{
    if (m_shutdown)
        return;
    m_snapshot = platform().snapshot();
    // The load can stop without a command from here (a scenario settling).
    const bool running = loadRunning();
    if (running != m_loadWasRunning) {
        m_loadWasRunning = running;
        emit loadStateChanged(running);
    }
    emit snapshotUpdated(m_snapshot);
    if (m_snapshot.lastEventSeq > m_lastSeq) {
        std::vector<Event> fresh = platform().events().since(m_lastSeq);
        if (!fresh.empty()) {
            m_lastSeq = fresh.back().seq;
            emit eventsAdded(fresh);
        }
    }
    const double t = m_snapshot.gateway.last.t;
    if (t > m_lastWindow) {
        m_lastWindow = t;
        emit windowClosed(t);
    }
}

bool ShopController::loadRunning() const
{
    return !m_shutdown && m_session && m_session->load().running();
}

double ShopController::rate() const
{
    return m_session->load().rate();
}

bool ShopController::hasShop() const
{
    int kinds = 0;
    for (const ServiceSpec &s : architecture().services)
        kinds += s.isShopKind();
    return kinds == 3;
}

QString ShopController::displayName(const QString &deployable) const
{
    const QStringList modules = architecture().modulesOf(deployable);
    if (modules.isEmpty() || modules == QStringList{deployable})
        return deployable;
    return QStringLiteral("%1 (%2)").arg(deployable, modules.join(QStringLiteral(", ")));
}

QString ShopController::databaseFile(const QString &deployable) const
{
    return QFileInfo(m_session->platform().databasePath(deployable)).fileName();
}

QStringList ShopController::databaseUsers(const QString &deployable) const
{
    const Platform &p = m_session->platform();
    const QString path = p.databasePath(deployable);
    QStringList out;
    for (const QString &s : p.serviceNames())
        if (p.databasePath(s) == path)
            out << s;
    return out;
}

int ShopController::configuredReplicas(const QString &service) const
{
    ServiceHost *h = m_session->platform().host(service);
    return h ? h->config().replicas : 0;
}

void ShopController::startLoad()
{
    if (m_shutdown || loadRunning())
        return;
    load().start();
    m_loadWasRunning = true;
    emit loadStateChanged(true);
    emit message(tr("Load started: %1 journeys/s").arg(rate()));
}

void ShopController::pauseLoad()
{
    if (!loadRunning())
        return;
    load().stop();
    m_loadWasRunning = false;
    emit loadStateChanged(false);
    emit message(tr("Load paused: no new journeys (those under way finish)"));
}

void ShopController::toggleLoad()
{
    if (loadRunning())
        pauseLoad();
    else
        startLoad();
}

void ShopController::setRate(double journeysPerSecond)
{
    if (m_shaping) {
        // A rate set by hand ends the shape being played.
        m_shaping = false;
        m_shapeTimer.stop();
        emit loadShapeChanged();
    }
    if (m_shutdown || qFuzzyCompare(rate() + 1, journeysPerSecond + 1))
        return;
    if (m_rateBefore < 0)
        m_rateBefore = rate();
    load().setRate(journeysPerSecond);
    m_rateEventTimer.start();
    emit rateChanged(rate());
}

bool ShopController::killService(const QString &service)
{
    const bool ok = !m_shutdown && platform().killService(service);
    emit message(ok ? tr("Killed %1: its replicas stopped; watch the other services keep serving")
                          .arg(service)
                    : tr("%1 has no live replica to kill").arg(service));
    if (ok)
        poll();
    return ok;
}

bool ShopController::killReplica(const QString &service, int index)
{
    const bool ok = !m_shutdown && platform().killReplica(service, index);
    emit message(ok ? tr("Killed %1#%2: the others take its traffic once the health probe "
                         "removes it")
                          .arg(service)
                          .arg(index + 1)
                    : tr("%1#%2 is already dead").arg(service).arg(index + 1));
    if (ok)
        poll();
    return ok;
}

bool ShopController::restartService(const QString &service)
{
    const bool ok = !m_shutdown && platform().restartService(service);
    emit message(
        ok ? tr("Restarting %1: dead replicas cold-start; the data on disk is kept").arg(service)
           : tr("%1 has no dead replica to restart").arg(service));
    if (ok)
        poll();
    return ok;
}

bool ShopController::scaleService(const QString &service, int replicas)
{
    replicas = std::clamp(replicas, 1, MaxReplicas);
    const int from = configuredReplicas(service);
    if (m_shutdown || from == replicas)
        return false;
    const bool ok = platform().scaleService(service, replicas);
    if (ok) {
        emit message(tr("Scaled %1 from %2 to %3 replicas").arg(service).arg(from).arg(replicas));
        poll();
    }
    return ok;
}

bool ShopController::scaleBy(const QString &service, int delta)
{
    return scaleService(service, configuredReplicas(service) + delta);
}

EdgePolicy ShopController::policy(const QString &caller, const QString &service) const
{
    return m_session->platform().gateway().policy(caller, service);
}

void ShopController::setPolicy(const QString &caller, const QString &service,
                               const EdgePolicy &policy)
{
    if (m_shutdown)
        return;
    platform().gateway().setPolicy(caller, service, policy);
    const EntityKey key = EntityKey::edge(caller, service);
    if (!m_policyKeys.contains(key))
        m_policyKeys << key;
    // The gateway logs no event of its own for a policy change; the timeline should show it.
    const QString name = edgeName(caller, service);
    platform().events().add(
        edgeKey(caller, service), QStringLiteral("policy"),
        QStringLiteral("policy of %1 set: %2").arg(name, describePolicy(policy)));
    emit message(tr("%1: %2 (calls that start from now on)").arg(name, describePolicy(policy)));
    emit policiesChanged();
}

double ShopController::rateLimit() const
{
    return m_session->platform().gateway().rateLimit();
}

void ShopController::setRateLimit(double perSecond, double burst)
{
    if (m_shutdown)
        return;
    perSecond = std::max(0.0, perSecond);
    m_rateLimitBurst = perSecond > 0 ? std::max(1.0, burst) : 0.0;
    platform().gateway().setRateLimit(perSecond, m_rateLimitBurst);
    const QString text =
        perSecond > 0 ? tr("gateway rate limit %1 requests/s (burst %2): the excess gets 429")
                            .arg(perSecond)
                            .arg(m_rateLimitBurst)
                      : tr("gateway rate limit off");
    platform().events().add(QStringLiteral("gateway"), QStringLiteral("rate-limit"), text);
    emit message(text);
    emit policiesChanged();
}

bool ShopController::setBreakerState(const QString &caller, const QString &service,
                                     BreakerState state)
{
    const bool ok = !m_shutdown && platform().gateway().setBreakerState(caller, service, state);
    emit message(ok ? tr("Breaker %1 → %2").arg(edgeName(caller, service), breakerStateName(state))
                    : tr("%1 has no circuit breaker").arg(edgeName(caller, service)));
    if (ok)
        poll();
    return ok;
}

AutoscalerConfig ShopController::autoscaler(const QString &service) const
{
    return m_session->platform().autoscaler(service);
}

bool ShopController::setAutoscaler(const QString &service, const AutoscalerConfig &config)
{
    const bool ok = !m_shutdown && platform().setAutoscaler(service, config);
    if (ok) {
        emit message(config.enabled ? tr("Autoscaler of %1 on: %2 target %3, %4–%5 replicas")
                                          .arg(service, AutoscalerConfig::metricName(config.metric))
                                          .arg(config.hpa.target)
                                          .arg(config.hpa.minReplicas)
                                          .arg(config.hpa.maxReplicas)
                                    : tr("Autoscaler of %1 off").arg(service));
        emit policiesChanged();
    }
    return ok;
}

Fault ShopController::serviceFault(const QString &service) const
{
    return m_session->platform().faults().service(service);
}

Fault ShopController::linkFault(const QString &caller, const QString &service) const
{
    return m_session->platform().faults().link(caller, service);
}

void ShopController::setServiceFault(const QString &service, const Fault &fault)
{
    if (m_shutdown || !platform().host(service))
        return;
    platform().chaos().setServiceFault(service, fault);
    emit message(fault.active() ? tr("Fault injected into %1: %2").arg(service, fault.describe())
                                : tr("Faults on %1 cleared").arg(service));
    emit chaosChanged();
    poll();
}

void ShopController::setLinkFault(const QString &caller, const QString &service, const Fault &fault)
{
    if (m_shutdown || !platform().host(service))
        return;
    platform().chaos().setLinkFault(caller, service, fault);
    const QString link = edgeName(caller, service);
    emit message(fault.active() ? tr("Fault injected on %1: %2").arg(link, fault.describe())
                                : tr("Faults on %1 cleared").arg(link));
    emit chaosChanged();
    poll();
}

void ShopController::clearFaults()
{
    if (m_shutdown)
        return;
    platform().chaos().clearAll();
    emit message(tr("Every fault cleared, databases unlocked, chaos monkey off"));
    emit chaosChanged();
    poll();
}

DatabaseFault ShopController::databaseFault(const QString &service) const
{
    return m_session->platform().chaos().databaseFault(service);
}

bool ShopController::setDatabaseFault(const QString &service, DatabaseFault fault)
{
    if (m_shutdown || !platform().host(service))
        return false;
    ChaosController &chaos = platform().chaos();
    const QString file = databaseFile(service);
    // A shared file's fault hits every deployable that uses it: say so.
    const QStringList users = databaseUsers(service);
    const QString shared =
        users.size() > 1 ? tr(" (shared by %1)").arg(users.join(QStringLiteral(", "))) : QString();
    bool ok = false;
    switch (fault) {
    case DatabaseFault::None:
        ok = chaos.releaseDatabase(service);
        emit message(tr("%1: unlocked").arg(file + shared));
        break;
    case DatabaseFault::WritesBlocked:
        ok = chaos.blockWrites(service);
        emit message(
            tr("%1: writes blocked: they wait and fail; reads go on (WAL)").arg(file + shared));
        break;
    case DatabaseFault::FileLocked:
        ok = chaos.lockFile(service);
        emit message(tr("%1: whole file locked: reads and writes wait for the busy timeout "
                        "and fail")
                         .arg(file + shared));
        break;
    }
    emit chaosChanged();
    poll();
    return ok;
}

bool ShopController::databaseLocked(const QString &service) const
{
    return m_session->platform().chaos().databaseLocked(service);
}

bool ShopController::setDatabaseLocked(const QString &service, bool locked)
{
    return setDatabaseFault(service, locked ? DatabaseFault::WritesBlocked : DatabaseFault::None);
}

bool ShopController::monkeyRunning() const
{
    return m_session->platform().chaos().monkeyRunning();
}

void ShopController::startMonkey(double meanSecondsBetweenFailures)
{
    if (m_shutdown)
        return;
    m_monkeyMean = std::max(0.5, meanSecondsBetweenFailures);
    ChaosMonkeyConfig config;
    config.meanSecondsBetweenFailures = m_monkeyMean;
    config.seed = quint64(QDateTime::currentMSecsSinceEpoch());
    platform().chaos().startMonkey(config);
    emit message(tr("Chaos monkey on: a kill every %1 s on average").arg(m_monkeyMean));
    emit chaosChanged();
    poll();
}

void ShopController::stopMonkey()
{
    if (m_shutdown)
        return;
    platform().chaos().stopMonkey();
    emit message(tr("Chaos monkey off"));
    emit chaosChanged();
    poll();
}

bool ShopController::startRollingUpdate(const QString &service)
{
    ServiceHost *h = m_shutdown ? nullptr : platform().host(service);
    if (!h)
        return false;
    const ServiceConfig config = h->config();
    RollingUpdate update;
    update.version = nextVersion(config.version);
    update.profile = h->profileFor(config.version);
    update.minReadySeconds = RollingUpdateMinReadySeconds;
    const bool ok = h->startRollingUpdate(update);
    emit message(ok ? tr("Rolling update of %1 to %2: one replica at a time, each replaced once "
                         "its successor has been ready for %3 s")
                          .arg(service, update.version)
                          .arg(update.minReadySeconds)
                    : tr("%1 is already being updated").arg(service));
    if (ok)
        poll();
    return ok;
}

bool ShopController::rollingUpdateInProgress(const QString &service) const
{
    ServiceHost *h = m_session->platform().host(service);
    return h && h->rollingUpdateInProgress();
}

void ShopController::setLoadShape(const LoadProfile &profile)
{
    if (m_shutdown)
        return;
    if (profile.shape == LoadProfile::Shape::Constant) {
        const bool was = m_shaping;
        m_shaping = false;
        m_shapeTimer.stop();
        if (m_rateBefore < 0)
            m_rateBefore = rate();
        load().setRate(profile.rate);
        m_rateEventTimer.start();
        emit rateChanged(rate());
        if (was)
            emit loadShapeChanged();
        return;
    }
    m_shape = profile;
    m_shapeChanges = profile.changes();
    m_shaping = true;
    m_shapeClock.start();
    load().setRate(m_shape.rateAt(0));
    m_shapeTimer.start();
    emit rateChanged(rate());
    emit loadShapeChanged();
    emit message(tr("Load shape: %1 from %2 journeys/s")
                     .arg(LoadProfile::shapeName(profile.shape))
                     .arg(profile.rate));
}

LoadProfile ShopController::loadShape() const
{
    if (m_shaping)
        return m_shape;
    LoadProfile constant;
    constant.rate = m_session ? rate() : 0;
    return constant;
}

void ShopController::adoptScenarioSettings(const Scenario &scenario)
{
    for (const auto &[key, policy] : scenario.edges) {
        Q_UNUSED(policy);
        if (!m_policyKeys.contains(key))
            m_policyKeys << key;
    }
    m_rateLimitBurst = scenario.rateLimit > 0 ? scenario.rateLimitBurst : 0;
    for (const TimelineAction &a : scenario.timeline)
        if (a.kind == TimelineAction::Kind::ChaosMonkey)
            m_monkeyMean = a.monkey.meanSecondsBetweenFailures;
    emit policiesChanged();
    emit chaosChanged();
}

} // namespace microcosm
