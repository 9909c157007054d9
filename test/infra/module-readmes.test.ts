import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkModuleInterfaces } from './support/module-interfaces';
import {
  addFile,
  emptyModule,
  loadTerraform,
  parseHcl,
  TERRAFORM_DIR,
  type TerraformConfig,
} from './support/terraform';

/**
 * Each module's README starts with a usage example, and the example is checked like the root
 * module's own calls (as cloud-foundation-fabric tests its READMEs): it calls its module with
 * only variables the module declares, gives every required one, and names no variable, local
 * or module it does not define itself.
 */
const MODULES = join(TERRAFORM_DIR, 'modules');
const names = readdirSync(MODULES).sort();
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

/** The ```hcl blocks of a README. */
function examples(readme: string): string[] {
  return [...readme.matchAll(/```hcl\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The problems of a README's examples, checked as the root module of a copy of the config. */
async function exampleProblems(name: string, text: string): Promise<string[]> {
  const root = emptyModule('');
  const file = `terraform/modules/${name}/README.md`;
  addFile(root, file, await parseHcl(file, text));
  const calls = root.moduleCalls.map((c) => String(c.body.source));
  if (calls.length === 0 || calls.some((source) => source !== `./modules/${name}`))
    return [
      `${file}: the example must call ./modules/${name}, and only it (calls ${calls.join(', ')})`,
    ];
  const modules = new Map(config.modules);
  modules.set('', root);
  return checkModuleInterfaces({ modules, tfvars: new Map() });
}

describe('each module under terraform/modules', () => {
  it.each(names)('%s: has a README whose usage example calls it correctly', async (name) => {
    const path = join(MODULES, name, 'README.md');
    expect([name, existsSync(path)]).toEqual([name, true]);
    const found = examples(readFileSync(path, 'utf8'));
    expect(found).toHaveLength(1);
    expect(await exampleProblems(name, found[0]!)).toEqual([]);
  });

  it('reports an example that passes an argument the module lacks, or misses a required one', async () => {
    const example = examples(
      readFileSync(join(MODULES, 'relay-scheduler', 'README.md'), 'utf8'),
    )[0]!;
    const broken = example.replace('schedule ', 'cron     ').replace(/\n\s*topic\s*=.*\n/, '\n');

    expect(await exampleProblems('relay-scheduler', broken)).toEqual([
      'terraform/modules/relay-scheduler/README.md: module.relay_tick: terraform/modules/relay-scheduler has no variable cron',
      'terraform/modules/relay-scheduler/README.md: module.relay_tick: missing required variable topic of terraform/modules/relay-scheduler',
    ]);
  });
});
