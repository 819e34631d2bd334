/**
 * The CLI over N screenshots: a first run (OCR + summary for every file) and a re-run over the unchanged folder
 * (stat fast path, answered from the cache without workers). Ollama is the test stand-in.
 *   node --import tsx bench/rerun.ts [--files 1000] [--workers 8] [--seed] [--json FILE]
 * --seed skips the first run for large N: files of random bytes are written and the cache is filled through the
 * store with exactly the entries a first run writes (stat → hash, extract, summary), so the re-run takes the
 * same path as after a real first run.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CacheStore } from '../src/core/cache';
import { extractKey, rememberedVisionKey, statKey, summaryKey } from '../src/core/cacheKeys';
import { hashFile } from '../src/core/hash';
import { startOllamaStandIn } from '../test/support/ollamaStandIn';
import { CLI_SCRIPT, tempDir } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';

const run = promisify(execFile);
const { values } = parseArgs({ options: { files: { type: 'string', default: '1000' }, workers: { type: 'string', default: '8' }, seed: { type: 'boolean', default: false }, json: { type: 'string' } } });
const files = Number(values.files);
const MODEL = 'llama3.2:3b';

async function seed(folder: string, cacheDir: string, host: string): Promise<void> {
  const store = await CacheStore.open(cacheDir);
  const entries: Array<[string, unknown]> = [[rememberedVisionKey(host, MODEL, 'none'), null]];
  for (let i = 0; i < files; i++) {
    const file = path.join(folder, `Screenshot ${i}.png`);
    await writeFile(file, randomBytes(2048));
    const info = await stat(file);
    const sha = await hashFile(file);
    entries.push([statKey(file, info.size, info.mtimeMs, info.ino), sha]);
    entries.push([extractKey('image', sha), { text: `Ticket OPS-${10000 + i} status green`, metadata: { format: 'PNG', width: 640, height: 136 } }]);
    entries.push([summaryKey(MODEL, undefined, sha), { summary: `Ticket OPS-${10000 + i} is green.`, title: `OPS-${10000 + i}`, tags: ['ticket'] }]);
  }
  await store.putMany(entries);
  await store.close();
}

async function main(): Promise<void> {
  const folder = await tempDir('bench-rerun');
  const cacheDir = await tempDir('bench-rerun-cache');
  const ollama = await startOllamaStandIn({ parallelism: 4 });
  const cli = async () => {
    const started = performance.now();
    const { stdout } = await run(process.execPath, [CLI_SCRIPT, folder, '--json', '--no-log', '--cache-dir', cacheDir, '--ollama-host', ollama.url, '--vision-model', 'none', '--model', MODEL, '--workers', values.workers], { maxBuffer: 1 << 30 });
    const totals = JSON.parse(stdout.trim().split('\n').at(-1)!);
    return { ...totals, wallSeconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
  };
  let first: Record<string, unknown> | undefined;
  if (values.seed) {
    await seed(folder, cacheDir, ollama.url);
  } else {
    const words = ['invoice', 'deploy', 'ticket', 'bucket', 'meeting', 'receipt', 'build', 'release'];
    for (let i = 0; i < files; i++) {
      const lines = [`${words[i % words.length]} OPS-${10000 + i} status green`, `owner team-${i % 17} region eu-west-${i % 3}`];
      await writeFile(path.join(folder, `Screenshot ${i}.png`), await renderTextImage(lines, 'image/png', 640));
    }
    first = await cli();
  }
  const rerun = await cli();
  await ollama.close();
  const result = {
    machine: `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model}`,
    files,
    firstRun: first ?? 'seeded',
    secondsPerImage: first ? Number(((first.wallSeconds as number) / files).toFixed(3)) : undefined,
    rerun,
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2));
  await rm(folder, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
}

void main();
