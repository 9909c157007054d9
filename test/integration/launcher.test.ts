import { readFileSync } from 'node:fs';
import { request } from '../support/http';
import { FRAMEWORK, launchFunction } from '../support/launcher';
import { threadCpus } from '../support/processes';

/** The one launcher (test/support/launcher.ts) runs a function as Terraform deploys it. */
describe('a function launched as deployed', () => {
  it('runs under the stock functions-framework CLI with the NODE_OPTIONS of its sizing, and serves', async () => {
    const fn = await launchFunction({
      name: 'busy',
      source: 'test/support/fixtures/busy.js',
      sizing: { memory: '512Mi' },
      ready: { path: '/count' },
    });
    try {
      const environ = readFileSync(`/proc/${fn.pid}/environ`, 'utf8').split('\0');
      expect(environ.filter((v) => v.startsWith('NODE_OPTIONS='))).toEqual([
        'NODE_OPTIONS=--max-old-space-size=192',
      ]);
      const argv = readFileSync(`/proc/${fn.pid}/cmdline`, 'utf8').split('\0').slice(1, -1);
      expect(argv).toEqual([
        FRAMEWORK,
        '--target=busy',
        '--source=test/support/fixtures/busy.js',
        `--port=${new URL(fn.url).port}`,
      ]);
      expect((await request(`${fn.url}/count`)).body).toEqual({ count: 0 });
    } finally {
      expect(await fn.stop()).toBe(0);
    }
  });

  it('runs on the CPUs it is given, every thread of it, as node itself (taskset execs it)', async () => {
    const fn = await launchFunction({
      name: 'busy',
      source: 'test/support/fixtures/busy.js',
      cpus: '0',
      ready: { path: '/count' },
    });
    try {
      const allowed = threadCpus(fn.pid);
      expect(allowed).toEqual(allowed.map(() => '0'));
      const argv = readFileSync(`/proc/${fn.pid}/cmdline`, 'utf8').split('\0');
      expect(argv[1]).toBe(FRAMEWORK);
      expect((await request(`${fn.url}/count`)).body).toEqual({ count: 0 });
    } finally {
      expect(await fn.stop()).toBe(0);
    }
  });
});
