import { ExpressionSyntaxError } from '../errors.js';
import {
  FORBIDDEN_NAMES,
  type BinaryOperator,
  type Node,
  type PathSegment,
  type PathNode,
  type PathStep,
} from './ast.js';
import { FUNCTIONS, arityText, functionNames, lookupFunction } from './functions.js';
import { describeToken, tokenize, type Punctuator, type Token } from './lexer.js';
import type { ExpressionLimits } from './limits.js';
import { suggest } from '../suggest.js';

/** Binding power of binary operators; `??` binds loosest, the ternary looser still. */
const PRECEDENCE: Readonly<Partial<Record<Punctuator, number>>> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

const KEYWORDS: Readonly<Record<string, null | boolean>> = { true: true, false: false, null: null };

/** Parses an expression source into a syntax tree, enforcing the length and depth limits. */
export function parseExpression(source: string, limits: Readonly<ExpressionLimits>): Node {
  if (source.length > limits.maxLength) {
    throw new ExpressionSyntaxError(
      `expression is longer than ${limits.maxLength} characters`,
      source,
      limits.maxLength,
      { hint: 'split the computation over several values or tasks' },
    );
  }
  return parseSimplePath(source) ?? parseTokens(source, limits);
}

/** The general parser, without the shortcut for plain paths (exported for tests). */
export function parseTokens(source: string, limits: Readonly<ExpressionLimits>): Node {
  return new Parser(source, tokenize(source), limits.maxDepth).parse();
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0;
}

/**
 * The most common expression by far is a plain dotted path (`tasks.a.outputs.b`): it gets the same
 * node the parser would build, without tokens. Anything else, or a keyword or reserved name,
 * returns undefined and goes through the parser (which reports reserved names).
 */
function parseSimplePath(source: string): PathNode | undefined {
  const n = source.length;
  let i = 0;
  while (i < n && isBlank(source.charCodeAt(i))) i++;
  let rootName: string | undefined;
  let rootStart = 0;
  let end = 0;
  const steps: PathStep[] = [];
  for (;;) {
    const start = i;
    if (i >= n || !isNameStart(source.charCodeAt(i))) return undefined;
    i++;
    while (i < n && isNamePart(source.charCodeAt(i))) i++;
    const name = source.slice(start, i);
    if (FORBIDDEN_NAMES.has(name)) return undefined;
    if (rootName === undefined) {
      if (Object.hasOwn(KEYWORDS, name)) return undefined;
      rootName = name;
      rootStart = start;
    } else {
      steps.push({ key: name, start: start - 1, end: i });
    }
    end = i;
    if (i < n && source.charCodeAt(i) === 46 /* . */) {
      i++;
      continue;
    }
    break;
  }
  while (i < n && isBlank(source.charCodeAt(i))) i++;
  if (i < n) return undefined;
  return { kind: 'path', root: rootName, steps, start: rootStart, end };
}

class Parser {
  private pos = 0;
  private depth = 0;
  // A plain Map: it dies with the parser, and WeakMaps are costly for the garbage collector.
  private readonly heights = new Map<Node, number>();

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
    private readonly maxDepth: number,
  ) {}

  parse(): Node {
    if (this.peek().kind === 'end') this.fail('empty expression', this.peek().start);
    const node = this.parseConditional();
    const t = this.peek();
    if (t.kind !== 'end') this.fail(`unexpected ${describeToken(t)}`, t.start, this.afterHint(t));
    return node;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private fail(message: string, offset: number, hint?: string): never {
    throw new ExpressionSyntaxError(
      message,
      this.source,
      offset,
      hint === undefined ? {} : { hint },
    );
  }

  private peek(ahead = 0): Token {
    const t = this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
    if (t === undefined) return this.fail('internal: no tokens', 0);
    return t;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private isPunct(value: Punctuator, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.value === value;
  }

  private expect(value: Punctuator, opening?: Token): Token {
    const t = this.peek();
    if (t.kind === 'punct' && t.value === value) return this.next();
    const what =
      opening === undefined ? '' : ` to close '${opening.value}' at offset ${opening.start}`;
    return this.fail(`expected '${value}'${what}, found ${describeToken(t)}`, t.start);
  }

  private afterHint(t: Token): string | undefined {
    if (t.kind === 'punct' && t.value === '(') return 'only built-in functions can be called';
    if (t.kind === 'identifier' || t.kind === 'number' || t.kind === 'string') {
      return 'is an operator or comma missing?';
    }
    return undefined;
  }

  private enter(at: number): void {
    if (++this.depth > this.maxDepth) this.tooDeep(at);
  }

  private leave(): void {
    this.depth--;
  }

  private tooDeep(at: number): never {
    return this.fail(`expression is nested deeper than ${this.maxDepth} levels`, at, 'simplify it');
  }

  private height(node: Node): number {
    return this.heights.get(node) ?? 0;
  }

  /** Records a composite node's height and enforces the depth limit on the tree. */
  private make<T extends Node>(node: T, children: readonly Node[]): T {
    let h = 0;
    for (const c of children) h = Math.max(h, this.height(c));
    if (h + 1 > this.maxDepth) this.tooDeep(node.start);
    this.heights.set(node, h + 1);
    return node;
  }

  private checkName(name: string, at: number): void {
    if (FORBIDDEN_NAMES.has(name)) {
      this.fail(`'${name}' cannot be used as a name`, at, 'it is reserved for safety reasons');
    }
  }

  // ---- grammar -------------------------------------------------------------------------------

  private parseConditional(): Node {
    const test = this.parseBinary(0);
    if (!this.isPunct('?')) return test;
    const q = this.next();
    this.enter(q.start);
    const consequent = this.parseConditional();
    this.expect(':');
    const alternate = this.parseConditional();
    this.leave();
    return this.make(
      { kind: 'conditional', test, consequent, alternate, start: test.start, end: alternate.end },
      [test, consequent, alternate],
    );
  }

  private parseBinary(minPrecedence: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return left;
      const precedence = PRECEDENCE[t.value];
      if (precedence === undefined || precedence <= minPrecedence) return left;
      this.next();
      this.enter(t.start);
      const right = this.parseBinary(precedence);
      this.leave();
      const op = t.value as BinaryOperator;
      left = this.make(
        { kind: 'binary', op, opStart: t.start, left, right, start: left.start, end: right.end },
        [left, right],
      );
    }
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (t.kind === 'punct' && (t.value === '!' || t.value === '-')) {
      this.next();
      this.enter(t.start);
      const operand = this.parseUnary();
      this.leave();
      if (t.value === '-' && operand.kind === 'literal' && typeof operand.value === 'number') {
        const value = operand.value === 0 ? 0 : -operand.value;
        return { kind: 'literal', value, start: t.start, end: operand.end };
      }
      return this.make({ kind: 'unary', op: t.value, operand, start: t.start, end: operand.end }, [
        operand,
      ]);
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Node {
    const first = this.peek();
    // A root identifier starts a static path; it stays a path while steps are static.
    let root: string | undefined;
    const steps: PathStep[] = [];
    let node: Node | undefined;
    if (
      first.kind === 'identifier' &&
      !this.isPunct('(', 1) &&
      !Object.hasOwn(KEYWORDS, first.value)
    ) {
      this.next();
      this.checkName(first.value, first.start);
      root = first.value;
    } else {
      node = this.parsePrimary();
    }
    let end = first.end;
    let pathEnd = first.end;
    const flush = (): Node => {
      if (node !== undefined) return node;
      return { kind: 'path', root: root ?? '', steps, start: first.start, end: pathEnd };
    };

    for (;;) {
      const t = this.peek();
      let key: PathSegment | undefined;
      let index: Node | undefined;
      if (t.kind !== 'punct') break;
      if (t.value === '.') {
        this.next();
        const name = this.next();
        if (name.kind !== 'identifier') {
          const hint = name.kind === 'number' ? `use [${name.value}] to index` : undefined;
          this.fail(
            `expected a property name after '.', found ${describeToken(name)}`,
            name.start,
            hint,
          );
        }
        this.checkName(name.value, name.start);
        key = name.value;
        end = name.end;
      } else if (t.value === '[') {
        this.next();
        this.enter(t.start);
        const inner = this.parseConditional();
        this.leave();
        end = this.expect(']', t).end;
        if (inner.kind === 'literal' && typeof inner.value === 'string') {
          this.checkName(inner.value, inner.start);
          key = inner.value;
        } else if (
          inner.kind === 'literal' &&
          typeof inner.value === 'number' &&
          Number.isSafeInteger(inner.value) &&
          inner.value >= 0
        ) {
          key = inner.value;
        } else {
          index = inner;
        }
      } else if (t.value === '(') {
        this.fail(
          'only built-in functions can be called',
          t.start,
          'write name(args), e.g. lower(x)',
        );
      } else {
        break;
      }
      if (key !== undefined && node === undefined) {
        steps.push({ key, start: t.start, end });
        pathEnd = end;
        continue;
      }
      const object = flush();
      node =
        index === undefined
          ? this.make(
              {
                kind: 'member',
                object,
                key: key ?? '',
                keyStart: t.start,
                start: object.start,
                end,
              },
              [object],
            )
          : this.make({ kind: 'index', object, index, start: object.start, end }, [object, index]);
    }
    return flush();
  }

  private parsePrimary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: t.value, start: t.start, end: t.end };
      case 'identifier':
        if (Object.hasOwn(KEYWORDS, t.value)) {
          return { kind: 'literal', value: KEYWORDS[t.value] ?? null, start: t.start, end: t.end };
        }
        return this.parseCall(t);
      case 'end':
        return this.fail('unexpected end of expression', t.start, 'an operand is missing');
      case 'punct':
        break;
    }
    if (t.value === '(') {
      this.enter(t.start);
      const inner = this.parseConditional();
      this.leave();
      this.expect(')', t);
      return inner;
    }
    if (t.value === '[') return this.parseArray(t);
    if (t.value === '{') return this.parseObject(t);
    return this.fail(`unexpected ${describeToken(t)}`, t.start);
  }

  private parseCall(nameToken: Token & { kind: 'identifier' }): Node {
    const written = nameToken.value;
    const name = lookupFunction(written);
    if (name === undefined) {
      const close = suggest(written, functionNames());
      this.fail(
        `unknown function '${written}'`,
        nameToken.start,
        close.length > 0
          ? `did you mean ${close.join(' or ')}?`
          : `available functions: ${functionNames().join(', ')}`,
      );
    }
    const open = this.expect('(');
    this.enter(open.start);
    const args: Node[] = [];
    if (!this.isPunct(')')) {
      for (;;) {
        args.push(this.parseConditional());
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    this.leave();
    const close = this.expect(')', open);
    const spec = FUNCTIONS[name];
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      this.fail(
        `${written}() takes ${arityText(spec)}, got ${args.length}`,
        nameToken.start,
        `usage: ${spec.usage}`,
      );
    }
    return this.make(
      { kind: 'call', name, nameEnd: nameToken.end, args, start: nameToken.start, end: close.end },
      args,
    );
  }

  private parseArray(open: Token): Node {
    this.enter(open.start);
    const items: Node[] = [];
    while (!this.isPunct(']')) {
      items.push(this.parseConditional());
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.leave();
    const close = this.expect(']', open);
    return this.make({ kind: 'array', items, start: open.start, end: close.end }, items);
  }

  private parseObject(open: Token): Node {
    this.enter(open.start);
    const entries: { key: string; value: Node; start: number; end: number }[] = [];
    const seen = new Set<string>();
    while (!this.isPunct('}')) {
      const k = this.next();
      if (k.kind !== 'identifier' && k.kind !== 'string') {
        this.fail(
          `expected an object key, found ${describeToken(k)}`,
          k.start,
          "keys are names or 'strings'",
        );
      }
      this.checkName(k.value, k.start);
      if (seen.has(k.value)) this.fail(`duplicate key '${k.value}'`, k.start);
      seen.add(k.value);
      this.expect(':');
      const value = this.parseConditional();
      entries.push({ key: k.value, value, start: k.start, end: value.end });
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.leave();
    const close = this.expect('}', open);
    return this.make(
      { kind: 'object', entries, start: open.start, end: close.end },
      entries.map((e) => e.value),
    );
  }
}
