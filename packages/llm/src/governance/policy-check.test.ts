import { describe, expect, it } from 'vitest';
import { policyCheckExecutor } from './policy-check.js';

const check = (content: unknown, policies: unknown) =>
  policyCheckExecutor.execute({ content, policies }, {} as never) as {
    passed: boolean;
    violations: { policy: string; rule: string }[];
    checked: number;
  };

describe('llm-governance:policy-check', () => {
  it('passes clean content and reports each violation with its policy and rule', () => {
    const rules = [
      { name: 'no-secrets', blocked_terms: ['password', 'API key'] },
      { name: 'no-emails', forbidden_pattern: '[\\w.]+@[\\w.]+' },
      { name: 'cite', required_pattern: '\\[\\d+\\]' },
      { name: 'short', max_length: 40, min_length: 2 },
    ];
    expect(check('Paris is the capital [1].', rules)).toEqual({
      passed: true,
      violations: [],
      checked: 5,
    });
    const bad = check('My PASSWORD is hunter2, mail me at a@b.org, it is long enough', rules);
    expect(bad.passed).toBe(false);
    expect(bad.violations.map((v) => `${v.policy}/${v.rule}`)).toEqual([
      'no-secrets/blocked_terms',
      'no-emails/forbidden_pattern',
      'cite/required_pattern',
      'short/max_length',
    ]);
  });

  it('refuses unknown rules and bad patterns with a clear input error', () => {
    expect(() => check('x', [{ name: 'p', banned: ['x'] }])).toThrow(/p: unknown rule banned/);
    expect(() => check('x', [{ forbidden_pattern: '(' }])).toThrow(/not a valid regular/);
    expect(() => check(3, [])).toThrow(/`content` must be a string/);
  });
});
