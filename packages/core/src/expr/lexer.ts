import { ExpressionSyntaxError } from '../errors.js';

/** Operators and punctuation, longest first where one is a prefix of another. */
export type Punctuator =
  | '=='
  | '!='
  | '<='
  | '>='
  | '&&'
  | '||'
  | '??'
  | '!'
  | '<'
  | '>'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '?'
  | ':'
  | '('
  | ')'
  | '['
  | ']'
  | '{'
  | '}'
  | ','
  | '.';

const TWO_CHAR: ReadonlySet<string> = new Set(['==', '!=', '<=', '>=', '&&', '||', '??']);
const ONE_CHAR: ReadonlySet<string> = new Set('!<>+-*/%?:()[]{},.');

export type Token =
  | {
      readonly kind: 'number';
      readonly value: number;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'string';
      readonly value: string;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'identifier';
      readonly value: string;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'punct';
      readonly value: Punctuator;
      readonly start: number;
      readonly end: number;
    }
  | { readonly kind: 'end'; readonly value: ''; readonly start: number; readonly end: number };

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '/': '/',
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0;
}

/** Splits an expression source into tokens; the last token is always `end`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  const fail = (message: string, offset: number, hint?: string): never => {
    throw new ExpressionSyntaxError(message, source, offset, hint === undefined ? {} : { hint });
  };

  while (i < n) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      if (source[i] === '.' && i + 1 < n && isDigit(source.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(source.charCodeAt(i))) i++;
      }
      if (source[i] === 'e' || source[i] === 'E') {
        let j = i + 1;
        if (source[j] === '+' || source[j] === '-') j++;
        if (j >= n || !isDigit(source.charCodeAt(j))) fail('invalid number exponent', start);
        while (j < n && isDigit(source.charCodeAt(j))) j++;
        i = j;
      }
      if (i < n && isIdentPart(source.charCodeAt(i))) {
        fail(
          `invalid number '${source.slice(start, i + 1)}'`,
          start,
          'numbers are decimal, e.g. 42, 0.5, 1e3',
        );
      }
      const value = Number(source.slice(start, i));
      if (!Number.isFinite(value)) fail('number is too large', start);
      tokens.push({ kind: 'number', value, start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      tokens.push({ kind: 'identifier', value: source.slice(start, i), start, end: i });
      continue;
    }
    if (c === 39 || c === 34) {
      tokens.push(readString(source, start, fail));
      i = tokens[tokens.length - 1]?.end ?? n;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (TWO_CHAR.has(two)) {
      if ((two === '==' || two === '!=') && source[i + 2] === '=') {
        fail(`unknown operator '${two}='`, start, `use ${two} (equality is always strict)`);
      }
      tokens.push({ kind: 'punct', value: two as Punctuator, start, end: i + 2 });
      i += 2;
      continue;
    }
    const one = source[i] ?? '';
    if (ONE_CHAR.has(one)) {
      tokens.push({ kind: 'punct', value: one as Punctuator, start, end: i + 1 });
      i++;
      continue;
    }
    if (one === '=') fail("unexpected '='", start, 'use == to compare; expressions cannot assign');
    if (one === '&') fail("unexpected '&'", start, 'use && for logical and');
    if (one === '|') fail("unexpected '|'", start, 'use || for logical or');
    if (one === '$' && source.startsWith('${{', i)) {
      fail("unexpected '${{' inside an expression", start, 'expressions cannot be nested');
    }
    const cp = source.codePointAt(i) ?? 0;
    fail(`unexpected character ${JSON.stringify(String.fromCodePoint(cp))}`, start);
  }
  tokens.push({ kind: 'end', value: '', start: n, end: n });
  return tokens;
}

function readString(
  source: string,
  start: number,
  fail: (message: string, offset: number, hint?: string) => never,
): Token {
  const quote = source[start];
  const n = source.length;
  let i = start + 1;
  let value = '';
  let chunk = i;
  while (i < n) {
    const ch = source[i];
    if (ch === quote) {
      value += source.slice(chunk, i);
      return { kind: 'string', value, start, end: i + 1 };
    }
    if (ch === '\\') {
      value += source.slice(chunk, i);
      const e = source[i + 1];
      if (e === undefined) break;
      if (e === 'u') {
        const hex = source.slice(i + 2, i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex))
          fail('invalid \\u escape', i, 'write \\u followed by four hex digits');
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        const mapped = ESCAPES[e];
        if (mapped === undefined || !Object.hasOwn(ESCAPES, e)) {
          fail(`invalid escape '\\${e}'`, i, 'valid escapes: \\n \\t \\r \\\\ \\\' \\" \\uXXXX');
        }
        value += mapped;
        i += 2;
      }
      chunk = i;
      continue;
    }
    i++;
  }
  return fail('unterminated string', start, `close the string with ${quote ?? "'"}`);
}

/** How a token reads in error messages. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of expression';
    case 'string':
      return 'string';
    case 'number':
      return `number ${t.value}`;
    default:
      return `'${t.value}'`;
  }
}
