import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { config } from '../config';
import { logger } from '../logging';
import { database } from './index';
import { migrateToLatest, migrationStatus, rollbackLastBatch } from './migrations';
import { grantRuntimeRole, RUNTIME_ROLE } from './roles';

const MIGRATIONS_DIR = resolve(__dirname, '../../migrations');

/**
 * The migrate command line: `latest`, `status`, `rollback`, `make <name>`, and
 * `grant-runtime <login>...` (makes the functions' database logins members of the runtime role).
 * Prints plain lines for people; returns the exit code.
 */
export async function runMigrateCommand(args: string[], out = process.stdout): Promise<number> {
  const [command, name, ...more] = args;
  const print = (line: string) => out.write(`${line}\n`);
  try {
    if (command === 'make') return makeMigration(name, print);
    const where = config().DATABASE_URL
      ? 'PostgreSQL (DATABASE_URL)'
      : `embedded PGlite (${config().DATA_DIR})`;
    const db = await database();
    switch (command) {
      case 'latest': {
        const applied = await migrateToLatest(db);
        print(
          applied.length
            ? `Applied to ${where}:\n${applied.map((n) => `  ${n}`).join('\n')}`
            : `${where} is already current.`,
        );
        return 0;
      }
      case 'status': {
        const status = await migrationStatus(db);
        print(`Migrations on ${where}:`);
        for (const n of status.applied)
          print(`  applied  ${n}${status.unknown.includes(n) ? '  (unknown to this code)' : ''}`);
        for (const n of status.pending) print(`  pending  ${n}`);
        print(
          status.pending.length
            ? `${status.pending.length} pending: run \`npm run migrate\`.`
            : 'Up to date.',
        );
        return status.pending.length ? 3 : 0;
      }
      case 'rollback': {
        const undone = await rollbackLastBatch(db);
        print(
          undone.length
            ? `Rolled back on ${where}:\n${undone.map((n) => `  ${n}`).join('\n')}`
            : 'Nothing to roll back.',
        );
        return 0;
      }
      case 'grant-runtime': {
        const logins = [name, ...more].filter((l): l is string => Boolean(l));
        if (logins.length === 0) {
          print('usage: migrate grant-runtime <login>...');
          return 2;
        }
        await grantRuntimeRole(db, logins);
        print(`Granted ${RUNTIME_ROLE} on ${where} to:\n${logins.map((l) => `  ${l}`).join('\n')}`);
        return 0;
      }
      default:
        print('usage: migrate latest | status | rollback | make <name> | grant-runtime <login>...');
        return 2;
    }
  } catch (error) {
    logger.error({ error }, `migrate ${command ?? ''} failed`);
    print(`migrate ${command ?? ''} failed: ${(error as Error).message}`);
    return 1;
  }
}

/** Writes a new migration file from the template and registers it in migrations/index.ts. */
function makeMigration(name: string | undefined, print: (line: string) => void): number {
  if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) {
    print('usage: npm run migrate:make -- <name_in_snake_case>');
    return 2;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const fileName = `${stamp}_${name}`;
  writeFileSync(
    join(MIGRATIONS_DIR, `${fileName}.ts`),
    `import type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.raw('');\n}\n\nexport async function down(knex: Knex): Promise<void> {\n  await knex.raw('');\n}\n`,
  );
  const indexPath = join(MIGRATIONS_DIR, 'index.ts');
  const identifier = name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const index = readFileSync(indexPath, 'utf8')
    .replace(
      /(import \* as \w+ from '\.\/[^']+';\n)(?![\s\S]*import \* as)/,
      `$1import * as ${identifier} from './${fileName}';\n`,
    )
    .replace(/(\n\];\s*)$/, `\n  { name: '${fileName}', ...${identifier} },$1`);
  writeFileSync(indexPath, index);
  print(`Created migrations/${fileName}.ts and registered it in migrations/index.ts.`);
  return 0;
}
