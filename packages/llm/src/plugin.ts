/**
 * The LLM layer's composition root: from a configuration and a store, every LLM executor
 * (`llm:chat` and its aliases, the evaluators, the cost tracker, the metric collector), the
 * policies as the engine's task gate, and the Test-Bench report of finished runs.
 *
 *   const llm = createLlmPlugin({ config, store });
 *   const engine = createEngine({ store, taskGate: llm.taskGate });
 *   llm.install(engine);
 */
import { embedMany, generateText } from 'ai';
import {
  OrchestratorError,
  systemClock,
  TERMINAL_RUN_STATES,
  type Clock,
  type Engine,
  type Executor,
  type LogSink,
  type Store,
  type TaskGate,
} from '@llm-orchestrator/core';
import { CallGuard } from './call-guard.js';
import { createChatExecutor } from './chat-executor.js';
import { DEFAULT_ESTIMATED_OUTPUT_TOKENS, parseChatRequest, promptTokens } from './chat-request.js';
import {
  DEFAULT_ALIASES,
  DEFAULT_PROVIDERS,
  type AliasSettings,
  type EndpointSettings,
  type LlmConfig,
} from './config.js';
import { toLlmError } from './errors.js';
import { createEvaluators } from './evaluation/index.js';
import {
  createTestBenchClient,
  sendWorkflowResult,
  type TestBenchClient,
} from './evaluation/test-bench-client.js';
import type { EmbedFunction, JudgeFunction } from './evaluation/types.js';
import { Budgets } from './governance/budgets.js';
import { createCostTracker } from './governance/cost-tracker.js';
import { createPolicyGate, type CallResolver } from './governance/policies.js';
import { policyCheckExecutor } from './governance/policy-check.js';
import { createMetricCollector, createOptimizerSender } from './optimizer/index.js';
import type { OptimizerSender } from './optimizer/index.js';
import { normaliseUsage, PricingTable } from './pricing.js';
import { routeSdkWarnings } from './sdk-warnings.js';
import { embeddingModel, languageModel, type Env, type ProviderConfig } from './providers.js';

export interface LlmPluginOptions {
  readonly config?: LlmConfig;
  /** Where responses are cached and usage, audit and quality records are kept. */
  readonly store?: Store;
  /** Where API keys are read from (default `process.env`). */
  readonly env?: Env;
  readonly clock?: Clock;
  readonly log?: LogSink;
  /** For the Test-Bench and optimizer endpoints (default: the global fetch). */
  readonly fetch?: typeof fetch;
}

export interface LlmPlugin {
  readonly executors: readonly Executor[];
  /** Pass to `createEngine({ taskGate })`; undefined without policies. */
  readonly taskGate: TaskGate | undefined;
  readonly pricing: PricingTable;
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly aliases: Readonly<Record<string, AliasSettings>>;
  /** Registers the executors on `engine`; with a Test-Bench, reports its finished runs. */
  install(engine: Engine): void;
  /** Sends what is buffered (optimizer metrics, Test-Bench reports). */
  close(): Promise<void>;
}

function endpointKey(e: EndpointSettings, env: Env): string | undefined {
  return e.apiKey ?? (e.apiKeyEnv === undefined ? undefined : env[e.apiKeyEnv]);
}

export function createLlmPlugin(options: LlmPluginOptions = {}): LlmPlugin {
  const config = options.config ?? {};
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const log: LogSink = options.log ?? (() => undefined);
  const store = options.store;
  const providers: Record<string, ProviderConfig> = {
    ...DEFAULT_PROVIDERS,
    ...config.providers,
  };
  const aliases: Record<string, AliasSettings> = { ...DEFAULT_ALIASES, ...config.aliases };
  const pricing = PricingTable.withOverrides(
    (config.pricing ?? []).map(({ provider, model, ...price }) => ({ provider, model, price })),
  );
  const breaker = config.circuitBreaker;
  const guard = new CallGuard({
    clock,
    ...(config.rateLimits === undefined ? {} : { rateLimits: config.rateLimits }),
    ...(breaker === undefined
      ? {}
      : {
          circuitBreaker:
            breaker === false
              ? false
              : {
                  ...(breaker.failureThreshold === undefined
                    ? {}
                    : { failureThreshold: breaker.failureThreshold }),
                  ...(breaker.resetTimeout === undefined
                    ? {}
                    : { resetTimeoutMs: breaker.resetTimeout }),
                },
        }),
  });
  const budgets =
    store === undefined || (config.budgets ?? []).length === 0
      ? undefined
      : new Budgets(config.budgets ?? [], store.usage, store.audit, () => clock.now());
  const common = {
    providers,
    pricing,
    env,
    guard,
    ...(store === undefined ? {} : { store }),
    ...(budgets === undefined ? {} : { budgets }),
    ...(config.cache?.ttl === undefined ? {} : { cacheTtlMs: config.cache.ttl }),
  };

  const embed: EmbedFunction | undefined =
    config.embeddings === undefined
      ? undefined
      : async (texts, signal) => {
          const { provider, model } = config.embeddings as { provider: string; model: string };
          try {
            const { embeddings } = await embedMany({
              model: embeddingModel(provider, providers[provider], model, env),
              values: texts,
              abortSignal: signal,
              maxRetries: 0,
            });
            return embeddings;
          } catch (err) {
            throw toLlmError(err, provider, model, clock.now());
          }
        };

  const judge: JudgeFunction = async (request) => {
    const provider = request.provider ?? config.judge?.provider;
    const model = request.model ?? config.judge?.model;
    if (provider === undefined || model === undefined) {
      throw new OrchestratorError(
        'JudgeNotConfigured',
        'no judge model: set `judge: {provider, model}` in the LLM configuration, or give the task `judge_provider` and `judge_model`',
        { retryable: false },
      );
    }
    try {
      const result = await generateText({
        model: languageModel(provider, providers[provider], model, env),
        system: request.system,
        prompt: request.prompt,
        abortSignal: request.signal,
        maxRetries: 0,
      });
      const usage = normaliseUsage(result.usage) ?? {
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
      };
      return {
        text: result.text,
        usage: {
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          total_tokens: usage.totalTokens,
        },
        cost: pricing.cost(provider, model, usage) ?? null,
        model,
      };
    } catch (err) {
      throw toLlmError(err, provider, model, clock.now());
    }
  };

  const testBench: TestBenchClient | undefined =
    config.testBench === undefined
      ? undefined
      : createTestBenchClient({
          url: config.testBench.url,
          ...(endpointKey(config.testBench, env) === undefined
            ? {}
            : { apiKey: endpointKey(config.testBench, env) as string }),
          ...(config.testBench.timeout === undefined
            ? {}
            : { timeoutMs: config.testBench.timeout }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        });
  const sender: OptimizerSender | undefined =
    config.optimizer === undefined
      ? undefined
      : createOptimizerSender({
          url: config.optimizer.url,
          ...(endpointKey(config.optimizer, env) === undefined
            ? {}
            : { apiKey: endpointKey(config.optimizer, env) as string }),
          ...(config.optimizer.flushInterval === undefined
            ? {}
            : { flushIntervalMs: config.optimizer.flushInterval }),
          ...(config.optimizer.timeout === undefined
            ? {}
            : { timeoutMs: config.optimizer.timeout }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          log,
        });

  const executors: Executor[] = [
    createChatExecutor(common),
    ...Object.entries(aliases).map(([name, alias]) =>
      createChatExecutor({ ...common, name, alias }),
    ),
    createCostTracker({ pricing, ...(budgets === undefined ? {} : { budgets }) }),
    policyCheckExecutor,
    ...createEvaluators({
      ...(embed === undefined ? {} : { embed }),
      judge,
      ...(testBench === undefined ? {} : { testBench }),
    }),
    ...(store === undefined
      ? []
      : [createMetricCollector({ store, ...(sender === undefined ? {} : { sender }), clock })]),
  ];

  const resolve: CallResolver = (executor, inputs) => {
    const alias = aliases[executor];
    if (alias === undefined && executor !== 'llm:chat') return undefined;
    const r = parseChatRequest(inputs, alias);
    const input = promptTokens(r);
    const output = r.maxTokens ?? DEFAULT_ESTIMATED_OUTPUT_TOKENS;
    return {
      provider: r.provider,
      model: r.model,
      estimatedCostUsd:
        pricing.cost(r.provider, r.model, {
          inputTokens: input,
          outputTokens: output,
          totalTokens: input + output,
        }) ?? 0,
    };
  };
  const taskGate =
    (config.policies ?? []).length === 0
      ? undefined
      : createPolicyGate({
          policies: config.policies ?? [],
          resolve,
          audit: store?.audit,
          now: () => clock.now(),
          log,
        });

  const reports = new Set<Promise<unknown>>();
  const unrouteWarnings = routeSdkWarnings(log);
  return {
    executors,
    taskGate,
    pricing,
    providers,
    aliases,
    install(engine) {
      for (const executor of executors) {
        engine.executors.register(executor.name, executor, { replace: true });
      }
      if (testBench === undefined) return;
      engine.on((event) => {
        if (event.type !== 'run.status' || !TERMINAL_RUN_STATES.has(event.status)) return;
        const handle = engine.get(event.runId);
        if (handle === undefined) return;
        const result = handle.result();
        const report = sendWorkflowResult(
          testBench,
          {
            run_id: result.runId,
            workflow: handle.workflow.name,
            status: result.status,
            outputs: result.outputs,
          },
          {
            logger: {
              warn: (message, fields) => {
                log('warn', message, fields ?? {});
              },
            },
          },
        ).finally(() => {
          reports.delete(report);
        });
        reports.add(report);
      });
    },
    async close() {
      await Promise.allSettled([...reports]);
      await sender?.close();
      unrouteWarnings();
    },
  };
}
