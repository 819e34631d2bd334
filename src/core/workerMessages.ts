/** The typed messages between the coordinating process and a worker child, over the fork IPC channel (JSON). */
import type { Job, JobResult, Stage } from './job';
import type { Problem } from './problems';
import type { WorkerSettings } from './runSettings';

export type ToWorker =
  | { type: 'init'; settings: WorkerSettings }
  | { type: 'job'; job: Job }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stage'; id: number; stage: Stage }
  | { type: 'progress'; id: number; stage: Stage; percent: number }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'cancelled'; id: number }
  | { type: 'failed'; id: number; problem: Problem };
