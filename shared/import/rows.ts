import { PersonData } from '../people/schema';
import { compileValidator, MAX_DECIMAL_PLACES, type FieldError } from '../validation';
import type { ColumnMap } from './columns';

/** A valid row, as it goes to the staging table: decimals kept as the file wrote them. */
export interface StagedRow {
  survived: boolean;
  passengerClass: number;
  name: string;
  sex: string;
  age: string;
  siblingsOrSpousesAboard: number;
  parentsOrChildrenAboard: number;
  fare: string;
}

/** An invalid row: its line in the file and what is wrong with each field (named as in the file). */
export interface RowReject {
  line: number;
  errors: FieldError[];
}

const validPerson = compileValidator(PersonData);
const INTEGER = /^[0-9]+$/;
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;
const BOOLEAN: Record<string, boolean> = { '0': false, '1': true, false: false, true: true };
/** Most decimals each exact field keeps (the API's rule, and the database's CHECK). */
const PLACES = {
  age: PersonData.properties.age[MAX_DECIMAL_PLACES] as number,
  fare: PersonData.properties.fare[MAX_DECIMAL_PLACES] as number,
};

/**
 * Turns one record of a passenger file into a row, with the API's rules (the same compiled
 * schema) plus what text adds: integers and decimals must be written plainly, and a decimal
 * may not carry more places than the database keeps (7.9250 is fine, 0.425 is not an age).
 */
export function parseRow(
  values: string[],
  columns: ColumnMap,
): { row: StagedRow } | { errors: FieldError[] } {
  if (values.length !== columns.fields.length) {
    return {
      errors: [
        {
          field: 'record',
          code: 'wrong-length',
          message: `expected ${columns.fields.length} fields, got ${values.length} (a truncated or broken line?)`,
        },
      ],
    };
  }
  const data: Record<string, unknown> = {};
  const exact: Record<string, string> = {};
  const errors: FieldError[] = [];
  columns.fields.forEach((field, i) => {
    const text = values[i]!;
    const column = columns.names[i]!;
    // Absent: survived defaults to false (below); any other field the schema reports missing.
    if (text === '') return;
    switch (field) {
      case 'survived': {
        const value = BOOLEAN[text.trim().toLowerCase()];
        if (value === undefined)
          errors.push({
            field: column,
            code: 'wrong-type',
            message: `${column} must be 0, 1, true or false, got "${text.slice(0, 40)}"`,
          });
        else data.survived = value;
        return;
      }
      case 'passengerClass':
      case 'siblingsOrSpousesAboard':
      case 'parentsOrChildrenAboard':
        if (!INTEGER.test(text.trim()))
          errors.push({
            field: column,
            code: 'wrong-type',
            message: `${column} must be a whole number, got "${text.slice(0, 40)}"`,
          });
        else data[field] = Number(text.trim());
        return;
      case 'age':
      case 'fare': {
        const trimmed = text.trim();
        if (!DECIMAL.test(trimmed)) {
          errors.push({
            field: column,
            code: 'wrong-type',
            message: `${column} must be a decimal number like 28.5, got "${text.slice(0, 40)}"`,
          });
          return;
        }
        const places = (trimmed.split('.')[1] ?? '').replace(/0+$/, '').length;
        if (places > PLACES[field]) {
          errors.push({
            field: column,
            code: 'too-precise',
            message: `${column} has more than ${PLACES[field]} decimal places`,
          });
          return;
        }
        data[field] = Number(trimmed);
        exact[field] = trimmed;
        return;
      }
      default:
        data[field] = text;
    }
  });
  if (!validPerson(data)) {
    const nameOf = (field: string) =>
      columns.names[columns.fields.indexOf(field as never)] ?? field;
    for (const problem of validPerson.problems()) {
      if (errors.some((e) => e.field === nameOf(problem.field))) continue;
      errors.push({
        ...problem,
        field: nameOf(problem.field),
        message: problem.message.replace(problem.field, nameOf(problem.field)),
      });
    }
  }
  if (errors.length > 0) return { errors };
  const person = data as PersonData;
  return {
    row: {
      survived: person.survived ?? false,
      passengerClass: person.passengerClass,
      name: person.name,
      sex: person.sex,
      age: exact.age!,
      siblingsOrSpousesAboard: person.siblingsOrSpousesAboard,
      parentsOrChildrenAboard: person.parentsOrChildrenAboard,
      fare: exact.fare!,
    },
  };
}

/** A row as one line of PostgreSQL CSV for COPY, in the staging table's column order. */
export function copyLine(row: StagedRow): string {
  const name = `"${row.name.replaceAll('"', '""')}"`;
  return `${row.survived ? 't' : 'f'},${row.passengerClass},${name},${row.sex},${row.age},${row.siblingsOrSpousesAboard},${row.parentsOrChildrenAboard},${row.fare}\n`;
}
