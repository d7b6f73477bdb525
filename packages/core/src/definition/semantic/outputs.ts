/**
 * Checks of the expressions that do not belong to a task: workflow outputs (with fallback and
 * transform), event handlers, input validation and event-sourced inputs, event triggers.
 */
import { formatType, isAssignable } from '../../expr/index.js';
import type { JsonPath } from '../diagnostics.js';
import { EVENT_NAMES, type DefinitionDocument, type OutputMapping } from '../schema.js';
import type { Checker } from './checker.js';
import { collectSites } from './expression-sites.js';
import { checkSite, type Scope, type WorkflowFacts } from './references.js';

function checkValue(
  value: unknown,
  path: JsonPath,
  scope: Scope,
  facts: WorkflowFacts,
  checker: Checker,
) {
  const sites = collectSites(value, path, checker);
  const types = sites.map((site) => checkSite(site, scope, facts, checker));
  return sites.length === 1 && sites[0]?.path.length === path.length ? types[0] : undefined;
}

function checkOutput(
  name: string,
  mapping: OutputMapping,
  base: JsonPath,
  facts: WorkflowFacts,
  checker: Checker,
): void {
  const scope: Scope = { kind: 'output', output: name };
  if (typeof mapping === 'string') {
    checkValue(mapping, base, scope, facts, checker);
    return;
  }
  const type = checkValue(mapping.value, [...base, 'value'], scope, facts, checker);
  checkValue(mapping.fallback, [...base, 'fallback'], scope, facts, checker);
  const transform = mapping.transform;
  if (transform === undefined) return;
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

export function checkOutputsAndEvents(
  doc: DefinitionDocument,
  facts: WorkflowFacts,
  checker: Checker,
): void {
  for (const [name, mapping] of Object.entries(doc.spec.outputs ?? {})) {
    checkOutput(name, mapping, ['spec', 'outputs', name], facts, checker);
  }
  if (doc.kind === 'Template') return;
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
  (doc.spec.inputs ?? []).forEach((input, i) => {
    const path: JsonPath = ['spec', 'inputs', i];
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
          '`source` takes an input from the triggering event; only an EventWorkflow has one',
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
