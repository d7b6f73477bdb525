import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { toJsonSchema } from './schema.js';
import { parseSource } from './source.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const committed = JSON.parse(
  readFileSync(`${root}packages/core/workflow.schema.json`, 'utf8'),
) as unknown;

function documentsOf(file: string): unknown[] {
  return parseSource(readFileSync(`${root}examples/${file}`, 'utf8')).documents.map((d) => d.value);
}

describe('workflow.schema.json', () => {
  it('is exactly what the zod schemas generate (run `npm run schema:write` after changing them)', () => {
    expect(committed).toEqual(toJsonSchema());
  });

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(committed as object);
  const examples = readdirSync(`${root}examples`).filter((f) => /\.(ya?ml|json)$/.test(f));

  it.each(examples)('accepts every document of examples/%s', (file) => {
    for (const doc of documentsOf(file)) {
      const ok = validate(doc);
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('rejects what the language rejects', () => {
    const base = {
      apiVersion: 'orchestrator.llm/v1',
      kind: 'Workflow',
      metadata: { name: 'w', version: '1.0.0' },
    };
    expect(validate({ ...base, spec: { tasks: [{ id: 'a', exectuor: 'x' }] } })).toBe(false);
    expect(validate({ ...base, kind: 'Job', spec: { tasks: [] } })).toBe(false);
    expect(validate({ ...base, spec: { tasks: [{ id: 'a', timeout: '5 minutes' }] } })).toBe(false);
    expect(
      validate({ ...base, spec: { tasks: [{ id: 'a', executor: 'x', timeout: '5m' }] } }),
    ).toBe(true);
  });
});
