/**
 * The pool's scheduling with in-process children (no processes): each fake child answers a task by its name,
 * so dispatch, waiting slots, retries, timeouts and cancellation are checked without forking.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import type { ChildEvents, ChildFactory, PoolChild } from '../../src/core/workerPool/childRuntime';
import { TaskError, TaskScheduler, type SchedulerOptions } from '../../src/core/workerPool/scheduler';

interface FakeJob {
  id: number;
  /**
   * ok | crash | hang | wait (a waiting stage, then done on `finish`) | slow (done after 200 ms, cancellable) |
   * suspended (suspended for 150 ms, as while waiting for an LLM slot, then done)
   */
  name: string;
}
type Stage = 'work' | 'wait';

class FakeChild implements PoolChild<FakeJob> {
  static nextPid = 1;
  readonly pid = FakeChild.nextPid++;
  exited = false;
  killed = false;
  readonly held = new Set<number>();
  mostHeld = 0;
  private readonly waiting = new Map<number, () => void>();

  constructor(private readonly events: ChildEvents<string, Stage>) {
    setImmediate(() => events.onReady());
  }

  run(job: FakeJob): void {
    this.held.add(job.id);
    this.mostHeld = Math.max(this.mostHeld, this.held.size);
    this.events.onStage(job.id, 'work');
    const done = () => {
      this.held.delete(job.id);
      if (!this.exited) this.events.onResult(job.id, `${job.name} on ${this.pid}`);
    };
    if (job.name === 'crash') setImmediate(() => this.exit('exited with code 4.'));
    else if (job.name === 'hang') return;
    else if (job.name === 'wait') {
      this.events.onStage(job.id, 'wait');
      this.waiting.set(job.id, done);
    } else if (job.name === 'slow') {
      const timer = setTimeout(done, 200);
      this.waiting.set(job.id, () => {
        this.waiting.delete(job.id);
        clearTimeout(timer);
        this.held.delete(job.id);
        this.events.onCancelled(job.id);
      });
    } else if (job.name === 'suspended') {
      this.events.onSuspend(job.id, true);
      setTimeout(() => {
        this.events.onSuspend(job.id, false);
        setTimeout(done, 30);
      }, 150);
    } else setImmediate(done);
  }

  finishWaiting(): void {
    for (const [id, done] of this.waiting) {
      this.waiting.delete(id);
      done();
    }
  }

  cancel(id: number): void {
    setImmediate(() => this.waiting.get(id)?.()); // a message over IPC: never answered within the call
  }

  async shutdown(): Promise<void> {
    this.exit('exited with code 0.');
  }

  kill(): void {
    this.killed = true;
    this.exit('was killed by SIGKILL.');
  }

  private exit(how: string): void {
    if (this.exited) return;
    this.exited = true;
    this.events.onExit(how);
  }
}

function scheduler(options: Partial<SchedulerOptions<FakeJob, string, Stage>> = {}) {
  const children: FakeChild[] = [];
  const spawn: ChildFactory<FakeJob, string, Stage> = (events) => {
    const child = new FakeChild(events);
    children.push(child);
    return child;
  };
  const tasks = new TaskScheduler<FakeJob, string, Stage>({ spawn, size: 2, taskTimeoutMs: 5_000, initialChildren: 2, idleCores: () => 0, isWaiting: (stage) => stage === 'wait', ...options });
  return { tasks, children };
}

let nextId = 0;
const job = (name: string): FakeJob => ({ id: nextId++, name });

test('tasks run on at most as many children as they can occupy; close shuts every child down', async () => {
  const { tasks, children } = scheduler({ size: 8, initialChildren: 8 });
  const results = await Promise.all([job('ok'), job('ok'), job('ok')].map((j) => tasks.run(j)));
  assert.equal(results.length, 3);
  assert.equal(children.length, 2, 'three tasks at two per child need two children');
  await tasks.close();
  assert.ok(children.every((child) => child.exited));
  await assert.rejects(tasks.run(job('ok')), (error: TaskError) => error.reason === 'closed');
});

test('a task in a waiting stage frees its working slot: a child holds its two working tasks plus two waiting', async () => {
  const { tasks, children } = scheduler({ size: 1, initialChildren: 1 });
  const waiting = [job('wait'), job('wait'), job('wait'), job('wait'), job('wait')].map((j) => tasks.run(j));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(children[0].held.size, 4, 'two working slots freed by waiting tasks, then full at 2 + 2');
  children[0].finishWaiting();
  await new Promise((resolve) => setTimeout(resolve, 50));
  children[0].finishWaiting();
  await Promise.all(waiting);
  assert.equal(children[0].mostHeld, 4);
  await tasks.close();
});

test('a crash retries each task the child held once, alone on a fresh child; a second crash fails it', async () => {
  const { tasks, children } = scheduler({ size: 1, initialChildren: 1 });
  const crash = tasks.run(job('crash'));
  await assert.rejects(crash, (error: TaskError) => error.reason === 'crash' && /failed twice: the worker process exited with code 4/.test(error.message));
  assert.equal(children.length, 2, 'one replacement for the retry');
  assert.match(await tasks.run(job('ok')), /^ok on /);
  await tasks.close();
});

test('a hung task is killed at its timeout with its child, retried once, then reported', async () => {
  const { tasks, children } = scheduler({ size: 1, initialChildren: 1, taskTimeoutMs: 50 });
  await assert.rejects(tasks.run(job('hang')), (error: TaskError) => error.reason === 'timeout' && /timed out after 0 s/.test(error.message));
  assert.equal(children.filter((child) => child.killed).length, 2, 'both attempts killed their child');
  await tasks.close();
});

test('cancelling: queued tasks at once, a running one cooperatively, one that ignores it by killing its child', async () => {
  const { tasks, children } = scheduler({ size: 1, initialChildren: 1, tasksPerChild: 1, cancelGraceMs: 50 });
  const controller = new AbortController();
  const slow = tasks.run(job('slow'), { signal: controller.signal });
  const queued = tasks.run(job('ok'), { signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort();
  await Promise.all([slow, queued].map((run) => assert.rejects(run, (error: TaskError) => error.reason === 'cancelled')));
  assert.equal(children[0].killed, false, 'a cooperative cancel keeps the warm child');

  const stubborn = new AbortController();
  const hang = tasks.run(job('hang'), { signal: stubborn.signal });
  await new Promise((resolve) => setTimeout(resolve, 20));
  stubborn.abort();
  await assert.rejects(hang, (error: TaskError) => error.reason === 'cancelled');
  assert.equal(children[0].killed, true, 'killed after the grace period');
  await tasks.close();
});

test('a run’s many tasks share one listener on its signal, gone once they settle; cancelling still reaches each', async () => {
  const { tasks } = scheduler({ size: 1, initialChildren: 1, tasksPerChild: 1, cancelGraceMs: 50 });
  const run = new AbortController();
  const done = Array.from({ length: 30 }, () => tasks.run(job('ok'), { signal: run.signal }));
  assert.equal(getEventListeners(run.signal, 'abort').length, 1, 'one listener for 30 tasks (Node warns past ten)');
  await Promise.all(done);
  assert.equal(getEventListeners(run.signal, 'abort').length, 0, 'removed when the last task settled');
  const cancelled = new AbortController();
  const waiting = Array.from({ length: 12 }, () => tasks.run(job('slow'), { signal: cancelled.signal }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  cancelled.abort();
  const outcomes = await Promise.allSettled(waiting);
  assert.ok(outcomes.every((outcome) => outcome.status === 'rejected' && (outcome.reason as TaskError).reason === 'cancelled'));
  assert.equal(getEventListeners(cancelled.signal, 'abort').length, 0);
  await tasks.close();
});

test('admission: later asks again after a pause, skip settles as elsewhere, and onSettled follows each admitted task', async () => {
  const verdicts = new Map<string, Array<'run' | 'later' | 'skip'>>([['ok', ['later', 'run']], ['skip', ['skip']]]);
  const settled: number[] = [];
  const { tasks } = scheduler({ admit: async (j) => verdicts.get(j.name)!.shift()!, onSettled: (j) => settled.push(j.id) });
  const later = job('ok');
  const skipped = job('skip');
  await Promise.all([
    assert.doesNotReject(tasks.run(later)),
    assert.rejects(tasks.run(skipped), (error: TaskError) => error.reason === 'elsewhere'),
  ]);
  assert.deepEqual(settled, [later.id], 'only the task admission let run');
  await tasks.close();
});

test('time suspended (waiting for what the pool grants) does not count against a task; the rest of its bound does', async () => {
  const { tasks, children } = scheduler({ size: 1, initialChildren: 1, taskTimeoutMs: 100 });
  assert.match(await tasks.run(job('suspended')), /^suspended on /, '150 ms suspended + 30 ms working fits a 100 ms bound');
  await assert.rejects(tasks.run(job('hang')), (error: TaskError) => error.reason === 'timeout', 'an unsuspended task still times out');
  assert.ok(children.length >= 2);
  await tasks.close();
});

test('the pool does not grow while mayGrow says more children would not help', async () => {
  let llmBusy = true;
  const { tasks, children } = scheduler({ size: 4, initialChildren: 1, idleCores: () => 2, mayGrow: () => !llmBusy });
  const runs = [job('wait'), job('wait'), job('wait'), job('wait'), job('wait'), job('wait')].map((j) => tasks.run(j));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(children.length, 1, 'cores are idle, but the work waits on the LLM');
  llmBusy = false;
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the next growth check
  assert.ok(children.length > 1, 'grows once the LLM is not the bottleneck');
  for (const child of children) child.finishWaiting();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const child of children) child.finishWaiting();
  await Promise.all(runs);
  await tasks.close();
});
