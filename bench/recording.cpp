// Figure 10, recording: what writing the run's recording costs the
// pipeline, and how many bytes a minute of the shop takes.

#include "recording.h"
#include "benchsupport.h"
#include "shop.h"
#include "shopsession.h"
#include "sqlite.h"

#include <QFileInfo>
#include <QJsonArray>

namespace microcosm::bench {

namespace {

// The bytes of every table but those written once at the end (the
// documents: report, traces...; the totals): what grows with the run.
qint64 growingBytes(const QString &path)
{
    Database db(path, Database::Mode::ReadOnly);
    try {
        Query q = db.prepare(QStringLiteral(
            "SELECT sum(pgsize) FROM dbstat WHERE name NOT IN ('documents', "
            "'sqlite_autoindex_documents_1', 'totals', 'sqlite_autoindex_totals_1')"));
        return q.next() ? q.int64(0) : 0;
    } catch (const DbError &) {
        // A SQLite without the dbstat table: the whole file, an upper bound.
        return QFileInfo(path).size();
    }
}

} // namespace

QJsonObject recordingCost(const BenchOptions &options)
{
    QJsonObject out = figure(
        QStringLiteral("recording"),
        QStringLiteral("journeys/s of the shop's mix (zero service time, 64 closed-loop users, no "
                       "think time) with the run recorded vs not, alternating off/on phases in "
                       "one run; cost = 1 - on/off; and the bytes a minute of the default shop "
                       "at 1000 journeys/s adds to its recording"));
    const QString dir = subdir(options, QStringLiteral("recording"));
    const double warm = 1, phase = options.quick ? 2 : 5;
    const int rounds = options.quick ? 2 : 4;

    // (1) Throughput, recording off and on, interleaved so that drift of
    // the machine falls on both alike.
    double offSum = 0, onSum = 0;
    QJsonArray phases;
    {
        ShopConfig shop = ShopConfig::defaults();
        for (ServiceConfig *s : {&shop.product, &shop.cart, &shop.order}) {
            s->profile.serviceTime = ServiceTime::constant(0);
            s->coldStart = milliseconds(50);
        }
        LoadConfig load;
        load.model = LoadConfig::Model::Closed;
        load.virtualUsers = 64;
        load.spawnRate = 1e6;
        load.thinkTimeMs = 0;
        load.seed = 7;
        ShopSession session(QDir(dir).filePath(QStringLiteral("throughput")), shop, {}, load);
        if (!session.start()) {
            out.insert(QStringLiteral("error"), session.startError());
            return out;
        }
        LoadGenerator &users = session.load();
        users.start();
        sleepSeconds(warm);
        for (int i = 0; i < 2 * rounds; ++i) {
            const bool on = i % 2 == 1;
            std::unique_ptr<Recorder> recorder;
            if (on) {
                QString error;
                recorder =
                    Recorder::create(QDir(dir).filePath(QStringLiteral("throughput.microcosm")),
                                     session.platform(), {}, &error);
                if (!recorder) {
                    out.insert(QStringLiteral("error"), error);
                    return out;
                }
            }
            sleepSeconds(warm);
            const auto s0 = users.stats();
            const TimePoint t0 = Clock::now();
            sleepSeconds(phase);
            const auto s1 = users.stats();
            const double rate = double(s1.journeysOk - s0.journeysOk) / secondsSince(t0);
            (on ? onSum : offSum) += rate;
            phases.append(QJsonObject{{QStringLiteral("recording"), on},
                                      {QStringLiteral("journeysPerSec"), round(rate, 1)}});
        }
        users.stop();
        session.shutdown();
    }
    const double off = offSum / rounds, on = onSum / rounds;
    const double cost = off > 0 ? 1 - on / off : 0;

    // (2) Bytes per minute: the default shop (its real service times) at
    // 1000 journeys/s, recorded, every table but the closing documents.
    const double seconds = options.quick ? 8 : 30;
    const QString path = QDir(dir).filePath(QStringLiteral("size.microcosm"));
    double recordedSeconds = 0, okRate = 0;
    qint64 bytes = 0;
    {
        LoadConfig load;
        load.profile.rate = 1000;
        load.seed = 7;
        ShopSession session(QDir(dir).filePath(QStringLiteral("size")), ShopConfig::defaults(), {},
                            load);
        if (!session.start()) {
            out.insert(QStringLiteral("error"), session.startError());
            return out;
        }
        QString error;
        auto recorder = Recorder::create(path, session.platform(), {}, &error);
        if (!recorder) {
            out.insert(QStringLiteral("error"), error);
            return out;
        }
        LoadGenerator &generator = session.load();
        generator.start();
        const auto s0 = generator.stats();
        const TimePoint t0 = Clock::now();
        sleepSeconds(seconds);
        okRate = double(generator.stats().journeysOk - s0.journeysOk) / secondsSince(t0);
        generator.stop();
        recorder->flush();
        recordedSeconds = recorder->secondsWritten();
        if (!recorder->finish({}, &error)) {
            out.insert(QStringLiteral("error"), error);
            return out;
        }
        recorder.reset();
        session.shutdown();
    }
    bytes = growingBytes(path);
    const double perMinute = recordedSeconds > 0 ? double(bytes) * 60 / recordedSeconds : 0;

    out.insert(QStringLiteral("phases"), phases);
    out.insert(QStringLiteral("offJourneysPerSec"), round(off, 1));
    out.insert(QStringLiteral("onJourneysPerSec"), round(on, 1));
    out.insert(QStringLiteral("cost"), round(cost, 4));
    out.insert(QStringLiteral("sizeRunSeconds"), round(recordedSeconds, 0));
    out.insert(QStringLiteral("sizeRunJourneysPerSec"), round(okRate, 0));
    out.insert(QStringLiteral("bytesPerMinute"), qint64(perMinute));
    out.insert(QStringLiteral("megabytesPerHour"), round(perMinute * 60 / 1e6, 1));
    out.insert(QStringLiteral("target"), QStringLiteral("cost <= 3%"));
    out.insert(QStringLiteral("met"), off > 0 && cost <= 0.03);
    return out;
}

} // namespace microcosm::bench
