/**
 * Cache: the project's store against the original script's design (bench/baseline/originalCache.ts), measured in
 * the same run: 8 processes writing N entries in all, then lookup latency on the filled cache.
 *   node --import tsx bench/cache.ts [--quick] [--sizes 1000,4000,10000] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CacheStore } from '../src/core/cache';
import { tempDir } from '../test/support/paths';
import { OriginalJsonCache } from './baseline/originalCache';

const WRITERS = 8;
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, sizes: { type: 'string' }, json: { type: 'string' } } });
const sizes = (values.sizes ?? (values.quick ? '1000' : '1000,4000,10000')).split(',').map(Number);

type Design = 'original' | 'store';

/** Seconds from "go" until all 8 writers are done (their start-up and store opening are not timed). */
async function writeAll(design: Design, dir: string, total: number): Promise<number> {
  const writers = Array.from({ length: WRITERS }, (_, w) =>
    spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cacheWriter.ts'), design, dir, String(w), String(total / WRITERS)], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lines = writers.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  await Promise.all(lines.map(async (it) => assertLine((await it.next()).value, 'ready')));
  const started = performance.now();
  for (const child of writers) child.stdin.write('go\n');
  await Promise.all(lines.map(async (it) => (await it.next()).value));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(writers.filter((child) => child.exitCode === null).map((child) => once(child, 'exit')));
  return seconds;
}

function assertLine(line: string | undefined, expected: string): void {
  if (line !== expected) throw new Error(`a cache writer said ${JSON.stringify(line)} instead of "${expected}"`);
}

async function lookups(design: Design, dir: string, total: number, count: number): Promise<number> {
  const keys = Array.from({ length: count }, (_, i) => `summary:sum-1:llama3.2:3b:novision:${i % WRITERS}-${Math.floor((i * 7919) % (total / WRITERS))}`);
  if (design === 'original') {
    const cache = new OriginalJsonCache(path.join(dir, 'cache.json'));
    const started = performance.now();
    for (const key of keys) if (!(await cache.get(key))) throw new Error(`original: ${key} missing`);
    return ((performance.now() - started) * 1000) / count;
  }
  const store = await CacheStore.open(dir);
  const started = performance.now();
  for (const key of keys) {
    await store.refresh(); // as a long-lived reader would, to see other processes' writes
    if (!store.get(key)) throw new Error(`store: ${key} missing`);
  }
  const micros = ((performance.now() - started) * 1000) / count;
  await store.close();
  return micros;
}

async function main(): Promise<void> {
  const rows = [];
  for (const total of sizes) {
    const row: Record<string, number> = { entries: total };
    for (const design of ['original', 'store'] as const) {
      const dir = await tempDir(`bench-cache-${design}`);
      const seconds = await writeAll(design, dir, total);
      row[`${design}WriteSeconds`] = Number(seconds.toFixed(2));
      row[`${design}WritesPerSecond`] = Math.round(total / seconds);
      row[`${design}LookupMicros`] = Number((await lookups(design, dir, total, design === 'original' ? 200 : 10_000)).toFixed(1));
      await rm(dir, { recursive: true, force: true });
    }
    row.writeRatio = Number((row.storeWritesPerSecond / row.originalWritesPerSecond).toFixed(1));
    row.lookupRatio = Number((row.originalLookupMicros / row.storeLookupMicros).toFixed(0));
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  console.table(rows);
  if (values.json) await (await import('node:fs/promises')).writeFile(values.json, JSON.stringify(rows, null, 2));
}

void main();
