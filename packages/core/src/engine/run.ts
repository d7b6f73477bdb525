/**
 * The state of one run: each task's status, attempts and outputs, and the dependency bookkeeping
 * that decides, when a task settles, which of its dependents become ready or are skipped. All the
 * work here is synchronous and linear in tasks + edges over the whole run.
 */
import type { ExpressionContext } from '../expr/index.js';
import type { ErrorInfo, JournalEntry } from './journal.js';
import type { ReplayedRun } from './replay.js';
import type { Plan, PlanDependency, PlanTask } from './plan.js';
import { TaskStatus, TERMINAL_TASK_STATES, transitionTask, type RunStatus } from './states.js';

export interface AttemptRecord {
  readonly attempt: number;
  readonly startedAt: number;
  endedAt?: number;
  durationMs?: number;
  error?: ErrorInfo;
}

/** Where a task held by a policy's `require-approval` stands. */
export interface ApprovalRecord {
  readonly state: 'waiting' | 'approved' | 'rejected';
  /** Why the policy held it. */
  readonly reason: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Who decided, and what they said. */
  readonly actor?: string;
  readonly comment?: string;
  readonly at: number;
}

/** What expressions see as `tasks.<id>`. */
export interface TaskView {
  status: TaskStatus;
  state: TaskStatus;
  outputs: Record<string, unknown> | null;
  error: ErrorInfo | null;
  attempts: number;
  config: unknown;
}

export interface TaskRun {
  readonly id: string;
  status: TaskStatus;
  attempts: AttemptRecord[];
  outputs: Record<string, unknown> | null;
  error: ErrorInfo | null;
  /** How the outputs were obtained after a failure, if by a fallback. */
  fallback?: string;
  skipReason?: string;
  /** Set once a policy held the task for approval. */
  approval?: ApprovalRecord;
  /** The journal seq of the entry that holds the outputs (snapshots refer to large ones by it). */
  outputSeq?: number;
}

/** What happens to a task once its dependencies have (partly) settled. */
export type Decision = 'wait' | 'ready' | 'skip';

function satisfies(status: TaskStatus, kind: PlanDependency['kind']): boolean {
  return kind === 'completion' ? TERMINAL_TASK_STATES.has(status) : status === TaskStatus.Completed;
}

/** The `created` of a run that is in the store already. */
const STORED: Promise<void> = Promise.resolve();

export class RunState {
  status: RunStatus = 'pending';
  error: ErrorInfo | undefined;
  outputs: Record<string, unknown> | undefined;
  readonly tasks: TaskRun[];
  /** `tasks.<id>` for expressions, built on first read: runs whose expressions never read it pay nothing. */
  private viewsBuilt: Record<string, TaskView> | undefined;
  readonly context: ExpressionContext & { readonly tasks: Record<string, TaskView> };
  /** Tasks not yet in a terminal state. */
  remaining: number;
  /** Attempts in flight. */
  running = 0;
  /** Bumped when the run stops or restarts: queued entries and timers of before are void. */
  epoch = 0;
  /** The seq of the last journal entry written (1: `run.created`). */
  seq = 0;
  /** Set when this process gave the run up (its lease was lost, the store failed, or close()). */
  lost: ErrorInfo | undefined;
  /** The seq and time of the run's last snapshot (Durability's bookkeeping). */
  snapshotSeq = 0;
  snapshotAt: number | undefined;
  /** What a failed journal write of this run calls (one function per run, made on first use). */
  onWriteError: ((err: unknown) => void) | undefined;
  readonly createdAt: number;
  /**
   * Settles once the run's creation is in the store: set by Durability for a run created here;
   * a run taken over from the store was there already.
   */
  created: Promise<void> = STORED;
  startedAt: number | undefined;
  endedAt: number | undefined;
  private readonly unsettled: Int32Array;
  private readonly satisfied: Int32Array;

  constructor(
    readonly id: string,
    readonly plan: Plan,
    readonly inputs: Readonly<Record<string, unknown>>,
    base: Readonly<Record<string, unknown>>,
    now: number,
    private readonly write: (run: RunState, entry: JournalEntry) => void,
  ) {
    this.createdAt = now;
    const n = plan.tasks.length;
    this.remaining = n;
    this.unsettled = new Int32Array(n);
    this.satisfied = new Int32Array(n);
    this.tasks = plan.tasks.map((t) => {
      this.unsettled[t.index] = t.deps.length;
      return { id: t.id, status: 'pending', attempts: [], outputs: null, error: null };
    });
    const metadata = plan.document.metadata;
    const system = (base.system ?? {}) as Record<string, unknown>;
    this.context = {
      ...base,
      // The time the run was created, not the time the engine was.
      system: { ...system, timestamp: new Date(now).toISOString() },
      workflow: {
        id: id,
        execution_id: id,
        inputs,
        metadata: {
          name: metadata.name,
          version: metadata.version,
          description: metadata.description ?? null,
          labels: metadata.labels ?? {},
          annotations: metadata.annotations ?? {},
        },
        outputs: null,
        error: null,
      },
    } as unknown as ExpressionContext & { readonly tasks: Record<string, TaskView> };
    Object.defineProperty(this.context, 'tasks', { enumerable: true, get: () => this.views });
  }

  /** Appends an entry to the run's journal. */
  journal(entry: JournalEntry): void {
    this.seq++;
    this.write(this, entry);
  }

  get views(): Record<string, TaskView> {
    if (this.viewsBuilt === undefined) {
      const views: Record<string, TaskView> = {};
      for (const t of this.plan.tasks) {
        const run = this.task(t.index);
        views[t.id] = {
          status: run.status,
          state: run.status,
          outputs: run.outputs,
          error: run.error,
          attempts: run.attempts.length,
          config: t.definition.config ?? {},
        };
      }
      this.viewsBuilt = views;
    }
    return this.viewsBuilt;
  }

  task(i: number): TaskRun {
    return this.tasks[i] as TaskRun;
  }

  setStatus(i: number, to: TaskStatus): void {
    const t = this.task(i);
    t.status = transitionTask(t.status, to);
    const view = this.viewsBuilt?.[t.id];
    if (view !== undefined) {
      view.status = to;
      view.state = to;
    }
    if (TERMINAL_TASK_STATES.has(to)) this.remaining--;
  }

  /** Marks a task's outputs (completion or fallback). */
  setOutputs(i: number, outputs: Record<string, unknown>): void {
    const t = this.task(i);
    t.outputs = outputs;
    const view = this.viewsBuilt?.[t.id];
    if (view !== undefined) view.outputs = outputs;
  }

  setError(i: number, error: ErrorInfo | null): void {
    const t = this.task(i);
    t.error = error;
    const view = this.viewsBuilt?.[t.id];
    if (view !== undefined) view.error = error;
  }

  beginAttempt(i: number, at: number): number {
    const t = this.task(i);
    const attempt = t.attempts.length + 1;
    t.attempts.push({ attempt, startedAt: at });
    const view = this.viewsBuilt?.[t.id];
    if (view !== undefined) view.attempts = attempt;
    return attempt;
  }

  endAttempt(i: number, at: number, error?: ErrorInfo): AttemptRecord | undefined {
    const record = this.task(i).attempts.at(-1);
    if (record !== undefined) {
      record.endedAt = at;
      record.durationMs = at - record.startedAt;
      if (error !== undefined) record.error = error;
    }
    return record;
  }

  /** Decides a task from how its dependencies settled so far. */
  decide(task: PlanTask): Decision {
    const i = task.index;
    const total = task.deps.length;
    const unsettled = this.unsettled[i] ?? 0;
    const ok = this.satisfied[i] ?? 0;
    const failed = total - unsettled - ok;
    switch (task.join.kind) {
      case 'all':
        if (failed > 0) return 'skip';
        return unsettled === 0 ? 'ready' : 'wait';
      case 'any':
        if (ok > 0) return 'ready';
        return unsettled === 0 ? 'skip' : 'wait';
      case 'atLeast':
        if (ok >= task.join.n) return 'ready';
        return failed > total - task.join.n ? 'skip' : 'wait';
      case 'expression':
        if (unsettled > 0) return 'wait';
        return task.join.template.evaluate(this.context) ? 'ready' : 'skip';
    }
  }

  /**
   * Records that task `i` settled and returns the dependents to look at again (each once, in
   * order). Callers decide them and settle skipped ones in turn, iteratively.
   */
  settle(i: number): PlanTask[] {
    const task = this.plan.tasks[i] as PlanTask;
    const status = this.task(i).status;
    const out: PlanTask[] = [];
    for (const edge of task.dependents) {
      const j = edge.index;
      if (this.task(j).status !== TaskStatus.Pending) continue;
      this.unsettled[j] = (this.unsettled[j] ?? 0) - 1;
      if (satisfies(status, edge.kind)) this.satisfied[j] = (this.satisfied[j] ?? 0) + 1;
      out.push(this.plan.tasks[j] as PlanTask);
    }
    return out;
  }

  /** Resets a task and everything downstream of it to pending (retry from a task). */
  resetFrom(roots: readonly number[], at: number): number[] {
    const seen = new Set<number>();
    const stack = [...roots];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      if (seen.has(i)) continue;
      seen.add(i);
      for (const edge of (this.plan.tasks[i] as PlanTask).dependents) stack.push(edge.index);
    }
    for (const i of seen) {
      const t = this.task(i);
      if (t.status !== TaskStatus.Pending) {
        this.setStatus(i, TaskStatus.Pending);
        this.remaining++;
      }
      t.outputs = null;
      t.error = null;
      t.attempts = [];
      delete t.fallback;
      delete t.skipReason;
      delete t.approval;
      const view = this.viewsBuilt?.[t.id];
      if (view !== undefined) {
        view.outputs = null;
        view.error = null;
        view.attempts = 0;
      }
      this.journal({ type: 'task.reset', at, taskId: t.id });
    }
    this.recount(seen);
    return [...seen].sort((a, b) => a - b);
  }

  /** Recounts the dependency bookkeeping of `tasks` from their dependencies' states. */
  private recount(tasks: Iterable<number>): void {
    for (const i of tasks) {
      const task = this.plan.tasks[i] as PlanTask;
      let unsettled = 0;
      let ok = 0;
      for (const d of task.deps) {
        const s = this.task(d.index).status;
        if (!TERMINAL_TASK_STATES.has(s)) unsettled++;
        else if (satisfies(s, d.kind)) ok++;
      }
      this.unsettled[i] = unsettled;
      this.satisfied[i] = ok;
    }
  }

  /**
   * Takes the state a journal (and snapshot) describes, after a crash or on another process. A task
   * that was running or waiting for a retry is pending again: it runs again, as its next attempt. A
   * task waiting for approval keeps waiting.
   */
  restore(replayed: ReplayedRun, seq: number): void {
    this.status = replayed.status;
    this.error = replayed.error;
    this.outputs = replayed.outputs === undefined ? undefined : { ...replayed.outputs };
    this.startedAt = replayed.startedAt;
    this.endedAt = replayed.endedAt;
    this.seq = seq;
    this.viewsBuilt = undefined;
    let remaining = 0;
    for (const t of this.plan.tasks) {
      const r = replayed.tasks.get(t.id);
      if (r === undefined) {
        remaining++;
        continue;
      }
      const run = this.task(t.index);
      const interrupted = r.status === 'running' || r.status === 'retrying' || r.status === 'ready';
      run.status = interrupted ? TaskStatus.Pending : r.status;
      run.attempts = r.history.map((a) => ({ ...a }));
      run.outputs = (r.outputs as Record<string, unknown> | null) ?? null;
      run.error = r.error;
      if (r.fallback !== undefined) run.fallback = r.fallback;
      if (r.skipReason !== undefined) run.skipReason = r.skipReason;
      if (r.approval !== undefined) run.approval = { ...r.approval };
      if (!TERMINAL_TASK_STATES.has(run.status)) remaining++;
    }
    this.remaining = remaining;
    this.recount(this.plan.tasks.map((t) => t.index));
  }
}
