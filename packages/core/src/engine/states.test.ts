import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  RUN_TRANSITIONS,
  RunStatus,
  TASK_TRANSITIONS,
  TaskStatus,
  TERMINAL_RUN_STATES,
  transitionRun,
  transitionTask,
} from './states.js';

describe('run state machine', () => {
  it('follows the seed diagram', () => {
    let s: RunStatus = transitionRun('pending', 'running');
    s = transitionRun(s, 'paused');
    s = transitionRun(s, 'running');
    expect(transitionRun(s, 'completed')).toBe('completed');
    expect(transitionRun('paused', 'cancelled')).toBe('cancelled');
    expect(transitionRun('running', 'timed_out')).toBe('timed_out');
  });

  it('throws on an illegal transition', () => {
    expect(() => transitionRun('completed', 'paused')).toThrow(IllegalTransitionError);
    expect(() => transitionRun('pending', 'timed_out')).toThrow(
      'illegal run transition pending -> timed_out',
    );
  });

  it('lets every finished run be retried, and nothing else', () => {
    for (const s of TERMINAL_RUN_STATES) expect(RUN_TRANSITIONS[s]).toEqual(['running']);
  });

  it('has a row for every state', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual(Object.values(RunStatus).sort());
    expect(Object.keys(TASK_TRANSITIONS).sort()).toEqual(Object.values(TaskStatus).sort());
  });
});

describe('task state machine', () => {
  it('runs, retries and completes', () => {
    let s: TaskStatus = transitionTask('pending', 'ready');
    s = transitionTask(s, 'running');
    s = transitionTask(s, 'retrying');
    s = transitionTask(s, 'running');
    expect(transitionTask(s, 'completed')).toBe('completed');
  });

  it('never goes from a terminal state anywhere but back to pending', () => {
    for (const s of ['completed', 'failed', 'timed_out', 'skipped', 'cancelled'] as const) {
      expect(TASK_TRANSITIONS[s]).toEqual(['pending']);
    }
    expect(() => transitionTask('completed', 'running')).toThrow(IllegalTransitionError);
  });
});
