/**
 * The write-only cache view of pool workers: what it appends is what a store reads, it creates a missing log with
 * its header, it loses nothing to compactions running meanwhile, and it never reads the log.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { CACHE_FILE_NAME, HEADER_MAGIC } from '../../src/core/cacheLog/format';
import { CacheWriter } from '../../src/core/cacheWriter';
import { tempDir } from '../support/paths';

test('a writer creates the log with its header; a store reads what it appended', async () => {
  const dir = path.join(await tempDir('cache-writer'), 'cache');
  const writer = await CacheWriter.open(dir);
  await Promise.all([writer.put('a', { text: 'one' }), writer.putMany([['b', 2], ['c', [3]]])]);
  await writer.close();
  await assert.rejects(writer.put('d', 4), /closed/);
  const text = readFileSync(path.join(dir, CACHE_FILE_NAME), 'utf8');
  assert.ok(text.startsWith(`{"h":"${HEADER_MAGIC}"`), 'the header comes first');
  const store = await CacheStore.open(dir);
  assert.deepEqual([store.get('a'), store.get('b'), store.get('c')], [{ text: 'one' }, 2, [3]]);
  assert.equal(store.stats.corruptLines, 0);
  await store.close();
});

test('appends racing repeated compactions are all kept', async () => {
  const dir = await tempDir('cache-writer-race');
  const store = await CacheStore.open(dir, { compactMinBytes: 0 });
  await store.putMany(Array.from({ length: 200 }, (_, i) => [`old:${i}`, i] as const));
  const writer = await CacheWriter.open(dir);
  let compacting = true;
  const compactions = (async () => {
    while (compacting) {
      await store.put('churn', Math.random()); // superseded lines make each compaction due
      await store.compact();
    }
  })();
  // At least 300 appends, and on until several compactions raced them. Bounded by time, not by a count: on a busy
  // machine 20,000 appends took 0.65 s while one compaction ran. A pause now and then lets the compactor in.
  let count = 0;
  const deadline = Date.now() + 60_000;
  while (count < 300 || (store.stats.compactions <= 3 && Date.now() < deadline)) {
    await writer.put(`new:${count}`, count++);
    if (count % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  compacting = false;
  await compactions;
  await writer.close();
  await store.refresh();
  assert.ok(store.stats.compactions > 3, `compactions ran meanwhile (${store.stats.compactions})`);
  for (let i = 0; i < count; i++) assert.equal(store.get(`new:${i}`), i, `new:${i}`);
  await store.close();
});

test('a writer never reads the log: a damaged log is not its concern', async () => {
  const dir = await tempDir('cache-writer-blind');
  writeFileSync(path.join(dir, CACHE_FILE_NAME), 'not a cache line at all\n{"k":"x"');
  const warnings: string[] = [];
  const writer = await CacheWriter.open(dir, { onWarning: (message) => warnings.push(message) });
  await writer.put('fresh', true);
  await writer.close();
  assert.deepEqual(warnings, [], 'nothing was parsed, so nothing was reported');
  const store = await CacheStore.open(dir, { onWarning: () => undefined });
  assert.equal(store.get('fresh'), true, 'the leading newline of the append ended the torn line');
  await store.close();
});
