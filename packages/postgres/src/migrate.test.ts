import { expect, it } from 'vitest';
import { openPostgresStore } from './postgres-store.js';
import { TEST_DATABASE_URL, describePostgres, useTestDatabase } from './test-database.js';

describePostgres('PostgresStore migrations', () => {
  const db = useTestDatabase();
  const open = (schema: string) =>
    openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });

  it('applies each migration once, also to processes opening the same schema at once', async () => {
    const schema = db.schema();
    const stores = await Promise.all([open(schema), open(schema), open(schema)]);
    await stores[0]?.createRun('r1', {
      type: 'run.created',
      at: 1,
      workflow: { name: 'wf', version: '1' },
      inputs: {},
      definition: 'h',
    });
    expect((await stores[2]?.getRun('r1'))?.id).toBe('r1');
    await Promise.all(stores.map((s) => s.close()));
    await (await open(schema)).close();
    const { rows } = await db.pool.query(
      `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(rows).toEqual([
      { version: 1, name: 'init' },
      { version: 2, name: 'records' },
    ]);
  });

  it('refuses a database a newer version migrated', async () => {
    const schema = db.schema();
    await (await open(schema)).close();
    await db.pool.query(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'future')`,
    );
    await expect(open(schema)).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
  });

  it('accepts only plain schema names', async () => {
    await expect(open('x"; DROP SCHEMA public; --')).rejects.toMatchObject({
      code: 'STORE_CONFIG',
    });
    await expect(open('Upper')).rejects.toMatchObject({ code: 'STORE_CONFIG' });
  });
});
