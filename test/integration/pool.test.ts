import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { LLM_WINDOW_PER_CHILD, TaskError, WorkerPool, type PoolOptions } from '../../src/core/pool';
import type { Job } from '../../src/core/job';
import { testMediaSettings } from '../support/mediaSettings';
import { PROJECT_ROOT, tempDir } from '../support/paths';
import { isAlive } from '../support/processes';

const SCRIPT = path.join(PROJECT_ROOT, 'test', 'support', 'scriptedWorker.ts');
const settings = { ollama: { api: 'ollama' as const, host: 'http://127.0.0.1:1', model: 'm', requestTimeoutMs: 1000, contextTokens: 8192, available: false }, media: testMediaSettings() };

function pool(size: number, taskTimeoutMs = 20_000, extra: Partial<PoolOptions> = {}) {
  return new WorkerPool({ script: SCRIPT, size, settings, taskTimeoutMs, execArgv: ['--import', 'tsx'], ...extra });
}

let nextId = 0;
function job(dir: string, name: string): Job {
  return { id: nextId++, path: path.join(dir, name), kind: 'image', sha256: 'x', size: 0, mtimeMs: 0, cached: {} };
}


test('runs jobs on real child processes, never more children than jobs, and stops them on close', async () => {
  const dir = await tempDir('pool');
  const workers = pool(8);
  const stages: string[] = [];
  const results = await Promise.all(['ok-1', 'ok-2', 'ok-3'].map((n) => workers.run(job(dir, n), { onStage: (s) => stages.push(s) })));
  assert.equal(results.length, 3);
  results.forEach((r, i) => assert.match(r.summary!, new RegExp(`^done ok-${i + 1} by \\d+$`)));
  assert.ok(workers.spawnedCount <= 3, `spawned ${workers.spawnedCount} children for 3 jobs`);
  assert.deepEqual(stages, ['ocr', 'ocr', 'ocr']);
  const pids = workers.liveChildren;
  assert.ok(pids.length > 0 && pids.every(isAlive));
  await workers.close();
  assert.ok(pids.every((pid) => !isAlive(pid)), 'children exit when the pool closes');
});

test('a worker that crashes mid-file is replaced and the file retried once; a repeat crash is a clear failure', async () => {
  const dir = await tempDir('pool-crash');
  const workers = pool(2);
  try {
    const [retried, other] = await Promise.all([workers.run(job(dir, 'crash-once-a')), workers.run(job(dir, 'ok-b'))]);
    assert.match(retried.summary!, /^done crash-once-a/);
    assert.match(other.summary!, /^done ok-b/);
    await assert.rejects(workers.run(job(dir, 'crash-always')), (error: TaskError) => {
      assert.equal(error.reason, 'crash');
      assert.match(error.message, /Processing failed twice: the worker process exited with code 4/);
      return true;
    });
    assert.match((await workers.run(job(dir, 'ok-after'))).summary!, /^done ok-after/);
  } finally {
    await workers.close();
  }
});

test('a child works on two files at once, so its OCR can go on while another file waits on Ollama', async () => {
  const dir = await tempDir('pool-pair');
  const workers = pool(1);
  try {
    const results = await Promise.all(['pair-1', 'pair-2'].map((n) => workers.run(job(dir, n))));
    const [first, second] = results.map((r) => /^done pair-\d by (\d+) alongside (\d+)$/.exec(r.summary!));
    assert.ok(first && second, JSON.stringify(results));
    assert.equal(first[1], second[1], 'both ran in the one child');
    assert.deepEqual([first[2], second[2]], ['1', '1'], 'each ran while the other was running');
    assert.equal(workers.spawnedCount, 1);
  } finally {
    await workers.close();
  }
});

test('a file waiting on Ollama frees its working slot: the child takes more, up to the window of files waiting on the LLM', async () => {
  const dir = await tempDir('pool-waiting');
  const workers = pool(1);
  try {
    const most = 2 + LLM_WINDOW_PER_CHILD;
    const results = await Promise.all(Array.from({ length: most + 2 }, (_, i) => workers.run(job(dir, `summary-${i}`))));
    const held = Math.max(...results.map((r) => Number(/^held at most (\d+)$/.exec(r.summary!)?.[1])));
    assert.equal(held, most, `two working slots plus ${LLM_WINDOW_PER_CHILD} files waiting on Ollama, never more`);
    assert.equal(workers.spawnedCount, 1);
  } finally {
    await workers.close();
  }
});

test('a file that crashes its child does not fail the file it shared the child with: retries run alone', async () => {
  const dir = await tempDir('pool-poison');
  const workers = pool(1);
  try {
    const [poison, bystander] = await Promise.allSettled([workers.run(job(dir, 'crash-poison')), workers.run(job(dir, 'slow-bystander'))]);
    assert.equal(poison.status, 'rejected');
    assert.match((poison).reason.message, /Processing failed twice: the worker process exited with code 4/);
    assert.equal(bystander.status, 'fulfilled', 'the bystander was retried on its own and finished');
    assert.match((bystander as PromiseFulfilledResult<{ summary?: string }>).value.summary!, /^done slow-bystander/);
  } finally {
    await workers.close();
  }
});

test('beyond the first children, another starts only while cores sit idle, one at a time, up to the size', async () => {
  const dir = await tempDir('pool-grow');
  const names = (run: string, count: number) => Array.from({ length: count }, (_, i) => `slow-${run}-${i}`);
  // The machine's idle cores, as the pool would read them: none (cores full), then plenty.
  const busy = pool(4, 20_000, { initialChildren: 1, idleCores: () => 0 });
  try {
    await Promise.all(names('busy', 4).map((n) => busy.run(job(dir, n))));
    assert.equal(busy.spawnedCount, 1, 'no idle core: the first child did all the work');
  } finally {
    await busy.close();
  }
  const idle = pool(4, 20_000, { initialChildren: 1, idleCores: () => 2 });
  try {
    await Promise.all(names('idle', 16).map((n) => idle.run(job(dir, n))));
    assert.equal(idle.spawnedCount, 4, 'idle cores: grown to the size');
  } finally {
    await idle.close();
  }
});

test('admission: a task another run holds waits and is asked again, one whose result appeared is skipped', async () => {
  const dir = await tempDir('pool-admit');
  const asked = new Map<string, number>();
  const settled: string[] = [];
  const workers = pool(1, 20_000, {
    admit: async (j) => {
      const name = path.basename(j.path);
      const times = (asked.get(name) ?? 0) + 1;
      asked.set(name, times);
      if (name.startsWith('ok-held')) return times < 3 ? 'later' : 'run'; // held elsewhere twice, then free
      if (name.startsWith('ok-done')) return 'skip';
      return 'run';
    },
    onSettled: (j) => settled.push(path.basename(j.path)),
  });
  try {
    const order: string[] = [];
    const names = ['ok-held', 'ok-done', 'ok-free'];
    const outcomes = await Promise.all(names.map((n) => workers.run(job(dir, n), { onStart: () => order.push(n) }).then((r) => r.summary!, (e: TaskError) => e.reason)));
    assert.match(outcomes[0], /^done ok-held/);
    assert.equal(outcomes[1], 'elsewhere');
    assert.match(outcomes[2], /^done ok-free/);
    assert.deepEqual(Object.fromEntries(asked), { 'ok-held': 3, 'ok-done': 1, 'ok-free': 1 });
    assert.deepEqual(order, ['ok-free', 'ok-held'], 'the free file did not wait behind the held one; a skipped file never started');
    assert.deepEqual(settled.sort(), ['ok-free', 'ok-held'], 'every admitted task reported settled once');
  } finally {
    await workers.close();
  }
});

test('a hung worker is killed at the per-file timeout, retried once, then reported; the pool keeps working', async () => {
  const dir = await tempDir('pool-hang');
  const workers = pool(1, 700);
  try {
    const started = Date.now();
    await assert.rejects(workers.run(job(dir, 'hang-x')), /Processing failed twice: timed out after 1 s/);
    assert.ok(Date.now() - started < 10_000);
    assert.match((await workers.run(job(dir, 'ok-next'))).summary!, /^done ok-next/);
    assert.ok(workers.spawnedCount >= 3, 'the hung children were replaced');
  } finally {
    await workers.close();
  }
});

test('cancellation by AbortSignal stops running and queued work within about a second', async () => {
  const dir = await tempDir('pool-cancel');
  const workers = pool(2);
  try {
    const controller = new AbortController();
    // Two children with two files each (the first child's two both ignore the cancel) and one file still queued.
    let started = 0;
    let allStarted!: () => void;
    const running = new Promise<void>((resolve) => (allStarted = resolve));
    const onStart = () => ++started === 4 && allStarted();
    const runs = ['hang-1', 'hang-2', 'slow-3', 'slow-4', 'slow-5'].map((n) => workers.run(job(dir, n), { signal: controller.signal, onStart }).then(() => 'done', (e: TaskError) => e.reason));
    await running;
    const cancelledAt = Date.now();
    controller.abort();
    const outcomes = await Promise.all(runs);
    const elapsed = Date.now() - cancelledAt;
    assert.deepEqual(outcomes, ['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    assert.ok(elapsed < 2000, `cancel took ${elapsed} ms`);
    assert.match((await workers.run(job(dir, 'ok-after-cancel'))).summary!, /^done ok-after-cancel/);
  } finally {
    await workers.close();
  }
});

test('workers exit when their parent process dies', async () => {
  const { spawn } = await import('node:child_process');
  const dir = await tempDir('pool-orphan');
  // A parent that starts a pool with a hanging job and prints its children's pids, then is SIGKILLed.
  const parentCode = `
    const { WorkerPool } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'src', 'core', 'pool.ts'))});
    const p = new WorkerPool({ script: ${JSON.stringify(SCRIPT)}, size: 2, settings: ${JSON.stringify(settings)}, taskTimeoutMs: 60000, execArgv: ['--import', 'tsx'] });
    p.run({ id: 1, path: ${JSON.stringify(path.join(dir, 'hang-1'))}, kind: 'image', sha256: 'x', cached: {} }, { onStart: () => setTimeout(() => console.log(JSON.stringify(p.liveChildren)), 200) }).catch(() => {});
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '-e', parentCode], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const pids: number[] = await new Promise((resolve) => parent.stdout.once('data', (data: Buffer) => resolve(JSON.parse(data.toString()))));
  assert.equal(pids.length, 1);
  assert.ok(isAlive(pids[0]));
  parent.kill('SIGKILL');
  const deadline = Date.now() + 5000;
  while (isAlive(pids[0]) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(isAlive(pids[0]), false, 'the orphaned worker exited');
});
