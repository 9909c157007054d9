// Baseline for cold starts of functions whose first answer needs the database: the stock
// functions-framework and pg, one query per request on a pool of one. Every manifest function's
// first 2xx reads or writes PostgreSQL (people's list, stats' read model, health's check, a
// consumer's write), which hello (hello.js) does not: this is the floor such a function has.
const functions = require('@google-cloud/functions-framework');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });

functions.http('hello-db', async (_req, res) => {
  const { rows } = await pool.query('SELECT 1 AS one');
  res.send(`hello ${rows[0].one}`);
});
