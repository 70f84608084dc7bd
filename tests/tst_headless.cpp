// The headless runner as an architect scripts it: the built `microcosm`
// binary, a short run, its exit code, its report and its databases; and for
// a mistyped option, exit code 2 before anything runs, with a message naming
// the option.
#include "shop.h"
#include "sqlite.h"

#include <QtTest>

#include <map>

// QProcess starts children with clone(), which ThreadSanitizer's runtime
// (clang 14) cannot follow; under TSan the child is started with
// posix_spawn(), which it can. The child is then itself a TSan build and
// fails the test (exit 66) if it races.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MICROCOSM_TEST_UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define MICROCOSM_TEST_UNDER_TSAN 1
#endif
#ifdef MICROCOSM_TEST_UNDER_TSAN
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
#endif

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
    void helpDocumentsEveryOption();

private:
    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Run run(const QStringList &arguments, int timeoutMs = 60'000);

    QString m_binary;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestHeadless::initTestCase()
{
#ifdef MICROCOSM_BINARY
    m_binary = QStringLiteral(MICROCOSM_BINARY);
#else
    m_binary = QDir(QCoreApplication::applicationDirPath())
                   .absoluteFilePath(QStringLiteral("../app/microcosm"));
#endif
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
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // However the suite is run, the binary must not try to open a window.
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    Run r;
#ifdef MICROCOSM_TEST_UNDER_TSAN
    const QString outPath = m_dir->filePath(QStringLiteral("stdout.txt"));
    const QString errPath = m_dir->filePath(QStringLiteral("stderr.txt"));
    const QByteArray outFile = QFile::encodeName(outPath), errFile = QFile::encodeName(errPath);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, outFile.constData(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&files, 2, errFile.constData(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    QList<QByteArray> args{QFile::encodeName(m_binary)}, vars;
    for (const QString &a : arguments)
        args << a.toLocal8Bit();
    for (const QString &v : env.toStringList())
        vars << v.toLocal8Bit();
    std::vector<char *> argv, envp;
    for (QByteArray &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    for (QByteArray &v : vars)
        envp.push_back(v.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&files);
    if (spawned != 0) {
        r.err = QStringLiteral("cannot start %1: %2")
                    .arg(m_binary, QString::fromLocal8Bit(strerror(spawned)));
        return r;
    }
    int status = 0;
    QDeadlineTimer deadline(timeoutMs);
    pid_t done = 0;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && !deadline.hasExpired())
        QTest::qWait(20); // waiting for the child to exit
    if (done == 0) {
        ::kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        r.err = QStringLiteral("did not finish");
        return r;
    }
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    QFile out(outPath), err(errPath);
    if (out.open(QIODevice::ReadOnly))
        r.out = QString::fromUtf8(out.readAll());
    if (err.open(QIODevice::ReadOnly))
        r.err = QString::fromUtf8(err.readAll());
    return r;
#else
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(m_binary, arguments);
    if (!process.waitForStarted(10'000) || !process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        r.err = QStringLiteral("did not finish: ") + process.errorString();
        return r;
    }
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromUtf8(process.readAllStandardOutput());
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
#endif
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
          QStringLiteral("reservations")}},
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
