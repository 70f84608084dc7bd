// The product service's restocking rule: how a scenario states it (and
// what a wrong one is told), and a real run in which the shop sells and
// restocks while the audit still balances its stock exactly.

#include "auditor.h"
#include "headless.h"
#include "recording.h"
#include "scenario.h"
#include "scenariowriter.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace microcosm;

namespace {

std::optional<Scenario> parsed(const QByteArray &json, QStringList *errors)
{
    return Scenario::parse(json, errors);
}

const RestockRule &ruleOf(const Scenario &s)
{
    return s.architecture.service(QStringLiteral("product"))->restock;
}

} // namespace

class TestRestock : public QObject
{
    Q_OBJECT
private slots:
    void offUnlessTheScenarioSaysSo();
    void readFromTheScenario();
    void wrongRulesAreNamed_data();
    void wrongRulesAreNamed();
    void survivesWriteAndParse();
    void aRunRestocksAndTheAuditBalances();
    void aSessionFromAShopConfigRestocks();
};

void TestRestock::offUnlessTheScenarioSaysSo()
{
    QStringList errors;
    const auto s = parsed(R"({"title": "t", "duration": 5})", &errors);
    QVERIFY2(s, qPrintable(errors.join('\n')));
    QVERIFY(!ruleOf(*s).enabled());
}

void TestRestock::readFromTheScenario()
{
    QStringList errors;
    const auto s = parsed(R"({"title": "t", "duration": 5, "services": {"product": {"replicas": 2,
        "restock": {"everySeconds": 0.5, "belowStock": 20, "upToStock": 300}}}})",
                          &errors);
    QVERIFY2(s, qPrintable(errors.join('\n')));
    const RestockRule &rule = ruleOf(*s);
    QVERIFY(rule.enabled());
    QCOMPARE(rule.every, Duration(milliseconds(500)));
    QCOMPARE(rule.below, 20);
    QCOMPARE(rule.upTo, 300);
    QCOMPARE(s->serviceConfig(QStringLiteral("product"))->replicas, 2);
}

void TestRestock::wrongRulesAreNamed_data()
{
    QTest::addColumn<QByteArray>("services");
    QTest::addColumn<QString>("message");
    QTest::newRow("up-to below the threshold")
        << QByteArray(R"({"product": {"restock": {"belowStock": 50, "upToStock": 10}}})")
        << QStringLiteral("$.services.product.restock.upToStock: must be at least belowStock "
                          "(50), found 10");
    QTest::newRow("unknown key") << QByteArray(R"({"product": {"restock": {"every": 5}}})")
                                 << QStringLiteral(
                                        "$.services.product.restock: unknown key \"every\"");
    QTest::newRow("period of zero")
        << QByteArray(R"({"product": {"restock": {"everySeconds": 0}}})")
        << QStringLiteral("$.services.product.restock.everySeconds");
    QTest::newRow("not an object") << QByteArray(R"({"product": {"restock": true}})")
                                   << QStringLiteral("$.services.product.restock");
    QTest::newRow("cart has no stock to restock")
        << QByteArray(R"({"cart": {"restock": {"everySeconds": 5}}})")
        << QStringLiteral("$.services.cart: unknown key \"restock\"");
}

void TestRestock::wrongRulesAreNamed()
{
    QFETCH(QByteArray, services);
    QFETCH(QString, message);
    QStringList errors;
    const auto s =
        parsed(R"({"title": "t", "duration": 5, "services": )" + services + "}", &errors);
    QVERIFY(!s);
    QVERIFY2(errors.join('\n').contains(message), qPrintable(errors.join('\n')));
}

void TestRestock::survivesWriteAndParse()
{
    QStringList errors;
    const auto s = parsed(R"({"title": "t", "duration": 5, "services": {"product":
        {"restock": {"everySeconds": 2, "belowStock": 5, "upToStock": 40}}}})",
                          &errors);
    QVERIFY2(s, qPrintable(errors.join('\n')));
    const QByteArray written = QJsonDocument(scenarioToJson(*s)).toJson();
    const auto again = parsed(written, &errors);
    QVERIFY2(again, qPrintable(errors.join('\n') + '\n' + written));
    QVERIFY(ruleOf(*again) == ruleOf(*s));
}

// Every product that sold anything is topped back up to 6 000 every 0.3 s.
// The audit holds initial + restocked = on shelves + held, product by
// product, and restocked is what the restocks table says; each pass is an
// event in the recording.
// A session made from a ShopConfig (the benchmarks' way) keeps its rule and
// restocks: every product is below 100 000, so the first pass tops all up.
void TestRestock::aSessionFromAShopConfigRestocks()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ShopConfig shop = ShopConfig::defaults();
    shop.restock = {milliseconds(200), 100000, 100000};
    {
        ShopSession session(dir.path(), shop);
        QCOMPARE(session.architecture().service(QStringLiteral("product"))->restock, shop.restock);
        QVERIFY2(session.start(), qPrintable(session.startError()));
        QTRY_VERIFY_WITH_TIMEOUT(test::scalar(dir.path(), QStringLiteral("product"),
                                              QStringLiteral("SELECT count(*) FROM restocks")) > 0,
                                 10000);
        session.shutdown();
    }
    QCOMPARE(test::scalar(dir.path(), QStringLiteral("product"),
                          QStringLiteral("SELECT min(stock) FROM products")),
             qint64(100000));
}

void TestRestock::aRunRestocksAndTheAuditBalances()
{
    QTemporaryDir dir;
    QStringList errors;
    HeadlessOptions options;
    options.scenario = parsed(R"({"title": "Restocking", "duration": 6, "seed": 3,
        "load": {"profile": {"shape": "constant", "rate": 150}},
        "services": {"product": {"restock": {"everySeconds": 0.3, "belowStock": 6000,
                                             "upToStock": 6000}}}})",
                              &errors);
    QVERIFY2(options.scenario, qPrintable(errors.join('\n')));
    options.dataDir = dir.filePath(QStringLiteral("data"));
    QVERIFY(QDir().mkpath(options.dataDir));
    QString printed;
    QTextStream out(&printed), err(&printed);
    const int code = runHeadless(options, out, err);
    out.flush();
    QVERIFY2(code == 0, qPrintable(printed));

    const AuditReport a = audit(options.dataDir);
    QVERIFY2(a.ok, qPrintable(a.summary()));
    const qint64 restocked = test::scalar(options.dataDir, QStringLiteral("product"),
                                          QStringLiteral("SELECT sum(quantity) FROM restocks"));
    QVERIFY2(restocked > 0, qPrintable(a.summary()));
    QCOMPARE(a.restockedQuantity, restocked);
    QCOMPARE(a.initialStock + a.restockedQuantity, a.currentStock + a.heldQuantity);
    QVERIFY(a.confirmedQuantity > 0);
    QVERIFY2(printed.contains(QStringLiteral("restocked")), qPrintable(printed));

    QString error;
    const auto recording = Recording::open(options.effectiveRecordPath(), &error);
    QVERIFY2(recording, qPrintable(error));
    int passes = 0;
    for (const Event &e : recording->events())
        if (e.kind == QLatin1String("restock")) {
            ++passes;
            QVERIFY2(e.message.contains(QStringLiteral("up to 6000")), qPrintable(e.message));
        }
    const qint64 rows =
        test::scalar(options.dataDir, QStringLiteral("product"),
                     QStringLiteral("SELECT count(DISTINCT restocked_at) FROM restocks"));
    QCOMPARE(passes, int(rows));
    QVERIFY(passes >= 2);
}

QTEST_GUILESS_MAIN(TestRestock)
#include "tst_restock.moc"
