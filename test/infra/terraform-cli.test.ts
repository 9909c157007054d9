import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TERRAFORM_DIR } from './support/terraform';

/**
 * What the terraform binary can check offline, when it is installed: formatting, and
 * `terraform test` and the README example of modules/naming, which has no provider to download
 * (the other modules need hashicorp/google, which init cannot install offline). TF_CLI_CONFIG_FILE
 * is /dev/null so no local CLI configuration (mirrors, credentials) changes the result.
 */
const env = {
  ...process.env,
  TF_CLI_CONFIG_FILE: '/dev/null',
  TF_IN_AUTOMATION: '1',
  CHECKPOINT_DISABLE: '1',
};
const terraform = (args: string[], cwd: string) =>
  spawnSync('terraform', [...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });

const probe = terraform(['version'], TERRAFORM_DIR);
const unavailable = probe.error || probe.status !== 0 ? 'terraform is not installed' : undefined;
if (unavailable && process.env.REQUIRE_TERRAFORM === '1')
  throw new Error(`REQUIRE_TERRAFORM=1 but ${unavailable}`);

const describeWithTerraform = unavailable ? describe.skip : describe;

describeWithTerraform(`the terraform CLI${unavailable ? ` [SKIPPED: ${unavailable}]` : ''}`, () => {
  it('finds every file formatted (terraform fmt -check -recursive)', () => {
    const result = terraform(['fmt', '-check', '-recursive', '-diff', '-no-color'], TERRAFORM_DIR);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("passes the naming module's own tests (terraform test), offline", () => {
    // A copy, so init leaves nothing in the working tree.
    const dir = mkdtempSync(join(tmpdir(), 'manifest-naming-'));
    try {
      cpSync(join(TERRAFORM_DIR, 'modules/naming'), dir, { recursive: true });
      const init = terraform(['init', '-input=false', '-no-color'], dir);
      expect(init.stderr).toBe('');
      expect(init.status).toBe(0);
      const test = terraform(['test', '-no-color'], dir);
      expect(test.stdout).toMatch(/Success! \d+ passed, 0 failed\./);
      expect(test.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("plans the naming module's README example, offline", () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-naming-example-'));
    try {
      cpSync(join(TERRAFORM_DIR, 'modules/naming'), join(dir, 'modules/naming'), {
        recursive: true,
      });
      const readme = readFileSync(join(TERRAFORM_DIR, 'modules/naming/README.md'), 'utf8');
      writeFileSync(join(dir, 'main.tf'), /```hcl\n([\s\S]*?)```/.exec(readme)![1]!);
      expect(terraform(['init', '-input=false', '-no-color'], dir).status).toBe(0);
      const plan = terraform(['plan', '-input=false', '-no-color'], dir);
      expect(plan.stderr).toBe('');
      expect(plan.stdout).toContain('No changes.');
      expect(plan.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
