#include "eventlog.h"

namespace microcosm {

EventLog::EventLog(std::function<double()> now, int capacity)
    : m_now(std::move(now)), m_capacity(capacity)
{
}

void EventLog::add(const QString &source, const QString &kind, const QString &message)
{
    std::lock_guard lock(m_mutex);
    m_events.push_back({m_nextSeq++, m_now(), source, kind, message});
    while (int(m_events.size()) > m_capacity)
        m_events.pop_front();
}

qint64 EventLog::lastSeq() const
{
    std::lock_guard lock(m_mutex);
    return m_nextSeq - 1;
}

std::vector<Event> EventLog::since(qint64 seq) const
{
    std::lock_guard lock(m_mutex);
    std::vector<Event> out;
    for (const Event &e : m_events)
        if (e.seq > seq)
            out.push_back(e);
    return out;
}

} // namespace microcosm
