import type { FunctionName } from './functions.js';

/**
 * Syntax tree of a `${{ }}` expression. Every node carries `start`/`end` (end exclusive), offsets
 * into the expression source.
 */

export type PathSegment = string | number;

export type LiteralValue = null | boolean | number | string;

export type UnaryOperator = '!' | '-';

export type BinaryOperator =
  '*' | '/' | '%' | '+' | '-' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||' | '??';

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface LiteralNode extends Span {
  readonly kind: 'literal';
  readonly value: LiteralValue;
}

export interface ArrayNode extends Span {
  readonly kind: 'array';
  readonly items: readonly Node[];
}

export interface ObjectEntry extends Span {
  readonly key: string;
  readonly value: Node;
}

export interface ObjectNode extends Span {
  readonly kind: 'object';
  readonly entries: readonly ObjectEntry[];
}

/** One static step of a path: `.name`, `['name']` or `[3]`; the span covers the step's text. */
export interface PathStep extends Span {
  readonly key: PathSegment;
}

/** A root identifier followed by static steps: `tasks.a.outputs['x']`. Source of a Reference. */
export interface PathNode extends Span {
  readonly kind: 'path';
  readonly root: string;
  readonly steps: readonly PathStep[];
}

/** A static member or index step applied to something that is not a path (a call, a literal...). */
export interface MemberNode extends Span {
  readonly kind: 'member';
  readonly object: Node;
  readonly key: PathSegment;
  /** Span of the `.name` / `[key]` text. */
  readonly keyStart: number;
}

/** A computed index `object[expr]`. */
export interface IndexNode extends Span {
  readonly kind: 'index';
  readonly object: Node;
  readonly index: Node;
}

export interface CallNode extends Span {
  readonly kind: 'call';
  /** Canonical function name (aliases such as `toJson` are resolved). */
  readonly name: FunctionName;
  readonly nameEnd: number;
  readonly args: readonly Node[];
}

export interface UnaryNode extends Span {
  readonly kind: 'unary';
  readonly op: UnaryOperator;
  readonly operand: Node;
}

export interface BinaryNode extends Span {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly opStart: number;
  readonly left: Node;
  readonly right: Node;
}

export interface ConditionalNode extends Span {
  readonly kind: 'conditional';
  readonly test: Node;
  readonly consequent: Node;
  readonly alternate: Node;
}

export type Node =
  | LiteralNode
  | ArrayNode
  | ObjectNode
  | PathNode
  | MemberNode
  | IndexNode
  | CallNode
  | UnaryNode
  | BinaryNode
  | ConditionalNode;

/** Names that could reach prototypes in JavaScript; rejected everywhere as property names. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
