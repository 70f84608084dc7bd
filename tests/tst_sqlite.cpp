// The SQLite wrapper every service's data goes through: values are bound,
// never spliced into SQL; a transaction that is not committed leaves no
// trace; files open in WAL mode; and a file that is not a database is
// refused with a message naming it, without a byte of it changed.
#include "sqlite.h"

#include <QtTest>

#include <sqlite3.h>

#include <atomic>
#include <stdexcept>
#include <thread>

using namespace microcosm;

class TestSqlite : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void boundTextSurvivesVerbatim_data();
    void boundTextSurvivesVerbatim();
    void boundNumbersAndNull();
    void cachedStatementForgetsOldBindings();
    void committedTransactionPersists();
    void transactionRollsBackOnException();
    void uncommittedWorkIsInvisibleToOtherConnections();
    void walModeAndBusyTimeout_data();
    void walModeAndBusyTimeout();
    void busyDatabaseGivesUpAfterTheTimeout();
    void halfReadQueryDoesNotPinAnOldSnapshot();
    void constraintViolationNamesTheProblem();
    void notADatabaseIsRefusedAndUntouched_data();
    void notADatabaseIsRefusedAndUntouched();
    void missingFileOpenedReadOnlyNamesTheFile();
    void abortFlagStopsStatements();
    void interruptStopsALongQueryFromAnotherThread();

private:
    QString path(const QString &name) const { return m_dir->filePath(name); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSqlite::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestSqlite::boundTextSurvivesVerbatim_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("sql injection") << QStringLiteral("Robert'); DROP TABLE items;--");
    QTest::newRow("quotes") << QStringLiteral("O'Brien said \"hi\" and left `now`");
    QTest::newRow("placeholders") << QStringLiteral("?1 ? :name @x $y");
    QTest::newRow("wildcards") << QStringLiteral("100% _of_ it");
    QTest::newRow("unicode") << QStringLiteral("Grüße — 日本語 — 🙂");
    QTest::newRow("empty") << QStringLiteral("");
    QTest::newRow("newlines and nul") << QString::fromUtf8("line1\nline2\r\n\0tail", 19);
    QTest::newRow("long") << QString(10'000, QLatin1Char('x'));
}

void TestSqlite::boundTextSurvivesVerbatim()
{
    QFETCH(QString, value);
    Database db(path(QStringLiteral("t.db")));
    db.execScript(
        QStringLiteral("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"));
    db.prepare(QStringLiteral("INSERT INTO items (name) VALUES (?)")).bind(1, value).exec();

    auto q = db.prepare(QStringLiteral("SELECT name, count(*) OVER () FROM items WHERE name = ?"));
    q.bind(1, value);
    QVERIFY2(q.next(), "the row is found by the same bound value");
    QCOMPARE(q.text(0), value);
    QCOMPARE(q.int64(1), qint64(1));
    // The table is still there and holds exactly one row.
    QCOMPARE(db.prepare(QStringLiteral("SELECT count(*) FROM items")).scalar(), qint64(1));
}

void TestSqlite::boundNumbersAndNull()
{
    Database db(path(QStringLiteral("t.db")));
    db.execScript(QStringLiteral("CREATE TABLE v (i INTEGER, r REAL, t TEXT)"));
    db.prepare(QStringLiteral("INSERT INTO v VALUES (?, ?, ?)"))
        .bind(1, std::numeric_limits<qint64>::max())
        .bind(2, 3.25)
        .bindNull(3)
        .exec();
    db.prepare(QStringLiteral("INSERT INTO v VALUES (?, ?, ?)"))
        .bind(1, std::numeric_limits<qint64>::min())
        .bind(2, -0.5)
        .bind(3, QStringLiteral("x"))
        .exec();
    auto q = db.prepare(QStringLiteral("SELECT i, r, t FROM v ORDER BY i DESC"));
    QVERIFY(q.next());
    QCOMPARE(q.int64(0), std::numeric_limits<qint64>::max());
    QCOMPARE(q.real(1), 3.25);
    QVERIFY(q.isNull(2));
    QVERIFY(q.next());
    QCOMPARE(q.int64(0), std::numeric_limits<qint64>::min());
    QCOMPARE(q.real(1), -0.5);
    QVERIFY(!q.isNull(2));
    QCOMPARE(q.columnCount(), 3);
    QCOMPARE(q.columnName(2), QStringLiteral("t"));
    QVERIFY(!q.next());
}

void TestSqlite::cachedStatementForgetsOldBindings()
{
    Database db(path(QStringLiteral("t.db")));
    {
        auto q = db.prepare(QStringLiteral("SELECT ?"));
        q.bind(1, qint64(42));
        QVERIFY(q.next());
        QCOMPARE(q.int64(0), qint64(42));
    }
    auto again = db.prepare(QStringLiteral("SELECT ?"));
    QVERIFY(again.next());
    QVERIFY2(again.isNull(0), "a reused statement must not carry the last caller's values");
}

void TestSqlite::committedTransactionPersists()
{
    {
        Database db(path(QStringLiteral("t.db")));
        db.execScript(QStringLiteral("CREATE TABLE t (x INTEGER)"));
        Transaction tx(db);
        db.prepare(QStringLiteral("INSERT INTO t VALUES (?)")).bind(1, 7).exec();
        tx.commit();
    }
    Database reopened(path(QStringLiteral("t.db")), Database::Mode::ReadOnly);
    QCOMPARE(reopened.prepare(QStringLiteral("SELECT sum(x) FROM t")).scalar(), qint64(7));
}

void TestSqlite::transactionRollsBackOnException()
{
    Database db(path(QStringLiteral("t.db")));
    db.execScript(QStringLiteral("CREATE TABLE t (x INTEGER)"));
    db.prepare(QStringLiteral("INSERT INTO t VALUES (1)")).exec();

    bool thrown = false;
    try {
        Transaction tx(db);
        db.prepare(QStringLiteral("INSERT INTO t VALUES (2)")).exec();
        db.prepare(QStringLiteral("UPDATE t SET x = x * 100")).exec();
        throw std::runtime_error("business rule failed half-way");
    } catch (const std::runtime_error &) {
        thrown = true;
    }
    QVERIFY(thrown);
    QCOMPARE(db.prepare(QStringLiteral("SELECT count(*) FROM t")).scalar(), qint64(1));
    QCOMPARE(db.prepare(QStringLiteral("SELECT x FROM t")).scalar(), qint64(1));

    // The connection is usable again: not stuck inside the rolled-back transaction.
    QVERIFY(sqlite3_get_autocommit(db.handle()));
    Transaction tx(db);
    db.prepare(QStringLiteral("INSERT INTO t VALUES (3)")).exec();
    tx.commit();
    QCOMPARE(db.prepare(QStringLiteral("SELECT sum(x) FROM t")).scalar(), qint64(4));

    // A failed statement inside a transaction also leaves nothing behind.
    try {
        Transaction tx2(db);
        db.prepare(QStringLiteral("INSERT INTO t VALUES (5)")).exec();
        db.prepare(QStringLiteral("INSERT INTO no_such_table VALUES (1)")).exec();
        tx2.commit();
        QFAIL("a statement on a missing table must throw");
    } catch (const DbError &) {
    }
    QCOMPARE(db.prepare(QStringLiteral("SELECT sum(x) FROM t")).scalar(), qint64(4));
}

void TestSqlite::uncommittedWorkIsInvisibleToOtherConnections()
{
    Database writer(path(QStringLiteral("t.db")));
    writer.execScript(QStringLiteral("CREATE TABLE t (x INTEGER)"));
    Database reader(path(QStringLiteral("t.db")), Database::Mode::ReadOnly);
    {
        Transaction tx(writer);
        writer.prepare(QStringLiteral("INSERT INTO t VALUES (1)")).exec();
        QCOMPARE(reader.prepare(QStringLiteral("SELECT count(*) FROM t")).scalar(), qint64(0));
    } // rolled back
    QCOMPARE(reader.prepare(QStringLiteral("SELECT count(*) FROM t")).scalar(), qint64(0));
}

void TestSqlite::walModeAndBusyTimeout_data()
{
    QTest::addColumn<int>("busyTimeoutMs");
    QTest::newRow("default") << -1;
    QTest::newRow("short") << 100;
    QTest::newRow("long") << 30'000;
}

void TestSqlite::walModeAndBusyTimeout()
{
    QFETCH(int, busyTimeoutMs);
    auto db = busyTimeoutMs < 0
                  ? std::make_unique<Database>(path(QStringLiteral("w.db")))
                  : std::make_unique<Database>(path(QStringLiteral("w.db")),
                                               Database::Mode::ReadWrite, busyTimeoutMs);
    auto mode = db->prepare(QStringLiteral("PRAGMA journal_mode"));
    QVERIFY(mode.next());
    QCOMPARE(mode.text(0), QStringLiteral("wal"));
    // The connection's own busy handler waits this long (PRAGMA busy_timeout
    // reports only SQLite's built-in one).
    QCOMPARE(db->busyTimeoutMs(), busyTimeoutMs < 0 ? 5000 : busyTimeoutMs);
    QCOMPARE(db->prepare(QStringLiteral("PRAGMA foreign_keys")).scalar(), qint64(1));

    db->execScript(QStringLiteral("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"));
    QVERIFY2(QFileInfo::exists(path(QStringLiteral("w.db-wal"))),
             "writes go to the write-ahead log");
    // A second connection sees WAL as the file's persistent mode.
    Database other(path(QStringLiteral("w.db")), Database::Mode::ReadOnly);
    auto otherMode = other.prepare(QStringLiteral("PRAGMA journal_mode"));
    QVERIFY(otherMode.next());
    QCOMPARE(otherMode.text(0), QStringLiteral("wal"));
}

void TestSqlite::busyDatabaseGivesUpAfterTheTimeout()
{
    Database holder(path(QStringLiteral("b.db")));
    holder.execScript(QStringLiteral("CREATE TABLE t (x INTEGER)"));
    Database waiter(path(QStringLiteral("b.db")), Database::Mode::ReadWrite, 150);
    Transaction held(holder);
    QElapsedTimer clock;
    clock.start();
    try {
        Transaction tx(waiter);
        QFAIL("a second writer must not get in while the first holds the lock");
    } catch (const DbError &e) {
        QVERIFY2(e.busy(), e.what());
        QVERIFY2(QString::fromUtf8(e.what()).contains(path(QStringLiteral("b.db"))), e.what());
    }
    QVERIFY2(clock.elapsed() >= 100, "the busy timeout is honoured before giving up");
    QVERIFY2(clock.elapsed() < 3000, "and it does give up");
}

// A query abandoned after its first row must not keep the connection on an
// old snapshot: the next read sees what other connections committed since.
void TestSqlite::halfReadQueryDoesNotPinAnOldSnapshot()
{
    Database writer(path(QStringLiteral("s.db")));
    writer.execScript(
        QStringLiteral("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
    Database reader(path(QStringLiteral("s.db")), Database::Mode::ReadOnly);
    {
        auto q = reader.prepare(QStringLiteral("SELECT x FROM t ORDER BY x"));
        QVERIFY(q.next()); // one row read, two left
    }
    writer.prepare(QStringLiteral("INSERT INTO t VALUES (4)")).exec();
    QCOMPARE(reader.prepare(QStringLiteral("SELECT count(*) FROM t")).scalar(), qint64(4));
    QVERIFY(sqlite3_get_autocommit(reader.handle()));
}

void TestSqlite::constraintViolationNamesTheProblem()
{
    Database db(path(QStringLiteral("c.db")));
    db.execScript(
        QStringLiteral("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER CHECK (n >= 0))"));
    db.prepare(QStringLiteral("INSERT INTO t VALUES (1, 5)")).exec();
    try {
        db.prepare(QStringLiteral("INSERT INTO t VALUES (?, ?)")).bind(1, 1).bind(2, 1).exec();
        QFAIL("duplicate key accepted");
    } catch (const DbError &e) {
        const QString what = QString::fromUtf8(e.what());
        QCOMPARE(e.code() & 0xff, SQLITE_CONSTRAINT);
        QVERIFY2(what.contains(QStringLiteral("UNIQUE")), e.what());
        QVERIFY2(what.contains(QStringLiteral("INSERT INTO t")), e.what());
    }
    try {
        db.prepare(QStringLiteral("UPDATE t SET n = n - 10")).exec();
        QFAIL("negative stock accepted");
    } catch (const DbError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("CHECK")), e.what());
    }
    // The statement that failed can be used again.
    QCOMPARE(db.prepare(QStringLiteral("INSERT INTO t VALUES (?, ?)")).bind(1, 2).bind(2, 0).exec(),
             1);
    QCOMPARE(db.prepare(QStringLiteral("SELECT sum(n) FROM t")).scalar(), qint64(5));
}

void TestSqlite::notADatabaseIsRefusedAndUntouched_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("readOnly");

    QByteArray text;
    for (int i = 0; i < 200; ++i)
        text += "These are my holiday notes, not a database. ";
    QByteArray noise(8192, '\0');
    quint32 x = 12345;
    for (char &c : noise) {
        x = x * 1103515245u + 12345u;
        c = char(x >> 24);
    }
    QByteArray fakeHeader = QByteArray("SQLite format 3", 16) + noise.left(4096);
    fakeHeader[16] = char(0x00); // page size 3: not a power of two
    fakeHeader[17] = char(0x03);

    QTest::newRow("text file, read-write") << text << false;
    QTest::newRow("text file, read-only") << text << true;
    QTest::newRow("random bytes, read-write") << noise << false;
    QTest::newRow("random bytes, read-only") << noise << true;
    QTest::newRow("bad header, read-write") << fakeHeader << false;
}

void TestSqlite::notADatabaseIsRefusedAndUntouched()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, readOnly);
    const QString file = path(QStringLiteral("notes.db"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    try {
        Database db(file, readOnly ? Database::Mode::ReadOnly : Database::Mode::ReadWrite);
        QFAIL("a file that is not a database was opened as one");
    } catch (const DbError &e) {
        const QString what = QString::fromUtf8(e.what());
        QVERIFY2(what.contains(file),
                 qPrintable(QStringLiteral("message does not name the file: ") + what));
        QVERIFY2(what.contains(QStringLiteral("not a database")),
                 qPrintable(QStringLiteral("message does not say what is wrong: ") + what));
    }
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY2(f.readAll() == content, "the file's bytes changed");
    QVERIFY2(!QFileInfo::exists(file + QStringLiteral("-wal")) ||
                 QFileInfo(file + QStringLiteral("-wal")).size() == 0,
             "nothing was written to a write-ahead log");
}

void TestSqlite::missingFileOpenedReadOnlyNamesTheFile()
{
    const QString file = path(QStringLiteral("missing/nothing.db"));
    try {
        Database db(file, Database::Mode::ReadOnly);
        QFAIL("opened a file that does not exist");
    } catch (const DbError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(file), e.what());
    }
    QVERIFY(!QFileInfo::exists(file));
}

void TestSqlite::abortFlagStopsStatements()
{
    Database db(path(QStringLiteral("a.db")));
    db.execScript(QStringLiteral("CREATE TABLE t (x INTEGER)"));
    std::atomic<bool> killed{false};
    db.setAbortFlag(&killed);
    QCOMPARE(db.prepare(QStringLiteral("INSERT INTO t VALUES (1)")).exec(), 1);
    killed = true;
    try {
        db.prepare(QStringLiteral("INSERT INTO t VALUES (2)")).exec();
        QFAIL("a statement ran on a killed worker's connection");
    } catch (const DbError &e) {
        QVERIFY2(e.interrupted(), e.what());
    }
    killed = false;
    QCOMPARE(db.prepare(QStringLiteral("SELECT count(*) FROM t")).scalar(), qint64(1));
}

void TestSqlite::interruptStopsALongQueryFromAnotherThread()
{
    Database db(path(QStringLiteral("i.db")));
    std::atomic<bool> started{false}, finished{false}, interrupted{false};
    std::thread worker([&] {
        try {
            auto q = db.prepare(QStringLiteral("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
                                               "i + 1 FROM n WHERE i < 1000000000) "
                                               "SELECT count(*) FROM n"));
            started = true;
            q.next();
        } catch (const DbError &e) {
            interrupted = e.interrupted();
        }
        finished = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(started.load(), 5000);
    // sqlite3_interrupt only affects a statement already running: keep asking until it stops.
    QTRY_VERIFY_WITH_TIMEOUT((db.interrupt(), finished.load()), 10000);
    worker.join();
    QVERIFY(interrupted.load());
}

QTEST_GUILESS_MAIN(TestSqlite)
#include "tst_sqlite.moc"
