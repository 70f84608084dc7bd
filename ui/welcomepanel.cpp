#include "welcomepanel.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include <algorithm>

namespace microcosm {

namespace {
const QString ShowKey = QStringLiteral("welcome/show");
}

QList<WelcomePanel::Claim> WelcomePanel::claims()
{
    return {
        {QStringLiteral("kill-product"), QObject::tr("Kill one service"),
         QObject::tr("the others keep serving: cart has its own replicas and database")},
        {QStringLiteral("spike-autoscaler-on"), QObject::tr("Spike the browsing"),
         QObject::tr("only the product service scales out; cart and order stay as they are")},
        {QStringLiteral("rolling-update"), QObject::tr("Update one service"),
         QObject::tr("cart moves to v2 replica by replica while the shop keeps selling")},
    };
}

bool WelcomePanel::showAtStart()
{
    return QSettings().value(ShowKey, true).toBool();
}

WelcomePanel::WelcomePanel(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("welcome"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setFocusPolicy(Qt::StrongFocus);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 18, 24, 18);
    auto *title = new QLabel(tr("<h2>Welcome to Microcosm</h2>"), this);
    layout->addWidget(title);
    auto *what = new QLabel(
        tr("A small shop runs here for real: <b>users</b> → <b>API gateway</b> → the "
           "<b>product</b>, <b>cart</b> and <b>order</b> services, each on its own threads with "
           "its own SQLite database.<br>Each box is a service, each dot a replica, each moving "
           "point a request; red means failing.<br>Break it, load it, update it — and watch what "
           "keeps working and why."),
        this);
    what->setWordWrap(true);
    what->setObjectName(QStringLiteral("welcome-what"));
    layout->addWidget(what);

    auto *grid = new QGridLayout;
    grid->setHorizontalSpacing(14);
    int row = 0;
    for (const Claim &c : claims()) {
        auto *button = new QPushButton(c.title, this);
        button->setObjectName(QStringLiteral("welcome-") + c.preset);
        button->setToolTip(tr("Runs the preset %1 on a fresh shop").arg(c.preset));
        auto *detail = new QLabel(c.detail, this);
        detail->setWordWrap(true);
        grid->addWidget(button, row, 0);
        grid->addWidget(detail, row, 1);
        const QString preset = c.preset;
        connect(button, &QPushButton::clicked, this, [this, preset] {
            dismiss();
            emit presetChosen(preset);
        });
        ++row;
    }
    auto *load = new QPushButton(tr("Just start the load"), this);
    load->setObjectName(QStringLiteral("welcome-start-load"));
    grid->addWidget(load, row, 0);
    grid->addWidget(new QLabel(tr("100 journeys/s on the shop as it is (Space pauses it)"), this),
                    row, 1);
    grid->setColumnStretch(1, 1);
    layout->addLayout(grid);
    connect(load, &QPushButton::clicked, this, [this] {
        dismiss();
        emit startLoadChosen();
    });

    auto *bottom = new QHBoxLayout;
    auto *keys = new QPushButton(tr("Keys and what the colours mean (F1)"), this);
    keys->setObjectName(QStringLiteral("welcome-keys"));
    keys->setFlat(true);
    connect(keys, &QPushButton::clicked, this, &WelcomePanel::shortcutsRequested);
    bottom->addWidget(keys);
    bottom->addStretch();
    m_showAtStart = new QCheckBox(tr("Show this at start"), this);
    m_showAtStart->setChecked(showAtStart());
    connect(m_showAtStart, &QCheckBox::toggled, this,
            [](bool on) { QSettings().setValue(ShowKey, on); });
    bottom->addWidget(m_showAtStart);
    auto *close = new QPushButton(tr("Close"), this);
    close->setObjectName(QStringLiteral("welcome-close"));
    connect(close, &QPushButton::clicked, this, &WelcomePanel::dismiss);
    bottom->addWidget(close);
    layout->addLayout(bottom);
}

void WelcomePanel::placeOver(QWidget *area)
{
    if (m_area)
        m_area->removeEventFilter(this);
    m_area = area;
    if (area)
        area->installEventFilter(this);
    place();
}

bool WelcomePanel::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_area && (event->type() == QEvent::Resize || event->type() == QEvent::Move ||
                              event->type() == QEvent::Show))
        place();
    return QFrame::eventFilter(watched, event);
}

void WelcomePanel::place()
{
    QWidget *window = parentWidget();
    if (!m_area || !window)
        return;
    // As wide as reads well, as tall as its wrapped text needs; it may reach
    // past the area (over the docks) but never past the window.
    const QRect area(m_area->mapTo(window, QPoint(0, 0)), m_area->size());
    const QRect bounds = window->rect();
    const int w = std::min({860, area.width() - 24, bounds.width() - 24});
    layout()->activate();
    const int h =
        std::min(std::max(layout()->totalHeightForWidth(w), layout()->minimumSize().height()),
                 bounds.height() - 24);
    const int x = area.x() + (area.width() - w) / 2;
    const int y = std::clamp(area.y() + (area.height() - h) / 2, bounds.top() + 12,
                             std::max(bounds.top() + 12, bounds.bottom() - 12 - h));
    setGeometry(x, y, w, h);
}

void WelcomePanel::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Escape) {
        dismiss();
        return;
    }
    QFrame::keyPressEvent(event);
}

void WelcomePanel::dismiss()
{
    hide();
    deleteLater();
}

} // namespace microcosm
