// A function folder's index.js (what the functions framework loads): loads the function's
// bundle, function.js, through V8's code cache that the image's build wrote after a warm-up
// (shared/runtime/code-cache.ts; scripts/compile-cache.ts writes it). `npm run build` bundles
// this file into each folder beside function.js.
import { join } from 'node:path';
import { BUNDLE_FILE, loadBundle, WRITE_CODE_CACHE } from '../shared/runtime/code-cache';

function main(): unknown {
  const cacheFolder = process.env.NODE_COMPILE_CACHE || undefined;
  const loaded = loadBundle(join(__dirname, BUNDLE_FILE), cacheFolder);
  if (process.env[WRITE_CODE_CACHE] === '1') process.once('exit', () => loaded.writeCache());
  // Before the configuration exists (it is in the bundle): LOG_LEVEL read as the logger reads it,
  // one structured line as the logger writes them, for whoever asks why a cold start was slow.
  if (/^(debug|trace)$/i.test(process.env.LOG_LEVEL ?? ''))
    process.stdout.write(
      `${JSON.stringify({ severity: 'DEBUG', time: new Date().toISOString(), message: `code cache ${loaded.verdict}`, codeCache: loaded.verdict, cacheFile: loaded.cacheFile })}\n`,
    );
  return loaded.exports;
}

module.exports = main();
