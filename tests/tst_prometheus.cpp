// The /metrics exposition: a real shop under load rendered in Prometheus'
// text format, checked by the real promtool and by the format's rules
// (prometheus/docs content/docs/instrumenting/exposition_formats.md) read
// here line by line: HELP and TYPE before each family's samples, cumulative
// histogram buckets ending at +Inf == _count, counters that only grow, label
// values escaped, and a killed service showing in the right counters.

#include "prometheus.h"
#include "testsupport.h"

#include "histogram.h"
#include "httpfront.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <thread>

using namespace microcosm;
using namespace microcosm::net;

namespace {

// One sample line, taken apart.
struct Sample
{
    QByteArray name;
    std::map<QByteArray, QString> labels;
    double value = 0;
    QString key() const
    {
        QString k = QString::fromUtf8(name);
        for (const auto &[n, v] : labels)
            k += QLatin1Char(' ') + QString::fromUtf8(n) + QLatin1Char('=') + v;
        return k;
    }
    // The labels but le, as one string: a histogram series' identity.
    QString seriesKey() const
    {
        QString k;
        for (const auto &[n, v] : labels)
            if (n != "le")
                k += QString::fromUtf8(n) + QLatin1Char('=') + v + QLatin1Char(';');
        return k;
    }
};

struct Family
{
    QByteArray type;
    QString help;
    std::vector<Sample> samples;
};

// A strict reader of what renderPrometheus() writes. Any breach of the
// format's rules is appended to *errors with its line number.
struct Exposition
{
    std::map<QByteArray, Family> families;
    std::vector<Sample> samples;
    QStringList errors;

    const Sample *find(const QByteArray &name, const std::map<QByteArray, QString> &labels) const
    {
        for (const Sample &s : samples)
            if (s.name == name && s.labels == labels)
                return &s;
        return nullptr;
    }
    double value(const QByteArray &name, const std::map<QByteArray, QString> &labels) const
    {
        const Sample *s = find(name, labels);
        return s ? s->value : std::nan("");
    }
};

// Undoes the label value escaping; false on a bad escape.
bool unescape(const QByteArray &in, QString *out)
{
    QByteArray raw;
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] != '\\') {
            raw += in[i];
            continue;
        }
        if (++i == in.size())
            return false;
        if (in[i] == '\\')
            raw += '\\';
        else if (in[i] == '"')
            raw += '"';
        else if (in[i] == 'n')
            raw += '\n';
        else
            return false;
    }
    *out = QString::fromUtf8(raw);
    return true;
}

// The family a sample belongs to: its own name, or a histogram's base name.
QByteArray familyOf(const QByteArray &name, const std::map<QByteArray, Family> &families)
{
    if (families.count(name))
        return name;
    for (const char *suffix : {"_bucket", "_sum", "_count"}) {
        if (name.endsWith(suffix)) {
            const QByteArray base = name.left(name.size() - qsizetype(strlen(suffix)));
            auto it = families.find(base);
            if (it != families.end() && it->second.type == "histogram")
                return base;
        }
    }
    return {};
}

Exposition parse(const QByteArray &text)
{
    Exposition e;
    if (!text.endsWith('\n'))
        e.errors << QStringLiteral("the last line does not end with a line feed");
    static const QRegularExpression metricName(QStringLiteral("^microcosm_[a-z0-9_]+$"));
    static const QRegularExpression labelName(QStringLiteral("^[a-z_][a-z0-9_]*$"));
    QByteArray current; // the family whose samples are being read
    std::set<QByteArray> closed;
    std::set<QString> keys;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype n = 0; n < lines.size(); ++n) {
        const QByteArray &line = lines[n];
        auto error = [&](const QString &what) {
            e.errors << QStringLiteral("line %1: %2: %3")
                            .arg(n + 1)
                            .arg(what, QString::fromUtf8(line.left(160)));
        };
        if (line.isEmpty())
            continue;
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
            const bool help = line.startsWith("# HELP ");
            const QByteArray rest = line.mid(7);
            const qsizetype sp = rest.indexOf(' ');
            const QByteArray name = sp < 0 ? rest : rest.left(sp);
            if (!metricName.match(QString::fromLatin1(name)).hasMatch())
                error(QStringLiteral("a family name outside microcosm_[a-z0-9_]+"));
            if (name.contains("_ms") || name.contains("milli"))
                error(QStringLiteral("a name in milliseconds, not base units"));
            if (closed.count(name))
                error(QStringLiteral("a family that appeared before"));
            if (name != current) {
                if (!current.isEmpty())
                    closed.insert(current);
                current = name;
            }
            Family &f = e.families[name];
            if (help) {
                if (!f.help.isNull())
                    error(QStringLiteral("a second HELP"));
                f.help = QString::fromUtf8(sp < 0 ? QByteArray() : rest.mid(sp + 1));
                if (f.help.trimmed().isEmpty())
                    error(QStringLiteral("an empty HELP"));
            } else {
                if (!f.type.isEmpty())
                    error(QStringLiteral("a second TYPE"));
                f.type = rest.mid(sp + 1);
                if (f.type != "counter" && f.type != "gauge" && f.type != "histogram")
                    error(QStringLiteral("an unknown TYPE"));
                if (f.type == "counter" && !name.endsWith("_total"))
                    error(QStringLiteral("a counter without _total"));
                if (f.type != "counter" && name.endsWith("_total"))
                    error(QStringLiteral("_total on a non-counter"));
            }
            continue;
        }
        if (line.startsWith('#')) {
            error(QStringLiteral("a comment that is neither HELP nor TYPE"));
            continue;
        }
        // name{labels} value
        Sample s;
        qsizetype i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ')
            ++i;
        s.name = line.left(i);
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const qsizetype eq = line.indexOf("=\"", i);
                if (eq < 0) {
                    error(QStringLiteral("a label without =\""));
                    break;
                }
                const QByteArray label = line.mid(i, eq - i);
                if (!labelName.match(QString::fromLatin1(label)).hasMatch())
                    error(QStringLiteral("a bad label name"));
                qsizetype j = eq + 2;
                QByteArray raw;
                while (j < line.size() && line[j] != '"') {
                    if (line[j] == '\\' && j + 1 < line.size())
                        raw += line[j++];
                    raw += line[j++];
                }
                QString value;
                if (j >= line.size() || !unescape(raw, &value))
                    error(QStringLiteral("a badly quoted or escaped label value"));
                if (s.labels.count(label))
                    error(QStringLiteral("a label given twice"));
                s.labels[label] = value;
                i = j + 1;
                if (i < line.size() && line[i] == ',')
                    ++i;
            }
            ++i; // the '}'
        }
        if (i >= line.size() || line[i] != ' ') {
            error(QStringLiteral("no space before the value"));
            continue;
        }
        const QByteArray valueText = line.mid(i + 1);
        bool ok = false;
        s.value = valueText == "+Inf" ? INFINITY : valueText.toDouble(&ok);
        if (valueText != "+Inf" && !ok)
            error(QStringLiteral("a value that is not a number"));
        const QByteArray family = familyOf(s.name, e.families);
        if (family.isEmpty()) {
            error(QStringLiteral("a sample before its family's HELP and TYPE"));
            continue;
        }
        const Family &f = e.families[family];
        if (f.help.isNull() || f.type.isEmpty())
            error(QStringLiteral("a sample whose family lacks HELP or TYPE"));
        if (family != current)
            error(QStringLiteral("a sample outside its family's group"));
        if (f.type == "histogram" && s.name == family)
            error(QStringLiteral("a histogram sample without _bucket, _sum or _count"));
        if (s.name.endsWith("_bucket") != (s.labels.count("le") > 0))
            error(QStringLiteral("le on a sample that is not a bucket, or a bucket without it"));
        if (!keys.insert(s.key()).second)
            error(QStringLiteral("the same name and labels twice"));
        e.families[family].samples.push_back(s);
        e.samples.push_back(s);
    }
    return e;
}

// The histogram rules of exposition_formats.md, and a _sum that the buckets
// allow: each sample lies below the first bound that counts it and at or
// above the bounds that do not.
QStringList checkHistograms(const Exposition &e)
{
    QStringList errors;
    for (const auto &[name, f] : e.families) {
        if (f.type != "histogram")
            continue;
        std::map<QString, std::vector<const Sample *>> buckets;
        std::map<QString, double> sums, counts;
        for (const Sample &s : f.samples) {
            if (s.name.endsWith("_bucket"))
                buckets[s.seriesKey()].push_back(&s);
            else if (s.name.endsWith("_sum"))
                sums[s.seriesKey()] = s.value;
            else if (s.name.endsWith("_count"))
                counts[s.seriesKey()] = s.value;
        }
        for (const auto &[series, list] : buckets) {
            const QString where = QString::fromUtf8(name) + QLatin1Char('{') + series + u'}';
            if (!counts.count(series) || !sums.count(series)) {
                errors << where + QStringLiteral(": no _sum or _count");
                continue;
            }
            const double count = counts[series], sum = sums[series];
            double lastLe = -INFINITY, lastCount = 0;
            double sumMax = 0, sumMin = 0, below = 0;
            for (const Sample *b : list) {
                const QString leText = b->labels.at("le");
                const double le = leText == QLatin1String("+Inf") ? INFINITY : leText.toDouble();
                if (!(le > lastLe))
                    errors << where + QStringLiteral(": le %1 not after %2").arg(le).arg(lastLe);
                if (b->value < lastCount)
                    errors << where + QStringLiteral(": bucket le=%1 has %2 < %3")
                                          .arg(leText)
                                          .arg(b->value)
                                          .arg(lastCount);
                // The samples first counted at this bound lie in [lastLe, le).
                const double fresh = b->value - below;
                if (std::isfinite(le))
                    sumMax += fresh * le;
                else
                    sumMax = INFINITY;
                sumMin += fresh * std::max(0.0, lastLe);
                below = b->value;
                lastLe = le;
                lastCount = b->value;
            }
            if (list.back()->labels.at("le") != QLatin1String("+Inf"))
                errors << where + QStringLiteral(": the last bucket is not +Inf");
            if (list.back()->value != count)
                errors << where + QStringLiteral(": +Inf %1 != _count %2")
                                      .arg(list.back()->value)
                                      .arg(count);
            // Bucket midpoints are within 0.4% of the samples they stand for.
            if (sum < sumMin * 0.99 || sum > sumMax * 1.01 + 1e-9 || sum < 0)
                errors << where + QStringLiteral(": _sum %1 outside [%2, %3] the buckets allow")
                                      .arg(sum)
                                      .arg(sumMin)
                                      .arg(sumMax);
        }
    }
    return errors;
}

// A started shop in dir (fresh) whose load generator runs `rate` journeys/s
// once started; null, with a warning naming why, when it did not start.
std::unique_ptr<ShopSession> startShop(const QTemporaryDir &dir, double rate)
{
    if (!dir.isValid())
        return nullptr;
    LoadConfig load;
    load.profile.rate = rate;
    auto session =
        std::make_unique<ShopSession>(dir.path(), test::fastShop(), PlatformConfig{}, load);
    if (!session->start()) {
        qWarning("the shop did not start: %s", qPrintable(session->startError()));
        return nullptr;
    }
    return session;
}

// Runs `promtool check metrics` on text: {exit code, its output}, or
// exit code -1 when promtool is not installed.
QPair<int, QString> promtool(const QByteArray &text)
{
    const QString exe = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (exe.isEmpty())
        return {-1, {}};
    // clang 14's ThreadSanitizer runtime aborts in QProcess's fork
    // (scripts/sanitize.sh sets this): the format's rules are still checked.
    if (qEnvironmentVariableIsSet("MICROCOSM_NO_FORK"))
        return {-5, {}};
    QProcess p;
    p.start(exe, {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!p.waitForStarted(10000))
        return {-2, p.errorString()};
    p.write(text);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000))
        return {-3, QStringLiteral("promtool did not finish")};
    const QString output =
        QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError()).trimmed();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -4, output};
}

// `promtool check metrics` must accept text, with no word to say; skipped,
// with the reason, where promtool cannot run.
#define VERIFY_PROMTOOL(text)                                                                      \
    do {                                                                                           \
        const auto [code, output] = promtool(text);                                                \
        if (code == -1)                                                                            \
            QSKIP(NoPromtool);                                                                     \
        if (code == -5)                                                                            \
            QSKIP(NoFork);                                                                         \
        QVERIFY2(                                                                                  \
            code == 0 && output.isEmpty(),                                                         \
            qPrintable(QStringLiteral("promtool exit %1: %2").arg(code).arg(output.left(2000))));  \
    } while (false)

constexpr char NoFork[] = "promtool not run under ThreadSanitizer (MICROCOSM_NO_FORK: it cannot "
                          "fork); the format's rules were still checked";
constexpr char NoPromtool[] = "promtool is not installed: `bash scripts/deps.sh` installs it (the "
                              "Debian package prometheus); the format's rules were still checked";

} // namespace

class TestPrometheus : public QObject
{
    Q_OBJECT

private slots:
    void boundsAreBucketEdges();
    void bucketsCountExactlyBelowEachBound();
    void labelValuesAreEscaped();
    void liveShopFollowsTheFormat();
    void killedServiceShowsInItsCounters();
    void metricsOverHttp();
};

void TestPrometheus::boundsAreBucketEdges()
{
    std::int64_t last = 0;
    for (const LatencyBound &b : latencyBounds()) {
        QVERIFY2(b.us > last, b.le);
        last = b.us;
        // The le text is the bound in seconds, exactly.
        QCOMPARE(std::llround(QByteArray(b.le).toDouble() * 1e6), b.us);
        // A bound is the lower edge of its bucket: no bucket straddles it.
        QCOMPARE(HistogramData::bucketLow(HistogramData::bucketOf(b.us)), b.us);
    }
    QVERIFY(latencyBounds().back().us >= 10'000'000); // covers a 10 s timeout
}

void TestPrometheus::bucketsCountExactlyBelowEachBound()
{
    // Just below and at each bound: the one below counts, the one at it
    // waits for the next bound.
    HistogramData data;
    for (const LatencyBound &b : latencyBounds()) {
        data.record(b.us - 1);
        data.record(b.us);
    }
    data.record(90'000'000); // beyond the last bound: +Inf only
    const std::vector<std::uint64_t> counts = cumulativeBuckets(data);
    QCOMPARE(counts.size(), latencyBounds().size());
    for (std::size_t i = 0; i < counts.size(); ++i)
        QCOMPARE(counts[i], std::uint64_t(2 * i + 1));
    QCOMPARE(data.count(), std::uint64_t(2 * counts.size() + 1));

    PrometheusWriter w;
    w.family("microcosm_test_duration_seconds", PrometheusWriter::Type::Histogram,
             QStringLiteral("A test histogram."));
    w.histogram({}, data);
    const Exposition e = parse(w.text());
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(u'\n')));
    const QStringList errors = checkHistograms(e);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
    QCOMPARE(e.value("microcosm_test_duration_seconds_bucket", {{"le", QStringLiteral("0.001")}}),
             7.0);
}

void TestPrometheus::labelValuesAreEscaped()
{
    QCOMPARE(escapeLabelValue(QStringLiteral("a\\b\"c\nd")), QByteArray("a\\\\b\\\"c\\nd"));
    QCOMPARE(escapeHelp(QStringLiteral("a\\b\"c\nd")), QByteArray("a\\\\b\"c\\nd"));
    QCOMPARE(escapeLabelValue(QStringLiteral("users→product")),
             QStringLiteral("users→product").toUtf8());

    const QString nasty = QStringLiteral("GET /say/\"hi\"\\{id}\nnext → ü");
    PrometheusWriter w;
    w.family("microcosm_test_requests_total", PrometheusWriter::Type::Counter,
             QStringLiteral("A help text with a backslash \\ and\na line feed."));
    w.sample({}, {{"route", nasty}, {"outcome", QStringLiteral("ok")}}, std::uint64_t(3));
    const QByteArray text = w.text();
    QVERIFY2(text.contains("route=\"GET /say/\\\"hi\\\"\\\\{id}\\nnext → ü\""), text.constData());
    QCOMPARE(text.count('\n'), 3); // the label's line feed did not break the line
    const Exposition e = parse(text);
    QVERIFY2(e.errors.isEmpty(), qPrintable(e.errors.join(u'\n')));
    QCOMPARE(e.value("microcosm_test_requests_total",
                     {{"route", nasty}, {"outcome", QStringLiteral("ok")}}),
             3.0);
    const auto [code, output] = promtool(text);
    if (code == -1)
        QSKIP(NoPromtool);
    if (code == -5)
        QSKIP(NoFork);
    QVERIFY2(code == 0 && output.isEmpty(), qPrintable(QStringLiteral("promtool exit %1: %2\n%3")
                                                           .arg(code)
                                                           .arg(output, QString::fromUtf8(text))));
}

void TestPrometheus::liveShopFollowsTheFormat()
{
    QTemporaryDir dir;
    const auto session = startShop(dir, 60);
    QVERIFY(session);
    Platform &p = session->platform();
    // A breaker on every users→service edge, so that its state is exposed.
    EdgePolicy policy = p.gateway().policy(QStringLiteral("users"), {});
    policy.breakerEnabled = true;
    p.gateway().setPolicy(QStringLiteral("users"), {}, policy);
    session->load().start();

    // Scrapes from another thread while the workers run (the HTTP server's
    // situation; the TSan stage watches this).
    std::atomic<bool> stop{false};
    std::atomic<int> scrapes{0};
    std::thread scraper([&] {
        while (!stop.load()) {
            if (!renderPrometheus(p, &session->load()).isEmpty())
                ++scrapes;
            std::this_thread::sleep_for(milliseconds(50));
        }
    });
    // A few closed one-second windows of traffic.
    QTRY_VERIFY_WITH_TIMEOUT(p.metrics().summary(EntityKey::gateway()).total() >= 100, 20000);
    const QByteArray first = renderPrometheus(p, &session->load());
    QTRY_VERIFY_WITH_TIMEOUT(p.metrics().summary(EntityKey::gateway()).total() >= 250, 20000);
    const QByteArray second = renderPrometheus(p, &session->load());
    stop = true;
    scraper.join();
    QVERIFY(scrapes.load() > 0);
    session->quiesce();

    const Exposition a = parse(first), b = parse(second);
    QVERIFY2(a.errors.isEmpty(), qPrintable(a.errors.mid(0, 20).join(u'\n')));
    QVERIFY2(b.errors.isEmpty(), qPrintable(b.errors.mid(0, 20).join(u'\n')));
    for (const Exposition *e : {&a, &b}) {
        const QStringList errors = checkHistograms(*e);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.mid(0, 20).join(u'\n')));
    }

    // What must be there: per service, route, edge, replica, the load generator.
    for (const char *family :
         {"microcosm_gateway_requests_total", "microcosm_service_requests_total",
          "microcosm_route_request_duration_seconds", "microcosm_edge_requests_total",
          "microcosm_edge_breaker_state", "microcosm_service_replicas_ready",
          "microcosm_service_queued_requests", "microcosm_service_in_flight_requests",
          "microcosm_service_busy_workers", "microcosm_service_desired_replicas",
          "microcosm_replica_state", "microcosm_loadgen_journeys_completed_total",
          "microcosm_loadgen_target_arrivals_per_second"})
        QVERIFY2(b.families.count(family) && !b.families.at(family).samples.empty(), family);
    QCOMPARE(b.value("microcosm_service_replicas_ready", {{"service", QStringLiteral("product")}}),
             double(p.host(QStringLiteral("product"))->readyCount()));
    QCOMPARE(b.value("microcosm_replica_state", {{"service", QStringLiteral("product")},
                                                 {"replica", QStringLiteral("product#1")},
                                                 {"state", QStringLiteral("ready")}}),
             1.0);
    QCOMPARE(b.value("microcosm_loadgen_target_arrivals_per_second", {}), 60.0);
    // Routes are patterns, never raw paths.
    for (const Sample &s : b.samples)
        if (s.labels.count("route"))
            QVERIFY2(!s.labels.at("route").contains(QRegularExpression(QStringLiteral("/\\d"))),
                     qPrintable(s.labels.at("route")));
    // Counters (and histogram counts) only grow from one scrape to the next.
    int compared = 0;
    for (const Sample &s : a.samples) {
        const QByteArray family = familyOf(s.name, a.families);
        const QByteArray type = a.families.at(family).type;
        if (type == "gauge" || s.name.endsWith("_sum"))
            continue;
        const Sample *later = b.find(s.name, s.labels);
        QVERIFY2(later, qPrintable(QStringLiteral("%1 gone from the second scrape").arg(s.key())));
        QVERIFY2(later->value >= s.value, qPrintable(QStringLiteral("%1 went from %2 to %3")
                                                         .arg(s.key())
                                                         .arg(s.value)
                                                         .arg(later->value)));
        ++compared;
    }
    QVERIFY(compared > 100);
    QVERIFY(b.value("microcosm_gateway_request_duration_seconds_count", {}) >
            a.value("microcosm_gateway_request_duration_seconds_count", {}));

    VERIFY_PROMTOOL(second);
}

void TestPrometheus::killedServiceShowsInItsCounters()
{
    QTemporaryDir dir;
    const auto session = startShop(dir, 60);
    QVERIFY(session);
    Platform &p = session->platform();
    session->load().start();
    QTRY_VERIFY_WITH_TIMEOUT(
        p.metrics()
                .summary(EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")))
                .total() >= 50,
        20000);
    p.rotateMetrics();
    auto failedToProduct = [](const Exposition &e) {
        double n = 0;
        for (const Sample &s : e.samples)
            if (s.name == "microcosm_edge_requests_total" &&
                s.labels.at("caller") == QLatin1String("users") &&
                s.labels.at("service") == QLatin1String("product") &&
                s.labels.at("outcome") != QLatin1String("ok"))
                n += s.value;
        return n;
    };
    const std::map<QByteArray, QString> cartOk{{"caller", QStringLiteral("users")},
                                               {"service", QStringLiteral("cart")},
                                               {"outcome", QStringLiteral("ok")}};
    const Exposition before = parse(renderPrometheus(p, &session->load()));
    QVERIFY2(before.errors.isEmpty(), qPrintable(before.errors.mid(0, 20).join(u'\n')));

    QVERIFY(p.killService(QStringLiteral("product")));
    // Traffic to the dead product, counted in closed windows.
    auto failedInRegistry = [&p] {
        const EntitySummary s = p.metrics().summary(
            EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")));
        return s.total() - s.totals[int(Outcome::Ok)];
    };
    const std::uint64_t failedBefore = failedInRegistry();
    QTRY_VERIFY_WITH_TIMEOUT(failedInRegistry() >= failedBefore + 20, 15000);
    const QByteArray text = renderPrometheus(p, &session->load());
    session->quiesce();
    const Exposition after = parse(text);
    QVERIFY2(after.errors.isEmpty(), qPrintable(after.errors.mid(0, 20).join(u'\n')));

    // The users' calls to product failed (rejected, short-circuited or
    // answered from the fallback), and those counters say so.
    QVERIFY2(failedToProduct(after) > failedToProduct(before) + 10,
             qPrintable(QStringLiteral("failed users→product calls %1 → %2")
                            .arg(failedToProduct(before))
                            .arg(failedToProduct(after))));
    QCOMPARE(
        after.value("microcosm_service_replicas_ready", {{"service", QStringLiteral("product")}}),
        0.0);
    QCOMPARE(after.value("microcosm_replica_state", {{"service", QStringLiteral("product")},
                                                     {"replica", QStringLiteral("product#1")},
                                                     {"state", QStringLiteral("dead")}}),
             1.0);
    // The cart kept serving: its ok counter kept growing.
    QVERIFY(after.value("microcosm_edge_requests_total", cartOk) >
            before.value("microcosm_edge_requests_total", cartOk));
    VERIFY_PROMTOOL(text);
}

void TestPrometheus::metricsOverHttp()
{
    QTemporaryDir dir;
    const auto session = startShop(dir, 40);
    QVERIFY(session);
    Platform &p = session->platform();
    HttpFront front(p);
    addMetricsEndpoint(front, p, &session->load());
    QString error;
    QVERIFY2(front.start(&error), qPrintable(error));
    session->load().start();
    QTRY_VERIFY_WITH_TIMEOUT(p.metrics().summary(EntityKey::gateway()).total() >= 50, 20000);

    // GET /metrics over loopback with a real HTTP client: {"HTTP/1.1 <status>" and the
    // content type, lower case, body}.
    QNetworkAccessManager net;
    auto fetch = [&]() -> QPair<QByteArray, QByteArray> {
        QNetworkReply *reply =
            net.get(QNetworkRequest(QUrl(front.url() + QStringLiteral("metrics"))));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray head =
            "HTTP/1.1 " +
            QByteArray::number(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()) +
            "\ncontent-type: " + reply->rawHeader("Content-Type").toLower();
        const QByteArray body = reply->readAll();
        reply->deleteLater();
        return {head, body};
    };
    const auto [head1, body1] = fetch();
    const auto [head2, body2] = fetch();
    front.stop();
    session->quiesce();

    QVERIFY2(head2.startsWith("HTTP/1.1 200"), head2.constData());
    QVERIFY2(head2.toLower().contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
             head2.constData());
    const Exposition a = parse(body1), b = parse(body2);
    QVERIFY2(b.errors.isEmpty(), qPrintable(b.errors.mid(0, 20).join(u'\n')));
    const QStringList errors = checkHistograms(b);
    QVERIFY2(errors.isEmpty(), qPrintable(errors.mid(0, 20).join(u'\n')));
    QVERIFY(b.families.count("microcosm_service_requests_total"));
    // The front counts its own endpoint: the first scrape is in the second.
    QVERIFY(b.value("microcosm_http_endpoint_requests_total", {}) >
            a.value("microcosm_http_endpoint_requests_total", {}));
    // One keep-alive connection carried both scrapes.
    QVERIFY(b.value("microcosm_http_connections_accepted_total", {}) >= 1);

    VERIFY_PROMTOOL(body2);
}

QTEST_GUILESS_MAIN(TestPrometheus)
#include "tst_prometheus.moc"
