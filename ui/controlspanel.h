#pragma once

#include "snapshot.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QVBoxLayout;

namespace microcosm {

class ShopController;

/*
 * The controls dock: load (start / pause, arrival rate by slider and
 * number) and, per service, replicas, kill and restart. Built as titled
 * sections so that policies, chaos and autoscaling controls can be added
 * with addSection() as the platform grows them.
 *
 * Invariants: every control acts through the ShopController and has a
 * tooltip saying what it does and what to watch; values shown follow the
 * snapshots, but a control the user is editing is never overwritten.
 */
class ControlsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ControlsPanel(ShopController *controller, QWidget *parent = nullptr);

    // Adds a titled section at the end (before the stretch); returns its frame.
    QWidget *addSection(const QString &title, QWidget *content, const QString &tip = {});
    void setSnapshot(const SystemSnapshot &snapshot);

    QPushButton *loadButton() const { return m_load; }
    QSpinBox *rateBox() const { return m_rate; }
    QSpinBox *replicasBox(const QString &service) const { return m_rows.value(service).replicas; }

    static int sliderFromRate(double rate);
    static double rateFromSlider(int value);

private:
    struct Row
    {
        QLabel *health = nullptr;
        QSpinBox *replicas = nullptr;
        QPushButton *kill = nullptr;
        QPushButton *restart = nullptr;
    };
    QWidget *buildLoad();
    QWidget *buildServices();
    void showLoadState(bool running);
    void showRate(double rate);

    QPointer<ShopController> m_controller;
    QVBoxLayout *m_sections;
    QPushButton *m_load = nullptr;
    QSlider *m_slider = nullptr;
    QSpinBox *m_rate = nullptr;
    QLabel *m_loadStats = nullptr;
    QHash<QString, Row> m_rows;
};

} // namespace microcosm
