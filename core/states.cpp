#include "states.h"

#include <array>

namespace microcosm {

namespace {
constexpr std::array ReplicaStates{ReplicaState::Starting, ReplicaState::Ready, ReplicaState::Dead};
constexpr std::array BreakerStates{BreakerState::None,     BreakerState::Closed,
                                   BreakerState::Open,     BreakerState::HalfOpen,
                                   BreakerState::Disabled, BreakerState::ForcedOpen};
} // namespace

QString replicaStateName(ReplicaState s)
{
    switch (s) {
    case ReplicaState::Starting:
        return QStringLiteral("starting");
    case ReplicaState::Ready:
        return QStringLiteral("ready");
    case ReplicaState::Dead:
        return QStringLiteral("dead");
    }
    return {};
}

std::optional<ReplicaState> replicaStateFromName(QStringView name)
{
    for (ReplicaState s : ReplicaStates)
        if (name == replicaStateName(s))
            return s;
    return std::nullopt;
}

QString breakerStateName(BreakerState s)
{
    switch (s) {
    case BreakerState::None:
        return {};
    case BreakerState::Closed:
        return QStringLiteral("closed");
    case BreakerState::Open:
        return QStringLiteral("open");
    case BreakerState::HalfOpen:
        return QStringLiteral("half-open");
    case BreakerState::Disabled:
        return QStringLiteral("disabled");
    case BreakerState::ForcedOpen:
        return QStringLiteral("forced-open");
    }
    return {};
}

std::optional<BreakerState> breakerStateFromName(QStringView name)
{
    for (BreakerState s : BreakerStates)
        if (name == breakerStateName(s))
            return s;
    return std::nullopt;
}

} // namespace microcosm
