import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance, suggest } from './suggest.js';

describe('suggestions', () => {
  it('measures edit distance, counting a swap of neighbours as one edit', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('spce', 'spec')).toBe(1);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });

  it('finds the closest name within reach', () => {
    expect(closest('dependson', ['dependsOn', 'inputs'])).toBe('dependsOn');
    expect(closest('exectuor', ['executor', 'outputs'])).toBe('executor');
    expect(closest('scroe', ['score', 'metrics'])).toBe('score');
    expect(closest('nmae', ['name', 'type'])).toBe('name');
    expect(closest('zzz', ['executor', 'outputs'])).toBeUndefined();
    expect(closest('ab', ['ac'])).toBeUndefined();
    expect(didYouMean('Workflo', ['Workflow', 'Template'])).toBe('did you mean "Workflow"?');
  });

  it('lists ties, at most three, sorted', () => {
    expect(suggest('lenght', ['length', 'lower', 'left'])).toEqual(['length']);
    expect(suggest('abcd', ['abce', 'abcf', 'abcg', 'abch'])).toEqual(['abce', 'abcf', 'abcg']);
  });
});
