/** The typed messages between the coordinating process and a worker child, over the fork IPC channel (JSON). */
import type { Job, JobResult, Stage } from './job';
import type { Problem } from './problems';
import type { WorkerSettings } from './runSettings';

export type ToWorker =
  | { type: 'init'; settings: WorkerSettings }
  | { type: 'job'; job: Job }
  | { type: 'cancel'; id: number }
  /** The LLM request `request` of a job may go to the host now. */
  | { type: 'llm-grant'; request: number; host: string }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stage'; id: number; stage: Stage }
  | { type: 'progress'; id: number; stage: Stage; percent: number }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'cancelled'; id: number }
  | { type: 'failed'; id: number; problem: Problem }
  /** Job `id` has an LLM request to make; it waits for llm-grant (the coordinator's LlmSlots). */
  | { type: 'llm-request'; id: number; request: number; model: string }
  /** The request is answered, failed, or was given up while waiting. */
  | { type: 'llm-release'; request: number };
