/**
 * Cloud Run's metrics-based scaling, as documented in "About instance autoscaling"
 * (https://cloud.google.com/run/docs/about-instance-autoscaling): for each driver, the average
 * over one minute divided by the target gives a number of instances, and the larger wins.
 * - concurrency: average requests in flight / max concurrency per instance / target;
 * - CPU: average CPU in use / CPUs per instance / target.
 */

/** The autoscaler's settings. */
export interface Autoscaler {
  /** How often it decides. */
  intervalMs: number;
  /** Over how long it averages. */
  windowMs: number;
  /** The utilisation it keeps instances at (0.6 by default, 0.1 to 0.95 when configured). */
  targetUtilisation: number;
}

/**
 * The documented defaults: a one-minute window and a 60% target for both drivers. The page says
 * the autoscaler evaluates "periodically"; an earlier revision said every 5 seconds.
 */
export const CLOUD_RUN_AUTOSCALER: Autoscaler = {
  intervalMs: 5_000,
  windowMs: 60_000,
  targetUtilisation: 0.6,
};

/**
 * Requests in flight and CPU in use across a service's instances, integrated over time, so the
 * autoscaler can read their one-minute averages. Before t = 0 both were zero: a step load is
 * averaged with the quiet minute before it, as Cloud Run's window would.
 */
export class Utilisation {
  /** Requests in flight now, over all instances. */
  inFlight = 0;
  /** CPU in use now, in instances' worth (a busy single-CPU instance is 1). */
  cpuBusy = 0;
  private inFlightArea = 0;
  private cpuArea = 0;
  private at = 0;
  private readonly history: { inFlightArea: number; cpuArea: number }[] = [];

  /** Moves the clock to `to`, accumulating what was in use since the last move. */
  advance(to: number): void {
    this.inFlightArea += this.inFlight * (to - this.at);
    this.cpuArea += this.cpuBusy * (to - this.at);
    this.at = to;
  }

  /**
   * The instances the drivers ask for now. Call it every `scaler.intervalMs`, from the first
   * interval on: the window is read from the areas recorded at earlier calls.
   */
  wantedInstances(scaler: Autoscaler, concurrency: number): number {
    this.history.push({ inFlightArea: this.inFlightArea, cpuArea: this.cpuArea });
    const back = Math.round(scaler.windowMs / scaler.intervalMs);
    const then = this.history[this.history.length - 1 - back];
    const inFlight = (this.inFlightArea - (then?.inFlightArea ?? 0)) / scaler.windowMs;
    const cpu = (this.cpuArea - (then?.cpuArea ?? 0)) / scaler.windowMs;
    // The epsilon keeps an exact fit from rounding up by floating-point noise.
    return Math.ceil(Math.max(inFlight / concurrency, cpu) / scaler.targetUtilisation - 1e-9);
  }
}
