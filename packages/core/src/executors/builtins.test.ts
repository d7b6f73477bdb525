import { describe, expect, it } from 'vitest';
import { FAN_OUT_EXECUTOR, TEMPLATE_OUTPUTS_EXECUTOR } from '../definition/semantic/task-checks.js';
import { BUILTIN_EXECUTORS, createBuiltinRegistry } from './builtins.js';
import { run } from './test-helpers.js';

describe('createBuiltinRegistry', () => {
  it('registers every built-in and the json-transform alias', () => {
    expect(createBuiltinRegistry().names()).toEqual([
      'aggregate:array',
      'aggregate:map',
      'aggregate:reduce',
      'expression',
      'http:request',
      'llm-forge:json-transform',
      'llm-forge:text-transform',
      'orchestrator:template-outputs',
      'sleep',
      'transform:jsonpath',
      'transform:template',
      'validate:json-schema',
    ]);
  });

  it('leaves fan-out to the engine and matches the validator’s template-outputs name', () => {
    const r = createBuiltinRegistry();
    expect(r.has(FAN_OUT_EXECUTOR)).toBe(false);
    expect(r.has(TEMPLATE_OUTPUTS_EXECUTOR)).toBe(true);
  });

  it('gives each built-in a description', () => {
    for (const e of BUILTIN_EXECUTORS) expect(e.description, e.name).toMatch(/\S/);
  });

  it('returns fresh registries that can be extended independently', () => {
    const a = createBuiltinRegistry().register('custom:x', () => ({}));
    expect(a.has('custom:x')).toBe(true);
    expect(createBuiltinRegistry().has('custom:x')).toBe(false);
  });

  it('runs the seed example’s preprocessing step: processed_prompt', async () => {
    const textTransform = createBuiltinRegistry().resolve('llm-forge:text-transform');
    const out = await run(textTransform, {
      prompt: '  Explain   {{topic}} ',
      operation: 'normalize',
    });
    expect(out['processed_prompt']).toBe('Explain {{topic}}');
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});
