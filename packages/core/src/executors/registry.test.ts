import { describe, expect, it } from 'vitest';
import type { ExecutorCatalog } from '../definition/semantic/task-checks.js';
import { OrchestratorError } from '../errors.js';
import { ExecutorRegistry } from './registry.js';
import { run, testContext } from './test-helpers.js';
import type { Executor } from './types.js';

const echo: Executor = {
  name: 'test:echo',
  description: 'echo',
  execute: (inputs) => ({ ...inputs }),
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchestratorError);
    return (err as OrchestratorError).code;
  }
  return undefined;
}

describe('ExecutorRegistry', () => {
  it('registers executors and functions and finds them', async () => {
    const r = new ExecutorRegistry()
      .register('test:echo', echo)
      .register('double', (inputs) => ({ result: Number(inputs['x']) * 2 }), 'doubles x');
    expect(r.has('test:echo')).toBe(true);
    expect(r.has('double')).toBe(true);
    expect(r.has('missing')).toBe(false);
    expect(r.get('test:echo')).toBe(echo);
    const double = r.get('double');
    expect(double?.name).toBe('double');
    expect(double?.description).toBe('doubles x');
    expect(await run(r.resolve('double'), { x: 4 })).toEqual({ result: 8 });
    expect(r.get('nope')).toBeUndefined();
  });

  it('names an executor registered under another name by that name, keeping `this`', async () => {
    class Counter implements Executor {
      readonly name = 'counter';
      private n = 0;
      execute(): unknown {
        this.n += 1;
        return { result: this.n };
      }
    }
    const r = new ExecutorRegistry().register('ns:count', new Counter());
    const e = r.resolve('ns:count');
    expect(e.name).toBe('ns:count');
    expect(await run(e, {}, testContext())).toEqual({ result: 1 });
    expect(await run(e, {}, testContext())).toEqual({ result: 2 });
  });

  it('refuses a taken name unless replace is set', () => {
    const r = new ExecutorRegistry().register('test:echo', echo);
    expect(codeOf(() => r.register('test:echo', echo))).toBe('EXECUTOR_EXISTS');
    const other = (): unknown => ({ result: 'other' });
    r.register('test:echo', other, { replace: true, description: 'replaced' });
    expect(r.get('test:echo')?.description).toBe('replaced');
    r.register('test:echo', echo, 'again', { replace: true });
    expect(r.get('test:echo')?.description).toBe('again');
  });

  it('validates names', () => {
    const r = new ExecutorRegistry();
    for (const bad of ['', ':x', 'x:', 'a b', '-x', 'x::y', 'ns:-x', 'é', 'a/b']) {
      expect(
        codeOf(() => r.register(bad, echo)),
        bad,
      ).toBe('INVALID_EXECUTOR_NAME');
    }
    for (const good of ['sleep', 'ns:name', 'llm-forge:claude-api', 'a.b:c_d:e-f', 'X9']) {
      r.register(good, echo);
    }
    expect(r.names()).toHaveLength(5);
    expect(codeOf(() => r.alias('bad name', 'sleep'))).toBe('INVALID_EXECUTOR_NAME');
  });

  it('refuses something that is not an executor', () => {
    const r = new ExecutorRegistry();
    expect(codeOf(() => r.register('x', {} as Executor))).toBe('INVALID_EXECUTOR');
  });

  it('resolves aliases at lookup, through chains, and sees replaced targets', () => {
    const r = new ExecutorRegistry().register('test:echo', echo).alias('old:echo', 'test:echo');
    r.alias('older:echo', 'old:echo');
    expect(r.get('old:echo')).toBe(echo);
    expect(r.get('older:echo')).toBe(echo);
    expect(r.canonicalName('older:echo')).toBe('test:echo');
    const replacement: Executor = { name: 'test:echo', execute: () => ({}) };
    r.register('test:echo', replacement, { replace: true });
    expect(r.get('old:echo')).toBe(replacement);
    expect(r.has('older:echo')).toBe(true);
  });

  it('refuses aliases to unknown targets, onto taken names, and to themselves', () => {
    const r = new ExecutorRegistry().register('a', echo).register('b', echo);
    expect(codeOf(() => r.alias('x', 'unknown'))).toBe('EXECUTOR_NOT_FOUND');
    expect(codeOf(() => r.alias('a', 'b'))).toBe('EXECUTOR_EXISTS');
    r.alias('c', 'a');
    expect(codeOf(() => r.alias('c', 'b'))).toBe('EXECUTOR_EXISTS');
    r.alias('d', 'a');
    r.alias('c', 'b', { replace: true });
    expect(r.canonicalName('c')).toBe('b');
    expect(codeOf(() => r.alias('a', 'c', { replace: true }))).toBe(undefined);
    expect(r.canonicalName('a')).toBe('b');
    expect(r.canonicalName('c')).toBe('b');
    expect(r.canonicalName('d')).toBe('b'); // followed its target when `a` became an alias
    expect(codeOf(() => r.alias('b', 'b', { replace: true }))).toBe('INVALID_ALIAS');
  });

  it('registering over an alias turns it into an executor', () => {
    const r = new ExecutorRegistry().register('a', echo).alias('b', 'a');
    expect(codeOf(() => r.register('b', echo))).toBe('EXECUTOR_EXISTS');
    const own = (): unknown => ({});
    r.register('b', own, { replace: true });
    expect(r.canonicalName('b')).toBe('b');
    expect(r.list().find((i) => i.name === 'b')?.aliasOf).toBeUndefined();
  });

  it('lists sorted names and descriptions, aliases included', () => {
    const r = new ExecutorRegistry()
      .register('zeta', echo)
      .register('alpha:one', echo, 'first')
      .alias('beta', 'zeta');
    expect(r.names()).toEqual(['alpha:one', 'beta', 'zeta']);
    expect(r.list()).toEqual([
      { name: 'alpha:one', description: 'first', aliasOf: undefined },
      { name: 'beta', description: 'echo', aliasOf: 'zeta' },
      { name: 'zeta', description: 'echo', aliasOf: undefined },
    ]);
  });

  it('resolve fails with a did-you-mean hint', () => {
    const r = new ExecutorRegistry().register('transform:template', echo);
    try {
      r.resolve('transform:templte');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({
        code: 'EXECUTOR_NOT_FOUND',
        hint: 'did you mean "transform:template"?',
      });
    }
  });

  it('is an ExecutorCatalog for the validator', () => {
    const catalog: ExecutorCatalog = new ExecutorRegistry().register('a', echo).alias('b', 'a');
    expect(catalog.has('b')).toBe(true);
    expect([...(catalog.names?.() ?? [])]).toEqual(['a', 'b']);
  });
});
