import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { extractKey } from '../../src/core/cacheKeys';
import { summarizeFolder, type FolderOptions, type RunEvent } from '../../src/core/engine';
import type { ExtractResult } from '../../src/core/job';
import { hashFile } from '../../src/core/hash';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { testMediaOptions } from '../support/mediaSettings';
import { builtMissing, tempDir, WORKER_SCRIPT } from '../support/paths';
import { renderTextImage } from '../support/renderText';

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn();
});
after(() => ollama?.close());

async function folderOf(count: number): Promise<string> {
  const dir = await tempDir('engine');
  for (let i = 0; i < count; i++) {
    await writeFile(path.join(dir, `shot-${i}.png`), await renderTextImage([`Ticket ENG-${1000 + i} needs review`]));
  }
  return dir;
}

function options(folder: string, extra: Partial<FolderOptions>): FolderOptions {
  return { folder, log: false, workers: 2, ollamaHost: ollama.url, model: 'llama3.2:3b', vision: 'none', requestTimeoutMs: 30_000, workerScript: WORKER_SCRIPT, media: testMediaOptions(), ...extra };
}

/** The worker processes forked by this test process (the pool's children). */
function workerPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('worker.js')).map((l) => Number(l.trim().split(/\s+/)[0]));
}

test('a worker killed mid-file is replaced, the file retried, and the run completes', { skip: builtMissing() }, async () => {
  const folder = await folderOf(3);
  ollama.setLatency(1500); // each summary takes 1.5 s: time to kill a worker while it waits
  let killed = 0;
  const events: RunEvent[] = [];
  try {
    const result = await summarizeFolder(
      options(folder, {
        cacheDir: await tempDir('engine-cache'),
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'stage' && event.stage === 'summary' && killed === 0) {
            const [victim] = workerPids();
            if (victim) {
              killed = victim;
              process.kill(victim, 'SIGKILL');
            }
          }
        },
      }),
    );
    assert.ok(killed > 0, 'a worker was killed');
    assert.equal(result.records.length, 3);
    assert.deepEqual(result.records.map((r) => r.status), ['ok', 'ok', 'ok']);
    for (const record of result.records) assert.match(record.summary!, /ENG-10\d\d/);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['scanned', 'queued', 'started', 'stage', 'done']) assert.ok(types.has(type as RunEvent['type']), `emits ${type}`);
  } finally {
    ollama.setLatency(0);
  }
});

test('cancelling stops the run within about a second and keeps the OCR already done', { skip: builtMissing() }, async () => {
  const folder = await folderOf(4);
  const cacheDir = await tempDir('engine-cancel');
  ollama.setLatency(20_000); // summaries would take 20 s each
  const controller = new AbortController();
  let cancelledAt = 0;
  try {
    const result = await summarizeFolder(
      options(folder, {
        cacheDir,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'stage' && event.stage === 'summary' && !cancelledAt) {
            cancelledAt = Date.now();
            controller.abort();
          }
        },
      }),
    );
    const elapsed = Date.now() - cancelledAt;
    assert.ok(cancelledAt > 0);
    assert.equal(result.cancelled, true);
    assert.ok(elapsed < 2500, `stopped ${elapsed} ms after cancel`);
    assert.ok(workerPids().length === 0, 'no worker left running');
    const store = await CacheStore.open(cacheDir);
    const first = path.join(folder, 'shot-0.png');
    const saved = store.get<ExtractResult>(extractKey('image', await hashFile(first)));
    await store.close();
    assert.ok(saved, 'the OCR finished before the cancel was saved');
    assert.match(saved.text, /ENG-1000/);
  } finally {
    ollama.setLatency(0);
  }
});

test('the pool never starts more workers than the files need, and none for a fully cached folder', { skip: builtMissing() }, async () => {
  const folder = await folderOf(2);
  const cacheDir = await tempDir('engine-small');
  const first = await summarizeFolder(options(folder, { cacheDir, workers: 8 }));
  assert.equal(first.totals.workers, 1, 'one worker holds both files (two at a time)');
  assert.equal(first.totals.ok, 2);
  const second = await summarizeFolder(options(folder, { cacheDir, workers: 8 }));
  assert.deepEqual([second.totals.workers, second.totals.cached, second.totals.llmCalls], [0, 2, 0]);
});

test('Ollama failures mid-run give each file a clear pending record and nothing hangs past the timeout', { skip: builtMissing() }, async () => {
  const cases: Array<{ arrange: () => void; expect: RegExp }> = [
    { arrange: () => ollama.failNext('hang', 1), expect: /Ollama did not answer within 2 s at http:\/\/127\.0\.0\.1:\d+ \(model llama3\.2:3b\) — raise the request timeout/ },
    // A stream that starts, then stalls: the bound between chunks, a pending record, not a worker "timed out" twice.
    { arrange: () => ollama.failNext('slow', 1, { slowDelayMs: 30_000 }), expect: /Ollama sent nothing more within 2 s at http:\/\/127\.0\.0\.1:\d+ \(model llama3\.2:3b\)/ },
    { arrange: () => ollama.failNext('http500', 1), expect: /answered HTTP 500 for model llama3\.2:3b: llama runner process has terminated/ },
    { arrange: () => ollama.failNext('reset', 1, { afterChunks: 2 }), expect: /The connection to Ollama at http:\/\/127\.0\.0\.1:\d+ was reset while model llama3\.2:3b was answering/ },
    { arrange: () => ollama.failNext('malformed', 1), expect: /Ollama at http:\/\/127\.0\.0\.1:\d+ sent a malformed response for model llama3\.2:3b/ },
  ];
  for (const { arrange, expect } of cases) {
    const folder = await folderOf(1);
    arrange();
    const started = Date.now();
    const result = await summarizeFolder(options(folder, { requestTimeoutMs: 2000, workers: 1 }));
    const [record] = result.records;
    assert.equal(record.status, 'pending', `${expect}: ${record.error}`);
    assert.match(record.error!, expect);
    assert.match(record.ocrText!, /ENG-1000/, 'the OCR text is kept');
    assert.ok(Date.now() - started < 20_000);
  }
  ollama.setFailure('none');
});

test('a file replaced while it is summarized gets a clear error and nothing is cached under its old hash', { skip: builtMissing() }, async () => {
  const folder = await folderOf(1);
  const file = path.join(folder, 'shot-0.png');
  const cacheDir = await tempDir('engine-changed');
  const originalHash = await hashFile(file);
  ollama.setLatency(1500);
  try {
    const result = await summarizeFolder(
      options(folder, {
        cacheDir,
        onEvent: (event) => {
          if (event.type === 'stage' && event.stage === 'summary') {
            void renderTextImage(['A different screenshot entirely']).then((png) => writeFile(file, png));
          }
        },
      }),
    );
    const [record] = result.records;
    assert.equal(record.status, 'error');
    assert.equal(record.error, 'shot-0.png changed while it was being summarized — run again to summarize the new version.');
    const store = await CacheStore.open(cacheDir);
    assert.equal(store.keys('summary:').filter((k) => k.endsWith(originalHash)).length, 0, 'no summary filed under the old content');
    await store.close();
  } finally {
    ollama.setLatency(0);
  }
});

test('files with the same bytes are processed once in a run: one OCR and one summary, a record for each, the copies marked', { skip: builtMissing() }, async () => {
  const dir = await tempDir('engine-copies');
  const bytes = await renderTextImage(['Boarding pass BRD-77 seat 14C']);
  for (let i = 0; i < 20; i++) await writeFile(path.join(dir, `pass copy ${i}.png`), bytes);
  await writeFile(path.join(dir, 'other.png'), await renderTextImage(['Ticket ENG-5 needs review']));
  ollama.resetStats();
  const result = await summarizeFolder(options(dir, { cacheDir: await tempDir('engine-copies-cache') }));
  assert.equal(result.records.length, 21, 'a record for every file');
  assert.equal(ollama.stats.generateCalls, 2, 'one summary per content');
  assert.equal(result.totals.llmCalls, 2);
  const copies = result.records.filter((r) => r.duplicateOf !== undefined);
  assert.equal(copies.length, 19);
  const original = result.records.find((r) => r.path.includes('pass copy') && r.duplicateOf === undefined)!;
  for (const copy of copies) {
    assert.equal(copy.duplicateOf, original.path);
    assert.deepEqual([copy.status, copy.summary, copy.ocrText], [original.status, original.summary, original.ocrText]);
  }
  assert.match(original.summary ?? '', /BRD-77/);
});
