/*
 * The pool of forked Node workers the engine runs files on: the generic scheduler (workerPool/scheduler.ts) over
 * forked children (workerPool/forkedChild.ts), with this domain's rule of what counts as waiting. Chosen over
 * tinypool's child_process runtime because we need, per task, stage events streamed back while the task runs, a
 * timeout that kills and replaces a hung child, one retry after a crash or hang, and cooperative cancellation that
 * keeps a warm child alive when it can — tinypool offers abort-by-termination only and no messages from a
 * running task.
 */
import type { Job, JobResult, Stage } from './job';
import { forkedChildren, type ForkOptions } from './workerPool/forkedChild';
import { TaskScheduler, type SchedulerOptions } from './workerPool/scheduler';

export { TaskError, type RunOptions } from './workerPool/scheduler';

export type PoolOptions = ForkOptions & Omit<SchedulerOptions<Job, JobResult, Stage>, 'spawn' | 'isWaiting' | 'mayGrow'>;

/** Stages in which a file only waits for Ollama's answer: it frees its working slot in the child. */
const OLLAMA_STAGES = new Set<Stage>(['vision', 'summary']);
/**
 * Files a child may hold that wait for the LLM: how far OCR runs ahead of a slow LLM. A waiting file holds only
 * the text and the downscaled image it will send. With the window full of files, the coordinator can serve
 * a host's loaded model many times in a row (vision descriptions, then summaries) instead of swapping models
 * for every file; a crashed child's waiting files are retried, their OCR already cached.
 */
export const LLM_WINDOW_PER_CHILD = 16;

export class WorkerPool extends TaskScheduler<Job, JobResult, Stage> {
  constructor(options: PoolOptions) {
    const { script, settings, execArgv, onOutput, llmSlots, ...scheduling } = options;
    super({
      ...scheduling,
      spawn: forkedChildren({ script, settings, execArgv, onOutput, llmSlots }),
      isWaiting: (stage) => OLLAMA_STAGES.has(stage),
      waitingPerChild: LLM_WINDOW_PER_CHILD,
      // While files wait for the LLM, it is the bottleneck: another worker would only wait too (and hold memory).
      mayGrow: () => (llmSlots?.waiting ?? 0) === 0,
    });
  }
}
