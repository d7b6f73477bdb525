/** Small formatting helpers shared by the run commands: times, durations, sizes, run outcomes. */
import { formatDuration, isBlobRef } from '@llm-orchestrator/core';

export function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

/** `850ms`, `12.3s`, `1m30s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const whole = Math.max(0, Math.round(ms));
  if (whole < 1000) return `${whole}ms`;
  if (whole < 60_000) return `${(whole / 1000).toFixed(1)}s`;
  return formatDuration(Math.round(whole / 1000) * 1000);
}

/** The size of a value as JSON text (a BlobRef gives the size it stands for). */
export function jsonSize(value: unknown): number {
  if (isBlobRef(value)) return value.size;
  return value === undefined ? 0 : (JSON.stringify(value)?.length ?? 0);
}

export function size(chars: number): string {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(1)} kB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}

/** A value in a table cell: strings as they are, others as JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function errorText(error: { code: string; message: string } | undefined | null): string {
  return error === undefined || error === null ? '' : `${error.code}: ${error.message}`;
}
