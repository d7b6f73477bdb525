/**
 * `llm-test-bench:llm-judge`: a model grades `response` against `rubric` (prompt and parsing:
 * `judge-prompt.ts`). Inputs: `ground_truth` (a reference answer), `input` or `question` (what
 * was asked), `scale` (default 10), `threshold` (default 0.7, on the 0..1 score), `judge_provider`
 * and `judge_model` (passed to the judge function, which may honour them). Output: `{ score:
 * raw / scale clamped to 0..1, passed, reasoning, metrics: { raw_score, scale, judge_model,
 * parsed_from }, usage, cost }`. A reply without any number fails with `JudgeParseError`
 * (retryable: a new attempt may get a well-formed answer).
 */
import { OrchestratorError, type Executor } from '@llm-orchestrator/core';
import { defineEvaluator } from './evaluator.js';
import { optionalNumber, optionalString, optionalText, requireText, threshold } from './inputs.js';
import { clamp01, roundScore } from './score.js';
import { judgeSystemPrompt, judgeUserPrompt, parseJudgeReply } from './judge-prompt.js';
import type { TestBenchClient } from './test-bench-client.js';
import type { JudgeFunction, JudgeRequest } from './types.js';

export const LLM_JUDGE_EVALUATOR = 'llm-test-bench:llm-judge';

export const DEFAULT_JUDGE_SCALE = 10;
export const DEFAULT_JUDGE_THRESHOLD = 0.7;

/** How much of an unreadable reply the error message quotes. */
const REPLY_IN_MESSAGE = 200;

export class JudgeParseError extends OrchestratorError {
  /** The judge's reply. */
  readonly reply: string;

  constructor(reply: string) {
    const shown =
      reply.length > REPLY_IN_MESSAGE ? `${reply.slice(0, REPLY_IN_MESSAGE)}...` : reply;
    super('JudgeParseError', `the judge's reply holds no score: ${JSON.stringify(shown)}`, {
      retryable: true,
      hint: 'the judge is asked for {"score": n, "reasoning": "..."}; a stronger or lower-temperature judge model answers in that form more reliably',
    });
    this.reply = reply;
  }
}

export function createLlmJudgeEvaluator(
  judge?: JudgeFunction,
  testBench?: TestBenchClient,
): Executor {
  return defineEvaluator(
    {
      name: LLM_JUDGE_EVALUATOR,
      description: 'A model grades the response against a rubric',
      async evaluate(inputs, ctx) {
        const response = requireText(inputs, 'response');
        const rubric = requireText(inputs, 'rubric', 'the grading criteria');
        const groundTruth = optionalText(inputs, 'ground_truth');
        const question = optionalText(inputs, 'input') ?? optionalText(inputs, 'question');
        const scale = optionalNumber(inputs, 'scale', DEFAULT_JUDGE_SCALE, { positive: true });
        const min = threshold(inputs, DEFAULT_JUDGE_THRESHOLD);
        const provider = optionalString(inputs, 'judge_provider');
        const model = optionalString(inputs, 'judge_model');
        if (judge === undefined) {
          throw new OrchestratorError(
            'JudgeNotConfigured',
            `${LLM_JUDGE_EVALUATOR} has no judge model configured`,
            { hint: 'configure the judge (createEvaluators({ judge }))' },
          );
        }
        const request: JudgeRequest = {
          system: judgeSystemPrompt(scale),
          prompt: judgeUserPrompt({
            rubric,
            response,
            scale,
            ...(groundTruth === undefined ? {} : { groundTruth }),
            ...(question === undefined ? {} : { question }),
          }),
          signal: ctx.signal,
          ...(provider === undefined ? {} : { provider }),
          ...(model === undefined ? {} : { model }),
        };
        const reply = await judge(request);
        const text = typeof reply.text === 'string' ? reply.text : '';
        const verdict = parseJudgeReply(text);
        if (verdict === undefined) throw new JudgeParseError(text);
        if (verdict.rawScore < 0 || verdict.rawScore > scale) {
          ctx.logger.warn('the judge gave a score outside the scale; clamped', {
            raw_score: verdict.rawScore,
            scale,
          });
        }
        const score = clamp01(roundScore(verdict.rawScore / scale));
        return {
          output: {
            score,
            passed: score >= min,
            reasoning: verdict.reasoning,
            metrics: {
              raw_score: verdict.rawScore,
              scale,
              judge_model: reply.model ?? model ?? null,
              parsed_from: verdict.parsedFrom,
            },
            usage: reply.usage ?? null,
            cost: reply.cost ?? null,
          },
          ...(groundTruth === undefined ? {} : { expected: groundTruth }),
          ...(question === undefined ? {} : { input: question }),
        };
      },
    },
    testBench,
  );
}
