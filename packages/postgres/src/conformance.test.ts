import { describeStoreConformance } from '@llm-orchestrator/core/testing';
import { openPostgresStore } from './postgres-store.js';
import { TEST_DATABASE_URL, describePostgres, useTestDatabase } from './test-database.js';

describePostgres('PostgresStore', () => {
  const db = useTestDatabase();
  describeStoreConformance('postgres', (options) =>
    openPostgresStore({
      ...options,
      connectionString: TEST_DATABASE_URL,
      schema: db.schema(),
      poolSize: 2,
    }),
  );
});
