#pragma once

#include "snapshot.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;

namespace microcosm {

class ShopController;

/*
 * The "Policies" section of the controls: for one caller→service edge at a
 * time (users→every service, users→each deployable, and each call one
 * deployable declares to another, as order→product in the shop) its timeout, retries, circuit
 * breaker (the demo preset), fallback and bulkhead; and the gateway's rate limit. Applied through
 * the gateway's policy API as soon as a box is ticked (number fields after a short pause in
 * typing), for the calls that start from then on.
 *
 * Invariants: the form shows the gateway's policy of the selected edge
 * (re-read whenever policies change, unless the user is typing in it); a
 * change rewrites only the field the user changed, keeping the rest of the
 * edge's policy (retry back-off, breaker thresholds) as it was.
 */
class PolicyControls : public QWidget
{
    Q_OBJECT
public:
    explicit PolicyControls(ShopController *controller, QWidget *parent = nullptr);

    // "users>*", "users>product", "order>cart"... (caller>deployable)
    QString currentEdge() const;
    bool selectEdge(const QString &key);

    QComboBox *edgeBox() const { return m_edge; }
    QSpinBox *timeoutBox() const { return m_timeout; }
    QCheckBox *retryBox() const { return m_retry; }
    QSpinBox *attemptsBox() const { return m_attempts; }
    QCheckBox *breakerBox() const { return m_breaker; }
    QCheckBox *fallbackBox() const { return m_fallback; }
    QSpinBox *bulkheadBox() const { return m_bulkhead; }
    QCheckBox *rateLimitBox() const { return m_rateLimit; }
    QSpinBox *rateLimitRateBox() const { return m_rateLimitRate; }

    void setSnapshot(const SystemSnapshot &snapshot);

private:
    void load();
    void apply();
    void applyRateLimit();

    QPointer<ShopController> m_controller;
    QComboBox *m_edge;
    QSpinBox *m_timeout;
    QCheckBox *m_retry;
    QSpinBox *m_attempts;
    QCheckBox *m_breaker;
    QLabel *m_breakerState;
    QCheckBox *m_fallback;
    QSpinBox *m_bulkhead;
    QCheckBox *m_rateLimit;
    QSpinBox *m_rateLimitRate;
    QTimer m_debounce;
    bool m_loading = false;
};

} // namespace microcosm
