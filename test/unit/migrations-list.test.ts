import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { migrations } from '../../migrations';

describe('migrations/index.ts', () => {
  it('lists every migration file of the folder, oldest first', () => {
    const files = readdirSync(resolve(__dirname, '../../migrations'))
      .filter((f) => /^\d{14}_\w+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(migrations.map((m) => m.name)).toEqual(files);
  });
});
