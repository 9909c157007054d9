import { retryDelayMs } from '../../shared/events/outbox';

describe('outbox retry backoff', () => {
  it('doubles from 1 s and caps at 5 minutes', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 10, 20].map((n) => retryDelayMs(n, middle))).toEqual([
      1000, 2000, 4000, 8000, 300000, 300000,
    ]);
  });

  it('adds ±20% jitter', () => {
    expect(retryDelayMs(3, () => 0)).toBe(3200);
    expect(retryDelayMs(3, () => 1)).toBe(4800);
  });
});
