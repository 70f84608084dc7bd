#include "bulkhead.h"

#include <QtGlobal>

namespace microcosm {

Bulkhead::Bulkhead(int maxConcurrentCalls) : m_maxConcurrentCalls(maxConcurrentCalls) {}

bool Bulkhead::tryEnter()
{
    int active = m_active.load();
    do {
        if (active >= m_maxConcurrentCalls)
            return false;
    } while (!m_active.compare_exchange_weak(active, active + 1));
    return true;
}

void Bulkhead::exit()
{
    const int before = m_active--;
    Q_ASSERT(before > 0);
}

} // namespace microcosm
