/**
 * The bound of every Ollama request. Node 20's AbortSignal.any() holds its sources weakly: a timeout signal given
 * only to it is collected and never fires. A Deadline must fire with the collector running all the time (a child
 * started with --expose-gc calls gc() every 20 ms, test/support/deadlineUnderGc.ts), end with its sources, restart, and leave no listener behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Deadline } from '../../src/core/deadline';
import { PROJECT_ROOT } from '../support/paths';

const run = promisify(execFile);


test('a Deadline fires while the garbage collector runs; AbortSignal.any() with a timeout does not', async () => {
  const script = path.join(PROJECT_ROOT, 'test', 'support', 'deadlineUnderGc.ts');
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', script], { cwd: PROJECT_ROOT });
  const results = JSON.parse(stdout) as { any?: number; deadline?: number; reason?: string };
  assert.ok(results.deadline !== undefined && results.deadline >= 300, `the deadline fired (${results.deadline} ms)`);
  assert.equal(results.reason, 'TimeoutError: did not answer within 0.3 s');
  // What the Deadline replaces: under the same collector the timeout given to AbortSignal.any() is lost.
  assert.equal(results.any, undefined, 'AbortSignal.any() lost its timeout (if this fails, Node fixed it and the note in deadline.ts can go)');
});

test('a Deadline ends with its source, restarts with a new bound, and leaves no listener behind', async () => {
  const caller = new AbortController();
  const first = new Deadline(60_000, [caller.signal]);
  assert.equal(getEventListeners(caller.signal, 'abort').length, 1);
  first.dispose();
  assert.equal(getEventListeners(caller.signal, 'abort').length, 0, 'dispose() removed its listener');

  const cancelled = new Deadline(60_000, [caller.signal]);
  caller.abort(new Error('cancelled by the user'));
  assert.equal(cancelled.signal.aborted, true);
  assert.equal((cancelled.signal.reason as Error).message, 'cancelled by the user');

  const streaming = new Deadline(80);
  await new Promise((resolve) => setTimeout(resolve, 50));
  streaming.restart(80, 'sent nothing more');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(streaming.signal.aborted, false, 'a chunk restarted the bound');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(streaming.signal.aborted, true);
  assert.match((streaming.signal.reason as Error).message, /^sent nothing more within 0\.1 s$/);
});
