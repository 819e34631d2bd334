/** The cross-process lock: a lock left by a killed process is taken over. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { tempDir, quiet, startWriter } from '../support/cacheTesting';

describe('CacheStore: the lock', () => {
  test('a lock left by a dead process is taken over within the stale period', async () => {
    const dir = await tempDir();
    const opts = quiet({ staleLockMs: 2000 });
    const store = await CacheStore.open(dir, opts);
    const lockDir = `${store.file}.lock`;

    // 1. A lock directory exactly as proper-lockfile makes it, last refreshed a minute ago.
    mkdirSync(lockDir);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockDir, old, old);
    let t0 = Date.now();
    await store.put('after-old-lock', 1);
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);

    // 2. A live holder is waited for, with an error naming the lock and the fix when it takes too long.
    const holder = startWriter(dir, 0, 0, 'hold-lock', { CACHE_STALE_MS: '2000' });
    await holder.waitFor(/^locked$/);
    const impatient = await CacheStore.open(dir, quiet({ staleLockMs: 2000, lockTimeoutMs: 1000 }));
    t0 = Date.now();
    await assert.rejects(impatient.put('x', 1), (err: Error) => {
      assert.match(err.message, /cache\.v1\.ndjson\.lock/);
      assert.match(err.message, /delete/);
      return true;
    });
    assert.ok(Date.now() - t0 >= 1000);

    // 3. The holder is SIGKILLed: no cleanup runs, the lock directory stays, and is taken over once stale.
    holder.child.kill('SIGKILL');
    await holder.exited;
    assert.ok(existsSync(lockDir));
    t0 = Date.now();
    await store.put('after-killed-holder', 2);
    const waited = Date.now() - t0;
    assert.ok(waited < 2000 + 2500, `took ${waited} ms`);
    assert.equal((await CacheStore.open(dir, quiet())).get('after-killed-holder'), 2);
    // A lock without an owner file (an older version's) is waited for until stale, and the wait is said.
    assert.deepEqual(opts.warnings, [`Waiting for the cache lock ${lockDir}, held by another media-summarizer process; a lock left by a killed process is taken over within 2 s.`]);
  });

  test('a lock whose holder was killed on this machine is taken over at once; a wait for a live holder says whom it waits for', async () => {
    const dir = await tempDir();
    const opts = quiet({ staleLockMs: 10_000 });
    const store = await CacheStore.open(dir, opts);
    const holder = startWriter(dir, 0, 0, 'hold-cache-lock', { CACHE_STALE_MS: '10000' });
    await holder.waitFor(/^locked$/);
    const writing = store.put('after-holder', 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(opts.warnings, [`Waiting for the cache lock ${store.file}.lock, held by process ${holder.child.pid} on this machine; a lock left by a killed process is taken over within 10 s.`]);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const killed = Date.now();
    await writing;
    // Well before the 10 s stale period: the owner file says the holder's pid is gone.
    assert.ok(Date.now() - killed < 5_000, `taken over ${Date.now() - killed} ms after the kill`);
    assert.equal((await CacheStore.open(dir, quiet())).get('after-holder'), 1);
    assert.equal(opts.warnings.length, 1, 'the wait is said once');
  });
});
