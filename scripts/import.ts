// `npm run import -- <file.csv> [--skip-invalid]`: bulk import of a passenger CSV file.
import { runImportCommand } from '../shared/import/cli';
import { shutdown } from '../shared/runtime/shutdown';

// A command for people: only warnings and errors as log lines, unless asked.
process.env.LOG_LEVEL ||= 'warn';

runImportCommand(process.argv.slice(2))
  .then(async (code) => {
    await shutdown('import done');
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`import failed: ${(error as Error).message}\n`);
    await shutdown('import failed');
    process.exit(1);
  });
