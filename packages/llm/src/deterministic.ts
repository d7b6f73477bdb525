/**
 * Deterministic stand-ins for what a model computes, shared by the `test` provider
 * (`test-provider.ts`, shipped) and the fake LLM server (`testing/`, tests only), so both agree on
 * token counts, streamed deltas, embeddings and structured-output placeholders.
 */

/** Deterministic token estimate: `Math.round(words * 1.3)`, words being runs of non-whitespace. */
export function estimateTokens(text: string): number {
  const words = text.match(/\S+/g)?.length ?? 0;
  return Math.round(words * 1.3);
}

/** Splits text into stream deltas, one per word with its surrounding whitespace (lossless). */
export function splitIntoDeltas(text: string): string[] {
  if (text === '') return [];
  return text.match(/\s*\S+\s*/g) ?? [text];
}

/**
 * Splits JSON text into deltas of at most `size` characters (lossless). Compact JSON has no
 * whitespace, so word-sized deltas would send it in one piece; this streams it the way providers
 * stream structured output, so partial objects can be observed.
 */
export function splitJsonDeltas(json: string, size = 8): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}

/**
 * The longest prefix of `text`, cut at a word boundary, whose `estimateTokens` fits
 * `maxTokens`; `truncated` tells whether anything was cut.
 */
export function truncateToTokens(
  text: string,
  maxTokens: number,
): { text: string; truncated: boolean } {
  if (estimateTokens(text) <= maxTokens) return { text, truncated: false };
  const deltas = splitIntoDeltas(text);
  let kept = 0;
  while (kept < deltas.length && Math.round((kept + 1) * 1.3) <= maxTokens) kept += 1;
  return { text: deltas.slice(0, kept).join('').trimEnd(), truncated: true };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Deterministic, L2-normalised hashed bag-of-words embedding: FNV-1a of each lowercased word
 * (twice, salted) into signed buckets. Identical texts give identical vectors, and texts that
 * share words have a higher cosine similarity than texts that share none.
 */
export function hashedEmbedding(text: string, dimensions = 16): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const features = words.length > 0 ? words : [text];
  for (const word of features) {
    for (const salt of ['', '#']) {
      const hash = fnv1a(salt + word);
      const index = hash % dimensions;
      vector[index] = (vector[index] ?? 0) + (hash >>> 31 === 1 ? -1 : 1);
    }
  }
  let norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  if (norm === 0) {
    // Every feature cancelled out: fall back to a single bucket so the vector stays unit length.
    vector[fnv1a(text) % dimensions] = 1;
    norm = 1;
  }
  return vector.map((x) => x / norm);
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  }
  return node;
}

function placeholderNumber(schema: JsonObject, integer: boolean): number {
  const min = schema['minimum'] ?? schema['exclusiveMinimum'];
  const max = schema['maximum'] ?? schema['exclusiveMaximum'];
  let value = 0;
  if (typeof min === 'number' && min > 0) value = min;
  else if (typeof max === 'number' && max < 0) value = max;
  return integer ? Math.ceil(value) : value;
}

function placeholder(schema: unknown, root: unknown, depth: number): unknown {
  if (!isObject(schema) || depth > 32) return null;
  if ('const' in schema) return schema['const'];
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  const ref = schema['$ref'];
  if (typeof ref === 'string') return placeholder(resolveRef(root, ref), root, depth + 1);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options: unknown = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const chosen: unknown =
        (options as unknown[]).find((o) => !(isObject(o) && o['type'] === 'null')) ?? options[0];
      return placeholder(chosen, root, depth + 1);
    }
  }
  const allOf = schema['allOf'];
  if (Array.isArray(allOf) && allOf.length > 0) {
    const parts = allOf.map((part) => placeholder(part, root, depth + 1));
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0];
  }
  const declared: unknown = schema['type'];
  const type: unknown = Array.isArray(declared)
    ? (declared.find((t) => t !== 'null') ?? declared[0])
    : declared;
  switch (type) {
    case 'string':
      return '';
    case 'number':
      return placeholderNumber(schema, false);
    case 'integer':
      return placeholderNumber(schema, true);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array': {
      const items = schema['items'];
      const minItems = typeof schema['minItems'] === 'number' ? schema['minItems'] : 0;
      if (Array.isArray(items)) return items.map((item) => placeholder(item, root, depth + 1));
      return Array.from({ length: minItems }, () => placeholder(items, root, depth + 1));
    }
    case 'object':
      return placeholderObject(schema, root, depth);
    default:
      return 'properties' in schema || 'required' in schema
        ? placeholderObject(schema, root, depth)
        : null;
  }
}

function placeholderObject(schema: JsonObject, root: unknown, depth: number): JsonObject {
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? schema['required'] : [];
  const out: JsonObject = {};
  for (const name of required) {
    if (typeof name === 'string') out[name] = placeholder(properties[name], root, depth + 1);
  }
  return out;
}

/**
 * A deterministic value for a JSON schema, used when no reply is scripted for a structured-output
 * request: an object holding the schema's **required** properties only, with placeholder values:
 * strings `""`, numbers and integers `0` (or the `minimum` when 0 is out of range), booleans
 * `false`, arrays `[]` (or `minItems` placeholder items), `null` for `null`, nested objects built
 * the same way. `const` and the first `enum` value win; `anyOf`/`oneOf` take the first non-null
 * option; `allOf` merges; local `$ref`s are followed. No schema (or a schema without a type)
 * gives `{}`.
 */
export function placeholderFromSchema(schema: unknown): unknown {
  const value = placeholder(schema, schema, 0);
  return value === null && !(isObject(schema) && schema['type'] === 'null') ? {} : value;
}
