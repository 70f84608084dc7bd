#include "exporter.h"

#include "platform.h"

#include <QFile>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QImage>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextStream>
#include <QWidget>

namespace microcosm {

namespace {

bool isSvg(const QString &path)
{
    return QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0;
}

QString csvField(const QString &s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) &&
        !s.contains(QLatin1Char('\n')))
        return s;
    QString q = s;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace

bool exportSeriesCsv(Platform &platform, const QString &path, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        *error = QObject::tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    QTextStream out(&file);
    out << "t,entity,requests";
    for (int i = 0; i < OutcomeCount; ++i)
        out << ',' << outcomeName(Outcome(i));
    out << ",p50_ms,p95_ms,p99_ms,max_ms,queue_depth,in_flight,busy_workers,workers,"
           "replicas_ready,replicas_total\n";
    MetricsRegistry &metrics = platform.metrics();
    for (const QString &entity : metrics.names()) {
        for (const Window &w : metrics.series(entity)) {
            out << QString::number(w.t, 'f', 3) << ',' << csvField(entity) << ',' << w.total();
            for (auto c : w.counts)
                out << ',' << c;
            out << ',' << w.p50 << ',' << w.p95 << ',' << w.p99 << ',' << double(w.maxUs) / 1000.0
                << ',' << w.gauges.queueDepth << ',' << w.gauges.inFlight << ','
                << w.gauges.busyWorkers << ',' << w.gauges.workers << ',' << w.gauges.replicasReady
                << ',' << w.gauges.replicasTotal << '\n';
        }
    }
    out.flush();
    if (!file.commit()) {
        *error = QObject::tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool exportScene(QGraphicsView *view, const QString &path, QString *error)
{
    QGraphicsScene *scene = view->scene();
    const QRectF source = scene->sceneRect();
    const QSize size = (source.size() * 1.5).toSize();
    if (isSvg(path)) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(QStringLiteral("Microcosm topology"));
        QPainter p;
        if (!p.begin(&svg)) {
            *error = QObject::tr("cannot write %1").arg(path);
            return false;
        }
        p.fillRect(QRect(QPoint(0, 0), size), view->palette().color(QPalette::Base));
        scene->render(&p, QRectF(QPointF(0, 0), size), source);
        p.end();
        return true;
    }
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(view->palette().color(QPalette::Base));
    {
        QPainter p(&image);
        p.setRenderHint(QPainter::Antialiasing);
        scene->render(&p, QRectF(image.rect()), source);
    }
    if (!image.save(path)) {
        *error = QObject::tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

bool exportWidget(QWidget *widget, const QString &path, QString *error)
{
    if (isSvg(path)) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(widget->size());
        svg.setViewBox(widget->rect());
        QPainter p;
        if (!p.begin(&svg)) {
            *error = QObject::tr("cannot write %1").arg(path);
            return false;
        }
        widget->render(&p);
        p.end();
        return true;
    }
    if (!widget->grab().save(path)) {
        *error = QObject::tr("cannot write %1").arg(path);
        return false;
    }
    return true;
}

} // namespace microcosm
