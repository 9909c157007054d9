import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, find, loadTerraform, rootModule, type TerraformConfig } from './support/terraform';

/**
 * A fresh project has almost no API enabled, and Terraform cannot enable the first ones itself:
 * google_project_service calls Service Usage, reading the project calls Resource Manager, and
 * planning the service accounts calls IAM. The README's bootstrap enables them by hand; the
 * configuration then declares them like every other API it uses, so they stay enabled.
 */
const NEEDED_BEFORE_TERRAFORM = [
  'cloudresourcemanager.googleapis.com',
  'serviceusage.googleapis.com',
  'iam.googleapis.com',
];

/** The APIs of the README's `gcloud services enable` commands in the Deploy section. */
function bootstrapApis(readme: string): string[] {
  const deploy = readme.slice(
    readme.indexOf('## Deploy\n'),
    readme.indexOf('\n## ', readme.indexOf('## Deploy\n') + 1),
  );
  const commands = deploy.replace(/\\\n\s*/g, ' ').match(/gcloud services enable [^\n]*/g) ?? [];
  return commands.flatMap((c) => c.split(/\s+/).filter((w) => w.endsWith('.googleapis.com')));
}

function checkBootstrap(readme: string, config: TerraformConfig): string[] {
  const problems: string[] = [];
  const enabled = bootstrapApis(readme);
  for (const api of NEEDED_BEFORE_TERRAFORM)
    if (!enabled.includes(api))
      problems.push(`README.md, Deploy: the bootstrap must enable ${api} before the first plan`);
  const declared = String(find(rootModule(config), 'google_project_service.enabled').body.for_each);
  for (const api of enabled)
    if (!declared.includes(`"${api}"`))
      problems.push(
        `terraform/main.tf: google_project_service.enabled must declare ${api}, which the bootstrap enables`,
      );
  return problems;
}

describe('the bootstrap', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  let config: TerraformConfig;
  beforeAll(async () => {
    config = await loadTerraform();
  });

  it('enables by hand the APIs Terraform needs before it can enable the rest, which it then declares', () => {
    expect(bootstrapApis(readme)).toEqual(expect.arrayContaining(NEEDED_BEFORE_TERRAFORM));
    expect(checkBootstrap(readme, config)).toEqual([]);
  });

  it('is reported when it leaves one of them out', () => {
    expect(checkBootstrap(readme.replace(' \\\n     iam.googleapis.com', ''), config)).toEqual([
      'README.md, Deploy: the bootstrap must enable iam.googleapis.com before the first plan',
    ]);
  });
});
