import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// `npm run mutation` is not part of CI, so nothing else notices when a module in its `mutate`
// list moves (Stryker then mutates nothing there) or when a line range drifts onto other code
// (the outbox's range pointed at addToOutbox after the file grew).
const ROOT = resolve(__dirname, '../..');
const config = readFileSync(resolve(ROOT, 'stryker.config.mjs'), 'utf8');
const mutate = [.../mutate: \[([\s\S]*?)\]/.exec(config)![1]!.matchAll(/^\s*'([^']+)'/gm)].map(
  (m) => m[1]!,
);

describe('the mutation testing configuration (stryker.config.mjs)', () => {
  it('lists modules that exist', () => {
    expect(mutate.length).toBe(10);
    expect(mutate.filter((entry) => !existsSync(resolve(ROOT, entry.split(':')[0]!)))).toEqual([]);
  });

  it('limits the outbox to retryDelayMs, first line to last, and nothing else', () => {
    const ranged = mutate.filter((entry) => entry.includes(':'));
    expect(ranged).toEqual([expect.stringMatching(/^shared\/events\/outbox\.ts:\d+-\d+$/)]);
    const [path, range] = ranged[0]!.split(':') as [string, string];
    const [first, last] = range.split('-').map(Number) as [number, number];
    const lines = readFileSync(resolve(ROOT, path), 'utf8').split('\n');
    expect(lines[first - 1]).toMatch(/^export function retryDelayMs\(/);
    expect(lines[last - 1]).toBe('}');
    expect(lines.slice(first, last - 1).filter((line) => /^\S/.test(line))).toEqual([]);
  });
});
