/**
 * The extension's vscode-free pieces that touch real components: the read-only cache look-up (compared with the
 * engine's own cache hits), the folder run over the extension's filtered scan, the run queue, the checks before a
 * run (Ollama against the stand-in, ffmpeg and whisper), and pulling a model. No workers are started: every file
 * the engine sees here is a cache hit.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { CACHE_FILE_NAME } from '../../src/core/cacheLog/format';
import { extractKey, summaryKey, transcriptKey, visionKey, type CachedSummary } from '../../src/core/cacheKeys';
import { summarizeFiles, type RunEvent } from '../../src/core/engine';
import { hashFile } from '../../src/core/hash';
import type { ExtractResult, Transcript } from '../../src/core/job';
import { scanFolder } from '../../src/core/scan';
import { globFilter } from '../../src/extension/logic/globs';
import { lookupRecords, scannedFile } from '../../src/core/lookup';
import { pullModel } from '../../src/extension/logic/ollamaPull';
import { RunQueue } from '../../src/extension/logic/runs';
import { summarizeFolder } from '../../src/core/engine';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { tempDir } from '../support/paths';
import { closedPortUrl } from '../support/processes';

const MODEL = 'llama3.2:3b';
const media = { whisperModel: 'base.en', language: 'auto', maxTranscribeSeconds: undefined };


interface Fixture {
  folder: string;
  cacheDir: string;
  files: Record<'done' | 'pending' | 'broken' | 'fresh' | 'video' | 'seen', string>;
  host: string;
}

/**
 * A folder whose files are in the cache in every way the engine leaves them: summarized (an image with a vision
 * description, a video with a transcript), text read but summary pending, unreadable content, and never seen.
 */
async function fixture(vision: 'none' | 'auto'): Promise<Fixture> {
  const folder = await tempDir('ext-lookup');
  const cacheDir = path.join(await tempDir('ext-lookup-cache'), 'cache');
  const host = await closedPortUrl();
  const files = {
    done: path.join(folder, 'a-done.png'),
    pending: path.join(folder, 'b-pending.jpg'),
    broken: path.join(folder, 'c-broken.gif'),
    fresh: path.join(folder, 'd-fresh.png'),
    video: path.join(folder, 'e-talk.mp4'),
    seen: path.join(folder, 'f-seen.webp'),
  };
  for (const [name, file] of Object.entries(files)) await writeFile(file, `content of ${name}`);
  await writeFile(path.join(folder, 'notes.txt'), 'not media');
  const sha = async (file: string) => hashFile(file);
  const visionModel = vision === 'auto' ? 'llava:7b' : undefined;
  const cache = await CacheStore.open(cacheDir, { onWarning: () => undefined });
  const extract = (text: string, error?: string): ExtractResult => ({ text, metadata: { format: 'png', width: 10, height: 10 }, ...(error ? { error } : {}) });
  const summary = (title: string): CachedSummary => ({ summary: `Summary of ${title}.`, title, tags: ['t'] });
  const transcript: Transcript = { text: 'hello from the talk', segments: [{ startMs: 0, endMs: 900, text: 'hello from the talk' }] };
  await cache.putMany([
    [extractKey('image', await sha(files.done)), extract('INVOICE 42')],
    [summaryKey(MODEL, visionModel, await sha(files.done)), summary('Invoice')],
    [extractKey('image', await sha(files.pending)), extract('half done')],
    [extractKey('image', await sha(files.broken)), extract('', 'Cannot decode c-broken.gif: truncated')],
    [extractKey('video', await sha(files.video)), extract('SLIDE 1')],
    [transcriptKey(media.whisperModel, media.language, undefined, await sha(files.video)), transcript],
    [summaryKey(MODEL, visionModel, await sha(files.video)), summary('Talk')],
    // A summary made with another model is not this model's summary.
    [summaryKey('other:1b', visionModel, await sha(files.seen)), summary('Other model')],
    [extractKey('image', await sha(files.seen)), extract('seen')],
    ...(visionModel
      ? ([
          [visionKey(visionModel, await sha(files.done)), 'A scanned invoice.'],
          [`preflight:vision:${host}:${MODEL}:auto`, visionModel],
        ] as Array<[string, unknown]>)
      : []),
  ]);
  await cache.close();
  return { folder, cacheDir, files, host };
}

describe('read-only cache look-up', () => {
  for (const vision of ['none', 'auto'] as const) {
    test(`gives the engine's own records for cache hits (vision ${vision}) and writes only new stat keys`, async () => {
      const fx = await fixture(vision);
      const scan = await scanFolder(fx.folder);
      assert.equal(scan.files.length, 6);
      const cacheFile = path.join(fx.cacheDir, CACHE_FILE_NAME);
      const before = readFileSync(cacheFile);

      const records = await lookupRecords(scan.files, { cacheDir: fx.cacheDir, ollamaHost: fx.host, model: MODEL, vision, media });
      const written = readFileSync(cacheFile).subarray(before.length).toString('utf8').split('\n').filter(Boolean);
      assert.deepEqual(readFileSync(cacheFile).subarray(0, before.length), before, 'the look-up only appended');
      assert.deepEqual(
        written.map((line) => (JSON.parse(line) as { k: string }).k.split(':')[0]),
        scan.files.map(() => 'stat'),
        'the hashes of the files it had to read, nothing else',
      );
      const afterFirst = readFileSync(cacheFile);
      await lookupRecords(scan.files, { cacheDir: fx.cacheDir, ollamaHost: fx.host, model: MODEL, vision, media });
      assert.deepEqual(readFileSync(cacheFile), afterFirst, 'a second listing reads no file again and writes nothing');
      assert.equal(records.get(fx.files.fresh), undefined, 'never processed');
      assert.equal(records.get(fx.files.pending)?.status, 'pending');
      assert.equal(records.get(fx.files.pending)?.ocrText, 'half done');
      assert.equal(records.get(fx.files.seen)?.status, 'pending', 'a summary by another model does not count');
      assert.equal(records.get(fx.files.done)?.title, 'Invoice');
      assert.equal(records.get(fx.files.done)?.visionText, vision === 'auto' ? 'A scanned invoice.' : undefined);
      assert.equal(records.get(fx.files.video)?.transcript, 'hello from the talk');
      assert.equal(records.get(fx.files.broken)?.status, 'error');

      // The engine answers the same files from the cache (no worker: all are hits; Ollama is down).
      const hits = scan.files.filter((f) => [fx.files.done, fx.files.broken, fx.files.video].includes(f.path));
      const events: RunEvent[] = [];
      const result = await summarizeFiles(hits, {
        ollamaHost: fx.host,
        model: MODEL,
        vision,
        workers: 2,
        cacheDir: fx.cacheDir,
        requestTimeoutMs: 5_000,
        media: { ...media, dataDir: fx.cacheDir, frameIntervalSeconds: 5, maxFrames: 20 },
        workerScript: '/nonexistent/worker.js',
        onEvent: (event) => events.push(event),
      });
      assert.equal(result.totals.workers, 0, 'no worker was needed');
      assert.ok(!events.some((e) => e.type === 'queued'));
      for (const engineRecord of result.records) assert.deepEqual(records.get(engineRecord.path), engineRecord, engineRecord.path);
    });
  }

  test('a renamed file is found by its content; an unknown cache folder is not created', async () => {
    const fx = await fixture('none');
    const renamed = path.join(fx.folder, 'renamed.png');
    await writeFile(renamed, 'content of done');
    const without = await lookupRecords([await scannedFile(renamed)], { cacheDir: fx.cacheDir, ollamaHost: fx.host, model: MODEL, vision: 'none', media, hashUnknown: false });
    assert.equal(without.get(renamed), undefined, 'without hashing only the stat fast path counts');
    const records = await lookupRecords([await scannedFile(renamed)], { cacheDir: fx.cacheDir, ollamaHost: fx.host, model: MODEL, vision: 'none', media });
    assert.equal(records.get(renamed)?.title, 'Invoice');
    const known = await lookupRecords([await scannedFile(renamed)], { cacheDir: fx.cacheDir, ollamaHost: fx.host, model: MODEL, vision: 'none', media, hashUnknown: false });
    assert.equal(known.get(renamed)?.title, 'Invoice', 'the listing saved the stat key of the file it hashed');

    const missing = path.join(fx.folder, 'no-cache-here');
    assert.equal((await lookupRecords([await scannedFile(renamed)], { cacheDir: missing, ollamaHost: fx.host, model: MODEL, vision: 'none', media })).size, 0);
    assert.equal(existsSync(missing), false);
  });

  test('scannedFile refuses what cannot be summarized', async () => {
    const fx = await fixture('none');
    await assert.rejects(scannedFile(path.join(fx.folder, 'notes.txt')), /not a supported image, video or audio file/);
    await assert.rejects(scannedFile(path.join(fx.folder, 'gone.png')), /Cannot read gone\.png \(ENOENT\)/);
    const dir = path.join(fx.folder, 'dir.png');
    await mkdir(dir);
    await assert.rejects(scannedFile(dir), /not a file/);
  });
});

describe('folder runs over the extension\'s scan', () => {
  test('globs filter the scan, the log goes where asked, cache hits need no worker', async () => {
    const fx = await fixture('none');
    const accept = globFilter(['*.png', '*.gif', '*.mp4'], ['d-*']);
    const scan = await scanFolder(fx.folder, { accept });
    assert.deepEqual(scan.files.map((f) => path.basename(f.path)), ['a-done.png', 'c-broken.gif', 'e-talk.mp4']);
    const logFile = path.join(await tempDir('ext-logs'), 'nested', 'media_summaries_20240101_000000.txt');
    const events: RunEvent[] = [];
    const result = await summarizeFolder({
      folder: fx.folder,
      scan,
      log: logFile,
      ollamaHost: fx.host,
      model: MODEL,
      vision: 'none',
      workers: 8,
      cacheDir: fx.cacheDir,
      requestTimeoutMs: 5_000,
      media: { ...media, dataDir: fx.cacheDir, frameIntervalSeconds: 5, maxFrames: 20 },
      workerScript: '/nonexistent/worker.js',
      onEvent: (event) => events.push(event),
    });
    assert.equal(result.logFile, logFile);
    assert.deepEqual(result.records.map((r) => [path.basename(r.path), r.status, r.cached]), [
      ['a-done.png', 'ok', true],
      ['c-broken.gif', 'error', true],
      ['e-talk.mp4', 'ok', true],
    ]);
    assert.deepEqual(events[0], { type: 'scanned', total: 3 });
    const log = readFileSync(logFile, 'utf8');
    assert.match(log, /Total files: 3/);
    assert.match(log, /File: a-done\.png\nSummary: Summary of Invoice\./);
    assert.equal((statSync(logFile).mode & 0o777).toString(8), '600');
    assert.ok(!(await readdir(fx.folder)).some((name) => name.startsWith('media_summaries_')), 'nothing written into the folder');
  });

  test('an unwritable log becomes a warning, not a failure', async () => {
    const fx = await fixture('none');
    const blocker = path.join(fx.folder, 'a-file');
    await writeFile(blocker, 'x');
    const events: RunEvent[] = [];
    const result = await summarizeFolder({
      folder: fx.folder,
      scan: { files: [await scannedFile(fx.files.done)], problems: [{ path: path.join(fx.folder, 'x.png'), kind: 'image', error: 'Cannot read x.png: permission denied' }] },
      log: path.join(blocker, 'log.txt'),
      ollamaHost: fx.host,
      model: MODEL,
      vision: 'none',
      workers: 1,
      cacheDir: fx.cacheDir,
      requestTimeoutMs: 5_000,
      media: { ...media, dataDir: fx.cacheDir, frameIntervalSeconds: 5, maxFrames: 20 },
      workerScript: '/nonexistent/worker.js',
      onEvent: (event) => events.push(event),
    });
    assert.equal(result.logFile, undefined);
    assert.ok(events.some((e) => e.type === 'warning'));
    assert.deepEqual(result.records.map((r) => r.status), ['error', 'ok']);
  });
});

describe('run queue', () => {
  test('one job at a time, in order, with busy notifications', async () => {
    const queue = new RunQueue();
    const busy: boolean[] = [];
    queue.onBusyChange((b) => busy.push(b));
    const order: string[] = [];
    const job = (name: string, ms: number) => async () => {
      order.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      order.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run(job('a', 30)), queue.run(job('b', 5)), queue.run(job('c', 1))]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.deepEqual(busy, [true, false]);
    assert.equal(queue.busy, false);
  });

  test('cancelAll aborts the running job and the waiting ones; a failed job does not stop the queue', async () => {
    const queue = new RunQueue();
    const seen: boolean[] = [];
    const running = queue.run(
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => resolve('aborted'));
        }),
    );
    const waiting = queue.run(async (signal) => {
      seen.push(signal.aborted);
      return 'ran';
    });
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    const after = queue.run(async (signal) => signal.aborted);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(queue.busy, true);
    queue.cancelAll();
    assert.equal(await running, 'aborted');
    assert.equal(await waiting, 'ran');
    assert.deepEqual(seen, [true], 'a waiting job starts already aborted');
    await assert.rejects(failing, /boom/);
    assert.equal(await after, true);
    await queue.idle();
    assert.equal(queue.busy, false);
    assert.equal(await queue.run(async (signal) => signal.aborted), false, 'later jobs are not aborted');
  });
});

describe('checks before a run', () => {
  let ollama: OllamaStandIn;
  before(async () => {
    ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'llava:7b'], registry: ['qwen2.5:0.5b'] });
  });
  after(() => ollama?.close());

  test('pulling a model reports progress up to 100 % and installs it; an unknown one fails clearly', async () => {
    const updates: Array<{ message: string; increment: number; percent: number }> = [];
    await pullModel(ollama.url, 'qwen2.5:0.5b', (update) => updates.push(update));
    assert.equal(updates.at(-1)?.percent, 100);
    assert.equal(updates.reduce((sum, u) => sum + u.increment, 0), 100);
    assert.equal(updates.at(-1)?.message, 'success');
    assert.ok(ollama.listModels().some((model) => model.name === 'qwen2.5:0.5b'));
    await assert.rejects(pullModel(ollama.url, 'no-such-model', () => undefined), /file does not exist/);
  });

  test('pulling can be cancelled', async () => {
    ollama.setLatency(0, 200);
    const controller = new AbortController();
    try {
      const pulling = pullModel(ollama.url, 'qwen2.5:0.5b', () => controller.abort(), controller.signal);
      await assert.rejects(pulling, (error: Error) => error.name === 'AbortError');
    } finally {
      ollama.setLatency(0, 0);
    }
  });


});
