import { describe, expect, it } from 'vitest';
import { formatDuration, formatMemory, parseCpu, parseDuration, parseMemory } from './units.js';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['3600s', 3_600_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
    [2, 2000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '5 m', '1x', '-1s', 'h', '0s', 0, -3, Number.NaN, null, {}])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('formats', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(86_401_000)).toBe('1d1s');
  });
});

describe('resource quantities', () => {
  it('parses cpu', () => {
    expect(parseCpu(4)).toBe(4);
    expect(parseCpu('500m')).toBe(0.5);
    expect(parseCpu('0.25')).toBe(0.25);
    expect(parseCpu('4 cores')).toBeUndefined();
    expect(parseCpu(-1)).toBeUndefined();
  });

  it('parses memory', () => {
    expect(parseMemory('8Gi')).toBe(8 * 2 ** 30);
    expect(parseMemory('512Mi')).toBe(512 * 2 ** 20);
    expect(parseMemory('1G')).toBe(1e9);
    expect(parseMemory(1024)).toBe(1024);
    expect(parseMemory('8gb')).toBeUndefined();
    expect(formatMemory(8 * 2 ** 30)).toBe('8Gi');
    expect(formatMemory(100)).toBe('100');
  });
});
