import type { Person } from './schema';

/**
 * A valid person without its uuid: the first passenger of the Titanic list. The one sample the
 * tests' bodies (test/support/http.ts `personData`), the image build's warm-up event
 * (scripts/build.ts) and the benchmarks' deliveries are made from; no function imports it.
 */
export const SAMPLE_PERSON: Readonly<Omit<Person, 'uuid'>> = {
  survived: false,
  passengerClass: 3,
  name: 'Mr. Owen Harris Braund',
  sex: 'male',
  age: 22,
  siblingsOrSpousesAboard: 1,
  parentsOrChildrenAboard: 0,
  fare: 7.25,
};
