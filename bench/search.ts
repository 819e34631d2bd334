/**
 * Search over N files' records, side by side with the view's earlier filter (a substring scan over every record),
 * and the first search after start through the CLI (scan, stat fast path, cache read, index build, query):
 *   node --import tsx --expose-gc bench/search.ts [--sizes 10000,100000] [--cli 10000] [--json FILE]
 * Records are synthetic screenshots (an identifier, 40-80 words of OCR text from a 2,000-word vocabulary, a
 * summary, a title and tags), seeded into a cache as the rerun benchmark seeds it for the CLI measurement.
 * Vectors are 768-dimensional (nomic-embed-text's size), random and normalised: their scoring cost is what counts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CacheStore } from '../src/core/cache';
import { extractKey, rememberedVisionKey, statKey, summaryKey } from '../src/core/cacheKeys';
import { hashFile } from '../src/core/hash';
import type { FileRecord } from '../src/core/records';
import { SearchIndex } from '../src/core/search/searchIndex';
import { nearest, normalized } from '../src/core/search/vectors';
import { startOllamaStandIn } from '../test/support/ollamaStandIn';
import { CLI_SCRIPT, tempDir } from '../test/support/paths';

const run = promisify(execFile);
const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, cli: { type: 'string', default: '10000' }, json: { type: 'string' } } });
const MODEL = 'llama3.2:3b';

/** A deterministic generator (mulberry32): the same records on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(42);
const syllables = ['ka', 'lo', 'mi', 're', 'tan', 'vo', 'ser', 'din', 'pa', 'qu', 'ul', 'men', 'tor', 'zi', 'bel', 'cor'];
const VOCABULARY = Array.from({ length: 2000 }, () => Array.from({ length: 2 + Math.floor(next() * 3) }, () => syllables[Math.floor(next() * syllables.length)]).join(''));
const words = (count: number) => Array.from({ length: count }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]).join(' ');

function recordOf(i: number): FileRecord {
  return {
    path: `/bench/Desktop/Screenshot ${i}.png`,
    kind: 'image',
    status: 'ok',
    cached: true,
    metadata: {},
    sha256: i.toString(16).padStart(64, '0'),
    title: `${words(3)} OPS-${10000 + i}`,
    summary: words(20),
    tags: words(3).split(' '),
    ocrText: `Ticket OPS-${10000 + i} ${words(40 + Math.floor(next() * 40))}`,
  };
}

/** The view's filter before the index: every word a substring of the record's text (OCR included, to be fair). */
function scanFilter(records: readonly FileRecord[], query: string): FileRecord[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  return records.filter((r) => {
    const haystack = [path.basename(r.path), r.title, r.summary, ...(r.tags ?? []), r.ocrText].join('\n').toLowerCase();
    return terms.every((term) => haystack.includes(term));
  });
}

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function timeQueries(search: (query: string) => unknown): Promise<{ medianMs: number; p95Ms: number }> {
  const queries = Array.from({ length: 60 }, (_, i) => {
    const word = VOCABULARY[(i * 37) % VOCABULARY.length];
    if (i % 4 === 0) return `OPS-${10000 + i * 13}`;
    if (i % 4 === 1) return `${word.slice(0, -1)}x${word.slice(-1)}`; // a typo
    if (i % 4 === 2) return `${word} ${VOCABULARY[(i * 53) % VOCABULARY.length]}`;
    return word.slice(0, 4); // a prefix as typed so far
  });
  const times: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await search(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(percentile(times, 0.5)), p95Ms: round(percentile(times, 0.95)) };
}

const round = (value: number) => Math.round(value * 10) / 10;

async function inMemory(size: number): Promise<Record<string, unknown>> {
  const records = Array.from({ length: size }, (_, i) => recordOf(i));
  const before = heapMb();
  const started = performance.now();
  const index = new SearchIndex();
  for (const record of records) index.set(record);
  const buildMs = round(performance.now() - started);
  const indexMb = round(heapMb() - before);
  const first = performance.now();
  await index.search('OPS-10007', { limit: 20 });
  const firstQueryMs = round(performance.now() - first);
  const indexed = await timeQueries((query) => index.search(query, { limit: 20 }));
  const scanned = await timeQueries((query) => scanFilter(records, query));
  const vectors = Array.from({ length: size }, () => normalized(Array.from({ length: 768 }, () => next() - 0.5)));
  const vectorsMb = round((size * 768 * 4) / 2 ** 20);
  const query = normalized(Array.from({ length: 768 }, () => next() - 0.5));
  const scoring = performance.now();
  nearest(query, vectors.map((v, i) => [i, v] as [number, Float32Array]), 20, 0);
  const vectorMs = round(performance.now() - scoring);
  return { records: size, buildMs, indexMb, firstQueryMs, indexedMedianMs: indexed.medianMs, indexedP95Ms: indexed.p95Ms, scanMedianMs: scanned.medianMs, scanP95Ms: scanned.p95Ms, vectorsMb, vectorScoreMs: vectorMs };
}

/** `media-summarizer search` in a new process over a seeded cache: the first one (builds and saves the word index), then the next (loads it). */
async function throughCli(files: number): Promise<Record<string, unknown>> {
  const folder = await tempDir('bench-search-desk');
  const cacheDir = await tempDir('bench-search-cache');
  const ollama = await startOllamaStandIn();
  try {
    const store = await CacheStore.open(cacheDir);
    const entries: Array<[string, unknown]> = [[rememberedVisionKey(ollama.url, MODEL, 'none'), null]];
    for (let i = 0; i < files; i++) {
      const file = path.join(folder, `Screenshot ${i}.png`);
      await writeFile(file, randomBytes(256));
      const info = await stat(file);
      const sha = await hashFile(file);
      const record = recordOf(i);
      entries.push([statKey(file, info.size, info.mtimeMs, info.ino), sha]);
      entries.push([extractKey('image', sha), { text: record.ocrText, metadata: { format: 'PNG', width: 640, height: 136 } }]);
      entries.push([summaryKey(MODEL, undefined, sha), { summary: record.summary, title: record.title, tags: record.tags }]);
    }
    await store.putMany(entries);
    await store.close();
    const search = async () => {
      const started = performance.now();
      const { stdout } = await run(process.execPath, [CLI_SCRIPT, 'search', 'OPS-10042', folder, '--json', '--cache-dir', cacheDir, '--ollama-host', ollama.url, '--vision-model', 'none', '--embed-model', 'none'], { maxBuffer: 1 << 26 });
      const top = JSON.parse(stdout.split('\n')[0]) as { path: string };
      if (path.basename(top.path) !== 'Screenshot 42.png') throw new Error(`unexpected first result ${top.path}`);
      return round((performance.now() - started) / 1000);
    };
    // The first search builds the word index and saves it beside the cache; the next one of the same files loads it.
    const firstSearchSeconds = await search();
    return { files, firstSearchSeconds, nextSearchSeconds: await search() };
  } finally {
    await ollama.close();
  }
}

async function main(): Promise<void> {
  const rows: Array<Record<string, unknown>> = [];
  for (const size of values.sizes.split(',').map(Number)) {
    const row = await inMemory(size);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const cli = values.cli ? await throughCli(Number(values.cli)) : undefined;
  if (cli) console.log(JSON.stringify(cli));
  if (values.json) await writeFile(values.json, JSON.stringify({ inMemory: rows, cli }, null, 2));
}

void main();
