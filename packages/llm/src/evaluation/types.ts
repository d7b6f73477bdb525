/**
 * What the evaluators are given (an embedder, a judge, a Test-Bench client) and what every one of
 * them returns: `score` in 0..1, `passed` against a threshold, and `metrics`.
 */

/**
 * Embeds texts, one vector per text in the same order. Throw an error with `retryable: true` for a
 * failure worth another attempt (rate limit, server error): the evaluator passes it on for the
 * engine to retry. Any other failure makes semantic similarity fall back to a lexical measure.
 */
export type EmbedFunction = (texts: string[], signal: AbortSignal) => Promise<number[][]>;

/** Token counts of the judge's call, in the shape `llm:chat` reports them. */
export interface JudgeUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly total_tokens: number;
}

export interface JudgeRequest {
  readonly system: string;
  readonly prompt: string;
  readonly signal: AbortSignal;
  /** The task's `judge_provider` input, when given: which provider the judge should use. */
  readonly provider?: string;
  /** The task's `judge_model` input, when given: which model the judge should use. */
  readonly model?: string;
}

export interface JudgeReply {
  readonly text: string;
  readonly usage?: JudgeUsage;
  /** USD; null when the model has no price. */
  readonly cost?: number | null;
  /** The model that answered. */
  readonly model?: string;
}

/** Asks a model to grade. Errors (an `LlmError`, say) fail the task and are retried as usual. */
export type JudgeFunction = (request: JudgeRequest) => Promise<JudgeReply>;

/** The fields every evaluator returns; workflows read them as `tasks.<id>.outputs.score`, ... */
export interface EvaluationOutput {
  /** 0..1. */
  readonly score: number;
  readonly passed: boolean;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}
