#include "enginethreads.h"

#include <algorithm>
#include <atomic>

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace microcosm {

namespace {
std::atomic<int> g_nice{0};
} // namespace

void setEngineThreadNice(int nice)
{
    g_nice.store(std::clamp(nice, 0, 19), std::memory_order_relaxed);
}

int engineThreadNice()
{
    return g_nice.load(std::memory_order_relaxed);
}

void engineThreadStarted()
{
#if defined(__linux__)
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); // 1 ns: the smallest the kernel takes
    // On Linux a nice value belongs to one thread, named by its thread id
    // (setpriority(2), "BUGS"); raising it needs no privilege.
    if (const int nice = engineThreadNice(); nice > 0)
        setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), nice);
#endif
}

} // namespace microcosm
