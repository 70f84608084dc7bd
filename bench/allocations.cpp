// Figure 9, allocations: how many times the C heap is asked for memory per
// journey and per request while the default shop runs (zero service time),
// counted by the bench binary's own malloc, which forwards to glibc's. Every
// thread counts: workers, the gateway's completions, the scheduler, the load
// generator, the metrics rotation. Qt's containers and strings, libstdc++'s
// operator new and SQLite all allocate through malloc, so all are seen.

#include "benchsupport.h"
#include "shopsession.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

#ifdef MICROCOSM_COUNT_ALLOCATIONS
extern "C" {
void *__libc_malloc(std::size_t size);
void *__libc_calloc(std::size_t count, std::size_t size);
void *__libc_realloc(void *p, std::size_t size);
void __libc_free(void *p);
}

namespace {

// Relaxed: a count, read only after the measured window.
std::atomic<bool> counting{false};
std::atomic<std::uint64_t> allocations{0};

inline void count()
{
    if (counting.load(std::memory_order_relaxed))
        allocations.fetch_add(1, std::memory_order_relaxed);
}

} // namespace

// glibc's documented way to replace malloc in a program ("Replacing malloc",
// the GNU C Library manual): malloc, free, calloc and realloc together; the
// aligned and other entry points stay glibc's, on the same heap.
extern "C" void *malloc(std::size_t size)
{
    count();
    return __libc_malloc(size);
}

extern "C" void *calloc(std::size_t n, std::size_t size)
{
    count();
    return __libc_calloc(n, size);
}

extern "C" void *realloc(void *p, std::size_t size)
{
    count();
    return __libc_realloc(p, size);
}

extern "C" void free(void *p)
{
    __libc_free(p);
}

#endif // MICROCOSM_COUNT_ALLOCATIONS

namespace microcosm::bench {

QJsonObject allocationCount(const BenchOptions &options)
{
    QJsonObject out =
        figure(QStringLiteral("allocations"),
               QStringLiteral("calls to malloc, calloc and realloc from every thread while the "
                              "default shop (zero service time) runs its journey mix at 300 "
                              "journeys/s, per journey finished and per request sent"));
#ifndef MICROCOSM_COUNT_ALLOCATIONS
    // A sanitizer build brings its own malloc: there is nothing to count with.
    out.insert(QStringLiteral("error"),
               QStringLiteral("not measured: a sanitizer build replaces malloc itself"));
    return out;
#else
    ShopConfig shop = ShopConfig::defaults();
    for (ServiceConfig *s : {&shop.product, &shop.cart, &shop.order}) {
        s->profile.serviceTime = ServiceTime::constant(0);
        s->coldStart = milliseconds(50);
    }
    LoadConfig load;
    load.profile.rate = 300;
    load.seed = 7;
    ShopSession session(subdir(options, QStringLiteral("allocations")), shop, {}, load);
    if (!session.start()) {
        out.insert(QStringLiteral("error"), session.startError());
        return out;
    }
    LoadGenerator &generator = session.load();
    generator.start();
    sleepSeconds(2); // warm: caches, the rings' first windows, the fallback caches
    const double seconds = options.quick ? 3 : 10;
    const auto s0 = generator.stats();
    allocations.store(0);
    counting.store(true);
    sleepSeconds(seconds);
    counting.store(false);
    const auto s1 = generator.stats();
    const std::uint64_t n = allocations.load();
    session.shutdown();

    const double journeys =
        double(s1.journeysOk - s0.journeysOk + s1.journeysFailed - s0.journeysFailed);
    const double requests = double(s1.requests - s0.requests);
    const double perJourney = journeys > 0 ? double(n) / journeys : 0;
    out.insert(QStringLiteral("seconds"), seconds);
    out.insert(QStringLiteral("journeys"), qint64(journeys));
    out.insert(QStringLiteral("requests"), qint64(requests));
    out.insert(QStringLiteral("allocations"), qint64(n));
    out.insert(QStringLiteral("perJourney"), round(perJourney, 1));
    out.insert(QStringLiteral("perRequest"), round(requests > 0 ? double(n) / requests : 0, 1));
    out.insert(QStringLiteral("perSecond"), round(double(n) / seconds, 0));
    out.insert(QStringLiteral("target"), QStringLiteral("<= 40 per journey"));
    out.insert(QStringLiteral("met"), journeys > 0 && perJourney <= 40);
    return out;
#endif
}

} // namespace microcosm::bench
