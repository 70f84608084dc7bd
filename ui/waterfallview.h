#pragma once

#include "message.h"

#include <QList>
#include <QWidget>

namespace microcosm {

/*
 * The path of one request as a waterfall: one bar per span (gateway hop,
 * replica queue, service work, database and logic, downstream calls),
 * offset by when it started and as long as it took, labelled with the hop,
 * its milliseconds and, for a failure, the status and reason.
 *
 * Invariants: draws exactly the spans the trace collected, in start order;
 * colours come from the palette except the fixed status hues.
 */
class WaterfallView : public QWidget
{
    Q_OBJECT
public:
    explicit WaterfallView(QWidget *parent = nullptr);

    void setSpans(const QList<Span> &spans);
    const QList<Span> &spans() const { return m_spans; }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    int rowHeight() const;
    int rowAt(int y) const;

    QList<Span> m_spans;
    TimePoint m_origin;
    double m_totalMs = 0;
};

} // namespace microcosm
