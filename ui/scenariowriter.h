#pragma once

#include "scenario.h"

#include <QJsonObject>

namespace microcosm {

class ShopController;

// Scenario files written from the GUI ("File → Save scenario…").
//
// scenarioToJson() writes every field that Scenario::parse() reads, in the
// same units and under the same keys, so that parse(toJson(s)) gives back s;
// the round trip is tested. captureSetup() is the running shop's set-up as a
// scenario: the deployment (replicas and the rest of each service's
// configuration), the load, every edge policy set from the GUI or by a
// scenario, the rate limit and the autoscalers, plus the timeline and the
// expectations of the scenario being run, if any (so that "open a preset,
// change a policy, save" makes a variant of the preset).

QJsonObject scenarioToJson(const Scenario &scenario);
QByteArray scenarioToBytes(const Scenario &scenario);

// running: the scenario the window runs, or null for a hand-driven session.
Scenario captureSetup(ShopController &controller, const Scenario *running);

// Writes the file; false (with *error naming the file) when it cannot.
bool writeScenarioFile(const Scenario &scenario, const QString &path, QString *error);

} // namespace microcosm
