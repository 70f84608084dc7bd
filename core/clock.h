#pragma once

#include <chrono>

namespace microcosm {

// One clock for the whole platform. Policies take "now" as a parameter so
// their state machines can be tested with made-up times.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

inline double toMs(Duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

inline Duration fromMs(double ms)
{
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(ms));
}

} // namespace microcosm
