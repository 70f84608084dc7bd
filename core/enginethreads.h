#pragma once

namespace microcosm {

// What every thread that does the simulated platform's work calls first:
// a replica's workers, the scheduler that paces arrivals, the recorder,
// the HTTP front's I/O threads and an external service's health probe.
//
// It asks for precise wake-ups. Linux lets a normal thread's timed wait
// run up to 50 µs late ("timer slack", to batch wake-ups); a replica's
// service time is such a wait, so every request would be served up to
// 0.5 % slower than its 10 ms, and near saturation a queue magnifies that
// by 1 / (1 − ρ): +5 % on the response time at ρ = 0.9.
//
// And, once the GUI has asked for it, it lowers the thread's priority so
// the GUI thread is served first. On two cores a large architecture keeps
// eighty or more engine threads runnable; at equal priority the scheduler
// gives the GUI thread one share in eighty, and a frame that needs 5 ms of
// processor takes hundreds of milliseconds of wall time. At nice 19 an
// engine thread weighs 15 against the GUI thread's 1024 (the kernel's
// sched_prio_to_weight table), so the GUI thread gets its frame done
// while the engine takes whatever is left (microcosm-guibench
// --engine-nice measures it). Headless runs never ask: there every thread
// keeps the same priority.
void engineThreadStarted();

// Threads started after this call (and only those) run at the given nice
// value, 1 to 19; 0 turns it off again. The GUI calls it once, before the
// session starts. Elsewhere than Linux it does nothing.
void setEngineThreadNice(int nice);
int engineThreadNice();

} // namespace microcosm
