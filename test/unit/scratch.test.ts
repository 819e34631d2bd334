/** Scratch folders of killed runs are removed by the next process that needs one; those of live processes stay. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { scratchFolder } from '../../src/core/scratch';
import { PROJECT_ROOT } from '../support/paths';

/** A process that makes a scratch folder, says where, and waits to be killed. */
async function holder(): Promise<{ folder: string; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', "require('./src/core/scratch').scratchFolder('work').then((f) => { console.log(f); setInterval(() => {}, 1000); })"], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [folder] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    folder,
    kill: async () => {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

test('a killed process’s scratch folder is removed by the next process; a live one’s stays; all under one private parent', { skip: process.platform === 'win32' ? 'POSIX process checks' : false }, async () => {
  const [killed, alive] = [await holder(), await holder()];
  try {
    await killed.kill();
    assert.ok(existsSync(killed.folder), 'a SIGKILLed process leaves its folder');
    const mine = await scratchFolder('check');
    assert.equal(existsSync(killed.folder), false, 'removed by the next process that needs a scratch folder');
    assert.ok(existsSync(alive.folder), 'a running process keeps its folder');
    const parent = path.dirname(path.dirname(mine));
    assert.equal(path.dirname(path.dirname(alive.folder)), parent, 'one parent for every process of this user');
    assert.equal(statSync(parent).mode & 0o777, 0o700);
    assert.equal(statSync(mine).mode & 0o777, 0o700);
  } finally {
    await alive.kill();
  }
});
