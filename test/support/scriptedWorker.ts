/**
 * A real child process that speaks the worker protocol, with behaviour chosen by the job's path, so the pool's
 * crash, hang, timeout and cancellation handling can be exercised deterministically:
 *   ok-*        answers after 50 ms      crash-once-*  exits on the first try (marker file), then answers
 *   crash-*     always exits             hang-*        never answers, ignores cancel
 *   slow-*      answers after 3 s, stops at once when cancelled
 *   pair-*      waits (up to 3 s) until another job runs in this process too, then answers with how many others ran
 *   summary-*   50 ms of "OCR", then 1 s in the summary stage (waiting on Ollama); answers with the most jobs
 *               this process has held at once
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Job } from '../../src/core/job';
import type { FromWorker, ToWorker } from '../../src/core/workerMessages';

const send = (message: FromWorker) => process.send!(message);
const controllers = new Map<number, AbortController>();
/** The jobs this process is working on right now, each with how many others it has run alongside. */
const active = new Map<number, { others: number }>();
let mostHeld = 0;
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToWorker) => {
  if (message.type === 'init') setTimeout(() => send({ type: 'ready' }), 20);
  if (message.type === 'job') void run(message.job);
  if (message.type === 'cancel') controllers.get(message.id)?.abort();
  if (message.type === 'shutdown') process.exit(0);
});

async function run(job: Job): Promise<void> {
  for (const other of active.values()) other.others++;
  active.set(job.id, { others: active.size });
  mostHeld = Math.max(mostHeld, active.size);
  try {
    await answer(job);
  } finally {
    active.delete(job.id);
  }
}

async function answer(job: Job): Promise<void> {
  const name = path.basename(job.path);
  const controller = new AbortController();
  controllers.set(job.id, controller);
  send({ type: 'stage', id: job.id, stage: 'ocr' });
  if (name.startsWith('crash-once-')) {
    const marker = `${job.path}.crashed`;
    if (!existsSync(marker)) {
      writeFileSync(marker, String(process.pid));
      process.exit(3);
    }
  } else if (name.startsWith('crash-')) {
    process.exit(4);
  } else if (name.startsWith('hang-')) {
    return; // never answers, even to cancel
  }
  if (name.startsWith('summary-')) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    send({ type: 'stage', id: job.id, stage: 'summary' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    send({ type: 'result', id: job.id, result: { status: 'ok', summary: `held at most ${mostHeld}`, metadata: {}, timings: {}, llmCalls: 1 } });
    return;
  }
  if (name.startsWith('pair-')) {
    const company = active.get(job.id)!;
    for (const deadline = Date.now() + 3000; company.others === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    send({ type: 'result', id: job.id, result: { status: 'ok', summary: `done ${name} by ${process.pid} alongside ${company.others}`, metadata: {}, timings: {}, llmCalls: 0 } });
    return;
  }
  const delay = name.startsWith('slow-') ? 3000 : 50;
  const finished = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), delay);
    controller.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!finished) {
    send({ type: 'cancelled', id: job.id });
    return;
  }
  send({ type: 'result', id: job.id, result: { status: 'ok', summary: `done ${name} by ${process.pid}`, metadata: {}, timings: {}, llmCalls: 0 } });
}
