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
  });
});
