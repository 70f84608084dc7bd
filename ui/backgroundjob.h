#pragma once

#include <QObject>

#include <atomic>
#include <functional>
#include <thread>

namespace microcosm {

/*
 * One piece of blocking work at a time (start a shop, settle a scenario)
 * on a thread of its own, so that the GUI thread never waits for it. When
 * the work is done, its continuation runs on the GUI thread through a
 * queued call.
 *
 * Invariants: owns its std::thread and joins it (in start() before the
 * next piece of work, and in the destructor), so nothing is detached; a
 * continuation runs only if it belongs to the latest start() and this
 * object still exists (stale results are dropped by token, as DB Browser's
 * row loader does); the work itself must not touch widgets.
 */
class BackgroundJob : public QObject
{
    Q_OBJECT
public:
    explicit BackgroundJob(QObject *parent = nullptr);
    ~BackgroundJob() override;

    // Runs work() on the job's thread, then done() on this object's thread.
    // Waits for the previous work first, if any is still running.
    void start(std::function<void()> work, std::function<void()> done);
    // Drops the pending continuation (the work itself still runs to its end).
    void cancel() { ++m_token; }
    // Blocks until the current work has finished (its continuation still queued).
    void wait();
    // True while work is running.
    bool busy() const { return m_busy.load(); }

private:
    std::thread m_thread;
    std::atomic<quint64> m_token{0};
    std::atomic<bool> m_busy{false};
};

} // namespace microcosm
