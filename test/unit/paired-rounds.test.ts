import { alternateRounds, describeRatios, pairedMedian } from '../../bench/lib/paired-rounds';

describe('paired benchmark rounds', () => {
  it('runs every server once per round, back to back, rotating which goes first', async () => {
    const calls: string[] = [];
    const run = (name: string) => async () => {
      calls.push(name);
      return `${name}${calls.filter((c) => c === name).length}`;
    };
    const [a, b, c] = await alternateRounds([run('a'), run('b'), run('c')], 3);
    expect(calls).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    expect([a, b, c]).toEqual([
      ['a1', 'a2', 'a3'],
      ['b1', 'b2', 'b3'],
      ['c1', 'c2', 'c3'],
    ]);
  });

  it("takes the round whose ratio is the median, with both of that round's results", () => {
    // Best against best would be 130 / 100 = 1.3; the rounds' own ratios are 0.9, 1.2, 1.0.
    const ours = [{ rps: 90 }, { rps: 130 }, { rps: 95 }];
    const base = [{ rps: 100 }, { rps: 108.3 }, { rps: 95 }];
    const median = pairedMedian(ours, base, (r) => r.rps);
    expect(median.ours).toBe(ours[2]);
    expect(median.base).toBe(base[2]);
    expect(median.ratios.map((r) => r.toFixed(2))).toEqual(['0.90', '1.20', '1.00']);
  });

  it('takes the lower middle round of an even count, and refuses unpaired rounds', () => {
    const median = pairedMedian([3, 1, 4, 2], [1, 1, 1, 1], (x) => x);
    expect(median.ours).toBe(2);
    expect(() => pairedMedian([1, 2], [1], (x) => x)).toThrow(/as many results on each side/);
    expect(() => pairedMedian([], [], (x) => x)).toThrow(/as many results on each side/);
  });

  it('describes the rounds for the notes: their count, range and each ratio in round order', () => {
    expect(describeRatios([0.93, 0.88, 0.97])).toBe(
      'median of 3 paired rounds (ratios 0.88 to 0.97: 0.93, 0.88, 0.97)',
    );
  });
});
