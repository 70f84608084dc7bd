#pragma once

#include "snapshot.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QComboBox;
class QGridLayout;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QToolButton;
class QVBoxLayout;

namespace microcosm {

class AutoscalerControls;
class ChaosControls;
class PolicyControls;
class ShopController;

/*
 * The controls dock: load (start / pause, arrival rate by slider and
 * number); per service, replicas, kill and restart; then the Policies,
 * Autoscaler and Chaos sections. Built as sections that fold (addSection()):
 * a clickable header each, Load and Services open by default and the rest
 * folded, so that every header is on screen at 1600×1000 without scrolling.
 *
 * Invariants: every control acts through the ShopController and has a
 * tooltip saying what it does and what to watch; values shown follow the
 * snapshots, but a control the user is editing is never overwritten. For
 * every field in the panel, whoever adds it and whenever: the mouse wheel
 * scrolls the panel unless the field has the focus (spin boxes, drop-downs
 * and sliders take the focus by click or Tab, not by the wheel), and a
 * plain-text tooltip is shown wrapped to a readable width (the tooltip
 * itself is left as it was set). With setPersistSections(true) a section's
 * open/closed state is read from and written to QSettings
 * ("window/sections/…", forgotten with the window's layout); without it,
 * QSettings is never touched.
 */
class ControlsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ControlsPanel(ShopController *controller, QWidget *parent = nullptr);

    // Adds a section at the end (before the stretch), open unless `open` is
    // false (or the saved state says otherwise); returns its frame, named
    // "section-<title in lower case>", whose header is the checkable button
    // "section-header-<…>".
    QWidget *addSection(const QString &title, QWidget *content, const QString &tip = {},
                        bool open = true);
    // Opens the named section ("load", "services", "policies", "autoscaler",
    // "chaos") and scrolls it into view.
    void showSection(const QString &name);
    void setSectionOpen(const QString &name, bool open);
    bool isSectionOpen(const QString &name) const;
    // Remembers each section's open/closed state in QSettings, and applies
    // the remembered state now.
    void setPersistSections(bool persist);

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
    // A plain-text tooltip broken into lines of at most about `columns`
    // characters; rich text (which Qt wraps itself) is returned as it is.
    static QString wrapToolTip(const QString &tip, int columns = 60);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Row
    {
        QLabel *health = nullptr;
        QSpinBox *replicas = nullptr;
        QPushButton *kill = nullptr;
        QPushButton *restart = nullptr;
        QLayout *name = nullptr;
        int gridRow = 0; // its first of two grid rows
    };
    struct Section
    {
        QWidget *frame = nullptr;
        QToolButton *header = nullptr;
        QWidget *content = nullptr;
    };
    QWidget *buildLoad();
    QWidget *buildServices();
    // A service's name and its controls side by side, or (narrow: the side
    // column of presenter mode) the controls on a row of their own.
    void layoutServices(bool narrow);
    void showLoadState(bool running);
    void showRate(double rate);
    // Installs the wheel and tooltip filter on w and everything inside it.
    void watch(QWidget *w);
    void showSectionState(const Section &section, bool open);
    static QString settingsKey(const QString &name);

    QPointer<ShopController> m_controller;
    QVBoxLayout *m_sections;
    QPushButton *m_load = nullptr;
    QSlider *m_slider = nullptr;
    QSpinBox *m_rate = nullptr;
    QLabel *m_loadStats = nullptr;
    QComboBox *m_shape = nullptr;
    QHash<QString, Row> m_rows;
    QGridLayout *m_servicesGrid = nullptr;
    bool m_narrowServices = false;
    QHash<QString, Section> m_sectionsByName;
    bool m_persistSections = false;
    PolicyControls *m_policies = nullptr;
    AutoscalerControls *m_autoscalers = nullptr;
    ChaosControls *m_chaos = nullptr;
};

} // namespace microcosm
