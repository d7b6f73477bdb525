/** What aborted waits reject with; shared by the clock's sleep and the waiting primitives. */

/**
 * What an aborted wait rejects with: the signal's reason when it is an Error (the same object, so
 * callers can recognise their own cancellation error), else an `AbortError` DOMException carrying
 * a non-Error reason as its `cause`.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new DOMException('The operation was aborted', 'AbortError');
  if (reason !== undefined) Object.defineProperty(error, 'cause', { value: reason });
  return error;
}
