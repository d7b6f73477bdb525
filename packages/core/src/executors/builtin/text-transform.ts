/**
 * `llm-forge:text-transform`: small text operations on a prompt.
 * Inputs: `prompt` (string), `operation` (`normalize` default | `truncate` | `template` |
 * `extract`), `config` (object, per operation). Output: `{ result, processed_prompt }`, the same
 * value under both names (the seed's example reads `processed_prompt`).
 *
 * - normalize: Unicode NFC, runs of whitespace collapsed to one space, trimmed.
 * - truncate: `config.maxLength` (default 4000) Unicode code points at most, `config.suffix`
 *   (default '') included in that length when the text is cut.
 * - template: renders `config.template` (default: the prompt itself) as a sandboxed Liquid
 *   template with `config.values`; the prompt is available as `prompt`.
 * - extract: `config.pattern` (regex source), `config.flags`; the first match, or its capture
 *   group 1 when the pattern has groups; null when nothing matches. With `config.all: true`, an
 *   array of every match (group 1 when present). Output also carries `matched` (boolean).
 */
import {
  ExecutorInputError,
  type Inputs,
  nested,
  optionalBoolean,
  optionalChoice,
  optionalInteger,
  optionalObject,
  optionalString,
  requireString,
} from '../errors.js';
import type { Executor } from '../types.js';
import { sharedTemplateRenderer, templateScope } from './liquid-sandbox.js';

export const TEXT_TRANSFORM_EXECUTOR = 'llm-forge:text-transform';

export const TEXT_OPERATIONS = ['normalize', 'truncate', 'template', 'extract'] as const;
export type TextOperation = (typeof TEXT_OPERATIONS)[number];

export const DEFAULT_TRUNCATE_LENGTH = 4000;

export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

/** At most `maxLength` code points; `suffix` marks a cut and counts toward the length. */
export function truncateText(text: string, maxLength: number, suffix = ''): string {
  const points = Array.from(text);
  if (points.length <= maxLength) return text;
  const keep = maxLength - Array.from(suffix).length;
  if (keep < 0) {
    throw new ExecutorInputError(
      `input \`config.suffix\` is longer than \`config.maxLength\` (${maxLength})`,
      { input: 'config.suffix' },
    );
  }
  return points.slice(0, keep).join('') + suffix;
}

function compilePattern(cfg: Inputs): RegExp {
  const pattern = requireString(cfg, 'config.pattern');
  const flags = optionalString(cfg, 'config.flags') ?? '';
  if (!/^[dimsuvy]*$/.test(flags)) {
    throw new ExecutorInputError(
      `input \`config.flags\` may only hold the regex flags d, i, m, s, u, v, y (got '${flags}'); use \`config.all\` instead of g`,
      { input: 'config.flags' },
    );
  }
  try {
    return new RegExp(pattern, `${flags}g`);
  } catch (err) {
    throw new ExecutorInputError(
      `input \`config.pattern\` is not a valid regular expression: ${(err as Error).message}`,
      { input: 'config.pattern', cause: err },
    );
  }
}

function pick(match: RegExpExecArray): string {
  return match.length > 1 ? (match[1] ?? '') : match[0];
}

/** First match (or group 1), null when none; every match with `all`. */
export function extractText(text: string, re: RegExp, all: boolean): string | string[] | null {
  if (all) return Array.from(text.matchAll(re), pick);
  re.lastIndex = 0;
  const m = re.exec(text);
  return m === null ? null : pick(m);
}

export const textTransformExecutor: Executor = {
  name: TEXT_TRANSFORM_EXECUTOR,
  description: 'Normalize, truncate, template or extract from a prompt',
  async execute(inputs) {
    const prompt = requireString(inputs, 'prompt');
    const operation = optionalChoice(inputs, 'operation', TEXT_OPERATIONS, 'normalize');
    const cfg = nested(optionalObject(inputs, 'config'), 'config');
    let result: unknown;
    const extra: Record<string, unknown> = {};
    switch (operation) {
      case 'normalize':
        result = normalizeText(prompt);
        break;
      case 'truncate': {
        const max = optionalInteger(cfg, 'config.maxLength', 0) ?? DEFAULT_TRUNCATE_LENGTH;
        result = truncateText(prompt, max, optionalString(cfg, 'config.suffix') ?? '');
        break;
      }
      case 'template': {
        const template = optionalString(cfg, 'config.template');
        const values = optionalObject(cfg, 'config.values');
        const what = template === undefined ? 'prompt' : 'config.template';
        result = await sharedTemplateRenderer().render(
          template ?? prompt,
          templateScope(values, { prompt }),
          what,
        );
        break;
      }
      case 'extract': {
        const all = optionalBoolean(cfg, 'config.all') ?? false;
        result = extractText(prompt, compilePattern(cfg), all);
        extra['matched'] = all ? (result as string[]).length > 0 : result !== null;
        break;
      }
    }
    return { result, processed_prompt: result, ...extra };
  },
};
