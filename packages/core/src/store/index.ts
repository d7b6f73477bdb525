export { DEFAULT_BLOB_THRESHOLD, isBlobRef } from './port.js';
export type {
  Awaitable,
  BlobRef,
  ControlCommand,
  ControlRequest,
  Lease,
  RunFilter,
  RunRead,
  RunRecord,
  Snapshot,
  Store,
  StoredDefinition,
  StoredEntry,
  StoreOptions,
  WorkflowVersion,
} from './port.js';
export {
  blobNotFound,
  encodeEntry,
  leaseLost,
  runExists,
  runNotFound,
  summarize,
  versionExists,
} from './entries.js';
export type { EncodedEntry, NewBlob, SummaryChange } from './entries.js';
export type {
  AuditEntry,
  AuditFilter,
  AuditLog,
  AuditOutcome,
  CacheEntry,
  CacheGetOptions,
  KeyValueCache,
  NewAuditEntry,
  UsageFilter,
  UsageLog,
  UsageRecord,
  UsageTotals,
} from './records.js';
export { MemoryStore } from './memory-store.js';
export { MemoryAuditLog, MemoryKeyValueCache, MemoryUsageLog } from './memory-records.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { auditFromRow, controlFromRow, RUN_COLUMNS, runFromRow, usageFromRow } from './rows.js';
export type { AuditRow, ControlRow, RunRow, UsageRow } from './rows.js';
