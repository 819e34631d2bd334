/**
 * What the scheduler needs of a child: give it a task, cancel one, stop it, kill it; and what it hears back. The
 * scheduler never forks: the runtime behind this interface does (forkedChild.ts), so scheduling is tested with
 * in-process children and the runtime with real processes, each without the other.
 */

export interface ChildEvents<R, S> {
  onReady(): void;
  onStage(id: number, stage: S): void;
  /** Progress within a long stage (transcription), 0-100. */
  onProgress(id: number, stage: S, percent: number): void;
  onResult(id: number, result: R): void;
  onCancelled(id: number): void;
  onFailed(id: number, error: Error): void;
  /** The task waits (true) for something the pool grants, such as a slot at the LLM host, or goes on (false): its timeout pauses meanwhile. */
  onSuspend(id: number, suspended: boolean): void;
  /** The child is gone; `how` completes "the worker process …" ("was killed by SIGKILL. Last output: …"). */
  onExit(how: string): void;
}

export interface PoolChild<J> {
  readonly pid: number | undefined;
  /** True once the child has exited. */
  readonly exited: boolean;
  run(job: J): void;
  /** Asks the child to stop one task cooperatively; it answers with onCancelled (or is killed by the scheduler). */
  cancel(id: number): void;
  /** Asks the child to exit; kills it after `graceMs`; resolves once it is gone. */
  shutdown(graceMs: number): Promise<void>;
  /** Kills the child and everything it started, at once. */
  kill(): void;
}

export type ChildFactory<J, R, S> = (events: ChildEvents<R, S>) => PoolChild<J>;
