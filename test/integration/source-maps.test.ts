// Bundles are minified; their stack traces must still name the TypeScript (shared/runtime/
// source-maps.ts maps them when formatted, without Node's --enable-source-maps).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/build';
import { request } from '../support/http';
import { launchFunction } from '../support/launcher';
import { ROOT } from '../support/processes';

const FIXTURE = 'test/support/fixtures/failing-function.ts';

describe('stack traces of a bundled function', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(ROOT, 'dist/test-source-maps-'));
    await build({
      ...BUNDLE_OPTIONS,
      entryPoints: [join(ROOT, FIXTURE)],
      outfile: join(dir, 'index.js'),
      sourcemap: 'linked',
    });
  }, 60000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('name the TypeScript line that threw, with no --enable-source-maps', async () => {
    const fn = await launchFunction({
      name: 'failing',
      source: relative(ROOT, dir),
      env: { LOG_LEVEL: 'info' },
    });
    try {
      const environ = readFileSync(`/proc/${fn.pid}/environ`, 'utf8');
      expect(environ).not.toContain('--enable-source-maps');
      expect((await request(`${fn.url}/fail?now`)).status).toBe(500);
      await fn.waitFor(/unexpected error while handling a request/);
      const line = fn
        .output()
        .split('\n')
        .find((l) => l.includes('unexpected error while handling a request'))!;
      const stack = (JSON.parse(line) as { error: { stack: string } }).error.stack;
      const thrown = readFileSync(join(ROOT, FIXTURE), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('THROWS HERE'));
      expect(stack.split('\n')[0]).toBe('TypeError: the fixture fails on purpose');
      expect(stack.split('\n')[1]).toContain(`${join(ROOT, FIXTURE)}:${thrown + 1}:`);
    } finally {
      await fn.stop();
    }
  }, 60000);
});
