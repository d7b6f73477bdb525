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
          if (ref.path[0] === 'outputs' && typeof ref.path[1] === 'string') reads.add(ref.path[1]);
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
