import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE22, NODE22_BINARY, node22Supported } from '../../scripts/fetch-node22';
import { deployedNodeOptionsOf } from '../../scripts/build';
import { bundleFunction, FRAMEWORK, launchFunction } from '../support/launcher';
import { ROOT } from '../support/processes';
import { deployedNodeOptions } from '../../shared/deploy/sizing';

/**
 * The compile and code caches a bundle's gcp-build writes (scripts/compile-cache.ts, as the image's build
 * runs it) is the one its function reads at cold start on Node 22, the cloud's runtime, under
 * the NODE_OPTIONS Terraform gives it: Node reports each file whose cached code it accepted
 * (NODE_DEBUG_NATIVE=COMPILE_CACHE), and the function's entry what became of its bundle's code
 * cache (shared/runtime/code-cache.ts; a debug line). The launcher points NODE_COMPILE_CACHE
 * where Terraform does, in the function's folder.
 */
const skip = !node22Supported()
  ? `the published Node 22 build is for Linux x64, not ${process.platform}-${process.arch}`
  : existsSync(NODE22_BINARY)
    ? undefined
    : `no Node ${NODE22.version} at ${NODE22_BINARY} (run npm run fetch:node22)`;
if (skip && process.env.REQUIRE_NODE22 === '1') throw new Error(`REQUIRE_NODE22=1 but ${skip}`);

/** Each file Node read from the compile cache, and what it said of it ("accepted", ...). */
function cacheVerdicts(output: string): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const match of output.matchAll(/\[compile cache\] cache for (\S+) was ([a-z ]+?),/g))
    verdicts.set(match[1]!, match[2]!);
  return verdicts;
}

/** What the function's entry said of its code cache (its debug line), or undefined. */
function codeCacheVerdict(output: string): string | undefined {
  return /"codeCache":"([a-z]+)"/.exec(output)?.[1];
}

const suite = skip ? describe.skip : describe;
suite(`the compile cache on Node ${NODE22.version}${skip ? ` [SKIPPED, ${skip}]` : ''}`, () => {
  // health has Terraform's default memory; people has 512Mi in every environment, so other flags.
  it.each([
    // The warm-up's first request ends at the refused database (503; a delivery's retry, 500),
    // not at a route the function lacks: its code is what a first request runs.
    ['health', {}, 'GET /health 503'],
    ['people', { memory: '512Mi' }, 'GET /people?limit=1 503'],
    ['project-stats', {}, 'POST / 500'],
  ] as const)(
    "%s's, written by its gcp-build, are accepted for every file it loads and for its bundle",
    async (name, sizing, firstAnswer) => {
      expect(await deployedNodeOptionsOf(name)).toEqual([deployedNodeOptions(sizing)]);
      const bundle = await bundleFunction(name);
      try {
        const dir = resolve(ROOT, bundle.source);
        const built = execFileSync(NODE22_BINARY, [join(dir, 'compile-cache.js')], {
          encoding: 'utf8',
        });
        expect(built).toContain(
          `warm-up of ${name} ("${deployedNodeOptions(sizing)}"): ${firstAnswer}, GET /compile-cache/warm-up`,
        );
        const fn = await launchFunction({
          name,
          source: bundle.source,
          node: NODE22_BINARY,
          sizing,
          env: { NODE_DEBUG_NATIVE: 'COMPILE_CACHE', LOG_LEVEL: 'debug' },
        });
        await fn.stop();
        expect(codeCacheVerdict(fn.output())).toBe('accepted');
        const verdicts = cacheVerdicts(fn.output());
        expect(verdicts.get(join(realpathSync(dir), 'index.js'))).toBe('accepted');
        expect(verdicts.get(realpathSync(FRAMEWORK))).toBe('accepted');
        expect([...verdicts].filter(([, verdict]) => verdict !== 'accepted')).toEqual([]);
      } finally {
        bundle.remove();
      }
    },
    60_000,
  );

  it('a bundle whose gcp-build has not run loads without a code cache, and says so', async () => {
    const bundle = await bundleFunction('health');
    try {
      const fn = await launchFunction({
        name: 'health',
        source: bundle.source,
        node: NODE22_BINARY,
        env: { LOG_LEVEL: 'debug' },
      });
      await fn.stop();
      expect(codeCacheVerdict(fn.output())).toBe('none');
    } finally {
      bundle.remove();
    }
  }, 60_000);
});
