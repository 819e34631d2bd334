import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { TaskError, WorkerPool } from '../../src/core/pool';
import type { Job } from '../../src/core/protocol';
import { testMediaSettings } from '../support/mediaSettings';
import { PROJECT_ROOT, tempDir } from '../support/paths';
import { isAlive } from '../support/processes';

const SCRIPT = path.join(PROJECT_ROOT, 'test', 'support', 'scriptedWorker.ts');
const settings = { ollama: { host: 'http://127.0.0.1:1', model: 'm', requestTimeoutMs: 1000, available: false }, media: testMediaSettings() };

function pool(size: number, taskTimeoutMs = 20_000) {
  return new WorkerPool({ script: SCRIPT, size, settings, taskTimeoutMs, execArgv: ['--import', 'tsx'] });
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
    const runs = ['slow-1', 'hang-2', 'slow-3', 'slow-4'].map((n) => workers.run(job(dir, n), { signal: controller.signal }).then(() => 'done', (e: TaskError) => e.reason));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // both children busy: one cooperative, one hung
    const cancelledAt = Date.now();
    controller.abort();
    const outcomes = await Promise.all(runs);
    const elapsed = Date.now() - cancelledAt;
    assert.deepEqual(outcomes, ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
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
