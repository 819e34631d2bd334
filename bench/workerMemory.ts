/**
 * A pool worker's memory over a large cache: today's worker (a write-only CacheWriter) against the same worker
 * built from an earlier commit that opened the full CacheStore (and so parsed and held the whole log), in one run,
 * rounds interleaved. Each worker is forked as the pool forks it, gets its settings, and is measured once ready
 * (tesseract.js loaded) and settled.
 *   node --import tsx bench/workerMemory.ts [--entries 100000] [--rounds 3] [--baseline-ref REF] [--json FILE]
 */
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CacheStore } from '../src/core/cache';
import { extractKey, statKey, summaryKey } from '../src/core/cacheKeys';
import type { WorkerSettings } from '../src/core/runSettings';
import type { FromWorker, ToWorker } from '../src/core/workerMessages';
import { testMediaSettings } from '../test/support/mediaSettings';
import { PROJECT_ROOT, tempDir } from '../test/support/paths';
import { statusKb } from './workerSampler';

/** The last commit whose worker opened the full CacheStore. */
const STORE_WORKER_COMMIT = 'b6a17ba';
const { values } = parseArgs({
  options: { entries: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, 'baseline-ref': { type: 'string', default: STORE_WORKER_COMMIT }, json: { type: 'string' } },
});
const entries = Number(values.entries);
const SETTLE_MS = 1000;

/** A cache shaped like a real one: per file a stat key, its OCR text and metadata, and a summary. */
async function seed(dir: string): Promise<number> {
  const store = await CacheStore.open(dir);
  const batch: Array<[string, unknown]> = [];
  for (let i = 0; batch.length < entries; i++) {
    const sha = i.toString(16).padStart(64, '0');
    const text = `Invoice OPS-${10000 + i} for team-${i % 17}, region eu-west-${i % 3}. `.repeat(6);
    batch.push([statKey(`/home/user/Desktop/Screenshot ${i}.png`, 200_000 + i, 1_700_000_000_000 + i, i), sha]);
    batch.push([extractKey('image', sha), { text, metadata: { format: 'PNG', width: 1920, height: 1080, sizeBytes: 200_000 + i } }]);
    batch.push([summaryKey('llama3.2:3b', undefined, sha), { summary: `A screenshot of invoice OPS-${10000 + i} for team-${i % 17}. `.repeat(3), title: `Invoice OPS-${10000 + i}`, tags: ['invoice', 'ops'] }]);
  }
  await store.putMany(batch.slice(0, entries));
  const size = statSync(store.file).size;
  await store.close();
  return size;
}

/** dist/worker.js of `ref`, built beside the project from `git archive` (node_modules shared). */
async function buildBaseline(ref: string): Promise<string> {
  const dir = await tempDir('bench-worker-baseline');
  const tar = execFileSync('git', ['archive', '--format=tar', ref], { cwd: PROJECT_ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: dir, stdio: 'ignore' });
  return path.join(dir, 'dist', 'worker.js');
}

async function measure(script: string, settings: WorkerSettings): Promise<{ rssMb: number; peakMb: number; readySeconds: number }> {
  const started = performance.now();
  const child = fork(script, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
  const ready = new Promise<void>((resolve) => child.on('message', (message: FromWorker) => message.type === 'ready' && resolve()));
  child.send({ type: 'init', settings } satisfies ToWorker);
  await ready;
  const readySeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const rssMb = statusKb(child.pid!, 'VmRSS') / 1024;
  const peakMb = statusKb(child.pid!, 'VmHWM') / 1024;
  child.send({ type: 'shutdown' } satisfies ToWorker);
  await once(child, 'exit');
  return { rssMb, peakMb, readySeconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const cacheDir = await tempDir('bench-worker-cache');
  const bytes = await seed(cacheDir);
  const sides = { writer: path.join(PROJECT_ROOT, 'dist', 'worker.js'), store: await buildBaseline(values['baseline-ref']) };
  const settings: WorkerSettings = { cacheDir, ollama: { api: 'ollama', host: 'http://127.0.0.1:9', model: 'llama3.2:3b', requestTimeoutMs: 1000, contextTokens: 8192, available: false }, media: testMediaSettings() };
  const samples: Record<string, Array<{ rssMb: number; peakMb: number; readySeconds: number }>> = { writer: [], store: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [side, script] of Object.entries(sides)) samples[side].push(await measure(script, settings));
  }
  const result = Object.fromEntries(
    Object.entries(samples).map(([side, runs]) => [side, { rssMb: round1(median(runs.map((r) => r.rssMb))), peakMb: round1(median(runs.map((r) => r.peakMb))), readySeconds: round1(median(runs.map((r) => r.readySeconds))), rounds: runs.map((r) => round1(r.rssMb)) }]),
  );
  const report = { entries, cacheMb: round1(bytes / 2 ** 20), baselineRef: values['baseline-ref'], ...result };
  console.log(`Worker memory, cache of ${entries} entries (${report.cacheMb} MB), median of ${values.rounds} interleaved rounds`);
  console.log('| worker | RSS when ready | peak (VmHWM) | ready after |');
  console.log('|--|--|--|--|');
  console.log(`| full CacheStore (${values['baseline-ref']}) | ${result.store.rssMb} MB | ${result.store.peakMb} MB | ${result.store.readySeconds} s |`);
  console.log(`| write-only CacheWriter (this commit) | ${result.writer.rssMb} MB | ${result.writer.peakMb} MB | ${result.writer.readySeconds} s |`);
  if (values.json) {
    await mkdir(path.dirname(values.json), { recursive: true });
    await writeFile(values.json, JSON.stringify(report, null, 2));
  }
  await rm(cacheDir, { recursive: true, force: true });
}

void main();
