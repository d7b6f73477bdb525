/**
 * Turns zod's structural issues into diagnostics a person can act on: "unknown field `exectuor` in
 * a task — did you mean `executor`?" rather than "Unrecognized key".
 */
import type { z } from 'zod';
import { didYouMean } from '../suggest.js';
import type { Diagnostic, JsonPath } from './diagnostics.js';
import { describeJsonType } from './value-types.js';
import {
  Branch,
  DURATION_PATTERN,
  ID_PATTERN,
  InputParameter,
  LABEL_KEY_PATTERN,
  Metadata,
  Task,
  WorkflowConfig,
} from './schema.js';

type Issue = z.core.$ZodIssue;

interface PatternHelp {
  readonly what: string;
  readonly hint: string;
}

/** Friendly words for each regex the schema uses, keyed by the regex source. */
const PATTERN_HELP: ReadonlyMap<string, PatternHelp> = new Map([
  [
    DURATION_PATTERN.source,
    { what: 'a duration', hint: 'write durations like 30s, 5m, 1h30m or 250ms' },
  ],
  [ID_PATTERN.source, { what: 'a name', hint: "use lowercase letters, digits, '_' and '-'" }],
  [
    LABEL_KEY_PATTERN.source,
    { what: 'a label key', hint: "use lowercase letters, digits, '.', '_' and '-'" },
  ],
  [
    String.raw`^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T|k)?$`,
    { what: 'a memory size', hint: 'write sizes like 512Mi, 8Gi or 1G' },
  ],
  [
    String.raw`^(\d+(\.\d+)?m?)$`,
    { what: 'a CPU quantity', hint: 'write cores as 4 or 0.5, or millicores as 500m' },
  ],
  [
    String.raw`\$\{\{[\s\S]*\}\}`,
    { what: 'an expression', hint: 'wrap the expression in ${{ ... }}' },
  ],
]);

/** The fields each object may have, for did-you-mean hints on unknown fields. */
function knownFields(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

const FIELD_SETS: readonly string[][] = [
  knownFields(Task),
  knownFields(Branch),
  knownFields(InputParameter),
  knownFields(Metadata),
  knownFields(WorkflowConfig),
  [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
    'config',
    'inputs',
    'tasks',
    'branches',
    'outputs',
    'events',
    'schedule',
    'timezone',
    'concurrencyPolicy',
    'startingDeadline',
    'suspend',
    'trigger',
    'parameters',
    'timeout',
    'retryPolicy',
    'resources',
    'maxParallel',
    'cacheTtl',
    'rateLimitKey',
    'maxAttempts',
    'initialInterval',
    'backoffMultiplier',
    'maxInterval',
    'jitter',
    'retryableErrors',
    'cpu',
    'memory',
    'gpu',
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'pattern',
    'enum',
    'custom',
    'onSuccess',
    'onFailure',
    'onTimeout',
    'onCancel',
  ],
];

/** The friendly words for the regex an `invalid_format` issue failed, if known. */
function patternHelp(issue: Issue): PatternHelp | undefined {
  const pattern = 'pattern' in issue && typeof issue.pattern === 'string' ? issue.pattern : '';
  return PATTERN_HELP.get(pattern.replace(/^\/|\/[a-z]*$/g, ''));
}

function describeValue(value: unknown): string {
  return value === undefined ? 'nothing' : describeJsonType(value);
}

function valueAt(root: unknown, path: JsonPath): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function expectedName(expected: string): string {
  switch (expected) {
    case 'record':
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

interface Draft {
  path: JsonPath;
  message: string;
  hint?: string;
  code: string;
  key?: boolean;
}

function issueToDrafts(issue: Issue, prefix: JsonPath, root: unknown): Draft[] {
  const path: JsonPath = [...prefix, ...(issue.path as (string | number)[])];
  const value = valueAt(root, path);
  const last = path[path.length - 1];
  const field = typeof last === 'string' ? `\`${last}\`` : 'the value';
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const hint = FIELD_SETS.map((set) => didYouMean(key, set)).find((h) => h !== undefined);
        return {
          path: [...path, key],
          key: true,
          code: 'UNKNOWN_FIELD',
          message: `unknown field \`${key}\``,
          ...(hint === undefined ? {} : { hint }),
        };
      });
    case 'invalid_type':
      if (value === undefined) {
        return [{ path, code: 'MISSING_FIELD', message: `${field} is required` }];
      }
      return [
        {
          path,
          code: 'WRONG_TYPE',
          message: `${field} must be ${expectedName(issue.expected)}, not ${describeValue(value)}`,
        },
      ];
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v));
      if (value === undefined) {
        // A required literal or enum (apiVersion, an input's type) that is not there at all.
        return [
          { path, code: 'MISSING_FIELD', message: `${field} is required: ${options.join(' or ')}` },
        ];
      }
      const hint =
        typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : undefined;
      const message =
        options.length === 1
          ? `${field} must be ${options[0] ?? ''}, not ${describeValue(value)}`
          : `${field} must be one of ${options.join(', ')}; got ${describeValue(value)}`;
      return [{ path, code: 'INVALID_VALUE', message, ...(hint === undefined ? {} : { hint }) }];
    }
    case 'invalid_format': {
      const help = patternHelp(issue);
      if (last === 'join' && typeof value === 'string') {
        // zod reports only the expression branch of `all | any | {atLeast} | ${{ }}`.
        return [
          {
            path,
            code: 'INVALID_VALUE',
            message: `\`join\` must be "all", "any", {atLeast: n} or an expression; got ${describeValue(value)}`,
            hint: didYouMean(value, ['all', 'any']) ?? 'e.g. join: any',
          },
        ];
      }
      return [
        {
          path,
          code: 'INVALID_FORMAT',
          message: `${describeValue(value)} is not ${help?.what ?? `a valid ${field}`}`,
          ...(help === undefined ? {} : { hint: help.hint }),
        },
      ];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const what =
        issue.origin === 'array' ? ` item(s)` : issue.origin === 'string' ? ` character(s)` : '';
      return [
        { path, code: 'OUT_OF_RANGE', message: `${field} must be ${word} ${String(bound)}${what}` },
      ];
    }
    case 'invalid_key': {
      // A record key that breaks its pattern (label keys): point at the key, not its value.
      const inner = issue.issues[0];
      const pattern =
        inner !== undefined && 'pattern' in inner && typeof inner.pattern === 'string'
          ? inner.pattern
          : '';
      const help = PATTERN_HELP.get(pattern.replace(/^\/|\/[a-z]*$/g, ''));
      return [
        {
          path,
          key: true,
          code: 'INVALID_FORMAT',
          message: `the key ${JSON.stringify(String(last))} is not ${help?.what ?? 'a valid key'}`,
          ...(help === undefined ? {} : { hint: help.hint }),
        },
      ];
    }
    case 'invalid_union':
      return unionDrafts(issue, path, root);
    default:
      return [{ path, code: 'INVALID', message: `${field}: ${issue.message}` }];
  }
}

/** Picks the union branch that came closest and reports its issues, or lists what was expected. */
function unionDrafts(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: JsonPath,
  root: unknown,
): Draft[] {
  const value = valueAt(root, path);
  const last = path[path.length - 1];
  if (issue.errors.length === 0) {
    // A discriminated union with no matching discriminator (`kind`, handler `type`).
    const disc = 'discriminator' in issue ? String(issue.discriminator) : String(last);
    const options =
      disc === 'kind'
        ? ['Workflow', 'Template', 'CronWorkflow', 'EventWorkflow']
        : ['webhook', 'alert', 'deadletter', 'custom'];
    const got = valueAt(root, path);
    const hint = typeof got === 'string' ? didYouMean(got, options) : undefined;
    return [
      {
        path,
        code: got === undefined ? 'MISSING_FIELD' : 'INVALID_VALUE',
        message:
          got === undefined
            ? `\`${disc}\` is required: one of ${options.map((o) => `"${o}"`).join(', ')}`
            : `\`${disc}\` must be one of ${options.map((o) => `"${o}"`).join(', ')}; got ${describeValue(got)}`,
        ...(hint === undefined ? {} : { hint }),
      },
    ];
  }
  const shallow = (issues: readonly Issue[]): boolean =>
    issues.every(
      (i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'),
    );
  const candidates = issue.errors.filter((errs) => !shallow(errs));
  if (candidates.length > 0) {
    // The branch whose issues go deepest matched the value's shape best.
    const depth = (errs: readonly Issue[]): number => Math.max(...errs.map((e) => e.path.length));
    const best = candidates.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return best.flatMap((i) => issueToDrafts(i, path, root));
  }
  const expected = new Set<string>();
  for (const errs of issue.errors) {
    for (const e of errs) {
      if (e.code === 'invalid_type') expected.add(expectedName(e.expected));
      if (e.code === 'invalid_value') for (const v of e.values) expected.add(JSON.stringify(v));
    }
  }
  const strings = [...expected].filter((e) => e.startsWith('"')).map((e) => e.slice(1, -1));
  const hint =
    typeof value === 'string' && strings.length > 0 ? didYouMean(value, strings) : undefined;
  const field = typeof last === 'string' ? `\`${last}\`` : 'the value';
  return [
    {
      path,
      code: 'WRONG_TYPE',
      message: `${field} must be ${[...expected].join(' or ')}; got ${describeValue(value)}`,
      ...(hint === undefined ? {} : { hint }),
    },
  ];
}

/** Diagnostics (without positions) for the zod issues of one document. */
export function schemaDiagnostics(
  issues: readonly Issue[],
  root: unknown,
): (Diagnostic & { key?: boolean })[] {
  const out: (Diagnostic & { key?: boolean })[] = [];
  for (const issue of issues) {
    for (const d of issueToDrafts(issue, [], root)) {
      out.push({
        severity: 'error',
        code: d.code,
        message: d.message,
        path: d.path,
        ...(d.hint === undefined ? {} : { hint: d.hint }),
        ...(d.key === true ? { key: true } : {}),
      });
    }
  }
  return out;
}
