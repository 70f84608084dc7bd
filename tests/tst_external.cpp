// External services: a service that is a process of its own, in any
// language, reached over real HTTP on loopback. Unit level, an external
// service hosted on a platform answers 503 with the reason when nothing
// listens, 504 when its process is too slow, 502 for an answer that is not
// JSON, and leaves rotation while its health path fails. End to end, the
// example scenario runs the real program against the real Python service
// (examples/recommendation/recommendation.py), alive and then SIGKILLed
// mid-run.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "externalservice.h"
#include "genericservice.h"
#include "programrunner.h"
#include "testsupport.h"

#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <signal.h>

using namespace microcosm;
using namespace microcosm::test;

namespace {

// A port on 127.0.0.1 that nothing listens on right now: bound to port 0,
// read back, closed.
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        ::close(fd);
    return port;
}

ServiceSpec externalSpec(int port, Duration probePeriod)
{
    ServiceSpec s;
    s.name = QStringLiteral("recommendation");
    s.kind = ServiceSpec::Kind::External;
    s.external.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
    s.external.host = QStringLiteral("127.0.0.1");
    s.external.port = port;
    s.config.replicas = 1;
    s.config.workers = 2;
    s.config.coldStart = milliseconds(30);
    s.config.profile.serviceTime = ServiceTime::constant(0);
    s.config.health.probePeriod = probePeriod;
    for (const QString &pattern : {QStringLiteral("/recommendations/{user}"),
                                   QStringLiteral("/slow/{x}"), QStringLiteral("/text/{x}")}) {
        GenericRoute r;
        r.spec = {QStringLiteral("GET"), pattern, true, false};
        s.routes.append(r);
    }
    return s;
}

// A process of our own on loopback answering the external service's
// routes: JSON, too slow, not JSON, and a health path that can be made to fail.
class TestServer
{
public:
    TestServer()
    {
        m_server.Get(
            R"(/recommendations/([^/]+))", [](const httplib::Request &req, httplib::Response &res) {
                res.set_content("{\"user\":\"" + req.matches[1].str() + "\",\"products\":[1,2,3]}",
                                "application/json");
            });
        m_server.Get(R"(/slow/([^/]+))", [this](const httplib::Request &, httplib::Response &res) {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(1500), [this] { return m_stopping; });
            res.set_content("{}", "application/json");
        });
        m_server.Get(R"(/text/([^/]+))", [](const httplib::Request &, httplib::Response &res) {
            res.set_content("hello, not JSON", "text/plain");
        });
        m_server.Get("/health", [this](const httplib::Request &, httplib::Response &res) {
            res.status = m_healthy.load() ? 200 : 503;
            res.set_content(m_healthy.load() ? "{}" : "{\"error\":\"draining\"}",
                            "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~TestServer()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_all();
        m_server.stop();
        m_thread.join();
    }
    int port() const { return m_port; }
    void setHealthy(bool healthy) { m_healthy.store(healthy); }

private:
    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::atomic<bool> m_healthy{true};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
};

std::unique_ptr<Platform> hostExternal(const QString &dir, int port, Duration probePeriod,
                                       Duration gatewayTimeout = milliseconds(3000))
{
    PlatformConfig pc;
    pc.gatewayTimeout = gatewayTimeout;
    pc.probePeriod = probePeriod;
    auto platform = std::make_unique<Platform>(dir, pc);
    const ServiceSpec spec = externalSpec(port, probePeriod);
    platform->addService(makeService(spec), spec.config);
    platform->start();
    return platform;
}

bool hasEvent(Platform &p, const QString &kind, const QString &text)
{
    for (const Event &e : p.events().all())
        if (e.kind == kind && e.message.contains(text))
            return true;
    return false;
}

QString python()
{
    return QStandardPaths::findExecutable(QStringLiteral("python3"));
}

QString exampleDir()
{
    return QStringLiteral(MICROCOSM_SOURCE_DIR "/examples/recommendation");
}

// The example scenario with its external url on the given port, written
// into dir; its path.
QString scenarioOnPort(const QString &dir, int port)
{
    QFile in(exampleDir() + QStringLiteral("/shop-with-recommendations.json"));
    if (!in.open(QIODevice::ReadOnly))
        return {};
    QJsonObject root = QJsonDocument::fromJson(in.readAll()).object();
    QJsonObject arch = root.value(QStringLiteral("architecture")).toObject();
    QJsonObject services = arch.value(QStringLiteral("services")).toObject();
    QJsonObject rec = services.value(QStringLiteral("recommendation")).toObject();
    rec.insert(QStringLiteral("url"), QStringLiteral("http://127.0.0.1:%1").arg(port));
    services.insert(QStringLiteral("recommendation"), rec);
    arch.insert(QStringLiteral("services"), services);
    root.insert(QStringLiteral("architecture"), arch);
    const QString path = QDir(dir).filePath(QStringLiteral("scenario.json"));
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return {};
    out.write(QJsonDocument(root).toJson());
    return path;
}

// Why the example's Python service cannot run here, or empty.
QString pythonSkipReason()
{
    if (python().isEmpty())
        return QStringLiteral("python3 is not installed: the example's Python service cannot run");
    if (qEnvironmentVariableIsSet("MICROCOSM_NO_FORK"))
        return QStringLiteral(
            "not under ThreadSanitizer (MICROCOSM_NO_FORK): it cannot fork the Python service");
    return {};
}

// The Python service, started and answering its health path.
struct PythonService
{
    QProcess process;
    int port = 0;
    bool start()
    {
        port = freePort();
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(python(),
                      {exampleDir() + QStringLiteral("/recommendation.py"),
                       QStringLiteral("--port"), QString::number(port), QStringLiteral("--quiet")});
        if (!process.waitForStarted(10'000))
            return false;
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(std::chrono::milliseconds(200));
        QDeadlineTimer deadline(10'000);
        while (!deadline.hasExpired()) {
            if (auto res = c.Get("/health"); res && res->status == 200)
                return true;
            QTest::qWait(50); // the interpreter is starting
        }
        return false;
    }
    ~PythonService()
    {
        if (process.state() != QProcess::NotRunning) {
            process.terminate(); // SIGTERM: it exits by itself
            if (!process.waitForFinished(5000)) {
                process.kill();
                process.waitForFinished(5000);
            }
        }
    }
};

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QJsonObject serviceIn(const QJsonObject &report, const QString &name)
{
    for (const QJsonValue &v : report.value(QStringLiteral("services")).toArray())
        if (v.toObject().value(QStringLiteral("name")).toString() == name)
            return v.toObject();
    return {};
}

// Per second and service, from the long CSV: requests and ok answers.
struct Counts
{
    double requests = 0, ok = 0;
};
QMap<QString, QMap<double, Counts>> perSecond(const QString &csvPath)
{
    QMap<QString, QMap<double, Counts>> out;
    QFile f(csvPath);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    f.readLine(); // header
    while (!f.atEnd()) {
        const QList<QByteArray> cells = f.readLine().trimmed().split(',');
        if (cells.size() != 4 || !cells[1].startsWith("service:"))
            continue;
        const QString service = QString::fromUtf8(cells[1].mid(8));
        Counts &c = out[service][cells[0].toDouble()];
        if (cells[2] == "requests")
            c.requests = cells[3].toDouble();
        else if (cells[2] == "ok")
            c.ok = cells[3].toDouble();
    }
    return out;
}

double successBetween(const QMap<double, Counts> &series, double from, double to)
{
    double requests = 0, ok = 0;
    for (auto it = series.cbegin(); it != series.cend(); ++it)
        if (it.key() > from && it.key() <= to) {
            requests += it->requests;
            ok += it->ok;
        }
    return requests > 0 ? ok / requests : -1;
}

} // namespace

class TestExternal : public QObject
{
    Q_OBJECT

private slots:
    void nothingListeningAnswers503WithTheReason();
    void slowProcessTimesOutWith504();
    void answerThatIsNotJsonIs502();
    void failingHealthCheckTakesItOutOfRotation();
    void scenarioWithThePythonServiceAlive();
    void scenarioWithThePythonServiceKilledMidRun();
};

void TestExternal::nothingListeningAnswers503WithTheReason()
{
    QTemporaryDir dir;
    const int port = freePort();
    QVERIFY(port > 0);
    // A long probe period: the replica stays in rotation, so the worker's own answer is seen.
    auto platform = hostExternal(dir.path(), port, seconds(60));
    QTRY_VERIFY_WITH_TIMEOUT(platform->host(QStringLiteral("recommendation"))->inRotation(0), 5000);
    const Response r =
        call(*platform, QStringLiteral("GET"), QStringLiteral("/recommendations/u1"));
    QCOMPARE(r.status, 503);
    QVERIFY2(r.reason.contains(QStringLiteral("external recommendation down: connection refused "
                                              "at http://127.0.0.1:%1")
                                   .arg(port)),
             qPrintable(describe(r)));
}

void TestExternal::slowProcessTimesOutWith504()
{
    QTemporaryDir dir;
    TestServer server;
    auto platform = hostExternal(dir.path(), server.port(), seconds(60), milliseconds(300));
    QTRY_VERIFY_WITH_TIMEOUT(platform->host(QStringLiteral("recommendation"))->inRotation(0), 5000);
    const Response slow = call(*platform, QStringLiteral("GET"), QStringLiteral("/slow/1"));
    QCOMPARE(slow.status, 504);
    QCOMPARE(slow.outcome, Outcome::Timeout);
    // The worker gave up at the same deadline and is free again: the next answer is the process's.
    const Response fast =
        call(*platform, QStringLiteral("GET"), QStringLiteral("/recommendations/u7"));
    QCOMPARE(fast.status, 200);
    QCOMPARE(fast.body.toObject().value(QStringLiteral("user")).toString(), QStringLiteral("u7"));
    QCOMPARE(fast.body.toObject().value(QStringLiteral("products")).toArray().size(), 3);
}

void TestExternal::answerThatIsNotJsonIs502()
{
    QTemporaryDir dir;
    TestServer server;
    auto platform = hostExternal(dir.path(), server.port(), seconds(60));
    QTRY_VERIFY_WITH_TIMEOUT(platform->host(QStringLiteral("recommendation"))->inRotation(0), 5000);
    const Response r = call(*platform, QStringLiteral("GET"), QStringLiteral("/text/1"));
    QCOMPARE(r.status, 502);
    QVERIFY2(r.reason.contains(QStringLiteral("not JSON")) &&
                 r.reason.contains(QStringLiteral("text/plain")),
             qPrintable(describe(r)));
}

void TestExternal::failingHealthCheckTakesItOutOfRotation()
{
    QTemporaryDir dir;
    TestServer server;
    auto platform = hostExternal(dir.path(), server.port(), milliseconds(100));
    ServiceHost *host = platform->host(QStringLiteral("recommendation"));
    QTRY_VERIFY_WITH_TIMEOUT(host->inRotation(0), 5000);
    QCOMPARE(call(*platform, QStringLiteral("GET"), QStringLiteral("/recommendations/a")).status,
             200);

    server.setHealthy(false);
    QTRY_VERIFY_WITH_TIMEOUT(!host->inRotation(0), 5000);
    QVERIFY(hasEvent(*platform, QStringLiteral("unhealthy"), QStringLiteral("answered 503")));
    QVERIFY(hasEvent(*platform, QStringLiteral("out-of-rotation"), QStringLiteral("/health")));
    const Response refused =
        call(*platform, QStringLiteral("GET"), QStringLiteral("/recommendations/a"));
    QCOMPARE(refused.status, 503);
    QVERIFY2(refused.reason.contains(QStringLiteral("no ready replica")),
             qPrintable(describe(refused)));

    server.setHealthy(true);
    QTRY_VERIFY_WITH_TIMEOUT(host->inRotation(0), 5000);
    QVERIFY(hasEvent(*platform, QStringLiteral("back-in-rotation"),
                     QStringLiteral("recommendation#1")));
    QCOMPARE(call(*platform, QStringLiteral("GET"), QStringLiteral("/recommendations/a")).status,
             200);
}

void TestExternal::scenarioWithThePythonServiceAlive()
{
    if (const QString why = pythonSkipReason(); !why.isEmpty())
        QSKIP(qPrintable(why));
    QTemporaryDir dir;
    PythonService service;
    QVERIFY2(service.start(), "the Python recommendation service did not answer /health");
    const QString scenario = scenarioOnPort(dir.path(), service.port);
    QVERIFY(!scenario.isEmpty());
    const QString report = dir.filePath(QStringLiteral("report.json"));
    const ProgramRun run =
        runProgram({QStringLiteral("--headless"), QStringLiteral("--scenario"), scenario,
                    QStringLiteral("--duration"), QStringLiteral("8"), QStringLiteral("--data-dir"),
                    dir.filePath(QStringLiteral("data")), QStringLiteral("--report"), report},
                   120'000, dir.path());
    QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
    const QJsonObject r = readJson(report);
    const QJsonObject rec = serviceIn(r, QStringLiteral("recommendation"));
    QVERIFY2(rec.value(QStringLiteral("requests")).toInteger() > 50,
             qPrintable(QJsonDocument(rec).toJson()));
    QVERIFY(rec.value(QStringLiteral("successRate")).toDouble() >= 0.99);
    QVERIFY(serviceIn(r, QStringLiteral("home")).value(QStringLiteral("successRate")).toDouble() >=
            0.99);
    QVERIFY(r.value(QStringLiteral("audit")).toObject().value(QStringLiteral("ok")).toBool());
}

void TestExternal::scenarioWithThePythonServiceKilledMidRun()
{
    if (const QString why = pythonSkipReason(); !why.isEmpty())
        QSKIP(qPrintable(why));
    QTemporaryDir dir;
    PythonService service;
    QVERIFY2(service.start(), "the Python recommendation service did not answer /health");
    const QString scenario = scenarioOnPort(dir.path(), service.port);
    const QString report = dir.filePath(QStringLiteral("report.json"));
    const QString csv = dir.filePath(QStringLiteral("metrics.csv"));
    QProcess program;
    program.setProcessEnvironment(programEnvironment());
    program.start(programBinary(),
                  {QStringLiteral("--headless"), QStringLiteral("--scenario"), scenario,
                   QStringLiteral("--duration"), QStringLiteral("16"), QStringLiteral("--data-dir"),
                   dir.filePath(QStringLiteral("data")), QStringLiteral("--report"), report,
                   QStringLiteral("--csv"), csv});
    QVERIFY(program.waitForStarted(10'000));
    QTest::qWait(6000); // load running with the Python service alive
    ::kill(pid_t(service.process.processId()), SIGKILL);
    QVERIFY(service.process.waitForFinished(5000));
    QVERIFY(program.waitForFinished(120'000));
    const QString out = QString::fromUtf8(program.readAllStandardOutput()) +
                        QString::fromUtf8(program.readAllStandardError());
    const QJsonObject r = readJson(report);
    QVERIFY2(!r.isEmpty(), qPrintable(out));

    // The run's exit says what its expectations say: the one on
    // recommendation fails (it died), every other holds.
    bool allHeld = true;
    for (const QJsonValue &v : r.value(QStringLiteral("expectations")).toArray()) {
        const QJsonObject e = v.toObject();
        const bool aboutRecommendation =
            e.value(QStringLiteral("expect")).toString().contains(QStringLiteral("recommendation"));
        allHeld = allHeld && e.value(QStringLiteral("held")).toBool();
        QVERIFY2(e.value(QStringLiteral("held")).toBool() != aboutRecommendation,
                 qPrintable(QJsonDocument(e).toJson() + out));
    }
    QCOMPARE(program.exitCode(), allHeld ? 0 : 1);
    QCOMPARE(program.exitCode(), 1);
    QVERIFY(r.value(QStringLiteral("audit")).toObject().value(QStringLiteral("ok")).toBool());

    // The breaker on the edge to it opened.
    bool opened = false;
    for (const QJsonValue &v : r.value(QStringLiteral("events")).toArray())
        opened = opened || (v.toObject().value(QStringLiteral("source")).toString() ==
                                QLatin1String("home>recommendation") &&
                            v.toObject().value(QStringLiteral("kind")).toString() ==
                                QLatin1String("breaker-open"));
    QVERIFY2(opened,
             qPrintable(QJsonDocument(r.value(QStringLiteral("events")).toArray()).toJson()));

    // The others kept their success rates: after the kill (the first second
    // recommendation failed) as before it, by the run's own per-second figures.
    const auto series = perSecond(csv);
    double killedAt = -1;
    const QMap<double, Counts> &rec = series.value(QStringLiteral("recommendation"));
    for (auto it = rec.cbegin(); it != rec.cend() && killedAt < 0; ++it)
        if (it->requests > it->ok)
            killedAt = it.key();
    QVERIFY2(killedAt > 2,
             qPrintable(QStringLiteral("recommendation first failed at %1 s").arg(killedAt)));
    QVERIFY(successBetween(rec, 0, killedAt - 1) >= 0.99);
    for (const QString &name : {QStringLiteral("product"), QStringLiteral("cart"),
                                QStringLiteral("order"), QStringLiteral("home")}) {
        const double before = successBetween(series.value(name), 0, killedAt - 1);
        const double after = successBetween(series.value(name), killedAt, 1e9);
        QVERIFY2(before >= 0.99 && after >= before - 0.01,
                 qPrintable(QStringLiteral("%1: %2 before the kill, %3 after")
                                .arg(name)
                                .arg(before)
                                .arg(after)));
        QVERIFY(serviceIn(r, name).value(QStringLiteral("successRate")).toDouble() >= 0.99);
    }
}

QTEST_GUILESS_MAIN(TestExternal)
#include "tst_external.moc"
