/** Generates large, realistic workflow definitions for the benchmarks. */
export interface GeneratedWorkflow {
  readonly value: Record<string, unknown>;
  readonly yaml: string;
  readonly json: string;
}

/**
 * `n` tasks in layers of 100: each task depends on up to three tasks of the layer before and reads
 * an output of one of them and a workflow input through expressions.
 */
export function generateWorkflow(n: number): GeneratedWorkflow {
  const width = 100;
  const tasks: Record<string, unknown>[] = [];
  const lines: string[] = [
    'apiVersion: orchestrator.llm/v1',
    'kind: Workflow',
    'metadata:',
    `  name: generated-${n}`,
    '  version: 1.0.0',
    'spec:',
    '  inputs:',
    '    - name: prompt',
    '      type: string',
    '      required: true',
    '  tasks:',
  ];
  for (let i = 0; i < n; i++) {
    const layerStart = Math.floor(i / width) * width;
    const deps: string[] = [];
    if (layerStart > 0) {
      for (let k = 0; k < 3; k++) deps.push(`t${layerStart - width + ((i * 7 + k * 31) % width)}`);
    }
    const unique = [...new Set(deps)];
    const first = unique[0];
    const inputs: Record<string, string> = {
      prompt: '${{ workflow.inputs.prompt }}',
      ...(first === undefined ? {} : { previous: `\${{ tasks.${first}.outputs.result }}` }),
    };
    tasks.push({
      id: `t${i}`,
      type: 'transform',
      executor: 'transform:template',
      ...(unique.length > 0 ? { dependsOn: unique } : {}),
      inputs,
      outputs: { result: 'string' },
    });
    lines.push(`    - id: t${i}`, '      type: transform', '      executor: transform:template');
    if (unique.length > 0) lines.push(`      dependsOn: [${unique.join(', ')}]`);
    lines.push('      inputs:', `        prompt: ${inputs.prompt ?? ''}`);
    if (inputs.previous !== undefined) lines.push(`        previous: ${inputs.previous}`);
    lines.push('      outputs:', '        result: string');
  }
  const value = {
    apiVersion: 'orchestrator.llm/v1',
    kind: 'Workflow',
    metadata: { name: `generated-${n}`, version: '1.0.0' },
    spec: { inputs: [{ name: 'prompt', type: 'string', required: true }], tasks },
  };
  return { value, yaml: `${lines.join('\n')}\n`, json: JSON.stringify(value) };
}
