import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from './suggest.js';

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
  });

  it('finds the closest name within reach', () => {
    expect(closest('dependson', ['dependsOn', 'inputs'])).toBe('dependsOn');
    expect(closest('exectuor', ['executor', 'outputs'])).toBe('executor');
    expect(closest('zzz', ['executor', 'outputs'])).toBeUndefined();
    expect(didYouMean('Workflo', ['Workflow', 'Template'])).toBe('did you mean "Workflow"?');
  });
});
