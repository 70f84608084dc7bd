#include "exporter.h"

#include "platform.h"

#include <QFileInfo>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QImage>
#include <QPainter>
#include <QSvgGenerator>
#include <QWidget>

namespace microcosm {

namespace {

bool isSvg(const QString &path)
{
    return QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0;
}

} // namespace

bool exportSeriesCsv(Platform &platform, const QString &path, QString *error, CsvLayout layout)
{
    return writeMetricsCsv(platform.metrics(), 0, layout, path, error);
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
