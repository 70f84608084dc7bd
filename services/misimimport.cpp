// Imports MiSim's architecture and experiment files. Matched against the
// upstream repository Cambio-Project/MiSim (commit b6950391, "Update
// version"), whose parser is the reference for every name, alias and default
// read here:
//   src/main/java/cambio/simulator/parsing/GsonHelper.java — Gson with
//     FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES: a field without its own
//     @SerializedName is read only under its snake_case name;
//   parsing/adapter/architecture/ArchitectureModelAdapter.java, MicroserviceAdapter.java,
//     OperationAdapter.java, DependencyDescriptionAdapter.java ("basic", "alternative",
//     "loop"), ServiceOwnedPatternAdapter.java, InstanceOwnedPatternConfigAdapter.java,
//     LoadBalancerAdapter.java;
//   parsing/adapter/NormalDistributionAdapter.java ("m", "m+-s", "m+l-r"),
//     DiscreteDistributionAdapter.java, ConfigurableNamedTypeAdapter.java,
//     parsing/PatternConfigurationParser.java, parsing/TypeNameAssociatedConfigurationData.java;
//   parsing/adapter/experiment/ExperimentModelAdapter.java (generators, named and
//     grouped actions), ExperimentMetaDataAdapter.java, ExperimentActionAdapter.java,
//     LoadGeneratorExecutorAdapter.java, NameReferenceTypeAdapterFactory.java;
//   models/ArchitectureModel.java, ExperimentModel.java, ExperimentMetaData.java;
//   entities/microservice/Microservice.java, Operation.java, MicroserviceInstance.java
//     (dependencies sent at once, then the demand computed);
//   resources/cpu/CPU.java (4 threads sharing the instance's capacity);
//   entities/networking/SimpleDependencyDescription.java, AbstractDependencyDescription.java,
//     AlternativeDependencyDescription.java, LoopDependencyDescription.java,
//     NetworkRequestTimeoutEvent.java (8 s per request);
//   entities/patterns/Retry.java, ExponentialBackoffRetryStrategy.java,
//     JitteringExponentialBackoffRetryStrategy.java, LinearBackoffRetryStrategy.java,
//     JitteringLinearBackoffRetryStrategy.java, CircuitBreaker.java,
//     TimingWindowCircuitBreakerState.java, BasicPeriodicAutoscalingStrategyProxy.java,
//     StrategicPeriodicServiceOwnedPattern.java, ReactiveAutoscalingPolicy.java,
//     EvenLoadBalanceStrategy.java, RandomLoadBalanceStrategy.java,
//     UtilizationBalanceStrategy.java, RoundRobinLoadbalancer.java,
//     QuickRoundRobinLoadbalancer.java;
//   entities/generator/LoadGeneratorDescription.java, IntervalLoadGeneratorDescription.java,
//     LimboLoadGeneratorDescription.java;
//   events/ExperimentAction.java, ChaosMonkeyEvent.java, SummonerMonkeyEvent.java,
//     DelayInjection.java; misc/NameResolver.java;
//   Examples/*.json, Examples/PaperExample/*, src/test/resources/test_architecture.json,
//     test_experiment.json (the forms seen in use).
#include "misimimport.h"

#include "jsonreader.h"
#include "savefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <vector>

namespace microcosm {

namespace {

// MiSim's figures the mapping keeps, and Microcosm's limits (README.md,
// "Import from MiSim", says why each is what it is).
constexpr int CpuThreads = 4;             // CPU.DEFAULT_THREADPOOL_SIZE: threads per instance
constexpr int CallerWorkers = 32;         // a caller's workers also wait on its calls
constexpr double RequestTimeoutMs = 8000; // NetworkRequestTimeoutEvent: each request, 8 s
constexpr int QueueCapacity = 10000;      // MiSim's queues have no bound
constexpr int MostReplicas = 32;
constexpr int MostTimes = 100;
constexpr int MostAttempts = 20;
constexpr double MostServiceTimeMs = 60000;
constexpr double MostFaultMs = 600000;
constexpr double MostRate = 100000;
constexpr int MostRateSteps = 1000;
constexpr qint64 MostRepetitions = 100000; // of one limbo profile
constexpr double DefaultDuration = 30;
constexpr double NoExperimentRate = 10;
constexpr double Infinity = std::numeric_limits<double>::infinity();

// v to a whole number of units (dividing, so that 0.7 stays 0.7).
double rounded(double v, double unit = 1e-4)
{
    const double per = std::round(1 / unit);
    return std::round(v * per) / per;
}

QString num(double v)
{
    return QString::number(v, 'g', 10);
}

// A value MiSim draws from a normal distribution (desmoj's ContDistNormal):
// its mean and the standard deviations below and above it.
struct Normal
{
    double mean = 0;
    double left = 0;
    double right = 0;
    bool spread() const { return left != 0 || right != 0; }
    QString text() const
    {
        if (!spread())
            return num(mean);
        if (left == right)
            return QStringLiteral("%1 ± %2").arg(num(mean), num(left));
        return QStringLiteral("%1 +%2 −%3").arg(num(mean), num(left), num(right));
    }
};

// "maxTries" for "max_tries": the spelling MiSim's Gson does not read.
QString camelCase(const QString &snake)
{
    QString out;
    bool upper = false;
    for (const QChar c : snake) {
        if (c == QLatin1Char('_')) {
            upper = true;
            continue;
        }
        out += upper ? c.toUpper() : c;
        upper = false;
    }
    return out;
}

// A JSON object being read, and which of its keys were.
struct Obj
{
    QJsonObject o;
    QString path;
    QStringList used;
};

// Reads one MiSim file as Gson would: numbers may be given as strings, a
// key MiSim does not know is ignored (here: noted). Every problem and note
// names the file and the JSON path.
class Reader
{
public:
    Reader(QString file, QStringList *errors, QStringList *notes)
        : m_file(std::move(file)), m_errors(errors), m_notes(notes)
    {
    }

    const QString &file() const { return m_file; }
    void fail(const QString &path, const QString &message)
    {
        m_errors->append(QStringLiteral("%1: %2: %3").arg(m_file, path, message));
    }
    void error(const QString &path, const QString &expected, const QJsonValue &found)
    {
        fail(path,
             QStringLiteral("expected %1, found %2").arg(expected, JsonReader::describe(found)));
    }
    void note(const QString &path, const QString &message)
    {
        m_notes->append(QStringLiteral("%1: %2: %3").arg(m_file, path, message));
    }

    std::optional<Obj> object(const QJsonValue &v, const QString &path)
    {
        if (!v.isObject()) {
            error(path, QStringLiteral("an object"), v);
            return std::nullopt;
        }
        return Obj{v.toObject(), path, {}};
    }
    std::optional<QJsonArray> array(const QJsonValue &v, const QString &path)
    {
        if (!v.isArray()) {
            error(path, QStringLiteral("an array"), v);
            return std::nullopt;
        }
        return v.toArray();
    }

    // The value of the first of names (MiSim's name, then its aliases) that
    // obj holds, and its path in *where. A snake_case name's camelCase
    // spelling is taken as meant, with a note: MiSim itself ignores it.
    QJsonValue value(Obj &obj, const QStringList &names, QString *where = nullptr)
    {
        QStringList present;
        for (const QString &n : names)
            if (obj.o.contains(n))
                present << n;
        QStringList camels;
        for (const QString &n : names) {
            const QString c = camelCase(n);
            if (c != n && !names.contains(c) && obj.o.contains(c) && !camels.contains(c))
                camels << c;
        }
        obj.used << present << camels;
        if (present.size() + camels.size() > 1) {
            fail(obj.path, QStringLiteral("gives \"%1\" more than once (as %2); give it once")
                               .arg(names.first(), (present + camels).join(QStringLiteral(", "))));
            return QJsonValue(QJsonValue::Undefined);
        }
        QString key;
        if (!present.isEmpty()) {
            key = present.first();
        } else if (!camels.isEmpty()) {
            key = camels.first();
            note(JsonReader::member(obj.path, key),
                 QStringLiteral("taken as \"%1\"; MiSim reads only \"%1\" and ignores \"%2\" "
                                "(its run used the default instead)")
                     .arg(names.first(), key));
        } else {
            return QJsonValue(QJsonValue::Undefined);
        }
        if (where)
            *where = JsonReader::member(obj.path, key);
        return obj.o.value(key);
    }

    // The keys of obj nobody read: MiSim ignores them, and they are noted.
    void finish(const Obj &obj)
    {
        for (auto it = obj.o.begin(); it != obj.o.end(); ++it)
            if (!obj.used.contains(it.key()))
                note(JsonReader::member(obj.path, it.key()),
                     QStringLiteral("ignored: MiSim does not read this key here"));
    }

    static std::optional<double> toNumber(const QJsonValue &v)
    {
        double d = 0;
        if (v.isDouble()) {
            d = v.toDouble();
        } else if (v.isString()) {
            bool ok = false;
            d = v.toString().trimmed().toDouble(&ok);
            if (!ok)
                return std::nullopt;
        } else {
            return std::nullopt;
        }
        if (!std::isfinite(d))
            return std::nullopt;
        return d;
    }

    static QString range(double min, double max, bool whole)
    {
        const QString kind = whole ? QStringLiteral("an integer") : QStringLiteral("a number");
        if (max == Infinity || max >= double(INT_MAX))
            return QStringLiteral("%1 of at least %2").arg(kind, num(min));
        return QStringLiteral("%1 from %2 to %3").arg(kind, num(min), num(max));
    }

    // A number (or a string holding one, as Gson reads it) within [min, max].
    double number(Obj &obj, const QStringList &names, double fallback, double min, double max,
                  bool required = false, bool *given = nullptr, QString *at = nullptr)
    {
        QString where;
        const QJsonValue v = value(obj, names, &where);
        if (at)
            *at = where;
        if (given)
            *given = !v.isUndefined();
        if (v.isUndefined()) {
            if (required)
                fail(obj.path, QStringLiteral("needs \"%1\"").arg(names.first()));
            return fallback;
        }
        const auto d = toNumber(v);
        if (!d || !(*d >= min && *d <= max)) {
            error(where, range(min, max, false), v);
            return fallback;
        }
        return *d;
    }

    int integer(Obj &obj, const QStringList &names, int fallback, int min, int max,
                bool required = false, bool *given = nullptr)
    {
        QString where;
        const QJsonValue v = value(obj, names, &where);
        if (given)
            *given = !v.isUndefined();
        if (v.isUndefined()) {
            if (required)
                fail(obj.path, QStringLiteral("needs \"%1\"").arg(names.first()));
            return fallback;
        }
        const auto d = toNumber(v);
        if (!d || *d != std::floor(*d) || !(*d >= min && *d <= max)) {
            error(where, range(min, max, true), v);
            return fallback;
        }
        return int(*d);
    }

    QString string(Obj &obj, const QStringList &names, const QString &fallback,
                   bool required = false, QString *where = nullptr)
    {
        QString at;
        const QJsonValue v = value(obj, names, &at);
        if (where)
            *where = at;
        if (v.isUndefined()) {
            if (required)
                fail(obj.path, QStringLiteral("needs \"%1\"").arg(names.first()));
            return fallback;
        }
        if (!v.isString()) {
            error(at, QStringLiteral("a string"), v);
            return fallback;
        }
        return v.toString();
    }

    bool boolean(Obj &obj, const QStringList &names, bool fallback)
    {
        QString where;
        const QJsonValue v = value(obj, names, &where);
        if (v.isUndefined())
            return fallback;
        if (v.isBool())
            return v.toBool();
        if (v.isString() &&
            (v.toString() == QLatin1String("true") || v.toString() == QLatin1String("false")))
            return v.toString() == QLatin1String("true");
        error(where, QStringLiteral("true or false"), v);
        return fallback;
    }

    // NormalDistributionAdapter's grammar: a number, "mean+-deviation" or
    // "mean+left-right".
    std::optional<Normal> normal(const QJsonValue &v, const QString &path)
    {
        if (const auto d = v.isDouble() ? toNumber(v) : std::nullopt)
            return Normal{*d, 0, 0};
        if (v.isString()) {
            const QString text = v.toString().trimmed();
            static const QRegularExpression asymmetric(QStringLiteral("^(.+)\\+((?!-).+)-(.+)$"));
            QStringList parts;
            if (text.contains(QLatin1String("+-"))) {
                parts = text.split(QStringLiteral("+-"));
                if (parts.size() == 2)
                    parts << parts[1];
            } else if (const auto m = asymmetric.match(text); m.hasMatch()) {
                parts = {m.captured(1), m.captured(2), m.captured(3)};
            } else {
                parts = {text, QStringLiteral("0"), QStringLiteral("0")};
            }
            if (parts.size() == 3) {
                bool a = false, b = false, c = false;
                const Normal n{parts[0].toDouble(&a), parts[1].toDouble(&b), parts[2].toDouble(&c)};
                if (a && b && c && std::isfinite(n.mean) && std::isfinite(n.left) &&
                    std::isfinite(n.right) && n.left >= 0 && n.right >= 0)
                    return n;
            }
        }
        error(path,
              QStringLiteral("a number or a distribution such as \"0.5+-0.1\" or \"0.5+0.1-0.2\""),
              v);
        return std::nullopt;
    }

    std::optional<Normal> normal(Obj &obj, const QStringList &names, QString *where)
    {
        const QJsonValue v = value(obj, names, where);
        if (v.isUndefined())
            return std::nullopt;
        return normal(v, *where);
    }

private:
    QString m_file;
    QStringList *m_errors;
    QStringList *m_notes;
};

// --- The MiSim model, as read ---------------------------------------------

struct Dependency
{
    enum class Kind
    {
        Basic,
        Alternative,
        Loop
    };
    Kind kind = Kind::Basic;
    QString path;
    Normal probability{1, 0, 0};
    Normal weight{1, 0, 0}; // alternative_probability
    bool weightGiven = false;
    int iterations = 1;
    QString service, operation, operationPath; // as written (Basic)
    int targetService = -1, targetOperation = -1;
    QList<Dependency> children;
};

struct Operation
{
    QString name; // MiSim's plain name
    QString path;
    QString segment; // its path segment here
    double demand = 0;
    QList<Dependency> dependencies;
};

struct RetryPattern
{
    QString path;
    int maxTries = 5;
    QString strategy = QStringLiteral("jittering"); // Retry's default strategy
    double baseBackoff = 0.010, maxBackoff = 1, base = 3;
};

struct BreakerPattern
{
    QString path;
    bool hasThreshold = false;
    double threshold = Infinity; // MiSim compares it with the failure fraction
    QString thresholdPath;
    bool hasVolume = false;
    int volume = INT_MAX;
    double sleepWindow = 0.5;
    double rollingWindow = 20;
};

struct AutoscalingPattern
{
    QString path;
    double period = 1, start = 0, stop = Infinity;
    double lower = 0.3, upper = 0.8;
    int minInstances = 1;
    bool hasMax = false;
    int maxInstances = INT_MAX;
    double holdTime = 120;
};

struct Microservice
{
    QString misimName;
    QString name; // here
    QString path;
    int instances = 1;
    int capacity = 1;
    QString balancing = QStringLiteral("round-robin");
    QList<Operation> operations;
    std::optional<RetryPattern> retry;
    std::optional<BreakerPattern> breaker;
    std::optional<AutoscalingPattern> autoscaling;
    std::set<int> callees; // other services its operations call
    bool callsItself = false;
};

// A request generator's arrivals, per second of the run.
struct Generator
{
    int service = -1, operation = -1;
    QString path;
    std::vector<double> perSecond;
};

struct Action
{
    enum class Kind
    {
        Summon, // before a kill at the same time: MiSim gives summoners priority
        Kill,
        Delay
    };
    Kind kind = Kind::Kill;
    QString path;
    int order = 0;
    double at = 0;
    int service = -1;
    int instances = INT_MAX;
    Normal delay;
    double duration = 0;
    int sourceOperation = -1;
    int targetService = -1, targetOperation = -1;
};

struct TimelineStep
{
    double at = 0;
    int order = 0;
    QJsonObject json;
};

// A name of letters, digits and '-', starting with a letter, at most
// `most` characters (what an architecture accepts for a service).
QString sanitized(const QString &text, int most, const QString &otherAllowed = QString())
{
    QString out;
    for (const QChar c : text) {
        const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
                        (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
                        (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-') ||
                        otherAllowed.contains(c);
        out += ok ? c : QLatin1Char('-');
    }
    while (out.contains(QLatin1String("--")))
        out.replace(QLatin1String("--"), QLatin1String("-"));
    while (out.endsWith(QLatin1Char('-')) && out.size() > 1)
        out.chop(1);
    if (out.isEmpty() || !out.front().isLetter())
        out.prepend(QStringLiteral("s-"));
    return out.left(most);
}

QString unique(const QString &base, const QStringList &taken, int most)
{
    if (!taken.contains(base))
        return base;
    for (int i = 2;; ++i) {
        const QString suffix = QStringLiteral("-%1").arg(i);
        const QString candidate = base.left(most - int(suffix.size())) + suffix;
        if (!taken.contains(candidate))
            return candidate;
    }
}

class Importer
{
public:
    Importer(const MiSimImporter::Input &input, QStringList *errors)
        : m_input(input), m_errors(errors), m_arch(input.architectureName, errors, &m_notes),
          m_exp(input.experimentName, errors, &m_notes)
    {
    }

    std::optional<MiSimImport> run();

private:
    // Architecture
    void readArchitecture(const QJsonObject &root);
    void readMicroservice(const QJsonValue &v, const QString &path);
    void readOperation(Microservice &ms, const QJsonValue &v, const QString &path);
    std::optional<Dependency> readDependency(const QJsonValue &v, const QString &path);
    void readInstancePattern(Microservice &ms, const QJsonValue &v, const QString &path);
    void readServicePattern(Microservice &ms, const QJsonValue &v, const QString &path);
    QString readBalancing(const QJsonValue &v, const QString &path);
    void resolve(Dependency &d, int owner);
    void nameEverything();
    // Experiment
    void readExperiment(const QJsonObject &root);
    void readMetadata(Obj &meta);
    void readGenerator(const QJsonValue &v, const QString &path);
    void readAction(const QJsonValue &v, const QString &path);
    std::pair<int, int> operationNamed(const QString &name, const QString &service,
                                       const QString &path, Reader &r);
    int serviceNamed(const QString &name, const QString &path, Reader &r);
    QString limboFile(const QString &name) const;
    // Scenario
    QJsonObject servicesJson();
    std::optional<QJsonObject> stepJson(const Dependency &d);
    QJsonObject policiesJson();
    QJsonObject retryJson(const RetryPattern &p, double *timeoutMs);
    std::optional<QJsonObject> breakerJson(const BreakerPattern &p);
    QJsonObject autoscalerJson();
    QJsonObject loadJson(QJsonObject *journeys);
    void chaosSteps();
    void delaySteps();
    bool hasCycle() const;
    QString route(int service, int operation) const
    {
        return QStringLiteral("POST /%1/%2")
            .arg(m_services[service].name, m_services[service].operations[operation].segment);
    }
    void addStep(double at, QJsonObject json, const QString &path, int order);

    const MiSimImporter::Input &m_input;
    QStringList *m_errors;
    QStringList m_notes;
    Reader m_arch;
    Reader m_exp;
    QList<Microservice> m_services;
    QList<Generator> m_generators;
    QList<Action> m_actions;
    QList<TimelineStep> m_timeline;
    bool m_hasExperiment = false;
    double m_duration = DefaultDuration;
    quint64 m_seed = 1;
    QString m_experimentName, m_modelName, m_description;
};

// --- Reading the architecture ---------------------------------------------

void Importer::readArchitecture(const QJsonObject &rootObject)
{
    Obj root{rootObject, QStringLiteral("$"), {}};
    QString where;
    const QJsonValue list = m_arch.value(root, {QStringLiteral("microservices")}, &where);
    if (list.isUndefined())
        m_arch.fail(QStringLiteral("$"), QStringLiteral("needs \"microservices\", the list of "
                                                        "microservices"));
    else if (const auto services = m_arch.array(list, where))
        for (qsizetype i = 0; i < services->size(); ++i)
            readMicroservice(services->at(i), QStringLiteral("%1[%2]").arg(where).arg(i));
    if (const auto latency =
            m_arch.normal(root,
                          {QStringLiteral("network_latency"), QStringLiteral("network_delay"),
                           QStringLiteral("delay"), QStringLiteral("latency")},
                          &where))
        m_arch.note(where, QStringLiteral("MiSim's network latency (%1 s on every request) has no "
                                          "equivalent: Microcosm models no delay between "
                                          "services (add one with a timeline \"latency\" step)")
                               .arg(latency->text()));
    m_arch.finish(root);

    // MiSim resolves dependencies once every operation is known.
    for (int s = 0; s < int(m_services.size()); ++s)
        for (Operation &op : m_services[s].operations)
            for (Dependency &d : op.dependencies)
                resolve(d, s);
}

void Importer::readMicroservice(const QJsonValue &v, const QString &path)
{
    auto o = m_arch.object(v, path);
    if (!o)
        return;
    Microservice ms;
    ms.path = path;
    QString where;
    ms.misimName = m_arch.string(*o, {QStringLiteral("name")}, QString(), true, &where);
    if (ms.misimName.isEmpty() && !where.isEmpty())
        m_arch.fail(where, QStringLiteral("a microservice needs a name"));
    for (const Microservice &other : m_services)
        if (!ms.misimName.isEmpty() && other.misimName == ms.misimName)
            m_arch.fail(where, QStringLiteral("a second microservice named \"%1\" (the first is "
                                              "%2)")
                                   .arg(ms.misimName, other.path));
    ms.capacity = m_arch.integer(*o, {QStringLiteral("capacity")}, 1, 1, INT_MAX);
    ms.instances =
        m_arch.integer(*o,
                       {QStringLiteral("instances"), QStringLiteral("starting_instance_count"),
                        QStringLiteral("starting_instances")},
                       1, 0, INT_MAX);
    const QJsonValue lb =
        m_arch.value(*o,
                     {QStringLiteral("loadbalancer_strategy"), QStringLiteral("load_balancer"),
                      QStringLiteral("loadbalancer")},
                     &where);
    if (!lb.isUndefined())
        ms.balancing = readBalancing(lb, where);
    m_services.append(ms);
    Microservice &added = m_services.last();
    const QJsonValue ops = m_arch.value(*o, {QStringLiteral("operations")}, &where);
    if (!ops.isUndefined())
        if (const auto list = m_arch.array(ops, where))
            for (qsizetype i = 0; i < list->size(); ++i)
                readOperation(added, list->at(i), QStringLiteral("%1[%2]").arg(where).arg(i));
    const QJsonValue ip =
        m_arch.value(*o,
                     {QStringLiteral("i_patterns"), QStringLiteral("instance_patterns"),
                      QStringLiteral("patterns"), QStringLiteral("i_pattern"),
                      QStringLiteral("instance_pattern")},
                     &where);
    if (!ip.isUndefined())
        if (const auto list = m_arch.array(ip, where))
            for (qsizetype i = 0; i < list->size(); ++i)
                readInstancePattern(added, list->at(i), QStringLiteral("%1[%2]").arg(where).arg(i));
    const QJsonValue sp =
        m_arch.value(*o,
                     {QStringLiteral("s_patterns"), QStringLiteral("service_patterns"),
                      QStringLiteral("s_pattern"), QStringLiteral("service_pattern")},
                     &where);
    if (!sp.isUndefined())
        if (const auto list = m_arch.array(sp, where))
            for (qsizetype i = 0; i < list->size(); ++i)
                readServicePattern(added, list->at(i), QStringLiteral("%1[%2]").arg(where).arg(i));
    m_arch.finish(*o);
}

QString Importer::readBalancing(const QJsonValue &v, const QString &path)
{
    QString type;
    QString typePath = path;
    if (v.isString()) {
        type = v.toString();
    } else if (auto o = m_arch.object(v, path)) {
        type = m_arch.string(*o, {QStringLiteral("type")}, QString(), true, &typePath);
        const QJsonValue config = m_arch.value(*o, {QStringLiteral("config")});
        if (!config.isUndefined() && !(config.isObject() && config.toObject().isEmpty()))
            m_arch.note(JsonReader::join(path, QStringLiteral("config")),
                        QStringLiteral("ignored: MiSim's load balancing strategies take no "
                                       "settings"));
        m_arch.finish(*o);
    } else {
        return QStringLiteral("round-robin");
    }
    // Even: the instance that handled the fewest requests, so the counts
    // stay level, as round robin keeps them; util: the least busy one.
    const std::map<QString, QString> names{
        {QStringLiteral("even"), QStringLiteral("round-robin")},
        {QStringLiteral("random"), QStringLiteral("random")},
        {QStringLiteral("util"), QStringLiteral("least-outstanding")},
        {QStringLiteral("round_robin"), QStringLiteral("round-robin")},
        {QStringLiteral("roundrobin"), QStringLiteral("round-robin")},
        {QStringLiteral("robin"), QStringLiteral("round-robin")},
        {QStringLiteral("round-robin"), QStringLiteral("round-robin")},
        {QStringLiteral("round-robin_fast"), QStringLiteral("round-robin")},
        {QStringLiteral("round_robin_quick"), QStringLiteral("round-robin")},
        {QStringLiteral("round_robin_fast"), QStringLiteral("round-robin")},
        {QStringLiteral("roundrobin_fast"), QStringLiteral("round-robin")}};
    const auto it = names.find(type);
    if (it == names.end()) {
        m_arch.error(typePath,
                     QStringLiteral("a load balancing strategy MiSim knows (even, random, util, "
                                    "round_robin, round-robin_fast)"),
                     QJsonValue(type));
        return QStringLiteral("round-robin");
    }
    return it->second;
}

void Importer::readOperation(Microservice &ms, const QJsonValue &v, const QString &path)
{
    auto o = m_arch.object(v, path);
    if (!o)
        return;
    Operation op;
    op.path = path;
    QString where;
    QString name = m_arch.string(*o, {QStringLiteral("name")}, QString(), true, &where).trimmed();
    // OperationAdapter: "service.operation" names the operation of that service.
    if (name.contains(QLatin1Char('.'))) {
        const QStringList parts = name.split(QLatin1Char('.'));
        if (parts[0] != ms.misimName)
            m_arch.fail(where, QStringLiteral("\"%1\" names the microservice \"%2\", but the "
                                              "operation belongs to \"%3\"")
                                   .arg(name, parts[0], ms.misimName));
        name = parts.value(1);
    }
    if (name.isEmpty() && !where.isEmpty())
        m_arch.fail(where, QStringLiteral("an operation needs a name"));
    for (const Operation &other : ms.operations)
        if (!name.isEmpty() && other.name == name)
            m_arch.fail(where, QStringLiteral("a second operation named \"%1\" in \"%2\" (the "
                                              "first is %3)")
                                   .arg(name, ms.misimName, other.path));
    op.name = name;
    op.demand = m_arch.number(*o, {QStringLiteral("demand")}, 0, 0, Infinity);
    const QJsonValue deps = m_arch.value(*o, {QStringLiteral("dependencies")}, &where);
    if (!deps.isUndefined())
        if (const auto list = m_arch.array(deps, where))
            for (qsizetype i = 0; i < list->size(); ++i)
                if (auto d =
                        readDependency(list->at(i), QStringLiteral("%1[%2]").arg(where).arg(i)))
                    op.dependencies.append(*d);
    m_arch.finish(*o);
    ms.operations.append(op);
}

std::optional<Dependency> Importer::readDependency(const QJsonValue &v, const QString &path)
{
    auto o = m_arch.object(v, path);
    if (!o)
        return std::nullopt;
    Dependency d;
    d.path = path;
    QString where;
    const QString type =
        m_arch.string(*o, {QStringLiteral("type")}, QStringLiteral("basic"), false, &where)
            .trimmed()
            .toLower();
    if (type == QLatin1String("alternative"))
        d.kind = Dependency::Kind::Alternative;
    else if (type == QLatin1String("loop"))
        d.kind = Dependency::Kind::Loop;
    else if (type != QLatin1String("basic")) {
        m_arch.error(where,
                     QStringLiteral("a dependency type MiSim knows: basic, alternative or loop"),
                     QJsonValue(type));
        return std::nullopt;
    }
    if (const auto p = m_arch.normal(*o, {QStringLiteral("probability")}, &where))
        d.probability = *p;
    if (const auto w = m_arch.normal(*o, {QStringLiteral("alternative_probability")}, &where)) {
        d.weight = *w;
        d.weightGiven = true;
    }
    if (d.kind == Dependency::Kind::Basic) {
        d.service = m_arch.string(*o,
                                  {QStringLiteral("service"), QStringLiteral("target_service"),
                                   QStringLiteral("trg_service")},
                                  QString());
        d.operation =
            m_arch.string(*o,
                          {QStringLiteral("operation"), QStringLiteral("target_operation"),
                           QStringLiteral("trg_operation")},
                          QString(), true, &d.operationPath);
        if (d.operationPath.isEmpty())
            d.operationPath = path;
        if (const auto delay = m_arch.normal(*o, {QStringLiteral("custom_delay")}, &where))
            m_arch.note(where, QStringLiteral("the custom network delay of this dependency (%1 s) "
                                              "has no equivalent: Microcosm models no delay "
                                              "between services")
                                   .arg(delay->text()));
    } else {
        const QJsonValue children = m_arch.value(*o, {QStringLiteral("dependencies")}, &where);
        if (!children.isUndefined())
            if (const auto list = m_arch.array(children, where))
                for (qsizetype i = 0; i < list->size(); ++i)
                    if (auto c =
                            readDependency(list->at(i), QStringLiteral("%1[%2]").arg(where).arg(i)))
                        d.children.append(*c);
        if (d.kind == Dependency::Kind::Loop)
            // DiscreteDistributionAdapter: an integer, or a string holding one.
            d.iterations = m_arch.integer(*o, {QStringLiteral("iterations")}, 1, INT_MIN, INT_MAX);
    }
    m_arch.finish(*o);
    return d;
}

void Importer::resolve(Dependency &d, int owner)
{
    for (Dependency &c : d.children)
        resolve(c, owner);
    if (d.kind != Dependency::Kind::Basic || d.operation.isEmpty())
        return;
    // NameResolver: "service.operation", or a plain name within "service",
    // or, with no service, the first microservice having it (in file order).
    QString service = d.service.trimmed();
    QString operation = d.operation.trimmed();
    if (operation.contains(QLatin1Char('.'))) {
        const QStringList parts = operation.split(QLatin1Char('.'));
        if (!service.isEmpty() && parts[0] != service) {
            m_arch.fail(d.operationPath,
                        QStringLiteral("\"%1\" names the microservice \"%2\", but \"service\" "
                                       "says \"%3\"")
                            .arg(operation, parts[0], service));
            return;
        }
        service = parts[0];
        operation = parts.value(1);
    }
    QList<std::pair<int, int>> found;
    for (int s = 0; s < int(m_services.size()); ++s) {
        if (!service.isEmpty() && m_services[s].misimName != service)
            continue;
        for (int op = 0; op < int(m_services[s].operations.size()); ++op)
            if (m_services[s].operations[op].name == operation)
                found.append({s, op});
    }
    if (found.isEmpty()) {
        QStringList known;
        for (const Microservice &ms : m_services)
            if (service.isEmpty() || ms.misimName == service)
                for (const Operation &op : ms.operations)
                    known << QStringLiteral("%1.%2").arg(ms.misimName, op.name);
        const bool serviceKnown =
            service.isEmpty() ||
            std::any_of(m_services.begin(), m_services.end(),
                        [&](const Microservice &ms) { return ms.misimName == service; });
        m_arch.fail(d.operationPath,
                    serviceKnown
                        ? QStringLiteral("no operation \"%1\"%2 (there are: %3)")
                              .arg(operation,
                                   service.isEmpty() ? QString()
                                                     : QStringLiteral(" in \"%1\"").arg(service),
                                   known.isEmpty() ? QStringLiteral("none")
                                                   : known.join(QStringLiteral(", ")))
                        : QStringLiteral("no microservice \"%1\"").arg(service));
        return;
    }
    if (found.size() > 1)
        m_arch.note(d.operationPath,
                    QStringLiteral("\"%1\" is an operation of several microservices; the first, "
                                   "\"%2\", is called, as MiSim does")
                        .arg(operation, m_services[found[0].first].misimName));
    d.targetService = found[0].first;
    d.targetOperation = found[0].second;
    if (d.targetService == owner)
        m_services[owner].callsItself = true;
    else
        m_services[owner].callees.insert(d.targetService);
}

void Importer::readInstancePattern(Microservice &ms, const QJsonValue &v, const QString &path)
{
    auto o = m_arch.object(v, path);
    if (!o)
        return;
    QString where;
    const QString type = m_arch.string(*o, {QStringLiteral("type")}, QString(), true, &where);
    Obj config{QJsonObject(), JsonReader::join(path, QStringLiteral("config")), {}};
    QString configPath;
    const QJsonValue c = m_arch.value(*o, {QStringLiteral("config")}, &configPath);
    if (!c.isUndefined() && !c.isNull())
        if (auto co = m_arch.object(c, configPath))
            config = *co;
    const QJsonValue s = m_arch.value(*o, {QStringLiteral("strategy")}, &configPath);
    if (type == QLatin1String("retry")) {
        RetryPattern p;
        p.path = path;
        p.maxTries = m_arch.integer(config, {QStringLiteral("max_tries")}, 5, INT_MIN, INT_MAX);
        if (!s.isUndefined() && !s.isNull()) {
            if (auto so = m_arch.object(s, configPath)) {
                QString typePath;
                p.strategy =
                    m_arch.string(*so, {QStringLiteral("type")}, QString(), true, &typePath);
                const QStringList known{QStringLiteral("exponential"), QStringLiteral("exp"),
                                        QStringLiteral("jittering"), QStringLiteral("linear"),
                                        QStringLiteral("jittering_linear")};
                if (!p.strategy.isEmpty() && !known.contains(p.strategy))
                    m_arch.error(typePath,
                                 QStringLiteral("a retry strategy MiSim knows: %1")
                                     .arg(known.join(QStringLiteral(", "))),
                                 QJsonValue(p.strategy));
                Obj sc{QJsonObject(), JsonReader::join(configPath, QStringLiteral("config")), {}};
                QString scPath;
                const QJsonValue scv = m_arch.value(*so, {QStringLiteral("config")}, &scPath);
                if (!scv.isUndefined() && !scv.isNull())
                    if (auto sco = m_arch.object(scv, scPath))
                        sc = *sco;
                p.baseBackoff =
                    m_arch.number(sc, {QStringLiteral("base_backoff")}, 0.010, 0, Infinity);
                p.maxBackoff = m_arch.number(sc, {QStringLiteral("max_backoff")}, 1, 0, Infinity);
                p.base = m_arch.number(sc, {QStringLiteral("base")}, 3, -Infinity, Infinity);
                m_arch.finish(sc);
                m_arch.finish(*so);
            }
        }
        if (ms.retry)
            m_arch.note(path, QStringLiteral("a second retry pattern on \"%1\": Microcosm has one "
                                             "retry policy per caller and callee; the first (%2) "
                                             "is used")
                                  .arg(ms.misimName, ms.retry->path));
        else
            ms.retry = p;
    } else if (type == QLatin1String("circuitbreaker")) {
        BreakerPattern p;
        p.path = path;
        p.volume = m_arch.integer(config, {QStringLiteral("request_volume_threshold")}, INT_MAX,
                                  INT_MIN, INT_MAX, false, &p.hasVolume);
        p.threshold = m_arch.number(
            config, {QStringLiteral("error_threshold_percentage"), QStringLiteral("threshold")},
            Infinity, -Infinity, Infinity, false, &p.hasThreshold, &p.thresholdPath);
        p.sleepWindow = m_arch.number(config, {QStringLiteral("sleep_window")}, 0.5, 0, Infinity);
        p.rollingWindow =
            m_arch.number(config, {QStringLiteral("rolling_window")}, 20, 0, Infinity);
        if (!s.isUndefined())
            m_arch.note(configPath, QStringLiteral("ignored: MiSim's circuit breaker takes no "
                                                   "strategy"));
        if (ms.breaker)
            m_arch.note(path, QStringLiteral("a second circuit breaker on \"%1\": Microcosm has "
                                             "one breaker per caller and callee; the first (%2) "
                                             "is used")
                                  .arg(ms.misimName, ms.breaker->path));
        else
            ms.breaker = p;
    } else if (!type.isEmpty()) {
        m_arch.error(where,
                     QStringLiteral("an instance pattern MiSim knows: retry or circuitbreaker "
                                    "(autoscaling goes in \"s_patterns\")"),
                     QJsonValue(type));
    }
    m_arch.finish(config);
    m_arch.finish(*o);
}

void Importer::readServicePattern(Microservice &ms, const QJsonValue &v, const QString &path)
{
    auto o = m_arch.object(v, path);
    if (!o)
        return;
    QString where;
    const QString type = m_arch.string(*o, {QStringLiteral("type")}, QString(), true, &where);
    if (type != QLatin1String("autoscaling") && type != QLatin1String("autoscale")) {
        if (!type.isEmpty())
            m_arch.error(where,
                         QStringLiteral("a service pattern MiSim knows: autoscaling (or "
                                        "autoscale)"),
                         QJsonValue(type));
        m_arch.finish(*o);
        return;
    }
    AutoscalingPattern p;
    p.path = path;
    QString part;
    const QJsonValue c = m_arch.value(*o, {QStringLiteral("config")}, &part);
    if (!c.isUndefined() && !c.isNull()) {
        if (auto config = m_arch.object(c, part)) {
            p.period = m_arch.number(
                *config, {QStringLiteral("interval"), QStringLiteral("period")}, 1, 0, Infinity);
            p.start = m_arch.number(*config, {QStringLiteral("start")}, 0, 0, Infinity);
            p.stop = m_arch.number(*config, {QStringLiteral("stop")}, Infinity, 0, Infinity);
            m_arch.finish(*config);
        }
    }
    const QJsonValue s = m_arch.value(*o, {QStringLiteral("strategy")}, &part);
    if (!s.isUndefined() && !s.isNull()) {
        if (auto so = m_arch.object(s, part)) {
            QString typePath;
            const QString strategy =
                m_arch.string(*so, {QStringLiteral("type")}, QString(), true, &typePath);
            if (!strategy.isEmpty() && strategy != QLatin1String("reactive"))
                m_arch.error(typePath,
                             QStringLiteral("an autoscaling strategy MiSim knows: reactive"),
                             QJsonValue(strategy));
            QString scPath;
            const QJsonValue scv = m_arch.value(*so, {QStringLiteral("config")}, &scPath);
            if (!scv.isUndefined() && !scv.isNull()) {
                if (auto config = m_arch.object(scv, scPath)) {
                    p.lower = m_arch.number(*config, {QStringLiteral("lower_bound")}, 0.3,
                                            -Infinity, Infinity);
                    p.upper = m_arch.number(*config, {QStringLiteral("upper_bound")}, 0.8,
                                            -Infinity, Infinity);
                    p.minInstances = m_arch.integer(*config, {QStringLiteral("min_instances")}, 1,
                                                    INT_MIN, INT_MAX);
                    p.maxInstances = m_arch.integer(*config, {QStringLiteral("max_instances")},
                                                    INT_MAX, INT_MIN, INT_MAX, false, &p.hasMax);
                    p.holdTime = m_arch.number(*config, {QStringLiteral("hold_time")}, 120,
                                               -Infinity, Infinity);
                    m_arch.finish(*config);
                }
            }
            m_arch.finish(*so);
        }
    }
    m_arch.finish(*o);
    if (ms.autoscaling)
        m_arch.note(path, QStringLiteral("a second autoscaling pattern on \"%1\": Microcosm has "
                                         "one autoscaler per service; the first (%2) is used")
                              .arg(ms.misimName, ms.autoscaling->path));
    else
        ms.autoscaling = p;
}

void Importer::nameEverything()
{
    // Microcosm's own API gateway, its users and its load generator's
    // "client" have these names in edges and expectations.
    const QStringList reserved{QStringLiteral("gateway"), QStringLiteral("users"),
                               QStringLiteral("client"), QStringLiteral("http")};
    QStringList taken;
    for (Microservice &ms : m_services) {
        QString name = sanitized(ms.misimName, 32);
        QString why;
        if (name != ms.misimName)
            why = QStringLiteral("a service name here is letters, digits and '-', starting with "
                                 "a letter, at most 32 characters");
        if (reserved.contains(name.toLower())) {
            name = sanitized(name + QStringLiteral("-service"), 32);
            why = QStringLiteral("\"%1\" is what Microcosm calls its own API gateway, users or "
                                 "clients")
                      .arg(ms.misimName.toLower());
        }
        const QString chosen = unique(name, taken, 32);
        if (chosen != name && why.isEmpty())
            why = QStringLiteral("another microservice has that name once made valid");
        if (chosen != ms.misimName)
            m_arch.note(
                JsonReader::join(ms.path, QStringLiteral("name")),
                QStringLiteral("\"%1\" is named \"%2\" here: %3").arg(ms.misimName, chosen, why));
        ms.name = chosen;
        taken << chosen;
        QStringList segments;
        for (Operation &op : ms.operations) {
            const QString base = sanitized(op.name, 64, QStringLiteral("_"));
            op.segment = unique(base, segments, 64);
            segments << op.segment;
            if (op.segment != op.name)
                m_arch.note(JsonReader::join(op.path, QStringLiteral("name")),
                            QStringLiteral("the route of \"%1\" is POST /%2/%3 (a path segment "
                                           "is letters, digits, '-' and '_')")
                                .arg(op.name, ms.name, op.segment));
        }
    }
}

// --- Reading the experiment -----------------------------------------------

int Importer::serviceNamed(const QString &name, const QString &path, Reader &r)
{
    for (int s = 0; s < int(m_services.size()); ++s)
        if (m_services[s].misimName == name)
            return s;
    QStringList known;
    for (const Microservice &ms : m_services)
        known << ms.misimName;
    r.fail(path, QStringLiteral("no microservice \"%1\" in the architecture (there are: %2)")
                     .arg(name, known.join(QStringLiteral(", "))));
    return -1;
}

std::pair<int, int> Importer::operationNamed(const QString &nameIn, const QString &service,
                                             const QString &path, Reader &r)
{
    QString name = nameIn.trimmed();
    QString owner = service;
    if (name.contains(QLatin1Char('.'))) {
        const QStringList parts = name.split(QLatin1Char('.'));
        if (!owner.isEmpty() && owner != parts[0])
            r.note(path, QStringLiteral("\"%1\" belongs to \"%2\"; the \"microservice\" \"%3\" "
                                        "beside it is not read by MiSim")
                             .arg(name, parts[0], owner));
        owner = parts[0];
        name = parts.value(1);
    }
    for (int s = 0; s < int(m_services.size()); ++s) {
        if (!owner.isEmpty() && m_services[s].misimName != owner)
            continue;
        for (int op = 0; op < int(m_services[s].operations.size()); ++op)
            if (m_services[s].operations[op].name == name)
                return {s, op};
    }
    QStringList known;
    for (const Microservice &ms : m_services)
        for (const Operation &op : ms.operations)
            known << QStringLiteral("%1.%2").arg(ms.misimName, op.name);
    r.fail(path,
           QStringLiteral("no operation \"%1\"%2 in the architecture (there are: %3)")
               .arg(name, owner.isEmpty() ? QString() : QStringLiteral(" of \"%1\"").arg(owner),
                    known.isEmpty() ? QStringLiteral("none") : known.join(QStringLiteral(", "))));
    return {-1, -1};
}

QString Importer::limboFile(const QString &name) const
{
    if (QFileInfo(name).isAbsolute())
        return QFileInfo(name).isFile() ? name : QString();
    for (const QString &dir : m_input.searchDirs) {
        const QString candidate = QDir(dir).filePath(name);
        if (QFileInfo(candidate).isFile())
            return candidate;
    }
    return QString();
}

void Importer::readExperiment(const QJsonObject &rootObject)
{
    // MiSim reads these with its scenario parser (ScenarioDescriptionAdapter), not as an
    // experiment.
    if (rootObject.contains(QStringLiteral("stimulus"))) {
        m_exp.fail(QStringLiteral("$.stimulus"),
                   QStringLiteral("this is a MiSim scenario description (artifact, stimulus, "
                                  "response), which is not imported; give an experiment file "
                                  "(request_generators, chaos monkeys, delays)"));
        return;
    }
    Obj root{rootObject, QStringLiteral("$"), {}};
    const QStringList metaKeys{QStringLiteral("simulation_metadata"),
                               QStringLiteral("simulation_meta_data")};
    QString where;
    const QJsonValue meta = m_exp.value(root, metaKeys, &where);
    if (!meta.isUndefined()) {
        if (auto o = m_exp.object(meta, where)) {
            readMetadata(*o);
            m_exp.finish(*o);
        }
    } else {
        // ExperimentMetaDataAdapter reads the root itself when there is no block.
        readMetadata(root);
    }
    const QStringList generatorKeys{QStringLiteral("generators"),
                                    QStringLiteral("request_generators")};
    const QJsonValue generators = m_exp.value(root, generatorKeys, &where);
    if (generators.isArray()) {
        const QJsonArray list = generators.toArray();
        for (qsizetype i = 0; i < list.size(); ++i)
            if (!list.at(i).isNull())
                readGenerator(list.at(i), QStringLiteral("%1[%2]").arg(where).arg(i));
    } else if (generators.isObject()) {
        readGenerator(generators, where);
    } else if (!generators.isUndefined() && !generators.isNull()) {
        m_exp.error(where, QStringLiteral("an array of request generators"), generators);
    }
    // Any other object is a named action; any other array, a group of them.
    for (auto it = rootObject.begin(); it != rootObject.end(); ++it) {
        if (root.used.contains(it.key()))
            continue;
        const QString path = JsonReader::member(QStringLiteral("$"), it.key());
        if (it.value().isObject()) {
            root.used << it.key();
            readAction(it.value(), path);
        } else if (it.value().isArray()) {
            root.used << it.key();
            const QJsonArray list = it.value().toArray();
            for (qsizetype i = 0; i < list.size(); ++i)
                readAction(list.at(i), QStringLiteral("%1[%2]").arg(path).arg(i));
        }
    }
    m_exp.finish(root);
}

void Importer::readMetadata(Obj &meta)
{
    bool given = false;
    const double seed =
        m_exp.number(meta, {QStringLiteral("seed")}, 1, -2147483648.0, 2147483647.0, false, &given);
    if (given && seed != std::floor(seed))
        m_exp.error(JsonReader::join(meta.path, QStringLiteral("seed")),
                    QStringLiteral("an integer"), QJsonValue(seed));
    else if (given)
        m_seed = quint64(std::llabs(qint64(seed)));
    m_duration =
        m_exp.number(meta, {QStringLiteral("duration"), QStringLiteral("experiment_duration")},
                     Infinity, 0, Infinity, false, &given);
    const QString durationPath = JsonReader::join(meta.path, QStringLiteral("duration"));
    if (!given) {
        m_exp.note(meta.path, QStringLiteral("no \"duration\": MiSim runs until its generators "
                                             "stop; the scenario runs %1 s")
                                  .arg(DefaultDuration));
        m_duration = DefaultDuration;
    } else if (m_duration < 1) {
        m_exp.note(durationPath, QStringLiteral("%1 s is shorter than a scenario may run; it "
                                                "runs 1 s")
                                     .arg(num(m_duration)));
        m_duration = 1;
    } else if (m_duration > 86400) {
        m_exp.note(durationPath, QStringLiteral("%1 s is longer than a scenario may run; it runs "
                                                "86400 s (a day)")
                                     .arg(num(m_duration)));
        m_duration = 86400;
    }
    m_experimentName = m_exp.string(meta,
                                    {QStringLiteral("experimentName"),
                                     QStringLiteral("experiment_name"), QStringLiteral("name")},
                                    QString());
    m_modelName =
        m_exp.string(meta, {QStringLiteral("modelName"), QStringLiteral("model_name")}, QString());
    m_description = m_exp.string(meta, {QStringLiteral("description")}, QString());
    QString where;
    const QString unit =
        m_exp.string(meta, {QStringLiteral("time_unit")}, QString(), false, &where);
    if (!unit.isEmpty() && unit != QLatin1String("SECONDS"))
        m_exp.note(where,
                   QStringLiteral("time unit %1: Microcosm reads every time as seconds").arg(unit));
    for (const QStringList &names :
         {QStringList{QStringLiteral("report_type")},
          QStringList{QStringLiteral("report_directory"), QStringLiteral("report_dir"),
                      QStringLiteral("report_location"), QStringLiteral("report_folder")},
          QStringList{QStringLiteral("exp_file_location")},
          QStringList{QStringLiteral("arch_file_location")},
          QStringList{QStringLiteral("start_timestamp")},
          QStringList{QStringLiteral("setup_execution_duration")},
          QStringList{QStringLiteral("experiment_execution_duration")}}) {
        const QJsonValue v = m_exp.value(meta, names, &where);
        if (!v.isUndefined())
            m_exp.note(where, QStringLiteral("no equivalent: Microcosm writes its report and "
                                             "per-second metrics with --report and --csv"));
    }
}

void Importer::readGenerator(const QJsonValue &v, const QString &path)
{
    auto o = m_exp.object(v, path);
    if (!o)
        return;
    QString where;
    const QString type = m_exp.string(*o, {QStringLiteral("type")}, QString(), false, &where);
    if (type.isEmpty()) {
        m_exp.fail(path, QStringLiteral("a request generator needs a \"type\" (interval or "
                                        "limbo) and its \"config\"; MiSim refuses one without"));
        return;
    }
    const bool interval =
        QStringList{QStringLiteral("interval"), QStringLiteral("constant"), QStringLiteral("fixed")}
            .contains(type);
    const bool limbo = QStringList{QStringLiteral("limbo"), QStringLiteral("limbo_generator"),
                                   QStringLiteral("dynamic"), QStringLiteral("variable")}
                           .contains(type);
    if (!interval && !limbo) {
        m_exp.error(where,
                    QStringLiteral("a generator type MiSim knows: interval (constant, fixed) or "
                                   "limbo (limbo_generator, dynamic, variable)"),
                    QJsonValue(type));
        return;
    }
    QString configPath;
    const QJsonValue cv = m_exp.value(*o, {QStringLiteral("config")}, &configPath);
    m_exp.finish(*o);
    if (cv.isUndefined()) {
        m_exp.fail(path, QStringLiteral("needs \"config\" with at least its \"operation\""));
        return;
    }
    auto c = m_exp.object(cv, configPath);
    if (!c)
        return;
    Generator g;
    g.path = path;
    const double start =
        m_exp.number(*c,
                     {QStringLiteral("start"), QStringLiteral("initial_arrival_time"),
                      QStringLiteral("arrival_time")},
                     0, 0, Infinity);
    const double stop = m_exp.number(*c,
                                     {QStringLiteral("stop"), QStringLiteral("final_time"),
                                      QStringLiteral("stop_time"), QStringLiteral("end"),
                                      QStringLiteral("end_time")},
                                     Infinity, 0, Infinity);
    const bool repeating = m_exp.boolean(*c, {QStringLiteral("repeating")}, false);
    const double repetitions =
        m_exp.number(*c, {QStringLiteral("repetitions"), QStringLiteral("max_repetitions")},
                     Infinity, 0, Infinity);
    const double skip = m_exp.number(
        *c,
        {QStringLiteral("skip"), QStringLiteral("repetition_skip"), QStringLiteral("repetition")},
        0, 0, Infinity);
    m_exp.string(*c, {QStringLiteral("name"), QStringLiteral("generator_name")}, QString());
    // Not MiSim's (it resolves the operation alone), but examples give it:
    // it qualifies a plain operation name.
    c->used << QStringLiteral("microservice");
    const QString service = c->o.value(QStringLiteral("microservice")).toString();
    QString opPath;
    const QString op = m_exp.string(
        *c,
        {QStringLiteral("operation"), QStringLiteral("target_operation"), QStringLiteral("target")},
        QString(), true, &opPath);
    if (!op.isEmpty())
        std::tie(g.service, g.operation) = operationNamed(op, service, opPath, m_exp);

    const int seconds = int(std::ceil(m_duration));
    g.perSecond.assign(std::max(1, seconds), 0.0);
    const double end = std::min(stop, m_duration);
    if (interval) {
        const double every = m_exp.number(
            *c, {QStringLiteral("interval"), QStringLiteral("inter_arrival_time")}, 1, 0, Infinity);
        const double load = m_exp.number(
            *c, {QStringLiteral("load"), QStringLiteral("load_per_interval")}, 1, 0, Infinity);
        QString distPath;
        const QString distribution =
            m_exp.string(*c,
                         {QStringLiteral("distribution"), QStringLiteral("dist_strat"),
                          QStringLiteral("distribution_strategy"), QStringLiteral("dist_strategy")},
                         QStringLiteral("even"), false, &distPath);
        if (every <= 0)
            m_exp.error(JsonReader::join(configPath, QStringLiteral("interval")),
                        QStringLiteral("an interval greater than 0 (MiSim refuses 0)"),
                        QJsonValue(every));
        if (distribution != QLatin1String("even"))
            m_exp.note(distPath, QStringLiteral("\"%1\" sends %2 requests at once every %3 s; "
                                                "Microcosm spreads them evenly (the same rate)")
                                     .arg(distribution, num(load), num(every)));
        if (repeating)
            m_exp.note(JsonReader::join(configPath, QStringLiteral("repeating")),
                       QStringLiteral("no effect on an interval generator, as in MiSim"));
        const double rate = every > 0 ? load / every : 0;
        for (int k = 0; k < int(g.perSecond.size()); ++k) {
            const double from = std::max(double(k), start);
            const double to = std::min(double(k + 1), end);
            if (to > from)
                g.perSecond[k] += rate * (to - from);
        }
    } else {
        QString modelPath;
        const QString model = m_exp.string(*c,
                                           {QStringLiteral("model"), QStringLiteral("limbo_model"),
                                            QStringLiteral("limbo_file"), QStringLiteral("file"),
                                            QStringLiteral("limbo"), QStringLiteral("profile")},
                                           QString(), true, &modelPath);
        if (!model.isEmpty()) {
            const QString file = limboFile(model);
            QFile f(file);
            if (file.isEmpty() || !f.open(QIODevice::ReadOnly)) {
                m_exp.fail(modelPath,
                           QStringLiteral("cannot open the limbo model \"%1\" (looked in: %2)")
                               .arg(model, m_input.searchDirs.join(QStringLiteral(", "))));
            } else if (f.size() > MiSimImporter::MaxFileBytes) {
                m_exp.fail(
                    modelPath,
                    QStringLiteral("the limbo model \"%1\" is larger than 4 MiB").arg(model));
            } else {
                // LimboArrivalRateModel: "time,count" (or ';') per line; counts
                // rounded, entries before 0 s or without arrivals dropped.
                std::vector<std::pair<double, int>> entries;
                int line = 0;
                bool bad = false;
                while (!f.atEnd() && !bad) {
                    ++line;
                    const QString text = QString::fromUtf8(f.readLine()).trimmed();
                    if (text.isEmpty())
                        continue;
                    const QStringList parts =
                        text.split(QRegularExpression(QStringLiteral("[;,]")));
                    bool a = false, b = false;
                    const double t = parts.value(0).trimmed().toDouble(&a);
                    const double n = parts.value(1).trimmed().toDouble(&b);
                    if (parts.size() != 2 || !a || !b || !std::isfinite(t) || !std::isfinite(n)) {
                        m_exp.fail(modelPath, QStringLiteral("%1 line %2: expected \"time,count\", "
                                                             "found \"%3\"")
                                                  .arg(model)
                                                  .arg(line)
                                                  .arg(text.left(40)));
                        bad = true;
                    }
                    const int count = int(std::lround(n));
                    if (t >= 0 && count > 0)
                        entries.emplace_back(t, count);
                }
                std::stable_sort(entries.begin(), entries.end(),
                                 [](const auto &x, const auto &y) { return x.first < y.first; });
                const double period = entries.empty() ? 0 : entries.back().first + skip;
                if (repeating && period <= 0 && !entries.empty())
                    m_exp.note(JsonReader::join(configPath, QStringLiteral("repeating")),
                               QStringLiteral("a profile of no length cannot repeat; played once"));
                for (qint64 rep = 0;; ++rep) {
                    const double offset = start + double(rep) * period;
                    if (offset >= end || entries.empty())
                        break;
                    for (const auto &[t, count] : entries) {
                        const double at = offset + t;
                        if (at >= end)
                            break;
                        g.perSecond[std::min(int(at), int(g.perSecond.size()) - 1)] += count;
                    }
                    if (!repeating || period <= 0 || double(rep + 1) >= repetitions)
                        break;
                    if (rep + 1 >= MostRepetitions) {
                        m_exp.note(JsonReader::join(configPath, QStringLiteral("repeating")),
                                   QStringLiteral("the profile is played %1 times; the rest of "
                                                  "the run has no load from it")
                                       .arg(MostRepetitions));
                        break;
                    }
                }
            }
        }
    }
    m_exp.finish(*c);
    if (g.service >= 0)
        m_generators.append(g);
}

void Importer::readAction(const QJsonValue &v, const QString &path)
{
    auto o = m_exp.object(v, path);
    if (!o)
        return;
    QString where;
    const QString type = m_exp.string(*o, {QStringLiteral("type")}, QString(), false, &where);
    m_exp.string(*o, {QStringLiteral("action_name")}, QString());
    if (type.isEmpty()) {
        m_exp.fail(path, QStringLiteral("an experiment action needs a \"type\" (chaosmonkey, "
                                        "summoner or delay); MiSim refuses one without"));
        return;
    }
    Action a;
    a.path = path;
    a.order = int(m_actions.size());
    if (QStringList{QStringLiteral("chaosmonkey"), QStringLiteral("chaos_monkey"),
                    QStringLiteral("monkey")}
            .contains(type))
        a.kind = Action::Kind::Kill;
    else if (QStringList{QStringLiteral("summoner"), QStringLiteral("summoner_monkey"),
                         QStringLiteral("summonermonkey")}
                 .contains(type))
        a.kind = Action::Kind::Summon;
    else if (type == QLatin1String("delay") || type == QLatin1String("delay_injection"))
        a.kind = Action::Kind::Delay;
    else {
        m_exp.error(where,
                    QStringLiteral("an experiment action MiSim knows: chaosmonkey (chaos_monkey, "
                                   "monkey), summoner or delay (delay_injection)"),
                    QJsonValue(type));
        return;
    }
    QString configPath;
    const QJsonValue cv = m_exp.value(*o, {QStringLiteral("config")}, &configPath);
    m_exp.finish(*o);
    if (cv.isUndefined()) {
        m_exp.fail(path, QStringLiteral("needs \"config\" naming at least its \"microservice\""));
        return;
    }
    auto c = m_exp.object(cv, configPath);
    if (!c)
        return;
    m_exp.string(*c, {QStringLiteral("action_name")}, QString());
    a.at = m_exp.number(*c,
                        {QStringLiteral("start"), QStringLiteral("initial_arrival_time"),
                         QStringLiteral("arrival_time"), QStringLiteral("time")},
                        0, 0, Infinity);
    QString servicePath;
    QStringList serviceNames{QStringLiteral("microservice")};
    if (a.kind == Action::Kind::Kill)
        serviceNames << QStringLiteral("microservice_name") << QStringLiteral("target");
    else if (a.kind == Action::Kind::Delay)
        serviceNames << QStringLiteral("target");
    const QString service = m_exp.string(*c, serviceNames, QString(), true, &servicePath);
    if (!service.isEmpty())
        a.service = serviceNamed(service, servicePath, m_exp);
    if (a.kind == Action::Kind::Kill) {
        a.instances = m_exp.integer(*c,
                                    {QStringLiteral("instances"), QStringLiteral("instance_count"),
                                     QStringLiteral("killed_instance_count"),
                                     QStringLiteral("killed_instances")},
                                    INT_MAX, 0, INT_MAX);
    } else if (a.kind == Action::Kind::Summon) {
        a.instances = m_exp.integer(*c, {QStringLiteral("instances")}, 0, 0, INT_MAX);
    } else {
        QString delayPath;
        const auto delay =
            m_exp.normal(*c,
                         {QStringLiteral("delay"), QStringLiteral("delay_distribution"),
                          QStringLiteral("distribution")},
                         &delayPath);
        if (delay)
            a.delay = *delay;
        else if (delayPath.isEmpty())
            m_exp.fail(configPath, QStringLiteral("needs \"delay\", in seconds"));
        a.duration = m_exp.number(*c, {QStringLiteral("duration")}, 0, 0, Infinity);
        QString srcPath, trgPath;
        const QString src =
            m_exp.string(*c, {QStringLiteral("operation_src")}, QString(), false, &srcPath);
        const QString trg =
            m_exp.string(*c, {QStringLiteral("operation_trg")}, QString(), false, &trgPath);
        if (!src.isEmpty()) {
            const auto [s, op] = operationNamed(src, service, srcPath, m_exp);
            if (s >= 0 && s != a.service)
                m_exp.fail(
                    srcPath,
                    QStringLiteral("\"%1\" is not an operation of \"%2\"").arg(src, service));
            a.sourceOperation = op;
        }
        if (!trg.isEmpty()) {
            if (src.isEmpty())
                m_exp.fail(trgPath, QStringLiteral("\"operation_trg\" needs \"operation_src\" "
                                                   "(MiSim fails without it)"));
            std::tie(a.targetService, a.targetOperation) =
                operationNamed(trg, QString(), trgPath, m_exp);
        }
    }
    m_exp.finish(*c);
    if (a.service >= 0)
        m_actions.append(a);
}

// --- Writing the scenario -------------------------------------------------

std::optional<QJsonObject> Importer::stepJson(const Dependency &d)
{
    double p = d.probability.mean;
    if (d.probability.spread())
        m_arch.note(JsonReader::join(d.path, QStringLiteral("probability")),
                    QStringLiteral("MiSim draws the probability from %1 on each request; "
                                   "Microcosm uses its mean %2")
                        .arg(d.probability.text(), num(p)));
    if (p <= 0) {
        m_arch.note(
            d.path,
            QStringLiteral("its probability is %1: MiSim never makes it; left out").arg(num(p)));
        return std::nullopt;
    }
    if (p > 1) {
        m_arch.note(JsonReader::join(d.path, QStringLiteral("probability")),
                    QStringLiteral("%1 is more than certain; taken as 1").arg(num(p)));
        p = 1;
    }
    QJsonObject step;
    if (d.kind == Dependency::Kind::Basic) {
        if (d.targetService < 0)
            return std::nullopt;
        step.insert(QStringLiteral("call"), route(d.targetService, d.targetOperation));
    } else {
        QJsonArray children;
        for (const Dependency &c : d.children) {
            auto child = stepJson(c);
            if (!child)
                continue;
            if (d.kind == Dependency::Kind::Alternative) {
                double w = c.weight.mean;
                if (c.weight.spread())
                    m_arch.note(JsonReader::join(c.path, QStringLiteral("alternative_probability")),
                                QStringLiteral("MiSim draws the weight from %1 on each request; "
                                               "Microcosm uses its mean %2")
                                    .arg(c.weight.text(), num(w)));
                if (!(w > 0)) {
                    m_arch.note(c.path, QStringLiteral("its alternative_probability is %1: MiSim "
                                                       "never picks it; left out")
                                            .arg(num(w)));
                    continue;
                }
                child->insert(QStringLiteral("weight"), w);
            }
            children.append(*child);
        }
        if (d.kind == Dependency::Kind::Loop) {
            int n = d.iterations;
            if (n <= 0) {
                m_arch.note(
                    JsonReader::join(d.path, QStringLiteral("iterations")),
                    QStringLiteral("a loop of %1 iterations makes no call; left out").arg(n));
                return std::nullopt;
            }
            if (n > MostTimes) {
                m_arch.note(JsonReader::join(d.path, QStringLiteral("iterations")),
                            QStringLiteral("%1 iterations; a step is made at most %2 times here")
                                .arg(n)
                                .arg(MostTimes));
                n = MostTimes;
            }
            if (children.isEmpty()) {
                m_arch.note(d.path, QStringLiteral("a loop with no dependency makes no call; left "
                                                   "out"));
                return std::nullopt;
            }
            const QJsonObject only = children.first().toObject();
            if (children.size() == 1 && !only.contains(QStringLiteral("probability")) &&
                !only.contains(QStringLiteral("times")))
                step = only;
            else
                step.insert(children.size() == 1 ? QStringLiteral("sequence")
                                                 : QStringLiteral("parallel"),
                            children);
            if (n > 1)
                step.insert(QStringLiteral("times"), n);
        } else {
            if (children.isEmpty()) {
                m_arch.note(d.path, QStringLiteral("an alternative with nothing to pick makes no "
                                                   "call; left out"));
                return std::nullopt;
            }
            step.insert(QStringLiteral("alternatives"), children);
        }
    }
    if (p < 1) {
        if (step.contains(QStringLiteral("probability")))
            step = QJsonObject{{QStringLiteral("sequence"), QJsonArray{step}}};
        step.insert(QStringLiteral("probability"), p);
    }
    return step;
}

QJsonObject Importer::servicesJson()
{
    QJsonObject services;
    for (int index = 0; index < int(m_services.size()); ++index) {
        const Microservice &ms = m_services[index];
        if (ms.operations.isEmpty()) {
            m_arch.note(JsonReader::join(ms.path, QStringLiteral("operations")),
                        QStringLiteral("\"%1\" has no operation: a service here answers at least "
                                       "one route; left out")
                            .arg(ms.misimName));
            continue;
        }
        QJsonObject s;
        s.insert(QStringLiteral("kind"), QStringLiteral("generic"));
        int replicas = std::max(1, ms.instances);
        if (ms.instances > MostReplicas) {
            m_arch.note(JsonReader::join(ms.path, QStringLiteral("instances")),
                        QStringLiteral("%1 instances; a service has at most %2 replicas here")
                            .arg(ms.instances)
                            .arg(MostReplicas));
            replicas = MostReplicas;
        }
        s.insert(QStringLiteral("replicas"), replicas);
        const bool caller = !ms.callees.empty() || ms.callsItself;
        s.insert(QStringLiteral("workers"), caller ? CallerWorkers : CpuThreads);
        s.insert(QStringLiteral("queue"), QueueCapacity);
        s.insert(QStringLiteral("coldStartMs"), 0);
        s.insert(QStringLiteral("loadBalancing"), ms.balancing);
        QJsonObject routes;
        for (int i = 0; i < int(ms.operations.size()); ++i) {
            const Operation &op = ms.operations[i];
            // MiSim's CPU: 4 threads, each a quarter of the capacity.
            double meanMs = 1000.0 * CpuThreads * op.demand / ms.capacity;
            if (meanMs > MostServiceTimeMs) {
                m_arch.note(JsonReader::join(op.path, QStringLiteral("demand")),
                            QStringLiteral("demand %1 on capacity %2 takes %3 s; a route's "
                                           "service time is at most 60 s here")
                                .arg(num(op.demand))
                                .arg(ms.capacity)
                                .arg(num(meanMs / 1000)));
                meanMs = MostServiceTimeMs;
            }
            QJsonObject r;
            r.insert(QStringLiteral("idempotent"), true);
            r.insert(QStringLiteral("serviceTime"),
                     QJsonObject{{QStringLiteral("distribution"), QStringLiteral("constant")},
                                 {QStringLiteral("meanMs"), rounded(meanMs)}});
            QJsonArray steps;
            for (const Dependency &d : op.dependencies)
                if (auto step = stepJson(d))
                    steps.append(*step);
            // MiSim sends an operation's dependencies at once and waits for all.
            if (steps.size() > 1)
                r.insert(QStringLiteral("calls"),
                         QJsonArray{QJsonObject{{QStringLiteral("parallel"), steps}}});
            else if (!steps.isEmpty())
                r.insert(QStringLiteral("calls"), steps);
            routes.insert(route(index, i), r);
        }
        s.insert(QStringLiteral("routes"), routes);
        services.insert(ms.name, s);
    }
    return services;
}

QJsonObject Importer::retryJson(const RetryPattern &p, double *timeoutMs)
{
    const QString sp = JsonReader::join(p.path, QStringLiteral("strategy"));
    int attempts = p.maxTries;
    if (attempts > MostAttempts) {
        m_arch.note(
            JsonReader::join(p.path, QStringLiteral("config.max_tries")),
            QStringLiteral("%1 tries; at most %2 attempts here").arg(attempts).arg(MostAttempts));
        attempts = MostAttempts;
    }
    const bool jitter =
        p.strategy == QLatin1String("jittering") || p.strategy == QLatin1String("jittering_linear");
    const bool linear =
        p.strategy == QLatin1String("linear") || p.strategy == QLatin1String("jittering_linear");
    double initial = p.baseBackoff * 1000;
    double multiplier = p.base;
    if (linear) {
        // LinearBackoffRetryStrategy: baseBackoff + base * tries - 1, within [0, maxBackoff].
        const double first = std::clamp(p.baseBackoff + p.base - 1, 0.0, p.maxBackoff);
        m_arch.note(sp, QStringLiteral("linear back-off (base_backoff + base × tries − 1) has no "
                                       "equivalent: every retry waits the first one's %1 s")
                            .arg(num(first)));
        initial = first * 1000;
        multiplier = 1;
    }
    if (multiplier < 1 || multiplier > 10) {
        m_arch.note(JsonReader::join(sp, QStringLiteral("config.base")),
                    QStringLiteral("a back-off base of %1; here the multiplier is from 1 to 10")
                        .arg(num(multiplier)));
        multiplier = std::clamp(multiplier, 1.0, 10.0);
    }
    // Full jitter, random(0, d), is d/2 with a randomization factor of 1.
    if (jitter)
        initial /= 2;
    initial = std::min(initial, 60000.0);
    const double maxBackoff = std::min(p.maxBackoff * 1000, 600000.0);
    QJsonObject retry{{QStringLiteral("maxAttempts"), attempts},
                      {QStringLiteral("initialBackoffMs"), rounded(initial)},
                      {QStringLiteral("multiplier"), rounded(multiplier)},
                      {QStringLiteral("maxBackoffMs"), rounded(maxBackoff)},
                      {QStringLiteral("randomizationFactor"), jitter ? 1 : 0}};
    double total = RequestTimeoutMs * attempts;
    for (int k = 1; k < attempts; ++k)
        total += std::min(maxBackoff, initial * std::pow(multiplier, k - 1) * (jitter ? 2 : 1));
    *timeoutMs = std::min(std::ceil(total), 3600000.0);
    return retry;
}

std::optional<QJsonObject> Importer::breakerJson(const BreakerPattern &p)
{
    const QString cp = JsonReader::join(p.path, QStringLiteral("config"));
    const QString tp = p.thresholdPath;
    if (!p.hasThreshold || !std::isfinite(p.threshold)) {
        m_arch.note(p.path, QStringLiteral("no error_threshold_percentage: MiSim's default "
                                           "(infinity) never opens, so no breaker is set"));
        return std::nullopt;
    }
    double percent = p.threshold * 100;
    if (p.threshold > 1) {
        m_arch.note(tp, QStringLiteral("%1 taken as %2 %; MiSim compares it with the failure "
                                       "fraction (0 to 1), so there the breaker never opens")
                            .arg(num(p.threshold), num(std::min(100.0, p.threshold))));
        percent = p.threshold;
    }
    if (percent < 1 || percent > 100) {
        m_arch.note(tp, QStringLiteral("a failure rate threshold of %1 %; here it is from 1 to "
                                       "100 %")
                            .arg(num(percent)));
        percent = std::clamp(percent, 1.0, 100.0);
    }
    int window = int(std::lround(p.rollingWindow));
    if (window < 1) {
        m_arch.note(
            JsonReader::join(cp, QStringLiteral("rolling_window")),
            QStringLiteral("a window of %1 s; here at least 1 s").arg(num(p.rollingWindow)));
        window = 1;
    }
    // TimingWindowCircuitBreakerState: a time window, no verdict under 5
    // calls, and the first call when half open decides.
    return QJsonObject{{QStringLiteral("preset"), QStringLiteral("defaults")},
                       {QStringLiteral("slidingWindowType"), QStringLiteral("TIME_BASED")},
                       {QStringLiteral("slidingWindowSize"), window},
                       {QStringLiteral("minimumNumberOfCalls"), 5},
                       {QStringLiteral("failureRateThreshold"), rounded(percent)},
                       {QStringLiteral("slowCallRateThreshold"), 100},
                       {QStringLiteral("slowCallDurationThresholdMs"), 3600000},
                       {QStringLiteral("waitDurationInOpenStateMs"),
                        std::clamp(rounded(p.sleepWindow * 1000), 1.0, 3600000.0)},
                       {QStringLiteral("permittedNumberOfCallsInHalfOpenState"), 1}};
}

QJsonObject Importer::policiesJson()
{
    QJsonObject edges;
    // Every request MiSim sends times out after 8 s.
    edges.insert(QStringLiteral("users>*"),
                 QJsonObject{{QStringLiteral("timeoutMs"), RequestTimeoutMs}});
    for (const Microservice &ms : m_services) {
        std::optional<QJsonObject> breaker;
        if (ms.breaker)
            breaker = breakerJson(*ms.breaker);
        if ((ms.retry || ms.breaker) && ms.callees.empty())
            m_arch.note(ms.retry ? ms.retry->path : ms.breaker->path,
                        QStringLiteral("\"%1\" calls no other microservice: the pattern has "
                                       "nothing to act on (in MiSim neither)")
                            .arg(ms.misimName));
        if (ms.retry && ms.callsItself)
            m_arch.note(ms.retry->path,
                        QStringLiteral("not set on the calls of \"%1\" to itself: an edge policy "
                                       "here is between two services")
                            .arg(ms.misimName));
        bool retrying = ms.retry.has_value();
        if (ms.retry && ms.retry->maxTries <= 1) {
            m_arch.note(JsonReader::join(ms.retry->path, QStringLiteral("config.max_tries")),
                        QStringLiteral("%1 tries: MiSim makes no retry, and neither does the "
                                       "scenario")
                            .arg(ms.retry->maxTries));
            retrying = false;
        }
        double timeout = RequestTimeoutMs;
        QJsonObject retry;
        if (retrying && !ms.callees.empty())
            retry = retryJson(*ms.retry, &timeout);
        int bulkhead = 0;
        if (ms.breaker && ms.breaker->hasVolume && !ms.callees.empty()) {
            // CircuitBreaker: more calls under way than request_volume_threshold fail.
            bulkhead = ms.breaker->volume;
            if (bulkhead < 1 || bulkhead > 100000) {
                m_arch.note(JsonReader::join(ms.breaker->path,
                                             QStringLiteral("config.request_volume_threshold")),
                            QStringLiteral("%1 calls at once; a bulkhead here allows from 1 to "
                                           "100000")
                                .arg(bulkhead));
                bulkhead = std::clamp(bulkhead, 1, 100000);
            }
        }
        for (const int callee : ms.callees) {
            QJsonObject e;
            if (!retry.isEmpty()) {
                e.insert(QStringLiteral("retry"), retry);
                e.insert(QStringLiteral("perTryTimeoutMs"), RequestTimeoutMs);
            }
            e.insert(QStringLiteral("timeoutMs"), timeout);
            if (breaker)
                e.insert(QStringLiteral("circuitBreaker"), *breaker);
            if (bulkhead > 0)
                e.insert(QStringLiteral("bulkhead"), bulkhead);
            edges.insert(QStringLiteral("%1>%2").arg(ms.name, m_services[callee].name), e);
        }
    }
    return QJsonObject{{QStringLiteral("edges"), edges}};
}

QJsonObject Importer::autoscalerJson()
{
    QJsonObject all;
    for (const Microservice &ms : m_services) {
        if (!ms.autoscaling || ms.operations.isEmpty())
            continue;
        const AutoscalingPattern &p = *ms.autoscaling;
        const QString sc = JsonReader::join(p.path, QStringLiteral("strategy.config"));
        double target = p.upper;
        if (!(target >= 0.01 && target <= 1)) {
            m_arch.note(JsonReader::join(sc, QStringLiteral("upper_bound")),
                        QStringLiteral("an upper bound of %1; a utilization target here is from "
                                       "0.01 to 1")
                            .arg(num(target)));
            target = std::clamp(target, 0.01, 1.0);
        }
        m_arch.note(JsonReader::join(sc, QStringLiteral("lower_bound")),
                    QStringLiteral("lower_bound %1 has no equivalent: MiSim scales down only "
                                   "below it, Microcosm's autoscaler scales towards its target "
                                   "%2 both ways (after the hold time)")
                        .arg(num(p.lower), num(target)));
        int least = p.minInstances;
        int most = p.maxInstances;
        if (least < 1 || least > MostReplicas) {
            m_arch.note(JsonReader::join(sc, QStringLiteral("min_instances")),
                        QStringLiteral("%1; here from 1 to %2").arg(least).arg(MostReplicas));
            least = std::clamp(least, 1, MostReplicas);
        }
        if (!p.hasMax || most > MostReplicas) {
            m_arch.note(
                JsonReader::join(sc, QStringLiteral("max_instances")),
                QStringLiteral("%1; a service has at most %2 replicas here")
                    .arg(p.hasMax ? QString::number(most) : QStringLiteral("no maximum in MiSim"))
                    .arg(MostReplicas));
            most = MostReplicas;
        }
        if (most < least) {
            m_arch.note(
                JsonReader::join(sc, QStringLiteral("max_instances")),
                QStringLiteral("%1 is below min_instances; taken as %2").arg(most).arg(least));
            most = least;
        }
        if (p.start > 0 || std::isfinite(p.stop))
            m_arch.note(JsonReader::join(p.path, QStringLiteral("config")),
                        QStringLiteral("active from %1 s to %2 in MiSim; the autoscaler here "
                                       "acts for the whole run")
                            .arg(num(p.start), std::isfinite(p.stop)
                                                   ? num(p.stop) + QStringLiteral(" s")
                                                   : QStringLiteral("the end")));
        const double hold = std::clamp(p.holdTime, 0.0, 3600.0);
        if (hold != p.holdTime)
            m_arch.note(JsonReader::join(sc, QStringLiteral("hold_time")),
                        QStringLiteral("%1 s; a stabilization window is from 0 to 3600 s here")
                            .arg(num(p.holdTime)));
        // MiSim applies its decision at once: no limit on scaling up, a
        // scale-down waits out the hold time.
        all.insert(
            ms.name,
            QJsonObject{
                {QStringLiteral("metric"), QStringLiteral("utilization")},
                {QStringLiteral("target"), rounded(target)},
                {QStringLiteral("minReplicas"), least},
                {QStringLiteral("maxReplicas"), most},
                {QStringLiteral("syncPeriodMs"),
                 std::clamp(rounded(p.period * 1000), 100.0, 3600000.0)},
                {QStringLiteral("behavior"),
                 QJsonObject{{QStringLiteral("scaleUp"),
                              QJsonObject{{QStringLiteral("stabilizationWindowSeconds"), 0},
                                          {QStringLiteral("selectPolicy"), QStringLiteral("Max")},
                                          {QStringLiteral("policies"),
                                           QJsonArray{QJsonObject{
                                               {QStringLiteral("type"), QStringLiteral("Pods")},
                                               {QStringLiteral("value"), MostReplicas},
                                               {QStringLiteral("periodSeconds"), 1}}}}}},
                             {QStringLiteral("scaleDown"),
                              QJsonObject{{QStringLiteral("stabilizationWindowSeconds"),
                                           rounded(hold, 0.001)},
                                          {QStringLiteral("selectPolicy"), QStringLiteral("Max")},
                                          {QStringLiteral("policies"),
                                           QJsonArray{QJsonObject{
                                               {QStringLiteral("type"), QStringLiteral("Percent")},
                                               {QStringLiteral("value"), 100},
                                               {QStringLiteral("periodSeconds"), 1}}}}}}}}});
    }
    return all;
}

QJsonObject Importer::loadJson(QJsonObject *journeys)
{
    // One journey per target operation, weighed by its arrivals over the run.
    std::map<std::pair<int, int>, std::vector<double>> perJourney;
    const int seconds = std::max(1, int(std::ceil(m_duration)));
    for (const Generator &g : m_generators) {
        auto &series = perJourney[{g.service, g.operation}];
        series.resize(seconds, 0.0);
        for (int k = 0; k < seconds; ++k)
            series[k] += g.perSecond[k];
    }
    if (!m_hasExperiment) {
        // No experiment: every operation no other one calls, at a modest rate.
        std::set<std::pair<int, int>> called;
        std::function<void(const Dependency &)> mark = [&](const Dependency &d) {
            if (d.targetService >= 0)
                called.insert({d.targetService, d.targetOperation});
            for (const Dependency &c : d.children)
                mark(c);
        };
        for (const Microservice &ms : m_services)
            for (const Operation &op : ms.operations)
                for (const Dependency &d : op.dependencies)
                    mark(d);
        QList<std::pair<int, int>> entries;
        for (int s = 0; s < int(m_services.size()); ++s)
            for (int o = 0; o < int(m_services[s].operations.size()); ++o)
                if (!called.count({s, o}))
                    entries.append({s, o});
        if (entries.isEmpty())
            for (int s = 0; s < int(m_services.size()); ++s)
                for (int o = 0; o < int(m_services[s].operations.size()); ++o)
                    entries.append({s, o});
        for (const auto &e : entries)
            perJourney[e].assign(seconds, NoExperimentRate / double(entries.size()));
        m_arch.note(QStringLiteral("$"),
                    QStringLiteral("no experiment file: the scenario sends %1 journeys/s for %2 "
                                   "s, spread over the operations no other one calls")
                        .arg(NoExperimentRate)
                        .arg(m_duration));
    }
    std::vector<double> total(seconds, 0.0);
    double all = 0;
    for (const auto &[key, series] : perJourney)
        for (int k = 0; k < seconds; ++k) {
            total[k] += series[k];
            all += series[k];
        }
    QStringList names;
    for (const auto &[key, series] : perJourney) {
        const auto [s, o] = key;
        double sum = 0;
        for (double v : series)
            sum += v;
        const QString name =
            unique(sanitized(QStringLiteral("%1-%2").arg(m_services[s].name,
                                                         m_services[s].operations[o].segment),
                             64, QStringLiteral("_")),
                   names, 64);
        if (sum <= 0) {
            m_exp.note(QStringLiteral("$.generators"),
                       QStringLiteral("the generators of \"%1.%2\" send nothing within the run "
                                      "(%3 s); no journey for it")
                           .arg(m_services[s].misimName, m_services[s].operations[o].name)
                           .arg(num(m_duration)));
            continue;
        }
        names << name;
        journeys->insert(name,
                         QJsonObject{{QStringLiteral("weight"), rounded(100 * sum / all, 0.001)},
                                     {QStringLiteral("steps"),
                                      QJsonArray{QJsonObject{
                                          {QStringLiteral("method"), QStringLiteral("POST")},
                                          {QStringLiteral("path"),
                                           route(s, o).mid(QStringLiteral("POST ").size())}}}}});
    }
    if (m_hasExperiment && m_generators.isEmpty())
        m_exp.note(QStringLiteral("$"), QStringLiteral("no request generators: the scenario "
                                                       "sends no load"));
    // One mix for the run: note when the shares change over time.
    bool sharesVary = false;
    for (const auto &[key, series] : perJourney)
        for (int k = 0; k < seconds && !sharesVary && all > 0; ++k) {
            double sum = 0;
            for (double v : series)
                sum += v;
            if (total[k] > 0 && std::abs(series[k] / total[k] - sum / all) > 1e-6)
                sharesVary = true;
        }
    if (sharesVary)
        m_exp.note(QStringLiteral("$.generators"),
                   QStringLiteral("the generators' rates change apart from each other; Microcosm "
                                  "keeps one mix of journeys for the run (their shares over the "
                                  "whole run) and changes only the total rate"));
    // The rate second by second, in coarser steps if there would be too many.
    int width = 1;
    auto changes = [&](int w) {
        int n = 0;
        double last = -1;
        for (int k = 0; k < seconds; k += w) {
            double sum = 0;
            int count = 0;
            for (int j = k; j < std::min(seconds, k + w); ++j, ++count)
                sum += total[j];
            const double rate = rounded(sum / count, 0.001);
            if (rate != last)
                ++n;
            last = rate;
        }
        return n;
    };
    while (changes(width) > MostRateSteps)
        width *= 2;
    if (width > 1)
        m_exp.note(QStringLiteral("$.generators"),
                   QStringLiteral("the load changes more than %1 times; it is set every %2 s "
                                  "(the mean of each %2 s) instead of every second")
                       .arg(MostRateSteps)
                       .arg(width));
    double first = 0;
    double last = -1;
    bool clamped = false;
    for (int k = 0; k < seconds; k += width) {
        double sum = 0;
        int count = 0;
        for (int j = k; j < std::min(seconds, k + width); ++j, ++count)
            sum += total[j];
        double rate = rounded(sum / count, 0.001);
        if (rate > MostRate) {
            rate = MostRate;
            clamped = true;
        }
        if (k == 0)
            first = rate;
        else if (rate != last)
            addStep(k,
                    QJsonObject{{QStringLiteral("action"), QStringLiteral("set-rate")},
                                {QStringLiteral("rate"), rate}},
                    QStringLiteral("$.generators"), -1);
        last = rate;
    }
    if (clamped)
        m_exp.note(QStringLiteral("$.generators"),
                   QStringLiteral("more than %1 requests/s at times; the load is at most that "
                                  "here")
                       .arg(MostRate));
    return QJsonObject{{QStringLiteral("model"), QStringLiteral("open")},
                       {QStringLiteral("arrivals"), QStringLiteral("uniform")},
                       {QStringLiteral("profile"),
                        QJsonObject{{QStringLiteral("shape"), QStringLiteral("constant")},
                                    {QStringLiteral("rate"), first}}}};
}

void Importer::addStep(double at, QJsonObject json, const QString &path, int order)
{
    if (at > m_duration) {
        m_exp.note(path, QStringLiteral("at %1 s, after the experiment's end (%2 s): MiSim does "
                                        "not play it either; left out")
                             .arg(num(at), num(m_duration)));
        return;
    }
    json.insert(QStringLiteral("at"), rounded(at, 0.001));
    m_timeline.append({at, order, json});
}

void Importer::chaosSteps()
{
    // Which replicas are up, as the experiment's steps (and MiSim's
    // autoscaler) leave them, numbered 1..n as kill-replica names them.
    std::map<int, std::vector<bool>> up;
    // Played in time order; at one time summoners first (MiSim gives them
    // priority), then kills, then the autoscaler's restarts. Nothing (a
    // null action) is the autoscaler's tick of that service.
    constexpr int Revive = 2;
    std::multimap<std::pair<double, int>, std::pair<const Action *, int>> queue;
    // ReactiveAutoscalingPolicy starts min_instances again at its next tick
    // when fewer run; Microcosm's autoscaler does not restart killed replicas.
    auto reviveLater = [&](int s, double at) {
        const auto &p = m_services[s].autoscaling;
        if (!p || !(p->period > 0))
            return;
        const double tick =
            at < p->start ? p->start
                          : p->start + (std::floor((at - p->start) / p->period) + 1) * p->period;
        if (tick < p->stop && tick <= m_duration)
            queue.insert({{tick, Revive}, {nullptr, s}});
    };
    for (int s = 0; s < int(m_services.size()); ++s) {
        const Microservice &ms = m_services[s];
        if (ms.operations.isEmpty())
            continue;
        up[s] = std::vector<bool>(std::clamp(ms.instances, 1, MostReplicas), ms.instances > 0);
        if (ms.instances == 0) {
            addStep(0,
                    QJsonObject{{QStringLiteral("action"), QStringLiteral("kill")},
                                {QStringLiteral("service"), ms.name}},
                    JsonReader::join(ms.path, QStringLiteral("instances")), -2);
            if (ms.autoscaling && ms.autoscaling->start <= 0)
                queue.insert({{0, Revive}, {nullptr, s}});
            else
                reviveLater(s, 0);
        }
    }
    for (const Action &a : m_actions)
        if (a.kind != Action::Kind::Delay)
            queue.insert({{a.at, int(a.kind)}, {&a, a.service}});
    std::set<int> autoscaledNoted;
    while (!queue.empty()) {
        const auto [when, item] = *queue.begin();
        queue.erase(queue.begin());
        const Action *a = item.first;
        const Microservice &ms = m_services[item.second];
        if (ms.operations.isEmpty()) {
            if (a)
                m_exp.note(a->path, QStringLiteral("\"%1\" has no operation and is not in the "
                                                   "scenario; left out")
                                        .arg(ms.misimName));
            continue;
        }
        std::vector<bool> &replicaUp = up[item.second];
        const int alive = int(std::count(replicaUp.begin(), replicaUp.end(), true));
        if (!a) {
            const int least = std::clamp(ms.autoscaling->minInstances, 1, MostReplicas);
            if (alive >= least)
                continue;
            const int dead = int(replicaUp.size()) - alive;
            addStep(when.first,
                    QJsonObject{{QStringLiteral("action"), QStringLiteral("restart")},
                                {QStringLiteral("service"), ms.name}},
                    ms.autoscaling->path, -1);
            if (dead > least - alive)
                m_arch.note(ms.autoscaling->path,
                            QStringLiteral("at %1 s MiSim's autoscaler starts \"%2\" again up to "
                                           "min_instances (%3); the scenario's \"restart\" there "
                                           "brings back all %4 killed replicas")
                                .arg(num(when.first), ms.misimName)
                                .arg(least)
                                .arg(dead));
            std::fill(replicaUp.begin(), replicaUp.end(), true);
            continue;
        }
        if (ms.autoscaling && autoscaledNoted.insert(a->service).second)
            m_exp.note(a->path, QStringLiteral("\"%1\" is autoscaled: which replicas the steps "
                                               "name follows the experiment's own kills and "
                                               "summons, not the autoscaler's changes")
                                    .arg(ms.misimName));
        if (a->kind == Action::Kind::Kill) {
            if (a->instances == 0) {
                m_exp.note(a->path, QStringLiteral("kills 0 instances; left out"));
                continue;
            }
            if (alive == 0) {
                m_exp.note(a->path,
                           QStringLiteral("\"%1\" has no instance left to kill at %2 s; left out")
                               .arg(ms.misimName, num(a->at)));
                continue;
            }
            if (a->instances >= alive) {
                addStep(a->at,
                        QJsonObject{{QStringLiteral("action"), QStringLiteral("kill")},
                                    {QStringLiteral("service"), ms.name}},
                        a->path, a->order);
                std::fill(replicaUp.begin(), replicaUp.end(), false);
            } else {
                int left = a->instances;
                for (int k = int(replicaUp.size()) - 1; k >= 0 && left > 0; --k)
                    if (replicaUp[k]) {
                        replicaUp[k] = false;
                        --left;
                        addStep(
                            a->at,
                            QJsonObject{{QStringLiteral("action"), QStringLiteral("kill-replica")},
                                        {QStringLiteral("service"), ms.name},
                                        {QStringLiteral("replica"), k + 1}},
                            a->path, a->order);
                    }
            }
            if (a->at <= m_duration)
                reviveLater(a->service, a->at);
        } else {
            if (a->instances == 0) {
                m_exp.note(a->path, QStringLiteral("summons 0 instances; left out"));
                continue;
            }
            const int dead = int(replicaUp.size()) - alive;
            int more = a->instances;
            if (dead > 0) {
                addStep(a->at,
                        QJsonObject{{QStringLiteral("action"), QStringLiteral("restart")},
                                    {QStringLiteral("service"), ms.name}},
                        a->path, a->order);
                if (dead > more)
                    m_exp.note(a->path, QStringLiteral("summons %1 instance(s) of \"%2\"; "
                                                       "\"restart\" brings back all %3 killed "
                                                       "replicas")
                                            .arg(more)
                                            .arg(ms.misimName)
                                            .arg(dead));
                std::fill(replicaUp.begin(), replicaUp.end(), true);
                more -= dead;
            }
            if (more > 0) {
                int target = int(replicaUp.size()) + more;
                if (target > MostReplicas) {
                    m_exp.note(a->path, QStringLiteral("would make %1 replicas of \"%2\"; at most "
                                                       "%3 here")
                                            .arg(target)
                                            .arg(ms.misimName)
                                            .arg(MostReplicas));
                    target = MostReplicas;
                }
                if (target > int(replicaUp.size())) {
                    addStep(a->at,
                            QJsonObject{{QStringLiteral("action"), QStringLiteral("scale")},
                                        {QStringLiteral("service"), ms.name},
                                        {QStringLiteral("replicas"), target}},
                            a->path, a->order);
                    replicaUp.resize(target, true);
                }
            }
        }
    }
}

void Importer::delaySteps()
{
    for (const Action &a : m_actions) {
        if (a.kind != Action::Kind::Delay)
            continue;
        const Microservice &ms = m_services[a.service];
        // DelayInjection delays what the microservice sends: every call of
        // its operations (or of one), or those to one target operation.
        std::set<int> targets;
        std::set<int> viaOthers; // callees also reached by operations the delay spares
        std::function<void(const Dependency &, bool)> collect = [&](const Dependency &d,
                                                                    bool counted) {
            if (d.targetService >= 0 && d.targetService != a.service) {
                const bool hit =
                    counted && (a.targetService < 0 || (d.targetService == a.targetService &&
                                                        d.targetOperation == a.targetOperation));
                if (hit)
                    targets.insert(d.targetService);
                else
                    viaOthers.insert(d.targetService);
            }
            for (const Dependency &c : d.children)
                collect(c, counted);
        };
        for (int i = 0; i < int(ms.operations.size()); ++i)
            for (const Dependency &d : ms.operations[i].dependencies)
                collect(d, a.sourceOperation < 0 || a.sourceOperation == i);
        if (a.targetService >= 0 && a.targetService == a.service)
            m_exp.note(a.path, QStringLiteral("delays calls of \"%1\" to itself: a link here is "
                                              "between two services; left out")
                                   .arg(ms.misimName));
        if (targets.empty()) {
            if (a.targetService != a.service)
                m_exp.note(a.path, QStringLiteral("\"%1\" sends no request the delay applies to: "
                                                  "MiSim's delay changes nothing; left out")
                                       .arg(ms.misimName));
            continue;
        }
        for (const int t : targets)
            if (viaOthers.count(t))
                m_exp.note(a.path, QStringLiteral("Microcosm delays every call on the link "
                                                  "%1>%2, not only those of the operation named")
                                       .arg(ms.name, m_services[t].name));
        // Uniform between mean − left and mean + right deviation (seconds to ms).
        double low = (a.delay.mean - a.delay.left) * 1000;
        double high = (a.delay.mean + a.delay.right) * 1000;
        if (high <= 0) {
            m_exp.note(
                a.path,
                QStringLiteral("a delay of %1 s adds nothing; left out").arg(a.delay.text()));
            continue;
        }
        low = std::max(0.0, low);
        if (high > MostFaultMs) {
            m_exp.note(a.path, QStringLiteral("a delay of %1 s; an injected latency is at most "
                                              "600 s here")
                                   .arg(a.delay.text()));
            high = MostFaultMs;
            low = std::min(low, high);
        }
        for (const int t : targets) {
            QJsonObject step{{QStringLiteral("action"), QStringLiteral("latency")},
                             {QStringLiteral("from"), ms.name},
                             {QStringLiteral("to"), m_services[t].name},
                             {QStringLiteral("ms"), rounded(low, 0.001)}};
            if (high > low)
                step.insert(QStringLiteral("jitterMs"), rounded(high - low, 0.001));
            addStep(a.at, step, a.path, a.order);
            if (a.duration > 0) {
                if (a.at + a.duration < m_duration)
                    addStep(a.at + a.duration,
                            QJsonObject{{QStringLiteral("action"), QStringLiteral("clear-faults")},
                                        {QStringLiteral("from"), ms.name},
                                        {QStringLiteral("to"), m_services[t].name}},
                            a.path, a.order);
            }
        }
    }
}

bool Importer::hasCycle() const
{
    // Depth-first over the operations, 0 unseen, 1 on the path, 2 done.
    std::map<std::pair<int, int>, int> state;
    std::function<bool(int, int)> visit;
    std::function<bool(const Dependency &)> through = [&](const Dependency &d) {
        if (d.targetService >= 0 && visit(d.targetService, d.targetOperation))
            return true;
        for (const Dependency &c : d.children)
            if (through(c))
                return true;
        return false;
    };
    visit = [&](int s, int o) {
        int &st = state[{s, o}];
        if (st == 1)
            return true;
        if (st == 2)
            return false;
        st = 1;
        for (const Dependency &d : m_services[s].operations[o].dependencies)
            if (through(d))
                return true;
        state[{s, o}] = 2;
        return false;
    };
    for (int s = 0; s < int(m_services.size()); ++s)
        for (int o = 0; o < int(m_services[s].operations.size()); ++o)
            if (visit(s, o))
                return true;
    return false;
}

std::optional<QJsonObject> parseRoot(const QByteArray &json, Reader &r)
{
    const JsonReader::Scan scan = JsonReader::scan(json);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (!scan.badNumber.isEmpty() && parseError.offset >= scan.badNumberStart &&
            parseError.offset <= scan.badNumberEnd)
            r.fail(scan.badNumber.section(QLatin1Char(':'), 0, 0),
                   scan.badNumber.section(QLatin1Char(':'), 1).trimmed());
        else
            r.fail(QStringLiteral("$"), QStringLiteral("not valid JSON at byte %1: %2")
                                            .arg(parseError.offset)
                                            .arg(parseError.errorString()));
        return std::nullopt;
    }
    for (const QString &d : scan.duplicates)
        r.fail(d.section(QLatin1Char(':'), 0, 0), d.section(QLatin1Char(':'), 1).trimmed());
    if (!doc.isObject()) {
        r.error(QStringLiteral("$"), QStringLiteral("an object"),
                doc.isArray() ? QJsonValue(doc.array()) : QJsonValue());
        return std::nullopt;
    }
    if (!scan.duplicates.isEmpty())
        return std::nullopt;
    return doc.object();
}

std::optional<MiSimImport> Importer::run()
{
    const qsizetype errorsBefore = m_errors->size();
    const auto arch = parseRoot(m_input.architecture, m_arch);
    if (!arch)
        return std::nullopt;
    readArchitecture(*arch);
    if (m_errors->size() > errorsBefore)
        return std::nullopt;
    nameEverything();
    m_hasExperiment = !m_input.experiment.isEmpty();
    if (m_hasExperiment) {
        const auto exp = parseRoot(m_input.experiment, m_exp);
        if (!exp)
            return std::nullopt;
        readExperiment(*exp);
    }
    if (m_errors->size() > errorsBefore)
        return std::nullopt;

    QJsonObject architecture;
    const QString base = QFileInfo(m_input.architectureName).completeBaseName();
    architecture.insert(
        QStringLiteral("name"),
        sanitized(m_modelName.isEmpty() ? base : m_modelName, 64, QStringLiteral("_")));
    architecture.insert(QStringLiteral("services"), servicesJson());
    if (hasCycle()) {
        architecture.insert(QStringLiteral("allowCycles"), true);
        m_arch.note(QStringLiteral("$.microservices"),
                    QStringLiteral("an operation can reach itself through its dependencies: "
                                   "MiSim allows it, and so does the scenario (\"allowCycles\"); "
                                   "each hop holds a worker while it waits"));
    }
    QJsonObject scenario;
    scenario.insert(QStringLiteral("policies"), policiesJson());
    const QJsonObject autoscaler = autoscalerJson();
    if (!autoscaler.isEmpty())
        scenario.insert(QStringLiteral("autoscaler"), autoscaler);
    QJsonObject journeys;
    scenario.insert(QStringLiteral("load"), loadJson(&journeys));
    if (!journeys.isEmpty())
        architecture.insert(QStringLiteral("journeys"), journeys);
    chaosSteps();
    delaySteps();
    std::stable_sort(m_timeline.begin(), m_timeline.end(),
                     [](const TimelineStep &a, const TimelineStep &b) { return a.at < b.at; });
    QJsonArray timeline;
    for (const TimelineStep &s : m_timeline)
        timeline.append(s.json);

    const QString name = !m_experimentName.isEmpty() ? m_experimentName
                         : !m_modelName.isEmpty()    ? m_modelName
                                                     : base;
    scenario.insert(QStringLiteral("title"), QStringLiteral("MiSim: %1").arg(name));
    scenario.insert(QStringLiteral("duration"), m_duration);
    scenario.insert(QStringLiteral("seed"), double(m_seed));
    scenario.insert(QStringLiteral("architecture"), architecture);
    if (!timeline.isEmpty())
        scenario.insert(QStringLiteral("timeline"), timeline);
    scenario.insert(
        QStringLiteral("expect"),
        QJsonArray{QJsonObject{{QStringLiteral("metric"), QStringLiteral("invariants")}}});

    // The lesson names the files without their folders: it travels with the scenario.
    const QString archFile = QFileInfo(m_input.architectureName).fileName();
    const QString expFile = QFileInfo(m_input.experimentName).fileName();
    QString lesson = QStringLiteral("Imported from MiSim: %1").arg(archFile);
    if (m_hasExperiment)
        lesson += QStringLiteral(" and %1").arg(expFile);
    if (!m_modelName.isEmpty() && m_modelName != name)
        lesson += QStringLiteral(" (model \"%1\")").arg(m_modelName);
    lesson += QStringLiteral(". ");
    if (!m_description.isEmpty())
        lesson += m_description.trimmed() + QStringLiteral(" ");
    lesson += QStringLiteral("Each MiSim operation is a route POST /<service>/<operation> whose "
                             "work takes 4 × demand ÷ capacity seconds (MiSim's CPU: 4 threads "
                             "sharing the instance's capacity).");
    if (m_notes.isEmpty())
        lesson += QStringLiteral(" Everything in the MiSim files was carried over.");
    else {
        lesson += QStringLiteral(" Not carried over, or carried over differently (%1):")
                      .arg(m_notes.size());
        for (QString n : m_notes) {
            if (n.startsWith(m_input.architectureName + QStringLiteral(": ")))
                n.replace(0, m_input.architectureName.size(), archFile);
            else if (m_hasExperiment && n.startsWith(m_input.experimentName + QStringLiteral(": ")))
                n.replace(0, m_input.experimentName.size(), expFile);
            lesson += QStringLiteral("\n- ") + n;
        }
    }
    scenario.insert(QStringLiteral("lesson"), lesson);
    return MiSimImport{scenario, m_notes};
}

// A regular file of at most MaxFileBytes; problems go to errors, named by path.
std::optional<QByteArray> readFile(const QString &path, QStringList *errors)
{
    const QFileInfo info(path);
    if (info.exists() && !info.isFile()) {
        *errors << QStringLiteral("%1: %2").arg(
            path, info.isDir() ? QStringLiteral("is a directory, not a regular file")
                               : QStringLiteral("is not a regular file"));
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *errors << QStringLiteral("%1: cannot open: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (file.isSequential()) {
        *errors << QStringLiteral("%1: is not a regular file").arg(path);
        return std::nullopt;
    }
    const QByteArray data = file.read(MiSimImporter::MaxFileBytes + 1);
    if (data.size() > MiSimImporter::MaxFileBytes) {
        *errors << QStringLiteral("%1: is larger than a MiSim file may be here (at most 4 MiB)")
                       .arg(path);
        return std::nullopt;
    }
    if (file.error() != QFileDevice::NoError) {
        *errors << QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (data.trimmed().isEmpty()) {
        *errors << QStringLiteral("%1: $: is empty; expected a JSON object").arg(path);
        return std::nullopt;
    }
    return data;
}

} // namespace

std::optional<MiSimImport> MiSimImporter::convert(const Input &input, QStringList *errors)
{
    Importer importer(input, errors);
    return importer.run();
}

std::optional<MiSimImport> MiSimImporter::fromFiles(const QString &architecture,
                                                    const QString &experiment, QStringList *errors)
{
    Input input;
    input.architectureName = architecture;
    const auto arch = readFile(architecture, errors);
    std::optional<QByteArray> exp;
    if (!experiment.isEmpty()) {
        input.experimentName = experiment;
        exp = readFile(experiment, errors);
    }
    if (!arch || (!experiment.isEmpty() && !exp))
        return std::nullopt;
    input.architecture = *arch;
    if (exp)
        input.experiment = *exp;
    // MiSim opens a limbo model relative to its working directory; the
    // experiment's own folder is tried first.
    if (!experiment.isEmpty())
        input.searchDirs << QFileInfo(experiment).absolutePath();
    input.searchDirs << QDir::currentPath();
    return convert(input, errors);
}

int MiSimImporter::run(const QString &architecture, const QString &experiment,
                       const QString &output, QTextStream &out, QTextStream &err)
{
    QStringList errors;
    const auto imported = fromFiles(architecture, experiment, &errors);
    if (!imported) {
        for (const QString &e : errors)
            err << "microcosm: " << e << '\n';
        err << "microcosm: " << errors.size()
            << " problem(s) in the MiSim files; no scenario was written\n";
        err.flush();
        return 2;
    }
    for (const QString &n : imported->notes)
        err << "microcosm: not imported as is: " << n << '\n';
    err.flush();
    QString error;
    const QByteArray json = QJsonDocument(imported->scenario).toJson(QJsonDocument::Indented);
    if (!writeWhole(output, json, &error)) {
        err << "microcosm: cannot write --output: " << error << '\n';
        err.flush();
        return 2;
    }
    const QJsonObject arch = imported->scenario.value(QStringLiteral("architecture")).toObject();
    const QJsonObject services = arch.value(QStringLiteral("services")).toObject();
    int routes = 0;
    for (const QJsonValue &s : services)
        routes += int(s.toObject().value(QStringLiteral("routes")).toObject().size());
    out << "microcosm: wrote " << output << ": " << services.size() << " service(s), " << routes
        << " route(s), " << arch.value(QStringLiteral("journeys")).toObject().size()
        << " journey(s), " << imported->scenario.value(QStringLiteral("timeline")).toArray().size()
        << " timeline step(s); " << imported->notes.size()
        << " MiSim item(s) not imported as is (listed on stderr and in its lesson)\n";
    out << "microcosm: run it with: microcosm --headless --scenario " << output << '\n';
    out.flush();
    return 0;
}

} // namespace microcosm
