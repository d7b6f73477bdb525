import { describe, expect, it } from 'vitest';
import { containing, matching, run } from '../test-helpers.js';
import { TemplateRenderer } from './liquid-sandbox.js';
import { templateExecutor } from './transform-template.js';

describe('transform:template', () => {
  it('renders values at top level and under `values`', async () => {
    const out = await run(templateExecutor, {
      template:
        'Hello {{ name | upcase }} / {{ values.name }} ({{ items | size }}){% for i in items %} {{ i }}{% endfor %}',
      values: { name: 'ada', items: [1, 2] },
    });
    expect(out).toEqual({ result: 'Hello ADA / ada (2) 1 2' });
  });

  it('renders without values; unknown variables are empty', async () => {
    expect(await run(templateExecutor, { template: 'a{{ missing.deep }}b' })).toEqual({
      result: 'ab',
    });
    expect(await run(templateExecutor, { template: 'x', values: null })).toEqual({ result: 'x' });
  });

  it('fails with InvalidInputError for bad inputs', async () => {
    await expect(run(templateExecutor, {})).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `template` is required (a string)',
    });
    await expect(run(templateExecutor, { template: 3 })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `template` must be a string, got number',
    });
    await expect(run(templateExecutor, { template: 'x', values: [1] })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: 'input `values` must be an object, got array',
    });
  });

  it('reports parse errors with the liquid message', async () => {
    await expect(run(templateExecutor, { template: '{% if %}' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      retryable: false,
      message: matching(/^input `template` is not a valid template: invalid value expression/),
    });
    await expect(run(templateExecutor, { template: '{% for x in y %}' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('not closed'),
    });
  });

  it('rejects unknown filters (strictFilters)', async () => {
    await expect(
      run(templateExecutor, { template: '{{ x | nosuchfilter }}' }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('undefined filter: nosuchfilter'),
    });
  });
});

describe('liquid sandbox', () => {
  it('cannot read files: include, render and layout fail cleanly', async () => {
    for (const template of [
      '{% include "/etc/passwd" %}',
      "{% include '../../package.json' %}",
      '{% render "secrets" %}',
      '{% layout "base" %}x',
    ]) {
      await expect(run(templateExecutor, { template }), template).rejects.toMatchObject({
        code: 'InvalidInputError',
        message: matching(/tag "(include|render|layout)" not found/),
      });
    }
  });

  it('hides prototypes', async () => {
    const out = await run(templateExecutor, {
      template:
        '[{{ values.constructor }}][{{ constructor }}][{{ obj.constructor.name }}][{{ obj.__proto__ }}][{{ s.constructor }}][{{ list.constructor }}][{{ obj.hasOwnProperty }}][{{ obj.toString }}]',
      values: { obj: { a: 1 }, s: 'str', list: [1] },
    });
    expect(out).toEqual({ result: '[][][][][][][][]' });
  });

  it('keeps a __proto__ key of the values as plain data', async () => {
    const values = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}') as Record<
      string,
      unknown
    >;
    const out = await run(templateExecutor, { template: '{{ polluted }}|{{ a }}', values });
    expect(out).toEqual({ result: '|1' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('stops a huge range at the memory limit at once', async () => {
    const started = Date.now();
    await expect(
      run(templateExecutor, { template: '{% for i in (1..1000000000) %}x{% endfor %}' }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('limit exceeded'),
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops a long render at the render time limit without hanging', async () => {
    const renderer = new TemplateRenderer({ renderLimit: 100 });
    const started = Date.now();
    await expect(
      renderer.render(
        '{% for i in (1..3000) %}{% for j in (1..3000) %}{% for k in (1..3000) %}{% endfor %}{% endfor %}{% endfor %}',
        {},
      ),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('template render limit exceeded'),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('the default executor is bounded too', async () => {
    const started = Date.now();
    await expect(
      run(templateExecutor, {
        template:
          '{% for i in (1..5000) %}{% for j in (1..5000) %}{% for k in (1..5000) %}{% endfor %}{% endfor %}{% endfor %}',
      }),
    ).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('limit exceeded'),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('limits template size and output size', async () => {
    const small = new TemplateRenderer({ parseLimit: 10, maxOutputLength: 5 });
    await expect(small.render('x'.repeat(11), {})).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('parse length limit exceeded'),
    });
    await expect(small.render('{{ s }}', { s: 'abcdef' })).rejects.toMatchObject({
      code: 'InvalidInputError',
      message: containing('rendered 6 characters'),
    });
    expect(await small.render('{{ s }}', { s: 'abc' })).toBe('abc');
  });

  it('caches parsed templates by text', () => {
    const r = new TemplateRenderer();
    expect(r.parse('{{ a }}')).toBe(r.parse('{{ a }}'));
    expect(r.parse('{{ a }}')).not.toBe(r.parse('{{ b }}'));
  });
});
