#pragma once

#include "circuitbreaker.h"
#include "outlierdetector.h"
#include "retrypolicy.h"

#include <QHash>
#include <QString>

namespace microcosm {

// The resilience policy of one caller→service edge ("users" is the gateway
// itself; "order" is the order service's client). Names follow Envoy
// (timeout, per-try timeout, retry budget) and Resilience4j (breaker,
// bulkhead) so a finding here maps onto a real configuration.
struct EdgePolicy
{
    Duration timeout = milliseconds(3000);     // whole call, retries included; zero: none
    Duration perTryTimeout = Duration::zero(); // each try; zero: the whole timeout
    QHash<QString, Duration> routeTimeouts;    // by route key, overrides timeout

    bool retryEnabled = false;
    RetryPolicy retry;
    bool retryBudgetEnabled = false;
    double retryBudgetPercent = 20;
    int minRetryConcurrency = 3;

    bool breakerEnabled = false;
    CircuitBreakerConfig breaker = CircuitBreakerConfig::demo();

    int bulkheadMaxConcurrentCalls = 0; // zero: no bulkhead

    // GET routes answered from the last good response when the call fails.
    bool fallbackEnabled = false;

    Duration timeoutFor(const QString &route) const { return routeTimeouts.value(route, timeout); }
};

// Replica health management of one service (Envoy outlier detection and
// active health checking).
struct HealthPolicy
{
    bool outlierDetectionEnabled = false;
    OutlierDetectionConfig outlier;
    Duration probePeriod = Duration::zero(); // zero: the platform's PlatformConfig::probePeriod
    int probeFailureThreshold = 1; // consecutive failed probes before a replica leaves rotation
};

} // namespace microcosm
