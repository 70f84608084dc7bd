#include "backgroundjob.h"

#include <QMetaObject>

namespace microcosm {

BackgroundJob::BackgroundJob(QObject *parent) : QObject(parent) {}

BackgroundJob::~BackgroundJob()
{
    cancel();
    wait();
    // Any continuation still queued is removed with this QObject.
}

void BackgroundJob::wait()
{
    if (m_thread.joinable())
        m_thread.join();
}

void BackgroundJob::start(std::function<void()> work, std::function<void()> done)
{
    wait();
    const quint64 token = ++m_token;
    m_busy = true;
    m_thread = std::thread([this, token, work = std::move(work), done = std::move(done)]() mutable {
        work();
        m_busy = false;
        // Queued to this object's thread; dropped if a later start() or
        // cancel() came in between, or if this object is gone (the
        // destructor joins this thread before the QObject goes away).
        QMetaObject::invokeMethod(
            this,
            [this, token, done = std::move(done)] {
                if (token == m_token.load() && done)
                    done();
            },
            Qt::QueuedConnection);
    });
}

} // namespace microcosm
