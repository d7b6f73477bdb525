/**
 * `llm-governance:policy-check`: checks content (a prompt or a response) against content rules.
 * Inputs: `content` (a string), `policies` (a list of rules; each may give `name`,
 * `blocked_terms` (case-insensitive substrings that must not appear), `forbidden_pattern` (a regex
 * that must not match), `required_pattern` (a regex that must match), `max_length` and
 * `min_length` in characters). Outputs: `passed` (no violation), `violations` (`{ policy, rule,
 * message }` each), `checked` (how many rules were applied).
 */
import { ExecutorInputError, type Executor } from '@llm-orchestrator/core';

export const POLICY_CHECK_EXECUTOR = 'llm-governance:policy-check';

interface Violation {
  readonly policy: string;
  readonly rule: string;
  readonly message: string;
}

const RULES = [
  'blocked_terms',
  'forbidden_pattern',
  'required_pattern',
  'max_length',
  'min_length',
];

function regex(value: unknown, where: string): RegExp {
  if (typeof value !== 'string') {
    throw new ExecutorInputError(`${where} must be a regular expression (a string)`, {
      input: 'policies',
    });
  }
  try {
    return new RegExp(value, 'u');
  } catch (err) {
    throw new ExecutorInputError(
      `${where} is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
      { input: 'policies' },
    );
  }
}

function length(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ExecutorInputError(`${where} must be a non-negative integer`, { input: 'policies' });
  }
  return value;
}

export const policyCheckExecutor: Executor = {
  name: POLICY_CHECK_EXECUTOR,
  description: 'check content against content rules (blocked terms, patterns, length)',
  execute(inputs) {
    const content = inputs.content;
    if (typeof content !== 'string') {
      throw new ExecutorInputError('input `content` must be a string', { input: 'content' });
    }
    const policies = inputs.policies;
    if (!Array.isArray(policies)) {
      throw new ExecutorInputError('input `policies` must be a list of rules', {
        input: 'policies',
      });
    }
    const violations: Violation[] = [];
    let checked = 0;
    const lower = content.toLowerCase();
    policies.forEach((p: unknown, i) => {
      if (p === null || typeof p !== 'object' || Array.isArray(p)) {
        throw new ExecutorInputError(`policies[${String(i)}] must be an object`, {
          input: 'policies',
        });
      }
      const rule = p as Record<string, unknown>;
      const name = typeof rule.name === 'string' ? rule.name : `policies[${String(i)}]`;
      const unknown = Object.keys(rule).filter((k) => k !== 'name' && !RULES.includes(k));
      if (unknown.length > 0) {
        throw new ExecutorInputError(
          `${name}: unknown rule ${unknown.join(', ')} (rules: ${RULES.join(', ')})`,
          { input: 'policies' },
        );
      }
      const add = (r: string, message: string): void => {
        violations.push({ policy: name, rule: r, message });
      };
      if (rule.blocked_terms !== undefined) {
        checked++;
        const terms = rule.blocked_terms;
        if (!Array.isArray(terms) || terms.some((t) => typeof t !== 'string')) {
          throw new ExecutorInputError(`${name}.blocked_terms must be a list of strings`, {
            input: 'policies',
          });
        }
        for (const t of terms as string[]) {
          if (t !== '' && lower.includes(t.toLowerCase())) add('blocked_terms', `contains "${t}"`);
        }
      }
      if (rule.forbidden_pattern !== undefined) {
        checked++;
        const re = regex(rule.forbidden_pattern, `${name}.forbidden_pattern`);
        if (re.test(content)) add('forbidden_pattern', `matches ${re.source}`);
      }
      if (rule.required_pattern !== undefined) {
        checked++;
        const re = regex(rule.required_pattern, `${name}.required_pattern`);
        if (!re.test(content)) add('required_pattern', `does not match ${re.source}`);
      }
      if (rule.max_length !== undefined) {
        checked++;
        const max = length(rule.max_length, `${name}.max_length`);
        if (content.length > max)
          add('max_length', `${String(content.length)} characters, more than ${String(max)}`);
      }
      if (rule.min_length !== undefined) {
        checked++;
        const min = length(rule.min_length, `${name}.min_length`);
        if (content.length < min)
          add('min_length', `${String(content.length)} characters, fewer than ${String(min)}`);
      }
    });
    return { passed: violations.length === 0, violations, checked };
  },
};
