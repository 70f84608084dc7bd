// libFuzzer target: arbitrary bytes as a scenario file. Scenario::parse must
// either return a scenario or a list of errors, never crash, hang or trip a
// sanitizer; what a parsed scenario is used for first (its descriptions,
// its service times) must be safe too.
#include "scenario.h"

#include <QByteArray>
#include <QStringList>

#include <cstddef>
#include <cstdint>
#include <random>

using namespace microcosm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray json =
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    QStringList errors;
    const std::optional<Scenario> scenario = Scenario::parse(json, &errors);
    if (!scenario) {
        if (errors.isEmpty())
            __builtin_trap(); // a refusal must always say why
        return 0;
    }
    std::mt19937_64 rng(1);
    for (const TimelineAction &a : scenario->timeline)
        (void)a.describe();
    for (const Expectation &e : scenario->expectations)
        (void)e.describe();
    for (const QString &name : scenario->serviceNames()) {
        const ServiceConfig *c = scenario->serviceConfig(name);
        if (!c)
            __builtin_trap(); // every service the scenario names has a deployment
        (void)c->profile.serviceTime.sample(rng);
        for (const ServiceTime &t : c->profile.routeServiceTime)
            (void)t.sample(rng);
    }
    (void)scenario->load.profile.rateAt(scenario->duration / 2);
    return 0;
}
