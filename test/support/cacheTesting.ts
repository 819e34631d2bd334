/**
 * What the cache's tests share: a fresh store folder, options that collect warnings and corrupt lines, and
 * writer processes (cacheWriterProcess.ts) to start, watch and wait for.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { CacheStoreOptions, CorruptLineInfo } from '../../src/core/cache';
import { PROJECT_ROOT } from './paths';

const writerScript = path.join(PROJECT_ROOT, 'test', 'support', 'cacheWriterProcess.ts');
const tempDirs: string[] = [];

after(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cache-test-'));
  tempDirs.push(dir);
  return path.join(dir, 'store');
}

/** Options that keep tests quiet but make unexpected warnings visible in assertions. */
export function quiet(extra: CacheStoreOptions = {}): CacheStoreOptions & { warnings: string[]; corrupt: CorruptLineInfo[] } {
  const warnings: string[] = [];
  const corrupt: CorruptLineInfo[] = [];
  return { onWarning: (m) => warnings.push(m), onCorrupt: (c) => corrupt.push(c), ...extra, warnings, corrupt };
}

export interface Writer {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWriter(dir: string, id: number, count: number, mode = 'mixed', env: Record<string, string> = {}): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(id), String(count), mode], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  let buffered = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stderr: ${err}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`writer exited (${code ?? signal}) before ${re}; stderr: ${err}`));
        });
      });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `p` settles within `ms`. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), sleep(ms).then(() => false)]);
}

/** How many lines of `file` are records for `key`. */
export function recordLines(file: string, key: string): number {
  const needle = `{"k":${JSON.stringify(key)},`;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(needle)).length;
}

export async function expectSuccess(w: Writer): Promise<void> {
  const { code, signal } = await w.exited;
  assert.equal(code, 0, `writer failed (${code ?? signal}): ${w.stderr()}`);
}
