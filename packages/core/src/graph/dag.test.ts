import { describe, expect, it } from 'vitest';
import { CycleError, OrchestratorError } from '../errors.js';
import { buildDag } from './dag.js';
import type { DependencyKind, DependencySpec, GraphNodeSpec } from './types.js';

type Dep = string | DependencySpec;

function node(id: string, deps: readonly Dep[] = [], weight?: number): GraphNodeSpec {
  const dependsOn = deps.map((d): DependencySpec =>
    typeof d === 'string' ? { id: d, kind: 'success' } : d,
  );
  return weight === undefined ? { id, dependsOn } : { id, dependsOn, weight };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function chain(n: number): GraphNodeSpec[] {
  const nodes: GraphNodeSpec[] = [node('t0')];
  for (let i = 1; i < n; i++) nodes.push(node(`t${i}`, [`t${i - 1}`]));
  return nodes;
}

const diamond = [node('a'), node('b', ['a']), node('c', ['a']), node('d', ['b', 'c'])];

describe('buildDag: structure', () => {
  it('orders, levels, roots and leaves of a diamond', () => {
    const dag = buildDag(diamond);
    expect(dag.size).toBe(4);
    expect(dag.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(dag.order).toEqual(['a', 'b', 'c', 'd']);
    expect(dag.levels).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(dag.roots).toEqual(['a']);
    expect(dag.leaves).toEqual(['d']);
    expect(dag.levelOf('d')).toBe(2);
    expect(dag.indexOf('c')).toBe(2);
    expect(dag.indexOf('zzz')).toBeUndefined();
    expect(dag.dependents('a')).toEqual(['b', 'c']);
    expect(dag.dependents('d')).toEqual([]);
    expect(dag.dependencies('d').map((d) => d.id)).toEqual(['b', 'c']);
  });

  it('uses a FIFO queue seeded in input order for the topological order', () => {
    const dag = buildDag([
      node('c', ['a']),
      node('a'),
      node('b'),
      node('e', ['c']),
      node('d', ['b']),
    ]);
    // roots a, b (input order); a releases c, b releases d, then c releases e
    expect(dag.order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(dag.roots).toEqual(['a', 'b']);
    expect(dag.leaves).toEqual(['e', 'd']);
  });

  it('levels are longest chains from a root, each level in input order', () => {
    const dag = buildDag([
      node('d', ['a', 'c']),
      node('x'),
      node('c', ['b']),
      node('b', ['a']),
      node('a'),
    ]);
    expect(dag.levels).toEqual([['x', 'a'], ['b'], ['c'], ['d']]);
    expect(dag.levelOf('d')).toBe(3);
    expect(dag.levelOf('x')).toBe(0);
  });

  it('handles the empty graph', () => {
    const dag = buildDag([]);
    expect(dag.size).toBe(0);
    expect(dag.order).toEqual([]);
    expect(dag.levels).toEqual([]);
    expect(dag.criticalPath).toEqual({ ids: [], length: 0 });
  });
});

describe('buildDag: critical path', () => {
  it('follows the heaviest path by summed weight', () => {
    const dag = buildDag([
      node('a', [], 1),
      node('b', ['a'], 5),
      node('c', ['a'], 2),
      node('d', ['b', 'c'], 1),
      node('e', ['c'], 3),
    ]);
    expect(dag.criticalPath).toEqual({ ids: ['a', 'b', 'd'], length: 7 });
  });

  it('defaults weights to 1 and breaks ties by the earliest leaf and dependency', () => {
    const dag = buildDag([node('a'), node('b'), node('c', ['b', 'a']), node('d', ['a'])]);
    expect(dag.criticalPath).toEqual({ ids: ['b', 'c'], length: 2 });
  });

  it('ends at a leaf even when trailing weights are zero', () => {
    const dag = buildDag([node('a', [], 2), node('b', ['a'], 0), node('c', ['b'], 0)]);
    expect(dag.criticalPath).toEqual({ ids: ['a', 'b', 'c'], length: 2 });
  });
});

describe('buildDag: repeated dependencies', () => {
  it('keeps one entry per id at the first position, strongest kind wins', () => {
    const dag = buildDag([
      node('a'),
      node('c'),
      node('b', [
        { id: 'a', kind: 'completion' },
        { id: 'c', kind: 'success' },
        { id: 'a', kind: 'success' },
        { id: 'c', kind: 'completion' },
      ]),
      node('d', [
        { id: 'a', kind: 'success' },
        { id: 'a', kind: 'data', outputKey: 'first' },
        { id: 'a', kind: 'data', outputKey: 'second' },
        { id: 'a', kind: 'completion' },
      ]),
    ]);
    expect(dag.dependencies('b')).toEqual([
      { id: 'a', kind: 'success' },
      { id: 'c', kind: 'success' },
    ]);
    expect(dag.dependencies('d')).toEqual([{ id: 'a', kind: 'data', outputKey: 'first' }]);
    expect(dag.dependents('a')).toEqual(['b', 'd']);
    expect(dag.dependents('c')).toEqual(['b']);
  });
});

describe('buildDag: errors', () => {
  it('rejects duplicate ids', () => {
    const error = thrown(() => buildDag([node('a'), node('b'), node('a')]));
    expect(error).toBeInstanceOf(OrchestratorError);
    expect(error).toMatchObject({ code: 'DAG_DUPLICATE_ID', message: 'duplicate task id "a"' });
  });

  it('rejects unknown dependencies', () => {
    const error = thrown(() => buildDag([node('a'), node('b', ['a', 'nope'])]));
    expect(error).toMatchObject({
      code: 'DAG_UNKNOWN_DEPENDENCY',
      message: 'task "b" depends on unknown task "nope"',
    });
    expect((error as OrchestratorError).hint).toBeDefined();
  });

  it('rejects bad weights and kinds', () => {
    expect(thrown(() => buildDag([node('a', [], -1)]))).toMatchObject({
      code: 'DAG_INVALID_WEIGHT',
    });
    expect(thrown(() => buildDag([node('a', [], Number.NaN)]))).toMatchObject({
      code: 'DAG_INVALID_WEIGHT',
    });
    const bad = { id: 'a', kind: 'sometimes' as DependencyKind };
    expect(thrown(() => buildDag([node('a'), node('b', [bad])]))).toMatchObject({
      code: 'DAG_INVALID_DEPENDENCY_KIND',
    });
  });

  it('throws CycleError with the cycle in execution order', () => {
    const error = thrown(() =>
      buildDag([node('x'), node('b', ['a']), node('a', ['c', 'x']), node('c', ['b'])]),
    );
    expect(error).toBeInstanceOf(CycleError);
    // b depends on a, c on b, a on c
    expect((error as CycleError).cycle).toEqual(['b', 'c', 'a', 'b']);
    expect((error as CycleError).code).toBe('DAG_CYCLE');
  });

  it('reports a self-dependency as a cycle', () => {
    const error = thrown(() => buildDag([node('a', ['a'])]));
    expect((error as CycleError).cycle).toEqual(['a', 'a']);
  });

  it('throws DAG_UNKNOWN_TASK for queries on unknown ids', () => {
    const dag = buildDag(diamond);
    expect(thrown(() => dag.dependencies('q'))).toMatchObject({ code: 'DAG_UNKNOWN_TASK' });
    expect(thrown(() => dag.isUpstream('a', 'q'))).toMatchObject({ code: 'DAG_UNKNOWN_TASK' });
    expect(thrown(() => dag.levelOf('q'))).toMatchObject({ code: 'DAG_UNKNOWN_TASK' });
  });
});

describe('buildDag: upstream queries', () => {
  const dag = buildDag([...diamond, node('e', ['d']), node('f', ['c']), node('g')]);

  it('isUpstream is strict and follows dependencies transitively', () => {
    expect(dag.isUpstream('a', 'b')).toBe(true);
    expect(dag.isUpstream('a', 'e')).toBe(true);
    expect(dag.isUpstream('b', 'e')).toBe(true);
    expect(dag.isUpstream('e', 'a')).toBe(false);
    expect(dag.isUpstream('a', 'a')).toBe(false);
    expect(dag.isUpstream('b', 'c')).toBe(false);
    expect(dag.isUpstream('b', 'f')).toBe(false);
    expect(dag.isUpstream('g', 'e')).toBe(false);
  });

  it('upstreamOf lists all ancestors', () => {
    expect([...dag.upstreamOf('e')].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...dag.upstreamOf('f')].sort()).toEqual(['a', 'c']);
    expect(dag.upstreamOf('a').size).toBe(0);
  });

  it('keeps answering correctly when the visited epoch wraps around', () => {
    const fresh = buildDag([...diamond, node('e', ['d'])]);
    expect(fresh.upstreamOf('e').size).toBe(4); // marks every task with epoch 1
    (fresh as unknown as { epoch: number }).epoch = 0x7fffffff; // the next search wraps to 1
    expect(fresh.isUpstream('a', 'e')).toBe(true);
    expect(fresh.upstreamOf('e').size).toBe(4);
    expect(fresh.isUpstream('b', 'e')).toBe(true);
    expect(fresh.isUpstream('c', 'b')).toBe(false);
  });
});

describe('buildDag: large graphs (no recursion)', () => {
  const N = 100_000;

  it('builds a 100,000-long chain', () => {
    const nodes = chain(N);
    const dag = buildDag(nodes);
    expect(dag.order[N - 1]).toBe(`t${N - 1}`);
    expect(dag.levels.length).toBe(N);
    expect(dag.levelOf(`t${N - 1}`)).toBe(N - 1);
    expect(dag.criticalPath.length).toBe(N);
    expect(dag.criticalPath.ids.length).toBe(N);
    expect(dag.isUpstream('t0', `t${N - 1}`)).toBe(true);
    expect(dag.isUpstream(`t${N - 1}`, 't0')).toBe(false);
    expect(dag.upstreamOf(`t${N - 1}`).size).toBe(N - 1);
  });

  it('builds a 100,000-wide fan-out and fan-in', () => {
    const nodes: GraphNodeSpec[] = [node('root')];
    const middle: string[] = [];
    for (let i = 0; i < N; i++) {
      middle.push(`m${i}`);
      nodes.push(node(`m${i}`, ['root']));
    }
    nodes.push(node('sink', middle));
    const dag = buildDag(nodes);
    expect(dag.levels.map((l) => l.length)).toEqual([1, N, 1]);
    expect(dag.dependents('root').length).toBe(N);
    expect(dag.dependencies('sink').length).toBe(N);
    expect(dag.criticalPath).toEqual({ ids: ['root', 'm0', 'sink'], length: 3 });
    expect(dag.isUpstream('root', 'sink')).toBe(true);
    expect(dag.isUpstream('m5', 'm6')).toBe(false);
    expect(dag.upstreamOf('sink').size).toBe(N + 1);
  });

  it('reports a 100,000-long cycle without overflowing the stack', () => {
    const nodes = chain(N);
    nodes[0] = node('t0', [`t${N - 1}`]);
    const error = thrown(() => buildDag(nodes));
    expect(error).toBeInstanceOf(CycleError);
    const cycle = (error as CycleError).cycle;
    expect(cycle.length).toBe(N + 1);
    expect(cycle[0]).toBe('t0');
    expect(cycle[1]).toBe('t1');
    expect(cycle[N]).toBe('t0');
  });
});
