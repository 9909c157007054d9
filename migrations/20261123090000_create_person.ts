import type { Knex } from 'knex';

/**
 * The passenger table. The database enforces the same rules as the API schema
 * (shared/people/schema.ts), so a row written by any path (API, import, psql) is valid.
 * Ages and fares are `numeric`: exact decimals (an infant's 0.42, a fare of 7.9250).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE person (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      survived boolean NOT NULL DEFAULT false,
      passenger_class smallint NOT NULL
        CONSTRAINT person_passenger_class_range CHECK (passenger_class BETWEEN 1 AND 3),
      name varchar(100) NOT NULL
        CONSTRAINT person_name_not_blank CHECK (name ~ '\\S')
        CONSTRAINT person_name_no_control_characters CHECK (name !~ '[\\x01-\\x1f\\x7f-\\x9f]'),
      sex text NOT NULL
        CONSTRAINT person_sex_allowed CHECK (sex IN ('male', 'female', 'other')),
      age numeric NOT NULL
        CONSTRAINT person_age_range CHECK (age >= 0 AND age <= 150)
        CONSTRAINT person_age_precision CHECK (age = round(age, 2)),
      siblings_or_spouses_aboard integer NOT NULL
        CONSTRAINT person_siblings_or_spouses_aboard_range
          CHECK (siblings_or_spouses_aboard BETWEEN 0 AND 1000),
      parents_or_children_aboard integer NOT NULL
        CONSTRAINT person_parents_or_children_aboard_range
          CHECK (parents_or_children_aboard BETWEEN 0 AND 1000),
      fare numeric NOT NULL
        CONSTRAINT person_fare_range CHECK (fare >= 0 AND fare <= 1000000)
        CONSTRAINT person_fare_precision CHECK (fare = round(fare, 4)),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.updated_at := now();
      RETURN NEW;
    END
    $$;

    CREATE TRIGGER person_touch_updated_at BEFORE UPDATE ON person
      FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE person;
    DROP FUNCTION touch_updated_at();
  `);
}
