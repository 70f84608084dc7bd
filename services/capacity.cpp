#include "capacity.h"

#include "edgekey.h"
#include "queueing.h"
#include "queueingmodel.h"
#include "shopsession.h"

#include <QDir>
#include <QRegularExpression>

#include <cmath>
#include <thread>

namespace microcosm {

namespace {

const std::array<std::pair<SloRule::Figure, const char *>, 6> FigureNames{{
    {SloRule::Figure::P50Ms, "p50-ms"},
    {SloRule::Figure::P95Ms, "p95-ms"},
    {SloRule::Figure::P99Ms, "p99-ms"},
    {SloRule::Figure::P999Ms, "p999-ms"},
    {SloRule::Figure::MeanMs, "mean-ms"},
    {SloRule::Figure::SuccessRate, "success-rate"},
}};

double measuredFigure(SloRule::Figure f, const EntitySummary &s)
{
    switch (f) {
    case SloRule::Figure::P50Ms:
        return s.latency.percentileMs(0.50);
    case SloRule::Figure::P95Ms:
        return s.latency.percentileMs(0.95);
    case SloRule::Figure::P99Ms:
        return s.latency.percentileMs(0.99);
    case SloRule::Figure::P999Ms:
        return s.latency.percentileMs(0.999);
    case SloRule::Figure::MeanMs:
        return s.latency.meanUs() / 1000.0;
    case SloRule::Figure::SuccessRate:
        return s.successRate();
    }
    return 0;
}

// Sleeps s seconds, in slices short enough that a cancel is seen within a
// tenth of a second; false when cancelled.
bool sleepFor(double s, const std::atomic<bool> *cancel)
{
    const TimePoint end =
        Clock::now() + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
    for (;;) {
        if (cancel && cancel->load())
            return false;
        const TimePoint now = Clock::now();
        if (now >= end)
            return true;
        std::this_thread::sleep_for(std::min<Duration>(end - now, std::chrono::milliseconds(50)));
    }
}

bool isCancelled(const CapacityOptions &o)
{
    return o.cancel && o.cancel->load();
}

// What a step learns about each service for the M/M/c estimate: its
// queueing model and how often a journey calls it.
struct ServiceUse
{
    ServiceModel model;
    double visits = 0; // calls to it per journey started
};

struct StepRun
{
    CapacityStep step;
    QList<ServiceUse> services;
    QString error;
    bool cancelled = false;
};

StepRun runStep(const CapacityOptions &o, double rate, int index, int bound)
{
    StepRun r;
    r.step.rate = rate;
    const auto phase = [&](CapacityProgress::Phase p, double seconds) {
        if (o.onPhase)
            o.onPhase({index, bound, rate, p, seconds});
    };
    if (isCancelled(o)) {
        r.cancelled = true;
        return r;
    }
    phase(CapacityProgress::Phase::Starting, 0);
    LoadConfig load = o.scenario.load;
    load.seed = o.scenario.seed + quint64(index);
    load.profile = LoadProfile{};
    load.profile.rate = rate;
    const QString dir = QDir(o.dataDir).filePath(QStringLiteral("step-%1").arg(index));
    QDir(dir).removeRecursively();
    // A lambda so that a cancel can leave early: the session is gone (its
    // threads joined, its files closed) when it returns.
    [&] {
        ShopSession session(dir, o.scenario.architecture, o.scenario.platform, load);
        if (!session.start()) {
            r.error = session.startError();
            return;
        }
        Platform &platform = session.platform();
        o.scenario.applyPolicies(platform);
        LoadGenerator &generator = session.load();
        generator.start();
        const auto stopOnCancel = [&](double seconds) {
            if (sleepFor(seconds, o.cancel))
                return false;
            generator.stop();
            session.shutdown();
            r.cancelled = true;
            return true;
        };
        phase(CapacityProgress::Phase::WarmUp, o.warmSeconds);
        if (stopOnCancel(o.warmSeconds))
            return;
        platform.rotateMetrics();
        const double from = platform.elapsed();
        const EntityKey entity = EntityKey::named(o.entity);
        const int watch = platform.metrics().watch(entity, from, 1e300);
        std::map<QString, std::uint64_t> calls0;
        for (ServiceHost *h : platform.hosts())
            calls0[h->name()] = platform.metrics().summary(EntityKey::service(h->name())).total();
        const auto s0 = generator.stats();
        const TimePoint t0 = Clock::now();
        phase(CapacityProgress::Phase::Measuring, o.measureSeconds);
        if (stopOnCancel(o.measureSeconds))
            return; // the watch goes with the platform
        platform.rotateMetrics();
        const auto s1 = generator.stats();
        const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
        const EntitySummary s = platform.metrics().watched(watch);
        platform.metrics().unwatch(watch);
        const double journeys = double(s1.arrivals - s0.arrivals - (s1.dropped - s0.dropped));
        // Calls are counted as they end, so they are divided by the journeys
        // that ended in the same stretch: near saturation more journeys are
        // under way at its end than at its start, and the journeys that
        // arrived would make one call a journey read as 0.98.
        const double ended =
            double(s1.journeysOk + s1.journeysFailed - (s0.journeysOk + s0.journeysFailed));
        for (const ServiceModel &m : serviceModels(platform)) {
            const double calls = double(
                platform.metrics().summary(EntityKey::service(m.name)).total() - calls0[m.name]);
            r.services.append({m, ended > 0 ? calls / ended : 0});
        }
        generator.stop();
        session.shutdown();

        r.step.achieved = journeys / dt;
        r.step.requests = s.total();
        r.step.arrivals = s1.arrivals - s0.arrivals;
        r.step.dropped = s1.dropped - s0.dropped;
        r.step.p99Ms = s.latency.percentileMs(0.99);
        r.step.successRate = s.successRate();
        r.step.held = s.total() > 0;
        if (s.total() == 0)
            r.step.broken = QStringLiteral("no request reached %1").arg(entity.name());
        // Arrivals the generator had to drop (too many journeys under way):
        // the system did not keep up, whatever the latency of the others.
        const std::uint64_t dropped = s1.dropped - s0.dropped;
        if (r.step.held && dropped > (s1.arrivals - s0.arrivals) / 100) {
            r.step.held = false;
            r.step.broken =
                QStringLiteral("%1 of %2 arrivals dropped (too many journeys under way)")
                    .arg(dropped)
                    .arg(s1.arrivals - s0.arrivals);
        }
        for (const SloRule &rule : o.slo) {
            if (!r.step.held)
                break;
            const double v = measuredFigure(rule.figure, s);
            if (!rule.holds(v)) {
                r.step.held = false;
                r.step.broken =
                    QStringLiteral("%1 (measured %2)").arg(rule.describe()).arg(v, 0, 'g', 4);
            }
        }
    }();
    if (!r.error.isEmpty())
        return r;
    QDir(dir).removeRecursively(); // each step's files are only its scratch
    return r;
}

// The highest journey rate at which M/M/c predicts every rule of the SLO
// for each replica of each service taken alone (its share of the arrivals,
// its workers, its mean service time). A bound, not the answer: a journey's
// latency adds up every service it calls.
void theory(const CapacityOptions &o, const QList<ServiceUse> &services, CapacityResult *r)
{
    double best = std::numeric_limits<double>::infinity();
    QString bottleneck;
    QStringList caveats;
    for (const ServiceUse &use : services) {
        const ServiceModel &m = use.model;
        const double visits = use.visits;
        if (visits <= 0 || m.time.meanMs <= 0)
            continue;
        if (m.time.kind != ServiceTime::Kind::Exponential)
            caveats << QStringLiteral("%1's service time is %2, not exponential")
                           .arg(m.name, ServiceTime::kindName(m.time.kind));
        const auto keeps = [&](double journeys) {
            const queueing::MmcPrediction p = m.predict(journeys * visits);
            if (!p.stable)
                return false;
            for (const SloRule &rule : o.slo) {
                double v = 0;
                switch (rule.figure) {
                case SloRule::Figure::P50Ms:
                    v = p.responseQuantileMs(0.50);
                    break;
                case SloRule::Figure::P95Ms:
                    v = p.responseQuantileMs(0.95);
                    break;
                case SloRule::Figure::P99Ms:
                    v = p.responseQuantileMs(0.99);
                    break;
                case SloRule::Figure::P999Ms:
                    v = p.responseQuantileMs(0.999);
                    break;
                case SloRule::Figure::MeanMs:
                    v = p.meanResponseMs;
                    break;
                case SloRule::Figure::SuccessRate:
                    continue; // M/M/c has no failures: it holds while stable
                }
                if (!rule.holds(v))
                    return false;
            }
            return true;
        };
        // Capacity c·μ·replicas / visits bounds it; bisect below that.
        double lo = 0, hi = m.capacityPerSecond() / visits;
        if (!keeps(hi * 1e-6)) {
            best = 0;
            bottleneck = m.name;
            continue;
        }
        for (int i = 0; i < 60; ++i) {
            const double mid = (lo + hi) / 2;
            (keeps(mid) ? lo : hi) = mid;
        }
        if (lo < best) {
            best = lo;
            bottleneck = m.name;
        }
    }
    if (!std::isfinite(best)) {
        r->theoryNote = QStringLiteral("M/M/c cannot tell: no service with a service time was "
                                       "called");
        return;
    }
    r->theoryRate = best;
    r->theoryNote =
        QStringLiteral("M/M/c per replica of %1 (the first to reach the SLO), from its "
                       "workers, replicas, mean service time and %2 calls per "
                       "journey; a bound, since a journey adds up each service's "
                       "latency")
            .arg(bottleneck)
            .arg(std::find_if(services.begin(), services.end(),
                              [&](const ServiceUse &u) { return u.model.name == bottleneck; })
                     ->visits,
                 0, 'f', 2);
    if (!caveats.isEmpty())
        r->theoryNote += QStringLiteral("; it assumes exponential service, and ") +
                         caveats.join(QStringLiteral(", "));
}

} // namespace

QString SloRule::figureName(Figure f)
{
    for (const auto &[figure, name] : FigureNames)
        if (figure == f)
            return QLatin1String(name);
    return {};
}

QString SloRule::describe() const
{
    return figureName(figure) + op + QString::number(value, 'g', 10);
}

bool SloRule::holds(double v) const
{
    if (op == QLatin1String("<"))
        return v < value;
    if (op == QLatin1String("<="))
        return v <= value;
    if (op == QLatin1String(">"))
        return v > value;
    return v >= value;
}

std::optional<QList<SloRule>> parseSlo(const QString &text, QString *error)
{
    static const QRegularExpression rule(
        QStringLiteral("^\\s*([a-z0-9-]+)\\s*(<=|>=|<|>)\\s*([-+0-9.eE]+)\\s*$"));
    QList<SloRule> rules;
    QStringList names;
    for (const auto &[f, n] : FigureNames)
        names << QLatin1String(n);
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QRegularExpressionMatch m = rule.match(part);
        if (!m.hasMatch()) {
            *error = QStringLiteral("--slo: \"%1\" is not FIGURE OP NUMBER (e.g. p99-ms<300)")
                         .arg(part.trimmed());
            return std::nullopt;
        }
        SloRule r;
        const int index = int(names.indexOf(m.captured(1)));
        if (index < 0) {
            *error = QStringLiteral("--slo: unknown figure \"%1\" (one of %2)")
                         .arg(m.captured(1), names.join(QStringLiteral(", ")));
            return std::nullopt;
        }
        r.figure = FigureNames[std::size_t(index)].first;
        r.op = m.captured(2);
        bool ok = false;
        r.value = m.captured(3).toDouble(&ok);
        if (!ok || !std::isfinite(r.value)) {
            *error = QStringLiteral("--slo: \"%1\" in \"%2\" is not a number")
                         .arg(m.captured(3), part.trimmed());
            return std::nullopt;
        }
        if (r.figure == SloRule::Figure::SuccessRate && (r.value < 0 || r.value > 1)) {
            *error = QStringLiteral("--slo: a success rate is between 0 and 1 (\"%1\")")
                         .arg(part.trimmed());
            return std::nullopt;
        }
        rules << r;
    }
    if (rules.isEmpty()) {
        *error = QStringLiteral("--slo: no rule given (e.g. \"p99-ms<300,success-rate>=0.999\")");
        return std::nullopt;
    }
    return rules;
}

CapacityResult searchCapacity(const CapacityOptions &o,
                              const std::function<void(const CapacityStep &)> &progress)
{
    CapacityResult result;
    QList<ServiceUse> models;
    int index = 0;
    const auto step = [&](double rate) -> std::optional<bool> {
        const int bound =
            capacityStepBound(o, index, result.found ? result.rate : 0, result.ceiling);
        StepRun run = runStep(o, rate, index++, bound);
        if (!run.error.isEmpty()) {
            result.error = run.error;
            return std::nullopt;
        }
        if (run.cancelled) {
            result.cancelled = true;
            return std::nullopt;
        }
        if (models.isEmpty() || run.step.held)
            models = run.services; // the visits, from a rate the system kept up with
        result.steps << run.step;
        if (progress)
            progress(run.step);
        if (run.step.held) {
            result.found = true;
            result.rate = std::max(result.rate, rate);
        } else if (result.ceiling == 0 || rate < result.ceiling) {
            result.ceiling = rate;
            result.firstToBreak = run.step.broken;
        }
        return run.step.held;
    };
    double rate = o.startRate > 0 ? o.startRate : std::max(1.0, o.scenario.load.profile.rate);
    // Bracket: up by doubling while it holds, down by halving while it does not.
    auto first = step(rate);
    if (!first)
        return result;
    if (*first) {
        for (;;) {
            if (index >= o.maxSteps)
                break;
            rate *= 2;
            auto held = step(rate);
            if (!held)
                return result;
            if (!*held)
                break;
        }
    } else {
        for (;;) {
            if (index >= o.maxSteps || rate < 0.5)
                break;
            rate /= 2;
            auto held = step(rate);
            if (!held)
                return result;
            if (*held)
                break;
        }
    }
    // Bisect the bracket [highest held, lowest broken].
    while (result.found && result.ceiling > 0 && index < o.maxSteps &&
           result.ceiling - result.rate > o.precision * result.ceiling) {
        if (!step((result.rate + result.ceiling) / 2))
            return result;
    }
    theory(o, models, &result);
    return result;
}

QString CapacityProgress::phaseName(Phase p)
{
    switch (p) {
    case Phase::Starting:
        return QStringLiteral("starting");
    case Phase::WarmUp:
        return QStringLiteral("warm-up");
    case Phase::Measuring:
        return QStringLiteral("measuring");
    }
    return {};
}

int capacityStepBound(const CapacityOptions &o, int stepsDone, double rate, double ceiling)
{
    if (rate <= 0 || ceiling <= rate)
        return std::max(stepsDone, o.maxSteps);
    // Bisection halves the bracket each step and stops once it is narrower
    // than the precision times its top, which is never below rate + width:
    // so width <= precision * (rate + width) surely stops it.
    int halvings = 0;
    for (double width = ceiling - rate;
         width > o.precision * (rate + width) && stepsDone + halvings < o.maxSteps; width /= 2)
        ++halvings;
    return stepsDone + halvings;
}

QString describeCapacityStep(const CapacityStep &s)
{
    return QStringLiteral("  %1 journeys/s: %2  (p99 %3 ms, success %4%, %5 requests)")
        .arg(s.rate, 9, 'f', 1)
        .arg(s.held ? QStringLiteral("holds") : QStringLiteral("BROKEN: ") + s.broken)
        .arg(s.p99Ms, 0, 'f', 1)
        .arg(100 * s.successRate, 0, 'f', 2)
        .arg(s.requests);
}

QStringList describeCapacityAnswer(const CapacityResult &r)
{
    if (!r.found)
        return {QStringLiteral("no rate tried kept the SLO (the lowest broke on %1)")
                    .arg(r.firstToBreak)};
    QStringList lines;
    if (r.ceiling > 0)
        lines << QStringLiteral("capacity: %1 journeys/s keep the SLO; %2 did not (so the "
                                "answer is within %3 journeys/s); the first to break at %2: %4")
                     .arg(r.rate, 0, 'f', 1)
                     .arg(r.ceiling, 0, 'f', 1)
                     .arg(r.ceiling - r.rate, 0, 'f', 1)
                     .arg(r.firstToBreak);
    else
        lines << QStringLiteral("capacity: at least %1 journeys/s (every rate tried held)")
                     .arg(r.rate, 0, 'f', 1);
    if (r.theoryRate > 0)
        lines << QStringLiteral("M/M/c estimate: %1 journeys/s — %2")
                     .arg(r.theoryRate, 0, 'f', 1)
                     .arg(r.theoryNote);
    else
        lines << r.theoryNote;
    return lines;
}

int runCapacity(const CapacityOptions &options, QTextStream &out, QTextStream &err)
{
    QStringList rules;
    for (const SloRule &r : options.slo)
        rules << r.describe();
    out << "Microcosm capacity: \"" << options.scenario.title << "\", SLO "
        << rules.join(QStringLiteral(", ")) << " on " << options.entity << "; each step "
        << options.warmSeconds << " s warm-up + " << options.measureSeconds << " s measured"
        << Qt::endl;
    const CapacityResult r = searchCapacity(
        options, [&](const CapacityStep &s) { out << describeCapacityStep(s) << Qt::endl; });
    if (!r.error.isEmpty()) {
        err << "microcosm: --capacity: " << r.error << Qt::endl;
        return 2;
    }
    for (const QString &line : describeCapacityAnswer(r))
        out << line << Qt::endl;
    return r.found ? 0 : 1;
}

} // namespace microcosm
