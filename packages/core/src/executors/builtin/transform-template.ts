/**
 * `transform:template`: renders a sandboxed Liquid template.
 * Inputs: `template` (string), `values` (object, optional). Output: `{ result: string }`.
 * The template sees each field of `values` at top level and the object itself as `values`.
 */
import { optionalObject, requireString } from '../errors.js';
import type { Executor } from '../types.js';
import { sharedTemplateRenderer, templateScope } from './liquid-sandbox.js';

export const TEMPLATE_EXECUTOR = 'transform:template';

export const templateExecutor: Executor = {
  name: TEMPLATE_EXECUTOR,
  description: 'Render a Liquid template (sandboxed) with `values`',
  async execute(inputs) {
    const template = requireString(inputs, 'template');
    const values = optionalObject(inputs, 'values');
    const result = await sharedTemplateRenderer().render(template, templateScope(values));
    return { result };
  },
};
