/** Replacing the log (clear, compaction) while other processes append. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { tempDir, quiet, startWriter, sleep, expectSuccess } from '../support/cacheTesting';
import { writerKey, writerValue } from '../support/cacheWriterProcess';

describe('CacheStore: replacing the log', () => {
  test('clear() racing appending processes: no corruption, writes after it all kept, the store stays usable', async () => {
    const dir = await tempDir();
    const phaseFile = path.join(path.dirname(dir), 'phase2');
    const opts = quiet();
    const clearer = await CacheStore.open(dir, opts);
    const AFTER = 100;
    const writers = Array.from({ length: 3 }, (_, id) =>
      startWriter(dir, id, AFTER, 'phases', { CACHE_PHASE_FILE: phaseFile }),
    );
    await Promise.all(writers.map((w) => w.waitFor(/^ack 25$/, 30_000))); // all writing; 0..25 acknowledged
    const allDone = Promise.all(writers.map(expectSuccess));
    for (let round = 0; round < 10; round++) {
      await clearer.clear();
      await sleep(5 + Math.random() * 10);
    }
    writeFileSync(phaseFile, ''); // every put that starts from now on begins after the last clear() returned
    await allDone;
    for (const w of writers) assert.equal(w.stderr(), '');

    const checkOpts = quiet();
    const fresh = await CacheStore.open(dir, checkOpts);
    assert.equal(fresh.stats.corruptLines, 0);
    assert.deepEqual(checkOpts.corrupt, []);
    assert.deepEqual(checkOpts.warnings, []);
    for (let id = 0; id < 3; id++) {
      const first = Number(writers[id].lines.find((l) => l.startsWith('phase2 '))!.slice(7));
      // Acknowledged before the first clear() started: gone for good (never re-appended after a clear).
      for (let i = 0; i <= 25; i++) {
        assert.equal(fresh.has(writerKey(id, i)), false, `${writerKey(id, i)} survived clear()`);
      }
      // Started after the last clear() returned: all there.
      for (let i = first; i < first + AFTER; i++) assert.deepEqual(fresh.get(writerKey(id, i)), writerValue(id, i));
    }
    // Whatever else survived (puts that overlapped a clear) is intact.
    for (const key of fresh.keys()) {
      const [, w, i] = /^w(\d+):(\d+)$/.exec(key)!;
      assert.deepEqual(fresh.get(key), writerValue(Number(w), Number(i)));
    }

    // Still usable: the clearing instance follows, writes, compacts; a new instance sees the same.
    await clearer.refresh();
    assert.equal(clearer.stats.entries, fresh.stats.entries);
    await clearer.put('after-race', { ok: true });
    await clearer.compact();
    const reopened = await CacheStore.open(dir, checkOpts);
    assert.deepEqual(reopened.get('after-race'), { ok: true });
    assert.equal(reopened.stats.entries, fresh.stats.entries + 1);
    assert.deepEqual(opts.corrupt, []);
    assert.deepEqual(opts.warnings, []);
  });
});
