// `npm run migrate`, `migrate:status`, `migrate:rollback`, `migrate:make -- <name>`.
// Works on the configured database (DATABASE_URL, or the embedded one, even while
// `npm start` holds it: this process then connects to the running stack's socket).
import { runMigrateCommand } from '../shared/db/migrate-cli';
import { shutdown } from '../shared/runtime/shutdown';

// This is a command for people: only warnings and errors as log lines, unless asked.
process.env.LOG_LEVEL ||= 'warn';

runMigrateCommand(process.argv.slice(2))
  .then(async (code) => {
    await shutdown('migrate done');
    process.exit(code);
  })
  .catch(() => process.exit(1));
