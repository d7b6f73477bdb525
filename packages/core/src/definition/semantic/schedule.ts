/** Checks of CronWorkflow schedules and time zones. */
import { Cron } from 'croner';
import type { JsonPath } from '../diagnostics.js';
import type { CronWorkflowDocument } from '../schema.js';
import { checkTimeout } from './task-checks.js';
import type { Checker } from './checker.js';

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function checkSchedule(doc: CronWorkflowDocument, checker: Checker): void {
  const spec = doc.spec;
  const base: JsonPath = ['spec'];
  if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
    checker.error(
      [...base, 'timezone'],
      'INVALID_TIMEZONE',
      `unknown time zone "${spec.timezone}"`,
      'use an IANA name such as UTC, Europe/Paris or America/New_York',
    );
  }
  try {
    const cron = new Cron(spec.schedule, {
      paused: true,
      ...(spec.timezone !== undefined && isTimeZone(spec.timezone)
        ? { timezone: spec.timezone }
        : {}),
    });
    cron.stop();
  } catch (err) {
    const message = (err as Error).message.replace(/^CronPattern: /, '');
    checker.error(
      [...base, 'schedule'],
      'INVALID_SCHEDULE',
      `invalid cron schedule "${spec.schedule}": ${message}`,
      'five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *" (a sixth, leading field is seconds); or @hourly, @daily, @weekly',
    );
  }
  if (spec.startingDeadline !== undefined)
    checkTimeout(spec.startingDeadline, [...base, 'startingDeadline'], checker, 'startingDeadline');
}
