/**
 * The child runtime: a forked Node worker in its own process group, speaking the worker protocol
 * (workerMessages.ts) over IPC, its stdout/stderr passed on line by line with the last lines kept to explain a crash.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Job, JobResult, Stage } from '../job';
import { ProblemError } from '../problems';
import type { WorkerSettings } from '../runSettings';
import type { FromWorker, ToWorker } from '../workerMessages';
import type { LlmSlots } from '../llmSlots';
import type { ChildEvents, ChildFactory, PoolChild } from './childRuntime';

export interface ForkOptions {
  /** The worker entry (dist/worker.js). */
  script: string;
  settings: WorkerSettings;
  execArgv?: string[];
  /** Lines a child writes to stdout/stderr (tesseract and library warnings), for the log. */
  onOutput?: (line: string) => void;
  /** The run's limit on requests to the LLM host; without it every request is granted at once. */
  llmSlots?: LlmSlots;
}

/** Lines of output kept per child to explain its crash. */
const RECENT_LINES = 5;

export function forkedChildren(options: ForkOptions): ChildFactory<Job, JobResult, Stage> {
  return (events) => new ForkedChild(options, events);
}

class ForkedChild implements PoolChild<Job> {
  private readonly process: ChildProcess;
  private readonly recentOutput: string[] = [];

  constructor(options: ForkOptions, events: ChildEvents<JobResult, Stage>) {
    this.process = fork(options.script, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: options.execArgv ?? [],
      serialization: 'json',
      // Its own process group (POSIX), so killing a hung worker also kills the ffmpeg or whisper-cli it ran.
      detached: process.platform !== 'win32',
    });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        for (const line of text.split('\n').filter((l) => l.trim())) {
          this.recentOutput.push(line);
          if (this.recentOutput.length > RECENT_LINES) this.recentOutput.shift();
          options.onOutput?.(line);
        }
      });
    }
    this.process.on('message', (message: FromWorker) => this.deliver(message, events, options));
    this.process.on('exit', (code, signal) => {
      options.llmSlots?.releaseOwner(this);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const output = this.recentOutput.length ? ` Last output: ${this.recentOutput.join(' | ')}` : '';
      events.onExit(`${how}.${output}`);
    });
    this.process.on('error', () => {
      /* 'exit' follows and handles the tasks */
    });
    this.send({ type: 'init', settings: options.settings });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get exited(): boolean {
    return this.process.exitCode !== null || this.process.signalCode !== null;
  }

  run(job: Job): void {
    this.send({ type: 'job', job });
  }

  cancel(id: number): void {
    this.send({ type: 'cancel', id });
  }

  shutdown(graceMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.process.once('exit', () => resolve());
      this.send({ type: 'shutdown' });
      setTimeout(() => this.kill(), graceMs).unref();
    });
  }

  /** SIGKILL for the worker and everything it started (its process group on POSIX). */
  kill(): void {
    const pid = this.process.pid;
    if (pid && process.platform !== 'win32') {
      try {
        process.kill(-pid, 'SIGKILL');
        return;
      } catch {
        // the group is already gone; fall through to the single process
      }
    }
    this.process.kill('SIGKILL');
  }

  private deliver(message: FromWorker, events: ChildEvents<JobResult, Stage>, { llmSlots: slots, settings }: ForkOptions): void {
    switch (message.type) {
      case 'ready':
        return events.onReady();
      case 'stage':
        return events.onStage(message.id, message.stage);
      case 'progress':
        return events.onProgress(message.id, message.stage, message.percent);
      case 'result':
        return events.onResult(message.id, message.result);
      case 'cancelled':
        return events.onCancelled(message.id);
      case 'failed':
        return events.onFailed(message.id, new ProblemError(message.problem));
      case 'llm-request': {
        // Waiting for a slot is the pool's doing, not the file's: its timeout pauses until the slot is granted.
        const grant = (host: string) => {
          events.onSuspend(message.id, false);
          this.send({ type: 'llm-grant', request: message.request, host });
        };
        if (!slots) return grant(settings.ollama.host);
        events.onSuspend(message.id, true);
        return slots.request(this, message.request, message.id, message.model, grant);
      }
      case 'llm-release':
        return slots?.release(this, message.request);
    }
  }

  private send(message: ToWorker): void {
    if (this.process.connected) this.process.send(message);
  }
}
