/**
 * One writer process of bench/cache.ts: opens the store of the given design, prints "ready", waits for "go" on
 * stdin (so process start-up is never timed and all writers start together), writes `count` entries one after
 * another (each awaited, as a worker saves a stage), then prints the milliseconds it spent.
 *   node --import tsx bench/cacheWriter.ts <original|store> <dir> <writer> <count>
 */
import path from 'node:path';
import { CacheStore } from '../src/core/cache';
import { OriginalJsonCache } from './baseline/originalCache';

async function main(): Promise<void> {
  const [design, dir, writer, count] = process.argv.slice(2);
  const put =
    design === 'original'
      ? await (async () => {
          const cache = new OriginalJsonCache(path.join(dir, 'cache.json'));
          await cache.init();
          return (key: string, value: unknown) => cache.put(key, value);
        })()
      : await (async () => {
          const store = await CacheStore.open(dir);
          return (key: string, value: unknown) => store.put(key, value);
        })();
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const started = performance.now();
  for (let i = 0; i < Number(count); i++) {
    await put(`summary:sum-1:llama3.2:3b:novision:${writer}-${i}`, { summary: `Entry ${i} of writer ${writer}: a two-sentence summary of a screenshot.`, title: `Screenshot ${i}`, tags: ['bench', 'cache'] });
  }
  process.stdout.write(`${Math.round(performance.now() - started)}\n`);
  process.exit(0);
}

void main();
