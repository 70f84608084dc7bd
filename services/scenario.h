#pragma once

#include "chaos.h"
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
        Breaker
    };
    double at = 0; // seconds after the load starts
    Kind kind = Kind::Kill;
    QString service;  // a service, or empty for a link action
    QString from, to; // a link, for latency / errors / partition / clear-faults / breaker
    int replica = 0;  // 1-based, for kill-replica
    int replicas = 0;
    double rate = 0;
    QString state; // breaker: closed, disabled, forced-open
    Fault fault;
    RollingUpdate update;
    ChaosMonkeyConfig monkey;

    static QStringList kindNames();
    static QString kindName(Kind k);
    QString describe() const;
};

// A steady-state hypothesis: "cart success-rate >= 0.99 between 10 s and 25 s".
struct Expectation
{
    QString metric;
    QString entity;
    QString op = QStringLiteral(">=");
    double value = 0;
    double from = -1; // seconds after the load starts; -1: the whole run
    double to = -1;
    QString describe() const;
    static QStringList metricNames();
};

// One experiment, as a JSON file describes it: the deployment, policies,
// autoscalers, load, a timeline of faults and operations, its duration and
// seed, the lesson it teaches and what is expected to hold. parse() accepts
// only well-formed files: every problem is reported with its JSON path, and
// an unknown key is a problem.
struct Scenario
{
    QString title = QStringLiteral("Steady state");
    QString lesson;
    double duration = 30;
    quint64 seed = 1;
    ShopConfig shop = ShopConfig::defaults();
    PlatformConfig platform;
    std::map<QString, EdgePolicy> edges; // "caller>service" or "caller>*"
    double rateLimit = 0;
    double rateLimitBurst = 0;
    std::map<QString, AutoscalerConfig> autoscalers;
    LoadConfig load;
    QList<TimelineAction> timeline;
    QList<Expectation> expectations;

    static std::optional<Scenario> parse(const QByteArray &json, QStringList *errors);
    static std::optional<Scenario> fromFile(const QString &path, QStringList *errors);
    // The scenario a plain --rate/--duration run stands for.
    static Scenario steadyState(double rate, double duration, quint64 seed);
    // Applies deployment-independent settings (policies, autoscalers) to a started platform.
    void applyPolicies(Platform &platform) const;
};

} // namespace microcosm
