/**
 * Checks of the expressions that do not belong to a task: workflow outputs (with fallback and
 * transform), event handlers, input validation and event-sourced inputs, event triggers.
 */
import { formatType, isAssignable } from '../../expr/index.js';
import { findCycles } from '../../graph/index.js';
import type { JsonPath } from '../diagnostics.js';
import {
  EVENT_NAMES,
  type DefinitionDocument,
  type OutputMapping,
  type RunnableDocument,
} from '../schema.js';
import type { Checker } from './checker.js';
import { collectSites } from './expression-sites.js';
import { checkSite, type Scope, type WorkflowFacts } from './references.js';

function checkValue(
  value: unknown,
  path: JsonPath,
  scope: Scope,
  facts: WorkflowFacts,
  checker: Checker,
  reads?: Set<string>,
) {
  const sites = collectSites(value, path, checker);
  const types = sites.map((site) => checkSite(site, scope, facts, checker));
  if (reads !== undefined) {
    for (const site of sites) {
      for (const { expression } of site.template.expressions) {
        for (const ref of expression.references) {
          const [root, first, second] = ref.path;
          if (root === 'outputs' && typeof first === 'string') reads.add(first);
          if (root === 'workflow' && first === 'outputs' && typeof second === 'string')
            reads.add(second);
        }
      }
    }
  }
  return sites.length === 1 && sites[0]?.path.length === path.length ? types[0] : undefined;
}

function checkOutput(
  name: string,
  mapping: OutputMapping,
  base: JsonPath,
  facts: WorkflowFacts,
  checker: Checker,
  reads: Set<string>,
): void {
  const scope: Scope = { kind: 'output', output: name };
  if (typeof mapping === 'string') {
    checkValue(mapping, base, scope, facts, checker, reads);
    return;
  }
  const type = checkValue(mapping.value, [...base, 'value'], scope, facts, checker, reads);
  checkValue(mapping.fallback, [...base, 'fallback'], scope, facts, checker, reads);
  if (facts.parameters !== undefined && mapping.fallback !== undefined) {
    checkTemplateFallback(mapping.value, mapping.fallback, base, checker);
  }
  const transform = mapping.transform;
  if (transform === undefined) return;
  if (facts.parameters !== undefined) {
    checker.error(
      [...base, 'transform'],
      'CONFLICTING_FIELDS',
      'a template output cannot be transformed',
      'transform it where the workflow maps its own outputs, or in a task of the template',
    );
    return;
  }
  if (transform.decimals !== undefined && transform.type !== 'round') {
    checker.error(
      [...base, 'transform', 'decimals'],
      'CONFLICTING_FIELDS',
      '`decimals` only applies to the `round` transform',
    );
  }
  const wants =
    transform.type === 'round'
      ? { kind: 'number' as const }
      : transform.type === 'toJson'
        ? undefined
        : { kind: 'string' as const };
  if (type !== undefined && wants !== undefined && !isAssignable(type, wants)) {
    checker.error(
      [...base, 'transform'],
      'TYPE_MISMATCH',
      `transform \`${transform.type}\` needs a ${wants.kind}, but the value is ${formatType(type)}`,
    );
  }
}

/** A template output is evaluated as `value ?? fallback`, which needs one expression and a literal or one expression. */
function checkTemplateFallback(
  value: unknown,
  fallback: unknown,
  base: JsonPath,
  checker: Checker,
): void {
  const single = (v: unknown): boolean =>
    typeof v === 'string' &&
    /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(v) &&
    v.indexOf('${{') === v.lastIndexOf('${{');
  const literal = (v: unknown): boolean => !JSON.stringify(v).includes('${{');
  if (!single(value)) {
    checker.error(
      [...base, 'value'],
      'INVALID_VALUE',
      'a template output with a fallback must be one `${{ }}` expression',
    );
  }
  if (!single(fallback) && !literal(fallback)) {
    checker.error(
      [...base, 'fallback'],
      'INVALID_VALUE',
      'the fallback of a template output must be a literal or one `${{ }}` expression',
    );
  }
}

/** Outputs may read each other, but not in a circle. */
function checkOutputCycles(
  reads: ReadonlyMap<string, ReadonlySet<string>>,
  checker: Checker,
): void {
  const nodes = [...reads].map(([id, set]) => ({
    id,
    dependsOn: [...set]
      .filter((r) => r !== id && reads.has(r))
      .map((r) => ({ id: r, kind: 'success' as const })),
  }));
  for (const cycle of findCycles(nodes)) {
    checker.error(
      ['spec', 'outputs', cycle[0] ?? ''],
      'CYCLE',
      `workflow outputs read each other in a circle: ${cycle.join(' -> ')}`,
      'let one of them read the task outputs directly',
    );
  }
}

export function checkOutputsAndEvents(
  doc: DefinitionDocument,
  facts: WorkflowFacts,
  checker: Checker,
): void {
  const reads = new Map<string, Set<string>>();
  for (const [name, mapping] of Object.entries(doc.spec.outputs ?? {})) {
    const set = new Set<string>();
    reads.set(name, set);
    checkOutput(name, mapping, ['spec', 'outputs', name], facts, checker, set);
  }
  checkOutputCycles(reads, checker);
  if (doc.kind !== 'Template') checkEvents(doc, facts, checker);
  checkDeclaredInputs(doc, facts, checker);
}

function checkEvents(doc: RunnableDocument, facts: WorkflowFacts, checker: Checker): void {
  const events = doc.spec.events ?? {};
  for (const event of EVENT_NAMES) {
    (events[event] ?? []).forEach((handler, i) => {
      const path: JsonPath = ['spec', 'events', event, i];
      checkValue(handler, path, { kind: 'event' }, facts, checker);
      if (handler.type === 'webhook' && !handler.url.includes('${{')) {
        let ok = false;
        try {
          const url = new URL(handler.url);
          ok = url.protocol === 'http:' || url.protocol === 'https:';
        } catch {
          ok = false;
        }
        if (!ok)
          checker.error([...path, 'url'], 'INVALID_URL', `"${handler.url}" is not an http(s) URL`);
      }
    });
  }
}

/** Inputs (or a template's parameters): custom validation expressions and event sources. */
function checkDeclaredInputs(
  doc: DefinitionDocument,
  facts: WorkflowFacts,
  checker: Checker,
): void {
  const isTemplate = doc.kind === 'Template';
  const declared = isTemplate ? doc.spec.parameters : doc.spec.inputs;
  (declared ?? []).forEach((input, i) => {
    const path: JsonPath = ['spec', isTemplate ? 'parameters' : 'inputs', i];
    checkValue(
      input.validation?.custom,
      [...path, 'validation', 'custom'],
      { kind: 'input-custom' },
      facts,
      checker,
    );
    if (input.source !== undefined) {
      if (doc.kind !== 'EventWorkflow') {
        checker.error(
          [...path, 'source'],
          'CONFLICTING_FIELDS',
          isTemplate
            ? 'a template parameter takes its value from the instance, not from an event'
            : '`source` takes an input from the triggering event; only an EventWorkflow has one',
        );
      } else {
        checkValue(input.source, [...path, 'source'], { kind: 'input-source' }, facts, checker);
      }
    }
  });
  if (doc.kind === 'EventWorkflow') {
    checkValue(
      doc.spec.trigger.filter,
      ['spec', 'trigger', 'filter'],
      { kind: 'trigger-filter' },
      facts,
      checker,
    );
  }
}
