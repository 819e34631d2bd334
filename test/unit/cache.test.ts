/** The store's API (put, get, delete, keys, clear) over reopening, its directory, and automatic compaction. */
import assert from 'node:assert/strict';
import { mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { CacheWriter } from '../../src/core/cacheWriter';
import { CACHE_FILE_NAME } from '../../src/core/cacheLog/format';
import { ProblemError } from '../../src/core/problems';
import { tempDir, quiet } from '../support/cacheTesting';

describe('CacheStore', () => {
  test('a cache file replaced by a folder is named with the fix, not "EISDIR: illegal operation on a directory"', async () => {
    const dir = await tempDir();
    mkdirSync(path.join(dir, CACHE_FILE_NAME), { recursive: true });
    await assert.rejects(CacheStore.open(dir, quiet()), (error: ProblemError) => {
      assert.equal(error.problem.code, 'cache-unreadable');
      assert.equal(error.problem.message, `The cache file ${path.join(dir, CACHE_FILE_NAME)} cannot be read (a folder has its name)`);
      assert.match(JSON.stringify(error.problem.fixes), /move it out of the way/);
      return true;
    });
  });

  test('put/get/delete/keys/deletePrefix/clear persist across reopen', async () => {
    const dir = await tempDir();
    const opts = quiet();
    const store = await CacheStore.open(dir, opts);
    assert.equal(store.file, path.join(dir, 'cache.v1.ndjson'));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(store.get('missing'), undefined);
    assert.equal(store.has('missing'), false);

    await store.put('summary:abc:llama', { summary: 'A cat', tags: ['cat'], skipped: undefined });
    await store.putMany([
      ['summary:def:llama', { summary: 'A dog' }],
      ['stat:1:2:3:/x.png', 'sha-1'],
      ['weird\nkey "with" \u2028 unicode ✓ \ud800', [1, null, true]],
      ['stat:1:2:3:/x.png', 'sha-2'], // last one wins
    ]);
    assert.equal(statSync(store.file).mode & 0o777, 0o600);
    // The writer sees its own entries at once, normalised exactly like other processes will read them.
    assert.deepEqual(store.get('summary:abc:llama'), { summary: 'A cat', tags: ['cat'] });
    assert.equal(store.get('stat:1:2:3:/x.png'), 'sha-2');
    assert.deepEqual(store.keys('summary:').sort(), ['summary:abc:llama', 'summary:def:llama']);
    assert.equal(store.keys().length, 4);

    await store.put('summary:abc:llama', { summary: 'A black cat' });
    await store.delete('summary:def:llama');
    await store.delete('never-existed'); // no-op, no tombstone
    assert.equal(store.has('summary:def:llama'), false);
    assert.equal(store.stats.lines, 6);

    const other = await CacheStore.open(dir, opts);
    assert.deepEqual(other.get('summary:abc:llama'), { summary: 'A black cat' });
    assert.equal(other.get('summary:def:llama'), undefined);
    assert.deepEqual(other.get('weird\nkey "with" \u2028 unicode ✓ \ud800'), [1, null, true]);
    assert.deepEqual(other.stats, { entries: 3, lines: 6, corruptLines: 0, compactions: 0, reloads: 0 });

    // Another instance's writes are seen after refresh().
    await other.putMany([
      ['vision:1', 'v1'],
      ['vision:2', 'v2'],
      ['vision:3', 'v3'],
    ]);
    assert.equal(store.has('vision:1'), false);
    await store.refresh();
    assert.equal(store.get('vision:2'), 'v2');
    assert.equal(await store.deletePrefix('vision:'), 3);
    assert.equal(await store.deletePrefix('nothing:'), 0);
    assert.deepEqual(store.keys('vision:'), []);
    await other.refresh();
    assert.deepEqual(other.keys('vision:'), []);

    await assert.rejects(store.put('bad', () => 1), /not.*stored|JSON/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await assert.rejects(async () => store.put('bad', circular), /"bad".*not JSON-serializable/);

    await store.close();
    await assert.rejects(store.put('x', 1), /closed/);
    const reopened = await CacheStore.open(dir, opts);
    assert.deepEqual(reopened.keys().sort(), ['stat:1:2:3:/x.png', 'summary:abc:llama', 'weird\nkey "with" \u2028 unicode ✓ \ud800']);

    await reopened.clear();
    assert.equal(reopened.stats.entries, 0);
    await other.refresh();
    assert.equal(other.stats.entries, 0);
    assert.equal(other.stats.reloads, 1);
    const afterClear = await CacheStore.open(dir, opts);
    assert.equal(afterClear.stats.entries, 0);
    await afterClear.put('fresh', 1);
    assert.equal((await CacheStore.open(dir, opts)).get('fresh'), 1);
    assert.deepEqual(opts.warnings, []);
    assert.deepEqual(opts.corrupt, []);

    // Concurrent calls from one process are coalesced into few writes but keep their order.
    const ops = [
      afterClear.put('c', 1),
      afterClear.delete('c'),
      afterClear.put('c', 2),
      afterClear.put('d', 1),
      ...Array.from({ length: 50 }, (_, i) => afterClear.put(`many:${i}`, i)),
      afterClear.delete('d'),
      afterClear.putMany([['many:0', 'last']]),
    ];
    await Promise.all(ops);
    const concurrent = await CacheStore.open(dir, opts);
    assert.equal(concurrent.get('c'), 2);
    assert.equal(concurrent.has('d'), false);
    assert.equal(concurrent.get('many:0'), 'last');
    assert.equal(concurrent.get('many:49'), 49);
    assert.equal(concurrent.stats.entries, 52);

    // The directory is deleted under a running store: the next write starts a new one.
    await rm(dir, { recursive: true, force: true });
    await concurrent.put('reborn', true);
    assert.deepEqual(concurrent.keys(), ['reborn']);
    assert.deepEqual((await CacheStore.open(dir, opts)).keys(), ['reborn']);
    assert.deepEqual(opts.warnings, []);

    // A path that cannot be a directory: the error names it and the fix.
    const blocker = path.join(path.dirname(dir), 'blocker');
    writeFileSync(blocker, 'x');
    await assert.rejects(CacheStore.open(path.join(blocker, 'cache')), (err: Error) => {
      assert.match(err.message, /blocker/);
      assert.ok(err instanceof ProblemError && err.problem.fixes.some((fix) => fix.kind === 'setting' && fix.setting === 'cacheDir'), 'names another cache directory as the fix');
      return true;
    });
  });

  test('automatic compaction keeps the log small and other processes follow it', async () => {
    const dir = await tempDir();
    const store = await CacheStore.open(dir, quiet({ compactMinBytes: 8 * 1024 }));
    const follower = await CacheStore.open(dir, quiet());
    for (let round = 0; round < 30; round++) {
      await store.putMany(Array.from({ length: 20 }, (_, i) => [`hot:${i}`, { round, pad: 'p'.repeat(50) }] as const));
      if (round % 7 === 0) await follower.refresh();
    }
    assert.ok(store.stats.compactions >= 1, 'should have compacted');
    assert.ok(statSync(store.file).size < 16 * 1024);
    await follower.refresh();
    assert.ok(follower.stats.reloads >= 1);
    for (let i = 0; i < 20; i++) assert.deepEqual(follower.get(`hot:${i}`), { round: 29, pad: 'p'.repeat(50) });
    assert.equal(follower.stats.entries, 20);
  });
});

test('a cache opened read-only answers what the log holds, keeps its own writes in memory, and never touches the file', async () => {
  const dir = await tempDir();
  const writer = await CacheStore.open(dir, quiet());
  await writer.putMany([['a', 1], ['b', 2]]);
  await writer.close();
  const file = path.join(dir, CACHE_FILE_NAME);
  const before = statSync(file);
  const store = await CacheStore.openReadOnly(dir, quiet());
  assert.equal(store.writable, false);
  assert.equal(store.get('a'), 1);
  await store.put('c', 3);
  await store.delete('a');
  assert.deepEqual([store.get('a'), store.get('b'), store.get('c')], [undefined, 2, 3]);
  await assert.rejects(store.compact(), (error: unknown) => error instanceof ProblemError && error.problem.code === 'cache-unwritable');
  await store.close();
  const after = statSync(file);
  assert.deepEqual([after.size, after.mtimeMs], [before.size, before.mtimeMs], 'the log is as it was');
  const reopened = await CacheStore.open(dir, quiet());
  assert.deepEqual([reopened.get('a'), reopened.get('c')], [1, undefined]);
  await reopened.close();
  await assert.rejects(CacheStore.openReadOnly(path.join(dir, 'missing'), quiet()), (error: unknown) => error instanceof ProblemError && error.problem.code === 'cache-unreadable');
});

test('a log emptied in place by another program (truncate, a sync client) is noticed, and what this store knew is written back after what came since', async () => {
  const dir = await tempDir();
  const seen: string[] = [];
  const store = await CacheStore.open(dir, { onWarning: (message) => seen.push(message) });
  const worker = await CacheWriter.open(dir);
  await store.putMany([['earlier', 1], ['also earlier', 2]]);
  truncateSync(path.join(dir, CACHE_FILE_NAME), 0);
  await worker.put('after', 3); // appended to the emptied file, which has no header now
  await store.refresh();
  assert.equal(seen.length, 1, seen.join('\n'));
  assert.match(seen[0], /^The cache file .* was emptied by another program during the run; the 2 entries this process knew were written back\.$/);
  assert.deepEqual(store.keys().sort(), ['after', 'also earlier', 'earlier']);
  await Promise.all([store.close(), worker.close()]);
  const reopened = await CacheStore.open(dir, quiet());
  assert.deepEqual([reopened.get('earlier'), reopened.get('also earlier'), reopened.get('after')], [1, 2, 3]);
  await reopened.close();
});
