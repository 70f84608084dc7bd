// The headless runner as an architect scripts it: the built `microcosm`
// binary, a short run, its exit code, its report and its databases; and for
// a mistyped option, exit code 2 before anything runs, with a message naming
// the option.
#include "shop.h"
#include "sqlite.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <map>

#include "programrunner.h"

using namespace microcosm;

// At 100 journeys/s a healthy shop answers everything; under ThreadSanitizer
// every thread runs many times slower and some checkouts hit their timeouts.
#ifdef MICROCOSM_TEST_UNDER_TSAN
constexpr double MinSuccess = 0.90;
#else
constexpr double MinSuccess = 0.99;
#endif

class TestHeadless : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void shortRunReportsAllServicesAndPassesTheAudit();
    void badOptionExitsWithTwo_data();
    void badOptionExitsWithTwo();
    void badDatabaseFileIsNamedAndKept();
    void reportInsideANewDataDir();
    void helpDocumentsEveryOption();

private:
    using Run = test::ProgramRun;
    Run run(const QStringList &arguments, int timeoutMs = 60'000);

    QString m_binary;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestHeadless::initTestCase()
{
    m_binary = test::programBinary();
    QVERIFY2(QFileInfo(m_binary).isExecutable(),
             qPrintable(m_binary + QStringLiteral(" is not built")));
}

void TestHeadless::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

TestHeadless::Run TestHeadless::run(const QStringList &arguments, int timeoutMs)
{
    return test::runProgram(arguments, timeoutMs, m_dir->path());
}

void TestHeadless::shortRunReportsAllServicesAndPassesTheAudit()
{
    const QString data = m_dir->filePath(QStringLiteral("run"));
    const QString report = m_dir->filePath(QStringLiteral("r.json"));
    const Run r =
        run({QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("3"),
             QStringLiteral("--rate"), QStringLiteral("100"), QStringLiteral("--data-dir"), data,
             QStringLiteral("--report"), report, QStringLiteral("--seed"), QStringLiteral("42")});
    QVERIFY2(r.exitCode == 0,
             qPrintable(QStringLiteral("exit %1\n%2\n%3").arg(r.exitCode).arg(r.out, r.err)));

    // The per-service table on stdout.
    for (const char *word : {"product", "cart", "order", "gateway", "success%", "p99", "PASSED"})
        QVERIFY2(r.out.contains(QLatin1String(word)),
                 qPrintable(QStringLiteral("'%1' missing from:\n%2").arg(word, r.out)));

    QFile file(report);
    QVERIFY2(file.open(QIODevice::ReadOnly), "no report written");
    QJsonParseError error;
    const QJsonObject json = QJsonDocument::fromJson(file.readAll(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);

    QSet<QString> services;
    for (const QJsonValue &v : json.value(QStringLiteral("services")).toArray()) {
        const QJsonObject s = v.toObject();
        const QString name = s.value(QStringLiteral("name")).toString();
        services.insert(name);
        QVERIFY2(s.value(QStringLiteral("requests")).toInteger() > 0, qPrintable(name));
        QVERIFY2(s.value(QStringLiteral("successRate")).toDouble() >= MinSuccess, qPrintable(name));
        QVERIFY2(s.value(QStringLiteral("p99Ms")).toDouble() > 0, qPrintable(name));
        QVERIFY2(s.value(QStringLiteral("replicasReady")).toInt() >= 1, qPrintable(name));
    }
    QCOMPARE(services, (QSet<QString>{QStringLiteral("product"), QStringLiteral("cart"),
                                      QStringLiteral("order")}));

    const QJsonObject gateway = json.value(QStringLiteral("gateway")).toObject();
    QVERIFY(gateway.value(QStringLiteral("requests")).toInteger() > 200);
    QVERIFY(gateway.value(QStringLiteral("successRate")).toDouble() >= MinSuccess);
    const QJsonObject audit = json.value(QStringLiteral("audit")).toObject();
    QVERIFY2(audit.value(QStringLiteral("ok")).toBool(), qPrintable(QJsonDocument(audit).toJson()));
    QVERIFY(audit.value(QStringLiteral("confirmedOrders")).toInt() > 0);
    QCOMPARE(audit.value(QStringLiteral("acknowledgedMissing")).toInt(), 0);

    // Each service's file holds its own tables and no other's; every product
    // is as the catalogue seeded it, less what confirmed orders took.
    const std::map<QString, QStringList> tables{
        {QStringLiteral("product"),
         {QStringLiteral("products"), QStringLiteral("released_orders"),
          QStringLiteral("reservations"), QStringLiteral("restocks")}},
        {QStringLiteral("cart"), {QStringLiteral("cart_items")}},
        {QStringLiteral("order"),
         {QStringLiteral("order_items"), QStringLiteral("orders"), QStringLiteral("outbox")}},
    };
    for (const auto &[service, want] : tables) {
        Database db(QDir(data).filePath(service + QStringLiteral(".db")), Database::Mode::ReadOnly);
        auto q = db.prepare(QStringLiteral("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY name"));
        QStringList got;
        while (q.next())
            got << q.text(0);
        QCOMPARE(got, want);
    }
    std::map<qint64, qint64> ordered;
    {
        Database order(QDir(data).filePath(QStringLiteral("order.db")), Database::Mode::ReadOnly);
        auto q = order.prepare(QStringLiteral(
            "SELECT i.product_id, sum(i.quantity) FROM order_items i JOIN orders o "
            "ON o.id = i.order_id WHERE o.status = 'CONFIRMED' GROUP BY i.product_id"));
        while (q.next())
            ordered[q.int64(0)] = q.int64(1);
    }
    Database product(QDir(data).filePath(QStringLiteral("product.db")), Database::Mode::ReadOnly);
    for (const CatalogueItem &item : catalogue()) {
        auto q = product.prepare(QStringLiteral("SELECT stock FROM products WHERE id = ?"));
        q.bind(1, item.id);
        QVERIFY(q.next());
        QCOMPARE(item.stock, q.int64(0) + ordered[item.id]);
    }
}

void TestHeadless::badOptionExitsWithTwo_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("rate not a number")
        << QStringList{QStringLiteral("--rate"), QStringLiteral("abc")} << "--rate";
    QTest::newRow("negative rate")
        << QStringList{QStringLiteral("--rate"), QStringLiteral("-5")} << "--rate";
    QTest::newRow("negative duration")
        << QStringList{QStringLiteral("--duration"), QStringLiteral("-1")} << "--duration";
    QTest::newRow("zero duration")
        << QStringList{QStringLiteral("--duration"), QStringLiteral("0")} << "--duration";
    QTest::newRow("duration missing its value")
        << QStringList{QStringLiteral("--duration")} << "duration";
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--bogus")} << "bogus";
    // NaN and infinities parse as numbers; none of them is in range.
    for (const char *option : {"--rate", "--duration"})
        for (const char *value : {"NaN", "nan", "inf", "-inf", "1e999"})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(option, value)))
                << QStringList{QString::fromLatin1(option), QString::fromLatin1(value)}
                << QString::fromLatin1(option);
    QTest::newRow("rate beyond the maximum")
        << QStringList{QStringLiteral("--rate"), QStringLiteral("100001")} << "--rate";
    QTest::newRow("duration beyond a day")
        << QStringList{QStringLiteral("--duration"), QStringLiteral("86401")} << "--duration";
    QTest::newRow("negative seed")
        << QStringList{QStringLiteral("--seed"), QStringLiteral("-1")} << "--seed";
    QTest::newRow("seed not a number")
        << QStringList{QStringLiteral("--seed"), QStringLiteral("x1")} << "--seed";
    QTest::newRow("stray argument") << QStringList{QStringLiteral("extra")} << "extra";
    // @FILE is a plain file, @DIR the test's directory: filled in by the test.
    QTest::newRow("data dir is a file")
        << QStringList{QStringLiteral("--data-dir"), QStringLiteral("@FILE")} << "--data-dir";
    QTest::newRow("report cannot be written")
        << QStringList{QStringLiteral("--report"), QStringLiteral("@DIR/no/such/dir/r.json")}
        << "report";
}

void TestHeadless::badOptionExitsWithTwo()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const QString data = m_dir->filePath(QStringLiteral("never"));
    const QString file = m_dir->filePath(QStringLiteral("notes.txt"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a directory\n");
    }
    for (QString &a : arguments)
        a.replace(QStringLiteral("@FILE"), file).replace(QStringLiteral("@DIR"), m_dir->path());
    // A short run, so that an option checked only after the run still ends the test soon.
    const Run r = run(QStringList{QStringLiteral("--headless"), QStringLiteral("--duration"),
                                  QStringLiteral("1"), QStringLiteral("--data-dir"), data} +
                          arguments,
                      20'000);
    QVERIFY2(r.exitCode == 2,
             qPrintable(QStringLiteral("exit %1\n%2\n%3").arg(r.exitCode).arg(r.out, r.err)));
    QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
    QVERIFY2(r.err.count(QLatin1Char('\n')) <= 3,
             qPrintable(QStringLiteral("a short message, not a wall:\n") + r.err));
    // Nothing ran: no data directory was made.
    QVERIFY2(!QFileInfo::exists(data), "the run started although an option was bad");
    QCOMPARE(QFileInfo(file).size(), qint64(16));
}

// A data directory holding a file that is not a database (a user pointed
// --data-dir at the wrong folder): the run fails, says which file and why,
// and leaves the file exactly as it was.
void TestHeadless::badDatabaseFileIsNamedAndKept()
{
    const QString data = m_dir->filePath(QStringLiteral("run"));
    QVERIFY(QDir().mkpath(data));
    const QString product = QDir(data).filePath(QStringLiteral("product.db"));
    QByteArray notes;
    for (int i = 0; i < 100; ++i)
        notes += "line " + QByteArray::number(i) + " of my shopping notes\n";
    {
        QFile f(product);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(notes);
    }
    QElapsedTimer clock;
    clock.start();
    const Run r = run({QStringLiteral("--headless"), QStringLiteral("--duration"),
                       QStringLiteral("1"), QStringLiteral("--data-dir"), data},
                      20'000);
    const QString all = r.out + r.err;
    QVERIFY2(r.exitCode != 0 && r.exitCode != -1,
             qPrintable(QStringLiteral("exit %1\n%2").arg(r.exitCode).arg(all)));
    QVERIFY2(all.contains(product) && all.contains(QStringLiteral("not a database")),
             qPrintable(all));
    QVERIFY2(clock.elapsed() < 15'000, "a broken database is reported promptly");
    QFile f(product);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY2(f.readAll() == notes, "the file was changed");
}

// The README's own example on a first run: the report's folder is the data
// directory, which does not exist until the run makes it.
void TestHeadless::reportInsideANewDataDir()
{
    const QString data = m_dir->filePath(QStringLiteral("shop"));
    const QString report = data + QStringLiteral("/reports/report.json");
    const Run r =
        run({QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("1"),
             QStringLiteral("--data-dir"), data, QStringLiteral("--report"), report});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QFile file(report);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(file.readAll()).object().contains(QStringLiteral("audit")));
}

void TestHeadless::helpDocumentsEveryOption()
{
    const Run r = run({QStringLiteral("--help")}, 20'000);
    QCOMPARE(r.exitCode, 0);
    for (const char *option :
         {"--headless", "--duration", "--rate", "--data-dir", "--report", "--seed"})
        QVERIFY2(r.out.contains(QLatin1String(option)), option);
}

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
