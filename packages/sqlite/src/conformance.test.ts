import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStoreConformance } from '@llm-orchestrator/core/testing';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'llmo-sqlite-conformance-'));
let n = 0;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeStoreConformance('sqlite', (options) =>
  openSqliteStore(join(dir, `store-${String(++n)}.db`), options),
);
