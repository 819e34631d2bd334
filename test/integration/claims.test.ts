/**
 * Work claims between processes (src/core/claims.ts): real child processes holding claims in a real folder, killed
 * with SIGKILL, and claims left untouched for too long.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { WorkClaims } from '../../src/core/claims';
import { PROJECT_ROOT, tempDir } from '../support/paths';

/** A separate process that claims `work` in `dir`, says so, and then holds it until killed. */
async function holder(dir: string, work: string): Promise<{ kill: () => Promise<void>; outcome: string }> {
  const code = `
    const { WorkClaims } = require(${JSON.stringify(path.join(PROJECT_ROOT, 'src', 'core', 'claims.ts'))});
    new WorkClaims(${JSON.stringify(dir)}, 30000, 100).claim(${JSON.stringify(work)}).then((outcome) => console.log(outcome));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const outcome = await new Promise<string>((resolve) => child.stdout.once('data', (data: Buffer) => resolve(data.toString().trim())));
  return { outcome, kill: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL'))) };
}

test('one process wins a claim; the others see it taken until it is released', async () => {
  const dir = await tempDir('claims');
  const other = await holder(dir, 'summary:a');
  try {
    assert.equal(other.outcome, 'ours');
    const mine = new WorkClaims(dir);
    assert.equal(await mine.claim('summary:a'), 'taken', 'held by a live process');
    assert.equal(await mine.claim('summary:b'), 'ours', 'other work is free');
    assert.equal(await mine.claim('summary:b'), 'taken', 'a second file with the same content waits for the first');
    const second = new WorkClaims(dir);
    assert.equal(await second.claim('summary:b'), 'taken');
    await mine.release('summary:b');
    assert.equal(await second.claim('summary:b'), 'ours', 'released, then free');
    await second.releaseAll();
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.claim')).length, 1, 'only the other process’s claim is left');
  } finally {
    await other.kill();
  }
});

test('the claim of a process killed with SIGKILL is taken over at once on the same machine', async () => {
  const dir = await tempDir('claims-killed');
  const other = await holder(dir, 'summary:x');
  assert.equal(other.outcome, 'ours');
  const mine = new WorkClaims(dir);
  assert.equal(await mine.claim('summary:x'), 'taken');
  await other.kill();
  assert.equal(await mine.claim('summary:x'), 'ours', 'its owner is gone');
  await mine.releaseAll();
});

test('held claims are kept fresh; a claim nobody touches for the stale period is taken over, whoever made it', async () => {
  const dir = await tempDir('claims-stale');
  const other = await holder(dir, 'summary:y');
  try {
    const [file] = (await readdir(dir)).map((n) => path.join(dir, n));
    const past = new Date(Date.now() - 60_000);
    await utimes(file, past, past);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the holder touches it every 100 ms
    assert.ok(Date.now() - (await stat(file)).mtimeMs < 5000, 'the live holder refreshed its claim');
    assert.equal(await new WorkClaims(dir, 30_000).claim('summary:y'), 'taken');
  } finally {
    await other.kill();
  }
  // A claim from another machine (its pid means nothing here) whose owner stopped touching it 5 s ago.
  const frozen = new WorkClaims(dir, 1000, 60_000);
  assert.equal(await frozen.claim('summary:z'), 'ours');
  const [zClaim] = (await readdir(dir)).filter((n) => n.endsWith('.claim'));
  await writeFile(path.join(dir, zClaim), JSON.stringify({ pid: 1, host: 'another-machine', at: Date.now() - 5000 }));
  const old = new Date(Date.now() - 5000);
  await utimes(path.join(dir, zClaim), old, old);
  const mine = new WorkClaims(dir, 1000);
  assert.equal(await mine.claim('summary:z'), 'ours', 'stale: taken over');
  await mine.releaseAll();
});
