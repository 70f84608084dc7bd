#include "journeyworkload.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

#include <functional>

namespace microcosm {

namespace {

const QRegularExpression &randomTemplate()
{
    static const QRegularExpression re(QStringLiteral("\\{random (-?\\d+)\\.\\.(-?\\d+)\\}"));
    return re;
}

const QRegularExpression &answerTemplate()
{
    static const QRegularExpression re(QStringLiteral("\\{answer\\.([A-Za-z0-9_]+)\\}"));
    return re;
}

// v with each string in it (at any depth) replaced by what f makes of it.
QJsonValue mapStrings(const QJsonValue &v, const std::function<QJsonValue(const QString &)> &f)
{
    if (v.isString())
        return f(v.toString());
    if (v.isObject()) {
        QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            it.value() = mapStrings(it.value(), f);
        return o;
    }
    if (v.isArray()) {
        QJsonArray a = v.toArray();
        for (auto it = a.begin(); it != a.end(); ++it)
            *it = mapStrings(*it, f);
        return a;
    }
    return v;
}

QJsonValue expandValue(const QJsonValue &v, const QString &user, std::mt19937_64 &rng)
{
    return mapStrings(v, [&](const QString &text) -> QJsonValue {
        // A value that is only a {random} template becomes a number.
        const QRegularExpressionMatch m = randomTemplate().match(text);
        if (m.hasMatch() && m.capturedLength(0) == text.size())
            return qint64(std::uniform_int_distribution<qint64>(m.captured(1).toLongLong(),
                                                                m.captured(2).toLongLong())(rng));
        return JourneyWorkload::expand(text, user, rng);
    });
}

QString fill(QString text, const QJsonObject &answer)
{
    QRegularExpressionMatchIterator it = answerTemplate().globalMatch(text);
    QList<QRegularExpressionMatch> found;
    while (it.hasNext())
        found.prepend(it.next()); // from the end, so earlier offsets stay right
    for (const QRegularExpressionMatch &m : found) {
        const QJsonValue v = answer.value(m.captured(1));
        if (v.isUndefined() || v.isNull())
            continue;
        text.replace(m.capturedStart(0), m.capturedLength(0),
                     v.isString() ? v.toString() : QString::number(v.toDouble(), 'g', 17));
    }
    return text;
}

QJsonValue fillValue(const QJsonValue &v, const QJsonObject &answer)
{
    return mapStrings(v, [&](const QString &text) -> QJsonValue { return fill(text, answer); });
}

} // namespace

JourneyWorkload::JourneyWorkload(QList<JourneySpec> journeys, QString runId)
    : TrackedWorkload(std::move(runId)), m_journeys(std::move(journeys))
{
}

QStringList JourneyWorkload::journeys() const
{
    QStringList out;
    for (const JourneySpec &j : m_journeys)
        out << j.name;
    return out;
}

double JourneyWorkload::defaultWeight(const QString &journey) const
{
    for (const JourneySpec &j : m_journeys)
        if (j.name == journey)
            return j.weight;
    return 0;
}

QString JourneyWorkload::expand(const QString &text, const QString &user, std::mt19937_64 &rng)
{
    if (!text.contains(QLatin1Char('{')))
        return text;
    QString out = text;
    out.replace(QStringLiteral("{user}"), user);
    QRegularExpressionMatchIterator it = randomTemplate().globalMatch(out);
    QList<QRegularExpressionMatch> found;
    while (it.hasNext())
        found.prepend(it.next());
    for (const QRegularExpressionMatch &m : found)
        out.replace(m.capturedStart(0), m.capturedLength(0),
                    QString::number(std::uniform_int_distribution<qint64>(
                        m.captured(1).toLongLong(), m.captured(2).toLongLong())(rng)));
    return out;
}

QList<Request> JourneyWorkload::journey(const QString &name, int user, std::mt19937_64 &rng)
{
    const QString who = QStringLiteral("user%1").arg(user);
    for (const JourneySpec &j : m_journeys) {
        if (j.name != name)
            continue;
        QList<Request> out;
        out.reserve(j.steps.size());
        for (const JourneyStep &step : j.steps) {
            Request r;
            r.method = step.method;
            r.path = expand(step.path, who, rng);
            if (!step.body.isUndefined() && !step.body.isNull())
                r.body = expandValue(step.body, who, rng);
            if (step.idempotencyKey)
                r.idempotencyKey = freshKey(who, rng);
            out.append(std::move(r));
        }
        return out;
    }
    return {};
}

void JourneyWorkload::carry(const Response &answer, QList<Request> &steps, int next)
{
    if (!answer.body.isObject())
        return;
    const QJsonObject o = answer.body.toObject();
    for (qsizetype i = next; i < steps.size(); ++i) {
        Request &r = steps[i];
        if (r.path.contains(QLatin1String("{answer.")))
            r.path = fill(r.path, o);
        const QJsonValue body = r.body.value();
        if (body.isObject() || body.isArray() || body.isString())
            r.body = fillValue(body, o);
    }
}

} // namespace microcosm
