/**
 * The queued writes applied as a batch: every call queued since the last batch, in one transaction
 * with a handful of multi-row statements. The runs the batch touches are locked first (`SELECT ...
 * FOR UPDATE`); a call that may not write (RUN_EXISTS, RUN_NOT_FOUND, LEASE_LOST) fails and writes
 * nothing; the others are applied in the order they were issued.
 */
import { leaseLost, runExists, runNotFound, type NewBlob } from '@llm-orchestrator/core';
import type pg from 'pg';
import { sqlState, transaction, type Tables } from './db.js';
import type { AppendOp, CreateOp, DefineOp, WriteOp } from './ops.js';

/** What a batch does to one run. */
interface RunState {
  /** The lease holder as the batch leaves it. */
  owner: string | null;
  released: boolean;
  lastSeq: number;
  /** Set when the batch creates the run. */
  readonly created: CreateOp | undefined;
  changed: boolean;
  status: string | null;
  errorSet: boolean;
  error: string | null;
  outputsSet: boolean;
  outputs: string | null;
  updatedAt: number | null;
}

/**
 * JSON texts pass as one parameter, one per line: `JSON.stringify` never writes a line break, and
 * joining and splitting lines is several times faster than quoting each text into an array literal.
 */
const LINES = (param: string): string => `string_to_array(${param}, E'\\n')`;

/** Deadlocks, serialization failures and a run id created meanwhile by another process. */
const RETRY = new Set(['40P01', '40001', '23505']);
const ATTEMPTS = 3;

/**
 * Applies a batch, retrying it when PostgreSQL asks to. When a value is refused (a data
 * exception, e.g. a NUL character in a run id), applies the calls one by one so that only the
 * call that holds it fails.
 */
export async function writeBatch(
  pool: pg.Pool,
  t: Tables,
  ops: readonly WriteOp[],
): Promise<readonly (Error | undefined)[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction(pool, (client) => applyBatch(client, t, ops));
    } catch (err) {
      const state = sqlState(err);
      if (state !== undefined && RETRY.has(state) && attempt < ATTEMPTS) continue;
      if (state?.startsWith('22') !== true || ops.length === 1) throw err;
    }
    const results: (Error | undefined)[] = [];
    for (const op of ops) {
      try {
        results.push(...(await writeBatch(pool, t, [op])));
      } catch (err) {
        results.push(err as Error);
      }
    }
    return results;
  }
}

async function applyBatch(
  client: pg.PoolClient,
  t: Tables,
  ops: readonly WriteOp[],
): Promise<(Error | undefined)[]> {
  const ids = new Set<string>();
  for (const op of ops) if (op.kind !== 'define') ids.add(op.runId);
  const { rows } = await client.query<{ id: string; owner: string | null; last_seq: number }>(
    `SELECT id, owner, last_seq FROM ${t.runs} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [[...ids]],
  );
  const runs = new Map<string, RunState>();
  for (const r of rows) runs.set(r.id, state(r.owner, r.last_seq));

  const journal = { runIds: [] as string[], seqs: [] as number[], entries: [] as string[] };
  const blobs: { runId: string; blob: NewBlob }[] = [];
  const definitions = new Map<string, DefineOp>();
  const results = ops.map((op): Error | undefined => {
    if (op.kind === 'define') {
      if (!definitions.has(op.hash)) definitions.set(op.hash, op);
      return undefined;
    }
    let run = runs.get(op.runId);
    if (op.kind === 'create') {
      if (run !== undefined) return runExists(op.runId);
      run = state(op.lease?.owner ?? null, 1, op);
      runs.set(op.runId, run);
      journal.runIds.push(op.runId);
      journal.seqs.push(1);
      journal.entries.push(op.json);
      return undefined;
    }
    if (op.kind === 'release') {
      if (run?.owner === op.owner) {
        run.owner = null;
        run.released = true;
        run.changed = true;
      }
      return undefined;
    }
    if (run === undefined) return runNotFound(op.runId);
    if (op.owner !== undefined && run.owner !== op.owner)
      return leaseLost(op.runId, op.owner, run.owner ?? undefined);
    for (const json of op.entries) {
      journal.runIds.push(op.runId);
      journal.seqs.push(++run.lastSeq);
      journal.entries.push(json);
    }
    for (const blob of op.blobs) blobs.push({ runId: op.runId, blob });
    change(run, op);
    return undefined;
  });

  const created = [...runs.values()].filter((r) => r.created !== undefined);
  if (created.length > 0) await insertRuns(client, t, created);
  const changed = [...runs].filter(([, r]) => r.changed && r.created === undefined);
  if (changed.length > 0) await updateRuns(client, t, changed);
  if (journal.runIds.length > 0)
    await client.query(
      `INSERT INTO ${t.journal} (run_id, seq, entry)
       SELECT * FROM unnest($1::text[], $2::int[], ${LINES('$3')})`,
      [journal.runIds, journal.seqs, journal.entries.join('\n')],
    );
  // One statement per blob: they are large, and rare.
  for (const { runId, blob } of blobs)
    await client.query(`INSERT INTO ${t.blobs} (id, run_id, json) VALUES ($1, $2, $3)`, [
      blob.id,
      runId,
      blob.json,
    ]);
  if (definitions.size > 0) await insertDefinitions(client, t, [...definitions.values()]);
  return results;
}

function state(owner: string | null, lastSeq: number, created?: CreateOp): RunState {
  return {
    owner,
    released: false,
    lastSeq,
    created,
    changed: false,
    status: created === undefined ? null : 'pending',
    errorSet: false,
    error: null,
    outputsSet: false,
    outputs: null,
    updatedAt: created === undefined ? null : created.entry.at,
  };
}

function change(run: RunState, op: AppendOp): void {
  run.changed = true;
  if (op.status !== undefined) run.status = op.status;
  if (op.error !== undefined) {
    run.errorSet = true;
    run.error = op.error;
  }
  if (op.outputs !== undefined) {
    run.outputsSet = true;
    run.outputs = op.outputs;
  }
  if (op.updatedAt !== undefined) run.updatedAt = op.updatedAt;
}

/** Runs created by the batch, with their summary as the batch leaves it; in the order created. */
async function insertRuns(
  client: pg.PoolClient,
  t: Tables,
  runs: readonly RunState[],
): Promise<void> {
  const created = runs.map((r) => ({ r, op: r.created as CreateOp }));
  const col = (value: (c: (typeof created)[number]) => unknown): unknown[] => created.map(value);
  await client.query(
    `INSERT INTO ${t.runs} (id, workflow_name, workflow_version, definition, status, outputs,
       error, created_at, updated_at, last_seq, owner, lease_expires_at, inputs)
     SELECT id, wn, wv, def, st, outp, err, ca, ua, ls, own, lea, inp
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::float8[], $9::float8[], $10::int[], $11::text[], $12::float8[],
       ${LINES('$13')})
       WITH ORDINALITY AS u(id, wn, wv, def, st, outp, err, ca, ua, ls, own, lea, inp, n)
     ORDER BY n`,
    [
      col(({ op }) => op.runId),
      col(({ op }) => op.entry.workflow.name),
      col(({ op }) => op.entry.workflow.version),
      col(({ op }) => op.entry.definition),
      col(({ r }) => r.status),
      col(({ r }) => r.outputs),
      col(({ r }) => r.error),
      col(({ op }) => op.entry.at),
      col(({ r }) => r.updatedAt),
      col(({ r }) => r.lastSeq),
      col(({ r }) => r.owner),
      col(({ r, op }) => (r.released ? null : (op.lease?.expiresAt ?? null))),
      created.map(({ op }) => op.inputs).join('\n'),
    ],
  );
}

/** Runs that existed before the batch: only what the batch changed. */
async function updateRuns(
  client: pg.PoolClient,
  t: Tables,
  runs: readonly (readonly [string, RunState])[],
): Promise<void> {
  const col = (value: (r: RunState) => unknown): unknown[] => runs.map(([, r]) => value(r));
  await client.query(
    `UPDATE ${t.runs} AS r SET
       status = coalesce(u.status, r.status),
       error = CASE WHEN u.error_set THEN u.error ELSE r.error END,
       outputs = CASE WHEN u.outputs_set THEN u.outputs ELSE r.outputs END,
       updated_at = coalesce(u.updated_at, r.updated_at),
       last_seq = u.last_seq,
       owner = CASE WHEN u.released THEN NULL ELSE r.owner END,
       lease_expires_at = CASE WHEN u.released THEN NULL ELSE r.lease_expires_at END
     FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::bool[], $6::text[],
       $7::float8[], $8::int[], $9::bool[]) AS u(id, status, error_set, error, outputs_set,
       outputs, updated_at, last_seq, released)
     WHERE r.id = u.id`,
    [
      runs.map(([id]) => id),
      col((r) => r.status),
      col((r) => r.errorSet),
      col((r) => r.error),
      col((r) => r.outputsSet),
      col((r) => r.outputs),
      col((r) => r.updatedAt),
      col((r) => r.lastSeq),
      col((r) => r.released),
    ],
  );
}

async function insertDefinitions(
  client: pg.PoolClient,
  t: Tables,
  definitions: readonly DefineOp[],
): Promise<void> {
  await client.query(
    `INSERT INTO ${t.definitions} (hash, source, workflow)
     SELECT * FROM unnest($1::text[], ${LINES('$2')}, $3::text[])
     ON CONFLICT (hash) DO NOTHING`,
    [
      definitions.map((d) => d.hash),
      definitions.map((d) => d.source).join('\n'),
      definitions.map((d) => d.workflow),
    ],
  );
}
