#pragma once

// What queueing theory predicts for one service: M/M/c (Poisson arrivals,
// exponential service times, c workers, one FIFO queue, no limit on it) and
// M/D/1's mean by Pollaczek–Khinchine. Pure functions, for the views'
// "theory beside the measurement" and for the fidelity benchmark.

namespace microcosm::queueing {

// Erlang C: the probability that an arrival waits, with c servers and an
// offered load of a = λ/μ Erlangs (0 <= a < c; 1 when a >= c).
double erlangC(int servers, double offeredLoad);

struct MmcPrediction
{
    bool stable = false;          // λ < c·μ: the queue does not grow without bound
    double utilization = 0;       // ρ = λ / (c·μ)
    double probabilityWait = 0;   // Erlang C
    double meanWaitMs = 0;        // in the queue
    double meanResponseMs = 0;    // queue + service
    double capacityPerSecond = 0; // c·μ
    // Quantile q (0 < q < 1) of the response time, in ms (infinite when unstable).
    double responseQuantileMs(double q) const;

    double lambda = 0, mu = 0; // per second
    int servers = 0;
};

// λ in arrivals per second, the mean service time in ms, c servers.
MmcPrediction mmc(double arrivalsPerSecond, double meanServiceMs, int servers);

// P(T > t) for M/M/c's response time T = Wq + S (FCFS): Wq is 0 with
// probability 1 − C and Exp(cμ − λ) otherwise, S is Exp(μ).
double mmcResponseSurvival(const MmcPrediction &p, double tSeconds);

// M/D/1 (constant service time): the mean response time, Pollaczek–Khinchine:
// S + ρ·S / (2·(1 − ρ)). Infinite when ρ >= 1.
double md1MeanResponseMs(double arrivalsPerSecond, double serviceMs);

} // namespace microcosm::queueing
