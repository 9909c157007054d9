// Baseline for cold starts: the smallest function the stock functions-framework can serve.
const functions = require('@google-cloud/functions-framework');

functions.http('hello', (_req, res) => {
  res.send('hello');
});
