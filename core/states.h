#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace microcosm {

// The states the views and the recording see, as values. They become words
// only where a person or a file reads them (replicaStateName,
// breakerStateName: the recording's columns, /metrics labels, the
// window's text) and are read back from words only there.

// A replica's life: cold-starting, serving, or killed.
enum class ReplicaState
{
    Starting,
    Ready,
    Dead
};

// "starting", "ready", "dead".
QString replicaStateName(ReplicaState s);
std::optional<ReplicaState> replicaStateFromName(QStringView name);

// A caller→service edge's circuit breaker as the views show it: None when
// the edge has no breaker, else its Resilience4j state.
enum class BreakerState
{
    None,
    Closed,
    Open,
    HalfOpen,
    Disabled,
    ForcedOpen
};

// "closed", "open", "half-open", "disabled", "forced-open"; empty for None.
QString breakerStateName(BreakerState s);
// The inverse, empty giving None; a word it does not know gives nullopt.
std::optional<BreakerState> breakerStateFromName(QStringView name);
// The breaker stops calls (open, or forced open by hand).
inline bool breakerRefuses(BreakerState s)
{
    return s == BreakerState::Open || s == BreakerState::ForcedOpen;
}

} // namespace microcosm
