/**
 * `sleep`: waits on the context's clock (a FakeClock in tests), abortable through the context's
 * signal (the wait then rejects with the signal's reason).
 * Input: `duration` (`'250ms'`, `'2s'`, or a number of milliseconds). Output: `{ slept: ms }`.
 */
import { sleep } from '../../clock.js';
import { requireInput } from '../errors.js';
import type { Executor } from '../types.js';
import { durationMs } from './duration.js';

export const SLEEP_EXECUTOR = 'sleep';

export const sleepExecutor: Executor = {
  name: SLEEP_EXECUTOR,
  description: 'Wait for `duration` (e.g. 250ms, 2s; a number is milliseconds)',
  async execute(inputs, context) {
    const ms = durationMs(requireInput(inputs, 'duration', 'a duration'), 'duration');
    await sleep(context.clock, ms, context.signal);
    return { slept: ms };
  },
};
