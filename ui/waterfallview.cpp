#include "waterfallview.h"

#include "theme.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace microcosm {

namespace {

constexpr int Header = 22;

bool failed(const Span &s)
{
    return s.status >= 400;
}

// "0.35 ms", "12.3 ms", "250 ms"; below 0.1 ms in microseconds ("42 µs").
QString msText(double ms)
{
    if (ms > 0 && ms < 0.1)
        return QString::number(ms * 1000, 'f', 0) + QStringLiteral(" µs");
    return (ms < 10 ? QString::number(ms, 'f', 2) : QString::number(ms, 'f', ms < 100 ? 1 : 0)) +
           QStringLiteral(" ms");
}

} // namespace

WaterfallView::WaterfallView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("waterfall"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Minimum);
    setToolTip(tr("The request's path: each bar is one hop or step, placed at the moment it "
                  "started. Hover a bar for its details."));
}

void WaterfallView::setSpans(const QList<Span> &spans)
{
    m_spans = spans;
    std::stable_sort(m_spans.begin(), m_spans.end(), [](const Span &a, const Span &b) {
        if (a.start != b.start)
            return a.start < b.start;
        return a.depth < b.depth;
    });
    if (!m_spans.isEmpty()) {
        m_origin = m_spans.front().start;
        TimePoint end = m_origin;
        for (const Span &s : std::as_const(m_spans))
            end = std::max(end, s.end);
        m_totalMs = std::max(0.001, toMs(end - m_origin));
    }
    updateGeometry();
    update();
}

int WaterfallView::rowHeight() const
{
    return fontMetrics().height() + 8;
}

QSize WaterfallView::sizeHint() const
{
    return QSize(480, Header + rowHeight() * std::max<qsizetype>(3, m_spans.size()) + 6);
}

QSize WaterfallView::minimumSizeHint() const
{
    return QSize(300, sizeHint().height());
}

int WaterfallView::rowAt(int y) const
{
    if (y < Header)
        return -1;
    const int row = (y - Header) / rowHeight();
    return row < m_spans.size() ? row : -1;
}

bool WaterfallView::event(QEvent *e)
{
    if (e->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(e);
        const int row = rowAt(help->pos().y());
        if (row >= 0) {
            const Span &s = m_spans[row];
            QString text = QStringLiteral("<b>%1</b><br>starts at +%2, takes %3")
                               .arg(s.name.toHtmlEscaped(), msText(toMs(s.start - m_origin)),
                                    msText(toMs(s.end - s.start)));
            if (s.status)
                text += QStringLiteral("<br>status %1").arg(s.status);
            if (!s.note.isEmpty())
                text += QStringLiteral("<br>%1").arg(s.note.toHtmlEscaped());
            QToolTip::showText(help->globalPos(), text, this);
            return true;
        }
    }
    return QWidget::event(e);
}

void WaterfallView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm = fontMetrics();
    if (m_spans.isEmpty()) {
        p.setPen(theme::mutedText(pal));
        p.drawText(rect().adjusted(8, 0, -8, 0), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Send a request above to see its path through the system here."));
        return;
    }
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics bm(bold);
    int nameW = 0;
    for (const Span &s : std::as_const(m_spans))
        nameW = std::max(nameW, bm.horizontalAdvance(s.name) + 12 * s.depth);
    nameW = std::min(nameW + 12, width() / 3);
    const int rightW = std::min(260, width() / 3);
    const QRect bars(nameW, Header, std::max(40, width() - nameW - rightW - 8), height() - Header);

    // Time axis.
    const double step = [&] {
        const double raw = m_totalMs / 4;
        const double e = std::pow(10.0, std::floor(std::log10(raw)));
        for (double m : {1.0, 2.0, 5.0, 10.0})
            if (raw <= m * e)
                return m * e;
        return 10 * e;
    }();
    p.setPen(theme::mutedText(pal));
    const QColor grid = theme::mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.12);
    for (double t = 0; t <= m_totalMs + 1e-9; t += step) {
        const int x = bars.left() + int(bars.width() * t / m_totalMs);
        p.setPen(grid);
        p.drawLine(x, Header - 4, x, height());
        p.setPen(theme::mutedText(pal));
        p.drawText(QRect(x - 40, 2, 80, Header - 6), Qt::AlignCenter, msText(t));
    }

    const int rh = rowHeight();
    for (int i = 0; i < m_spans.size(); ++i) {
        const Span &s = m_spans[i];
        const int y = Header + i * rh;
        if (i % 2)
            p.fillRect(QRect(0, y, width(), rh), pal.color(QPalette::AlternateBase));
        const bool queue = s.name.endsWith(QLatin1String(" queue"));
        const bool work = s.name.endsWith(QLatin1String(" work"));
        const bool hop = s.name.contains(QStringLiteral("→"));
        QColor c = hop     ? theme::startingColor()
                   : work  ? theme::mix(theme::okColor(), pal.color(QPalette::Base), 0.3)
                   : queue ? theme::deadColor(pal)
                           : theme::okColor();
        if (failed(s))
            c = theme::errorColor();
        p.setPen(pal.color(QPalette::Text));
        QFont f = font();
        f.setBold(hop);
        p.setFont(f);
        p.drawText(QRect(6 + 12 * s.depth, y, nameW - 6 - 12 * s.depth, rh),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   (hop ? bm : fm).elidedText(s.name, Qt::ElideRight, nameW - 6 - 12 * s.depth));
        p.setFont(font());
        const double startMs = toMs(s.start - m_origin);
        const double durMs = std::max(0.0, toMs(s.end - s.start));
        const int x0 = bars.left() + int(bars.width() * startMs / m_totalMs);
        const int w = std::max(2, int(bars.width() * durMs / m_totalMs));
        p.setPen(Qt::NoPen);
        p.setBrush(c);
        p.drawRoundedRect(QRect(x0, y + 4, w, rh - 8), 3, 3);
        QString right = msText(durMs);
        if (s.status)
            right += QStringLiteral(" · ") + QString::number(s.status);
        if (!s.note.isEmpty() && (failed(s) || work))
            right += QStringLiteral(" · ") + s.note;
        p.setPen(failed(s) ? theme::errorColor() : pal.color(QPalette::Text));
        const QRect rr(bars.right() + 8, y, width() - bars.right() - 10, rh);
        p.drawText(rr, Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(right, Qt::ElideRight, rr.width()));
    }
}

} // namespace microcosm
