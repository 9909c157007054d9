import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './support/terraform';

/**
 * The parts of the pipeline's scripts that need no Google Cloud, run for real: the order check
 * of scripts/pipeline/deploy.sh against a git repository with a real history, and the checksum
 * of scripts/pipeline/cloud-sql-proxy.sh against a download that is not the pinned binary.
 */
const DEPLOY = join(REPO, 'scripts/pipeline/deploy.sh');
const PROXY = join(REPO, 'scripts/pipeline/cloud-sql-proxy.sh');

const run = (command: string, args: string[], options: { cwd?: string; env?: object } = {}) =>
  spawnSync(command, args, {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...options.env },
  });

describe('scripts/pipeline/deploy.sh order', () => {
  let dir: string;
  let remote: string;
  const commits: Record<string, string> = {};
  const git = (...args: string[]) => {
    const result = run('git', ['-C', remote, ...args], {
      env: {
        GIT_AUTHOR_NAME: 'test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
    if (result.status !== 0) throw new Error(result.stderr);
    return result.stdout.trim();
  };
  const commit = (name: string) => {
    writeFileSync(join(remote, 'file'), name);
    git('add', 'file');
    git('commit', '-q', '-m', name);
    commits[name] = git('rev-parse', 'HEAD');
  };
  const order = (deployed: string, candidate: string) =>
    run(DEPLOY, ['order', deployed, candidate, `file://${remote}`]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'manifest-order-'));
    remote = join(dir, 'origin');
    run('git', ['init', '-q', '-b', 'master', remote]);
    git('config', 'uploadpack.allowFilter', 'true');
    // master: A - B - C; feature: A - D
    commit('A');
    commit('B');
    commit('C');
    git('checkout', '-q', '-b', 'feature', commits.A!);
    commit('D');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lets a commit that descends from the deployed one go', () => {
    const result = order(commits.B!, commits.C!);
    expect(result.stdout).toBe(`deploy: ${commits.C} descends from the deployed ${commits.B}\n`);
    expect(result.status).toBe(0);
  });

  it('refuses a commit older than the deployed one, saying how to roll back', () => {
    const result = order(commits.C!, commits.B!);
    expect(result.stderr).toContain(
      `deploy: ${commits.B} does not descend from the deployed ${commits.C}: it is older, or on another line of history.`,
    );
    expect(result.stderr).toContain('to roll back, revert on the branch');
    expect(result.status).toBe(1);
  });

  it('refuses a commit on another line of history', () => {
    const result = order(commits.C!, commits.D!);
    expect(result.stderr).toContain(`${commits.D} does not descend from the deployed ${commits.C}`);
    expect(result.status).toBe(1);
  });

  it('refuses when the deployed commit is gone from the repository', () => {
    const result = order('0123456789abcdef0123456789abcdef01234567', commits.C!);
    expect(result.stderr).toContain(
      'the deployed commit 0123456789abcdef0123456789abcdef01234567 is no longer in the repository',
    );
    expect(result.status).toBe(1);
  });

  it('lets the first deploy, and a redeploy of the deployed commit, go', () => {
    const first = order('', commits.A!);
    expect(first.stdout).toBe(`deploy: nothing deployed yet; ${commits.A} may be\n`);
    expect(first.status).toBe(0);
    const again = order(commits.C!, commits.C!);
    expect(again.stdout).toBe(`deploy: ${commits.C} is what is deployed; deploying it again\n`);
    expect(again.status).toBe(0);
  });
});

describe('scripts/pipeline/cloud-sql-proxy.sh', () => {
  it('refuses a download that does not match the pinned SHA-256, and runs nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-proxy-'));
    try {
      // A curl that "downloads" something else than the pinned binary (no network needed).
      writeFileSync(
        join(dir, 'curl'),
        '#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\necho "not the proxy" > "$2"\n',
      );
      chmodSync(join(dir, 'curl'), 0o755);
      const marker = join(dir, 'ran');
      const result = run(PROXY, ['touch', marker], {
        env: { PATH: `${dir}:${process.env.PATH}`, SQL_INSTANCE: 'p:europe-west1:manifest' },
      });
      expect(result.stderr).toContain(
        'cloud-sql-proxy v2.15.1 does not match its published SHA-256: not running it',
      );
      expect(result.status).toBe(1);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
