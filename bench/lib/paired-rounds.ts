/**
 * Ratios of two servers' throughput on a machine others share: each round runs every server's
 * load back to back (the order rotated round by round, so no server is always first after a
 * pause), each round gives a ratio of its own, and the figure is the round whose ratio is the
 * median. A neighbour's burst then moves one round's ratio, not the figure; keeping each side's
 * best round apart (as before) let two full runs differ by 20%.
 */

/**
 * Runs each of `runs` once per round, `rounds` times.
 * @returns per run, its results in round order
 */
export async function alternateRounds<R extends (() => Promise<unknown>)[]>(
  runs: [...R],
  rounds: number,
): Promise<{ [K in keyof R]: Awaited<ReturnType<R[K]>>[] }> {
  const all: unknown[][] = runs.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (let k = 0; k < runs.length; k++) {
      const i = (k + round) % runs.length;
      all[i]!.push(await runs[i]!());
    }
  return all as { [K in keyof R]: Awaited<ReturnType<R[K]>>[] };
}

/** The median round of a pair of servers: its two results, and every round's ratio. */
export interface PairedMedian<T> {
  ours: T;
  base: T;
  /** ours / base per round, in round order. */
  ratios: number[];
}

/**
 * The round whose ratio `measure(ours) / measure(base)` is the median of the rounds' (the lower
 * of the middle two for an even count), with both of its results: the figure's value and
 * baseline then come from one round, and their ratio is that median.
 */
export function pairedMedian<T>(
  ours: readonly T[],
  base: readonly T[],
  measure: (result: T) => number,
): PairedMedian<T> {
  if (ours.length === 0 || ours.length !== base.length)
    throw new Error(
      `paired rounds need as many results on each side (${ours.length}, ${base.length})`,
    );
  const ratios = ours.map((result, round) => measure(result) / measure(base[round]!));
  const order = ratios.map((_, round) => round).sort((a, b) => ratios[a]! - ratios[b]!);
  const median = order[Math.floor((order.length - 1) / 2)]!;
  return { ours: ours[median]!, base: base[median]!, ratios };
}

/** The rounds' ratios for a figure's notes, e.g. `paired ratios of 5 rounds 0.91 to 0.97: 0.93, …`. */
export function describeRatios(ratios: readonly number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const r = (x: number) => x.toFixed(2);
  return `median of ${ratios.length} paired rounds (ratios ${r(sorted[0]!)} to ${r(sorted.at(-1)!)}: ${ratios.map(r).join(', ')})`;
}
