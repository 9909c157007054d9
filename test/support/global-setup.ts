// Runs once before the integration tests: builds the migrated template databases every test
// file copies (a PGlite data dir dump, a PostgreSQL template database), so no file pays for
// initdb or migrations, and probes for the emulator once. Results reach the test workers
// through environment variables.
import { emulatorUnavailable } from './emulator';
import { preparePgliteTemplate, preparePostgresTemplate } from './templates';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const [pglite, postgres] = await Promise.all([
    preparePgliteTemplate(),
    preparePostgresTemplate(),
  ]);
  process.env.MANIFEST_TEST_PGLITE_TEMPLATE = pglite;
  if ('skip' in postgres) {
    process.env.MANIFEST_TEST_POSTGRES_SKIP = postgres.skip;
    process.stderr.write(`\n[manifest] PostgreSQL leg SKIPPED: ${postgres.skip}\n`);
  } else {
    process.env.MANIFEST_TEST_POSTGRES_ADMIN_URL = postgres.adminUrl;
    process.env.MANIFEST_TEST_POSTGRES_TEMPLATE = postgres.template;
  }
  emulatorUnavailable();
  process.stderr.write(`[manifest] test templates ready in ${Date.now() - started} ms\n`);
}
