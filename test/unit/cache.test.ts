import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CacheStore, type CacheStoreOptions, type CorruptLineInfo } from '../../src/core/cache';
import { ProblemError } from '../../src/core/problems';
import { encodeHeader, encodePut } from '../../src/core/cacheLog/format';
import { churnExpected, writerKey, writerValue } from '../support/cacheWriterProcess';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const writerScript = path.join(root, 'test', 'support', 'cacheWriterProcess.ts');
const tempDirs: string[] = [];

after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cache-test-'));
  tempDirs.push(dir);
  return path.join(dir, 'store');
}

/** Options that keep tests quiet but make unexpected warnings visible in assertions. */
function quiet(extra: CacheStoreOptions = {}): CacheStoreOptions & { warnings: string[]; corrupt: CorruptLineInfo[] } {
  const warnings: string[] = [];
  const corrupt: CorruptLineInfo[] = [];
  return { onWarning: (m) => warnings.push(m), onCorrupt: (c) => corrupt.push(c), ...extra, warnings, corrupt };
}

interface Writer {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWriter(dir: string, id: number, count: number, mode = 'mixed', env: Record<string, string> = {}): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(id), String(count), mode], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  let buffered = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stderr: ${err}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`writer exited (${code ?? signal}) before ${re}; stderr: ${err}`));
        });
      });
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), sleep(ms).then(() => false)]);
}

/** How many lines of `file` are records for `key`. */
function recordLines(file: string, key: string): number {
  const needle = `{"k":${JSON.stringify(key)},`;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(needle)).length;
}

async function expectSuccess(w: Writer): Promise<void> {
  const { code, signal } = await w.exited;
  assert.equal(code, 0, `writer failed (${code ?? signal}): ${w.stderr()}`);
}

describe('CacheStore', () => {
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
    assert.deepEqual(opts.warnings, []);
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
