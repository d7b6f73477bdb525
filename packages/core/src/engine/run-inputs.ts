/**
 * Checks the inputs given to a run against the workflow's declared inputs: unknown names,
 * required ones, types, validation rules and custom expressions. Defaults fill what is missing.
 */
import { OrchestratorError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import { compileTemplate } from '../expr/index.js';
import type { InputParameter } from '../definition/schema.js';
import { validationProblem } from '../definition/semantic/inputs.js';
import { literalTypeProblem } from '../definition/value-types.js';

export class InvalidInputsError extends OrchestratorError {
  constructor(readonly problems: readonly string[]) {
    super('INVALID_INPUTS', `invalid workflow inputs:\n  - ${problems.join('\n  - ')}`, {
      hint: 'pass inputs as --input name=value, --inputs JSON, or in the SDK call',
    });
  }
}

/** The run's inputs with defaults applied; throws InvalidInputsError listing every problem. */
export function resolveInputs(
  declared: readonly InputParameter[],
  given: Readonly<Record<string, unknown>>,
  base: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const problems: string[] = [];
  const names = new Set(declared.map((d) => d.name));
  for (const key of Object.keys(given)) {
    if (!names.has(key)) {
      const close = didYouMean(key, names);
      const known = `inputs: ${[...names].join(', ') || 'none'}`;
      problems.push(`\`${key}\` is not an input of this workflow (${close ?? known})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const input of declared) {
    let value = Object.hasOwn(given, input.name) ? given[input.name] : undefined;
    if (value === undefined) value = input.default;
    if (value === undefined || value === null) {
      if (input.required === true) problems.push(`\`${input.name}\` is required`);
      out[input.name] = null;
      continue;
    }
    const typeProblem = literalTypeProblem(value, input);
    if (typeProblem !== undefined) {
      problems.push(`\`${input.name}\`: ${typeProblem}`);
      continue;
    }
    const broken = validationProblem(input, value);
    if (broken !== undefined) problems.push(`\`${input.name}\` ${broken}`);
    out[input.name] = value;
  }
  for (const input of declared) {
    const custom = input.validation?.custom;
    if (custom === undefined || out[input.name] === null) continue;
    try {
      const context = { ...base, value: out[input.name], workflow: { inputs: out } };
      if (!compileTemplate(custom).evaluate(context)) {
        problems.push(`\`${input.name}\` fails its custom validation ${custom}`);
      }
    } catch (err) {
      problems.push(`\`${input.name}\`: its custom validation failed: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new InvalidInputsError(problems);
  return out;
}

/**
 * Parses `name=value` command-line inputs. A value for a string input is taken as it is; for
 * other inputs it is read as JSON when it is valid JSON (numbers, booleans, lists, mappings).
 */
export function parseInputAssignments(
  assignments: readonly string[],
  declared: readonly InputParameter[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new OrchestratorError('INVALID_INPUTS', `--input "${a}" is not name=value`);
    const name = a.slice(0, eq);
    const raw = a.slice(eq + 1);
    const type = declared.find((d) => d.name === name)?.type;
    let value: unknown = raw;
    if (type !== 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    out[name] = value;
  }
  return out;
}
