// Baseline for the people benchmarks: a bare node:http server doing the same work as the
// function's routes (same knex factory and pool settings, same repository query, same
// validator), without functions-framework, Express, logging, auth or the outbox.
import { createServer } from 'node:http';
import { loadConfig } from '../../shared/config';
import { createKnex } from '../../shared/db/knex';
import { randomUUID } from 'node:crypto';
import { findPerson, personInsert } from '../../shared/people/repository';
import { PersonData } from '../../shared/people/schema';
import { compileValidator } from '../../shared/validation';

const settings = loadConfig(process.env);
const db = createKnex({ connectionString: settings.DATABASE_URL! }, settings);
const valid = compileValidator(PersonData);
const UUID = /^\/people\/([0-9a-f-]{36})$/;

const server = createServer((req, res) => {
  const reply = (status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const match = UUID.exec(req.url ?? '');
  if (req.method === 'GET' && match) {
    findPerson(db, match[1]!).then(
      (person) => (person ? reply(200, person) : reply(404)),
      () => reply(500),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/people') {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const data: unknown = JSON.parse(text);
      if (!valid(data)) return reply(400, valid.problems());
      const person = { uuid: randomUUID(), ...data, survived: data.survived ?? false };
      personInsert(db, person).then(
        () => reply(201, person),
        () => reply(500),
      );
    });
    return;
  }
  reply(404);
});

server.listen(settings.PORT, () =>
  process.stdout.write(`bare people listening on ${settings.PORT}\n`),
);
process.once('SIGTERM', () => {
  server.close();
  void db.destroy().then(() => process.exit(0));
});
