// Baseline for cold starts of functions whose first answer needs the database: the stock
// functions-framework with the database packages every manifest function carries (knex over
// pg, both required), one query per request on a pool of one, bundled as the functions are
// (bench/lib/functions.ts). Every manifest function's first 2xx reads or writes PostgreSQL
// (people's list, stats' read model, health's check, a consumer's write), which hello
// (hello.js) does not: this is the floor such a function has.
const functions = require('@google-cloud/functions-framework');
const knex = require('knex');

const db = knex({
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 1 },
});

functions.http('hello-db', async (_req, res) => {
  const { rows } = await db.raw('SELECT 1 AS one');
  res.send(`hello ${rows[0].one}`);
});
