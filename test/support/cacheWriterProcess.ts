/*
 * Child process used by test/unit/cache.test.ts to hit one CacheStore from several real processes.
 *
 *   node --import tsx test/support/cacheWriterProcess.ts <dir> <id> <count> [mode]
 *
 * modes:
 *   mixed      (default) write <count> entries w<id>:<i>, alternating put() and putMany() batches
 *   put        write <count> entries with put() only
 *   loop       put() forever, printing "ack <i>" after each completed put (to be SIGKILLed)
 *   hold-lock  take the store's lock with proper-lockfile alone (no owner file, as an older version), print "locked"
 *              and hang (to be SIGKILLed)
 *   hold-cache-lock  the same through the cache's own lock (which names its owner)
 *   compact    overwrite k0..k<count-1> with v2, delete the first quarter, compact(), then add after:0..<count-1>
 *   churn      <count> steps of: put w<id>:<i>, overwrite last:<id> with i, every 10th step delete w<id>:<i-5>,
 *              every 7th step a putMany of both (final state: churnExpected(id, count))
 *   phases     put w<id>:<i> forever; before each put check whether the file CACHE_PHASE_FILE exists, print
 *              "phase2 <i>" when it first does, and stop after <count> more puts
 *
 * Env: CACHE_STALE_MS (staleLockMs), CACHE_START_AT (epoch ms to wait for before writing, to line processes up),
 * CACHE_PHASE_FILE (for phases).
 * Prints "ready" once the store is open, "done <ms>" when finished (ms = time spent writing), errors on stderr.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { CacheStore } from '../../src/core/cache';
import { CacheLock, lockTimings } from '../../src/core/cacheLog/lock';

export interface WriterValue {
  w: number;
  i: number;
  text: string;
}

/** The value writer `w` stores under `writerKey(w, i)`. */
export function writerValue(w: number, i: number): WriterValue {
  return { w, i, text: `writer ${w} entry ${i} ${'ü'.repeat(i % 7)}${'x'.repeat((i * 13) % 40)}` };
}

export function writerKey(w: number, i: number): string {
  return `w${w}:${i}`;
}

/** The keys and values writer `id` leaves behind after `count` churn steps (deleted keys are absent). */
export function churnExpected(id: number, count: number): Map<string, unknown> {
  const expected = new Map<string, unknown>();
  for (let i = 0; i < count; i++) {
    expected.set(writerKey(id, i), writerValue(id, i));
    expected.set(`last:${id}`, { i });
    if (i % 10 === 9) expected.delete(writerKey(id, i - 5));
  }
  return expected;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const [dir, idArg, countArg, mode = 'mixed'] = process.argv.slice(2);
  if (!dir || !idArg || !countArg) throw new Error('usage: cacheWriterProcess.ts <dir> <id> <count> [mode]');
  const id = Number(idArg);
  const count = Number(countArg);
  const staleLockMs = process.env.CACHE_STALE_MS ? Number(process.env.CACHE_STALE_MS) : undefined;
  const store = await CacheStore.open(dir, { staleLockMs, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
  say('ready');
  const startAt = Number(process.env.CACHE_START_AT ?? 0);
  if (startAt > Date.now()) await new Promise((r) => setTimeout(r, startAt - Date.now()));
  const started = performance.now();

  switch (mode) {
    case 'mixed': {
      let i = 0;
      while (i < count) {
        if (i % 20 < 10) {
          await store.put(writerKey(id, i), writerValue(id, i));
          i++;
        } else {
          const batch: Array<[string, WriterValue]> = [];
          for (let j = 0; j < 5 && i < count; j++, i++) batch.push([writerKey(id, i), writerValue(id, i)]);
          await store.putMany(batch);
        }
      }
      break;
    }
    case 'put':
      for (let i = 0; i < count; i++) await store.put(writerKey(id, i), writerValue(id, i));
      break;
    case 'loop':
      // Meant to be killed; the time limit only keeps an orphan from running forever if the test died.
      for (let i = 0; performance.now() - started < 60_000; i++) {
        await store.put(writerKey(id, i), writerValue(id, i));
        say(`ack ${i}`);
      }
      break;
    case 'hold-lock':
      await lockfile.lock(store.file, {
        stale: staleLockMs ?? 10_000,
        realpath: false,
        lockfilePath: `${store.file}.lock`,
      });
      say('locked');
      setTimeout(() => process.exit(0), 60_000); // meant to be SIGKILLed before that
      return;
    case 'hold-cache-lock': {
      const lock = new CacheLock({ dir, file: store.file, warn: () => undefined, ...lockTimings(staleLockMs, undefined) });
      void lock.withLock(() => {
        say('locked');
        return new Promise(() => undefined);
      });
      setTimeout(() => process.exit(0), 60_000);
      return;
    }
    case 'compact': {
      await store.putMany(Array.from({ length: count }, (_, i) => [`k${i}`, { v: 2, i }] as const));
      for (let i = 0; i < count / 4; i++) await store.delete(`k${i}`);
      await store.compact();
      await store.putMany(Array.from({ length: count }, (_, i) => [`after:${i}`, { after: i }] as const));
      break;
    }
    case 'churn':
      for (let i = 0; i < count; i++) {
        if (i % 7 === 0) {
          await store.putMany([
            [writerKey(id, i), writerValue(id, i)],
            [`last:${id}`, { i }],
          ]);
        } else {
          await store.put(writerKey(id, i), writerValue(id, i));
          await store.put(`last:${id}`, { i });
        }
        if (i % 10 === 9) await store.delete(writerKey(id, i - 5));
      }
      break;
    case 'phases': {
      const phaseFile = process.env.CACHE_PHASE_FILE;
      if (!phaseFile) throw new Error('phases needs CACHE_PHASE_FILE');
      let stopAt = Infinity;
      for (let i = 0; i < stopAt && performance.now() - started < 60_000; i++) {
        if (stopAt === Infinity && existsSync(phaseFile)) {
          stopAt = i + count;
          say(`phase2 ${i}`);
        }
        await store.put(writerKey(id, i), writerValue(id, i));
        if (i % 25 === 0) say(`ack ${i}`);
      }
      if (stopAt === Infinity) throw new Error('phases: the phase file never appeared');
      break;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  await store.close();
  say(`done ${Math.round(performance.now() - started)}`);
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
