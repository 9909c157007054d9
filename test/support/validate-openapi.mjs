// Validates an OpenAPI document file with @seriousme/openapi-schema-validator, an ES module
// that jest's CommonJS transform cannot load: run as `node validate-openapi.mjs <file>`.
// Prints `{ valid, version, errors? }` as JSON.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { Validator } from '@seriousme/openapi-schema-validator';

const validator = new Validator();
const result = await validator.validate(JSON.parse(readFileSync(process.argv[2], 'utf8')));
process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
