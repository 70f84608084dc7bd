#include "compare.h"

#include "entitykey.h"
#include "recording.h"
#include "savefile.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>

#include <array>
#include <cmath>

namespace microcosm {

namespace {

struct FigureInfo
{
    CompareFigure figure;
    const char *name;
    const char *label;
    const char *unit; // after a value in a rule's line; empty for counts
    CompareDirection direction;
    int decimals; // as printed; also what "same" means
};

// One table, so a figure's name, label, unit and direction cannot disagree.
constexpr std::array<FigureInfo, int(CompareFigure::Count)> figureInfo{{
    {CompareFigure::SuccessRate, "success-rate", "success rate (%)", "%",
     CompareDirection::HigherIsBetter, 2},
    {CompareFigure::Throughput, "throughput", "throughput (req/s)", " req/s",
     CompareDirection::HigherIsBetter, 1},
    {CompareFigure::P50, "p50-ms", "p50 (ms)", " ms", CompareDirection::LowerIsBetter, 1},
    {CompareFigure::P95, "p95-ms", "p95 (ms)", " ms", CompareDirection::LowerIsBetter, 1},
    {CompareFigure::P99, "p99-ms", "p99 (ms)", " ms", CompareDirection::LowerIsBetter, 1},
    {CompareFigure::Timeouts, "timeouts", "timeouts", "", CompareDirection::LowerIsBetter, 0},
    {CompareFigure::ShortCircuits, "short-circuits", "short-circuits", "",
     CompareDirection::LowerIsBetter, 0},
    {CompareFigure::Fallbacks, "fallbacks", "fallbacks", "", CompareDirection::LowerIsBetter, 0},
    {CompareFigure::Retries, "retries", "retries", "", CompareDirection::LowerIsBetter, 0},
    {CompareFigure::MaxReplicas, "max-replicas", "max replicas ready", "",
     CompareDirection::Neutral, 0},
}};

const FigureInfo &info(CompareFigure f)
{
    return figureInfo[std::size_t(f)];
}

const QString dash = QStringLiteral("—");

// A change smaller than this share of A is run-to-run noise, not a
// difference: two runs of one scenario and seed differ by about that much
// in throughput (the load's Poisson arrivals meet a different second).
constexpr double SamePercent = 1.0;

QString kindName(CompareEntityKind k)
{
    switch (k) {
    case CompareEntityKind::Gateway:
        return QStringLiteral("gateway");
    case CompareEntityKind::Service:
        return QStringLiteral("service");
    case CompareEntityKind::Route:
        return QStringLiteral("route");
    case CompareEntityKind::Edge:
        return QStringLiteral("edge");
    }
    return {};
}

QString number(double v, int decimals)
{
    return QString::number(v, 'f', decimals);
}

QString signedNumber(double v, int decimals)
{
    const QString s = number(v, decimals);
    // "-0.0" reads as a change; a change that rounds to nothing is "0".
    if (s.toDouble() == 0)
        return number(0, decimals);
    return v > 0 ? QLatin1Char('+') + s : s;
}

// A value with its unit, for a rule's line: "97.83%", "32.1 ms", "1417".
QString withUnit(double v, CompareFigure f)
{
    return number(v, info(f).decimals) + QLatin1String(info(f).unit);
}

bool sameAsPrinted(double a, double b, int decimals)
{
    const double scale = std::pow(10.0, decimals);
    return std::llround(a * scale) == std::llround(b * scale);
}

// An edge entity's two ends, as a recording names it: "edge:users>product"
// -> ("users", "product").
std::optional<std::pair<QString, QString>> edgeEnds(const QString &entity)
{
    const std::optional<EntityKey> key = EntityKey::fromName(entity);
    if (!key || !key->isEdge())
        return std::nullopt;
    return std::pair{key->caller(), key->service()};
}

// Every figure of one entity, computed once: total(), series() and
// snapshotAt() each walk the whole recording.
using Figures = std::array<std::optional<double>, std::size_t(CompareFigure::Count)>;

Figures figuresOf(const Recording &r, const QString &entity, CompareEntityKind kind,
                  const SystemSnapshot *last)
{
    Figures out;
    const EntitySummary s = r.total(entity);
    const double n = double(s.total());
    const auto set = [&out](CompareFigure f, std::optional<double> v) { out[std::size_t(f)] = v; };
    if (n > 0)
        set(CompareFigure::SuccessRate, 100.0 * s.successRate());
    if (const double secs = loadSeconds(r); secs > 0)
        set(CompareFigure::Throughput, n / secs);
    if (s.latency.count() > 0) {
        set(CompareFigure::P50, s.latency.percentileMs(0.50));
        set(CompareFigure::P95, s.latency.percentileMs(0.95));
        set(CompareFigure::P99, s.latency.percentileMs(0.99));
    }
    set(CompareFigure::Timeouts, double(s.totals[std::size_t(Outcome::Timeout)]));
    set(CompareFigure::ShortCircuits, double(s.totals[std::size_t(Outcome::ShortCircuited)]));
    set(CompareFigure::Fallbacks, double(s.totals[std::size_t(Outcome::Fallback)]));
    if (kind == CompareEntityKind::Edge && last) {
        // The gateway counts an edge's retries from the start: the last
        // second's count is the run's.
        double retries = 0;
        if (const auto ends = edgeEnds(entity))
            for (const EdgeSnapshot &e : last->edges)
                if (e.from == ends->first && e.to == ends->second)
                    retries = double(e.retries);
        set(CompareFigure::Retries, retries);
    }
    if (kind == CompareEntityKind::Service) {
        const std::vector<Window> windows = r.series(entity);
        if (!windows.empty()) {
            double most = 0;
            for (const Window &w : windows)
                most = std::max(most, w.gauges.replicasReady);
            set(CompareFigure::MaxReplicas, most);
        }
    }
    return out;
}

SystemSnapshot lastSnapshot(const Recording &r)
{
    const std::vector<double> secs = r.seconds();
    return secs.empty() ? SystemSnapshot{} : r.snapshotAt(secs.back());
}

CompareSide sideOf(const Recording &r)
{
    CompareSide side;
    side.path = r.path();
    side.title = r.title();
    side.seconds = int(r.seconds().size());
    side.loadSeconds = loadSeconds(r);
    side.complete = r.complete();
    const QJsonObject report = r.report();
    side.hasReport = !report.isEmpty();
    for (const QJsonValue &v : report.value(QStringLiteral("expectations")).toArray()) {
        const QJsonObject e = v.toObject();
        CompareExpectation x;
        x.text = e.value(QStringLiteral("expect")).toString();
        x.held = e.value(QStringLiteral("held")).toBool();
        x.evaluated = e.value(QStringLiteral("evaluated")).toBool(true);
        if (e.value(QStringLiteral("measured")).isDouble())
            x.measured = e.value(QStringLiteral("measured")).toDouble();
        side.expectations << x;
    }
    return side;
}

QJsonValue optionalJson(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

QJsonObject sideJson(const CompareSide &s)
{
    QJsonArray expectations;
    for (const CompareExpectation &e : s.expectations)
        expectations.append(QJsonObject{{QStringLiteral("expect"), e.text},
                                        {QStringLiteral("held"), e.held},
                                        {QStringLiteral("evaluated"), e.evaluated},
                                        {QStringLiteral("measured"), optionalJson(e.measured)}});
    return {
        {QStringLiteral("path"), s.path},         {QStringLiteral("title"), s.title},
        {QStringLiteral("seconds"), s.seconds},   {QStringLiteral("loadSeconds"), s.loadSeconds},
        {QStringLiteral("complete"), s.complete}, {QStringLiteral("expectations"), expectations}};
}

QString sectionTitle(CompareEntityKind k)
{
    switch (k) {
    case CompareEntityKind::Gateway:
        return QStringLiteral("Gateway");
    case CompareEntityKind::Service:
        return QStringLiteral("Services");
    case CompareEntityKind::Route:
        return QStringLiteral("Routes");
    case CompareEntityKind::Edge:
        return QStringLiteral("Edges");
    }
    return {};
}

// The table for a terminal: one section per entity kind, one block per
// entity, one line per figure; within 100 columns but for the lines naming the files.
void printTable(const CompareTable &t, QTextStream &out)
{
    for (const auto &[letter, side] : {std::pair{'A', &t.a}, std::pair{'B', &t.b}}) {
        out << letter << "  "
            << (side->title.isEmpty() ? QStringLiteral("(untitled)") : side->title) << '\n'
            << "   " << side->path << '\n'
            << "   " << side->seconds << " s recorded (" << number(side->loadSeconds, 1)
            << " s of load), "
            << (side->complete ? "complete" : "incomplete (its run ended before finishing it)")
            << '\n';
    }
    std::optional<CompareEntityKind> section;
    QString entity;
    for (const CompareRow &row : t.rows) {
        if (section != row.kind) {
            section = row.kind;
            out << '\n'
                << QStringLiteral("%1 %2 %3   %4\n")
                       .arg(sectionTitle(row.kind), -24)
                       .arg(QStringLiteral("A"), 11)
                       .arg(QStringLiteral("B"), 11)
                       .arg(QStringLiteral("change"));
            entity.clear();
        }
        if (entity != row.entity) {
            entity = row.entity;
            out << "  " << entity
                << (row.kind == CompareEntityKind::Gateway ? QStringLiteral(" (what users saw)")
                                                           : QString())
                << '\n';
        }
        out << QStringLiteral("    %1 %2 %3   %4 %5\n")
                   .arg(compareFigureLabel(row.figure), -20)
                   .arg(compareValueText(row.a, row.figure), 11)
                   .arg(compareValueText(row.b, row.figure), 11)
                   .arg(compareChangeText(row), -26)
                   .arg(compareVerdictName(row.verdict));
    }
    if (t.rows.empty())
        out << "\n(no requests in either recording)\n";
    for (const auto &[letter, side] : {std::pair{'A', &t.a}, std::pair{'B', &t.b}}) {
        out << "\nExpectations of " << letter << " (" << side->title << ")\n";
        if (!side->hasReport)
            out << "  (no report: the run ended before it was finished)\n";
        else if (side->expectations.isEmpty())
            out << "  (none)\n";
        for (const CompareExpectation &e : side->expectations) {
            const QString verdict = !e.evaluated ? QStringLiteral("not evaluated")
                                    : e.held     ? QStringLiteral("held")
                                                 : QStringLiteral("NOT HELD");
            out << QStringLiteral("  %1 %2").arg(verdict, -13).arg(e.text);
            if (e.measured)
                out << " (measured " << QString::number(*e.measured, 'g', 6) << ')';
            out << '\n';
        }
    }
}

} // namespace

QString compareValueText(const std::optional<double> &v, CompareFigure f)
{
    return v ? number(*v, info(f).decimals) : dash;
}

QString compareChangeText(const CompareRow &row)
{
    if (!row.change)
        return dash;
    const int decimals = info(row.figure).decimals;
    QString text = signedNumber(*row.change, decimals);
    if (row.figure == CompareFigure::SuccessRate)
        text += QStringLiteral(" points");
    if (row.changePercent)
        text += QStringLiteral(" (%1%)").arg(signedNumber(*row.changePercent, 1));
    return text;
}

QString compareFigureName(CompareFigure f)
{
    return QLatin1String(info(f).name);
}

QString compareFigureLabel(CompareFigure f)
{
    return QLatin1String(info(f).label);
}

CompareDirection compareDirection(CompareFigure f)
{
    return info(f).direction;
}

std::optional<CompareFigure> compareFigureFromName(const QString &name)
{
    for (const FigureInfo &i : figureInfo)
        if (name == QLatin1String(i.name))
            return i.figure;
    return std::nullopt;
}

QList<CompareFigure> compareFigures(CompareEntityKind kind)
{
    QList<CompareFigure> figures{CompareFigure::SuccessRate,   CompareFigure::Throughput,
                                 CompareFigure::P50,           CompareFigure::P95,
                                 CompareFigure::P99,           CompareFigure::Timeouts,
                                 CompareFigure::ShortCircuits, CompareFigure::Fallbacks};
    if (kind == CompareEntityKind::Edge)
        figures << CompareFigure::Retries;
    if (kind == CompareEntityKind::Service)
        figures << CompareFigure::MaxReplicas;
    return figures;
}

QString compareVerdictName(CompareVerdict v)
{
    switch (v) {
    case CompareVerdict::Better:
        return QStringLiteral("better");
    case CompareVerdict::Worse:
        return QStringLiteral("worse");
    case CompareVerdict::Same:
        return QStringLiteral("same");
    case CompareVerdict::None:
        break;
    }
    return dash;
}

std::optional<CompareEntityKind> compareEntityKind(const QString &entity)
{
    const std::optional<EntityKey> key = EntityKey::fromName(entity);
    if (!key)
        return std::nullopt;
    switch (key->kind()) {
    case EntityKey::Kind::Gateway:
        return CompareEntityKind::Gateway;
    case EntityKey::Kind::Service:
        return CompareEntityKind::Service;
    case EntityKey::Kind::Route:
        return CompareEntityKind::Route;
    case EntityKey::Kind::Edge:
        return CompareEntityKind::Edge;
    case EntityKey::Kind::Client:
    case EntityKey::Kind::Users:
    case EntityKey::Kind::Http:
        break;
    }
    return std::nullopt;
}

double loadSeconds(const Recording &r)
{
    const std::vector<double> secs = r.seconds();
    return secs.empty() ? 0.0 : std::max(0.0, secs.back() - r.loadStart());
}

std::optional<double> compareValue(const Recording &r, const QString &entity, CompareFigure f)
{
    const auto kind = compareEntityKind(entity);
    if (!kind || !r.entities().contains(entity) || !compareFigures(*kind).contains(f))
        return std::nullopt;
    const SystemSnapshot last =
        *kind == CompareEntityKind::Edge ? lastSnapshot(r) : SystemSnapshot{};
    return figuresOf(r, entity, *kind, &last)[std::size_t(f)];
}

const CompareRow *CompareTable::find(const QString &entity, CompareFigure f) const
{
    for (const CompareRow &row : rows)
        if (row.entity == entity && row.figure == f)
            return &row;
    return nullptr;
}

QJsonObject CompareTable::toJson() const
{
    QJsonArray list;
    for (const CompareRow &r : rows)
        list.append(QJsonObject{
            {QStringLiteral("entity"), r.entity},
            {QStringLiteral("kind"), kindName(r.kind)},
            {QStringLiteral("figure"), compareFigureName(r.figure)},
            {QStringLiteral("a"), optionalJson(r.a)},
            {QStringLiteral("b"), optionalJson(r.b)},
            {QStringLiteral("change"), optionalJson(r.change)},
            {QStringLiteral("changePercent"), optionalJson(r.changePercent)},
            {QStringLiteral("verdict"), r.verdict == CompareVerdict::None
                                            ? QJsonValue(QJsonValue::Null)
                                            : QJsonValue(compareVerdictName(r.verdict))}});
    return {{QStringLiteral("a"), sideJson(a)},
            {QStringLiteral("b"), sideJson(b)},
            {QStringLiteral("rows"), list}};
}

CompareTable compareRecordings(const Recording &a, const Recording &b)
{
    CompareTable t;
    t.a = sideOf(a);
    t.b = sideOf(b);
    const QStringList inA = a.entities();
    const QStringList inB = b.entities();
    // Gateway, services, routes, edges; by name within each.
    std::map<std::pair<int, QString>, CompareEntityKind> entities;
    for (const QStringList *names : {&inA, &inB})
        for (const QString &name : *names)
            if (const auto kind = compareEntityKind(name))
                entities.emplace(std::pair{int(*kind), name}, *kind);
    const SystemSnapshot lastA = lastSnapshot(a), lastB = lastSnapshot(b);
    for (const auto &[key, kind] : entities) {
        const QString &entity = key.second;
        const Figures fa = inA.contains(entity) ? figuresOf(a, entity, kind, &lastA) : Figures{};
        const Figures fb = inB.contains(entity) ? figuresOf(b, entity, kind, &lastB) : Figures{};
        for (const CompareFigure f : compareFigures(kind)) {
            CompareRow row;
            row.entity = entity;
            row.kind = kind;
            row.figure = f;
            row.a = fa[std::size_t(f)];
            row.b = fb[std::size_t(f)];
            if (row.a.value_or(0) == 0 && row.b.value_or(0) == 0)
                continue;
            if (row.a && row.b) {
                row.change = *row.b - *row.a;
                if (f != CompareFigure::SuccessRate && *row.a != 0)
                    row.changePercent = 100.0 * *row.change / *row.a;
                const CompareDirection d = info(f).direction;
                if (d == CompareDirection::Neutral)
                    row.verdict = CompareVerdict::None;
                else if (sameAsPrinted(*row.change, 0, info(f).decimals) ||
                         (row.changePercent && std::abs(*row.changePercent) < SamePercent))
                    row.verdict = CompareVerdict::Same;
                else
                    row.verdict = (*row.change > 0) == (d == CompareDirection::HigherIsBetter)
                                      ? CompareVerdict::Better
                                      : CompareVerdict::Worse;
            }
            t.rows.push_back(row);
        }
    }
    return t;
}

std::optional<QList<FailRule>> parseFailIf(const QString &text, QString *error)
{
    QList<FailRule> rules;
    if (text.trimmed().isEmpty()) {
        *error = QStringLiteral("--fail-if is empty; give rules such as \"p99-ms:+10%\"");
        return std::nullopt;
    }
    for (const QString &piece : text.split(QLatin1Char(','))) {
        const QString ruleText = piece.trimmed();
        const auto refuse = [&](const QString &why) {
            *error = QStringLiteral("--fail-if rule '%1': %2").arg(ruleText, why);
            return std::nullopt;
        };
        if (ruleText.isEmpty()) {
            *error = QStringLiteral("--fail-if '%1' has an empty rule (two commas, or one at an "
                                    "end)")
                         .arg(text);
            return std::nullopt;
        }
        // The threshold is after the last colon: an entity may hold colons
        // itself ("route:order:GET /orders").
        const qsizetype colon = ruleText.lastIndexOf(QLatin1Char(':'));
        if (colon < 0)
            return refuse(QStringLiteral("expected FIGURE[@ENTITY]:THRESHOLD, e.g. p99-ms:+10%"));
        const QString head = ruleText.left(colon).trimmed();
        QString threshold = ruleText.mid(colon + 1).trimmed();
        const qsizetype at = head.indexOf(QLatin1Char('@'));
        const QString figureName = (at < 0 ? head : head.left(at)).trimmed();
        FailRule rule;
        rule.text = ruleText;
        const auto figure = compareFigureFromName(figureName);
        if (!figure || figure == CompareFigure::MaxReplicas) {
            QStringList names;
            for (const FigureInfo &i : figureInfo)
                if (i.figure != CompareFigure::MaxReplicas)
                    names << QLatin1String(i.name);
            return refuse(figure ? QStringLiteral("max-replicas is neither better nor worse when "
                                                  "higher, so it cannot be a rule; use one of %1")
                                       .arg(names.join(QStringLiteral(", ")))
                                 : QStringLiteral("unknown figure '%1'; use one of %2")
                                       .arg(figureName, names.join(QStringLiteral(", "))));
        }
        rule.figure = *figure;
        if (at >= 0) {
            rule.entity = head.mid(at + 1).trimmed();
            if (rule.entity.isEmpty())
                return refuse(QStringLiteral("nothing after '@'; name an entity (gateway, "
                                             "product, users>product, route:...)"));
        }
        if (threshold.endsWith(QLatin1Char('%'))) {
            rule.percent = true;
            threshold.chop(1);
        }
        bool ok = false;
        rule.threshold = threshold.toDouble(&ok);
        const bool signedText =
            threshold.startsWith(QLatin1Char('+')) || threshold.startsWith(QLatin1Char('-'));
        if (!ok || !std::isfinite(rule.threshold))
            return refuse(QStringLiteral("the threshold '%1' is not a number (e.g. +10%, -0.5)")
                              .arg(ruleText.mid(colon + 1).trimmed()));
        const bool worseUp = compareDirection(rule.figure) == CompareDirection::LowerIsBetter;
        const QString example = worseUp ? QStringLiteral("%1:+10%").arg(figureName)
                                        : QStringLiteral("%1:-0.5").arg(figureName);
        const QString why =
            QStringLiteral("%1 gets worse as it %2, so its threshold must be %3 (e.g. %4: fail "
                           "when B is %5 A by more than that)")
                .arg(figureName, worseUp ? QStringLiteral("rises") : QStringLiteral("falls"),
                     worseUp ? QStringLiteral("positive") : QStringLiteral("negative"), example,
                     worseUp ? QStringLiteral("above") : QStringLiteral("below"));
        if (!signedText)
            return refuse(QStringLiteral("the threshold needs a sign: ") + why);
        if (threshold.startsWith(QLatin1Char('+')) != worseUp)
            return refuse(why);
        rules << rule;
    }
    return rules;
}

QString resolveRuleEntity(const FailRule &rule, const Recording &a, const Recording &b,
                          QString *error)
{
    const QString &given = rule.entity;
    QString entity = given;
    if (!compareEntityKind(given)) // a rule names an edge or a service by its words
        entity = given.contains(QLatin1Char('>')) ? EntityKey::named(given).name()
                                                  : EntityKey::service(given).name();
    const auto refuse = [&](const QString &why) {
        *error = QStringLiteral("--fail-if rule '%1': %2").arg(rule.text, why);
        return QString();
    };
    const QStringList inA = a.entities(), inB = b.entities();
    if (!inA.contains(entity) && !inB.contains(entity)) {
        QStringList services;
        for (const QStringList *names : {&inA, &inB})
            for (const QString &n : *names)
                if (const auto key = EntityKey::fromName(n);
                    key && key->isService() && !services.contains(key->service()))
                    services << key->service();
        services.sort();
        return refuse(QStringLiteral("neither recording has '%1' (their services: %2; an edge "
                                     "is caller>callee, a route route:SERVICE:METHOD PATH)")
                          .arg(entity, services.join(QStringLiteral(", "))));
    }
    const auto kind = compareEntityKind(entity);
    if (!compareFigures(*kind).contains(rule.figure))
        return refuse(QStringLiteral("%1 is counted on edges only, not on %2")
                          .arg(compareFigureName(rule.figure), entity));
    return entity;
}

RuleResult evaluateRule(const FailRule &rule, const QString &entity, const Recording &a,
                        const Recording &b)
{
    RuleResult r;
    r.rule = rule;
    r.entity = entity;
    r.a = compareValue(a, entity, rule.figure);
    r.b = compareValue(b, entity, rule.figure);
    if (!r.a && !r.b) {
        r.passed = true;
        r.reason = QStringLiteral("neither recording has a value (no requests)");
        return r;
    }
    if (!r.a || !r.b) {
        r.reason = QStringLiteral("%1 has no value (%2), so it cannot be judged")
                       .arg(r.a ? QStringLiteral("B") : QStringLiteral("A"),
                            a.entities().contains(entity) && b.entities().contains(entity)
                                ? QStringLiteral("no requests")
                                : QStringLiteral("no such entity"));
        return r;
    }
    const bool worseUp = compareDirection(rule.figure) == CompareDirection::LowerIsBetter;
    const double worse = worseUp ? *r.b - *r.a : *r.a - *r.b;
    r.limit =
        rule.percent ? std::abs(rule.threshold) / 100.0 * std::abs(*r.a) : std::abs(rule.threshold);
    r.passed = worse <= r.limit;
    return r;
}

QString RuleResult::line() const
{
    const CompareFigure f = rule.figure;
    const bool worseUp = compareDirection(f) == CompareDirection::LowerIsBetter;
    // The sign is the figure's worse direction (parseFailIf made sure of it).
    const QString unit =
        f == CompareFigure::SuccessRate ? QStringLiteral(" points") : QLatin1String(info(f).unit);
    const QString threshold = (worseUp ? QStringLiteral("+") : QStringLiteral("-")) +
                              QString::number(std::abs(rule.threshold)) +
                              (rule.percent ? QStringLiteral("%") : unit);
    const QString text =
        QStringLiteral("%1 %2@%3 %4: A %5, B %6")
            .arg(passed ? QStringLiteral("PASS") : QStringLiteral("FAIL"), compareFigureName(f),
                 entity, threshold, a ? withUnit(*a, f) : dash, b ? withUnit(*b, f) : dash);
    if (!reason.isEmpty())
        return text + QStringLiteral("; ") + reason;
    const double change = *b - *a;
    QString changed = signedNumber(change, info(f).decimals) + unit;
    if (f != CompareFigure::SuccessRate && *a != 0)
        changed += QStringLiteral(", %1%").arg(signedNumber(100.0 * change / *a, 1));
    return text + QStringLiteral(" (%1), fails %2 %3")
                      .arg(changed, worseUp ? QStringLiteral("above") : QStringLiteral("below"),
                           withUnit(worseUp ? *a + limit : *a - limit, f));
}

QJsonObject RuleResult::toJson() const
{
    return {{QStringLiteral("rule"), rule.text},
            {QStringLiteral("figure"), compareFigureName(rule.figure)},
            {QStringLiteral("entity"), entity},
            {QStringLiteral("threshold"), rule.threshold},
            {QStringLiteral("percent"), rule.percent},
            {QStringLiteral("a"), optionalJson(a)},
            {QStringLiteral("b"), optionalJson(b)},
            {QStringLiteral("passed"), passed},
            {QStringLiteral("reason"), reason}};
}

QString compareUsage()
{
    return QStringLiteral(
        "Usage: microcosm compare A.microcosm B.microcosm [--fail-if RULES] [--json FILE]\n"
        "\n"
        "Prints two recordings side by side: for the gateway (what users saw), every service,\n"
        "route and edge, the success rate, throughput, p50/p95/p99, timeouts, short-circuits,\n"
        "fallbacks, retries (edges) and most replicas ready (services) of A and B, the change\n"
        "from A to B and whether B is better or worse; then each run's expectations.\n"
        "\n"
        "  --fail-if RULES  comma-separated FIGURE[@ENTITY]:THRESHOLD; exit 1 when B is worse\n"
        "                   than A by more than THRESHOLD on any of them. FIGURE: success-rate,\n"
        "                   throughput, p50-ms, p95-ms, p99-ms, timeouts, short-circuits,\n"
        "                   fallbacks, retries. ENTITY (default gateway): gateway, a service\n"
        "                   (product), an edge (users>product) or a full metrics name\n"
        "                   (service:product, edge:order>cart, route:order:GET /orders).\n"
        "                   THRESHOLD is signed the way the figure gets worse, in its unit or\n"
        "                   in % of A: p99-ms:+10% fails when B's p99 is over 110% of A's;\n"
        "                   success-rate:-0.5 when B's success rate is over 0.5 points below.\n"
        "  --json FILE      also write the table (and the rules' verdicts) to FILE as JSON.\n"
        "  -h, --help       this text.\n"
        "\n"
        "Exit code: 0 compared and every rule held, 1 a rule failed, 2 bad usage or a file that\n"
        "is not a recording.\n");
}

int runCompare(const QStringList &args, QTextStream &out, QTextStream &err)
{
    const auto usageError = [&err](const QString &message) {
        err << "microcosm compare: " << message << "\nTry 'microcosm compare --help'.\n";
        err.flush();
        return 2;
    };
    QCommandLineParser parser;
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Usage."));
    const QCommandLineOption failIf(QStringLiteral("fail-if"), QStringLiteral("Rules."),
                                    QStringLiteral("RULES"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON file."),
                                  QStringLiteral("FILE"));
    parser.addOptions({help, failIf, json});
    if (!parser.parse(QStringList{QStringLiteral("microcosm compare")} + args))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        out << compareUsage();
        out.flush();
        return 0;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() != 2)
        return usageError(
            QStringLiteral("needs two recordings, A and B (got %1)").arg(files.size()));
    QList<FailRule> rules;
    if (parser.isSet(failIf)) {
        QString problem;
        const auto parsed = parseFailIf(parser.value(failIf), &problem);
        if (!parsed)
            return usageError(problem);
        rules = *parsed;
    }
    if (parser.isSet(json) && parser.value(json).isEmpty())
        return usageError(QStringLiteral("--json needs a file name"));

    std::optional<Recording> recordings[2];
    for (int i = 0; i < 2; ++i) {
        QString problem;
        recordings[i] = Recording::open(files[i], &problem);
        if (!recordings[i]) {
            err << "microcosm compare: " << problem << '\n';
            err.flush();
            return 2;
        }
    }
    const Recording &a = *recordings[0];
    const Recording &b = *recordings[1];
    QStringList entities;
    for (const FailRule &rule : rules) {
        QString problem;
        const QString entity = resolveRuleEntity(rule, a, b, &problem);
        if (entity.isEmpty())
            return usageError(problem);
        entities << entity;
    }

    const CompareTable table = compareRecordings(a, b);
    printTable(table, out);
    bool allPassed = true;
    QJsonArray ruleJson;
    if (!rules.isEmpty())
        out << "\nRules (B against A)\n";
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const RuleResult r = evaluateRule(rules[i], entities[i], a, b);
        allPassed = allPassed && r.passed;
        out << "  " << r.line() << '\n';
        ruleJson.append(r.toJson());
    }
    if (!rules.isEmpty())
        out << (allPassed ? "every rule passed\n" : "a rule failed\n");
    out.flush();
    if (parser.isSet(json)) {
        QJsonObject doc = table.toJson();
        doc.insert(QStringLiteral("rules"), ruleJson);
        doc.insert(QStringLiteral("passed"), allPassed);
        QString problem;
        if (!writeWhole(parser.value(json), QJsonDocument(doc).toJson(), &problem)) {
            err << "microcosm compare: --json: " << problem << '\n';
            err.flush();
            return 2;
        }
    }
    return allPassed ? 0 : 1;
}

} // namespace microcosm
