import { mapHeader, type ColumnMap } from '../../shared/import/columns';
import { copyLine, parseRow } from '../../shared/import/rows';

const TITANIC = [
  'Survived',
  'Pclass',
  'Name',
  'Sex',
  'Age',
  'Siblings/Spouses Aboard',
  'Parents/Children Aboard',
  'Fare',
];

function columns(header = TITANIC): ColumnMap {
  const mapped = mapHeader(header);
  if ('problems' in mapped) throw new Error(mapped.problems.join('; '));
  return mapped.columns;
}

describe('import header', () => {
  it('accepts the Titanic header, the API field names, any order and any case', () => {
    expect(columns().fields).toEqual([
      'survived',
      'passengerClass',
      'name',
      'sex',
      'age',
      'siblingsOrSpousesAboard',
      'parentsOrChildrenAboard',
      'fare',
    ]);
    expect(
      columns([
        'fare',
        'NAME',
        ' sex ',
        'age',
        'passengerClass',
        'siblingsOrSpousesAboard',
        'parentsOrChildrenAboard',
      ]).fields[0],
    ).toBe('fare');
  });

  it('names every problem of a wrong header', () => {
    const mapped = mapHeader(['Survived', 'Class', 'Name', 'Name', 'Sex']);
    expect(mapped).toEqual({
      problems: [
        'column 2 "Class" is not a passenger field',
        'column 4 "Name" repeats Name',
        'missing column(s): Pclass, Age, Siblings/Spouses Aboard, Parents/Children Aboard, Fare',
        expect.stringContaining('expected the header Survived,Pclass,Name,Sex,Age'),
      ],
    });
  });
});

describe('import header: columns named as the file names them', () => {
  it('names a column by its header without the spaces around it', () => {
    const header = TITANIC.map((name) => ` ${name} `);
    expect(columns(header).names).toEqual(TITANIC);
    // A row's error names the column so (the field the report lists).
    expect(parseRow(['0', 'first', 'X', 'male', '22', '1', '0', '7.25'], columns(header))).toEqual({
      errors: [expect.objectContaining({ field: 'Pclass', code: 'wrong-type' })],
    });
    expect(mapHeader([...header, ' Name '])).toEqual({
      problems: ['column 9 "Name" repeats Name', expect.stringContaining('expected the header')],
    });
  });

  it('quotes at most 60 characters of an unknown column', () => {
    const long = `X${'y'.repeat(99)}`;
    expect(mapHeader([...TITANIC, long])).toEqual({
      problems: [
        `column 9 "${long.slice(0, 60)}" is not a passenger field`,
        expect.stringContaining('expected the header'),
      ],
    });
  });
});

describe('import rows', () => {
  const row = (values: string[]) => parseRow(values, columns());

  it('keeps decimals exactly as written', () => {
    expect(
      row(['1', '3', 'Master. Assad Alexander Thomas', 'male', '0.42', '0', '1', '8.5167']),
    ).toEqual({
      row: {
        survived: true,
        passengerClass: 3,
        name: 'Master. Assad Alexander Thomas',
        sex: 'male',
        age: '0.42',
        siblingsOrSpousesAboard: 0,
        parentsOrChildrenAboard: 1,
        fare: '8.5167',
      },
    });
    expect(row(['0', '3', 'X', 'male', '22', '1', '0', '7.9250'])).toMatchObject({
      row: { age: '22', fare: '7.9250' },
    });
  });

  it('defaults an empty survived to false', () => {
    expect(row(['', '3', 'X', 'male', '22', '1', '0', '7.25'])).toMatchObject({
      row: { survived: false },
    });
  });

  it.each([
    [['2', '3', 'X', 'male', '22', '1', '0', '7.25'], 'Survived', 'wrong-type'],
    [['0', 'first', 'X', 'male', '22', '1', '0', '7.25'], 'Pclass', 'wrong-type'],
    [['0', '4', 'X', 'male', '22', '1', '0', '7.25'], 'Pclass', 'out-of-range'],
    [['0', '3', '', 'male', '22', '1', '0', '7.25'], 'Name', 'missing'],
    [['0', '3', 'X', 'unknown', '22', '1', '0', '7.25'], 'Sex', 'not-allowed'],
    [['0', '3', 'X', 'male', 'twenty', '1', '0', '7.25'], 'Age', 'wrong-type'],
    [['0', '3', 'X', 'male', '1e2', '1', '0', '7.25'], 'Age', 'wrong-type'],
    [['0', '3', 'X', 'male', '0.425', '1', '0', '7.25'], 'Age', 'too-precise'],
    [['0', '3', 'X', 'male', '22', '-1', '0', '7.25'], 'Siblings/Spouses Aboard', 'wrong-type'],
    [['0', '3', 'X', 'male', '22', '1', '0.5', '7.25'], 'Parents/Children Aboard', 'wrong-type'],
    [['0', '3', 'X', 'male', '22', '1', '0', '7.123456'], 'Fare', 'too-precise'],
    [['0', '3', 'X', 'male', '22', '1', '0'], 'record', 'wrong-length'],
  ])('rejects %j, naming the column %s', (values, field, code) => {
    const result = row(values);
    expect(result).toEqual({
      errors: expect.arrayContaining([expect.objectContaining({ field, code })]),
    });
    const message = (result as { errors: { message: string }[] }).errors[0]!.message;
    if (field !== 'record') expect(message).toContain(field);
  });

  it('says what a field takes, quoting at most 40 characters of what it got', () => {
    const long = `x${'y'.repeat(59)}`;
    const quoted = long.slice(0, 40);
    expect(row([long, long, 'X', 'male', long, long, '0.5', '7.25'])).toEqual({
      errors: [
        {
          field: 'Survived',
          code: 'wrong-type',
          message: `Survived must be 0, 1, true or false, got "${quoted}"`,
        },
        {
          field: 'Pclass',
          code: 'wrong-type',
          message: `Pclass must be a whole number, got "${quoted}"`,
        },
        {
          field: 'Age',
          code: 'wrong-type',
          message: `Age must be a decimal number like 28.5, got "${quoted}"`,
        },
        {
          field: 'Siblings/Spouses Aboard',
          code: 'wrong-type',
          message: `Siblings/Spouses Aboard must be a whole number, got "${quoted}"`,
        },
        {
          field: 'Parents/Children Aboard',
          code: 'wrong-type',
          message: 'Parents/Children Aboard must be a whole number, got "0.5"',
        },
      ],
    });
  });

  it("reports the schema's problems beside the text's, each field once", () => {
    expect(row(['0', 'first', 'X', 'robot', '22', '1', '0', '7.25'])).toEqual({
      errors: [
        expect.objectContaining({ field: 'Pclass', code: 'wrong-type' }),
        expect.objectContaining({ field: 'Sex', code: 'not-allowed' }),
      ],
    });
  });

  it('says how many fields a short record has, and how many it needs', () => {
    expect(row(['0', '3', 'X', 'male', '22', '1', '0'])).toEqual({
      errors: [
        {
          field: 'record',
          code: 'wrong-length',
          message: 'expected 8 fields, got 7 (a truncated or broken line?)',
        },
      ],
    });
  });

  it('reads survived as 0, 1, true or false in any case, and numbers with spaces around them', () => {
    expect(row([' TRUE ', ' 3 ', 'X', 'male', ' 22.5 ', ' 1 ', ' 0 ', ' 7.25 '])).toEqual({
      row: {
        survived: true,
        passengerClass: 3,
        name: 'X',
        sex: 'male',
        age: '22.5',
        siblingsOrSpousesAboard: 1,
        parentsOrChildrenAboard: 0,
        fare: '7.25',
      },
    });
    expect(row(['False', '3', 'X', 'male', '22', '1', '0', '7.25'])).toMatchObject({
      row: { survived: false },
    });
  });

  it('counts decimal places as written: more than are kept is refused even where a number would round', () => {
    // As a JavaScript number this is 7.25, which the schema alone would let through.
    expect(row(['0', '3', 'X', 'male', '22', '1', '0', '7.25000000000000000001'])).toEqual({
      errors: [
        { field: 'Fare', code: 'too-precise', message: 'Fare has more than 4 decimal places' },
      ],
    });
    // Trailing zeros lose nothing: kept as written.
    expect(row(['0', '3', 'X', 'male', '22.500', '1', '0', '7.250000'])).toMatchObject({
      row: { age: '22.500', fare: '7.250000' },
    });
  });

  it('keeps a formula-like name as plain text', () => {
    expect(row(['0', '3', '=cmd|calc', 'male', '22', '1', '0', '7.25'])).toMatchObject({
      row: { name: '=cmd|calc' },
    });
  });

  it('quotes names for COPY, doubling quotes', () => {
    const parsed = row([
      '1',
      '1',
      'Brown, Mrs. James Joseph ("Molly")',
      'female',
      '44',
      '0',
      '0',
      '27.7208',
    ]);
    expect(copyLine((parsed as { row: any }).row)).toBe(
      't,1,"Brown, Mrs. James Joseph (""Molly"")",female,44,0,0,27.7208\n',
    );
    const lost = row(['0', '3', 'X', 'male', '22', '1', '0', '7.2500']);
    expect(copyLine((lost as { row: any }).row)).toBe('f,3,"X",male,22,1,0,7.2500\n');
  });
});
