#pragma once

#include "scenario.h"

#include <QJsonObject>

namespace microcosm {

// Scenario files written from a Scenario: the reader's other half, beside it
// so that the round trip is tested without a window.
//
// scenarioToJson() writes every field that Scenario::parse() reads, in the
// same units and under the same keys, so that parse(toJson(s)) gives back s
// (tst_scenario checks it for every preset). It never writes a file that
// parse() would refuse for a scenario that parse() gave.

QJsonObject scenarioToJson(const Scenario &scenario);
QByteArray scenarioToBytes(const Scenario &scenario);

// Writes the file; false (with *error naming the file) when it cannot.
bool writeScenarioFile(const Scenario &scenario, const QString &path, QString *error);

} // namespace microcosm
