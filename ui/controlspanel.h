#pragma once

#include "snapshot.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QVBoxLayout;

namespace microcosm {

class AutoscalerControls;
class ChaosControls;
class PolicyControls;
class ShopController;

/*
 * The controls dock: load (start / pause, arrival rate by slider and
 * number); per service, replicas, kill and restart; then the Policies,
 * Autoscaler and Chaos sections. Built as titled sections (addSection()).
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
    // Scrolls the named section ("load", "services", "policies", "autoscaler", "chaos")
    // into view.
    void showSection(const QString &name);

    PolicyControls *policies() const { return m_policies; }
    AutoscalerControls *autoscalers() const { return m_autoscalers; }
    ChaosControls *chaos() const { return m_chaos; }
    void setSnapshot(const SystemSnapshot &snapshot);

    QPushButton *loadButton() const { return m_load; }
    QSpinBox *rateBox() const { return m_rate; }
    QComboBox *shapeBox() const { return m_shape; }
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
    QComboBox *m_shape = nullptr;
    QHash<QString, Row> m_rows;
    QHash<QString, QWidget *> m_sectionBoxes;
    PolicyControls *m_policies = nullptr;
    AutoscalerControls *m_autoscalers = nullptr;
    ChaosControls *m_chaos = nullptr;
};

} // namespace microcosm
