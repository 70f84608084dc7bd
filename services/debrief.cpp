#include "debrief.h"

#include "auditor.h"
#include "entitykey.h"
#include "recording.h"

#include <QJsonArray>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <limits>

namespace microcosm {

namespace {

// What each event kind (as core/ and services/ emit it) is to a debrief:
// done to the system (an action), the system's answer (a reaction), or
// context. An action disrupts (a fault, a kill, more load), restores (a
// restart, a fault cleared) or neither (scaling by hand). Kinds not listed
// are context and are left out.
enum class Role
{
    Context,
    Action,
    Reaction
};
enum class Effect
{
    None,
    Disrupts,
    Restores
};
struct KindInfo
{
    const char *kind;
    Role role;
    Effect effect;
    const char *label; // reactions: what the line "Health and recovery" says of them
};
constexpr KindInfo Kinds[] = {
    {"killed", Role::Action, Effect::Disrupts, nullptr}, // a service, or one replica
    {"restarted", Role::Action, Effect::Restores, nullptr},
    {"fault-start", Role::Action, Effect::Disrupts,
     nullptr}, // latency, errors, partition, database
    {"fault-end", Role::Action, Effect::Restores, nullptr},
    {"load-change", Role::Action, Effect::Disrupts,
     nullptr},                                       // a fall back to the first rate restores
    {"scaled", Role::Action, Effect::None, nullptr}, // by hand; the autoscaler's are reactions
    {"update-started", Role::Action, Effect::Disrupts, nullptr},
    {"update-done", Role::Action, Effect::Restores, nullptr},
    {"monkey-on", Role::Action, Effect::Disrupts, nullptr},
    {"monkey-off", Role::Action, Effect::Restores, nullptr},
    {"breaker-forced-open", Role::Action, Effect::Disrupts, nullptr},
    {"breaker-disabled", Role::Action, Effect::None, nullptr},
    {"autoscaler-on", Role::Action, Effect::None, nullptr},
    {"autoscaler-off", Role::Action, Effect::None, nullptr},
    {"breaker-open", Role::Reaction, Effect::None, nullptr}, // breakers have a line of their own
    {"breaker-half-open", Role::Reaction, Effect::None, nullptr},
    {"breaker-closed", Role::Reaction, Effect::None,
     nullptr},                                       // right after a timeline step: forced
    {"held", Role::Reaction, Effect::None, nullptr}, // the autoscaler's, counted on its line
    {"out-of-rotation", Role::Reaction, Effect::None, "taken out of rotation"},
    {"back-in-rotation", Role::Reaction, Effect::None, "back in rotation"},
    {"ejected", Role::Reaction, Effect::None, "ejected as outliers"},
    {"returned", Role::Reaction, Effect::None, "returned from ejection"},
    {"unhealthy", Role::Reaction, Effect::None, "unhealthy"},
    {"healthy", Role::Reaction, Effect::None, "healthy again"},
    {"ready", Role::Reaction, Effect::None, "ready"},
    {"start-failed", Role::Reaction, Effect::None, "failed to start"},
    {"worker-failed", Role::Reaction, Effect::None, "lost a worker"},
    {"database-failed", Role::Reaction, Effect::None, "found its database unusable"},
    {"maintenance-failed", Role::Reaction, Effect::None, "failed maintenance"},
    {"update-step", Role::Reaction, Effect::None, "advanced a rolling update"},
    {"started", Role::Context, Effect::None, nullptr},
    {"scenario-start", Role::Context, Effect::None, nullptr},
    {"timeline", Role::Context, Effect::None, nullptr}, // the concrete event follows it
};

const KindInfo *kindInfo(const QString &kind)
{
    for (const KindInfo &k : Kinds)
        if (kind == QLatin1String(k.kind))
            return &k;
    return nullptr;
}

// A second counts as bad when its success rate is below this, or its p99
// is above SlowFactor times the p99 before the first fault and at least
// SlowMarginMs more: on two shared cores a p99 of a few ms triples from
// scheduling noise alone, which is not a service suffering.
constexpr double BadSuccessRate = 0.99;
constexpr double SlowFactor = 3.0;
constexpr double SlowMarginMs = 50;
// Fewer requests than this in a second say nothing about a rate.
constexpr quint64 MinRequests = 5;
// Phases shorter than this are merged into the next one.
constexpr double MinPhaseSeconds = 2.0;
// An event this soon after a timeline step is the step's doing.
constexpr double StepSeconds = 0.05;

const QString GatewayEntity = EntityKey::gateway().name();

QString timeText(double t)
{
    return QStringLiteral("%1 s").arg(t, 0, 'f', 1);
}

QString delay(double s)
{
    return QStringLiteral("%1 s").arg(s, 0, 'f', s < 10 ? 2 : 1);
}

// Never shows 100 % for a rate that is not exactly 1.
QString percent(double rate)
{
    if (rate >= 1)
        return QStringLiteral("100 %");
    return QStringLiteral("%1 %").arg(std::floor(rate * 1000) / 10, 0, 'f', 1);
}

QString millis(double ms)
{
    if (ms >= 1000)
        return QStringLiteral("%1 s").arg(ms / 1000, 0, 'f', 1);
    return QStringLiteral("%1 ms").arg(ms, 0, 'f', ms < 10 ? 1 : 0);
}

QString capitalized(QString s)
{
    if (!s.isEmpty())
        s[0] = s[0].toUpper();
    return s;
}

double rounded(double t)
{
    return std::round(t * 1000) / 1000;
}

DebriefFigures figuresOf(const QString &name, const EntitySummary &s)
{
    DebriefFigures f;
    f.name = name;
    f.requests = s.total();
    f.successRate = s.successRate();
    f.p99Ms = s.latency.percentileMs(0.99);
    f.fallbacks = s.totals[int(Outcome::Fallback)];
    return f;
}

// "load 80 → 320 journeys/s (spike)", "load at 80 journeys/s (ramp done)":
// the rate it went to, and the one it came from when it says.
struct LoadRates
{
    std::optional<double> from, to;
};
LoadRates loadRates(const QString &message)
{
    static const QRegularExpression change(QStringLiteral("([0-9.]+) → ([0-9.]+) journeys/s"));
    static const QRegularExpression at(QStringLiteral("at ([0-9.]+) journeys/s"));
    LoadRates r;
    if (const auto m = change.match(message); m.hasMatch()) {
        r.from = m.captured(1).toDouble();
        r.to = m.captured(2).toDouble();
    } else if (const auto m = at.match(message); m.hasMatch()) {
        r.to = m.captured(1).toDouble();
    }
    return r;
}

Debrief::Action actionOf(const Event &e, double loadStart)
{
    Debrief::Action a;
    a.t = e.t - loadStart;
    a.source = e.source;
    a.kind = e.kind;
    a.message = e.message;
    const QString &k = e.kind;
    if (k == QLatin1String("killed"))
        a.what = e.source + QStringLiteral(" killed");
    else if (k == QLatin1String("restarted"))
        a.what = e.source + QStringLiteral(" restarted");
    else if (k == QLatin1String("fault-start"))
        a.what = (e.message.startsWith(QLatin1String("fault injected"))
                      ? QStringLiteral("fault on ")
                      : QStringLiteral("database fault on ")) +
                 e.source;
    else if (k == QLatin1String("fault-end"))
        a.what = e.source == QLatin1String("chaos")
                     ? QStringLiteral("all faults cleared")
                     : QStringLiteral("faults on %1 cleared").arg(e.source);
    else if (k == QLatin1String("update-started"))
        a.what = QStringLiteral("the rolling update of %1").arg(e.source);
    else if (k == QLatin1String("update-done"))
        a.what = QStringLiteral("%1's rolling update done").arg(e.source);
    else if (k == QLatin1String("monkey-on"))
        a.what = QStringLiteral("the chaos monkey started");
    else if (k == QLatin1String("monkey-off"))
        a.what = QStringLiteral("the chaos monkey stopped");
    else if (k.startsWith(QLatin1String("breaker-")))
        a.what = QStringLiteral("%1's breaker forced %2").arg(e.source, k.mid(8));
    else
        a.what = e.message.section(QStringLiteral(" ("), 0, 0); // load, scaling, autoscaler
    return a;
}

// The sentence of "What was done" for one action.
QString sentenceOf(const Debrief::Action &a)
{
    if (a.kind == QLatin1String("killed")) {
        // "product killed (by the scenario): in-flight requests reset..."
        static const QRegularExpression reason(QStringLiteral("killed (\\([^)]*\\))"));
        const auto m = reason.match(a.message);
        return QStringLiteral("%1 was killed%2")
            .arg(a.source, m.hasMatch() ? QLatin1Char(' ') + m.captured(1) : QString());
    }
    if (a.kind == QLatin1String("restarted")) {
        const QString how =
            a.message.section(QStringLiteral(": "), 1).section(QLatin1Char(';'), 0, 0);
        return QStringLiteral("%1 was restarted%2")
            .arg(a.source, how.isEmpty() ? QString() : QStringLiteral(": ") + how);
    }
    return a.message;
}

// What is wrong with the system after each action, to name the phases.
class OpenFaults
{
public:
    explicit OpenFaults(std::optional<double> baseRate) : m_baseRate(baseRate) {}
    void apply(const Debrief::Action &a)
    {
        const QString &k = a.kind;
        if (k == QLatin1String("killed")) {
            set(a.source, a.source + QStringLiteral(" down"));
        } else if (k == QLatin1String("restarted")) {
            erase([&](const QString &key) {
                return key == a.source || key.startsWith(a.source + QLatin1Char('#'));
            });
        } else if (k == QLatin1String("fault-start")) {
            set(QStringLiteral("fault:") + a.source, a.what);
        } else if (k == QLatin1String("fault-end")) {
            const bool all = a.source == QLatin1String("chaos");
            erase([&](const QString &key) {
                return all ? key.startsWith(QLatin1String("fault:"))
                           : key == QStringLiteral("fault:") + a.source;
            });
        } else if (k == QLatin1String("load-change")) {
            const LoadRates r = loadRates(a.message);
            if (!m_baseRate)
                m_baseRate = r.from;
            if (r.to && m_baseRate && *r.to <= *m_baseRate)
                erase([](const QString &key) { return key == QLatin1String("load"); });
            else if (r.to)
                set(QStringLiteral("load"),
                    QStringLiteral("load at %1 journeys/s").arg(QString::number(*r.to)));
        } else if (k == QLatin1String("update-started")) {
            set(QStringLiteral("update:") + a.source, a.what);
        } else if (k == QLatin1String("update-done")) {
            erase([&](const QString &key) { return key == QStringLiteral("update:") + a.source; });
        } else if (k == QLatin1String("monkey-on")) {
            set(QStringLiteral("monkey"), QStringLiteral("the chaos monkey"));
        } else if (k == QLatin1String("monkey-off")) {
            erase([](const QString &key) { return key == QLatin1String("monkey"); });
        } else if (k == QLatin1String("breaker-forced-open")) {
            set(QStringLiteral("breaker:") + a.source, a.what);
        } else if (k.startsWith(QLatin1String("breaker-"))) {
            erase([&](const QString &key) { return key == QStringLiteral("breaker:") + a.source; });
        }
    }
    bool monkey() const { return has(QStringLiteral("monkey")); }
    // The phase that follows the action just applied.
    QString phaseName(const Debrief::Action &after) const
    {
        if (m_open.isEmpty())
            return QStringLiteral("after ") + after.what;
        QStringList labels;
        for (const auto &[key, label] : m_open)
            labels << label;
        if (labels.size() > 3)
            labels = labels.mid(0, 3) << QStringLiteral("more");
        return QStringLiteral("during ") + labels.join(QStringLiteral(" and "));
    }

private:
    bool has(const QString &key) const
    {
        return std::any_of(m_open.begin(), m_open.end(), [&](auto &p) { return p.first == key; });
    }
    void set(const QString &key, const QString &label)
    {
        for (auto &p : m_open)
            if (p.first == key) {
                p.second = label;
                return;
            }
        m_open.append({key, label});
    }
    template <typename Pred> void erase(Pred pred)
    {
        m_open.erase(
            std::remove_if(m_open.begin(), m_open.end(), [&](auto &p) { return pred(p.first); }),
            m_open.end());
    }
    QList<std::pair<QString, QString>> m_open; // in the order they began
    std::optional<double> m_baseRate;
};

// An AuditReport back from its JSON, for its own one-line summary.
AuditReport auditFromJson(const QJsonObject &o)
{
    AuditReport r;
    r.ok = o.value(QStringLiteral("ok")).toBool();
    for (const QJsonValue &v : o.value(QStringLiteral("violations")).toArray())
        r.violations << v.toString();
    r.products = o.value(QStringLiteral("products")).toInt();
    r.initialStock = o.value(QStringLiteral("initialStock")).toInteger();
    r.currentStock = o.value(QStringLiteral("currentStock")).toInteger();
    r.heldQuantity = o.value(QStringLiteral("heldQuantity")).toInteger();
    r.restockedQuantity = o.value(QStringLiteral("restockedQuantity")).toInteger();
    r.confirmedQuantity = o.value(QStringLiteral("confirmedQuantity")).toInteger();
    r.confirmedOrders = o.value(QStringLiteral("confirmedOrders")).toInt();
    r.failedOrders = o.value(QStringLiteral("failedOrders")).toInt();
    r.pendingOrders = o.value(QStringLiteral("pendingOrders")).toInt();
    r.outboxRows = o.value(QStringLiteral("outboxRows")).toInt();
    r.acknowledged = o.value(QStringLiteral("acknowledgedOrders")).toInt();
    r.acknowledgedMissing = o.value(QStringLiteral("acknowledgedMissing")).toInt();
    r.duplicateKeys = o.value(QStringLiteral("duplicateIdempotencyKeys")).toInt();
    r.shopChecked = o.value(QStringLiteral("shopChecked")).toBool(true);
    for (const QJsonValue &v : o.value(QStringLiteral("tables")).toArray()) {
        const QJsonObject t = v.toObject();
        r.tables.append({t.value(QStringLiteral("file")).toString(),
                         t.value(QStringLiteral("table")).toString(),
                         t.value(QStringLiteral("seeded")).toInteger(),
                         t.value(QStringLiteral("rows")).toInteger()});
    }
    return r;
}

// A list of at most max names, then how many more.
QString someOf(QStringList names, int max = 4)
{
    names.removeDuplicates();
    if (names.size() <= max)
        return names.join(QStringLiteral(", "));
    return names.mid(0, max).join(QStringLiteral(", ")) +
           QStringLiteral(" and %1 more").arg(names.size() - max);
}

QString phaseLine(const Debrief::Phase &p)
{
    QString s = QStringLiteral("%1 (%2–%3): users %4 ok")
                    .arg(capitalized(p.name), QString::number(p.from, 'f', 1), timeText(p.to),
                         percent(p.users.successRate));
    if (p.users.fallbacks > 0)
        s += QStringLiteral(" (%1 answered by a fallback)").arg(p.users.fallbacks);
    s += QStringLiteral(", p99 %1, %2 requests.").arg(millis(p.users.p99Ms)).arg(p.users.requests);
    // The services worst first when there are many; in their own order when few.
    QList<DebriefFigures> shown = p.services;
    int hidden = 0;
    constexpr int MaxShown = 6;
    if (shown.size() > MaxShown) {
        std::stable_sort(shown.begin(), shown.end(), [](const auto &a, const auto &b) {
            return a.successRate < b.successRate;
        });
        hidden = int(shown.size()) - (MaxShown - 1);
        shown = shown.mid(0, MaxShown - 1);
    }
    QStringList parts;
    for (const DebriefFigures &f : shown)
        parts
            << QStringLiteral("%1 %2 p99 %3").arg(f.name, percent(f.successRate), millis(f.p99Ms));
    if (hidden > 0) {
        double lowest = 1;
        for (int i = MaxShown - 1; i < int(p.services.size()); ++i)
            lowest = std::min(lowest, p.services[i].successRate);
        parts << QStringLiteral("%1 more, none below %2").arg(hidden).arg(percent(lowest));
    }
    if (!parts.isEmpty())
        s += QStringLiteral("\n    ") + parts.join(QStringLiteral(" · "));
    return s;
}

QJsonObject actionJson(const Debrief::Action &a)
{
    return {{QStringLiteral("t"), rounded(a.t)}, {QStringLiteral("source"), a.source},
            {QStringLiteral("kind"), a.kind},    {QStringLiteral("message"), a.message},
            {QStringLiteral("what"), a.what},    {QStringLiteral("byMonkey"), a.byMonkey}};
}

QJsonObject sufferingJson(const Debrief::Suffering &s)
{
    return {{QStringLiteral("entity"), s.entity},
            {QStringLiteral("name"), s.name},
            {QStringLiteral("at"), rounded(s.at)},
            {QStringLiteral("why"),
             s.successFell ? QStringLiteral("success-rate") : QStringLiteral("p99")},
            {QStringLiteral("successRate"), s.successRate},
            {QStringLiteral("p99Ms"), s.p99Ms},
            {QStringLiteral("p99BeforeMs"), s.p99BeforeMs}};
}

} // namespace

QJsonObject DebriefFigures::toJson() const
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("requests"), qint64(requests)},
            {QStringLiteral("successRate"), successRate},
            {QStringLiteral("p99Ms"), p99Ms},
            {QStringLiteral("fallbacks"), qint64(fallbacks)}};
}

QJsonObject Debrief::toJson() const
{
    QJsonArray actionArray, phaseArray, sufferedArray, breakerArray, scalingArray;
    for (const Action &a : actions)
        actionArray.append(actionJson(a));
    for (const Phase &p : phases) {
        QJsonArray services;
        for (const DebriefFigures &f : p.services)
            services.append(f.toJson());
        phaseArray.append(QJsonObject{{QStringLiteral("name"), p.name},
                                      {QStringLiteral("from"), rounded(p.from)},
                                      {QStringLiteral("to"), rounded(p.to)},
                                      {QStringLiteral("users"), p.users.toJson()},
                                      {QStringLiteral("services"), services}});
    }
    for (const Suffering &s : suffered)
        sufferedArray.append(sufferingJson(s));
    for (const BreakerChange &b : breakers)
        breakerArray.append(QJsonObject{{QStringLiteral("t"), rounded(b.t)},
                                        {QStringLiteral("edge"), b.edge},
                                        {QStringLiteral("state"), breakerStateName(b.state)}});
    for (const Scaling &s : autoscaling) {
        QJsonObject o{{QStringLiteral("t"), rounded(s.t)},
                      {QStringLiteral("service"), s.service},
                      {QStringLiteral("from"), s.from},
                      {QStringLiteral("to"), s.to}};
        if (s.afterAction) {
            o.insert(QStringLiteral("afterAction"), rounded(*s.afterAction));
            o.insert(QStringLiteral("action"), s.action);
        }
        scalingArray.append(o);
    }
    const QJsonValue null(QJsonValue::Null);
    return {
        {QStringLiteral("title"), title},
        {QStringLiteral("loadSeconds"), rounded(loadSeconds)},
        {QStringLiteral("actions"), actionArray},
        {QStringLiteral("firstFault"), firstFault ? QJsonValue(actionJson(*firstFault)) : null},
        {QStringLiteral("phases"), phaseArray},
        {QStringLiteral("worstPhase"),
         worstPhase >= 0 ? QJsonValue(phases[worstPhase].name) : null},
        {QStringLiteral("firstToSuffer"),
         suffered.isEmpty() ? null : QJsonValue(sufferingJson(suffered.first()))},
        {QStringLiteral("suffered"), sufferedArray},
        {QStringLiteral("breakerReaction"),
         breakerReaction ? QJsonValue(rounded(*breakerReaction)) : null},
        {QStringLiteral("breakerEdge"), breakerEdge.isEmpty() ? null : QJsonValue(breakerEdge)},
        {QStringLiteral("breakers"), breakerArray},
        {QStringLiteral("autoscaler"), QJsonObject{{QStringLiteral("on"), autoscalerOn},
                                                   {QStringLiteral("scaled"), scalingArray},
                                                   {QStringLiteral("held"), autoscalerHeld}}},
        {QStringLiteral("users"), QJsonObject{{QStringLiteral("successRate"), usersSuccessRate},
                                              {QStringLiteral("p99Ms"), usersP99Ms},
                                              {QStringLiteral("requests"), qint64(usersRequests)}}},
        {QStringLiteral("audit"), QJsonObject{{QStringLiteral("verdict"), auditVerdict},
                                              {QStringLiteral("summary"), auditSummary},
                                              {QStringLiteral("lost"), lost}}},
        {QStringLiteral("text"), text},
    };
}

Debrief debriefOf(const Recording &recording, const QJsonObject &audit)
{
    Debrief d;
    d.title = recording.title();
    const double loadStart = recording.loadStart();
    const std::vector<double> secondTimes = recording.seconds();
    const double lastSecond = secondTimes.empty() ? 0 : secondTimes.back() - loadStart;
    const QJsonObject scenario = recording.scenario();
    const double duration = scenario.value(QStringLiteral("duration")).toDouble(0);
    // The load ran for the scenario's duration unless the recording ends
    // sooner; what happens after it is the runner settling (it clears every
    // fault and restarts what is down), not part of the experiment.
    d.loadSeconds = std::max(0.0, duration > 0 ? std::min(duration, lastSecond) : lastSecond);
    const double actionsEnd = d.loadSeconds - StepSeconds;

    // The events sorted into actions, breaker changes, scaling and other reactions.
    const std::vector<Event> &events = recording.events();
    struct PendingScale
    {
        QString service;
        double t;
    };
    QList<PendingScale> autoscalerScales; // the host's "scaled" that follows each is no action
    QList<const Event *> reactions;
    std::optional<double> baseRate;
    {
        const QJsonValue rate = scenario.value(QStringLiteral("load"))
                                    .toObject()
                                    .value(QStringLiteral("profile"))
                                    .toObject()
                                    .value(QStringLiteral("rate"));
        if (rate.isDouble())
            baseRate = rate.toDouble();
    }
    OpenFaults open(baseRate);
    QList<std::pair<double, QString>> splits; // action times and the phase each begins
    static const QRegularExpression scaledText(QStringLiteral("^(.+?): (\\d+) → (\\d+) replicas"));
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event &e = events[i];
        const KindInfo *info = kindInfo(e.kind);
        if (!info)
            continue;
        if (e.kind == QLatin1String("autoscaler-on") || e.kind == QLatin1String("held") ||
            (e.kind == QLatin1String("scaled") && e.source == QLatin1String("autoscaler")))
            d.autoscalerOn = true;
        const double t = e.t - loadStart;
        if (t < 0 || t >= actionsEnd)
            continue; // the set-up before the load, or the settling after it
        Role role = info->role;
        if (e.kind == QLatin1String("scaled")) {
            if (e.source == QLatin1String("autoscaler")) {
                role = Role::Reaction;
                if (const auto m = scaledText.match(e.message); m.hasMatch()) {
                    Debrief::Scaling s;
                    s.t = t;
                    s.service = m.captured(1);
                    s.from = m.captured(2).toInt();
                    s.to = m.captured(3).toInt();
                    for (auto a = d.actions.crbegin(); a != d.actions.crend(); ++a)
                        if (kindInfo(a->kind)->effect == Effect::Disrupts) {
                            s.afterAction = t - a->t;
                            s.action = a->what;
                            break;
                        }
                    d.autoscaling.append(s);
                    autoscalerScales.append({s.service, e.t});
                }
            } else {
                const auto pending =
                    std::find_if(autoscalerScales.begin(), autoscalerScales.end(),
                                 [&](const PendingScale &p) { return p.service == e.source; });
                if (pending != autoscalerScales.end() && e.t - pending->t < 1.0) {
                    autoscalerScales.erase(pending);
                    role = Role::Reaction;
                }
            }
        } else if (e.kind == QLatin1String("breaker-closed") && i > 0 &&
                   events[i - 1].kind == QLatin1String("timeline") &&
                   e.t - events[i - 1].t < StepSeconds) {
            role = Role::Action; // a timeline step closed it by force
        }
        if (e.kind.startsWith(QLatin1String("breaker-")))
            if (const auto state = breakerStateFromName(QStringView(e.kind).mid(8)))
                d.breakers.append({t, e.source, *state});
        if (e.kind == QLatin1String("held"))
            ++d.autoscalerHeld;
        if (role == Role::Reaction && info->label && e.kind != QLatin1String("scaled"))
            reactions.append(&e);
        if (role != Role::Action)
            continue;
        Debrief::Action a = actionOf(e, loadStart);
        a.byMonkey = open.monkey() &&
                     (e.kind == QLatin1String("killed") || e.kind == QLatin1String("restarted"));
        if (!d.firstFault && info->effect == Effect::Disrupts)
            d.firstFault = a;
        if (!a.byMonkey) {
            open.apply(a);
            splits.append({a.t, open.phaseName(a)});
        }
        d.actions.append(a);
    }

    // Services in the order they first appear in the events (the shop's
    // own order), then any the events never name.
    QStringList services;
    std::vector<EntityKey> edges;
    // The recording's rows name their entities; read as keys here.
    for (const QString &entity : recording.entities()) {
        const std::optional<EntityKey> key = EntityKey::fromName(entity);
        if (key && key->isService())
            services << key->service();
        else if (key && key->isEdge())
            edges.push_back(*key);
    }
    auto firstMention = [&](const QString &service) {
        for (std::size_t i = 0; i < events.size(); ++i)
            if (events[i].source == service ||
                events[i].source.startsWith(service + QLatin1Char('#')))
                return i;
        return events.size();
    };
    std::stable_sort(services.begin(), services.end(), [&](const QString &a, const QString &b) {
        return firstMention(a) < firstMention(b);
    });

    // Phases: split at the actions, tiny ones merged into the next.
    {
        struct Span
        {
            QString name;
            double from, to;
        };
        QList<Span> spans{
            {splits.isEmpty() ? QStringLiteral("the whole run") : QStringLiteral("before"), 0,
             d.loadSeconds}};
        for (const auto &[t, name] : splits) {
            spans.last().to = t;
            spans.append({name, t, d.loadSeconds});
        }
        QList<Span> merged;
        for (int i = 0; i < spans.size(); ++i) {
            Span s = spans[i];
            if (!merged.isEmpty() && merged.last().to - merged.last().from < MinPhaseSeconds) {
                s.from = merged.last().from; // the tiny one before joins this one
                merged.removeLast();
            }
            merged.append(s);
        }
        if (merged.size() > 1 && merged.last().to - merged.last().from < MinPhaseSeconds) {
            const double to = merged.last().to; // a tiny tail joins the phase before it
            merged.removeLast();
            merged.last().to = to;
        }
        constexpr double Inf = std::numeric_limits<double>::infinity();
        for (int i = 0; i < merged.size(); ++i) {
            const Span &s = merged[i];
            // The first and last phases take every second before and after
            // them, so that the phases together hold the whole recording.
            const double from = i == 0 ? -Inf : loadStart + s.from;
            const double to = i == merged.size() - 1 ? Inf : loadStart + s.to;
            Debrief::Phase p;
            p.name = s.name;
            p.from = s.from;
            p.to = s.to;
            p.users = figuresOf(QStringLiteral("users"), recording.range(GatewayEntity, from, to));
            for (const QString &service : services)
                p.services.append(figuresOf(
                    service, recording.range(EntityKey::service(service).name(), from, to)));
            d.phases.append(p);
        }
        for (int i = 0; i < d.phases.size(); ++i) {
            const auto &u = d.phases[i].users;
            if (u.requests == 0)
                continue;
            if (d.worstPhase < 0 || u.successRate < d.phases[d.worstPhase].users.successRate ||
                (u.successRate == d.phases[d.worstPhase].users.successRate &&
                 u.p99Ms > d.phases[d.worstPhase].users.p99Ms))
                d.worstPhase = i;
        }
    }

    // Who suffered first after the first fault: each service's and edge's
    // first bad second, against its own p99 before the fault.
    if (d.firstFault) {
        const double faultAt = loadStart + d.firstFault->t;
        auto scan = [&](const QString &entity, const QString &name) {
            const EntitySummary before =
                recording.range(entity, -std::numeric_limits<double>::infinity(), faultAt);
            const double p99Before =
                before.total() >= MinRequests ? before.latency.percentileMs(0.99) : 0;
            for (const Window &w : recording.series(entity)) {
                if (w.t <= faultAt || w.total() < MinRequests)
                    continue;
                const double rate = double(w.succeeded()) / double(w.total());
                const bool fell = rate < BadSuccessRate;
                const bool slow = p99Before > 0 && w.p99 > SlowFactor * p99Before &&
                                  w.p99 - p99Before >= SlowMarginMs;
                if (fell || slow) {
                    d.suffered.append(
                        {entity, name, w.t - loadStart, fell, rate, w.p99, p99Before});
                    return;
                }
            }
        };
        for (const QString &s : services)
            scan(EntityKey::service(s).name(), s);
        for (const EntityKey &e : edges)
            scan(e.name(), edgeKey(e.caller(), e.service()));
        // Within one second, the worst first.
        std::stable_sort(d.suffered.begin(), d.suffered.end(), [](const auto &a, const auto &b) {
            if (a.at != b.at)
                return a.at < b.at;
            return a.successRate < b.successRate;
        });
        if (!d.suffered.isEmpty()) {
            d.firstToSuffer = d.suffered.first().name;
            d.firstToSufferAt = d.suffered.first().at;
        }
        for (const Debrief::BreakerChange &b : d.breakers)
            if (b.state == BreakerState::Open && b.t >= d.firstFault->t) {
                d.breakerReaction = b.t - d.firstFault->t;
                d.breakerEdge = b.edge;
                break;
            }
    }

    const EntitySummary users = recording.total(GatewayEntity);
    d.usersRequests = users.total();
    d.usersSuccessRate = users.successRate();
    d.usersP99Ms = users.latency.percentileMs(0.99);

    if (audit.isEmpty()) {
        d.auditVerdict = QStringLiteral("no audit");
    } else {
        const AuditReport report = auditFromJson(audit);
        d.auditVerdict = report.ok ? QStringLiteral("passed") : QStringLiteral("failed");
        d.auditSummary = report.summary().section(QLatin1Char('\n'), 0, 0);
        QStringList lost;
        if (report.acknowledgedMissing > 0)
            lost << QStringLiteral("%1 acknowledged order(s) missing")
                        .arg(report.acknowledgedMissing);
        if (report.duplicateKeys > 0)
            lost << QStringLiteral("%1 idempotency key(s) used twice").arg(report.duplicateKeys);
        if (!report.ok)
            lost << report.violations;
        lost.removeDuplicates();
        d.lost = lost.join(QStringLiteral("; "));
    }

    // The words.
    QStringList lines;
    lines << QStringLiteral("Debrief of \"%1\": %2 of load%3.")
                 .arg(d.title.isEmpty() ? QStringLiteral("a run") : d.title,
                      timeText(d.loadSeconds),
                      recording.complete() || recording.live()
                          ? QString()
                          : QStringLiteral(" (the recording is incomplete: its run ended "
                                           "before finishing it)"));
    if (secondTimes.empty()) {
        lines << QStringLiteral("The recording holds no second of the run: there is nothing to "
                                "tell.");
        d.text = lines.join(QLatin1Char('\n'));
        return d;
    }
    {
        QStringList done;
        QMap<QString, int> strikes; // what the monkey killed, and how often
        int strikeCount = 0;
        for (const Debrief::Action &a : d.actions) {
            if (a.byMonkey) {
                if (a.kind == QLatin1String("killed")) {
                    ++strikes[a.source];
                    ++strikeCount;
                }
                continue;
            }
            if (a.kind == QLatin1String("monkey-off") && strikeCount > 0) {
                QStringList each;
                for (auto it = strikes.cbegin(); it != strikes.cend(); ++it)
                    each << QStringLiteral("%1 ×%2").arg(it.key()).arg(it.value());
                done << QStringLiteral("it struck %1 times (%2)")
                            .arg(strikeCount)
                            .arg(someOf(each, 8));
                strikes.clear();
                strikeCount = 0;
            }
            done << QStringLiteral("at %1 %2").arg(timeText(a.t), sentenceOf(a));
        }
        if (strikeCount > 0)
            done << QStringLiteral("the chaos monkey struck %1 times").arg(strikeCount);
        constexpr int MaxListed = 8;
        if (done.size() > MaxListed) {
            const int more = int(done.size()) - MaxListed;
            done = done.mid(0, MaxListed);
            done << QStringLiteral("and %1 more").arg(more);
        }
        lines << (done.isEmpty() ? QStringLiteral("Nothing was done to the system during the load.")
                                 : QStringLiteral("What was done: ") +
                                       done.join(QStringLiteral("; ")) + QLatin1Char('.'));
    }
    for (const Debrief::Phase &p : d.phases)
        lines << phaseLine(p);

    if (!d.firstFault) {
        lines << QStringLiteral("No fault was injected, so nothing suffered from one.");
    } else if (d.suffered.isEmpty()) {
        lines << QStringLiteral("Nothing suffered after %1: every service and edge stayed at or "
                                "above %2 ok each second, and under %3× its p99 before.")
                     .arg(d.firstFault->what, percent(BadSuccessRate))
                     .arg(SlowFactor);
    } else {
        auto why = [](const Debrief::Suffering &s) {
            return s.successFell ? QStringLiteral("%1 ok").arg(percent(s.successRate))
                                 : QStringLiteral("p99 %1 against %2 before")
                                       .arg(millis(s.p99Ms), millis(s.p99BeforeMs));
        };
        const Debrief::Suffering &first = d.suffered.first();
        QString s =
            QStringLiteral("The first to suffer was %1, in the second ending at %2, %3 after %4 "
                           "(%5)")
                .arg(first.name, timeText(first.at), delay(first.at - d.firstFault->t),
                     d.firstFault->what, why(first));
        QStringList then;
        constexpr int MaxThen = 4;
        for (int i = 1; i < d.suffered.size() && i <= MaxThen; ++i)
            then << QStringLiteral("%1 at %2 (%3)")
                        .arg(d.suffered[i].name, timeText(d.suffered[i].at), why(d.suffered[i]));
        if (d.suffered.size() > MaxThen + 1)
            then << QStringLiteral("%1 more").arg(d.suffered.size() - MaxThen - 1);
        if (!then.isEmpty())
            s += QStringLiteral("; then ") + then.join(QStringLiteral(", "));
        lines << s + QLatin1Char('.');
    }

    {
        QStringList opened; // each edge whose breaker opened, in the order they did
        for (const Debrief::BreakerChange &b : d.breakers)
            if (b.state == BreakerState::Open && !opened.contains(b.edge))
                opened << b.edge;
        QStringList parts;
        for (const QString &edge : opened) {
            double firstOpen = -1;
            int probes = 0;
            const Debrief::BreakerChange *last = nullptr;
            for (const Debrief::BreakerChange &b : d.breakers) {
                if (b.edge != edge)
                    continue;
                if (firstOpen < 0 && b.state == BreakerState::Open)
                    firstOpen = b.t;
                if (firstOpen >= 0 && b.state == BreakerState::HalfOpen)
                    ++probes;
                last = &b;
            }
            QString part = QStringLiteral("%1 opened").arg(edge);
            if (d.firstFault && firstOpen >= d.firstFault->t)
                part += QStringLiteral(" %1 after %2")
                            .arg(delay(firstOpen - d.firstFault->t), d.firstFault->what);
            part += QStringLiteral(" (at %1)").arg(timeText(firstOpen));
            if (probes > 0)
                part += QStringLiteral(", went half-open %1 time(s)").arg(probes);
            part += last->state == BreakerState::Closed
                        ? QStringLiteral(" and closed again at %1").arg(timeText(last->t))
                        : QStringLiteral(" and was still %1 when the load ended")
                              .arg(breakerStateName(last->state));
            parts << part;
        }
        lines << (parts.isEmpty() ? QStringLiteral("No breaker opened.")
                                  : QStringLiteral("Breakers: ") +
                                        parts.join(QStringLiteral("; ")) + QLatin1Char('.'));
    }

    if (!d.autoscaling.isEmpty()) {
        QStringList parts;
        for (const Debrief::Scaling &s : d.autoscaling) {
            QString part = QStringLiteral("%1 %2 → %3 at %4")
                               .arg(s.service)
                               .arg(s.from)
                               .arg(s.to)
                               .arg(timeText(s.t));
            if (s.afterAction)
                part += QStringLiteral(" (%1 after %2)").arg(delay(*s.afterAction), s.action);
            parts << part;
        }
        lines << QStringLiteral("The autoscaler scaled %1%2.")
                     .arg(someOf(parts, 6),
                          d.autoscalerHeld > 0
                              ? QStringLiteral("; it held back %1 time(s)").arg(d.autoscalerHeld)
                              : QString());
    } else if (d.autoscalerOn) {
        lines << QStringLiteral("The autoscaler was on and did not scale%1.")
                     .arg(d.autoscalerHeld > 0
                              ? QStringLiteral(" (it held back %1 time(s))").arg(d.autoscalerHeld)
                              : QString());
    } else {
        lines << QStringLiteral("No autoscaler was on.");
    }

    {
        QStringList parts;
        for (const KindInfo &k : Kinds) {
            if (!k.label)
                continue;
            QStringList sources;
            double firstAt = -1;
            for (const Event *e : reactions)
                if (e->kind == QLatin1String(k.kind)) {
                    sources << e->source;
                    if (firstAt < 0)
                        firstAt = e->t - loadStart;
                }
            if (!sources.isEmpty())
                parts << QStringLiteral("%1 %2 (from %3)")
                             .arg(someOf(sources), QLatin1String(k.label), timeText(firstAt));
        }
        if (!parts.isEmpty())
            lines << QStringLiteral("Health and recovery: ") + parts.join(QStringLiteral("; ")) +
                         QLatin1Char('.');
    }

    {
        QString s = QStringLiteral("Overall the users saw %1 ok, p99 %2, over %3 requests")
                        .arg(percent(d.usersSuccessRate), millis(d.usersP99Ms))
                        .arg(d.usersRequests);
        if (d.phases.size() > 1 && d.worstPhase >= 0) {
            const Debrief::Phase &w = d.phases[d.worstPhase];
            s += QStringLiteral("; the worst phase was %1 (%2 ok, p99 %3)")
                     .arg(w.name, percent(w.users.successRate), millis(w.users.p99Ms));
        }
        lines << s + QLatin1Char('.');
    }

    {
        // "audit PASSED: 60 products, ...": what follows the verdict.
        const QString details = d.auditSummary.section(QStringLiteral(": "), 1);
        if (d.auditVerdict == QLatin1String("no audit"))
            lines << QStringLiteral("No audit was run, so this debrief cannot say whether "
                                    "anything was lost.");
        else if (d.auditVerdict == QLatin1String("passed") && d.lost.isEmpty())
            lines << QStringLiteral("Nothing was lost: the audit passed (%1).").arg(details);
        else if (d.auditVerdict == QLatin1String("passed"))
            lines << QStringLiteral("The audit passed (%1), but: %2.").arg(details, d.lost);
        else
            lines << QStringLiteral("The audit FAILED (%1): %2.").arg(details, d.lost);
    }
    d.text = lines.join(QLatin1Char('\n'));
    return d;
}

} // namespace microcosm
