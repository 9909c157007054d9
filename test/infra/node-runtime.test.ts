import { BUNDLE_OPTIONS } from '../../scripts/build';
import { NODE22 } from '../../scripts/fetch-node22';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './support/terraform';

/**
 * One Node.js in the cloud: the runtime the pipeline builds every function's image on
 * (scripts/pipeline/images.sh, Google Cloud's buildpacks), the target the
 * bundles are built for, and the Node the bundles are tested on besides the machine's own
 * (test/integration/node-versions.test.ts) are the same major version.
 */
const images = readFileSync(join(REPO, 'scripts/pipeline/images.sh'), 'utf8');

const major = NODE22.version.split('.')[0];

describe('the Node.js runtime', () => {
  it(`is Node.js ${major} in every function's image, whatever the builder's default`, () => {
    expect(images).toMatch(new RegExp(`^NODE_VERSION=${major}\\.x$`, 'm'));
    const build = images.slice(images.indexOf('pack build'));
    expect(build).toMatch(/--env GOOGLE_RUNTIME=nodejs \\\n/);
    expect(build).toMatch(/--env "GOOGLE_RUNTIME_VERSION=\$NODE_VERSION" \\\n/);
  });

  it('is the target the bundles are built for and the Node they are tested on', () => {
    expect(BUNDLE_OPTIONS.target).toBe(`node${major}`);
  });
});
