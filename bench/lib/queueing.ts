/**
 * Closed-form results of the M/M/c queue: Poisson arrivals at rate λ, exponential service at
 * rate μ per server, c servers, one FIFO queue, no limit on its length. They are the oracles the
 * spike simulation is tested against, and the capacity model's way to size a pool of servers.
 *
 * Notation follows Kleinrock, Queueing Systems vol. 1, ch. 3 (M/M/m), and Gross & Harris,
 * Fundamentals of Queueing Theory, ch. 2 (M/M/c): offered load a = λ/μ (erlangs), utilisation ρ = a/c,
 * Erlang C the probability that an arrival waits, Wq = C / (cμ − λ) the mean wait in queue and
 * W = Wq + 1/μ the mean time in the system. Times come out in the unit rates are given in
 * (rates per second: seconds).
 */

/** An M/M/c queue. */
export interface MmcQueue {
  /** λ: arrivals per unit of time. */
  arrivalRate: number;
  /** μ: completions per unit of time of one busy server (1 / mean service time). */
  serviceRate: number;
  /** c: servers. */
  servers: number;
}

/** What an M/M/c queue does in steady state. */
export interface MmcResult {
  /** ρ = λ / (cμ): the fraction of the time an average server is busy. */
  utilisation: number;
  /** Erlang C: the probability that an arrival finds every server busy and waits. */
  probabilityOfWaiting: number;
  /** Wq: mean time in queue (Infinity when ρ ≥ 1: the queue grows without bound). */
  meanWait: number;
  /** W = Wq + 1/μ: mean time from arrival to the end of service. */
  meanResponse: number;
  /** Lq = λ·Wq (Little's law): mean number waiting. */
  meanQueueLength: number;
}

function check({ arrivalRate, serviceRate, servers }: MmcQueue): void {
  if (!(arrivalRate >= 0) || !Number.isFinite(arrivalRate)) {
    throw new RangeError(`arrivalRate must be a finite number >= 0, got ${arrivalRate}`);
  }
  if (!(serviceRate > 0) || !Number.isFinite(serviceRate)) {
    throw new RangeError(`serviceRate must be a finite number > 0, got ${serviceRate}`);
  }
  if (!Number.isInteger(servers) || servers < 1) {
    throw new RangeError(`servers must be a whole number >= 1, got ${servers}`);
  }
}

/**
 * Erlang B (the loss probability with c servers and no queue) by its recurrence
 * B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), which stays exact where a^c / c! overflows.
 */
export function erlangB(servers: number, offeredLoad: number): number {
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/**
 * Erlang C: the probability that an arrival waits, from Erlang B as
 * C = c·B / (c − a·(1 − B)); 1 when the load is at or above the servers (ρ ≥ 1).
 */
export function erlangC(servers: number, offeredLoad: number): number {
  if (offeredLoad >= servers) return 1;
  const b = erlangB(servers, offeredLoad);
  return (servers * b) / (servers - offeredLoad * (1 - b));
}

/** Steady-state waiting, response time and utilisation of an M/M/c queue. */
export function mmc(queue: MmcQueue): MmcResult {
  check(queue);
  const { arrivalRate: lambda, serviceRate: mu, servers: c } = queue;
  const offeredLoad = lambda / mu;
  const utilisation = offeredLoad / c;
  const probabilityOfWaiting = erlangC(c, offeredLoad);
  const meanWait = utilisation >= 1 ? Infinity : probabilityOfWaiting / (c * mu - lambda);
  return {
    utilisation,
    probabilityOfWaiting,
    meanWait,
    meanResponse: meanWait + 1 / mu,
    meanQueueLength: lambda * meanWait,
  };
}

/**
 * The p-quantile of the wait in queue: the wait is 0 with probability 1 − C and otherwise
 * exponential with rate cμ − λ, so P(Wq > t) = C·e^{−(cμ−λ)t}.
 */
export function waitQuantile(queue: MmcQueue, p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`p must be in [0, 1), got ${p}`);
  const { probabilityOfWaiting: c, utilisation } = mmc(queue);
  if (utilisation >= 1) return Infinity;
  if (1 - p >= c) return 0;
  return Math.log(c / (1 - p)) / (queue.servers * queue.serviceRate - queue.arrivalRate);
}

/** The fewest servers that keep utilisation at or below `target` (0 < target ≤ 1). */
export function serversForUtilisation(
  arrivalRate: number,
  serviceRate: number,
  target: number,
): number {
  if (!(target > 0 && target <= 1)) throw new RangeError(`target must be in (0, 1], got ${target}`);
  check({ arrivalRate, serviceRate, servers: 1 });
  // The epsilon keeps an exact fit (λ/μ/target a whole number) from rounding up by float noise.
  return Math.max(1, Math.ceil(arrivalRate / serviceRate / target - 1e-9));
}

/**
 * The fewest servers whose mean wait in queue is at or below `maxMeanWait` (in the unit of
 * 1/rate). Starts from the fewest that are stable (c > λ/μ) and adds one at a time: the wait
 * falls with every server added.
 */
export function serversForMeanWait(
  arrivalRate: number,
  serviceRate: number,
  maxMeanWait: number,
): number {
  // 0 is never reached with arrivals (every server count leaves some wait): it would not end.
  if (!(maxMeanWait > 0)) throw new RangeError(`maxMeanWait must be > 0, got ${maxMeanWait}`);
  check({ arrivalRate, serviceRate, servers: 1 });
  let servers = Math.max(1, Math.floor(arrivalRate / serviceRate) + 1);
  while (mmc({ arrivalRate, serviceRate, servers }).meanWait > maxMeanWait) servers++;
  return servers;
}
