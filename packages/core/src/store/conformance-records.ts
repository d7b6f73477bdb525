/**
 * The conformance tests of what a store keeps beside runs (records.ts): the cache, the audit log
 * and the usage log. `describeStoreConformance` runs them for every store; `fresh` opens a new,
 * empty store (closed after the test by the caller).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from './port.js';
import type { NewAuditEntry, UsageFilter, UsageRecord } from './records.js';

/** Label keys that must not be read as JSON path syntax or SQL. */
const ODD_KEY = `team "a".b[0]'; --\\`;

function usage(id: string, at: number, fields: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id,
    at,
    runId: 'r1',
    taskId: 'a',
    workflow: 'wf',
    labels: { env: 'prod' },
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 100,
    outputTokens: 10,
    costUsd: 0.5,
    latencyMs: 800,
    quality: undefined,
    cached: false,
    ...fields,
  };
}

const ZERO = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };

export function describeRecordsConformance(fresh: () => Promise<Store>): void {
  describe('cache', () => {
    it('keeps JSON values, replaces them and returns copies', async () => {
      const s = await fresh();
      const value = {
        text: 'é "quoted" \\ \n',
        nested: { list: [1, 'two', null, true, { deep: [1.5, -2] }], empty: {} },
        n: 0.1,
      };
      await s.cache.put('k1', value, 1000);
      await s.cache.put('k2', 'plain text', 1000);
      await s.cache.put('k3', [1, 2, 3], 1000);
      await s.cache.put('k4', null, 1000);
      await s.cache.put('k5', 42, 1000);
      value.nested.list.push('changed after put');
      const got = await s.cache.get('k1', 2000);
      expect(got).toEqual({
        key: 'k1',
        value: {
          text: 'é "quoted" \\ \n',
          nested: { list: [1, 'two', null, true, { deep: [1.5, -2] }], empty: {} },
          n: 0.1,
        },
        storedAt: 1000,
        expiresAt: undefined,
      });
      (got?.value as { n: number }).n = 99;
      expect(((await s.cache.get('k1', 2000))?.value as { n: number }).n).toBe(0.1);
      expect((await s.cache.get('k2', 2000))?.value).toBe('plain text');
      expect((await s.cache.get('k3', 2000))?.value).toEqual([1, 2, 3]);
      expect((await s.cache.get('k4', 2000))?.value).toBeNull();
      expect((await s.cache.get('k5', 2000))?.value).toBe(42);
      expect(await s.cache.get('missing', 2000)).toBeUndefined();

      await s.cache.put('k1', { replaced: true }, 3000, 500);
      expect(await s.cache.get('k1', 3000)).toEqual({
        key: 'k1',
        value: { replaced: true },
        storedAt: 3000,
        expiresAt: 3500,
      });
      // Replaced without a ttl: it never expires any more.
      await s.cache.put('k1', 'again', 3100);
      expect(await s.cache.get('k1', 1e15)).toMatchObject({ value: 'again', expiresAt: undefined });
    });

    it('expires an entry at now + ttl, unless asked for it anyway', async () => {
      const s = await fresh();
      await s.cache.put('t', { v: 1 }, 1000, 100);
      expect(await s.cache.get('t', 1099)).toMatchObject({ value: { v: 1 }, expiresAt: 1100 });
      expect(await s.cache.get('t', 1100)).toBeUndefined();
      expect(await s.cache.get('t', 5000)).toBeUndefined();
      expect(await s.cache.get('t', 5000, { includeExpired: true })).toEqual({
        key: 't',
        value: { v: 1 },
        storedAt: 1000,
        expiresAt: 1100,
      });
      expect(await s.cache.get('t', 5000, { includeExpired: false })).toBeUndefined();
      expect(await s.cache.get('missing', 5000, { includeExpired: true })).toBeUndefined();
    });

    it('deletes entries and purges the expired ones', async () => {
      const s = await fresh();
      await s.cache.put('forever', 1, 0);
      await s.cache.put('short', 2, 0, 10);
      await s.cache.put('long', 3, 0, 20);
      expect(await s.cache.delete('forever')).toBe(true);
      expect(await s.cache.delete('forever')).toBe(false);
      expect(await s.cache.get('forever', 0)).toBeUndefined();
      await s.cache.put('forever', 1, 0);

      expect(await s.cache.purgeExpired(9)).toBe(0);
      expect(await s.cache.purgeExpired(10)).toBe(1);
      expect(await s.cache.get('short', 10, { includeExpired: true })).toBeUndefined();
      expect(await s.cache.get('long', 10)).toMatchObject({ value: 3 });
      expect(await s.cache.purgeExpired(10)).toBe(0);
      expect(await s.cache.purgeExpired(1e15)).toBe(1);
      expect(await s.cache.get('forever', 1e15)).toMatchObject({ value: 1 });
    });

    it('lists the unexpired entries under a prefix, in key order, returning copies', async () => {
      const s = await fresh();
      await s.cache.put('apikey:b', { name: 'b', n: [1] }, 1000);
      await s.cache.put('apikey:a', { name: 'a' }, 1000, 500);
      await s.cache.put('apikey:c', 'gone', 1000, 100);
      await s.cache.put('apikey', 'the prefix itself is no entry under it', 1000);
      await s.cache.put('apikex:z', 'before', 1000);
      await s.cache.put('apikez:a', 'after', 1000);
      await s.cache.put('llm:1', 'other', 1000);

      const listed = await s.cache.list('apikey:', 1100);
      expect(listed).toEqual([
        { key: 'apikey:a', value: { name: 'a' }, storedAt: 1000, expiresAt: 1500 },
        { key: 'apikey:b', value: { name: 'b', n: [1] }, storedAt: 1000, expiresAt: undefined },
      ]);
      (listed[1]?.value as { n: number[] }).n.push(2);
      expect((await s.cache.get('apikey:b', 1100))?.value).toEqual({ name: 'b', n: [1] });

      // Expired at `now` (expiresAt <= now): left out, as `get` leaves it out.
      expect((await s.cache.list('apikey:', 1500)).map((e) => e.key)).toEqual(['apikey:b']);
      expect((await s.cache.list('apikey:', 1099)).map((e) => e.key)).toEqual([
        'apikey:a',
        'apikey:b',
        'apikey:c',
      ]);
      expect(await s.cache.list('nothing:', 1100)).toEqual([]);
      expect((await s.cache.list('', 1100)).map((e) => e.key)).toEqual([
        'apikex:z',
        'apikey',
        'apikey:a',
        'apikey:b',
        'apikez:a',
        'llm:1',
      ]);
    });

    it('matches the prefix literally and orders keys by code point', async () => {
      const s = await fresh();
      const keys = [
        'p%:1',
        'p%x',
        'p_:1',
        'pa:1',
        'pX:1',
        'p\\:1',
        'p\\%',
        'P%:1',
        'p%:é',
        'p%:\u{1F600}',
        'p%:\uFFFD',
        'p%:Z',
        'p%:a',
        'p%:',
      ];
      for (const k of keys) await s.cache.put(k, k, 0);

      // Neither `%` nor `_` is a wildcard, nor `\` an escape; the case matters.
      expect((await s.cache.list('p%:', 1)).map((e) => e.key)).toEqual([
        'p%:',
        'p%:1',
        'p%:Z',
        'p%:a',
        'p%:é',
        'p%:\uFFFD',
        'p%:\u{1F600}',
      ]);
      expect((await s.cache.list('p_', 1)).map((e) => e.key)).toEqual(['p_:1']);
      expect((await s.cache.list('p\\', 1)).map((e) => e.key)).toEqual(['p\\%', 'p\\:1']);
      expect((await s.cache.list('p\\%', 1)).map((e) => e.key)).toEqual(['p\\%']);
      expect((await s.cache.list(`p%:${ODD_KEY}`, 1)).map((e) => e.key)).toEqual([]);
      expect((await s.cache.list('p', 1)).map((e) => e.key)).toEqual([
        'p%:',
        'p%:1',
        'p%:Z',
        'p%:a',
        'p%:é',
        'p%:\uFFFD',
        'p%:\u{1F600}',
        'p%x',
        'pX:1',
        'p\\%',
        'p\\:1',
        'p_:1',
        'pa:1',
      ]);
    });
  });

  describe('audit log', () => {
    const entry = (at: number, fields: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
      at,
      actor: 'engine',
      action: 'policy.decision',
      outcome: 'allowed',
      details: {},
      ...fields,
    });

    it('appends entries with increasing ids and keeps their details', async () => {
      const s = await fresh();
      const details = {
        reason: 'over budget "daily"',
        policy: { name: 'budget', limits: [1.5, 2] },
        figures: { spentUsd: 0.25, nested: { ok: false, none: null } },
      };
      const first = await s.audit.append(
        entry(10, { actor: 'policy:budget', runId: 'r1', taskId: 'a', outcome: 'denied', details }),
      );
      const second = await s.audit.append(entry(11, { action: 'run.cancel', actor: 'alice' }));
      expect(second.id).toBeGreaterThan(first.id);
      expect(first).toEqual({
        id: first.id,
        at: 10,
        actor: 'policy:budget',
        action: 'policy.decision',
        runId: 'r1',
        taskId: 'a',
        outcome: 'denied',
        details,
      });
      expect(second).toEqual({
        id: second.id,
        at: 11,
        actor: 'alice',
        action: 'run.cancel',
        runId: undefined,
        taskId: undefined,
        outcome: 'allowed',
        details: {},
      });
      expect(await s.audit.list()).toEqual([first, second]);
    });

    it('lists entries by run, action, time and id, oldest first, 100 at most by default', async () => {
      const s = await fresh();
      const a = await s.audit.append(entry(10, { runId: 'r1' }));
      const b = await s.audit.append(entry(20, { runId: 'r2', action: 'task.approve' }));
      const c = await s.audit.append(entry(30, { runId: 'r1', action: 'task.approve' }));
      const d = await s.audit.append(entry(40, { outcome: 'error' }));
      const ids = (list: readonly { id: number }[]): number[] => list.map((e) => e.id);
      expect(ids(await s.audit.list())).toEqual([a.id, b.id, c.id, d.id]);
      expect(ids(await s.audit.list({ runId: 'r1' }))).toEqual([a.id, c.id]);
      expect(ids(await s.audit.list({ action: 'task.approve' }))).toEqual([b.id, c.id]);
      expect(ids(await s.audit.list({ runId: 'r1', action: 'task.approve' }))).toEqual([c.id]);
      expect(ids(await s.audit.list({ since: 30 }))).toEqual([c.id, d.id]);
      expect(ids(await s.audit.list({ afterId: b.id }))).toEqual([c.id, d.id]);
      expect(ids(await s.audit.list({ limit: 2 }))).toEqual([a.id, b.id]);
      expect(ids(await s.audit.list({ afterId: a.id, limit: 2 }))).toEqual([b.id, c.id]);
      expect(await s.audit.list({ runId: 'ghost' })).toEqual([]);
      expect(await s.audit.list({ limit: 0 })).toEqual([]);

      for (let i = 0; i < 100; i++) await s.audit.append(entry(100 + i));
      const page = await s.audit.list();
      expect(page.length).toBe(100);
      expect(page[0]?.id).toBe(a.id);
      const last = page.at(-1)?.id ?? 0;
      expect((await s.audit.list({ afterId: last })).length).toBe(4);
    });
  });

  describe('usage log', () => {
    it('records model calls and replaces a record with the same id', async () => {
      const s = await fresh();
      await s.usage.record([]);
      const labels = { env: 'prod', [ODD_KEY]: 'x', ünï: 'ç"ode' };
      const measured = usage('u1', 1000, { labels, latencyMs: 812.5, quality: 0.75 });
      const cached = usage('u2', 1001, {
        taskId: 'b',
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: undefined,
        cached: true,
      });
      await s.usage.record([measured, cached]);
      expect(await s.usage.list()).toEqual([measured, cached]);

      // A retried write replaces; so does the later of two records with one id in one call.
      await s.usage.record([{ ...measured, costUsd: 0.25, inputTokens: 7 }]);
      await s.usage.record([
        usage('u3', 1002),
        { ...cached, model: 'first' },
        { ...cached, model: 'second' },
      ]);
      const listed = await s.usage.list();
      expect(listed.map((r) => [r.id, r.costUsd, r.inputTokens, r.model])).toEqual([
        ['u1', 0.25, 7, 'gpt-4o'],
        ['u2', 0, 0, 'second'],
        ['u3', 0.5, 100, 'gpt-4o'],
      ]);
      expect(listed[0]?.labels).toEqual(labels);
      expect(await s.usage.totals()).toEqual({
        calls: 3,
        inputTokens: 107,
        outputTokens: 20,
        costUsd: 0.75,
      });
    });

    it('lists and sums the records a filter matches, oldest first', async () => {
      const s = await fresh();
      await s.usage.record([
        usage('d', 40, { runId: 'r2', workflow: 'other', labels: { env: 'dev' }, costUsd: 0.125 }),
        usage('a', 10, { labels: { env: 'prod', [ODD_KEY]: 'yes' }, inputTokens: 1 }),
        usage('c', 30, { provider: 'anthropic', model: 'claude', outputTokens: 5 }),
        usage('b', 20, { runId: 'r2', labels: {}, costUsd: 0.25 }),
      ]);
      const ids = async (filter: UsageFilter | undefined, limit?: number) =>
        (await s.usage.list(filter, limit)).map((r) => r.id);
      expect(await ids({})).toEqual(['a', 'b', 'c', 'd']);
      expect(await ids(undefined, 2)).toEqual(['a', 'b']);
      expect(await ids({}, 0)).toEqual([]);
      expect(await ids({ runId: 'r2' })).toEqual(['b', 'd']);
      expect(await ids({ workflow: 'wf' })).toEqual(['a', 'b', 'c']);
      expect(await ids({ label: ['env', 'prod'] })).toEqual(['a', 'c']);
      expect(await ids({ label: [ODD_KEY, 'yes'] })).toEqual(['a']);
      expect(await ids({ label: ['env', 'staging'] })).toEqual([]);
      expect(await ids({ label: ['missing', 'prod'] })).toEqual([]);
      expect(await ids({ provider: 'anthropic' })).toEqual(['c']);
      expect(await ids({ model: 'gpt-4o' })).toEqual(['a', 'b', 'd']);
      expect(await ids({ since: 20 })).toEqual(['b', 'c', 'd']);
      expect(await ids({ until: 30 })).toEqual(['a', 'b']);
      expect(await ids({ since: 20, until: 40 })).toEqual(['b', 'c']);
      expect(await ids({ workflow: 'wf', label: ['env', 'prod'], since: 11 }, 5)).toEqual(['c']);

      expect(await s.usage.totals()).toEqual({
        calls: 4,
        inputTokens: 301,
        outputTokens: 35,
        costUsd: 1.375,
      });
      expect(await s.usage.totals({ runId: 'r2' })).toEqual({
        calls: 2,
        inputTokens: 200,
        outputTokens: 20,
        costUsd: 0.375,
      });
      expect(await s.usage.totals({ label: ['env', 'prod'], provider: 'openai' })).toEqual({
        calls: 1,
        inputTokens: 1,
        outputTokens: 10,
        costUsd: 0.5,
      });
      expect(await s.usage.totals({ workflow: 'other', since: 40, until: 41 })).toMatchObject({
        calls: 1,
        costUsd: 0.125,
      });
      expect(await s.usage.totals({ model: 'none' })).toEqual(ZERO);
      expect(await s.usage.totals({ since: 41 })).toEqual(ZERO);
    });

    it('sums to zeros when empty', async () => {
      const s = await fresh();
      expect(await s.usage.totals()).toEqual(ZERO);
      expect(await s.usage.list()).toEqual([]);
    });
  });

  it('keeps audit and usage records when their run is deleted', async () => {
    const s = await fresh();
    await s.createRun('r1', {
      type: 'run.created',
      at: 1,
      workflow: { name: 'wf', version: '1' },
      inputs: {},
      definition: 'h',
    });
    await s.audit.append({
      at: 2,
      actor: 'alice',
      action: 'run.cancel',
      runId: 'r1',
      outcome: 'ok',
      details: {},
    });
    await s.usage.record([usage('u1', 3)]);
    await s.deleteRun('r1');
    expect(await s.getRun('r1')).toBeUndefined();
    expect((await s.audit.list({ runId: 'r1' })).length).toBe(1);
    expect((await s.usage.list({ runId: 'r1' })).map((r) => r.id)).toEqual(['u1']);
  });
}
