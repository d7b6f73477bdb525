import type { PathSegment } from './ast.js';
import { suggest } from '../suggest.js';

/** The static type of an expression, as far as it is known. `any` means unknown. */
export type StaticType =
  | { readonly kind: 'any' }
  | { readonly kind: 'null' }
  | { readonly kind: 'string' }
  | { readonly kind: 'number'; readonly integer?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'array'; readonly items: StaticType }
  | { readonly kind: 'object'; readonly fields?: Readonly<Record<string, StaticType>> };

export const ANY: StaticType = Object.freeze({ kind: 'any' });
export const NULL: StaticType = Object.freeze({ kind: 'null' });
export const STRING: StaticType = Object.freeze({ kind: 'string' });
export const NUMBER: StaticType = Object.freeze({ kind: 'number' });
export const INTEGER: StaticType = Object.freeze({ kind: 'number', integer: true });
export const BOOLEAN: StaticType = Object.freeze({ kind: 'boolean' });
export const OBJECT: StaticType = Object.freeze({ kind: 'object' });

export function arrayOf(items: StaticType): StaticType {
  return { kind: 'array', items };
}

export function isInteger(t: StaticType): boolean {
  return t.kind === 'number' && t.integer === true;
}

/** `string`, `integer`, `number`, `array<string>`, `object`, `object{a: string, b: number}`... */
export function formatType(t: StaticType): string {
  switch (t.kind) {
    case 'number':
      return t.integer === true ? 'integer' : 'number';
    case 'array':
      return `array<${formatType(t.items)}>`;
    case 'object': {
      if (t.fields === undefined) return 'object';
      const keys = Object.keys(t.fields);
      const shown = keys.slice(0, 6).map((k) => `${k}: ${formatType(t.fields?.[k] ?? ANY)}`);
      if (keys.length > 6) shown.push('...');
      return `object{${shown.join(', ')}}`;
    }
    default:
      return t.kind;
  }
}

/**
 * Whether a value of type `from` can be used where `to` is expected. `any` fits both ways; an
 * integer fits a number; objects with unknown fields fit any object; known fields must match.
 */
export function isAssignable(from: StaticType, to: StaticType): boolean {
  if (from.kind === 'any' || to.kind === 'any') return true;
  switch (to.kind) {
    case 'number':
      return from.kind === 'number' && (to.integer !== true || from.integer === true);
    case 'array':
      return from.kind === 'array' && isAssignable(from.items, to.items);
    case 'object': {
      if (from.kind !== 'object') return false;
      const want = to.fields;
      const have = from.fields;
      if (want === undefined || have === undefined) return true;
      return Object.keys(want).every(
        (k) => Object.hasOwn(have, k) && isAssignable(have[k] ?? ANY, want[k] ?? ANY),
      );
    }
    default:
      return from.kind === to.kind;
  }
}

/**
 * The type that covers both: equal kinds merge, null gives way to the other type (values may be
 * null anyway, member access being lenient), anything else is `any`.
 */
export function unifyTypes(a: StaticType, b: StaticType): StaticType {
  if (a.kind === 'any' || b.kind === 'any') return ANY;
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'number' && b.kind === 'number') {
    return a.integer === true && b.integer === true ? INTEGER : NUMBER;
  }
  if (a.kind === 'array' && b.kind === 'array') return arrayOf(unifyTypes(a.items, b.items));
  if (a.kind === 'object' && b.kind === 'object') {
    if (a.fields === undefined || b.fields === undefined) return OBJECT;
    const fields: Record<string, StaticType> = { ...a.fields };
    for (const [k, t] of Object.entries(b.fields)) {
      fields[k] = Object.hasOwn(fields, k) ? unifyTypes(fields[k] ?? ANY, t) : t;
    }
    return { kind: 'object', fields };
  }
  return a.kind === b.kind ? a : ANY;
}

export interface MemberAccess {
  readonly type: StaticType;
  /** Set when the access is certainly wrong (it would always read null). */
  readonly problem?: { readonly message: string; readonly hint?: string };
}

/** The type of `t.key` / `t[key]` under the evaluator's rules, with a problem when certain. */
export function typeOfMember(t: StaticType, key: PathSegment): MemberAccess {
  const name = typeof key === 'number' ? `[${key}]` : `'${key}'`;
  switch (t.kind) {
    case 'any':
    case 'null':
      return { type: t };
    case 'string':
      if (key === 'length') return { type: INTEGER };
      if (typeof key === 'number') return { type: STRING };
      return {
        type: NULL,
        problem: {
          message: `a string has no property ${name}`,
          hint: 'strings have length and [index]',
        },
      };
    case 'array':
      if (key === 'length') return { type: INTEGER };
      if (typeof key === 'number') return { type: t.items };
      return {
        type: NULL,
        problem: {
          message: `an array has no property ${name}`,
          hint: 'arrays have length and [index]',
        },
      };
    case 'object': {
      const fields = t.fields;
      const k = String(key);
      if (fields === undefined) return { type: ANY };
      if (Object.hasOwn(fields, k)) return { type: fields[k] ?? ANY };
      const close = suggest(k, Object.keys(fields));
      const known = Object.keys(fields);
      return {
        type: NULL,
        problem: {
          message: `unknown field ${name}`,
          hint:
            close.length > 0
              ? `did you mean ${close.join(' or ')}?`
              : known.length > 0
                ? `known fields: ${known.slice(0, 10).join(', ')}`
                : 'the object has no fields',
        },
      };
    }
    default:
      return { type: NULL, problem: { message: `a ${t.kind} has no property ${name}` } };
  }
}

export interface PathAccess {
  readonly type: StaticType;
  /** The first certainly-wrong step, with its index in `path`. */
  readonly problem?: { readonly message: string; readonly hint?: string; readonly index: number };
}

/**
 * Walks `path` from a value of type `t` with typeOfMember, stopping at the first certain problem.
 * Meant for `inferType` resolvers: type a reference's known prefix (e.g. `tasks.a.outputs`), then
 * walk the rest of `ref.path` with this.
 */
export function typeOfPath(t: StaticType, path: readonly PathSegment[]): PathAccess {
  let type = t;
  for (let index = 0; index < path.length; index++) {
    const access = typeOfMember(type, path[index] ?? '');
    if (access.problem !== undefined)
      return { type: access.type, problem: { ...access.problem, index } };
    type = access.type;
  }
  return { type };
}
