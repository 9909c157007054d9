// The people baseline on a bare node:http server: the ceiling for this query on this pool.
import { createServer } from 'node:http';
import { db, peopleHandler, settings } from './people-handler';

const server = createServer(peopleHandler);
server.listen(settings.PORT, () =>
  process.stdout.write(`bare people listening on ${settings.PORT}\n`),
);
process.once('SIGTERM', () => {
  server.close();
  void db.destroy().then(() => process.exit(0));
});
