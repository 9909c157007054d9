// `npm run publish -- <type> '<json data>'`: publishes a test event (in-process bus or emulator).
import { runPublishCommand } from '../shared/events/publish-cli';
import { shutdown } from '../shared/runtime/shutdown';

process.env.LOG_LEVEL ||= 'warn';

runPublishCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`))
  .then(async (code) => {
    await shutdown('publish done');
    process.exit(code);
  })
  .catch((error: unknown) => {
    process.stderr.write(`publish failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
