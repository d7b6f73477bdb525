/**
 * The language's declared types (`string`, `int`, `{type: object, schema: {...}}`, ...) as static
 * types for expression checking, and checks of literal values against them.
 */
import type { StaticType } from '../expr/index.js';
import type { InputParameter, PrimitiveTypeName, TypeSpec } from './schema.js';

const ANY: StaticType = { kind: 'any' };

/** Static types are immutable, so each primitive has one shared instance. */
const PRIMITIVES: Readonly<Record<PrimitiveTypeName, StaticType>> = {
  string: { kind: 'string' },
  int: { kind: 'number', integer: true },
  integer: { kind: 'number', integer: true },
  float: { kind: 'number' },
  number: { kind: 'number' },
  boolean: { kind: 'boolean' },
  object: { kind: 'object' },
  array: { kind: 'array', items: ANY },
  any: ANY,
};

function primitiveToStatic(name: PrimitiveTypeName): StaticType {
  return PRIMITIVES[name];
}

/** The static type a declared type stands for. */
export function typeSpecToStatic(spec: TypeSpec | undefined): StaticType {
  if (spec === undefined) return ANY;
  if (typeof spec === 'string') return primitiveToStatic(spec);
  return structured(spec.type, spec.schema, spec.items);
}

function structured(
  type: PrimitiveTypeName,
  schema: Readonly<Record<string, TypeSpec>> | undefined,
  items: TypeSpec | undefined,
): StaticType {
  if (type === 'object' && schema !== undefined) {
    const fields: Record<string, StaticType> = {};
    for (const [k, v] of Object.entries(schema)) fields[k] = typeSpecToStatic(v);
    return { kind: 'object', fields };
  }
  if (type === 'array' && items !== undefined)
    return { kind: 'array', items: typeSpecToStatic(items) };
  return primitiveToStatic(type);
}

/** The static type of a workflow input, using its `schema` (objects) and `items` (arrays). */
export function inputToStatic(input: InputParameter): StaticType {
  return structured(input.type, input.schema, input.items);
}

/** Does a literal value (a default, a parameter) fit the declared type? Returns the problem, if any. */
export function literalTypeProblem(value: unknown, spec: TypeSpec, where = ''): string | undefined {
  const type = typeof spec === 'string' ? spec : spec.type;
  const got = describeJsonType(value);
  const fail = (what: string): string => `${where}expected ${what}, got ${got}`;
  switch (type) {
    case 'any':
      return undefined;
    case 'string':
      return typeof value === 'string' ? undefined : fail('a string');
    case 'int':
    case 'integer':
      return Number.isInteger(value) ? undefined : fail('an integer');
    case 'float':
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : fail('a number');
    case 'boolean':
      return typeof value === 'boolean' ? undefined : fail('true or false');
    case 'array': {
      if (!Array.isArray(value)) return fail('a list');
      if (typeof spec === 'string' || spec.items === undefined) return undefined;
      const items = spec.items;
      for (let i = 0; i < value.length; i++) {
        const p = literalTypeProblem(value[i], items, `${where}[${i}]: `);
        if (p !== undefined) return p;
      }
      return undefined;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return fail('a mapping');
      if (typeof spec === 'string' || spec.schema === undefined) return undefined;
      const record = value as Record<string, unknown>;
      for (const [k, fieldSpec] of Object.entries(spec.schema)) {
        const required = typeof fieldSpec === 'object' && fieldSpec.required === true;
        if (!Object.hasOwn(record, k)) {
          if (required) return `${where}missing required field \`${k}\``;
          continue;
        }
        const p = literalTypeProblem(record[k], fieldSpec, `${where}${k}: `);
        if (p !== undefined) return p;
      }
      return undefined;
    }
  }
}

export function describeJsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return typeof value === 'boolean' ? String(value) : typeof value;
}
