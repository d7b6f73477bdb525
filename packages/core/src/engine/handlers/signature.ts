/**
 * Webhook signatures. The scheme, for receivers:
 *
 * - `x-orchestrator-timestamp`: the sender's clock time of the attempt, in milliseconds since the
 *   epoch, as a decimal integer.
 * - `x-orchestrator-signature`: `sha256=` followed by the lowercase hex HMAC-SHA256, keyed with
 *   the handler's `secret` (UTF-8), of the bytes of `<timestamp>.<body>`: the timestamp header value
 *   exactly as sent, one `.`, then the exact request body bytes (UTF-8 of the text sent).
 *
 * A receiver recomputes the HMAC over the raw body it received (before any JSON parsing), compares
 * in constant time, and rejects timestamps too far from its own clock (replays). Each retry is
 * signed again with a fresh timestamp; `idempotency-key` stays the same, for de-duplication.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-orchestrator-signature';
export const TIMESTAMP_HEADER = 'x-orchestrator-timestamp';
const PREFIX = 'sha256=';
/** Default of `verifyWebhook`'s `toleranceMs`: 5 minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`, 'utf8');
  if (typeof body === 'string') mac.update(body, 'utf8');
  else mac.update(body);
  return mac.digest('hex');
}

function timestampText(timestamp: number | string): string | undefined {
  const text = typeof timestamp === 'number' ? String(timestamp) : timestamp.trim();
  return /^\d{1,16}$/.test(text) ? text : undefined;
}

/**
 * The `x-orchestrator-signature` value (`sha256=<hex>`) for `body` sent at `timestamp` (ms).
 * Throws a RangeError when the timestamp is not a non-negative integer.
 */
export function signWebhook(
  secret: string,
  timestamp: number | string,
  body: string | Uint8Array,
): string {
  const ts = timestampText(timestamp);
  if (ts === undefined) throw new RangeError(`invalid webhook timestamp ${String(timestamp)}`);
  return PREFIX + hmacHex(secret, ts, body);
}

export interface VerifyOptions {
  /** The receiver's current time, ms since the epoch. */
  readonly now: number;
  /** How far the timestamp may be from `now`, either way; default 5 minutes. */
  readonly toleranceMs?: number;
}

/**
 * True when `signature` (the header value, `sha256=<hex>`; bare hex is accepted too) is the
 * signature of `body` at `timestamp` under `secret`, and the timestamp is within `toleranceMs` of
 * `now`. Compares in constant time. Never throws on malformed input: it returns false.
 */
export function verifyWebhook(
  secret: string,
  timestamp: number | string,
  body: string | Uint8Array,
  signature: string,
  options: VerifyOptions,
): boolean {
  const ts = timestampText(timestamp);
  if (ts === undefined) return false;
  const tolerance = options.toleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  if (!(Math.abs(options.now - Number(ts)) <= tolerance)) return false;
  const given = signature.trim().toLowerCase();
  const hex = given.startsWith(PREFIX) ? given.slice(PREFIX.length) : given;
  if (!/^[0-9a-f]{64}$/.test(hex)) return false;
  const expected = Buffer.from(hmacHex(secret, ts, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}
