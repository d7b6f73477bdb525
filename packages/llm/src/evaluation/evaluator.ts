/**
 * The shape shared by every `llm-test-bench:*` executor: read the inputs, score, then (when a
 * Test-Bench client is configured) report the evaluation and add `test_bench` to the output.
 */
import type { Executor, ExecutorContext } from '@llm-orchestrator/core';
import { optionalString, type Inputs } from './inputs.js';
import { trySend, type TestBenchClient, type TestBenchPayload } from './test-bench-client.js';
import type { EvaluationOutput } from './types.js';

export interface Scored {
  readonly output: EvaluationOutput;
  /** What the response was compared with, for Test-Bench. */
  readonly expected?: unknown;
  /** What the model was asked, for Test-Bench (default: the `input` input). */
  readonly input?: unknown;
}

export interface EvaluatorSpec {
  readonly name: string;
  readonly description: string;
  evaluate(inputs: Inputs, ctx: ExecutorContext): Scored | Promise<Scored>;
}

export function defineEvaluator(spec: EvaluatorSpec, testBench?: TestBenchClient): Executor {
  return {
    name: spec.name,
    description: spec.description,
    async execute(inputs, ctx) {
      // Read up front so that a wrong type fails the same way with or without Test-Bench.
      const provider = optionalString(inputs, 'provider');
      const model = optionalString(inputs, 'model');
      const scored = await spec.evaluate(inputs, ctx);
      if (testBench === undefined) return scored.output;
      const input = scored.input ?? inputs.input;
      const payload: TestBenchPayload = {
        run_id: ctx.runId,
        task_id: ctx.taskId,
        workflow: ctx.workflow.name,
        evaluator: spec.name,
        ...(provider === undefined ? {} : { provider }),
        ...(model === undefined ? {} : { model }),
        ...(input === undefined || input === null ? {} : { input }),
        output: inputs.response,
        ...(scored.expected === undefined ? {} : { expected: scored.expected }),
        score: scored.output.score,
        passed: scored.output.passed,
        metrics: scored.output.metrics,
      };
      const status = await trySend(testBench, payload, { signal: ctx.signal, logger: ctx.logger });
      return { ...scored.output, test_bench: status };
    },
  };
}
