import type { InstanceCurves } from './service-model';

/**
 * A measured figure with its baseline from the same run, and the target it is held to.
 * Every benchmark reports these; run.ts prints them as one Markdown table and writes JSON.
 */
export interface Figure {
  /** What was measured, e.g. `CSV import of 1,000,000 rows`. */
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline, rounded to 3 places for the table (the target is held to the exact ratio). */
  ratio?: number;
  /**
   * e.g. `>= 0.6` on the ratio, or `< 256` on the value; `within 0.25` on the ratio: from 0.75
   * to 1.25 (a prediction against its measurement).
   */
  target?: { on: 'ratio' | 'value'; op: '>=' | '<=' | '<' | 'within'; limit: number };
  met?: boolean;
  notes?: string;
  /** The calibration's measured curves, for the capacity CLI's spike model. */
  curves?: InstanceCurves;
}

/**
 * Builds a figure, computing its ratio and whether it meets the target. The target is held to
 * the exact ratio (0.595 does not meet >= 0.6, whatever the table rounds it to); a value of 0
 * is a ratio of 0 (a p50 of 0 ms meets a ceiling); a target that cannot be evaluated (a
 * baseline of 0, or none, for a target on the ratio) is not met, never left blank.
 */
export function figure(f: Omit<Figure, 'ratio' | 'met'>): Figure {
  const exact = f.baseline && f.baseline.value > 0 ? f.value / f.baseline.value : undefined;
  const ratio = exact !== undefined ? Math.round(exact * 1000) / 1000 : undefined;
  const subject = f.target?.on === 'ratio' ? exact : f.value;
  const met = f.target
    ? subject !== undefined && Number.isFinite(subject)
      ? f.target.op === '>='
        ? subject >= f.target.limit
        : f.target.op === 'within'
          ? Math.abs(subject - 1) <= f.target.limit
          : f.target.op === '<='
            ? subject <= f.target.limit
            : subject < f.target.limit
      : false
    : undefined;
  return {
    ...f,
    ...(ratio !== undefined ? { ratio } : {}),
    ...(met !== undefined ? { met } : {}),
  };
}

const number = (value: number, unit: string) =>
  `${value >= 100 ? Math.round(value).toLocaleString('en-US') : Number(value.toPrecision(3))} ${unit}`;

/** The figures as a Markdown table. */
export function markdownTable(figures: Figure[]): string {
  const rows = figures.map((f) =>
    [
      f.name,
      number(f.value, f.unit),
      f.baseline ? `${f.baseline.name}: ${number(f.baseline.value, f.unit)}` : '–',
      f.ratio !== undefined ? String(f.ratio) : '–',
      f.target
        ? f.target.op === 'within'
          ? `${f.target.on} 1 ± ${f.target.limit}`
          : `${f.target.on} ${f.target.op} ${f.target.limit}`
        : 'report',
      f.met === undefined ? '–' : f.met ? 'yes' : '**no**',
      f.notes ?? '',
    ].join(' | '),
  );
  return [
    '| figure | value | baseline (same run) | ratio | target | met | notes |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
