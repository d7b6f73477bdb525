/** @llm-orchestrator/postgres: the Store port on PostgreSQL, for many processes and nodes. */
export { openPostgresStore, PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
