import { setTimeout as delay } from 'node:timers/promises';
import type * as Lockfile from 'proper-lockfile';
import { WhisperError, abortError } from './errors';

/*
 * A cross-process lock around a whisper-cli build (several pool workers, several VS Code windows and the CLI may all
 * want the binary at the same moment). It is a proper-lockfile lock directory `<buildDir>.lock` whose mtime the
 * holder refreshes every `update` ms; a holder killed mid-build stops refreshing, so after `stale` ms a waiter
 * takes the lock over instead of waiting forever.
 *
 * The lock only prevents duplicate work: correctness never depends on it, because a build is assembled in a
 * private folder and renamed into place in one step (see build.ts). That is why a compromised lock (e.g. the
 * event loop was blocked longer than `stale`) is only noted, not fatal.
 *
 * The wait loop is ours rather than proper-lockfile's `retries`, so that a waiter can be cancelled, can report
 * that it is waiting, and returns as soon as the other process's finished build appears.
 */

export interface BuildLockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. Default 60 s (min 2 s). */
  staleMs?: number;
  /** Give up waiting after this long. Default 30 minutes (a build takes 2–4 minutes on 2 cores). */
  waitMs?: number;
  signal?: AbortSignal;
  /** Called once when another process holds the lock. */
  onWaiting?: () => void;
  /** Polled while waiting: a finished build by the lock holder ends the wait without taking the lock. */
  isDone: () => Promise<string | undefined>;
}

export type BuildLockResult = { kind: 'locked'; release: () => Promise<void> } | { kind: 'done'; path: string };

const DEFAULT_STALE_MS = 60_000;
const DEFAULT_WAIT_MS = 30 * 60_000;

export async function acquireBuildLock(buildDir: string, options: BuildLockOptions): Promise<BuildLockResult> {
  const stale = Math.max(2_000, options.staleMs ?? DEFAULT_STALE_MS);
  // Refresh often relative to `stale` so a busy machine (a build pegs every core) does not make a live lock look dead.
  const update = Math.max(1_000, Math.min(10_000, Math.floor(stale / 4)));
  const lockfilePath = `${buildDir}.lock`;
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  let reportedWaiting = false;

  for (;;) {
    if (options.signal?.aborted) throw abortError('Building whisper-cli');
    try {
      // Loaded here, not with the module: the VS Code extension imports this file (its first-run checks) at activation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const release = await (require('proper-lockfile') as typeof Lockfile).lock(buildDir, {
        stale,
        update,
        retries: 0,
        realpath: false,
        lockfilePath,
        // The default handler throws from a timer callback, which would kill the whole process.
        onCompromised: () => undefined,
      });
      return {
        kind: 'locked',
        release: async () => {
          await release().catch(() => undefined); // already released or taken over: nothing left to undo
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new WhisperError(
          'build-failed',
          `Could not lock ${lockfilePath} to build whisper-cli (${(error as Error).message}) — check that the folder ${buildDir}'s parent is writable.`,
        );
      }
    }

    const done = await options.isDone();
    if (done !== undefined) return { kind: 'done', path: done };
    if (!reportedWaiting) {
      reportedWaiting = true;
      options.onWaiting?.();
    }
    if (Date.now() > deadline) {
      throw new WhisperError(
        'build-failed',
        `Timed out waiting for another process to finish building whisper-cli in ${buildDir} — if no other build is ` +
          `running, delete ${lockfilePath} and try again.`,
      );
    }
    try {
      await delay(500 + Math.floor(Math.random() * 1_500), undefined, { signal: options.signal });
    } catch {
      throw abortError('Building whisper-cli');
    }
  }
}
