import type { PersonData } from '../people/schema';

type Field = keyof PersonData;

/**
 * The two header styles a passenger file may use: the Titanic data set's own, and the API's
 * field names. Matched ignoring case and surrounding spaces; columns may come in any order.
 */
const NAMES: Record<Field, [titanic: string, api: string]> = {
  survived: ['Survived', 'survived'],
  passengerClass: ['Pclass', 'passengerClass'],
  name: ['Name', 'name'],
  sex: ['Sex', 'sex'],
  age: ['Age', 'age'],
  siblingsOrSpousesAboard: ['Siblings/Spouses Aboard', 'siblingsOrSpousesAboard'],
  parentsOrChildrenAboard: ['Parents/Children Aboard', 'parentsOrChildrenAboard'],
  fare: ['Fare', 'fare'],
};

/** `survived` may be left out (it defaults to false, as in the API); every other column is required. */
const OPTIONAL: Field[] = ['survived'];

const byName = new Map<string, Field>(
  (Object.entries(NAMES) as [Field, string[]][]).flatMap(([field, names]) =>
    names.map((n) => [n.toLowerCase(), field]),
  ),
);

/** The field each column of a file holds, and the column's own name (for messages). */
export interface ColumnMap {
  fields: Field[];
  names: string[];
}

/**
 * Maps a header record to fields.
 * @returns the map, or every problem with the header (unknown, repeated, missing columns)
 */
export function mapHeader(header: string[]): { columns: ColumnMap } | { problems: string[] } {
  const problems: string[] = [];
  const fields: Field[] = [];
  header.forEach((raw, i) => {
    const field = byName.get(raw.trim().toLowerCase());
    if (!field) problems.push(`column ${i + 1} "${raw.slice(0, 60)}" is not a passenger field`);
    else if (fields.includes(field))
      problems.push(`column ${i + 1} "${raw.trim()}" repeats ${NAMES[field][0]}`);
    else fields.push(field);
  });
  const missing = (Object.keys(NAMES) as Field[]).filter(
    (f) => !fields.includes(f) && !OPTIONAL.includes(f),
  );
  if (missing.length > 0)
    problems.push(`missing column(s): ${missing.map((f) => NAMES[f][0]).join(', ')}`);
  if (problems.length > 0) {
    problems.push(
      `expected the header ${Object.values(NAMES)
        .map((n) => n[0])
        .join(',')} (or the API's field names)`,
    );
    return { problems };
  }
  return { columns: { fields, names: header.map((h) => h.trim()) } };
}
