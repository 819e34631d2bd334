import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { Job, JobResult, Stage } from './job';
import type { WorkerSettings } from './runSettings';
import type { FromWorker, ToWorker } from './workerMessages';
import { SpareCpuMeter } from './spareCpu';

/*
 * A small pool of forked Node children. Chosen over tinypool's child_process runtime because we need, per task,
 * stage events streamed back while the task runs, a timeout that kills and replaces a hung child, one retry
 * after a crash or hang, and cooperative cancellation that keeps a warm child alive when it can — tinypool
 * offers abort-by-termination only and no messages from a running task.
 */

export interface PoolOptions {
  /** The worker entry (dist/worker.js). */
  script: string;
  /** Upper bound on children; fewer are started when there are fewer tasks or no idle cores for them. */
  size: number;
  settings: WorkerSettings;
  /** Per-task wall-clock bound; a child that exceeds it is killed and the task retried once. */
  taskTimeoutMs: number;
  /** How long a cancelled task may take to stop cooperatively before its child is killed. */
  cancelGraceMs?: number;
  /** Lines a child writes to stdout/stderr (tesseract and library warnings), for the log. */
  onOutput?: (line: string) => void;
  execArgv?: string[];
  /**
   * Tasks a child works on at once (default 2), not counting those only waiting on Ollama: a file that reaches
   * its summary frees its slot, so the child's OCR always has the next image at hand and keeps a core busy
   * without a second copy of the models. A child holds at most this many plus WAITING_PER_CHILD files.
   */
  tasksPerChild?: number;
  /** Children started together at the beginning (default: the cores); more start one at a time, see below. */
  initialChildren?: number;
  /** Idle cores on the machine; another child is started only while at least half a core is idle. */
  idleCores?: () => number;
  /**
   * Asked once per task just before it first goes to a child: 'run'; 'later' while another process works on the
   * same file (asked again after a pause, the task moved behind the others); or 'skip' when its result has
   * appeared meanwhile (the task then rejects with reason 'elsewhere').
   */
  admit?: (job: Job) => Promise<'run' | 'later' | 'skip'>;
  /** Called once for each task `admit` let run, when it is settled. */
  onSettled?: (job: Job) => void;
}

export interface RunOptions {
  signal?: AbortSignal;
  onStage?: (stage: Stage) => void;
  /** Progress within a long stage (transcription), 0-100. */
  onProgress?: (stage: Stage, percent: number) => void;
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

interface Task {
  job: Job;
  options: RunOptions;
  attempts: number;
  started: boolean;
  /** `admit` said 'run' (or there is no `admit`). */
  admitted: boolean;
  /** How many times `admit` said 'later'. */
  deferrals: number;
  /** Retried after a child died while it shared that child: runs alone, so another file cannot take it down again. */
  alone: boolean;
  settled: boolean;
  resolve: (result: JobResult) => void;
  reject: (error: Error) => void;
  onAbort?: () => void;
}

interface Assignment {
  task: Task;
  /** Unset while the slot is only reserved for a task whose `admit` is pending. */
  timer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  /** In a stage that only waits on Ollama: it uses no CPU in the child and holds none of its working slots. */
  waitingOnOllama?: boolean;
}

interface Child {
  process: ChildProcess;
  ready: boolean;
  /** False once the child is being killed or is gone: it never gets another task. */
  usable: boolean;
  tasks: Map<number, Assignment>;
  /** The last lines the child printed, to explain a crash. */
  recentOutput: string[];
}

const MAX_ATTEMPTS = 2;
/** Stages in which a task only waits for Ollama's answer. */
const OLLAMA_STAGES = new Set<Stage>(['vision', 'summary']);
/**
 * Tasks waiting on Ollama a child may hold besides its working ones: enough to cover Ollama's latency while the
 * child's OCR goes on, few enough that a crash sends back only a handful of files.
 */
const WAITING_PER_CHILD = 2;
/** Spare capacity that justifies one more child (its start costs about a core-second loading tesseract). */
const GROW_AT_IDLE_CORES = 0.5;
/** How often a pool with queued work checks for idle cores while no task finishes (e.g. during long videos). */
const GROW_CHECK_MS = 1000;
/** Pauses before asking `admit` again about a task another process works on: 0.5 s, doubling up to 5 s. */
const LATER_FIRST_MS = 500;
const LATER_MAX_MS = 5000;

export class WorkerPool {
  private readonly queue: Task[] = [];
  /** Tasks `admit` said 'later' for, until their pause is over. */
  private readonly waiting = new Set<Task>();
  private readonly children = new Set<Child>();
  private readonly tasksPerChild: number;
  private readonly initialChildren: number;
  private readonly idleCores: () => number;
  private growTimer?: NodeJS.Timeout;
  private closed = false;
  private spawned = 0;

  constructor(private readonly options: PoolOptions) {
    this.tasksPerChild = Math.max(1, options.tasksPerChild ?? 2);
    this.initialChildren = Math.max(1, options.initialChildren ?? os.availableParallelism());
    const meter = options.idleCores ? undefined : new SpareCpuMeter();
    this.idleCores = options.idleCores ?? (() => meter!.idleCores());
  }

  /** How many children have been started over the pool's life (replacements included). */
  get spawnedCount(): number {
    return this.spawned;
  }

  get liveChildren(): number[] {
    return [...this.children].flatMap((child) => (child.process.pid ? [child.process.pid] : []));
  }

  run(job: Job, options: RunOptions = {}): Promise<JobResult> {
    if (this.closed) return Promise.reject(new TaskError('The worker pool is closed.', 'closed'));
    return new Promise<JobResult>((resolve, reject) => {
      const task: Task = { job, options, attempts: 0, started: false, admitted: !this.options.admit, deferrals: 0, alone: false, settled: false, resolve, reject };
      if (options.signal?.aborted) return reject(cancelledError(job));
      task.onAbort = () => this.cancel(task);
      options.signal?.addEventListener('abort', task.onAbort, { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** Stops all children: a polite shutdown message, then SIGKILL for any that linger. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.growTimer);
    for (const task of [...this.queue.splice(0), ...this.waiting]) this.settle(task, new TaskError('The worker pool was closed.', 'closed'));
    this.waiting.clear();
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            for (const { task } of this.release(child)) this.settle(task, new TaskError('The worker pool was closed.', 'closed'));
            if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
            child.process.once('exit', () => resolve());
            send(child, { type: 'shutdown' });
            setTimeout(() => killTree(child), 2000).unref();
          }),
      ),
    );
  }

  /** Hands queued tasks to children in order, then starts children if the work and the machine call for more. */
  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
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
  private childFor(task: Task): Child | undefined {
    let best: Child | undefined;
    let bestWorking = 0;
    for (const child of this.children) {
      if (!child.ready || !child.usable) continue;
      const held = [...child.tasks.values()];
      const working = held.filter((a) => !a.waitingOnOllama).length;
      const holdsLoner = held.some((a) => a.task.alone);
      const full = working >= this.tasksPerChild || held.length >= this.tasksPerChild + WAITING_PER_CHILD;
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
    if (live.length < needed && this.queue.length > 0 && !starting && this.idleCores() >= GROW_AT_IDLE_CORES) this.spawn();
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
    const child: Child = {
      process: fork(this.options.script, [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: this.options.execArgv ?? [],
        serialization: 'json',
        // Its own process group (POSIX), so killing a hung worker also kills the ffmpeg or whisper-cli it ran.
        detached: process.platform !== 'win32',
      }),
      ready: false,
      usable: true,
      tasks: new Map(),
      recentOutput: [],
    };
    this.spawned++;
    this.children.add(child);
    for (const stream of [child.process.stdout, child.process.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        for (const line of text.split('\n').filter((l) => l.trim())) {
          child.recentOutput.push(line);
          if (child.recentOutput.length > 5) child.recentOutput.shift();
          this.options.onOutput?.(line);
        }
      });
    }
    child.process.on('message', (message: FromWorker) => this.onMessage(child, message));
    child.process.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.process.on('error', () => {
      /* 'exit' follows and handles the tasks */
    });
    send(child, { type: 'init', settings: this.options.settings });
  }

  /** Holds a slot on `child` while `admit` decides, then runs the task there (or elsewhere), defers or skips it. */
  private async admit(child: Child, task: Task): Promise<void> {
    child.tasks.set(task.job.id, { task });
    let verdict: 'run' | 'later' | 'skip';
    try {
      verdict = await this.options.admit!(task.job);
    } catch {
      verdict = 'run'; // no way to coordinate (e.g. the cache folder vanished): summarizing twice beats not at all
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
      this.settle(task, new TaskError(`Summarized by another run meanwhile: ${task.job.path}`, 'elsewhere'));
    } else {
      this.waiting.add(task);
      const pause = Math.min(LATER_MAX_MS, LATER_FIRST_MS * 2 ** task.deferrals++);
      setTimeout(() => {
        if (!this.waiting.delete(task) || task.settled) return;
        this.queue.push(task);
        this.dispatch();
      }, pause);
    }
    this.dispatch();
  }

  private assign(child: Child, task: Task): void {
    task.attempts++;
    if (!task.started) task.options.onStart?.();
    task.started = true;
    const timer = setTimeout(() => {
      const seconds = Math.round(this.options.taskTimeoutMs / 1000);
      this.evict(child, task, `timed out after ${seconds} s`, 'timeout');
    }, this.options.taskTimeoutMs);
    child.tasks.set(task.job.id, { task, timer });
    send(child, { type: 'job', job: task.job });
  }

  private onMessage(child: Child, message: FromWorker): void {
    if (message.type === 'ready') {
      child.ready = true;
      return this.dispatch();
    }
    const assignment = child.tasks.get(message.id);
    if (!assignment) return; // a late message for a task already settled elsewhere
    const { task } = assignment;
    if (message.type === 'stage') {
      task.options.onStage?.(message.stage);
      const waiting = OLLAMA_STAGES.has(message.stage);
      if (waiting === Boolean(assignment.waitingOnOllama)) return;
      assignment.waitingOnOllama = waiting;
      return this.dispatch(); // a working slot opened (or closed): the next file can go to this child
    }
    if (message.type === 'progress') return task.options.onProgress?.(message.stage, message.percent);
    this.releaseTask(child, task);
    if (message.type === 'result') this.settle(task, undefined, message.result);
    else if (message.type === 'cancelled') this.settle(task, cancelledError(task.job));
    else this.settle(task, new Error(message.message));
    this.dispatch();
  }

  /** A child that exits on its own while holding tasks crashed: which task caused it is unknown, so each is retried. */
  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(child);
    child.usable = false;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const output = child.recentOutput.length ? ` Last output: ${child.recentOutput.join(' | ')}` : '';
    for (const { task, timer } of this.release(child)) {
      if (timer) this.retryOrFail(task, `the worker process ${how}.${output}`, 'crash'); // (no timer: admit() still deciding; it requeues)
    }
    this.dispatch();
  }

  /**
   * Kills a child because of `culprit` (a hang, or a cancel it ignored): the culprit is retried or failed, the
   * other tasks it held go back to the front of the queue to run alone, without losing an attempt.
   */
  private evict(child: Child, culprit: Task, why: string, reason: 'timeout' | 'cancelled'): void {
    child.usable = false;
    this.children.delete(child);
    const bystanders = this.release(child).filter((a) => a.task !== culprit && a.timer); // admit() requeues its own
    killTree(child);
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

  /** A crash or hang: the file gets one more try on a fresh child, alone, then a clear failure. */
  private retryOrFail(task: Task, why: string, reason: 'timeout' | 'crash'): void {
    if (task.settled) return;
    if (task.options.signal?.aborted) return this.settle(task, cancelledError(task.job));
    if (task.attempts < MAX_ATTEMPTS) {
      task.alone = true;
      this.queue.unshift(task);
    } else {
      this.settle(task, new TaskError(`Processing failed twice: ${why}`, reason));
    }
  }

  private cancel(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0 || this.waiting.delete(task)) {
      if (queued >= 0) this.queue.splice(queued, 1);
      this.settle(task, cancelledError(task.job));
      return this.dispatch();
    }
    const child = [...this.children].find((c) => c.tasks.has(task.job.id));
    const assignment = child?.tasks.get(task.job.id);
    if (!child || !assignment || assignment.task !== task) return;
    if (!assignment.timer) return this.settle(task, cancelledError(task.job)); // not sent to the child yet
    send(child, { type: 'cancel', id: task.job.id });
    // A stage that cannot be interrupted (a long OCR call) must not hold the cancel up: kill the child.
    assignment.killTimer = setTimeout(() => {
      if (child.tasks.get(task.job.id)?.task === task) this.evict(child, task, 'cancelled', 'cancelled');
    }, this.options.cancelGraceMs ?? 1000);
  }

  private releaseTask(child: Child, task: Task): void {
    const assignment = child.tasks.get(task.job.id);
    if (!assignment) return;
    clearTimeout(assignment.timer);
    clearTimeout(assignment.killTimer);
    child.tasks.delete(task.job.id);
  }

  /** Takes every task off a child (timers stopped) and returns them. */
  private release(child: Child): Assignment[] {
    const assignments = [...child.tasks.values()];
    for (const { task } of assignments) this.releaseTask(child, task);
    return assignments;
  }

  private settle(task: Task, error?: Error, result?: JobResult): void {
    if (task.settled) return;
    task.settled = true;
    if (task.admitted && this.options.admit) this.options.onSettled?.(task.job);
    if (task.onAbort) task.options.signal?.removeEventListener('abort', task.onAbort);
    if (error) task.reject(error);
    else task.resolve(result!);
  }
}

function cancelledError(job: Job): TaskError {
  return new TaskError(`Cancelled: ${job.path}`, 'cancelled');
}

/** SIGKILL for the worker and everything it started (its process group on POSIX). */
function killTree(child: Child): void {
  const pid = child.process.pid;
  if (pid && process.platform !== 'win32') {
    try {
      process.kill(-pid, 'SIGKILL');
      return;
    } catch {
      // the group is already gone; fall through to the single process
    }
  }
  child.process.kill('SIGKILL');
}

function send(child: Child, message: ToWorker): void {
  if (child.process.connected) child.process.send(message);
}
