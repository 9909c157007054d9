import { BUNDLE_OPTIONS } from '../../scripts/build';
import { NODE22 } from '../../scripts/fetch-node22';
import { blocks, find, loadTerraform, type TerraformConfig } from './support/terraform';

/**
 * One Node.js in the cloud: the runtime Terraform deploys every function on, the target the
 * bundles are built for, and the Node the bundles are tested on besides the machine's own
 * (test/integration/node-versions.test.ts) are the same major version.
 */
let config: TerraformConfig;
beforeAll(async () => {
  config = await loadTerraform();
});

const major = NODE22.version.split('.')[0];

describe('the Node.js runtime', () => {
  it(`is nodejs${major} for every function: the module's default, overridden by no call`, () => {
    const module = config.modules.get('modules/cloud-function')!;
    expect(find(module, 'var.runtime').body.default).toBe(`nodejs${major}`);
    const [fn] = module.resources.filter((r) => r.type === 'google_cloudfunctions2_function');
    expect(blocks(fn!.body, 'build_config')[0]!.runtime).toBe('${var.runtime}');
    const calls = [...config.modules.values()].flatMap((m) =>
      m.moduleCalls.filter((c) => String(c.body.source).endsWith('modules/cloud-function')),
    );
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((c) => 'runtime' in c.body).map((c) => c.address)).toEqual([]);
  });

  it('is the target the bundles are built for and the Node they are tested on', () => {
    expect(BUNDLE_OPTIONS.target).toBe(`node${major}`);
  });
});
