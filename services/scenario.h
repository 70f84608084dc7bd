#pragma once

#include "architecture.h"
#include "chaos.h"
#include "expectationmetrics.h"
#include "horizontalautoscaler.h"
#include "loadgenerator.h"
#include "platform.h"
#include "shop.h"

#include <QJsonObject>
#include <QStringList>

#include <map>
#include <optional>

namespace microcosm {

// One timed step of a scenario: a fault, an operation or a change of load.
struct TimelineAction
{
    enum class Kind
    {
        Kill,
        KillReplica,
        Restart,
        Scale,
        Latency,
        Errors,
        Partition,
        SlowDatabase,
        LockDatabase,
        UnlockDatabase,
        ClearFaults,
        RollingUpdate,
        ChaosMonkey,
        ChaosMonkeyOff,
        SetRate,
        Breaker,
        BlockWrites,   // lock-database is its first name
        UnblockWrites, // unlock-database likewise
        LockFile,
        UnlockFile
    };
    double at = 0; // seconds after the load starts
    Kind kind = Kind::Kill;
    QString service;  // a service, or empty for a link action
    QString from, to; // a link, for latency / errors / partition / clear-faults / breaker
    int replica = 0;  // 1-based, for kill-replica
    int replicas = 0;
    double rate = 0;
    BreakerState breakerState = BreakerState::None; // breaker: closed, disabled, forced-open
    Fault fault;
    RollingUpdate update;
    ChaosMonkeyConfig monkey;
    int fileIndex = -1; // its place in the file's "timeline" (played sorted by time), or -1

    static QStringList kindNames();
    static QString kindName(Kind k);
    QString describe() const;
};

// A steady-state hypothesis: "cart success-rate >= 0.99 between 10 s and 25 s".
struct Expectation
{
    ExpectationMetric metric = ExpectationMetric::SuccessRate; // services/expectationmetrics.h
    QString entity;
    QString op = QStringLiteral(">=");
    double value = 0;
    double from = -1; // seconds after the load starts; -1: the whole run
    double to = -1;
    int fileIndex = -1; // its place in the file's "expect", or -1
    QString describe() const;
};

// One experiment, as a JSON file describes it: the deployment, policies,
// autoscalers, load, a timeline of faults and operations, its duration and
// seed, the lesson it teaches and what is expected to hold. parse() accepts
// only well-formed files: every problem is reported with its JSON path, and
// an unknown key, a key given twice, a number that is not finite or a
// route, service or replica that the shop does not have is a problem.
struct Scenario
{
    QString title = QStringLiteral("Steady state");
    QString lesson;
    double duration = 30;
    quint64 seed = 1;
    // What runs: the shop unless the file's "architecture" says otherwise.
    Architecture architecture = Architecture::shop();
    PlatformConfig platform;
    // Edge keys (EntityKey::edge); an empty service is a caller's default, "caller>*".
    std::map<EntityKey, EdgePolicy> edges;
    double rateLimit = 0;
    double rateLimitBurst = 0;
    std::map<QString, AutoscalerConfig> autoscalers;
    LoadConfig load;
    QList<TimelineAction> timeline;
    QList<Expectation> expectations;

    // What the architecture of this scenario has: the one place the reader
    // and the writer ask what is a service, a caller or a route. Its
    // deployables (a service alone, or a monolith); who may call one (the
    // users, through the gateway, and each deployable); the routes a
    // deployable answers (publicOnly: those the users may call); a
    // deployable's replica set, or null for a name that is not one.
    // moduleNames: the services inside the deployables too (a monolith's
    // modules), which actions and expectations may also name.
    QStringList serviceNames() const;
    QStringList moduleNames() const;
    QStringList callers() const;
    QStringList routes(const QString &service, bool publicOnly = false) const;
    ServiceConfig *serviceConfig(const QString &service);
    const ServiceConfig *serviceConfig(const QString &service) const;

    // baseDir: where a file-named "architecture" is looked for (the
    // scenario file's folder); empty: the current directory.
    static std::optional<Scenario> parse(const QByteArray &json, QStringList *errors,
                                         const QString &baseDir = {});
    // A regular file of at most MaxFileBytes. The messages do not repeat the
    // path: the caller says which file it was.
    static std::optional<Scenario> fromFile(const QString &path, QStringList *errors);
    static constexpr qint64 MaxFileBytes = 4 * 1024 * 1024;
    // The checks across fields that parse() makes, against the scenario as
    // it is now: no timeline step after the end, no expectation window
    // reaching past it, no kill-replica of a replica the service cannot have
    // by then. Call it again after changing the duration (--duration): one
    // message per problem, naming the step or expectation; empty when fine.
    QStringList validate() const;
    // The scenario a plain --rate/--duration run stands for.
    static Scenario steadyState(double rate, double duration, quint64 seed);
    // Applies deployment-independent settings (policies, autoscalers) to a started platform.
    void applyPolicies(Platform &platform) const;
};

} // namespace microcosm
