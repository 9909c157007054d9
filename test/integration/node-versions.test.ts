import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { NODE22, NODE22_BINARY, node22Supported } from '../../scripts/fetch-node22';
import { deployments } from '../../shared/deploy/functions';
import { bundleFunction, launchFunction } from '../support/launcher';

/**
 * Every function's bundle runs on each Node.js we support: the machine's own (the README's
 * Node 20 or 22) and Node 22, the cloud's runtime (`npm run fetch:node22` puts it under
 * node_modules/.cache; CI does, with REQUIRE_NODE22=1 so this cannot skip there). Each bundle is
 * started by the stock functions-framework CLI as deployed, and answers a request through its
 * own code: an HTTP function's answer to a path it does not serve is its 404 problem, an event function's GET its 405.
 */
const node22Skip = !node22Supported()
  ? `the published Node 22 build is for Linux x64, not ${process.platform}-${process.arch}`
  : existsSync(NODE22_BINARY)
    ? undefined
    : `no Node ${NODE22.version} at ${NODE22_BINARY} (run npm run fetch:node22)`;
if (node22Skip && process.env.REQUIRE_NODE22 === '1')
  throw new Error(`REQUIRE_NODE22=1 but ${node22Skip}`);

const versionOf = (binary: string) =>
  execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();

const nodes = [
  { title: `the current Node (${process.version})`, binary: process.execPath, skip: undefined },
  { title: `Node ${NODE22.version}, the cloud's runtime`, binary: NODE22_BINARY, skip: node22Skip },
];

const bundles = new Map<string, { source: string; remove(): void }>();
beforeAll(async () => {
  for (const d of deployments) bundles.set(d.name, await bundleFunction(d.name));
}, 120_000);
afterAll(() => {
  for (const b of bundles.values()) b.remove();
});

for (const node of nodes) {
  const suite = node.skip ? describe.skip : describe;
  suite(`each bundle on ${node.title}${node.skip ? ` [SKIPPED, ${node.skip}]` : ''}`, () => {
    it('is the Node it says', () => {
      const expected = node.binary === process.execPath ? process.version : `v${NODE22.version}`;
      expect(versionOf(node.binary)).toBe(expected);
    });

    it.each(deployments.map((d) => [d.name, d.kind] as const))(
      '%s (%s) loads, serves, and answers through its own code',
      async (name, kind) => {
        const fn = await launchFunction({
          name,
          source: bundles.get(name)!.source,
          node: node.binary,
        });
        try {
          expect(realpathSync(`/proc/${fn.pid}/exe`)).toBe(realpathSync(node.binary));
          const res = await fetch(`${fn.url}/${kind === 'http' ? 'no/such/path' : ''}`);
          expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
            status: kind === 'http' ? 404 : 405,
            type: expect.stringMatching(/^application\/problem\+json/),
          });
          await res.arrayBuffer();
          expect(fn.logs().errors).toEqual([]);
        } finally {
          await fn.stop();
        }
      },
    );
  });
}
