#pragma once

#include "states.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace microcosm {

class Recording;

// What one entity did over a span of a run, as its recording holds it.
struct DebriefFigures
{
    QString name; // "product", "users>product"; "users" for the gateway's totals
    quint64 requests = 0;
    double successRate = 1; // (ok + fallback) / requests; 1 when there was no request
    double p99Ms = 0;
    quint64 fallbacks = 0;
    QJsonObject toJson() const;
};

// A run told in plain words, built only from its recording (and the audit):
// what was done to the system, how each phase between those actions went,
// who suffered first, how the breakers and the autoscaler reacted, what the
// users saw and whether anything was lost. Every figure is read from the
// recording's seconds and events; none is assumed. Times are seconds after
// the load started (a scenario timeline's t = 0).
//
// Invariants: it never changes the recording; a recording with no seconds or
// no events gives a debrief that says so rather than figures made up.
struct Debrief
{
    // Something done to the system: a fault, a kill, a restart, a load change,
    // scaling by hand, a rolling update, the chaos monkey (kind is the event's).
    struct Action
    {
        double t = 0;
        QString source, kind, message;
        QString what; // a short phrase: "product killed", "fault on order>product"
        // A chaos monkey's strike (a kill or restart while it ran): counted
        // under the monkey, not a phase of its own.
        bool byMonkey = false;
    };
    // The run between two actions (tiny spans under 2 s merged into the next).
    struct Phase
    {
        QString name; // "before", "during product down", "after product restarted"
        double from = 0, to = 0;
        DebriefFigures users; // the gateway: what the users saw
        QList<DebriefFigures> services;
    };
    // A service or edge's first bad second after the first fault.
    struct Suffering
    {
        QString entity;           // the recording's key: "service:product", "edge:order>product"
        QString name;             // "product", "order>product"
        double at = 0;            // the end of that second
        bool successFell = false; // else its p99 rose above 3× its p99 before the fault
        double successRate = 1, p99Ms = 0, p99BeforeMs = 0;
    };
    struct BreakerChange
    {
        double t = 0;
        QString edge;                            // "users>product"
        BreakerState state = BreakerState::None; // from the event's kind, "breaker-open"
    };
    struct Scaling
    {
        double t = 0;
        QString service;
        int from = 0, to = 0;
        std::optional<double> afterAction; // s after the last disrupting action before it
        QString action;                    // that action's what
    };

    QString text; // ~10–25 lines, for a terminal and a panel
    QJsonObject toJson() const;

    QString title;
    double loadSeconds = 0; // from load start to the end of the load
    QList<Action> actions;
    std::optional<Action> firstFault; // the first action that disrupts (not a restore)
    QList<Phase> phases;
    int worstPhase = -1;       // index of the phase with the users' lowest success rate
    QList<Suffering> suffered; // each service or edge's first bad second, in time order
    QString firstToSuffer;     // suffered.first().name; empty when none suffered
    double firstToSufferAt = -1;
    std::optional<double> breakerReaction; // s from the first fault to the first breaker opening
    QString breakerEdge;
    QList<BreakerChange> breakers; // every transition after the load started
    bool autoscalerOn = false;     // some service had an autoscaler
    QList<Scaling> autoscaling;
    int autoscalerHeld = 0; // decisions held back (stabilization, limits)
    // The gateway's totals over the whole run.
    double usersSuccessRate = 1;
    double usersP99Ms = 0;
    quint64 usersRequests = 0;
    QString auditVerdict; // "passed", "failed" or "no audit"
    QString auditSummary; // the audit's one line
    QString lost;         // what was lost (missing acknowledged orders...); empty: nothing
};

// audit: AuditReport::toJson() (auditor.h); empty when there was none.
Debrief debriefOf(const Recording &recording, const QJsonObject &audit);

} // namespace microcosm
