import { html, page, type SafeHtml } from '../http/html';
import type { StatsReport } from './report';

const SEX_COLOURS: Record<string, string> = {
  female: '#c2185b',
  male: '#1565c0',
  other: '#6a1b9a',
};
const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`);

/**
 * A grouped bar chart of survival rate by passenger class (groups) and sex (bars), as inline
 * SVG: no script, no external resource, colours as presentation attributes (the CSP allows no
 * inline style attributes).
 */
export function survivalChart(report: StatsReport): SafeHtml {
  const width = 640;
  const height = 320;
  const margin = { top: 20, right: 20, bottom: 50, left: 50 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const classes = report.byClass.map((c) => c.passengerClass);
  const sexes = report.bySex.map((s) => s.sex);
  const groupW = classes.length > 0 ? plotW / classes.length : plotW;
  const barW = sexes.length > 0 ? (groupW * 0.7) / sexes.length : 0;
  const y = (rate: number) => margin.top + plotH * (1 - Math.max(0, Math.min(1, rate)));

  const bars = classes.flatMap((passengerClass, ci) =>
    sexes.map((sex, si) => {
      const group = report.byClassAndSex.find(
        (g) => g.passengerClass === passengerClass && g.sex === sex,
      );
      const rate = group?.survivalRate ?? 0;
      const x = margin.left + ci * groupW + groupW * 0.15 + si * barW;
      return html`<rect x="${x.toFixed(1)}" y="${y(rate).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(margin.top + plotH - y(rate)).toFixed(1)}" fill="${SEX_COLOURS[sex] ?? '#555'}"><title>Class ${passengerClass}, ${sex}: ${percent(group?.survivalRate ?? null)} of ${group?.passengers ?? 0}</title></rect>`;
    }),
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (t) =>
      html`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"></line><text x="${margin.left - 8}" y="${y(t) + 4}" text-anchor="end">${t * 100}%</text>`,
  );
  const labels = classes.map(
    (c, ci) =>
      html`<text x="${(margin.left + ci * groupW + groupW / 2).toFixed(1)}" y="${height - margin.bottom + 18}" text-anchor="middle">Class ${c}</text>`,
  );
  const legend = sexes.map(
    (sex, si) =>
      html`<rect x="${margin.left + si * 90}" y="${height - 18}" width="12" height="12" fill="${SEX_COLOURS[sex] ?? '#555'}"></rect><text x="${margin.left + si * 90 + 16}" y="${height - 8}">${sex}</text>`,
  );
  return html`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<title id="chart-title">Survival rate by passenger class and sex</title>
${ticks}${bars}${labels}${legend}
</svg>`;
}

/** The stats page: the chart and the figures behind it. */
export function statsPage(report: StatsReport): SafeHtml {
  const rows = report.byClassAndSex.map(
    (g) =>
      html`<tr><td class="n">${g.passengerClass}</td><td>${g.sex}</td><td class="n">${g.passengers}</td><td class="n">${g.survivors}</td><td class="n">${percent(g.survivalRate)}</td><td class="n">${g.averageAge ?? '–'}</td><td class="n">${g.averageFare ?? '–'}</td></tr>`,
  );
  return page(
    'Passenger statistics',
    html`<h1>Passenger statistics</h1>
<p>${report.total.passengers} passengers, ${report.total.survivors} survived (${percent(report.total.survivalRate)}).</p>
${survivalChart(report)}
<table>
<thead><tr><th>Class</th><th>Sex</th><th>Passengers</th><th>Survivors</th><th>Survival rate</th><th>Average age</th><th>Average fare</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="7">No passengers yet.</td></tr>`}</tbody>
</table>
<p>Updated ${report.updatedAt ?? 'never'}.</p>`,
  );
}
