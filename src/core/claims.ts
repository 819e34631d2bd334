import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processExists } from './processAlive';

/*
 * Which process is summarizing a file right now, shared by every process using one cache folder (the CLI, each
 * VS Code window): one small file per claimed piece of work under <cache>/claims, created with O_EXCL so exactly
 * one process wins it. Runs started together on the same folder then share the files instead of each summarizing
 * all of them. The owner touches its claims every few seconds; a claim whose owner died (same machine, pid gone)
 * or that has not been touched for `staleMs` (its owner is frozen, killed on another machine, or its pid reused)
 * is taken over.
 */

/** How often held claims are touched, and how long an untouched claim is trusted. */
const HEARTBEAT_MS = 5000;
const STALE_MS = 30_000;

interface ClaimOwner {
  pid: number;
  host: string;
  at: number;
}

export type ClaimOutcome = 'ours' | 'taken';

export class WorkClaims {
  private readonly held = new Set<string>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly staleMs = STALE_MS,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  static in(cacheDir: string): WorkClaims {
    return new WorkClaims(path.join(cacheDir, 'claims'));
  }

  /**
   * Claims `work` (any string naming it, e.g. a cache key) unless a live process holds it — this one included: a
   * second file with the same content waits for the first and is then answered from the cache.
   */
  async claim(work: string): Promise<ClaimOutcome> {
    const file = this.fileFor(work);
    if (this.held.has(file)) return 'taken';
    await mkdir(this.dir, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.create(file)) {
        this.held.add(file);
        this.beat();
        return 'ours';
      }
      if (!(await this.abandoned(file))) return 'taken';
      await rm(file, { force: true }); // then race for it like everyone else: only one create succeeds
    }
    return 'taken';
  }

  async release(work: string): Promise<void> {
    const file = this.fileFor(work);
    if (!this.held.delete(file)) return;
    this.beat();
    await rm(file, { force: true }).catch(() => undefined);
  }

  /** Gives up every claim this process holds (end of a run, cancel). */
  async releaseAll(): Promise<void> {
    const files = [...this.held];
    this.held.clear();
    this.beat();
    await Promise.all(files.map((file) => rm(file, { force: true }).catch(() => undefined)));
  }

  /** Keeps touching held claims while there are any, so other runs see this one is alive. */
  private beat(): void {
    if (this.held.size > 0 && !this.heartbeat) {
      this.heartbeat = setInterval(() => {
        const now = new Date();
        for (const file of this.held) void utimes(file, now, now).catch(() => undefined);
      }, this.heartbeatMs);
      this.heartbeat.unref();
    } else if (this.held.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private fileFor(work: string): string {
    return path.join(this.dir, `${createHash('sha256').update(work).digest('hex').slice(0, 40)}.claim`);
  }

  private async create(file: string): Promise<boolean> {
    let handle;
    try {
      handle = await open(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      const owner: ClaimOwner = { pid: process.pid, host: os.hostname(), at: Date.now() };
      await handle.writeFile(JSON.stringify(owner));
      return true;
    } catch (error) {
      // A claim without its owner (a full disk) would hold the work from others for seconds: take it back.
      await rm(file, { force: true }).catch(() => undefined);
      throw error;
    } finally {
      await handle.close();
    }
  }

  /** A claim nobody will finish: its owner on this machine is gone, or it has not been touched for `staleMs`. */
  private async abandoned(file: string): Promise<boolean> {
    const info = await stat(file).catch(() => undefined);
    if (!info) return true; // released meanwhile
    if (Date.now() - info.mtimeMs > this.staleMs) return true;
    const owner = await readFile(file, 'utf8').then((text) => JSON.parse(text) as ClaimOwner, () => undefined);
    // Empty or torn: its owner died between creating and writing it (or is writing it this instant; a young claim is kept).
    if (!owner) return Date.now() - info.mtimeMs > 5000;
    return owner.host === os.hostname() && !processExists(owner.pid);
  }
}
