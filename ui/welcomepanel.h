#pragma once

#include <QFrame>
#include <QPointer>

class QCheckBox;

namespace microcosm {

/*
 * The first thing a newcomer sees: what the window shows in three lines,
 * one "start here" button for each claim the shop demonstrates (each runs
 * a preset), the load's own button, and where the keys are (F1). It floats
 * over the topology and goes away with Close, Esc, or any of its buttons.
 *
 * Invariants: it starts nothing itself — it only says what the user chose
 * (presetChosen / startLoadChosen); "show at start" is the user's, kept in
 * QSettings under welcome/show.
 */
class WelcomePanel : public QFrame
{
    Q_OBJECT
public:
    struct Claim
    {
        QString preset; // file name without .json, in the presets folder
        QString title;  // the button's text
        QString detail; // one line under it
    };

    explicit WelcomePanel(QWidget *parent = nullptr);

    static QList<Claim> claims();
    static bool showAtStart();

    // Keeps it centred over `area` (a widget in the same window), at most
    // 860 px wide, as the area moves and resizes.
    void placeOver(QWidget *area);

signals:
    void presetChosen(const QString &preset);
    void startLoadChosen();
    void shortcutsRequested();

protected:
    void keyPressEvent(QKeyEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void dismiss();
    void place();
    QCheckBox *m_showAtStart;
    QPointer<QWidget> m_area;
};

} // namespace microcosm
