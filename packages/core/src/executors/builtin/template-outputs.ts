/**
 * `orchestrator:template-outputs`: returns every input as an output. Template expansion uses it
 * to expose a template's parameters and outputs as a task's outputs.
 */
import type { Executor } from '../types.js';

export const TEMPLATE_OUTPUTS_EXECUTOR = 'orchestrator:template-outputs';

export const templateOutputsExecutor: Executor = {
  name: TEMPLATE_OUTPUTS_EXECUTOR,
  description: 'Expose inputs as outputs (used by template expansion)',
  execute(inputs) {
    return { ...inputs };
  },
};
