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

EventTimeline::EventTimeline(QWidget *parent)
    : QWidget(parent), m_model(new EventModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)),
      m_hideRoutine(new QCheckBox(tr("Hide routine \"ready\" events"), this))
{
    setObjectName(QStringLiteral("events"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(EventModel::Kind);
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
    connect(m_hideRoutine, &QCheckBox::toggled, this, [this](bool hide) {
        m_proxy->setFilterRegularExpression(hide ? QStringLiteral("^(?!ready$)") : QString());
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_view, 1);
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
