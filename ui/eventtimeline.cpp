#include "eventtimeline.h"

#include "eventmodel.h"

#include <QCheckBox>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace microcosm {

// What the list shows of the model: routine "ready" events or not, and the
// events up to a second or all of them.
class EventFilter : public QSortFilterProxyModel
{
public:
    explicit EventFilter(EventModel *model, QObject *parent)
        : QSortFilterProxyModel(parent), m_model(model)
    {
        setSourceModel(model);
    }
    void setHideRoutine(bool hide)
    {
        if (hide == m_hideRoutine)
            return;
        m_hideRoutine = hide;
        invalidateRowsFilter();
    }
    void setCut(std::optional<double> cut)
    {
        if (cut == m_cut)
            return;
        m_cut = cut;
        invalidateRowsFilter();
    }
    std::optional<double> cut() const { return m_cut; }
    // Events after the cut (whether routine ones are hidden or not).
    int hiddenByCut() const
    {
        if (!m_cut)
            return 0;
        int n = 0;
        // The rows are in time order: count back from the newest.
        for (int r = m_model->rowCount() - 1; r >= 0 && m_model->event(r).t > *m_cut; --r)
            ++n;
        return n;
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &) const override
    {
        const Event &e = m_model->event(row);
        if (m_cut && e.t > *m_cut)
            return false;
        return !m_hideRoutine || e.kind != QLatin1String("ready");
    }

private:
    EventModel *m_model;
    bool m_hideRoutine = false;
    std::optional<double> m_cut;
};

EventTimeline::EventTimeline(QWidget *parent)
    : QWidget(parent), m_model(new EventModel(this)), m_proxy(new EventFilter(m_model, this)),
      m_view(new QTableView(this)),
      m_hideRoutine(new QCheckBox(tr("Hide routine \"ready\" events"), this)),
      m_cutNote(new QLabel(this))
{
    setObjectName(QStringLiteral("events"));
    m_view->setModel(m_proxy);
    m_view->setObjectName(QStringLiteral("event-table"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setSectionResizeMode(EventModel::Time,
                                                     QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(EventModel::Source,
                                                     QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(EventModel::Kind,
                                                     QHeaderView::ResizeToContents);
    m_view->setToolTip(tr("What happened to the system (not to single requests): kills, restarts, "
                          "scaling, replicas taken out of rotation. Click one to highlight its "
                          "service in the topology."));
    m_hideRoutine->setObjectName(QStringLiteral("hide-routine"));
    m_hideRoutine->setToolTip(tr("Hide the \"ready\" event each replica logs when its cold start "
                                 "is over, to see the failures and decisions only."));
    connect(m_hideRoutine, &QCheckBox::toggled, this,
            [this](bool hide) { m_proxy->setHideRoutine(hide); });
    m_cutNote->setObjectName(QStringLiteral("events-cut"));
    m_cutNote->setWordWrap(true);
    m_cutNote->hide();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_cutNote);
    layout->addWidget(m_hideRoutine);

    connect(m_view, &QTableView::clicked, this, [this](const QModelIndex &index) {
        emit sourceActivated(index.data(EventModel::SourceRole).toString());
    });
    connect(m_view, &QTableView::activated, this, [this](const QModelIndex &index) {
        emit sourceActivated(index.data(EventModel::SourceRole).toString());
    });
}

void EventTimeline::append(const std::vector<Event> &events)
{
    QScrollBar *bar = m_view->verticalScrollBar();
    const bool follow = bar->value() >= bar->maximum() - 2;
    m_model->append(events);
    for (int c : {EventModel::Time, EventModel::Source, EventModel::Kind})
        m_view->resizeColumnToContents(c);
    if (follow)
        m_view->scrollToBottom();
    if (m_proxy->cut())
        updateCutNote();
}

void EventTimeline::setCutAt(std::optional<double> cut)
{
    if (cut == m_proxy->cut())
        return;
    m_proxy->setCut(cut);
    updateCutNote();
    // The newest event shown is the one that matters at that second.
    m_view->scrollToBottom();
}

std::optional<double> EventTimeline::cutAt() const
{
    return m_proxy->cut();
}

void EventTimeline::updateCutNote()
{
    const std::optional<double> cut = m_proxy->cut();
    if (!cut) {
        m_cutNote->hide();
        return;
    }
    const int later = m_proxy->hiddenByCut();
    m_cutNote->setText(later == 0
                           ? tr("Events up to t = %1 s.").arg(QString::number(*cut, 'f', 0))
                           : tr("Events up to t = %1 s; %n later one(s) not shown.", nullptr, later)
                                 .arg(QString::number(*cut, 'f', 0)));
    m_cutNote->show();
}

void EventTimeline::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    // In a narrow column (presenter mode beside a large topology) the
    // source and kind columns go: "what happened" names both, takes the
    // kind's colour, and is what must stay readable.
    const bool narrow = width() < 60 * fontMetrics().averageCharWidth();
    if (m_model->compact() != narrow) {
        m_model->setCompact(narrow);
        m_view->setColumnHidden(EventModel::Source, narrow);
        m_view->setColumnHidden(EventModel::Kind, narrow);
    }
}

void EventTimeline::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    // Presenter mode changes the type size: the rows follow it.
    if (event->type() == QEvent::FontChange) {
        m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
        for (int c : {EventModel::Time, EventModel::Source, EventModel::Kind})
            m_view->resizeColumnToContents(c);
    }
}

int EventTimeline::visibleRows() const
{
    return m_proxy->rowCount();
}

void EventTimeline::activateRow(int row)
{
    const QModelIndex index = m_proxy->index(row, 0);
    if (!index.isValid())
        return;
    m_view->selectRow(row);
    emit sourceActivated(index.data(EventModel::SourceRole).toString());
}

} // namespace microcosm
