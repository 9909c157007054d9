import { figure, markdownTable } from '../../bench/lib/figures';

describe('benchmark figures', () => {
  it('computes the ratio against the baseline and holds it to a floor', () => {
    const f = figure({
      name: 'import',
      value: 60,
      unit: 'rows/s',
      baseline: { name: 'copy', value: 100 },
      target: { on: 'ratio', op: '>=', limit: 0.6 },
    });
    expect(f).toMatchObject({ ratio: 0.6, met: true });
    expect(figure({ ...f, value: 59 })).toMatchObject({ ratio: 0.59, met: false });
  });

  it('holds a lower-is-better ratio (latency, cold start) to a ceiling', () => {
    const base = { name: 'cold', unit: 'ms', baseline: { name: 'hello', value: 400 } };
    const target = { on: 'ratio', op: '<=', limit: 1.3 } as const;
    expect(figure({ ...base, value: 520, target })).toMatchObject({ ratio: 1.3, met: true });
    expect(figure({ ...base, value: 720, target })).toMatchObject({ ratio: 1.8, met: false });
  });

  it('holds a prediction to a tolerance either side of its measurement (within)', () => {
    const base = { name: 'p99 predicted', unit: 'ms', baseline: { name: 'measured', value: 400 } };
    const target = { on: 'ratio', op: 'within', limit: 0.25 } as const;
    expect(figure({ ...base, value: 500, target })).toMatchObject({ ratio: 1.25, met: true });
    expect(figure({ ...base, value: 300, target })).toMatchObject({ ratio: 0.75, met: true });
    expect(figure({ ...base, value: 296, target })).toMatchObject({ ratio: 0.74, met: false });
    expect(figure({ ...base, value: 504, target })).toMatchObject({ ratio: 1.26, met: false });
    expect(markdownTable([figure({ ...base, value: 500, target })])).toContain(
      '| ratio 1 ± 0.25 | yes |',
    );
  });

  it('holds a plain value to a limit, and reports a figure with no target as such', () => {
    expect(
      figure({
        name: 'rss',
        value: 130,
        unit: 'MiB',
        target: { on: 'value', op: '<', limit: 192 },
      }),
    ).toMatchObject({ met: true });
    const report = figure({ name: 'latency', value: 24, unit: 'ms' });
    expect(report).not.toHaveProperty('met');
    expect(markdownTable([report])).toContain('| latency | 24 ms | – | – | report | – |  |');
  });

  it('holds the target to the exact ratio, not to its rounding (0.595 does not meet >= 0.6)', () => {
    const target = { on: 'ratio', op: '>=', limit: 0.6 } as const;
    const base = {
      name: 'import',
      unit: 'rows/s',
      baseline: { name: 'copy', value: 1000 },
      target,
    };
    expect(figure({ ...base, value: 595 })).toMatchObject({ ratio: 0.595, met: false });
    expect(figure({ ...base, value: 599.9 })).toMatchObject({ ratio: 0.6, met: false });
    expect(figure({ ...base, value: 600 })).toMatchObject({ ratio: 0.6, met: true });
    const ceiling = { on: 'ratio', op: '<=', limit: 1.3 } as const;
    expect(figure({ ...base, value: 1300.4, target: ceiling })).toMatchObject({ met: false });
  });

  it('evaluates a value of 0 (a p50 of 0 ms) and fails a target it cannot evaluate', () => {
    const ceiling = { on: 'ratio', op: '<=', limit: 1.3 } as const;
    const latency = { name: 'p50', unit: 'ms', target: ceiling };
    expect(figure({ ...latency, value: 0, baseline: { name: 'bare', value: 4 } })).toMatchObject({
      ratio: 0,
      met: true,
    });
    const noBase = figure({ ...latency, value: 3, baseline: { name: 'bare', value: 0 } });
    expect(noBase).toMatchObject({ met: false });
    expect(noBase).not.toHaveProperty('ratio');
    expect(markdownTable([noBase])).toContain('| ratio <= 1.3 | **no** |');
  });
});
