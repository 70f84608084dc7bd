// Trust under faults, through the real program on real files: a run killed
// with SIGKILL mid-checkout and started again on the same data directory
// ends with every invariant holding (the auditor's and the README's sqlite3
// query's); a second process on a data directory in use is refused, a dead
// one's lock is taken over; a second run on a kept directory places orders
// of its own instead of replaying the first run's answers; a report or CSV
// that cannot be written fails the run; a full disk fails the run by name.
#include "programrunner.h"
#include "shop.h"
#include "sqlite.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <unistd.h>

using namespace microcosm;

class TestTrust : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void killedCheckoutsRecoverOnRestart_data();
    void killedCheckoutsRecoverOnRestart();
    void secondProcessOnADataDirIsRefused();
    void deadHoldersLockIsTakenOver();
    void keptDataDirPlacesNewOrders();
    void unwritableOutputFailsTheRun_data();
    void unwritableOutputFailsTheRun();
    void fullDiskFailsTheRunByName();
    void fullDiskAtStartIsNamed();

private:
    struct TmpfsRun : test::ProgramRun
    {
        QString dataDir;
    };
    TmpfsRun runOnSmallTmpfs(const QString &arguments, bool fillFirst);
    test::ProgramRun run(const QStringList &arguments, int timeoutMs = 60'000)
    {
        return test::runProgram(arguments, timeoutMs, m_dir->path());
    }
    // Starts the program without waiting; returns once it printed its first second.
    bool startLong(QProcess &process, const QStringList &arguments);
    static qint64 count(const QString &db, const QString &sql);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestTrust::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

bool TestTrust::startLong(QProcess &process, const QStringList &arguments)
{
    process.setProcessEnvironment(test::programEnvironment());
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(test::programBinary(), arguments);
    if (!process.waitForStarted(10'000))
        return false;
    QByteArray seen;
    QDeadlineTimer deadline(40'000);
    while (!seen.contains("t=  1 s") && !deadline.hasExpired() &&
           process.state() == QProcess::Running) {
        process.waitForReadyRead(200);
        seen += process.readAll();
    }
    return seen.contains("t=  1 s");
}

qint64 TestTrust::count(const QString &db, const QString &sql)
{
    Database d(db, Database::Mode::ReadOnly);
    auto q = d.prepare(sql);
    return q.next() ? q.int64(0) : -1;
}

void TestTrust::killedCheckoutsRecoverOnRestart_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 seed = 1; seed <= 5; ++seed)
        QTest::newRow(qPrintable(QStringLiteral("seed %1").arg(seed))) << seed;
}

// SIGKILL at a random moment of a checkout-heavy run, then a short run on the
// same directory: its maintenance compensates what the dead run left PENDING.
void TestTrust::killedCheckoutsRecoverOnRestart()
{
    QFETCH(quint32, seed);
    const QString data = m_dir->filePath(QStringLiteral("shop"));
    QProcess first;
    QVERIFY(startLong(first, {QStringLiteral("--headless"), QStringLiteral("--duration"),
                              QStringLiteral("30"), QStringLiteral("--rate"), QStringLiteral("400"),
                              QStringLiteral("--seed"), QString::number(seed),
                              QStringLiteral("--data-dir"), data}));
    const int killAfterMs = QRandomGenerator(seed).bounded(100, 2500);
    QTest::qWait(killAfterMs);
    QCOMPARE(first.state(), QProcess::Running);
    ::kill(pid_t(first.processId()), SIGKILL);
    QVERIFY(first.waitForFinished(10'000));
    const QString order = QDir(data).filePath(QStringLiteral("order.db"));
    const qint64 confirmedBefore =
        count(order, QStringLiteral("SELECT count(*) FROM orders WHERE status = 'CONFIRMED'"));
    QVERIFY2(confirmedBefore > 0, "the killed run had confirmed no order: kill it later");

    const auto second =
        run({QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("2"),
             QStringLiteral("--rate"), QStringLiteral("50"), QStringLiteral("--data-dir"), data});
    QVERIFY2(second.exitCode == 0, qPrintable(second.out + second.err));
    QVERIFY2(second.out.contains(QStringLiteral("audit PASSED")), qPrintable(second.out));
    QCOMPARE(count(order, QStringLiteral("SELECT count(*) FROM orders WHERE status = 'PENDING'")),
             qint64(0));
    QCOMPARE(count(order, QStringLiteral("SELECT count(*) FROM outbox")), qint64(0));
    QVERIFY(
        count(order, QStringLiteral("SELECT count(*) FROM orders WHERE status = 'CONFIRMED'")) >=
        confirmedBefore);

    // The README's own check, with the sqlite3 shell a user has.
    const QString readme =
        QStringLiteral(
            "ATTACH '%1' AS p; WITH seeded AS (SELECT json_extract(value, '$.id') AS id, "
            "json_extract(value, '$.stock') AS initial FROM json_each(readfile('resources/"
            "catalogue.json'), '$.products')), confirmed AS (SELECT product_id, sum(quantity) AS "
            "qty "
            "FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE status = 'CONFIRMED') "
            "GROUP BY product_id) SELECT count(*) AS products, sum(s.initial = pr.stock + "
            "coalesce(c.qty, 0)) AS balanced, sum(coalesce(c.qty, 0)) AS units_ordered FROM seeded "
            "s "
            "JOIN p.products pr ON pr.id = s.id LEFT JOIN confirmed c ON c.product_id = s.id;")
            .arg(QDir(data).filePath(QStringLiteral("product.db")));
    QProcess sqlite;
    sqlite.setWorkingDirectory(QStringLiteral(MICROCOSM_SOURCE_DIR));
    sqlite.start(QStringLiteral("sqlite3"), {QStringLiteral("-readonly"), order, readme});
    QVERIFY2(sqlite.waitForFinished(20'000),
             "the sqlite3 shell (Debian package sqlite3) did not run");
    const QStringList columns =
        QString::fromUtf8(sqlite.readAllStandardOutput()).trimmed().split(QLatin1Char('|'));
    QVERIFY2(columns.size() == 3, qPrintable(sqlite.readAllStandardError()));
    QCOMPARE(columns[0], QString::number(catalogue().size()));
    QCOMPARE(columns[1], columns[0]); // every product balanced
    QVERIFY(columns[2].toLongLong() > 0);
}

void TestTrust::secondProcessOnADataDirIsRefused()
{
    const QString data = m_dir->filePath(QStringLiteral("shop"));
    QProcess first;
    QVERIFY(startLong(first, {QStringLiteral("--headless"), QStringLiteral("--duration"),
                              QStringLiteral("4"), QStringLiteral("--rate"), QStringLiteral("100"),
                              QStringLiteral("--data-dir"), data}));
    const auto second = run({QStringLiteral("--headless"), QStringLiteral("--duration"),
                             QStringLiteral("1"), QStringLiteral("--data-dir"), data});
    QCOMPARE(second.exitCode, 2);
    QVERIFY2(second.err.contains(QStringLiteral("in use by")) &&
                 second.err.contains(QStringLiteral("pid %1").arg(first.processId())),
             qPrintable(second.err));
    QVERIFY2(!second.out.contains(QStringLiteral("t=  1 s")), "the second process ran");
    QVERIFY(first.waitForFinished(60'000));
    const QString out = QString::fromUtf8(first.readAll());
    QCOMPARE(first.exitCode(), 0);
    QVERIFY2(out.contains(QStringLiteral("audit PASSED")) &&
                 out.contains(QStringLiteral(" 0 failed / 0 pending")),
             qPrintable(out));
}

void TestTrust::deadHoldersLockIsTakenOver()
{
    const QString data = m_dir->filePath(QStringLiteral("shop"));
    QProcess first;
    QVERIFY(startLong(first, {QStringLiteral("--headless"), QStringLiteral("--duration"),
                              QStringLiteral("30"), QStringLiteral("--data-dir"), data}));
    ::kill(pid_t(first.processId()), SIGKILL);
    QVERIFY(first.waitForFinished(10'000));
    QVERIFY2(QFileInfo::exists(QDir(data).filePath(QStringLiteral("microcosm.lock"))),
             "a killed process leaves its lock file behind");
    const auto second = run({QStringLiteral("--headless"), QStringLiteral("--duration"),
                             QStringLiteral("1"), QStringLiteral("--data-dir"), data});
    QVERIFY2(second.exitCode == 0, qPrintable(second.out + second.err));
}

// Same seed, same data directory, twice: the second run's checkouts are its own.
void TestTrust::keptDataDirPlacesNewOrders()
{
    const QString data = m_dir->filePath(QStringLiteral("shop"));
    const QString order = QDir(data).filePath(QStringLiteral("order.db"));
    const QString report = m_dir->filePath(QStringLiteral("second.json"));
    const QStringList args{
        QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("3"),
        QStringLiteral("--rate"),     QStringLiteral("150"),        QStringLiteral("--seed"),
        QStringLiteral("7"),          QStringLiteral("--data-dir"), data};
    const auto first = run(args);
    QVERIFY2(first.exitCode == 0, qPrintable(first.out + first.err));
    const QString all = QStringLiteral("SELECT count(*) FROM orders");
    const qint64 afterFirst = count(order, all);
    QVERIFY(afterFirst > 0);
    const auto second = run(args + QStringList{QStringLiteral("--report"), report});
    QVERIFY2(second.exitCode == 0, qPrintable(second.out + second.err));
    const qint64 afterSecond = count(order, all);
    QVERIFY2(afterSecond > afterFirst,
             qPrintable(QStringLiteral("orders: %1 after the first run, %2 after the second")
                            .arg(afterFirst)
                            .arg(afterSecond)));
    QFile file(report);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject client =
        QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("client")).toObject();
    QVERIFY(client.value(QStringLiteral("ordersPlaced")).toInteger() > 0);
    QVERIFY(client.contains(QStringLiteral("checkoutReplays")));
    QVERIFY2(client.value(QStringLiteral("ordersPlaced")).toInteger() <= afterSecond - afterFirst,
             "an order counted as placed is not in order.db");
}

void TestTrust::unwritableOutputFailsTheRun_data()
{
    QTest::addColumn<QString>("option");
    QTest::newRow("report") << QStringLiteral("--report");
    QTest::newRow("csv") << QStringLiteral("--csv");
}

// /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
void TestTrust::unwritableOutputFailsTheRun()
{
    QFETCH(QString, option);
    const auto r =
        run({QStringLiteral("--headless"), QStringLiteral("--duration"), QStringLiteral("1"),
             QStringLiteral("--data-dir"), m_dir->filePath(QStringLiteral("shop")), option,
             QStringLiteral("/dev/full")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("/dev/full")) &&
                 r.err.contains(QStringLiteral("No space left")),
             qPrintable(r.err));
    QVERIFY2(!r.out.contains(QStringLiteral("written to /dev/full")), qPrintable(r.out));
}

// Runs the program with its data directory on a 3 MiB tmpfs (first filled up
// when fillFirst), so that the services' files fill it. Needs root for the
// mount, made in a mount namespace of the run's own so nothing outlives it.
TestTrust::TmpfsRun TestTrust::runOnSmallTmpfs(const QString &arguments, bool fillFirst)
{
    TmpfsRun r;
    const QString mountPoint = m_dir->filePath(QStringLiteral("small"));
    QDir().mkpath(mountPoint);
    r.dataDir = mountPoint + QStringLiteral("/shop");
    QProcess shell;
    shell.setProcessEnvironment(test::programEnvironment());
    const QString script =
        QStringLiteral("mount --make-rprivate / 2>/dev/null || exit 98; "
                       "mount -t tmpfs -o size=3m tmpfs '%1' || exit 99; %2"
                       "'%3' --headless %4 --data-dir '%5'; code=$?; ls -A '%5' >&2; exit $code")
            .arg(mountPoint,
                 fillFirst ? QStringLiteral("dd if=/dev/zero of='%1/fill' bs=1M count=8 "
                                            "2>/dev/null; ")
                                 .arg(mountPoint)
                           : QString(),
                 test::programBinary(), arguments, r.dataDir);
    shell.start(QStringLiteral("unshare"),
                {QStringLiteral("--mount"), QStringLiteral("--propagation"),
                 QStringLiteral("unchanged"), QStringLiteral("sh"), QStringLiteral("-c"), script});
    if (!shell.waitForFinished(120'000))
        shell.kill();
    r.exitCode = shell.exitCode();
    r.out = QString::fromUtf8(shell.readAllStandardOutput());
    r.err = QString::fromUtf8(shell.readAllStandardError());
    return r;
}

// Where the small disk cannot be made, says why. Inside a chroot (CI's
// fresh Debian root) / is not a mount point and cannot be made private, and
// a tmpfs mounted without that could show outside: the sanitizer stages run
// these tests on the checkout itself.
#define skipWithoutTmpfs(r)                                                                        \
    do {                                                                                           \
        if ((r).exitCode == 98)                                                                    \
            QSKIP("cannot make a private mount namespace here (/ is not a mount point, as in a "   \
                  "chroot)");                                                                      \
        if ((r).exitCode == 99)                                                                    \
            QSKIP(qPrintable(QStringLiteral("this machine does not allow a tmpfs mount: ") +       \
                             (r).err));                                                            \
    } while (false)

void TestTrust::fullDiskFailsTheRunByName()
{
    if (geteuid() != 0)
        QSKIP("mounting a small tmpfs needs root; run the suite as root (CI does)");
    const TmpfsRun r = runOnSmallTmpfs(QStringLiteral("--duration 6 --rate 3000"), false);
    skipWithoutTmpfs(r);
    QVERIFY2(r.exitCode == 1,
             qPrintable(
                 QStringLiteral("exit %1\n%2\n%3").arg(r.exitCode).arg(r.out.right(2000), r.err)));
    QVERIFY2(r.err.contains(QStringLiteral(".db failed")) &&
                 r.err.contains(QStringLiteral("full"), Qt::CaseInsensitive),
             qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("RESULT: FAILED — a database could not be written")),
             qPrintable(r.out.right(2000)));
}

// A disk already full when the run starts: refused at once, by name, and no
// empty database files are left behind.
void TestTrust::fullDiskAtStartIsNamed()
{
    if (geteuid() != 0)
        QSKIP("mounting a small tmpfs needs root; run the suite as root (CI does)");
    const TmpfsRun r = runOnSmallTmpfs(QStringLiteral("--duration 2"), true);
    skipWithoutTmpfs(r);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("No space left on device")), qPrintable(r.err));
    QVERIFY2(!r.err.contains(QStringLiteral(".db")), qPrintable(r.err)); // ls: no files made
}

QTEST_GUILESS_MAIN(TestTrust)
#include "tst_trust.moc"
