/**
 * The PostgreSQL the tests use: `LLMO_TEST_POSTGRES_URL`, by default the local server. Each suite
 * works in schemas of its own, dropped after it, so test files run in parallel.
 *
 * When the server cannot be reached, the suites are skipped with a warning, except on CI
 * (`CI=true`), where they run and fail on the connection error.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe } from 'vitest';

export const TEST_DATABASE_URL =
  process.env.LLMO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const onCi = process.env.CI === 'true';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: TEST_DATABASE_URL,
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (err) {
    const where = new URL(TEST_DATABASE_URL).host;
    console.warn(
      onCi
        ? `PostgreSQL at ${where} is not reachable (${String(err)}): its tests fail on CI`
        : `PostgreSQL at ${where} is not reachable (${String(err)}): skipping its tests ` +
            '(set LLMO_TEST_POSTGRES_URL to test against another server)',
    );
    return false;
  }
}

const available = await reachable();

/** `describe`, skipped when PostgreSQL cannot be reached, unless on CI. */
export function describePostgres(name: string, body: () => void): void {
  describe.skipIf(!available && !onCi)(name, body);
}

export interface TestDatabase {
  /** A new schema name, dropped (with everything in it) after the suite. */
  schema(): string;
  /** A pool on the test database, for checks in SQL; ended after the suite. */
  readonly pool: pg.Pool;
}

/** Call inside a `describePostgres` block. */
export function useTestDatabase(): TestDatabase {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  const schemas: string[] = [];
  afterAll(async () => {
    try {
      for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    } finally {
      await pool.end();
    }
  });
  return {
    schema() {
      const name = `llmo_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      schemas.push(name);
      return name;
    },
    pool,
  };
}
