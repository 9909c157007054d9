import type { SliceSummary } from './spike-report';
import { lineChart } from './svg-chart';

/** The slices of one simulated spike, for one `min_instances` setting. */
export interface SpikeRun {
  minInstances: number;
  slices: readonly SliceSummary[];
}

/**
 * The spike chart: p99 (solid) and p50 (dashed) latency over time, one colour per
 * `min_instances` choice, so a reader sees what a warm instance buys.
 */
export function spikeLatencyChart(title: string, runs: readonly SpikeRun[]): string {
  return lineChart({
    title,
    xLabel: 'time since the start (s)',
    yLabel: 'latency (ms)',
    series: runs.flatMap((run) => {
      const key = `min_instances = ${run.minInstances}`;
      const at = (s: SliceSummary) => s.startMs / 1000;
      return [
        {
          name: `${key}: p99`,
          colourKey: key,
          points: run.slices.map((s) => ({ x: at(s), y: s.p99Ms })),
        },
        {
          name: `${key}: p50`,
          colourKey: key,
          dashed: true,
          points: run.slices.map((s) => ({ x: at(s), y: s.p50Ms })),
        },
      ];
    }),
  });
}

/** 429s per slice of time, one line per `min_instances` choice. */
export function spikeErrorChart(title: string, runs: readonly SpikeRun[]): string {
  return lineChart({
    title,
    xLabel: 'time since the start (s)',
    yLabel: 'requests refused (429)',
    series: runs.map((run) => ({
      name: `min_instances = ${run.minInstances}`,
      points: run.slices.map((s) => ({ x: s.startMs / 1000, y: s.errors })),
    })),
  });
}
