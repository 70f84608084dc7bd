#pragma once

// Runs the built `microcosm` program as a user would from a shell: its exit
// code and what it printed. Shared by the tests that drive the real binary.

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTest>

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

namespace microcosm::test {

struct ProgramRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

// The build's program, or the one MICROCOSM_TEST_BINARY names (to hold the
// tests against another build, e.g. an older commit's).
inline QString programBinary()
{
    if (const QString other = qEnvironmentVariable("MICROCOSM_TEST_BINARY"); !other.isEmpty())
        return other;
#ifdef MICROCOSM_BINARY
    return QStringLiteral(MICROCOSM_BINARY);
#else
    return QDir(QCoreApplication::applicationDirPath())
        .absoluteFilePath(QStringLiteral("../app/microcosm"));
#endif
}

// However the suite is run, the program must not try to open a window.
inline QProcessEnvironment programEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

// Runs the program to its end (killed after timeoutMs); scratchDir holds its
// output files under ThreadSanitizer.
inline ProgramRun runProgram(const QStringList &arguments, int timeoutMs, const QString &scratchDir)
{
    const QProcessEnvironment env = programEnvironment();
    const QString binary = programBinary();
    ProgramRun r;
#ifdef MICROCOSM_TEST_UNDER_TSAN
    const QString outPath = QDir(scratchDir).filePath(QStringLiteral("stdout.txt"));
    const QString errPath = QDir(scratchDir).filePath(QStringLiteral("stderr.txt"));
    const QByteArray outFile = QFile::encodeName(outPath), errFile = QFile::encodeName(errPath);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, outFile.constData(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&files, 2, errFile.constData(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    QList<QByteArray> args{QFile::encodeName(binary)}, vars;
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
                    .arg(binary, QString::fromLocal8Bit(strerror(spawned)));
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
    Q_UNUSED(scratchDir);
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(binary, arguments);
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

} // namespace microcosm::test
