import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from './engine.js';

const text = readFileSync(
  fileURLToPath(new URL('../../../../test/fixtures/template-instance.yaml', import.meta.url)),
  'utf8',
);

describe('running a template instance', () => {
  it('evaluates the parameters, runs the template tasks in order, and exposes its outputs', async () => {
    const result = await createEngine().run(text, { word: 'hey' });
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ result: 'HEYHEYHEY!' });
    expect(result.tasks.map((t) => `${t.id}:${t.status}`)).toEqual([
      's:parameters:completed',
      's.up:completed',
      's.repeat:completed',
      's:completed',
      'after:completed',
    ]);
  });
});
