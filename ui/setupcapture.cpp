#include "setupcapture.h"

#include "shopcontroller.h"

namespace microcosm {

Scenario captureSetup(ShopController &c, const Scenario *running)
{
    Scenario s = running ? *running : Scenario{};
    if (running) {
        s.title = running->title + QStringLiteral(" (saved set-up)");
    } else {
        s.title = QStringLiteral("Saved set-up");
        s.lesson = QStringLiteral("A set-up saved from the Microcosm window: the deployment, the "
                                  "load and the policies as they were. Add a timeline of faults "
                                  "and the expectations to test.");
        s.duration = 60;
    }
    // The deployment as it is now (replicas scaled by hand or by an autoscaler included).
    const QStringList names = s.serviceNames();
    for (const QString &name : names)
        if (ServiceHost *h = c.platform().host(name))
            *s.serviceConfig(name) = h->config();

    // The load: the generator's configuration, at the rate it runs now.
    const LoadConfig load = c.load().config();
    s.load = load;
    s.load.seed = s.seed;
    // A shape played from the Load controls is saved as the file's profile.
    if (c.shaping())
        s.load.profile = c.loadShape();

    // Every policy set from the GUI or by the scenario, as the gateway has it now.
    s.edges.clear();
    for (const EntityKey &key : c.policyKeys())
        s.edges[key] = c.policy(key.caller(), key.service());
    s.rateLimit = c.rateLimit();
    s.rateLimitBurst = s.rateLimit > 0 ? std::max(1.0, c.rateLimitBurst()) : 0;

    s.autoscalers.clear();
    for (const QString &name : names) {
        const AutoscalerConfig a = c.autoscaler(name);
        if (a.enabled)
            s.autoscalers[name] = a;
    }
    return s;
}

} // namespace microcosm
