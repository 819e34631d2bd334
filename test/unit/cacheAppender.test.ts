/** Lock-free appends from many processes: a consistent prefix for readers, no acknowledged write lost to a replacement or a kill. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { tempDir, quiet, startWriter, sleep, settlesWithin, recordLines, expectSuccess } from '../support/cacheTesting';
import { churnExpected, writerKey, writerValue } from '../support/cacheWriterProcess';

describe('CacheStore: lock-free appends', () => {
  test('8 processes write 300 entries each at once; a concurrent reader sees a growing consistent prefix', async () => {
    const dir = await tempDir();
    const reader = await CacheStore.open(dir, quiet());
    const writers = Array.from({ length: 8 }, (_, id) => startWriter(dir, id, 300));
    const allDone = Promise.all(writers.map(expectSuccess));
    let finished = false;
    void allDone.finally(() => (finished = true)).catch(() => undefined);

    // Each writer awaits every write before the next, so what a reader sees of it must always be a prefix
    // w:0..w:n-1 of its keys, never shrinking, with the right values.
    const seen = new Array<number>(8).fill(0);
    const totals = new Set<number>();
    let refreshes = 0;
    while (!finished) {
      await reader.refresh();
      refreshes++;
      for (let w = 0; w < 8; w++) {
        assert.ok(seen[w] === 0 || reader.has(writerKey(w, seen[w] - 1)), `writer ${w} went backwards`);
        while (reader.has(writerKey(w, seen[w]))) {
          assert.deepEqual(reader.get(writerKey(w, seen[w])), writerValue(w, seen[w]));
          seen[w]++;
        }
      }
      const total = seen.reduce((a, b) => a + b, 0);
      assert.equal(reader.stats.entries, total, 'a key outside the per-writer prefixes is visible');
      totals.add(total);
      await new Promise((r) => setTimeout(r, 5));
    }
    await allDone;
    await reader.refresh();
    assert.equal(reader.stats.entries, 2400);
    assert.ok(totals.size >= 2, `reader should have seen the set grow (refreshes: ${refreshes})`);

    const opts = quiet();
    const reopened = await CacheStore.open(dir, opts);
    assert.deepEqual(reopened.stats, { entries: 2400, lines: 2400, corruptLines: 0, compactions: 0, reloads: 0 });
    for (let w = 0; w < 8; w++) {
      for (let i = 0; i < 300; i++) assert.deepEqual(reopened.get(writerKey(w, i)), writerValue(w, i));
    }
    assert.deepEqual(opts.corrupt, []);
    assert.deepEqual(opts.warnings, []);
    for (const w of writers) assert.equal(w.stderr(), '');
    assert.equal(existsSync(`${reopened.file}.lock`), false);
  });

  test('a lock-free append racing a replacement of the log is confirmed only once it is in the current file', async () => {
    // A replacer (compaction, clear) is simulated step by step: take the lock directory, rename a file over the log,
    // release. The put under test writes without the lock and must not return before its line is in the log.
    const dir = await tempDir();
    const opts = quiet();
    const store = await CacheStore.open(dir, opts);
    await store.put('seed', 0);
    const lockDir = `${store.file}.lock`;
    const replaceWith = (content: Buffer): void => {
      const tmp = `${store.file}.simulated.tmp`;
      writeFileSync(tmp, content, { mode: 0o600 });
      renameSync(tmp, store.file);
    };

    // 1. Written to the old file after the replacer read it: the put waits for the lock, sees the new inode and
    //    appends its line again, to the new file.
    const snapshot = readFileSync(store.file);
    mkdirSync(lockDir);
    const during = store.put('during', 1);
    assert.equal(await settlesWithin(during, 150), false, 'a put must not be confirmed while the lock is held');
    assert.equal(recordLines(store.file, 'during'), 1, 'the line is written without the lock');
    replaceWith(snapshot); // the replacement was built before that line
    assert.equal(recordLines(store.file, 'during'), 0);
    rmdirSync(lockDir);
    await during;
    assert.equal(recordLines(store.file, 'during'), 1, 'appended again to the new file');
    assert.equal(store.get('during'), 1);

    // 2. Opened after the rename, while the replacer still holds the lock: written to the new file once.
    mkdirSync(lockDir);
    replaceWith(readFileSync(store.file));
    const afterRename = store.put('after-rename', 2);
    assert.equal(await settlesWithin(afterRename, 150), false);
    rmdirSync(lockDir);
    await afterRename;
    assert.equal(recordLines(store.file, 'after-rename'), 1);

    // 3. A replacement that gives up (lock released, no rename): the line stays where it was written, once.
    mkdirSync(lockDir);
    const aborted = store.put('aborted', 3);
    assert.equal(await settlesWithin(aborted, 150), false);
    rmdirSync(lockDir);
    await aborted;
    assert.equal(recordLines(store.file, 'aborted'), 1);

    // 4. Written before the replacer took the lock: confirmed at once, and part of what the replacer reads.
    await store.put('before', 4);
    const compactor = await CacheStore.open(dir, quiet());
    await compactor.compact();

    const fresh = await CacheStore.open(dir, opts);
    assert.deepEqual(fresh.keys().sort(), ['aborted', 'after-rename', 'before', 'during', 'seed']);
    assert.equal(fresh.get('during'), 1);
    assert.equal(fresh.get('before'), 4);
    assert.deepEqual(opts.corrupt, []);
    assert.deepEqual(opts.warnings, []);
  });

  test('repeated compactions while 6 processes append: no acknowledged write lost or reordered, 0 corrupt', async () => {
    const dir = await tempDir();
    const opts = quiet();
    const compactor = await CacheStore.open(dir, opts);
    await compactor.putMany(Array.from({ length: 300 }, (_, i) => [`base:${i}`, { i, pad: 'b'.repeat(40) }] as const));
    const STEPS = 150;
    const writers = Array.from({ length: 6 }, (_, id) => startWriter(dir, id, STEPS, 'churn'));
    await Promise.all(writers.map((w) => w.waitFor(/^ready$/, 30_000)));
    const allDone = Promise.all(writers.map(expectSuccess));
    let finished = false;
    void allDone.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      await compactor.compact();
      await sleep(1 + Math.random() * 4);
    }
    await allDone;
    for (const w of writers) assert.equal(w.stderr(), '');
    assert.ok(compactor.stats.compactions >= 5, `only ${compactor.stats.compactions} compactions ran`);

    // Every writer's puts and deletes were each awaited, so its final state is known exactly: every acknowledged
    // put present, and the last value of last:<id> and every delete not undone by a line copied out of order.
    const checkOpts = quiet();
    const fresh = await CacheStore.open(dir, checkOpts);
    let expectedEntries = 300;
    for (let id = 0; id < 6; id++) {
      const expected = churnExpected(id, STEPS);
      expectedEntries += expected.size;
      for (const [key, value] of expected) assert.deepEqual(fresh.get(key), value, `writer ${id}: ${key}`);
      for (let i = 0; i < STEPS; i++) {
        const key = writerKey(id, i);
        if (!expected.has(key)) assert.equal(fresh.has(key), false, `deleted ${key} is back`);
      }
    }
    for (let i = 0; i < 300; i++) assert.deepEqual(fresh.get(`base:${i}`), { i, pad: 'b'.repeat(40) });
    assert.equal(fresh.stats.entries, expectedEntries);
    assert.equal(fresh.stats.corruptLines, 0);
    assert.deepEqual(checkOpts.corrupt, []);
    assert.deepEqual(checkOpts.warnings, []);
    await compactor.refresh();
    assert.equal(compactor.stats.entries, expectedEntries);
    assert.deepEqual(opts.corrupt, []);
    assert.deepEqual(opts.warnings, []);
    assert.equal(existsSync(`${compactor.file}.lock`), false);
  });

  test('a process SIGKILLed in the middle of a write loop loses nothing it completed', async () => {
    const dir = await tempDir();
    const env = { CACHE_STALE_MS: '2000' };
    const victim = startWriter(dir, 3, 0, 'loop', env);
    await victim.waitFor(/^ack 150$/);
    victim.child.kill('SIGKILL');
    const { signal } = await victim.exited;
    assert.equal(signal, 'SIGKILL');
    const acked = victim.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
    assert.ok(acked.length >= 151);

    const opts = quiet({ staleLockMs: 2000 });
    const store = await CacheStore.open(dir, opts);
    for (const i of acked) assert.deepEqual(store.get(writerKey(3, i)), writerValue(3, i));
    // At most the one put in flight may be extra, and nothing may be damaged by an interrupted write() call.
    assert.ok(store.stats.entries <= acked.length + 1);
    assert.ok(store.stats.corruptLines <= 1);
    await store.put('after-crash', 'ok'); // may have to wait for a lock the victim held when it died
    const reopened = await CacheStore.open(dir, quiet());
    assert.equal(reopened.get('after-crash'), 'ok');
    assert.equal(reopened.stats.entries, store.stats.entries);
  });
});
