import os from 'node:os';
import { SpareCpuMeter } from '../spareCpu';
import type { ChildFactory, PoolChild } from './childRuntime';

/*
 * The pool's scheduling, generic over what a task and its result are: queue, dispatch to the least busy child,
 * per-task timeouts, one retry after a crash or hang (alone), cooperative cancellation with a kill after a grace
 * period, and growth past the cores only while cores sit idle. Children come from a ChildFactory; what a task
 * waits on and whether it may run now come in as hooks.
 */

export interface SchedulerOptions<J extends { id: number }, R, S> {
  /** Starts a child; the scheduler never forks itself. */
  spawn: ChildFactory<J, R, S>;
  /** Upper bound on children; fewer are started when there are fewer tasks or no idle cores for them. */
  size: number;
  /** Per-task wall-clock bound; a child that exceeds it is killed and the task retried once. */
  taskTimeoutMs: number;
  /** How long a cancelled task may take to stop cooperatively before its child is killed. */
  cancelGraceMs?: number;
  /**
   * Tasks a child works on at once (default 2), not counting those only waiting (`isWaiting`): a task that
   * reaches such a stage frees its slot, so the child always has the next task at hand and keeps a core busy
   * without a second copy of its models. A child holds at most this many plus `waitingPerChild` tasks.
   */
  tasksPerChild?: number;
  /**
   * Waiting tasks a child may hold besides its working ones (default 2): enough to cover the latency of what they
   * wait on while the child works on, few enough that a crash sends back only a handful of tasks.
   */
  waitingPerChild?: number;
  /** Children started together at the beginning (default: the cores); more start one at a time, see below. */
  initialChildren?: number;
  /** Idle cores on the machine; another child is started only while at least half a core is idle. */
  idleCores?: () => number;
  /** Stages in which a task only waits on something outside the child (Ollama) and uses none of its CPU. */
  isWaiting?: (stage: S) => boolean;
  /** False while more children would not help (e.g. tasks already wait for the LLM): the pool does not grow then. */
  mayGrow?: () => boolean;
  /**
   * Asked once per task just before it first goes to a child: 'run'; 'later' while another process works on the
   * same task (asked again after a pause, the task moved behind the others); or 'skip' when its result has
   * appeared meanwhile (the task then rejects with reason 'elsewhere').
   */
  admit?: (job: J) => Promise<'run' | 'later' | 'skip'>;
  /** Called once for each task `admit` let run, when it is settled. */
  onSettled?: (job: J) => void;
}

export interface RunOptions<S> {
  signal?: AbortSignal;
  onStage?: (stage: S) => void;
  /** Progress within a long stage (transcription), 0-100. */
  onProgress?: (stage: S, percent: number) => void;
  onStart?: () => void;
}

export class TaskError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'crash' | 'cancelled' | 'closed' | 'elsewhere',
  ) {
    super(message);
  }
}

interface Task<J, R, S> {
  job: J;
  options: RunOptions<S>;
  attempts: number;
  started: boolean;
  /** `admit` said 'run' (or there is no `admit`). */
  admitted: boolean;
  /** How many times `admit` said 'later'. */
  deferrals: number;
  /** Retried after a child died while it shared that child: runs alone, so another task cannot take it down again. */
  alone: boolean;
  settled: boolean;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

interface Assignment<J, R, S> {
  task: Task<J, R, S>;
  /** False while the slot is only reserved for a task whose `admit` is pending. */
  sent: boolean;
  /** The task's timeout; paused (unset) while the task is suspended. */
  timer?: NodeJS.Timeout;
  /** When the timeout fires, and what was left of it when the task was suspended. */
  dueAt: number;
  remainingMs: number;
  killTimer?: NodeJS.Timeout;
  /** In a stage that only waits (`isWaiting`): it uses no CPU in the child and holds none of its working slots. */
  waiting?: boolean;
}

interface Child<J, R, S> {
  runtime: PoolChild<J>;
  ready: boolean;
  /** False once the child is being killed or is gone: it never gets another task. */
  usable: boolean;
  tasks: Map<number, Assignment<J, R, S>>;
}

const MAX_ATTEMPTS = 2;
/** Spare capacity that justifies one more child (its start costs about a core-second loading tesseract). */
const GROW_AT_IDLE_CORES = 0.5;
/** How often a scheduler with queued work checks for idle cores while no task finishes (e.g. during long videos). */
const GROW_CHECK_MS = 1000;
/** Pauses before asking `admit` again about a task another process works on: 0.5 s, doubling up to 5 s. */
const LATER_FIRST_MS = 500;
const LATER_MAX_MS = 5000;
/** How long a child asked to shut down may take before it is killed. */
const SHUTDOWN_GRACE_MS = 2000;

export class TaskScheduler<J extends { id: number }, R, S> {
  private readonly queue: Array<Task<J, R, S>> = [];
  /** Tasks `admit` said 'later' for, until their pause is over. */
  private readonly deferred = new Set<Task<J, R, S>>();
  private readonly children = new Set<Child<J, R, S>>();
  /**
   * The unsettled tasks of each cancellation signal, behind one listener per signal: a run hands all its files
   * the same signal, and a listener per file would be hundreds on one AbortSignal (Node warns past ten).
   */
  private readonly watched = new Map<AbortSignal, { tasks: Set<Task<J, R, S>>; onAbort: () => void }>();
  private readonly tasksPerChild: number;
  private readonly waitingPerChild: number;
  private readonly initialChildren: number;
  private readonly idleCores: () => number;
  private growTimer?: NodeJS.Timeout;
  private closed = false;
  private spawned = 0;

  constructor(private readonly options: SchedulerOptions<J, R, S>) {
    this.tasksPerChild = Math.max(1, options.tasksPerChild ?? 2);
    this.waitingPerChild = Math.max(0, options.waitingPerChild ?? 2);
    this.initialChildren = Math.max(1, options.initialChildren ?? os.availableParallelism());
    const meter = options.idleCores ? undefined : new SpareCpuMeter();
    this.idleCores = options.idleCores ?? (() => meter!.idleCores());
  }

  /** How many children have been started over the scheduler's life (replacements included). */
  get spawnedCount(): number {
    return this.spawned;
  }

  get liveChildren(): number[] {
    return [...this.children].flatMap((child) => (child.runtime.pid ? [child.runtime.pid] : []));
  }

  run(job: J, options: RunOptions<S> = {}): Promise<R> {
    if (this.closed) return Promise.reject(new TaskError('The worker pool is closed.', 'closed'));
    return new Promise<R>((resolve, reject) => {
      const task: Task<J, R, S> = { job, options, attempts: 0, started: false, admitted: !this.options.admit, deferrals: 0, alone: false, settled: false, resolve, reject };
      if (options.signal?.aborted) return reject(cancelledError(job));
      if (options.signal) this.watch(options.signal, task);
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops all children: a polite shutdown, then a kill for any that linger. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.growTimer);
    for (const task of [...this.queue.splice(0), ...this.deferred]) this.settle(task, new TaskError('The worker pool was closed.', 'closed'));
    this.deferred.clear();
    await Promise.all(
      [...this.children].map((child) => {
        for (const { task } of this.release(child)) this.settle(task, new TaskError('The worker pool was closed.', 'closed'));
        return child.runtime.shutdown(SHUTDOWN_GRACE_MS);
      }),
    );
  }

  /** Hands queued tasks to children in order, then starts children if the work and the machine call for more. */
  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      if (this.queue[0].options.signal?.aborted) {
        // Its run is being cancelled (the listener is cancelling tasks one by one): never hand it out now.
        const task = this.queue.shift()!;
        this.settle(task, cancelledError(task.job));
        continue;
      }
      const child = this.childFor(this.queue[0]);
      if (!child) break; // in order: a task that must run alone waits for a child to empty rather than be overtaken
      const task = this.queue.shift()!;
      if (task.admitted) this.assign(child, task);
      else void this.admit(child, task);
    }
    this.startChildren();
    this.watchForIdleCores();
  }

  /** The least busy ready child with room; for a task that runs alone, only an empty one. */
  private childFor(task: Task<J, R, S>): Child<J, R, S> | undefined {
    let best: Child<J, R, S> | undefined;
    let bestWorking = 0;
    for (const child of this.children) {
      if (!child.ready || !child.usable) continue;
      const held = [...child.tasks.values()];
      const working = held.filter((a) => !a.waiting).length;
      const holdsLoner = held.some((a) => a.task.alone);
      const full = working >= this.tasksPerChild || held.length >= this.tasksPerChild + this.waitingPerChild;
      if (task.alone ? held.length > 0 : full || holdsLoner) continue;
      if (!best || working < bestWorking || (working === bestWorking && held.length < best.tasks.size)) {
        best = child;
        bestWorking = working;
      }
    }
    return best;
  }

  /**
   * Never more children than the tasks can occupy, up to `size`. The first `initialChildren` start at once; each
   * further one starts alone, once the others are up, and only while cores sit idle: on a machine whose cores the
   * running children already fill, more children would only spend time and memory loading models.
   */
  private startChildren(): void {
    const running = [...this.children].reduce((sum, child) => sum + child.tasks.size, 0);
    const needed = Math.min(this.options.size, Math.ceil((this.queue.length + running) / this.tasksPerChild));
    const live = [...this.children].filter((child) => child.usable);
    if (live.length < Math.min(this.initialChildren, needed)) {
      for (let i = live.length; i < Math.min(this.initialChildren, needed); i++) this.spawn();
      return;
    }
    const starting = live.some((child) => !child.ready);
    const mayGrow = this.options.mayGrow?.() ?? true;
    if (live.length < needed && this.queue.length > 0 && !starting && mayGrow && this.idleCores() >= GROW_AT_IDLE_CORES) this.spawn();
  }

  /** While work waits and the pool could grow, look for idle cores now and then, not only when a task ends. */
  private watchForIdleCores(): void {
    const mayGrow = this.queue.length > 0 && this.children.size < this.options.size;
    if (mayGrow && !this.growTimer) {
      this.growTimer = setInterval(() => this.dispatch(), GROW_CHECK_MS);
      this.growTimer.unref();
    } else if (!mayGrow && this.growTimer) {
      clearInterval(this.growTimer);
      this.growTimer = undefined;
    }
  }

  private spawn(): void {
    // The events may arrive only after spawn() returns: `child` is assigned before any of them can fire.
    const child: Child<J, R, S> = { runtime: undefined as unknown as PoolChild<J>, ready: false, usable: true, tasks: new Map() };
    this.spawned++;
    this.children.add(child);
    const settleFrom = (id: number, error?: Error, result?: R) => {
      const assignment = child.tasks.get(id);
      if (!assignment) return; // a late message for a task already settled elsewhere
      this.releaseTask(child, assignment.task);
      this.settle(assignment.task, error, result);
      this.dispatch();
    };
    child.runtime = this.options.spawn({
      onReady: () => {
        child.ready = true;
        this.dispatch();
      },
      onStage: (id, stage) => this.onStage(child, id, stage),
      onProgress: (id, stage, percent) => child.tasks.get(id)?.task.options.onProgress?.(stage, percent),
      onResult: (id, result) => settleFrom(id, undefined, result),
      onCancelled: (id) => {
        const task = child.tasks.get(id)?.task;
        if (task) settleFrom(id, cancelledError(task.job));
      },
      onFailed: (id, error) => settleFrom(id, error),
      onSuspend: (id, suspended) => this.suspend(child, id, suspended),
      onExit: (how) => this.onExit(child, how),
    });
  }

  private onStage(child: Child<J, R, S>, id: number, stage: S): void {
    const assignment = child.tasks.get(id);
    if (!assignment) return;
    assignment.task.options.onStage?.(stage);
    const waiting = this.options.isWaiting?.(stage) ?? false;
    if (waiting === Boolean(assignment.waiting)) return;
    assignment.waiting = waiting;
    this.dispatch(); // a working slot opened (or closed): the next task can go to this child
  }

  /** Pauses a task's timeout while it waits for what the pool grants, and starts it again with what was left. */
  private suspend(child: Child<J, R, S>, id: number, suspended: boolean): void {
    const assignment = child.tasks.get(id);
    if (!assignment?.sent) return;
    if (suspended && assignment.timer) {
      clearTimeout(assignment.timer);
      assignment.timer = undefined;
      assignment.remainingMs = Math.max(0, assignment.dueAt - Date.now());
    } else if (!suspended && !assignment.timer) {
      this.startTimeout(child, assignment, assignment.remainingMs);
    }
  }

  private startTimeout(child: Child<J, R, S>, assignment: Assignment<J, R, S>, ms: number): void {
    assignment.dueAt = Date.now() + ms;
    assignment.timer = setTimeout(() => {
      const seconds = Math.round(this.options.taskTimeoutMs / 1000);
      this.evict(child, assignment.task, `timed out after ${seconds} s`, 'timeout');
    }, ms);
  }

  /** Holds a slot on `child` while `admit` decides, then runs the task there (or elsewhere), defers or skips it. */
  private async admit(child: Child<J, R, S>, task: Task<J, R, S>): Promise<void> {
    child.tasks.set(task.job.id, { task, sent: false, dueAt: 0, remainingMs: 0 });
    let verdict: 'run' | 'later' | 'skip';
    try {
      verdict = await this.options.admit!(task.job);
    } catch {
      verdict = 'run'; // no way to coordinate (e.g. the cache folder vanished): doing it twice beats not at all
    }
    if (child.tasks.get(task.job.id)?.task === task) child.tasks.delete(task.job.id);
    if (verdict === 'run') {
      task.admitted = true;
      if (task.settled) return this.options.onSettled?.(task.job); // cancelled or closed meanwhile
      if (child.usable && child.ready) this.assign(child, task);
      else this.queue.unshift(task);
    } else if (task.settled) {
      return;
    } else if (verdict === 'skip') {
      this.settle(task, new TaskError(`Done by another run meanwhile: task ${task.job.id}`, 'elsewhere'));
    } else {
      this.deferred.add(task);
      const pause = Math.min(LATER_MAX_MS, LATER_FIRST_MS * 2 ** task.deferrals++);
      setTimeout(() => {
        if (!this.deferred.delete(task) || task.settled) return;
        this.queue.push(task);
        this.dispatch();
      }, pause);
    }
    this.dispatch();
  }

  private assign(child: Child<J, R, S>, task: Task<J, R, S>): void {
    task.attempts++;
    if (!task.started) task.options.onStart?.();
    task.started = true;
    const assignment: Assignment<J, R, S> = { task, sent: true, dueAt: 0, remainingMs: 0 };
    this.startTimeout(child, assignment, this.options.taskTimeoutMs);
    child.tasks.set(task.job.id, assignment);
    child.runtime.run(task.job);
  }

  /** A child that exits on its own while holding tasks crashed: which task caused it is unknown, so each is retried. */
  private onExit(child: Child<J, R, S>, how: string): void {
    this.children.delete(child);
    child.usable = false;
    for (const { task, sent } of this.release(child)) {
      if (sent) this.retryOrFail(task, `the worker process ${how}`, 'crash'); // (not sent: admit() still deciding; it requeues)
    }
    this.dispatch();
  }

  /**
   * Kills a child because of `culprit` (a hang, or a cancel it ignored): the culprit is retried or failed, the
   * other tasks it held go back to the front of the queue to run alone, without losing an attempt.
   */
  private evict(child: Child<J, R, S>, culprit: Task<J, R, S>, why: string, reason: 'timeout' | 'cancelled'): void {
    child.usable = false;
    this.children.delete(child);
    const bystanders = this.release(child).filter((a) => a.task !== culprit && a.sent); // admit() requeues its own
    child.runtime.kill();
    if (reason === 'cancelled') this.settle(culprit, cancelledError(culprit.job));
    else this.retryOrFail(culprit, why, reason);
    for (const { task } of bystanders.reverse()) {
      if (task.options.signal?.aborted) {
        this.settle(task, cancelledError(task.job)); // cancelled too: it was only waiting for its own grace period
        continue;
      }
      task.attempts--;
      task.alone = true;
      this.queue.unshift(task);
    }
    this.dispatch();
  }

  /** A crash or hang: the task gets one more try on a fresh child, alone, then a clear failure. */
  private retryOrFail(task: Task<J, R, S>, why: string, reason: 'timeout' | 'crash'): void {
    if (task.settled) return;
    if (task.options.signal?.aborted) return this.settle(task, cancelledError(task.job));
    if (task.attempts < MAX_ATTEMPTS) {
      task.alone = true;
      this.queue.unshift(task);
    } else {
      this.settle(task, new TaskError(`Processing failed twice: ${why}`, reason));
    }
  }

  private cancel(task: Task<J, R, S>): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0 || this.deferred.delete(task)) {
      if (queued >= 0) this.queue.splice(queued, 1);
      this.settle(task, cancelledError(task.job));
      return this.dispatch();
    }
    const child = [...this.children].find((c) => c.tasks.has(task.job.id));
    const assignment = child?.tasks.get(task.job.id);
    if (!child || !assignment || assignment.task !== task) return;
    if (!assignment.sent) return this.settle(task, cancelledError(task.job)); // not sent to the child yet
    child.runtime.cancel(task.job.id);
    // A stage that cannot be interrupted (a long OCR call) must not hold the cancel up: kill the child.
    assignment.killTimer = setTimeout(() => {
      if (child.tasks.get(task.job.id)?.task === task) this.evict(child, task, 'cancelled', 'cancelled');
    }, this.options.cancelGraceMs ?? 1000);
  }

  private releaseTask(child: Child<J, R, S>, task: Task<J, R, S>): void {
    const assignment = child.tasks.get(task.job.id);
    if (!assignment) return;
    clearTimeout(assignment.timer);
    clearTimeout(assignment.killTimer);
    child.tasks.delete(task.job.id);
  }

  /** Takes every task off a child (timers stopped) and returns them. */
  private release(child: Child<J, R, S>): Array<Assignment<J, R, S>> {
    const assignments = [...child.tasks.values()];
    for (const { task } of assignments) this.releaseTask(child, task);
    return assignments;
  }

  private watch(signal: AbortSignal, task: Task<J, R, S>): void {
    let entry = this.watched.get(signal);
    if (!entry) {
      const tasks = new Set<Task<J, R, S>>();
      const onAbort = () => {
        for (const each of [...tasks]) this.cancel(each);
      };
      entry = { tasks, onAbort };
      this.watched.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.tasks.add(task);
  }

  private unwatch(signal: AbortSignal, task: Task<J, R, S>): void {
    const entry = this.watched.get(signal);
    if (!entry?.tasks.delete(task) || entry.tasks.size > 0) return;
    signal.removeEventListener('abort', entry.onAbort);
    this.watched.delete(signal);
  }

  private settle(task: Task<J, R, S>, error?: Error, result?: R): void {
    if (task.settled) return;
    task.settled = true;
    if (task.admitted && this.options.admit) this.options.onSettled?.(task.job);
    if (task.options.signal) this.unwatch(task.options.signal, task);
    if (error) task.reject(error);
    else task.resolve(result!);
  }
}

function cancelledError(job: { id: number }): TaskError {
  return new TaskError(`Cancelled: task ${job.id}`, 'cancelled');
}
