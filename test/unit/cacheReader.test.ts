/** Reading the log: torn and damaged lines skipped, counted and reported; a log replaced by another process noticed. */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { encodeHeader, encodePut } from '../../src/core/cacheLog/format';
import { tempDir, quiet, startWriter, expectSuccess } from '../support/cacheTesting';

describe('CacheStore: reading the log', () => {
  test('a torn last line is skipped and counted; later writes start on a clean line', async () => {
    const dir = await tempDir();
    const first = await CacheStore.open(dir, quiet());
    await first.putMany([
      ['a', 1],
      ['b', { nested: [1, 2] }],
    ]);
    appendFileSync(first.file, '{"k":"c","v":{"x":'); // a writer died half-way
    const opts = quiet();
    const store = await CacheStore.open(dir, opts);
    assert.equal(store.get('a'), 1);
    assert.deepEqual(store.get('b'), { nested: [1, 2] });
    assert.equal(store.has('c'), false);
    assert.equal(store.stats.corruptLines, 1);
    assert.equal(opts.corrupt.length, 1);
    assert.equal(opts.corrupt[0].reason, 'invalid JSON');
    await store.put('d', 'after');
    const reopened = await CacheStore.open(dir, quiet());
    assert.deepEqual(reopened.keys().sort(), ['a', 'b', 'd']);
    assert.equal(reopened.get('d'), 'after');
    assert.equal(reopened.stats.corruptLines, 1);

    // Garbage without newline appended while a store is open: the next put must not be swallowed by it.
    appendFileSync(first.file, 'garbage-without-newline');
    await first.refresh();
    assert.equal(first.stats.corruptLines, 1); // an unterminated tail is not consumed yet
    await first.put('e', 'clean');
    assert.equal(first.get('e'), 'clean');
    const again = await CacheStore.open(dir, quiet());
    assert.equal(again.get('e'), 'clean');
    assert.equal(again.stats.corruptLines, 2);
    assert.deepEqual(again.keys().sort(), ['a', 'b', 'd', 'e']);
  });

  test('garbage appended and written into the middle is skipped and reported; compact() heals', async () => {
    const dir = await tempDir();
    const store = await CacheStore.open(dir, quiet());
    await store.putMany(Array.from({ length: 100 }, (_, i) => [`key:${i}`, { i, text: `value number ${i}` }] as const));
    const bytes = readFileSync(store.file);
    // Starts of the non-empty lines (every append begins with a newline, so empty lines separate the writes).
    const lineStarts = [0];
    for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 0x0a && bytes[i + 1] !== 0x0a) lineStarts.push(i + 1);
    // line 0 is the header, so record i is on line i + 1
    const damage = (i: number, at: number, patch: Buffer): void => {
      patch.copy(bytes, lineStarts[i + 1] + at);
    };
    const inString = bytes.indexOf('number', lineStarts[31]) - lineStarts[31];
    damage(30, inString, Buffer.from('NUMBER')); // inside the value string: still valid JSON, caught by the checksum
    damage(60, 5, Buffer.from([0x00, 0xff, 0xfe, 0x01])); // binary garbage
    damage(70, 12, Buffer.from('\n')); // a newline in the middle splits one record into two bad lines
    writeFileSync(store.file, bytes);
    appendFileSync(store.file, Buffer.concat([Buffer.from('not json at all\n'), Buffer.from([0, 1, 2, 0x0a])]));
    appendFileSync(store.file, '{"k":"no-value","t":1}\n{"v":1,"t":1}\n');

    const opts = quiet();
    const damaged = await CacheStore.open(dir, opts);
    assert.equal(damaged.stats.corruptLines, 8);
    assert.equal(opts.corrupt.length, 8);
    assert.ok(opts.corrupt.some((c) => /checksum/.test(c.reason)), JSON.stringify(opts.corrupt));
    assert.ok(opts.corrupt.some((c) => /missing value/.test(c.reason)));
    for (const i of [30, 60, 70]) assert.equal(damaged.has(`key:${i}`), false, `key:${i} should be dropped`);
    const intact = Array.from({ length: 100 }, (_, i) => i).filter((i) => ![30, 60, 70].includes(i));
    for (const i of intact) assert.deepEqual(damaged.get(`key:${i}`), { i, text: `value number ${i}` });

    // Without onCorrupt, one warning names the file.
    const warnings: string[] = [];
    await CacheStore.open(dir, { onWarning: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Skipped 8 damaged line\(s\) in .*cache\.v1\.ndjson/);

    await damaged.compact();
    assert.equal(damaged.stats.corruptLines, 0);
    assert.equal(damaged.stats.compactions, 1);
    const healed = await CacheStore.open(dir, quiet());
    assert.deepEqual(healed.stats, { entries: 97, lines: 97, corruptLines: 0, compactions: 0, reloads: 0 });
    for (const i of intact) assert.deepEqual(healed.get(`key:${i}`), { i, text: `value number ${i}` });
  });

  test('compaction by another process is detected on refresh (new inode, or same inode with a new header)', async () => {
    const dir = await tempDir();
    const store = await CacheStore.open(dir, quiet());
    await store.putMany(Array.from({ length: 200 }, (_, i) => [`k${i}`, { v: 1, i }] as const));
    const inodeBefore = statSync(store.file).ino;

    const compactor = startWriter(dir, 0, 200, 'compact');
    await expectSuccess(compactor);
    assert.notEqual(statSync(store.file).ino, inodeBefore);
    assert.ok(statSync(store.file).size > 0);

    assert.deepEqual(store.get('k10'), { v: 1, i: 10 }); // memory is stale until refresh
    await store.refresh();
    assert.equal(store.stats.reloads, 1);
    for (let i = 0; i < 50; i++) assert.equal(store.has(`k${i}`), false);
    for (let i = 50; i < 200; i++) assert.deepEqual(store.get(`k${i}`), { v: 2, i });
    for (let i = 0; i < 200; i++) assert.deepEqual(store.get(`after:${i}`), { after: i });
    assert.deepEqual(store.stats, { entries: 350, lines: 350, corruptLines: 0, compactions: 0, reloads: 1 });

    // Replacement that keeps the inode and grows the file (as after inode reuse): the header id gives it away.
    let text = encodeHeader();
    for (let i = 0; i < 400; i++) text += encodePut(`other:${i}`, JSON.stringify(i), Date.now());
    writeFileSync(store.file, text);
    await store.refresh();
    assert.equal(store.stats.reloads, 2);
    assert.deepEqual(store.keys().length, 400);
    assert.equal(store.get('other:399'), 399);
    assert.equal(store.has('k100'), false);

    // And writes after the reload land in the new file.
    await store.put('mine', true);
    assert.equal((await CacheStore.open(dir, quiet())).stats.entries, 401);
  });
});
