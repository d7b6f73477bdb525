/**
 * The LLM configuration (the `llm` file the CLI reads, or what an embedding program passes):
 * providers, executor aliases, prices, the response cache, rate limits, budgets, policies, the
 * embedding and judge models the evaluators use, and the Test-Bench and optimizer endpoints.
 * Parsed once, with errors that name the path of the bad field.
 */
import { z } from 'zod';
import { OrchestratorError, parseDuration } from '@llm-orchestrator/core';

/** `30s`, `5m`, `1h`, `1d`, or a number of seconds (as in workflow files); in ms once parsed. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `not a duration: ${JSON.stringify(v)} (use 30s, 5m, 1h, 1d, or seconds)`,
    });
    return z.NEVER;
  }
  return ms;
});

const rateLimit = z
  .object({
    requestsPerMinute: z.number().positive().optional(),
    tokensPerMinute: z.number().positive().optional(),
  })
  .strict();

/** A `/regex/flags` match that does not compile; undefined when fine (or a plain substring). */
function badRegex(match: string): string | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(match);
  if (m === null) return undefined;
  try {
    new RegExp(m[1] ?? '', m[2]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const reply = z
  .object({ match: z.string().min(1), reply: z.string().optional(), json: z.unknown().optional() })
  .strict()
  .refine((r) => r.reply !== undefined || r.json !== undefined, {
    message: 'a reply rule needs `reply` (text) or `json` (a structured value)',
  })
  .superRefine((r, ctx) => {
    const problem = badRegex(r.match);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['match'], message: `not a valid regex: ${problem}` });
    }
  });

const provider = z
  .object({
    kind: z.enum(['openai', 'anthropic', 'openai-compatible', 'test']),
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    apiKeyEnv: z.string().min(1).optional(),
    /** How long one call may take (default 10m): then it fails with TimeoutError (retryable). */
    timeout: duration.optional(),
    /** The deterministic test provider only. */
    replies: z.array(reply).optional(),
    latencyMs: z.number().nonnegative().optional(),
    chunkDelayMs: z.number().nonnegative().optional(),
    embeddingDimensions: z.number().int().positive().optional(),
    /** openai-compatible: send the JSON Schema of a structured output (default true). */
    structuredOutputs: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.kind !== 'openai-compatible' || p.baseUrl !== undefined, {
    message: 'an openai-compatible provider needs `baseUrl` (e.g. http://localhost:11434/v1)',
  });

const params = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().optional(),
    top_p: z.number().min(0).max(1).optional(),
    stop_sequences: z.array(z.string()).optional(),
    system: z.string().optional(),
  })
  .strict();

const alias = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    description: z.string().optional(),
    defaults: params.optional(),
  })
  .strict();

const price = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    inputPer1K: z.number().nonnegative().optional(),
    outputPer1K: z.number().nonnegative().optional(),
    inputPer1M: z.number().nonnegative().optional(),
    outputPer1M: z.number().nonnegative().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const side of ['input', 'output'] as const) {
      const per1K = p[`${side}Per1K`];
      const per1M = p[`${side}Per1M`];
      if ((per1K === undefined) === (per1M === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: `give the ${side} price once: ${side}Per1K or ${side}Per1M`,
        });
      }
    }
  });

const modelRef = z.object({ provider: z.string().min(1), model: z.string().min(1) }).strict();

const labelPair = z
  .string()
  .regex(/^[^=]+=.*$/, 'write a label as key=value')
  .transform((s) => {
    const at = s.indexOf('=');
    return [s.slice(0, at), s.slice(at + 1)] as const;
  });

const budget = z
  .object({
    name: z.string().optional(),
    /** run: each run; workflow: runs of `workflow` (every workflow without it); label: runs with `label`. */
    scope: z.enum(['run', 'workflow', 'label']),
    workflow: z.string().optional(),
    label: labelPair.optional(),
    /** What is summed for workflow and label budgets (default day); a run budget is per run. */
    period: z.enum(['day', 'month', 'total']).optional(),
    maxCostUsd: z.number().nonnegative().optional(),
    maxTokens: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((b) => b.maxCostUsd !== undefined || b.maxTokens !== undefined, {
    message: 'a budget needs maxCostUsd or maxTokens',
  })
  .refine((b) => b.scope !== 'label' || b.label !== undefined, {
    message: 'a label budget needs `label: key=value`',
  });

const stringOrList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (typeof v === 'string' ? [v] : v));

const policy = z
  .object({
    name: z.string().min(1),
    action: z.enum(['allow', 'deny', 'require-approval']),
    reason: z.string().optional(),
    /** Every condition given must hold; none given matches every LLM call. */
    when: z
      .object({
        provider: stringOrList.optional(),
        model: stringOrList.optional(),
        workflow: stringOrList.optional(),
        labels: z.record(z.string(), z.string()).optional(),
        /** The call's estimated cost (prompt tokens + max tokens at the model's price). */
        minEstimatedCostUsd: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const endpoint = z
  .object({
    url: z.url(),
    apiKey: z.string().optional(),
    apiKeyEnv: z.string().optional(),
    timeout: duration.optional(),
  })
  .strict();

/** The optimizer's endpoint also batches: metrics are sent every `flushInterval` (default 5s). */
const optimizerEndpoint = endpoint.extend({ flushInterval: duration.optional() }).strict();

export const LLM_CONFIG_SCHEMA = z
  .object({
    providers: z.record(z.string(), provider).optional(),
    aliases: z.record(z.string(), alias).optional(),
    pricing: z.array(price).optional(),
    /** Default TTL of cached responses; a task sets its own with the `cache_ttl` input. Unset: no caching unless a task asks. */
    cache: z.object({ ttl: duration.optional() }).strict().optional(),
    /** Per `provider` or `provider/model`. */
    rateLimits: z.record(z.string(), rateLimit).optional(),
    circuitBreaker: z
      .union([
        z.literal(false),
        z
          .object({
            failureThreshold: z.number().int().positive().optional(),
            resetTimeout: duration.optional(),
          })
          .strict(),
      ])
      .optional(),
    budgets: z.array(budget).optional(),
    policies: z.array(policy).optional(),
    embeddings: modelRef.optional(),
    judge: modelRef.optional(),
    testBench: endpoint.optional(),
    optimizer: optimizerEndpoint.optional(),
  })
  .strict();

/** A parsed value's type where an optional field is absent or set, never `undefined`. */
type Exact<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? { readonly [K in keyof T]: Exact<T[K]> }
    : T extends object
      ? { readonly [K in keyof T]: Exact<Exclude<T[K], undefined>> }
      : T;

export type LlmConfig = Exact<z.output<typeof LLM_CONFIG_SCHEMA>>;
export type ProviderSettings = Exact<z.output<typeof provider>>;
export type AliasSettings = Exact<z.output<typeof alias>>;
export type BudgetSettings = Exact<z.output<typeof budget>>;
export type PolicySettings = Exact<z.output<typeof policy>>;
export type CallParams = Exact<z.output<typeof params>>;
export type EndpointSettings = Exact<z.output<typeof endpoint>>;
export type OptimizerSettings = Exact<z.output<typeof optimizerEndpoint>>;

/**
 * The seed's executor names, as aliases of `llm:chat` with a provider, model and defaults. The
 * configuration may redefine them (for example onto the test provider for an offline demo).
 */
export const DEFAULT_ALIASES: Readonly<Record<string, AliasSettings>> = {
  'llm-forge:claude-api': {
    provider: 'anthropic',
    model: 'claude-3-opus-20240229',
    description: 'Anthropic Claude (messages API)',
    defaults: { max_tokens: 1024 },
  },
  'llm-forge:gpt4-api': {
    provider: 'openai',
    model: 'gpt-4',
    description: 'OpenAI GPT-4 (chat completions)',
    defaults: { max_tokens: 1024 },
  },
};

/** Providers every configuration has unless it redefines them: keys come from the environment. */
export const DEFAULT_PROVIDERS: Readonly<Record<string, ProviderSettings>> = {
  openai: { kind: 'openai' },
  anthropic: { kind: 'anthropic' },
  test: { kind: 'test' },
};

/** Validates a configuration value; `source` (a file name) prefixes every problem. */
export function parseLlmConfig(value: unknown, source = 'LLM configuration'): LlmConfig {
  const parsed = LLM_CONFIG_SCHEMA.safeParse(value ?? {});
  if (parsed.success) {
    // Zod leaves no key it was not given, so the value has the exact shape.
    const config = parsed.data as LlmConfig;
    checkReferences(config, source);
    return config;
  }
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.length === 0 ? '(top level)' : issue.path.join('.');
    return `${path}: ${issue.message}`;
  });
  throw new OrchestratorError('INVALID_CONFIG', `${source}: ${problems.join('; ')}`, {
    hint: 'see docs/llm.md for every setting',
  });
}

/** Aliases, the embedding model and the judge must name configured providers. */
function checkReferences(config: LlmConfig, source: string): void {
  const known = new Set([
    ...Object.keys(DEFAULT_PROVIDERS),
    ...Object.keys(config.providers ?? {}),
  ]);
  const refs: [string, string][] = [
    ...Object.entries(config.aliases ?? {}).map(([n, a]): [string, string] => [
      `aliases.${n}`,
      a.provider,
    ]),
    ...(config.embeddings === undefined
      ? []
      : [['embeddings', config.embeddings.provider] as [string, string]]),
    ...(config.judge === undefined ? [] : [['judge', config.judge.provider] as [string, string]]),
  ];
  for (const [where, name] of refs) {
    if (!known.has(name)) {
      throw new OrchestratorError(
        'INVALID_CONFIG',
        `${source}: ${where}.provider: no provider named \`${name}\``,
        { hint: `configured providers: ${[...known].join(', ')}` },
      );
    }
  }
}
