import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployments } from '../../shared/deploy/functions';
import { Unknown } from './support/evaluate';
import { renderedResources } from './support/rendered';
import {
  blocks,
  find,
  loadTerraform,
  REPO,
  rootModule,
  type Body,
  type TerraformConfig,
} from './support/terraform';

/**
 * Every function runs the image the plan build made from its bundle, named by digest: the
 * pipeline builds one per function of the registry (scripts/pipeline/images.sh, run for real
 * here with pack and gcloud replaced by scripts that log their arguments), writes their digests
 * as var.images, and Terraform deploys nothing else.
 */
const IMAGES_SH = join(REPO, 'scripts/pipeline/images.sh');
const REPOSITORY = 'europe-west1-docker.pkg.dev/manifest-testing/manifest-functions';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const NAMES = deployments.map((d) => d.name).sort();
const digestOf = (name: string) =>
  `sha256:${Buffer.from(name.padEnd(32, '.')).toString('hex').slice(0, 64)}`;

let dir: string;
let dist: string;
let log: string;

/** Runs images.sh with the bundles of `names` and the logging pack and gcloud first on PATH. */
function images(command: string, names = NAMES, env: Record<string, string> = {}) {
  rmSync(dist, { recursive: true, force: true });
  for (const name of names) {
    mkdirSync(join(dist, name), { recursive: true });
    writeFileSync(join(dist, name, 'index.js'), '');
    writeFileSync(join(dist, name, 'package.json'), '{}');
  }
  writeFileSync(log, '');
  return spawnSync(IMAGES_SH, [command], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      IMAGES: REPOSITORY,
      COMMIT_SHA: COMMIT,
      DIST: dist,
      OUT: join(dir, 'images.tfvars.json'),
      LOG: log,
      ...env,
    },
  });
}

/** Each logged invocation: its arguments. */
const invocations = () =>
  readFileSync(log, 'utf8')
    .split('\n--\n')
    .filter(Boolean)
    .map((call) => call.split('\n'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'manifest-images-'));
  dist = join(dir, 'dist/functions');
  log = join(dir, 'calls.log');
  mkdirSync(join(dir, 'bin'));
  const logger = `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >>"$LOG"\nprintf -- '--\\n' >>"$LOG"\n`;
  writeFileSync(join(dir, 'bin/pack'), logger);
  // gcloud artifacts docker images describe REPO/NAME:TAG: the digest that tag points to.
  writeFileSync(
    join(dir, 'bin/gcloud'),
    `${logger}image="\${5%:*}"; name="\${image##*/}"\n` +
      `[ "$name" = "$NO_DIGEST" ] && exit 0\n` +
      `printf '%s@sha256:%s\\n' "$image" "$(printf '%-32s' "$name" | tr ' ' . | od -An -tx1 | tr -d ' \\n' | cut -c1-64)"\n`,
  );
  chmodSync(join(dir, 'bin/pack'), 0o755);
  chmodSync(join(dir, 'bin/gcloud'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/pipeline/images.sh build', () => {
  it('builds and pushes one image per function of the registry, as Cloud Run functions does', () => {
    const result = images('build');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const calls = invocations();
    expect(calls).toHaveLength(NAMES.length);
    expect(calls.map((args) => args[1])).toEqual(NAMES.map((n) => `${REPOSITORY}/${n}:${COMMIT}`));
    for (const [i, args] of calls.entries()) {
      const name = NAMES[i]!;
      expect(args).toEqual([
        'build',
        `${REPOSITORY}/${name}:${COMMIT}`,
        '--builder',
        'gcr.io/buildpacks/builder:google-22',
        '--path',
        join(dist, name),
        '--env',
        'GOOGLE_RUNTIME=nodejs',
        '--env',
        'GOOGLE_RUNTIME_VERSION=22.x',
        '--env',
        `GOOGLE_FUNCTION_TARGET=${name}`,
        '--env',
        'GOOGLE_FUNCTION_SIGNATURE_TYPE=http',
        '--network',
        'cloudbuild',
        '--publish',
      ]);
    }
  });

  it('fails when there is no bundle to build', () => {
    const result = images('build', []);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no bundle in');
    expect(invocations()).toEqual([]);
  });
});

describe('scripts/pipeline/images.sh digests', () => {
  it('writes var.images: each function of the registry, by the digest its commit tag names', () => {
    const result = images('digests');
    expect(result.status).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'images.tfvars.json'), 'utf8')) as {
      images: Record<string, string>;
    };
    expect(Object.keys(written)).toEqual(['images']);
    expect(Object.keys(written.images).sort()).toEqual(NAMES);
    for (const name of NAMES)
      expect(written.images[name]).toBe(`${REPOSITORY}/${name}@${digestOf(name)}`);
    expect(invocations().map((args) => args.slice(0, 5).join(' '))).toEqual(
      NAMES.map((n) => `artifacts docker images describe ${REPOSITORY}/${n}:${COMMIT}`),
    );
  });

  it('fails, naming the image, when a tag has no digest (never pushed)', () => {
    const result = images('digests', NAMES, { NO_DIGEST: 'stats' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${REPOSITORY}/stats:${COMMIT} has no digest`);
  });
});

describe('every Cloud Run service', () => {
  let config: TerraformConfig;
  beforeAll(async () => {
    config = await loadTerraform();
  });

  /** The pattern of a variable's validation that tests it with regex(). */
  const pattern = (module: string, variable: string) => {
    const validations = find(config.modules.get(module)!, `var.${variable}`).body
      .validation as Body[];
    const regexes = validations
      .map((v) => /regex\(("(?:[^"\\]|\\.)*")/.exec(String(v.condition))?.[1])
      .filter(Boolean);
    expect(regexes).toHaveLength(1);
    return new RegExp(JSON.parse(regexes[0]!) as string);
  };

  it("runs its function's image from var.images, named by digest", () => {
    const services = renderedResources(config, ['google_cloud_run_v2_service']);
    expect(services.map((s) => s.address).sort()).toEqual(
      NAMES.map((n) => `module.functions["${n}"].google_cloud_run_v2_service.this`),
    );
    for (const service of services) {
      const containers = blocks(blocks(service.body, 'template')[0]!, 'containers');
      expect(containers).toHaveLength(1);
      const image = containers[0]!.image;
      const name = /module\.functions\["([^"]+)"\]/.exec(service.address)![1];
      expect(image).toBeInstanceOf(Unknown);
      expect((image as Unknown).expression).toBe('lookup(var.images, each.key, "")');
      expect(service.body.name).toBe(name);
    }
    expect(find(rootModule(config), 'module.functions').body.image).toBe(
      '${lookup(var.images, each.key, "")}',
    );
  });

  it('refuses an image named by a tag, in the module and at the root', () => {
    const digest = `${REPOSITORY}/people@${digestOf('people')}`;
    for (const [module, variable] of [
      ['modules/cloud-function', 'image'],
      ['', 'images'],
    ] as const) {
      const valid = pattern(module, variable);
      expect(valid.test(digest)).toBe(true);
      expect(valid.test(`${REPOSITORY}/people:${COMMIT}`)).toBe(false);
      expect(valid.test(`${REPOSITORY}/people:latest`)).toBe(false);
      expect(valid.test(`${REPOSITORY}/people@sha256:abc`)).toBe(false);
    }
  });

  it('has an image for every function of the registry, or the plan fails naming the one without', () => {
    // The root passes "" for a function images.sh built no image for: the module's one
    // validation is the pattern alone, which "" does not match.
    expect(pattern('modules/cloud-function', 'image').test('')).toBe(false);
    const validations = find(config.modules.get('modules/cloud-function')!, 'var.image').body
      .validation as Body[];
    expect(validations).toHaveLength(1);
    const validation = validations[0]!;
    expect(String(validation.condition)).toMatch(/^\$\{can\(regex\("[^"]*", var\.image\)\)\}$/);
    expect(String(validation.error_message)).toMatch(/^Function \$\{var\.name\} needs its image/);
  });
});
