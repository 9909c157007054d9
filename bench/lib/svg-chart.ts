import { html, type SafeHtml } from '../../shared/http/html';

/**
 * A line chart as a standalone SVG document: title, axes with round-numbered ticks, one line
 * per series, a legend. Hand-written: the chart libraries that draw without a browser are
 * either ESM-only (d3-scale, d3-shape: this project's tests load CommonJS) or need a canvas
 * binary (chartjs-node-canvas); what is needed here is a polyline per series and two axes.
 * Every text goes through `html`, so names are escaped by construction.
 */

/** One line. Points with a y that is not a number (a second with no answer) break the line. */
export interface ChartSeries {
  name: string;
  points: readonly { x: number; y: number }[];
  /** Series with the same colour key share a colour (p50 and p99 of one choice). */
  colourKey?: string;
  dashed?: boolean;
}

/** What to draw. */
export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  width?: number;
  height?: number;
}

// Okabe and Ito's palette: told apart with every common colour-vision deficiency.
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** About `count` round-numbered ticks (1, 2 or 5 × 10ⁿ apart) from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let i = 0; ticks.at(-1) === undefined || ticks.at(-1)! < max; i++) {
    ticks.push(Number((i * step).toPrecision(12)));
  }
  return ticks;
}

/** The chart as an SVG document. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 400;
  const margin = { top: 40, right: 20, bottom: 62, left: 70 };
  // The legend below the plot, in as many columns of 230 px as fit.
  const columns = Math.max(1, Math.floor((width - margin.left - margin.right) / 230));
  const legendRows = Math.ceil(spec.series.length / columns);
  const plot = {
    left: margin.left,
    right: width - margin.right,
    top: margin.top,
    bottom: height - margin.bottom - legendRows * 18,
  };
  const points = spec.series.flatMap((s) => s.points);
  const xs = points.map((p) => p.x).filter(Number.isFinite);
  const ys = points.map((p) => p.y).filter(Number.isFinite);
  const xTicks = niceTicks(Math.max(...xs, 0));
  const yTicks = niceTicks(Math.max(...ys, 0));
  const xMax = xTicks.at(-1)!;
  const yMax = yTicks.at(-1)!;
  const x = (v: number) => (plot.left + (v / xMax) * (plot.right - plot.left)).toFixed(1);
  const y = (v: number) => (plot.bottom - (v / yMax) * (plot.bottom - plot.top)).toFixed(1);

  const keys = [...new Set(spec.series.map((s) => s.colourKey ?? s.name))];
  const colour = (s: ChartSeries) => COLOURS[keys.indexOf(s.colourKey ?? s.name) % COLOURS.length];
  const dash = (s: ChartSeries) => (s.dashed ? html` stroke-dasharray="6 4"` : '');

  const grid: SafeHtml[] = [
    ...yTicks.map(
      (t) =>
        html`<line x1="${plot.left}" x2="${plot.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${plot.left - 8}" y="${Number(y(t)) + 4}" text-anchor="end">${t}</text>`,
    ),
    ...xTicks.map(
      (t) =>
        html`<line x1="${x(t)}" x2="${x(t)}" y1="${plot.bottom}" y2="${plot.bottom + 5}" stroke="#333"/><text x="${x(t)}" y="${plot.bottom + 20}" text-anchor="middle">${t}</text>`,
    ),
  ];
  const lines = spec.series.map((s) => {
    let d = '';
    let pen = 'M';
    for (const p of s.points) {
      if (!Number.isFinite(p.y)) {
        pen = 'M';
        continue;
      }
      d += `${pen}${x(p.x)} ${y(p.y)} `;
      pen = 'L';
    }
    return html`<path data-series="${s.name}" d="${d.trim()}" fill="none" stroke="${colour(s)}" stroke-width="2"${dash(s)}/>`;
  });
  const legend = spec.series.map((s, i) => {
    const lx = plot.left + (i % columns) * 230;
    const ly = plot.bottom + 58 + Math.floor(i / columns) * 18;
    return html`<line x1="${lx}" x2="${lx + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour(s)}" stroke-width="2"${dash(s)}/><text x="${lx + 38}" y="${ly}">${s.name}</text>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<title id="chart-title">${spec.title}</title>
<rect width="${width}" height="${height}" fill="#fff"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${spec.title}</text>
${grid}
<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="#333"/>
<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="#333"/>
<text x="${(plot.left + plot.right) / 2}" y="${plot.bottom + 38}" text-anchor="middle">${spec.xLabel}</text>
<text transform="translate(16 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle">${spec.yLabel}</text>
${lines}
${legend}
</svg>
`.text;
}
