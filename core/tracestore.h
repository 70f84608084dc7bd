#pragma once

#include "message.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace microcosm {

// The finished traces of a run, newest last: the last capacity() of them,
// the oldest dropped when a new one comes. Owned by the Platform; the
// gateway adds a trace when the request that began it is answered; the
// exporters read a copy. Thread-safe. A stored trace can still gain spans
// (work that went on after the answer); readers see them on their next look.
class TraceStore
{
public:
    static constexpr int DefaultCapacity = 1000;

    explicit TraceStore(int capacity = DefaultCapacity);

    void add(std::shared_ptr<const Trace> trace);
    std::vector<std::shared_ptr<const Trace>> traces() const;
    // The trace with this id (32 hex digits), if still stored.
    std::shared_ptr<const Trace> find(const QString &traceIdHex) const;
    void clear();

    // At least 1; a smaller capacity drops the oldest at once.
    void setCapacity(int capacity);
    int capacity() const;
    int size() const;
    // Traces stored since the start, and those dropped to make room.
    std::uint64_t added() const;
    std::uint64_t dropped() const;

private:
    mutable std::mutex m_mutex;
    std::deque<std::shared_ptr<const Trace>> m_traces;
    int m_capacity;
    std::uint64_t m_added = 0;
    std::uint64_t m_dropped = 0;
};

} // namespace microcosm
