import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { codeCacheFile } from '../../shared/runtime/code-cache';

/**
 * A function's bundle loads through V8's code cache written after it has run
 * (shared/runtime/code-cache.ts). Each load runs in a process of its own, as each instance does:
 * V8 keeps compiled scripts in memory, which would hide what the file on disk gives.
 */
const ROOT = resolve(__dirname, '../..');
let dir: string;
let driver: string;

// A module as a bundle is one: a top level, and function bodies V8 compiles when first called.
const MODULE = `'use strict';
const { basename } = require('node:path');
exports.value = () => 'first';
exports.where = () => new Error('here').stack.split('\\n')[1].trim();
exports.file = () => [basename(__filename), basename(__dirname), this === module.exports].join(' ');
exports.work = () => {
  let total = 0;
  for (const word of ['alpha', 'beta', 'gamma']) total += word.length * ${'2'};
  const table = new Map([[1, 'one'], [2, 'two']]);
  return [total, table.get(2), JSON.stringify({ nested: { list: [1, 2, 3] } })].join(',');
};
`;

interface Load {
  verdict: string;
  value: string;
  where: string;
  file: string;
  bytes?: number;
  bytesBeforeWork?: number;
}

/** Loads `file` in a new Node process under `nodeOptions`; with `write`, writes its cache after. */
function load(file: string, folder: string | undefined, nodeOptions: string, write = false): Load {
  const out = execFileSync(process.execPath, [driver, file, folder ?? '', write ? '1' : ''], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Load;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'manifest-code-cache-'));
  await build({
    entryPoints: [join(ROOT, 'shared/runtime/code-cache.ts')],
    outfile: join(dir, 'code-cache.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
  driver = join(dir, 'driver.js');
  writeFileSync(
    driver,
    `const { loadBundle } = require('./code-cache.js');
     const [file, folder, write] = process.argv.slice(2);
     const loaded = loadBundle(file, folder || undefined);
     const m = loaded.exports;
     const out = { verdict: loaded.verdict, value: m.value(), where: m.where(), file: m.file() };
     if (write) { out.bytesBeforeWork = loaded.writeCache(); m.work(); out.bytes = loaded.writeCache(); }
     process.stdout.write(JSON.stringify(out));`,
  );
  writeFileSync(join(dir, 'bundle.js'), MODULE);
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cacheFiles = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.bin'));

describe('loading a bundle through its code cache', () => {
  it('runs the file as Node would: its exports, __filename, __dirname, this, and its own lines in stacks', () => {
    const loaded = load(join(dir, 'bundle.js'), undefined, '');
    expect(loaded.verdict).toBe('off');
    expect(loaded.value).toBe('first');
    expect(loaded.file).toBe(`bundle.js ${dir.split('/').pop()} true`);
    // exports.where is on line 4 of the file, its `new Error` at column 23.
    expect(loaded.where).toBe(`at exports.where (${join(dir, 'bundle.js')}:4:23)`);
  });

  it('has none at first, writes one after running, and the next process accepts it', () => {
    const folder = join(dir, 'cache-accepted');
    const first = load(join(dir, 'bundle.js'), folder, '--max-old-space-size=96', true);
    expect(first.verdict).toBe('none');
    const files = cacheFiles(folder);
    expect(files).toHaveLength(1);
    expect(statSync(join(folder, files[0]!)).size).toBe(first.bytes);
    // Written after a function ran, the cache holds that function's code too.
    expect(first.bytes).toBeGreaterThan(first.bytesBeforeWork!);

    const second = load(join(dir, 'bundle.js'), folder, '--max-old-space-size=96');
    expect(second).toEqual({
      verdict: 'accepted',
      value: 'first',
      where: first.where,
      file: first.file,
    });
  });

  it('finds none under other NODE_OPTIONS, and V8 refuses one made under other flags', () => {
    const folder = join(dir, 'cache-flags');
    load(join(dir, 'bundle.js'), folder, '--max-old-space-size=96', true);
    expect(load(join(dir, 'bundle.js'), folder, '--max-old-space-size=200').verdict).toBe('none');

    // The same cache under the other flags' name: V8's own check refuses it, and the file loads.
    const [made] = cacheFiles(folder);
    load(join(dir, 'bundle.js'), folder, '--max-old-space-size=200', true);
    const other = cacheFiles(folder).find((f) => f !== made)!;
    copyFileSync(join(folder, made!), join(folder, other));
    const refused = load(join(dir, 'bundle.js'), folder, '--max-old-space-size=200');
    expect(refused.verdict).toBe('rejected');
    expect(refused.value).toBe('first');
  });

  it("never runs an old build's code: a rebuilt bundle of the same length finds no cache", () => {
    // V8 checks a cache against the source's length only; the file's name carries its hash.
    const folder = join(dir, 'cache-rebuilt');
    const rebuilt = join(dir, 'rebuilt', 'bundle.js');
    mkdirSync(join(dir, 'rebuilt'));
    writeFileSync(rebuilt, MODULE);
    load(rebuilt, folder, '', true);
    const edited = MODULE.replace("'first'", "'other'");
    expect(edited.length).toBe(MODULE.length);
    writeFileSync(rebuilt, edited);
    const loaded = load(rebuilt, folder, '');
    expect(loaded.verdict).toBe('none');
    expect(loaded.value).toBe('other');
  });

  it("names the cache alike from the file's bytes and from its text, non-ASCII included", () => {
    // The loader hashes the bytes it read (cheaper than the decoded text); a cache written by a
    // caller hashing the text must keep its name.
    const text = `${MODULE}// Zoë, Ødegaard, 🚢\n`;
    const name = codeCacheFile('/cache', Buffer.from(text, 'utf8'), '--max-old-space-size=96');
    expect(name).toBe(codeCacheFile('/cache', text, '--max-old-space-size=96'));
    expect(name).not.toBe(
      codeCacheFile('/cache', text.replace('Zoë', 'Zoe'), '--max-old-space-size=96'),
    );
  });
});
