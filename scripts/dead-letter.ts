// `npm run dead-letter -- list | show ID | replay [ID...|--all] | discard ...`: dead-letter redrive.
import { runDeadLetterCommand } from '../shared/events/redrive-cli';
import { shutdown } from '../shared/runtime/shutdown';

// A command for people: only warnings and errors as log lines, unless asked.
process.env.LOG_LEVEL ||= 'warn';

runDeadLetterCommand(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
})
  .then(async (code) => {
    await shutdown('dead-letter done');
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`dead-letter failed: ${(error as Error).message}\n`);
    await shutdown('dead-letter failed');
    process.exit(1);
  });
