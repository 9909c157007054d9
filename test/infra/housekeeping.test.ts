import {
  blocks,
  copyConfig,
  loadTerraform,
  rootModule,
  type Body,
  type TerraformConfig,
} from './support/terraform';

/**
 * What the environment accumulates with every deploy is deleted in time: plans, and the
 * functions' images (Artifact Registry keeps every image a build pushes).
 */
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

const resource = (c: TerraformConfig, address: string) =>
  rootModule(c).resources.find((r) => r.address === address)?.body ?? {};
const deletes = (bucket: Body) =>
  blocks(bucket, 'lifecycle_rule').filter((rule) => blocks(rule, 'action')[0]?.type === 'Delete');

function checkHousekeeping(c: TerraformConfig): string[] {
  const problems: string[] = [];
  const plans = deletes(resource(c, 'google_storage_bucket.pipeline')).some((rule) =>
    JSON.stringify(blocks(rule, 'condition')[0]?.matches_prefix).includes('plans/'),
  );
  if (!plans) problems.push('google_storage_bucket.pipeline: saved plans must be deleted in time');

  const images = resource(c, 'google_artifact_registry_repository.images');
  const policies = blocks(images, 'cleanup_policies');
  const deleteOld = policies.some(
    (p) => p.action === 'DELETE' && blocks(p, 'condition')[0]?.older_than,
  );
  const keepNewest = policies.some(
    (p) => p.action === 'KEEP' && Number(blocks(p, 'most_recent_versions')[0]?.keep_count) > 0,
  );
  if (images.cleanup_policy_dry_run !== false || !deleteOld || !keepNewest)
    problems.push(
      "google_artifact_registry_repository.images: the repository every plan build pushes the functions' images to must delete old images and keep each function's newest, for real (not a dry run)",
    );
  return problems;
}

describe('housekeeping', () => {
  it('deletes old plans and old images', () => {
    expect(checkHousekeeping(config)).toEqual([]);
  });

  it.each<[string, (c: TerraformConfig) => void, string]>([
    [
      'plans kept forever',
      (c) => (resource(c, 'google_storage_bucket.pipeline').lifecycle_rule = []),
      'saved plans must be deleted in time',
    ],
    [
      'a cleanup policy that only says what it would do',
      (c) =>
        (resource(c, 'google_artifact_registry_repository.images').cleanup_policy_dry_run = true),
      'must delete old images',
    ],
    [
      'images never deleted',
      (c) => {
        const images = resource(c, 'google_artifact_registry_repository.images');
        images.cleanup_policies = blocks(images, 'cleanup_policies').filter(
          (p) => p.action !== 'DELETE',
        );
      },
      'must delete old images',
    ],
  ])('reports %s', (_title, change, message) => {
    const broken = copyConfig(config);
    change(broken);
    expect(checkHousekeeping(broken)).toEqual([expect.stringContaining(message)]);
  });
});
