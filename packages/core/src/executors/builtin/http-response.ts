/** Reading an HTTP response body with a size cap, and turning it into JSON data or text. */
import { TextDecoder } from 'node:util';
import { HttpRequestError } from './http-errors.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

function tooLarge(what: string, maxBytes: number): HttpRequestError {
  return new HttpRequestError(
    'ResponseTooLarge',
    `${what}: the response body is larger than ${maxBytes} bytes`,
    { retryable: false, hint: 'raise the `maxBytes` input, or ask for less data' },
  );
}

/** The body's bytes; fails with `ResponseTooLarge` as soon as more than `maxBytes` arrive. */
export async function readBodyBytes(
  res: Response,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(what, maxBytes);
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const next = (await reader.read()) as
      { done: true; value?: undefined } | { done: false; value: Uint8Array };
    if (next.done) break;
    const value = next.value;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(what, maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** `application/json`, `application/problem+json`, ... */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}

export function decodeText(bytes: Uint8Array, contentType: string | null): string {
  const charset = /;\s*charset="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(bytes);
}

/** Parsed JSON for a JSON content type (null when empty), else the text. */
export function parseBody(text: string, contentType: string | null, what: string): unknown {
  if (!isJsonContentType(contentType)) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpRequestError(
      'InvalidResponseError',
      `${what}: the response says ${contentType ?? 'JSON'} but its body is not valid JSON (${(err as Error).message})`,
      { retryable: false, cause: err },
    );
  }
}

export function headersObject(headers: Headers): Record<string, string> {
  const out = new Map<string, string>();
  headers.forEach((value, name) => out.set(name, value));
  return Object.fromEntries(out);
}
