#pragma once

#include "headless.h"

#include <QCommandLineParser>

namespace microcosm {

// Adds the GUI-only options: --screenshot FILE.png, --quit-after S,
// --presenter, --size WxH, --reset-layout (and a hidden --kill-at
// SERVICE@S used for demo screenshots and tests).
void addGuiOptions(QCommandLineParser &parser);

// The nice value the engine's threads run at beside the window (see
// core/enginethreads.h): the GUI thread is served first, so the window
// keeps drawing when the architecture asks more of the processor than
// there is. microcosm-guibench measures the lag at other values.
inline constexpr int kEngineNiceBesideWindow = 19;

// Opens the main window on a shop in options.dataDir and runs the event
// loop: with options.scenario, a shop with the scenario's deployment running
// it (lesson, timeline and verdict in the Scenario panel); without, the
// default shop with the load at options.rate. Returns the process exit code: 2
// (with a message naming the option) for a bad GUI option value.
int runGui(const QCommandLineParser &parser, const HeadlessOptions &options);

// Says in a dialog why Microcosm cannot start on its data directory (the
// same lines go to stderr). No dialog on the offscreen platform.
void showStartupProblems(const QStringList &problems);

} // namespace microcosm
