// The resilience policies of the gateway and of the order service's client,
// switched on the way an architect would switch them on (Envoy's timeouts,
// per-try timeouts, retries and retry budget; Resilience4j's breaker and
// bulkhead; a token bucket; fallbacks), and checked by what the callers are
// told: the status, the reason, how fast, and what the edge's counters say.
#include "testsupport.h"

#include <QtTest>

#include <optional>

using namespace microcosm;
using namespace microcosm::test;

namespace {

const QString users = QStringLiteral("users");
const QString order = QStringLiteral("order");
const QString product = QStringLiteral("product");
const QString cart = QStringLiteral("cart");

std::optional<EdgeStatus> edgeStatus(Platform &p, const QString &from, const QString &to)
{
    for (const EdgeStatus &s : p.gateway().edgeStatus())
        if (s.from == from && s.to == to)
            return s;
    return std::nullopt;
}

bool hasEvent(Platform &p, const QString &source, const QString &kind)
{
    for (const Event &e : p.events().all())
        if (e.source == source && e.kind == kind)
            return true;
    return false;
}

Fault latency(double ms)
{
    Fault f;
    f.latencyMs = ms;
    return f;
}

Fault errors(double percent, int status = 500)
{
    Fault f;
    f.errorPercent = percent;
    f.errorStatus = status;
    return f;
}

// Sends `n` requests at once (in batches that the replicas' queues can
// hold) and returns every answer.
std::vector<Response> callMany(Platform &p, const QString &method, int n,
                               const std::function<QString(int)> &path,
                               const std::function<QJsonValue(int)> &body = {}, int batch = 40)
{
    std::vector<Response> out;
    for (int start = 0; start < n; start += batch) {
        std::vector<std::future<Response>> futures;
        for (int i = start; i < std::min(n, start + batch); ++i)
            futures.push_back(submit(p, method, path(i), body ? body(i) : QJsonValue()));
        for (auto &f : futures)
            out.push_back(await(f));
    }
    return out;
}

int countStatus(const std::vector<Response> &rs, int status)
{
    return int(std::count_if(rs.begin(), rs.end(),
                             [status](const Response &r) { return r.status == status; }));
}

QString firstFailure(const std::vector<Response> &rs)
{
    for (const Response &r : rs)
        if (!r.ok())
            return describe(r);
    return QStringLiteral("none");
}

} // namespace

class TestResilience : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void perTryTimeoutAnswers504NamingTheHop_data();
    void perTryTimeoutAnswers504NamingTheHop();
    void perTryTimeoutLeavesRoomForRetries();
    void retriesTurnErrorsIntoSuccesses_data();
    void retriesTurnErrorsIntoSuccesses();
    void nonIdempotentPostIsNeverRetried();
    void retryBudgetDeniesRetriesInAStorm_data();
    void retryBudgetDeniesRetriesInAStorm();
    void breakerOpensOnAKillAndClosesAfterRestart();
    void bulkheadRejectsBeyondItsLimit();
    void rateLimiterAnswers429WithAReason();
    void fallbackServesTheLastGoodCatalogue();

private:
    void startShop(const ShopConfig &shop = fastShop(), const PlatformConfig &config = {});
    Platform &platform() { return m_session->platform(); }
    // Every call the service was asked to make so far (each try counts).
    std::uint64_t triesAt(const QString &entity);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ShopSession> m_session;
};

void TestResilience::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestResilience::cleanup()
{
    m_session.reset();
    m_dir.reset();
}

void TestResilience::startShop(const ShopConfig &shop, const PlatformConfig &config)
{
    m_session = std::make_unique<ShopSession>(m_dir->path(), shop, config);
    QVERIFY(m_session->start(seconds(10)));
}

std::uint64_t TestResilience::triesAt(const QString &entity)
{
    platform().rotateMetrics();
    return platform().metrics().summary(EntityKey::named(entity)).total();
}

void TestResilience::perTryTimeoutAnswers504NamingTheHop_data()
{
    QTest::addColumn<QString>("caller");
    QTest::addColumn<int>("perTryMs");
    QTest::addColumn<QString>("reason");

    QTest::newRow("users→product")
        << users << 100 << QStringLiteral("timeout 100 ms at users→product");
    QTest::newRow("order→product (checkout)")
        << order << 150 << QStringLiteral("product: timeout 150 ms at order→product");
}

void TestResilience::perTryTimeoutAnswers504NamingTheHop()
{
    QFETCH(QString, caller);
    QFETCH(int, perTryMs);
    QFETCH(QString, reason);
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(caller, product);
    policy.timeout = milliseconds(3000);
    policy.perTryTimeout = milliseconds(perTryMs);
    p.gateway().setPolicy(caller, product, policy);
    const bool checkout = caller == order;
    if (checkout)
        QCOMPARE(addToCart(p, QStringLiteral("u1"), 3, 1).status, 201);
    p.chaos().setServiceFault(product, latency(800));

    QElapsedTimer clock;
    clock.start();
    const Response r = checkout ? test::checkout(p, QStringLiteral("u1"), QStringLiteral("k1"))
                                : call(p, QStringLiteral("GET"), QStringLiteral("/products/3"));
    const qint64 took = clock.elapsed();
    QCOMPARE(r.status, 504);
    QVERIFY2(r.reason.contains(reason), qPrintable(describe(r)));
    // The per-try timeout, not the 3 s one, decided it.
    QVERIFY2(took >= perTryMs && took < 1500,
             qPrintable(QStringLiteral("answered in %1 ms").arg(took)));
    if (checkout) {
        // The user is told the order failed, and the order says why.
        const QString status =
            text(m_dir->path(), order,
                 QStringLiteral("SELECT status FROM orders WHERE idempotency_key = ?"),
                 QStringLiteral("k1"));
        QCOMPARE(status, QStringLiteral("FAILED"));
    }
}

void TestResilience::perTryTimeoutLeavesRoomForRetries()
{
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, product);
    policy.timeout = milliseconds(2000);
    policy.perTryTimeout = milliseconds(100);
    policy.retryEnabled = true;
    policy.retry.maxAttempts = 3;
    p.gateway().setPolicy(users, product, policy);
    p.chaos().setServiceFault(product, latency(800));

    const std::uint64_t before = triesAt(QStringLiteral("route:product:GET /products/{id}"));
    QElapsedTimer clock;
    clock.start();
    const Response r = call(p, QStringLiteral("GET"), QStringLiteral("/products/5"));
    const qint64 took = clock.elapsed();
    QCOMPARE(r.status, 504);
    QVERIFY2(r.reason.contains(QStringLiteral("timeout 100 ms at users→product")),
             qPrintable(describe(r)));
    // Three tries of 100 ms and two short back-offs, well inside the 2 s deadline.
    QVERIFY2(took >= 300 && took < 1200, qPrintable(QStringLiteral("answered in %1 ms").arg(took)));
    QCOMPARE(edgeStatus(p, users, product)->retries, std::uint64_t(2));
    QCOMPARE(triesAt(QStringLiteral("route:product:GET /products/{id}")) - before,
             std::uint64_t(3));
}

void TestResilience::retriesTurnErrorsIntoSuccesses_data()
{
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<double>("minSuccess");
    QTest::addColumn<double>("maxSuccess");
    // Half the tries fail: one try succeeds about half the time, four tries
    // 1 - 0.5^4 = 94% of the time.
    QTest::newRow("no retries") << 1 << 0.30 << 0.70;
    QTest::newRow("up to 4 attempts") << 4 << 0.85 << 1.0;
}

void TestResilience::retriesTurnErrorsIntoSuccesses()
{
    QFETCH(int, maxAttempts);
    QFETCH(double, minSuccess);
    QFETCH(double, maxSuccess);
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, product);
    policy.retryEnabled = maxAttempts > 1;
    policy.retry.maxAttempts = maxAttempts;
    policy.retry.initialBackoff = milliseconds(5);
    p.gateway().setPolicy(users, product, policy);
    p.chaos().setServiceFault(product, errors(50));

    const int n = 200;
    const auto rs = callMany(p, QStringLiteral("GET"), n,
                             [](int i) { return QStringLiteral("/products/%1").arg(1 + i % 50); });
    const int ok = countStatus(rs, 200);
    const double success = double(ok) / n;
    const std::uint64_t retries = edgeStatus(p, users, product)->retries;
    const QString line = QStringLiteral("%1 of %2 succeeded with %3 retries; a failure: %4")
                             .arg(ok)
                             .arg(n)
                             .arg(retries)
                             .arg(firstFailure(rs));
    QVERIFY2(success >= minSuccess && success <= maxSuccess, qPrintable(line));
    QCOMPARE(countStatus(rs, 200) + countStatus(rs, 500), n);
    for (const Response &r : rs)
        if (!r.ok())
            QVERIFY2(r.reason.contains(QStringLiteral("injected 500")), qPrintable(describe(r)));
    if (maxAttempts == 1)
        QCOMPARE(retries, std::uint64_t(0));
    else
        // About n × (0.5 + 0.25 + 0.125) = 175 retries.
        QVERIFY2(retries >= 120 && retries <= std::uint64_t(n * (maxAttempts - 1)),
                 qPrintable(line));
}

void TestResilience::nonIdempotentPostIsNeverRetried()
{
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, cart);
    policy.retryEnabled = true;
    policy.retry.maxAttempts = 4;
    policy.retry.initialBackoff = milliseconds(5);
    p.gateway().setPolicy(users, cart, policy);
    p.chaos().setServiceFault(cart, errors(50));

    const QString postRoute = QStringLiteral("route:cart:POST /carts/{user}/items");
    const std::uint64_t before = triesAt(postRoute);
    const int n = 100;
    const auto rs = callMany(
        p, QStringLiteral("POST"), n,
        [](int i) { return QStringLiteral("/carts/u%1/items").arg(i); },
        [](int) {
            return QJsonObject{{QStringLiteral("productId"), 7}, {QStringLiteral("quantity"), 1}};
        });
    const int added = countStatus(rs, 201);
    const QString line =
        QStringLiteral("%1 of %2 added; a failure: %3").arg(added).arg(n).arg(firstFailure(rs));
    // Half fail, and each failure reaches the user as it is: not retried.
    QVERIFY2(added >= 25 && added <= 75, qPrintable(line));
    QCOMPARE(countStatus(rs, 500), n - added);
    QCOMPARE(edgeStatus(p, users, cart)->retries, std::uint64_t(0));
    QCOMPARE(triesAt(postRoute) - before, std::uint64_t(n));
    // What the user was told is what happened: one item for each 201.
    qint64 rows = scalar(m_dir->path(), cart, QStringLiteral("SELECT count(*) FROM cart_items"));
    QCOMPARE(rows, qint64(added));

    // The same edge does retry its idempotent reads.
    const auto reads = callMany(p, QStringLiteral("GET"), 50,
                                [](int i) { return QStringLiteral("/carts/u%1").arg(i); });
    QVERIFY2(edgeStatus(p, users, cart)->retries > 0, qPrintable(firstFailure(reads)));
}

void TestResilience::retryBudgetDeniesRetriesInAStorm_data()
{
    QTest::addColumn<bool>("budget");
    QTest::newRow("no budget: every failure retried") << false;
    QTest::newRow("20% budget") << true;
}

void TestResilience::retryBudgetDeniesRetriesInAStorm()
{
    QFETCH(bool, budget);
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, product);
    policy.retryEnabled = true;
    policy.retry.maxAttempts = 3;
    policy.retryBudgetEnabled = budget;
    policy.retryBudgetPercent = 20;
    policy.minRetryConcurrency = 3;
    p.gateway().setPolicy(users, product, policy);
    // Every try fails, slowly enough that many are under way at once.
    Fault storm = errors(100);
    storm.latencyMs = 30;
    p.chaos().setServiceFault(product, storm);

    const std::uint64_t before = triesAt(QStringLiteral("service:product"));
    const int n = 100;
    const auto rs = callMany(
        p, QStringLiteral("GET"), n,
        [](int i) { return QStringLiteral("/products/%1").arg(1 + i % 50); }, {}, n);
    const std::uint64_t tries = triesAt(QStringLiteral("service:product")) - before;
    const EdgeStatus s = *edgeStatus(p, users, product);
    const QString line = QStringLiteral("%1 tries for %2 requests: %3 retries, %4 denied; e.g. %5")
                             .arg(tries)
                             .arg(n)
                             .arg(s.retries)
                             .arg(s.retriesDenied)
                             .arg(firstFailure(rs));
    QCOMPARE(countStatus(rs, 500), n);
    if (!budget) {
        QVERIFY2(s.retriesDenied == 0 && s.retries == std::uint64_t(2 * n), qPrintable(line));
        QVERIFY2(tries == std::uint64_t(3 * n), qPrintable(line));
    } else {
        // The storm cannot triple the load on the failing service.
        QVERIFY2(s.retriesDenied > 0, qPrintable(line));
        QVERIFY2(tries < std::uint64_t(2 * n), qPrintable(line));
        QVERIFY2(s.retries + s.retriesDenied >= std::uint64_t(n), qPrintable(line));
        int told = 0;
        for (const Response &r : rs)
            told += r.reason.contains(QStringLiteral("retry budget of users→product exhausted"));
        QVERIFY2(told > 0, qPrintable(line));
    }
}

void TestResilience::breakerOpensOnAKillAndClosesAfterRestart()
{
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, product);
    policy.breakerEnabled = true;
    policy.breaker = CircuitBreakerConfig::demo();
    policy.breaker.waitDurationInOpenState = milliseconds(1000);
    p.gateway().setPolicy(users, product, policy);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(call(p, QStringLiteral("GET"), QStringLiteral("/products/1")).status, 200);
    QCOMPARE(edgeStatus(p, users, product)->breaker, BreakerState::Closed);

    QVERIFY(p.killService(product));
    // The demo breaker trips once half of at least ten calls have failed.
    int calls = 0;
    while (!hasEvent(p, QStringLiteral("users>product"), QStringLiteral("breaker-open")) &&
           calls < 40) {
        const Response r = call(p, QStringLiteral("GET"), QStringLiteral("/products/1"));
        QCOMPARE(r.status, 503);
        ++calls;
    }
    QVERIFY2(hasEvent(p, QStringLiteral("users>product"), QStringLiteral("breaker-open")),
             qPrintable(QStringLiteral("no breaker-open event after %1 failed calls").arg(calls)));
    // Five good calls and five failed ones fill the window's minimum of ten
    // at a 50% failure rate: the fifth failure trips it.
    QVERIFY2(calls == 5, qPrintable(QStringLiteral("opened after %1 failed calls").arg(calls)));
    QCOMPARE(edgeStatus(p, users, product)->breaker, BreakerState::Open);

    // Open: callers are answered at once, without a try at the service.
    const std::uint64_t before = triesAt(QStringLiteral("service:product"));
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 10; ++i) {
        const Response r = call(p, QStringLiteral("GET"), QStringLiteral("/products/1"));
        QCOMPARE(r.status, 503);
        QCOMPARE(r.outcome, Outcome::ShortCircuited);
        QVERIFY2(r.reason.contains(QStringLiteral("circuit open: users→product")),
                 qPrintable(describe(r)));
    }
    QVERIFY2(clock.elapsed() < 200, qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
    QCOMPARE(triesAt(QStringLiteral("service:product")), before);
    // The other edges never noticed.
    QCOMPARE(call(p, QStringLiteral("GET"), QStringLiteral("/carts/u1")).status, 200);

    // Back: after the wait in OPEN, trial calls find product serving again.
    QVERIFY(p.restartService(product));
    // (QTRY evaluates its condition once more after it held: a condition
    // that sends a request latches.)
    bool closed = false;
    QTRY_VERIFY_WITH_TIMEOUT(
        closed ||
            (closed =
                 call(p, QStringLiteral("GET"), QStringLiteral("/products/1")).status == 200 &&
                 hasEvent(p, QStringLiteral("users>product"), QStringLiteral("breaker-closed"))),
        10000);
    QVERIFY(hasEvent(p, QStringLiteral("users>product"), QStringLiteral("breaker-half-open")));
    QCOMPARE(edgeStatus(p, users, product)->breaker, BreakerState::Closed);
    for (const Event &e : p.events().all())
        if (e.kind.startsWith(QLatin1String("breaker-")))
            QVERIFY2(e.message.contains(QStringLiteral("users→product")) && e.t > 0,
                     qPrintable(e.message));
    for (int i = 0; i < 10; ++i)
        QCOMPARE(call(p, QStringLiteral("GET"), QStringLiteral("/products/1")).status, 200);
}

void TestResilience::bulkheadRejectsBeyondItsLimit()
{
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, product);
    policy.bulkheadMaxConcurrentCalls = 2;
    p.gateway().setPolicy(users, product, policy);
    p.chaos().setServiceFault(product, latency(300));

    QElapsedTimer clock;
    clock.start();
    std::vector<std::future<Response>> slow;
    for (int i = 0; i < 8; ++i)
        slow.push_back(submit(p, QStringLiteral("GET"), QStringLiteral("/products/%1").arg(i + 1)));
    QCOMPARE(edgeStatus(p, users, product)->bulkheadActive, 2);
    QCOMPARE(edgeStatus(p, users, product)->bulkheadLimit, 2);
    // Another edge is not held back by this one's bulkhead.
    QCOMPARE(call(p, QStringLiteral("GET"), QStringLiteral("/carts/u1")).status, 200);
    int ok = 0, rejected = 0;
    for (auto &f : slow) {
        const Response r = await(f);
        if (r.ok()) {
            ++ok;
            continue;
        }
        ++rejected;
        QCOMPARE(r.status, 503);
        QCOMPARE(r.outcome, Outcome::Rejected);
        QVERIFY2(r.reason.contains(QStringLiteral("bulkhead full: users→product")),
                 qPrintable(describe(r)));
    }
    QCOMPARE(ok, 2);
    QCOMPARE(rejected, 6);
    QTRY_COMPARE_WITH_TIMEOUT(edgeStatus(p, users, product)->bulkheadActive, 0, 2000);
    QCOMPARE(call(p, QStringLiteral("GET"), QStringLiteral("/products/1")).status, 200);
}

void TestResilience::rateLimiterAnswers429WithAReason()
{
    startShop();
    Platform &p = platform();
    p.gateway().setRateLimit(10, 5);
    QCOMPARE(p.gateway().rateLimit(), 10.0);

    const std::uint64_t before = triesAt(QStringLiteral("service:product"));
    const auto rs = callMany(p, QStringLiteral("GET"), 30,
                             [](int i) { return QStringLiteral("/products/%1").arg(1 + i); });
    const int ok = countStatus(rs, 200);
    // A full bucket of five, plus what it refilled at 10/s while they went out.
    QVERIFY2(ok >= 5 && ok <= 7, qPrintable(QStringLiteral("%1 passed").arg(ok)));
    QCOMPARE(countStatus(rs, 429), 30 - ok);
    for (const Response &r : rs) {
        if (r.status != 429)
            continue;
        QCOMPARE(r.outcome, Outcome::Rejected);
        QVERIFY2(r.reason.contains(QStringLiteral("rate limited at the gateway (10 requests/s)")),
                 qPrintable(describe(r)));
    }
    // Limited requests never reached the service.
    QCOMPARE(triesAt(QStringLiteral("service:product")) - before, std::uint64_t(ok));
    // The bucket refills.
    bool refilled = false; // latched: QTRY evaluates its condition once more after it held
    QTRY_VERIFY_WITH_TIMEOUT(
        refilled ||
            (refilled =
                 call(p, QStringLiteral("GET"), QStringLiteral("/products/1")).status == 200),
        2000);

    p.gateway().setRateLimit(0, 0);
    QCOMPARE(p.gateway().rateLimit(), 0.0);
    const auto free = callMany(p, QStringLiteral("GET"), 30,
                               [](int i) { return QStringLiteral("/products/%1").arg(1 + i); });
    QCOMPARE(countStatus(free, 200), 30);
}

void TestResilience::fallbackServesTheLastGoodCatalogue()
{
    startShop();
    Platform &p = platform();
    EdgePolicy policy = p.gateway().policy(users, product);
    policy.fallbackEnabled = true;
    p.gateway().setPolicy(users, product, policy);

    const Response good = call(p, QStringLiteral("GET"), QStringLiteral("/products"));
    QCOMPARE(good.status, 200);
    QVERIFY(!good.fallback);
    QVERIFY(!good.body.toObject().isEmpty() || !good.body.toArray().isEmpty());

    QVERIFY(p.killService(product));
    const Response cached = call(p, QStringLiteral("GET"), QStringLiteral("/products"));
    QCOMPARE(cached.status, 200);
    QVERIFY2(cached.fallback, qPrintable(describe(cached)));
    QCOMPARE(cached.outcome, Outcome::Fallback);
    QCOMPARE(cached.body, good.body);
    QVERIFY2(cached.reason.startsWith(QStringLiteral("fallback: last good /products")),
             qPrintable(describe(cached)));
    QVERIFY2(cached.reason.contains(QStringLiteral("product")), qPrintable(describe(cached)));

    // Nothing good was ever seen for this path: the failure is told as it is.
    const Response never = call(p, QStringLiteral("GET"), QStringLiteral("/products/9"));
    QCOMPARE(never.status, 503);
    QVERIFY(!never.fallback);

    // Fallbacks are counted as such on the edge, not as successes of product.
    platform().rotateMetrics();
    const EntitySummary edge =
        p.metrics().summary(EntityKey::edge(QStringLiteral("users"), QStringLiteral("product")));
    QCOMPARE(edge.totals[int(Outcome::Fallback)], std::uint64_t(1));
    const EntitySummary service =
        p.metrics().summary(EntityKey::service(QStringLiteral("product")));
    QCOMPARE(service.totals[int(Outcome::Fallback)], std::uint64_t(0));
    QCOMPARE(service.totals[int(Outcome::Ok)], std::uint64_t(1));
}

QTEST_GUILESS_MAIN(TestResilience)
#include "tst_resilience.moc"
