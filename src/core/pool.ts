import { fork, type ChildProcess } from 'node:child_process';
import type { FromWorker, Job, JobResult, Stage, ToWorker, WorkerSettings } from './protocol';

/*
 * A small pool of forked Node children. Chosen over tinypool's child_process runtime because we need, per task,
 * stage events streamed back while the task runs, a timeout that kills and replaces a hung child, one retry
 * after a crash or hang, and cooperative cancellation that keeps a warm child alive when it can — tinypool
 * offers abort-by-termination only and no messages from a running task.
 */

export interface PoolOptions {
  /** The worker entry (dist/worker.js). */
  script: string;
  /** Upper bound on children; fewer are started when there are fewer tasks. */
  size: number;
  settings: WorkerSettings;
  /** Per-task wall-clock bound; a child that exceeds it is killed and the task retried once. */
  taskTimeoutMs: number;
  /** How long a cancelled task may take to stop cooperatively before its child is killed. */
  cancelGraceMs?: number;
  /** Lines a child writes to stdout/stderr (tesseract and library warnings), for the log. */
  onOutput?: (line: string) => void;
  execArgv?: string[];
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
    readonly reason: 'timeout' | 'crash' | 'cancelled' | 'closed',
  ) {
    super(message);
  }
}

interface Task {
  job: Job;
  options: RunOptions;
  attempts: number;
  settled: boolean;
  resolve: (result: JobResult) => void;
  reject: (error: Error) => void;
  onAbort?: () => void;
}

interface Child {
  process: ChildProcess;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  /** The last lines the child printed, to explain a crash. */
  recentOutput: string[];
}

const MAX_ATTEMPTS = 2;

export class WorkerPool {
  private readonly queue: Task[] = [];
  private readonly children = new Set<Child>();
  private closed = false;
  private spawned = 0;

  constructor(private readonly options: PoolOptions) {}

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
      const task: Task = { job, options, attempts: 0, settled: false, resolve, reject };
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
    for (const task of this.queue.splice(0)) this.settle(task, new TaskError('The worker pool was closed.', 'closed'));
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.task) this.settle(child.task, new TaskError('The worker pool was closed.', 'closed'));
            child.task = undefined;
            if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
            child.process.once('exit', () => resolve());
            send(child, { type: 'shutdown' });
            setTimeout(() => killTree(child), 2000).unref();
          }),
      ),
    );
  }

  private dispatch(): void {
    for (const child of this.children) {
      if (this.queue.length === 0) return;
      if (child.ready && !child.task) this.assign(child, this.queue.shift()!);
    }
    const starting = [...this.children].filter((child) => !child.ready).length;
    const wanted = Math.min(this.options.size - this.children.size, this.queue.length - starting);
    for (let i = 0; i < wanted; i++) this.spawn();
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
      /* 'exit' follows and handles the task */
    });
    send(child, { type: 'init', settings: this.options.settings });
  }

  private assign(child: Child, task: Task): void {
    child.task = task;
    task.attempts++;
    if (task.attempts === 1) task.options.onStart?.();
    child.timer = setTimeout(() => {
      const seconds = Math.round(this.options.taskTimeoutMs / 1000);
      this.retryOrFail(child, `timed out after ${seconds} s`, 'timeout');
      killTree(child);
    }, this.options.taskTimeoutMs);
    send(child, { type: 'job', job: task.job });
  }

  private onMessage(child: Child, message: FromWorker): void {
    if (message.type === 'ready') {
      child.ready = true;
      return this.dispatch();
    }
    const task = child.task;
    if (!task || task.job.id !== message.id) return; // a late message for a task already settled elsewhere
    if (message.type === 'stage') return task.options.onStage?.(message.stage);
    if (message.type === 'progress') return task.options.onProgress?.(message.stage, message.percent);
    this.release(child);
    if (message.type === 'result') this.settle(task, undefined, message.result);
    else if (message.type === 'cancelled') this.settle(task, cancelledError(task.job));
    else this.settle(task, new Error(message.message));
    this.dispatch();
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(child);
    clearTimeout(child.killTimer);
    if (child.task) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const output = child.recentOutput.length ? ` Last output: ${child.recentOutput.join(' | ')}` : '';
      this.retryOrFail(child, `the worker process ${how}.${output}`, 'crash');
    }
    if (!this.closed) this.dispatch();
  }

  /** A crash or hang: the file gets one more try on a fresh child, then a clear failure. */
  private retryOrFail(child: Child, why: string, reason: 'timeout' | 'crash'): void {
    const task = child.task;
    if (!task) return;
    this.release(child);
    child.ready = false; // this child is being killed or is gone: never assign to it again
    this.children.delete(child);
    if (task.options.signal?.aborted) return this.settle(task, cancelledError(task.job));
    if (task.attempts < MAX_ATTEMPTS) {
      this.queue.unshift(task);
    } else {
      this.settle(task, new TaskError(`Processing failed twice: ${why}`, reason));
    }
    if (!this.closed) this.dispatch();
  }

  private cancel(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return this.settle(task, cancelledError(task.job));
    }
    const child = [...this.children].find((c) => c.task === task);
    if (!child) return;
    send(child, { type: 'cancel', id: task.job.id });
    // A stage that cannot be interrupted (a long OCR call) must not hold the cancel up: kill the child.
    child.killTimer = setTimeout(() => {
      if (child.task !== task) return;
      this.release(child);
      this.children.delete(child);
      killTree(child);
      this.settle(task, cancelledError(task.job));
      this.dispatch();
    }, this.options.cancelGraceMs ?? 1000);
  }

  private release(child: Child): void {
    clearTimeout(child.timer);
    clearTimeout(child.killTimer);
    child.task = undefined;
  }

  private settle(task: Task, error?: Error, result?: JobResult): void {
    if (task.settled) return;
    task.settled = true;
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
