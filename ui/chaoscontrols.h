#pragma once

#include "faults.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace microcosm {

class ShopController;

/*
 * The "Chaos" section of the controls: for one service at a time, added
 * latency (on a share of its calls), injected errors (a share, a status), a
 * slow database, and its database file's writes blocked or the whole file
 * locked; a chaos monkey that kills
 * and restarts at random; and one button that clears every fault. Faults go
 * through the platform's ChaosController, so each is an event on the
 * timeline and a badge on the topology.
 *
 * Invariants: "Inject" sets exactly the fault the form shows (replacing the
 * service's previous one) and is disabled while the form holds no fault;
 * the form is re-read from the platform when the service changes, and the
 * "now" line, the lock and the monkey follow the platform whenever chaos
 * changes, whoever changed it (a menu, a scenario, the monkey).
 */
class ChaosControls : public QWidget
{
    Q_OBJECT
public:
    explicit ChaosControls(ShopController *controller, QWidget *parent = nullptr);

    bool selectService(const QString &service);
    QString currentService() const;
    // The fault the form describes.
    Fault formFault() const;

    QSpinBox *latencyBox() const { return m_latency; }
    QSpinBox *latencyPercentBox() const { return m_latencyPercent; }
    QSpinBox *errorPercentBox() const { return m_errorPercent; }
    QComboBox *errorStatusBox() const { return m_errorStatus; }
    QSpinBox *slowDatabaseBox() const { return m_slowDb; }
    QPushButton *injectButton() const { return m_inject; }
    QPushButton *clearButton() const { return m_clear; }
    // Blocks the service's writes (reads go on), and locks its whole file
    // (reads fail too); each toggles, and one replaces the other.
    QPushButton *lockButton() const { return m_lock; }
    QPushButton *lockFileButton() const { return m_lockFile; }
    QCheckBox *monkeyBox() const { return m_monkey; }
    QSpinBox *monkeyMeanBox() const { return m_monkeyMean; }
    QPushButton *clearAllButton() const { return m_clearAll; }

private:
    void loadForm();
    void showState();
    void updateInject();

    QPointer<ShopController> m_controller;
    QComboBox *m_service;
    QSpinBox *m_latency;
    QSpinBox *m_latencyPercent;
    QSpinBox *m_errorPercent;
    QComboBox *m_errorStatus;
    QSpinBox *m_slowDb;
    QPushButton *m_inject;
    QPushButton *m_clear;
    QLabel *m_now;
    QPushButton *m_lock;
    QPushButton *m_lockFile;
    QCheckBox *m_monkey;
    QSpinBox *m_monkeyMean;
    QPushButton *m_clearAll;
    QTimer m_monkeyDebounce;
};

} // namespace microcosm
