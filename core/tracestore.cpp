#include "tracestore.h"

#include <algorithm>

namespace microcosm {

TraceStore::TraceStore(int capacity) : m_capacity(std::max(1, capacity)) {}

void TraceStore::add(std::shared_ptr<const Trace> trace)
{
    if (!trace)
        return;
    std::shared_ptr<const Trace> evicted; // released outside the lock
    std::lock_guard lock(m_mutex);
    m_traces.push_back(std::move(trace));
    ++m_added;
    if (int(m_traces.size()) > m_capacity) {
        evicted = std::move(m_traces.front());
        m_traces.pop_front();
        ++m_dropped;
    }
}

std::vector<std::shared_ptr<const Trace>> TraceStore::traces() const
{
    std::lock_guard lock(m_mutex);
    return {m_traces.begin(), m_traces.end()};
}

std::shared_ptr<const Trace> TraceStore::find(const QString &traceIdHex) const
{
    std::lock_guard lock(m_mutex);
    for (auto it = m_traces.rbegin(); it != m_traces.rend(); ++it)
        if ((*it)->idHex() == traceIdHex)
            return *it;
    return nullptr;
}

void TraceStore::clear()
{
    std::deque<std::shared_ptr<const Trace>> old;
    std::lock_guard lock(m_mutex);
    old.swap(m_traces);
}

void TraceStore::setCapacity(int capacity)
{
    std::deque<std::shared_ptr<const Trace>> evicted;
    std::lock_guard lock(m_mutex);
    m_capacity = std::max(1, capacity);
    while (int(m_traces.size()) > m_capacity) {
        evicted.push_back(std::move(m_traces.front()));
        m_traces.pop_front();
        ++m_dropped;
    }
}

int TraceStore::capacity() const
{
    std::lock_guard lock(m_mutex);
    return m_capacity;
}

int TraceStore::size() const
{
    std::lock_guard lock(m_mutex);
    return int(m_traces.size());
}

std::uint64_t TraceStore::added() const
{
    std::lock_guard lock(m_mutex);
    return m_added;
}

std::uint64_t TraceStore::dropped() const
{
    std::lock_guard lock(m_mutex);
    return m_dropped;
}

} // namespace microcosm
