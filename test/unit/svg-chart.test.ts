import { spikeErrorChart, spikeLatencyChart } from '../../bench/lib/spike-chart';
import type { SliceSummary } from '../../bench/lib/spike-report';
import { lineChart, niceTicks } from '../../bench/lib/svg-chart';

/**
 * XML well-formedness for what the charts write (elements, double-quoted attributes, text,
 * character references): every tag closed in order, one root, no bare `<` or `&`, no attribute
 * twice. Returns the problems found.
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of xml.replace(/^<\?xml[^>]*\?>/, '').matchAll(token)) {
    const [, closing, name, attributes = '', selfClosing, text, stray] = m;
    if (stray) problems.push(`a bare < at ${m.index}`);
    else if (text !== undefined) {
      if (entity.test(text)) problems.push(`a bare & in text at ${m.index}`);
      if (stack.length === 0 && text.trim()) problems.push(`text outside the root at ${m.index}`);
    } else if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open}>`);
    } else {
      const names = [...attributes.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => {
        if (entity.test(a[2]!)) problems.push(`a bare & in ${name}'s ${a[1]}`);
        return a[1];
      });
      if (new Set(names).size !== names.length) problems.push(`<${name}> repeats an attribute`);
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

const slices = (p50: number[], p99: number[], errors: number[] = []): SliceSummary[] =>
  p50.map((v, i) => ({
    startMs: i * 1000,
    arrivals: 10,
    completed: 10 - (errors[i] ?? 0),
    errors: errors[i] ?? 0,
    p50Ms: v,
    p99Ms: p99[i]!,
    waitedForStart: 0,
    instances: 1,
  }));

describe('the SVG line chart', () => {
  it('the checker itself catches what is not well formed', () => {
    expect(xmlProblems('<svg><g></svg>')).toEqual(['</svg> closes <g>', 'unclosed: svg']);
    expect(xmlProblems('<svg>a & b</svg>')).toEqual(['a bare & in text at 5']);
    expect(xmlProblems('<svg a="1" a="2"/>')).toEqual(['<svg> repeats an attribute']);
    expect(xmlProblems('<a/><b/>')).toEqual(['2 root elements']);
    expect(xmlProblems('<svg>1 < 2</svg>')).toEqual(['a bare < at 7']);
  });

  it('spike latency: well-formed, a p99 and a p50 line per min_instances choice, a legend', () => {
    const svg = spikeLatencyChart('people: 0 to 50 rps', [
      { minInstances: 0, slices: slices([540, 100, 100], [740, 170, 100]) },
      { minInstances: 1, slices: slices([100, 100, 100], [400, 120, 100]) },
      { minInstances: 3, slices: slices([100, 100, 100], [100, 100, 100]) },
    ]);
    expect(xmlProblems(svg)).toEqual([]);
    const series = [...svg.matchAll(/<path data-series="([^"]+)"/g)].map((m) => m[1]);
    expect(series).toEqual([
      'min_instances = 0: p99',
      'min_instances = 0: p50',
      'min_instances = 1: p99',
      'min_instances = 1: p50',
      'min_instances = 3: p99',
      'min_instances = 3: p50',
    ]);
    expect(svg).toContain('<title id="chart-title">people: 0 to 50 rps</title>');
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(6); // three p50 lines, three legend keys
  });

  it('places points on the axes: x from 0 to the last tick, y from the bottom up', () => {
    // Plot area 70..700 wide and 40..(400 − 62 − 18) high; ticks 0..2 s and 0..800 ms.
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 'one',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 400 },
            { x: 2, y: 800 },
          ],
        },
      ],
    });
    expect(svg).toContain('d="M70.0 320.0 L385.0 180.0 L700.0 40.0"');
  });

  it('breaks a line where a slice has no answer, and escapes names', () => {
    const svg = lineChart({
      title: 'a <b> & "c"',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: '<p99>',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: NaN },
            { x: 2, y: 1 },
          ],
        },
      ],
    });
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg).toMatch(/d="M[\d.]+ [\d.]+ M[\d.]+ [\d.]+"/);
  });

  it('draws 429s per second, one line per choice', () => {
    const svg = spikeErrorChart('refused', [
      { minInstances: 0, slices: slices([1, 1], [1, 1], [4, 0]) },
      { minInstances: 2, slices: slices([1, 1], [1, 1], [0, 0]) },
    ]);
    expect(xmlProblems(svg)).toEqual([]);
    expect([...svg.matchAll(/data-series="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'min_instances = 0',
      'min_instances = 2',
    ]);
  });

  it('ticks are round numbers 1, 2 or 5 × 10ⁿ apart, reaching the maximum', () => {
    expect(niceTicks(740)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(30)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
