/**
 * The child runtime on real processes, without the scheduler: the worker protocol over IPC, output lines passed
 * on and kept to explain an exit, a polite shutdown and a kill.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { JobResult, Stage } from '../../src/core/job';
import type { ChildEvents } from '../../src/core/workerPool/childRuntime';
import { forkedChildren } from '../../src/core/workerPool/forkedChild';
import { testMediaSettings } from '../support/mediaSettings';
import { PROJECT_ROOT } from '../support/paths';
import { isAlive } from '../support/processes';

const SCRIPT = path.join(PROJECT_ROOT, 'test', 'support', 'scriptedWorker.ts');
const settings = { ollama: { api: 'ollama' as const, host: 'http://127.0.0.1:1', model: 'm', requestTimeoutMs: 1000, contextTokens: 8192, available: false }, media: testMediaSettings() };

function recorder() {
  const heard: string[] = [];
  let exited: (how: string) => void = () => undefined;
  const exit = new Promise<string>((resolve) => (exited = resolve));
  let readied: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (readied = resolve));
  let answered: (result: JobResult) => void = () => undefined;
  const result = new Promise<JobResult>((resolve) => (answered = resolve));
  const events: ChildEvents<JobResult, Stage> = {
    onReady: () => readied(),
    onStage: (id, stage) => heard.push(`stage ${id} ${stage}`),
    onProgress: () => undefined,
    onResult: (_id, value) => answered(value),
    onCancelled: (id) => heard.push(`cancelled ${id}`),
    onFailed: (id, message) => heard.push(`failed ${id} ${message}`),
    onSuspend: (id, suspended) => heard.push(`suspend ${id} ${suspended}`),
    onExit: (how) => exited(how),
  };
  return { events, heard, exit, ready, result };
}

test('a forked child gets its settings, answers a job over IPC and exits when asked', async () => {
  const output: string[] = [];
  const spawn = forkedChildren({ script: SCRIPT, settings, execArgv: ['--import', 'tsx'], onOutput: (line) => output.push(line) });
  const { events, heard, exit, ready, result } = recorder();
  const child = spawn(events);
  await ready;
  child.run({ id: 7, path: '/x/ok-1.png', kind: 'image', sha256: 'x', size: 0, mtimeMs: 0, cached: {} });
  assert.match((await result).summary!, /^done ok-1\.png by \d+$/);
  assert.deepEqual(heard, ['stage 7 ocr']);
  await child.shutdown(2000);
  assert.equal(child.exited, true);
  assert.match(await exit, /^exited with code 0\./);
});

test('a crash is described with its exit code; kill() ends the process group at once', async () => {
  const spawn = forkedChildren({ script: SCRIPT, settings, execArgv: ['--import', 'tsx'] });
  const crashing = recorder();
  const crasher = spawn(crashing.events);
  await crashing.ready;
  crasher.run({ id: 1, path: '/x/crash-1.png', kind: 'image', sha256: 'x', size: 0, mtimeMs: 0, cached: {} });
  assert.match(await crashing.exit, /^exited with code 4\./);

  const hanging = recorder();
  const hung = spawn(hanging.events);
  await hanging.ready;
  hung.run({ id: 2, path: '/x/hang-1.png', kind: 'image', sha256: 'x', size: 0, mtimeMs: 0, cached: {} });
  const pid = hung.pid!;
  hung.kill();
  assert.match(await hanging.exit, /^was killed by SIGKILL\./);
  assert.equal(isAlive(pid), false);
});
