/** Helpers shared by the observability tests. */
import type { ExecuteFunction } from '@llm-orchestrator/core';

/**
 * The value of one sample of a Prometheus exposition: the line of metric `name` whose labels are
 * exactly `labels` (in any order). Undefined when there is none.
 */
export function sample(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = new Map<string, string>();
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      got.set(l[1] ?? '', l[2] ?? '');
    }
    if (got.size === wanted.length && wanted.every(([k, v]) => got.get(k) === v)) {
      return Number(m[3]);
    }
  }
  return undefined;
}

/**
 * An executor answering like `llm:chat`: its inputs say which provider and model, the tokens, the
 * cost, the latency and whether the answer came from the cache.
 */
export const fakeLlm: ExecuteFunction = (inputs) => {
  const input = Number(inputs.in ?? 0);
  const output = Number(inputs.out ?? 0);
  return {
    text: 'answer',
    response: 'answer',
    provider: String(inputs.provider),
    model: String(inputs.model),
    stop_reason: 'stop',
    usage: { input_tokens: input, output_tokens: output, total_tokens: input + output },
    latency_ms: Number(inputs.latency ?? 0),
    cost: inputs.cost ?? null,
    cached: inputs.cached === true,
  };
};
