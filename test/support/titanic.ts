import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';

/** The real data set, read from ../shared (never copied into the repository). */
export const TITANIC_CSV = resolve(__dirname, '../../../shared/data/titanic.csv');

/** The data set's rows, parsed independently of the importer (for expected values). */
export function titanicRows(): Record<string, string>[] {
  return parse(readFileSync(TITANIC_CSV), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
}
