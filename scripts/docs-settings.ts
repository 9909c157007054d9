// `npm run docs:settings`: rewrites the settings table in README.md from the config schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withSettingsTable } from '../shared/config/docs';

const readme = resolve(__dirname, '../README.md');
writeFileSync(readme, withSettingsTable(readFileSync(readme, 'utf8')));
