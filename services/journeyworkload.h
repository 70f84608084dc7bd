#pragma once

#include "architecture.h"
#include "shop.h"

namespace microcosm {

// Journeys written as data (an architecture's "journeys"): each a sequence
// of gateway requests whose path and string body values may hold {user},
// {random A..B} and {answer.F} (a field of the first earlier answer that has
// it). A request marked idempotencyKey gets a fresh key, kept for its
// retries. Tracks acknowledged orders as the shop's workload does, so the
// auditor's proof holds for an architecture with the shop's order service.
class JourneyWorkload final : public TrackedWorkload
{
public:
    explicit JourneyWorkload(QList<JourneySpec> journeys, QString runId = {});
    QStringList journeys() const override;
    double defaultWeight(const QString &journey) const override;
    QList<Request> journey(const QString &name, int user, std::mt19937_64 &rng) override;
    void carry(const Response &answer, QList<Request> &steps, int next) override;

    // Fills {user} and {random A..B} in text; {answer.F} is left for carry().
    static QString expand(const QString &text, const QString &user, std::mt19937_64 &rng);

private:
    QList<JourneySpec> m_journeys;
};

} // namespace microcosm
