import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

/**
 * A function's bundle loaded with V8's code cache made after the bundle has run, not only after
 * it was compiled.
 *
 * Node's own compile cache (NODE_COMPILE_CACHE) stores a module's code as V8 has it right
 * after compiling the module: its top level. V8 compiles a function's body the first time it
 * runs, and a bundle is nearly all function bodies (one per bundled module, then each of their
 * functions), so every cold start compiled them again: measured on Node 22 with the compile
 * cache, loading the stats bundle took 56 ms and its first request 53 ms, spawn to first answer
 * 361 ms; with this cache, written after a warm-up, 32, 40 and 321 ms (README "Cold start").
 * `vm.Script#createCachedData` after a warm-up holds every function compiled so far, so the
 * image's build (scripts/compile-cache.ts) starts the function, sends it its likely first
 * request, and has it write the cache as it exits (`WRITE_CODE_CACHE=1`).
 *
 * The cache lives where NODE_COMPILE_CACHE points (Terraform points it at the image's
 * folder), so that one setting turns both on and off. V8 refuses a cache made by another V8 or
 * under other flags (`--max-old-space-size` among them) and checks the source's length only; the
 * file's name therefore carries a hash of Node's version, the architecture, NODE_OPTIONS and the
 * source itself, so a rebuilt bundle or another sizing finds no cache rather than a wrong one.
 */

/** A function folder's bundle, beside the index.js that loads it (scripts/function-entry.ts). */
export const BUNDLE_FILE = 'function.js';

/** Set to 1 by the image's build for its warm-up: write the code cache when the process exits. */
export const WRITE_CODE_CACHE = 'WRITE_CODE_CACHE';

/** What happened to the code cache when the bundle loaded. */
export type CodeCacheVerdict = 'accepted' | 'rejected' | 'none' | 'off';

export interface LoadedBundle {
  /** The bundle's `module.exports`. */
  exports: unknown;
  /** accepted: V8 used it; rejected: V8 refused it (compiled as without); none: no file; off: no folder set. */
  verdict: CodeCacheVerdict;
  /** The cache file read or to write (undefined when off). */
  cacheFile?: string;
  /** Writes V8's code for everything compiled so far to `cacheFile`; returns its size in bytes. */
  writeCache(): number;
}

// Node's CommonJS wrapper, on a line of its own so that the bundle's lines keep their numbers
// (lineOffset -1) and its columns their positions: the source map stays true without a shift.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_TAIL = '\n})';

/**
 * The cache file for `source` in `folder`, under this process's Node, architecture and
 * NODE_OPTIONS. The source is best given as the file's bytes: hashing a string encodes it to
 * UTF-8 again first (for the people bundle, 866 KB, 11.8 ms to read and hash as a string on
 * Node 22, 7.6 ms as bytes; the same key either way).
 */
export function codeCacheFile(
  folder: string,
  source: Buffer | string,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string {
  const key = createHash('sha256')
    .update(`${process.version}\0${process.arch}\0${nodeOptions.trim()}\0`)
    .update(source)
    .digest('hex')
    .slice(0, 16);
  return join(folder, `code-cache-${key}.bin`);
}

/**
 * Loads the CommonJS file `file` as Node would (its own `require`, `module`, `__filename` and
 * `__dirname`), through V8's code cache in `cacheFolder` when one is there.
 * @param cacheFolder where caches are read and written; undefined: no cache at all
 */
export function loadBundle(file: string, cacheFolder: string | undefined): LoadedBundle {
  const path = resolve(file);
  const bytes = readFileSync(path);
  const cacheFile = cacheFolder ? codeCacheFile(resolve(cacheFolder), bytes) : undefined;
  const source = bytes.toString('utf8');
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined; // none written for this Node, these flags and this source
    }
  }
  const script = new Script(`${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`, {
    filename: path,
    lineOffset: -1,
    cachedData,
  });
  const verdict: CodeCacheVerdict = !cacheFile
    ? 'off'
    : !cachedData
      ? 'none'
      : script.cachedDataRejected
        ? 'rejected'
        : 'accepted';
  const module = { exports: {} as unknown, filename: path, id: path, loaded: false };
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
    filename: string,
    dirname: string,
  ) => void;
  wrapper.call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
  module.loaded = true;
  return {
    exports: module.exports,
    verdict,
    cacheFile,
    writeCache() {
      if (!cacheFile) throw new Error('no code cache folder: NODE_COMPILE_CACHE is not set');
      const data = script.createCachedData();
      mkdirSync(dirname(cacheFile), { recursive: true });
      // Whole or not at all: an instance starting meanwhile reads no half-written file.
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, data);
      renameSync(partial, cacheFile);
      return data.length;
    },
  };
}
