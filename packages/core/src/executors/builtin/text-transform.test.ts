import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containing, matching, run } from '../test-helpers.js';
import { normalizeText, textTransformExecutor, truncateText } from './text-transform.js';

const tx = (inputs: Record<string, unknown>): Promise<Record<string, unknown>> =>
  run(textTransformExecutor, inputs);

describe('llm-forge:text-transform', () => {
  it('normalizes by default: NFC, collapsed whitespace, trimmed; same value under both names', async () => {
    const decomposed = 'Cafe\u0301';
    const out = await tx({ prompt: `  ${decomposed}\n\n\tis   open \u00a0 now  ` });
    expect(out).toEqual({
      result: 'Caf\u00e9 is open now',
      processed_prompt: 'Caf\u00e9 is open now',
    });
    expect(await tx({ prompt: 'a  b', operation: 'normalize' })).toMatchObject({ result: 'a b' });
  });

  it('normalize is idempotent and leaves no double spaces or edges', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const n = normalizeText(s);
        expect(normalizeText(n)).toBe(n);
        expect(n).not.toMatch(/\s\s|^\s|\s$/u);
      }),
    );
  });

  it('truncates to maxLength code points with the suffix counted', async () => {
    expect(
      await tx({
        prompt: 'abcdefghij',
        operation: 'truncate',
        config: { maxLength: 6, suffix: '...' },
      }),
    ).toMatchObject({ result: 'abc...', processed_prompt: 'abc...' });
    expect(
      await tx({ prompt: 'short', operation: 'truncate', config: { maxLength: 5, suffix: '...' } }),
    ).toMatchObject({
      result: 'short',
    });
    expect(await tx({ prompt: 'x'.repeat(5000), operation: 'truncate' })).toMatchObject({
      result: 'x'.repeat(4000),
    });
    // Emoji are one code point each: never cut in half.
    expect(truncateText('😀😀😀', 2)).toBe('😀😀');
  });

  it('truncate never exceeds maxLength', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(50), fc.string({ maxLength: 3 }), (s, max, suffix) => {
        fc.pre(Array.from(suffix).length <= max);
        const t = truncateText(s, max, suffix);
        expect(Array.from(t).length).toBeLessThanOrEqual(max);
        if (Array.from(s).length <= max) expect(t).toBe(s);
      }),
    );
  });

  it('rejects bad truncate settings', async () => {
    await expect(
      tx({ prompt: 'abcdef', operation: 'truncate', config: { maxLength: 2, suffix: '...' } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('`config.suffix`'),
    });
    await expect(
      tx({ prompt: 'a', operation: 'truncate', config: { maxLength: -1 } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('`config.maxLength` must be a whole number'),
    });
    await expect(
      tx({ prompt: 'a', operation: 'truncate', config: { maxLength: '10' } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `config.maxLength` must be a finite number, got string',
    });
  });

  it('renders a template with values and the prompt', async () => {
    expect(
      await tx({
        prompt: 'the text',
        operation: 'template',
        config: {
          template: 'Summarize for {{ audience }}: {{ prompt }}',
          values: { audience: 'kids' },
        },
      }),
    ).toMatchObject({ result: 'Summarize for kids: the text' });
    // Without config.template, the prompt is the template.
    expect(
      await tx({
        prompt: 'Hi {{ name }}',
        operation: 'template',
        config: { values: { name: 'Bo' } },
      }),
    ).toMatchObject({ result: 'Hi Bo' });
    await expect(tx({ prompt: '{% include "x" %}', operation: 'template' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: matching(/^input `prompt` is not a valid template/),
    });
  });

  it('extracts the first match, group 1, or every match', async () => {
    const prompt = 'order #12 and order #345';
    expect(await tx({ prompt, operation: 'extract', config: { pattern: '#\\d+' } })).toEqual({
      result: '#12',
      processed_prompt: '#12',
      matched: true,
    });
    expect(
      await tx({ prompt, operation: 'extract', config: { pattern: '#(\\d+)' } }),
    ).toMatchObject({
      result: '12',
    });
    expect(
      await tx({ prompt, operation: 'extract', config: { pattern: '#(\\d+)', all: true } }),
    ).toMatchObject({
      result: ['12', '345'],
      matched: true,
    });
    expect(
      await tx({ prompt, operation: 'extract', config: { pattern: 'ORDER', flags: 'i' } }),
    ).toMatchObject({
      result: 'order',
    });
    expect(await tx({ prompt, operation: 'extract', config: { pattern: 'zzz' } })).toEqual({
      result: null,
      processed_prompt: null,
      matched: false,
    });
    expect(
      await tx({ prompt, operation: 'extract', config: { pattern: 'zzz', all: true } }),
    ).toMatchObject({
      result: [],
      matched: false,
    });
  });

  it('rejects bad extract settings', async () => {
    await expect(tx({ prompt: 'a', operation: 'extract' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `config.pattern` is required (a string)',
    });
    await expect(
      tx({ prompt: 'a', operation: 'extract', config: { pattern: '(' } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: matching(/^input `config.pattern` is not a valid regular expression/),
    });
    await expect(
      tx({ prompt: 'a', operation: 'extract', config: { pattern: 'a', flags: 'g' } }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('`config.flags`'),
    });
  });

  it('rejects bad inputs', async () => {
    await expect(tx({})).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `prompt` is required (a string)',
    });
    await expect(tx({ prompt: 'a', operation: 'shout' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message:
        "input `operation` must be one of 'normalize', 'truncate', 'template', 'extract', got 'shout'",
    });
    await expect(tx({ prompt: 'a', config: 'x' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `config` must be an object, got string',
    });
  });
});
