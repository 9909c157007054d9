// `npm run docs:asyncapi`: writes docs/asyncapi.json, the AsyncAPI document of the events
// topic, for the default settings (a test fails when the committed copy differs).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../shared/config/load';
import { manifestAsyncApi } from '../shared/local/asyncapi-document';

writeFileSync(
  resolve(__dirname, '../docs/asyncapi.json'),
  `${JSON.stringify(manifestAsyncApi(loadConfig({})), null, 2)}\n`,
);
