import { describe, expect, it } from 'vitest';
import { brief, expectClean, posOf, readRepoFile, single, workflowYaml } from '../test-helpers.js';
import { validateSource } from '../validate.js';
import { isTimeZone } from './schedule.js';

function cron(fields: string) {
  const text = workflowYaml(`${fields}\ntasks: [{ id: a, executor: x }]`, { kind: 'CronWorkflow' });
  return { text, result: validateSource(text) };
}

describe('CronWorkflow', () => {
  it.each([
    "schedule: '*/15 * * * *'",
    "schedule: '30 2 * * 1-5'",
    "schedule: '0 */5 * * * *'",
    "schedule: '@daily'",
    "schedule: '@hourly'\ntimezone: UTC",
    "schedule: '0 9 * * *'\ntimezone: America/New_York\nconcurrencyPolicy: Replace\nstartingDeadline: 5m\nsuspend: true",
  ])('accepts %j', (fields) => {
    expectClean(cron(fields).result);
  });

  it('accepts the nightly example', () => {
    expectClean(validateSource(readRepoFile('examples/nightly-evaluation.yaml')));
  });

  it.each(["'61 * * * *'", "'* * *'", "'every day'", "'@sometimes'", "'0 0 32 * *'"])(
    'rejects the schedule %s, at the value',
    (schedule) => {
      const { text, result } = cron(`schedule: ${schedule}`);
      const d = single(result);
      expect(brief(d)).toEqual({
        code: 'INVALID_SCHEDULE',
        severity: 'error',
        path: 'spec.schedule',
        ...posOf(text, schedule),
      });
      expect(d.message).toMatch(/^invalid cron schedule /);
      expect(d.hint).toMatch(/five fields/);
    },
  );

  it('rejects an unknown time zone, keeping the schedule check', () => {
    const { text, result } = cron("schedule: '0 9 * * *'\ntimezone: Mars/Olympus");
    const d = single(result);
    expect(brief(d)).toEqual({
      code: 'INVALID_TIMEZONE',
      severity: 'error',
      path: 'spec.timezone',
      ...posOf(text, 'Mars/Olympus'),
    });
    expect(d.hint).toMatch(/IANA/);
  });

  it('reports a bad schedule and a bad time zone together', () => {
    const { result } = cron("schedule: 'nope'\ntimezone: Nowhere/City");
    expect(result.diagnostics.map((d) => d.code)).toEqual(['INVALID_SCHEDULE', 'INVALID_TIMEZONE']);
  });

  it('checks the startingDeadline range', () => {
    const { result } = cron("schedule: '@daily'\nstartingDeadline: 30h");
    expect(brief(single(result))).toMatchObject({
      code: 'OUT_OF_RANGE',
      path: 'spec.startingDeadline',
    });
  });

  it('requires a schedule and a known concurrencyPolicy', () => {
    expect(brief(single(cron('timezone: UTC').result))).toMatchObject({
      code: 'MISSING_FIELD',
      path: 'spec.schedule',
    });
    const d = single(cron("schedule: '@daily'\nconcurrencyPolicy: forbid").result);
    expect(d).toMatchObject({ code: 'INVALID_VALUE', hint: 'did you mean "Forbid"?' });
  });

  it('isTimeZone knows IANA names', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Pariss')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
