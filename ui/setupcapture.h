#pragma once

#include "scenario.h"

namespace microcosm {

class ShopController;

// "File → Save scenario…": the running shop's set-up as a scenario, for
// scenariowriter.h to write. The deployment (replicas and the rest of each
// service's configuration), the load, every edge policy set from the GUI or
// by a scenario, the rate limit and the autoscalers, plus the timeline and
// the expectations of the scenario being run, if any (so that "open a
// preset, change a policy, save" makes a variant of the preset).
//
// running: the scenario the window runs, or null for a hand-driven session.
Scenario captureSetup(ShopController &controller, const Scenario *running);

} // namespace microcosm
