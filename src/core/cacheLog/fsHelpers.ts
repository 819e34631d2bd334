/** Small file-system helpers the cache's mechanisms share. */
import { closeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { doFix, problem, ProblemError, settingFix } from '../problems';

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let written = 0;
  while (written < buf.length) {
    const { bytesWritten } = await fh.write(buf, written, buf.length - written, null);
    if (bytesWritten <= 0) throw new Error('write() wrote nothing');
    written += bytesWritten;
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing useful to do.
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported everywhere (e.g. Windows); the rename itself is still atomic.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** The error for a failed write to the log, naming the fix. */
export function writeError(file: string, err: unknown): Error {
  const code = errnoCode(err);
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  const message = `Cannot write the cache file ${file} (${code ?? describe(err)})`;
  return new ProblemError(
    full ? problem('disk-full', message, doFix('free some disk space'), settingFix('cacheDir')) : problem('cache-unwritable', message, doFix('fix the permissions of the cache directory'), settingFix('cacheDir')),
    { cause: err },
  );
}
