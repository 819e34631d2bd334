/**
 * The cross-process lock of a cache log (`<file>.lock`, proper-lockfile). It guards the structure of the log, not
 * the appends: only operations that replace the file (compaction, clear), the creation of a missing log and the
 * appender's fallbacks take it. A lock whose holder was killed is taken over once it is `staleMs` old — at once
 * when the holder is provably dead: `<file>.lock.owner` names the pid and host of the lock directory it belongs to
 * (by inode), and that pid is gone from this machine.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import type * as Lockfile from 'proper-lockfile';
import { doFix, problem, ProblemError, settingFix, wordProblem, type Problem } from '../problems';
import { processExists } from '../processAlive';
import { describe, errnoCode } from './fsHelpers';

/** Loaded with the first lock, not with the module: the VS Code extension imports the cache at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockfile = (): typeof Lockfile => require('proper-lockfile') as typeof Lockfile;

export interface LockContext {
  /** Another process took the lock over while it was held: a replacement in progress must not be put in place. */
  compromised: boolean;
  released: boolean;
}

export interface LockOptions {
  dir: string;
  file: string;
  staleMs: number;
  lockTimeoutMs: number;
  warn: (problem: Problem) => void;
}

/** Short, fast retries: the lock is only held to create, compact or clear the log; acquire() covers the stale period. */
const LOCK_RETRIES = { retries: 200, minTimeout: 2, maxTimeout: 40, factor: 1.5, randomize: true };

/** In-process serialisation of lock holders per lock path, so two stores in one process do not spin on mkdir. */
const processLocks = new Map<string, Promise<unknown>>();

function serializeInProcess<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = processLocks.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  processLocks.set(key, settled);
  void settled.then(() => {
    if (processLocks.get(key) === settled) processLocks.delete(key);
  });
  return run;
}

/** Who holds a lock, as its owner file says: pid and host, and the inode of the lock directory it was written for. */
interface LockOwner {
  pid: number;
  host: string;
  lock: string;
}

/** Waits for a live holder shorter than this are not worth a line. */
const SAY_WAITING_AFTER_MS = 1_000;

export class CacheLock {
  readonly path: string;
  private readonly ownerPath: string;
  private saidWaiting = false;

  constructor(private readonly options: LockOptions) {
    this.path = `${options.file}.lock`;
    this.ownerPath = `${this.path}.owner`;
  }

  /**
   * True when the lock's holder is provably gone (this machine, its pid not running): its lock can be taken over
   * without waiting for it to go stale.
   */
  holderIsDead(): boolean {
    const holder = this.holder();
    return holder !== undefined && holder.host === os.hostname() && !processExists(holder.pid);
  }

  /** Says once, after a second of waiting, which process the lock is waited for (a silent 10 s wait looks like a hang). */
  sayWaiting(started: number): void {
    if (this.saidWaiting || Date.now() - started < SAY_WAITING_AFTER_MS) return;
    this.saidWaiting = true;
    const holder = this.holder();
    const who = holder ? `process ${holder.pid} on ${holder.host === os.hostname() ? 'this machine' : holder.host}` : 'another media-summarizer process';
    this.options.warn(problem('cache-lock-wait', `Waiting for the cache lock ${this.path}, held by ${who}; a lock left by a killed process is taken over within ${this.staleMs / 1000} s`));
  }

  get staleMs(): number {
    return this.options.staleMs;
  }

  get timeoutMs(): number {
    return this.options.lockTimeoutMs;
  }

  /** Runs `fn` holding the cross-process lock. */
  withLock<T>(fn: (lock: LockContext) => Promise<T>): Promise<T> {
    return serializeInProcess(this.path, async () => {
      const ctx: LockContext = { compromised: false, released: false };
      const release = await this.acquire(ctx);
      this.recordOwner();
      try {
        return await fn(ctx);
      } finally {
        ctx.released = true;
        this.dropOwner();
        try {
          await release();
        } catch (err) {
          if (!ctx.compromised && errnoCode(err) !== 'ERELEASED') {
            this.options.warn(problem('cache-lock-release', `Could not release the cache lock ${this.path}: ${describe(err)}`));
          }
        }
      }
    });
  }

  timeoutError(started: number, cause?: unknown): Error {
    return new ProblemError(
      problem(
        'cache-lock-timeout',
        `Timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for the cache lock ` +
          `${this.path}: another media-summarizer process (CLI, worker or VS Code window) keeps holding it. ` +
          `A lock left by a killed process is taken over automatically once it is ${this.staleMs / 1000} s old`,
        doFix(`if it persists, stop the other processes or delete ${this.path}`),
      ),
      cause === undefined ? undefined : { cause },
    );
  }

  private async acquire(ctx: LockContext): Promise<() => Promise<void>> {
    const { dir, file, staleMs, lockTimeoutMs, warn } = this.options;
    const started = Date.now();
    const deadline = started + lockTimeoutMs;
    const options: Lockfile.LockOptions = {
      stale: staleMs,
      update: Math.max(1_000, Math.floor(staleMs / 3)),
      realpath: false,
      lockfilePath: this.path,
      onCompromised: (err) => {
        if (ctx.released) return; // late update-timer callback after a normal release
        ctx.compromised = true;
        warn(
          problem(
            'cache-lock-lost',
            `Lost the cache lock ${this.path} (${err.message}): this process was blocked for longer than ` +
              `${staleMs} ms and another process took the lock over; a compaction in progress is abandoned`,
          ),
        );
      },
    };
    let recreatedDir = false;
    for (let attempt = 0; ; attempt++) {
      try {
        // The first try has no retries, so errors other than "locked" (which proper-lockfile would retry too) are
        // seen at once. Then short, fast retries; maxRetryTime keeps one lock() call within the deadline and this
        // loop covers longer waits (a lock left by a killed process is taken over once it is stale).
        // Rounds of a second at most, so a holder that dies meanwhile is noticed.
        const retries = attempt === 0 ? 0 : { ...LOCK_RETRIES, maxRetryTime: Math.max(1, Math.min(SAY_WAITING_AFTER_MS, deadline - Date.now())) };
        return await lockfile().lock(file, { ...options, retries });
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ELOCKED' && Date.now() < deadline) {
          if (!this.removeIfHolderDead()) this.sayWaiting(started);
          continue;
        }
        if (code === 'ENOENT' && !recreatedDir) {
          // The cache directory was deleted while we were running (e.g. "rm -rf" of the cache): start a new one.
          recreatedDir = true;
          await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
          continue;
        }
        if (code === 'ELOCKED') throw this.timeoutError(started, err);
        throw new ProblemError(problem('cache-unwritable', `Cannot lock the cache in ${dir} (${code ?? describe(err)})`, doFix('fix its permissions'), settingFix('cacheDir')), { cause: err });
      }
    }
  }

  /** The owner file of the current lock directory, if there is one and it is that directory's (same inode). */
  private holder(): LockOwner | undefined {
    try {
      const lock = statSync(this.path, { bigint: true, throwIfNoEntry: false });
      if (!lock) return undefined;
      const owner = JSON.parse(readFileSync(this.ownerPath, 'utf8')) as Partial<LockOwner>;
      if (owner.lock !== String(lock.ino) || typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
      return { pid: owner.pid, host: owner.host, lock: owner.lock };
    } catch {
      return undefined; // no owner file (an older version, killed before writing it): only staleness tells
    }
  }

  /** Just after taking the lock: who holds it. Best effort; without it, only staleness tells. */
  private recordOwner(): void {
    try {
      const lock = statSync(this.path, { bigint: true });
      const owner: LockOwner = { pid: process.pid, host: os.hostname(), lock: String(lock.ino) };
      writeFileSync(this.ownerPath, JSON.stringify(owner), { mode: 0o600 });
    } catch {
      // a full disk: the lock still works, a takeover after a kill waits for staleness
    }
  }

  private dropOwner(): void {
    try {
      unlinkSync(this.ownerPath);
    } catch {
      // already gone, or replaced by a process that took the lock over
    }
  }

  /**
   * Removes the lock of a holder that is provably dead. Moved aside first, and removed only if what was moved is
   * still the dead holder's directory (same inode): another process may have taken it over meanwhile.
   */
  private removeIfHolderDead(): boolean {
    const holder = this.holder();
    if (!holder || holder.host !== os.hostname() || processExists(holder.pid)) return false;
    const aside = `${this.path}.dead-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(this.path, aside);
    } catch {
      return false; // someone else removed it first
    }
    // The directory the dead holder's owner file names: one taken over meanwhile has another inode.
    if (String(statSync(aside, { bigint: true }).ino) !== holder.lock) {
      try {
        renameSync(aside, this.path); // not the dead one's: put it back
      } catch {
        rmSync(aside, { recursive: true, force: true }); // its holder notices (onCompromised)
      }
      return false;
    }
    rmSync(aside, { recursive: true, force: true });
    return true;
  }
}

const DEFAULT_STALE_MS = 10_000;
const MIN_STALE_MS = 2_000; // proper-lockfile's minimum

/** The lock settings from a store's options: stale after 10 s by default (2 s at least), timeout 2 × stale + 5 s. */
export function lockTimings(staleLockMs: number | undefined, lockTimeoutMs: number | undefined): { staleMs: number; lockTimeoutMs: number } {
  const staleMs = Math.max(MIN_STALE_MS, Math.round(staleLockMs ?? DEFAULT_STALE_MS));
  return { staleMs, lockTimeoutMs: lockTimeoutMs ?? staleMs * 2 + 5_000 };
}

/** A warning handler that can neither be missing nor break the cache by throwing. */
export function safeWarning(onWarning: ((message: string, problem: Problem) => void) | undefined): (problem: Problem) => void {
  return (problem) => {
    const message = wordProblem(problem, () => undefined);
    try {
      if (onWarning) onWarning(message, problem);
      else console.warn(`[media-summarizer cache] ${message}`);
    } catch {
      // A throwing warning handler must not break the cache.
    }
  };
}
