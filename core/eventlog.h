#pragma once

#include <QString>
#include <mutex>

#include <deque>
#include <functional>

namespace microcosm {

// Something that happened to the system (not to one request): a kill, a
// restart, a breaker opening, a scaling decision, an expectation violated.
struct Event
{
    qint64 seq = 0;
    double t = 0;    // seconds since the platform started
    QString source;  // "product", "product#2", "order>cart", "autoscaler", "chaos"
    QString kind;    // "killed", "restarted", "breaker-open", "scaled", ...
    QString message; // human sentence with the reason
};

// A bounded, thread-safe log of events; readers ask for what is newer than
// the last sequence number they saw.
class EventLog
{
public:
    explicit EventLog(std::function<double()> now, int capacity = 20000);
    void add(const QString &source, const QString &kind, const QString &message);
    std::vector<Event> since(qint64 seq) const;
    std::vector<Event> all() const { return since(0); }
    qint64 lastSeq() const;

private:
    std::function<double()> m_now;
    mutable std::mutex m_mutex;
    std::deque<Event> m_events;
    qint64 m_nextSeq = 1;
    int m_capacity;
};

} // namespace microcosm
