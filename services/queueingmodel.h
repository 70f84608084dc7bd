#pragma once

#include "queueing.h"
#include "servicetime.h"

#include <QList>
#include <QString>

namespace microcosm {

class Platform;

// A service as queueing theory sees it: each of its replicas is one M/M/c
// queue (c = its workers) taking an equal share of the service's arrivals,
// serving with the mean of its routes' service times.
struct ServiceModel
{
    QString name;
    int replicas = 1;
    int workers = 1;
    ServiceTime time;        // the mean over the routes called, each weighted by its calls
    bool mixedKinds = false; // its routes' service times are not all of one kind
    int routesCalled = 0;
    int queueCapacity = 0;
    QStringList calls; // the services it calls, whose answers its workers wait for
    // M/M/c for one replica at `arrivalsPerSecond` for the whole service.
    queueing::MmcPrediction predict(double arrivalsPerSecond) const
    {
        return queueing::mmc(arrivalsPerSecond / std::max(1, replicas), time.meanMs, workers);
    }
    double capacityPerSecond() const
    {
        return time.meanMs > 0 ? replicas * workers * 1000.0 / time.meanMs : 0;
    }
    // Why the prediction is only approximate here, in words; empty when
    // every assumption holds that can be seen from the configuration.
    QStringList caveats() const;
};

// Every hosted service, from its configuration and the calls its routes
// have had so far (for the weights of their service times).
QList<ServiceModel> serviceModels(Platform &platform);

} // namespace microcosm
