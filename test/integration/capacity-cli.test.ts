import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm run capacity` as a user runs it: a child process, its output and its exit code (2 for a
 * bad command line or an unknown environment). The model's numbers are tested in
 * test/unit/capacity-cli.test.ts; this checks the wiring.
 */
const ROOT = join(__dirname, '../..');

async function capacity(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/capacity.ts', ...args],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run capacity', () => {
  it('production at 2,000 rps: every function, the connections, the first limit and the bill', async () => {
    const { code, stdout, stderr } = await capacity('--env', 'production', '--rps', '2000');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('production at 2,000 requests/s to people');
    for (const name of [
      'people',
      'stats',
      'health',
      'project-stats',
      'audit-log',
      'relay-outbox',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${name} `, 'm'));
    }
    expect(stdout).toMatch(/^database db-custom-2-7680: \d+ connections in use of 192 usable/m);
    expect(stdout).toMatch(/^(headroom|broken): /m);
    expect(stdout).toMatch(/^Cloud SQL \(db-custom-2-7680, REGIONAL, 20 GB\): \$/m);
    expect(stdout).toContain('from "GET /people/{uuid}');
  });

  it('with no arguments answers for every environment', async () => {
    const { code, stdout } = await capacity();
    expect(code).toBe(0);
    const answers = stdout.match(/^\w+: highest sustained rate /gm);
    expect(answers).toEqual([
      'development: highest sustained rate ',
      'production: highest sustained rate ',
      'testing: highest sustained rate ',
    ]);
  });

  it('an unknown environment: its name, the known ones, exit 2', async () => {
    const { code, stdout, stderr } = await capacity('--env', 'staging');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'capacity: unknown environment "staging": known are development, production, testing (terraform/envs/<name>.tfvars)\n',
    );
  });

  it('a bad argument: what is wrong, the usage, exit 2', async () => {
    const { code, stdout, stderr } = await capacity('--env', 'production', '--rps', 'many');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^capacity: --rps must be a number >= 0, got "many"\nusage: npm run capacity/,
    );
  });
});
