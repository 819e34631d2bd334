/**
 * New log files appear atomically, under the lock: a temp file beside the log, fsynced, renamed over it. Used to
 * create a missing log (so a lock-free writer, which never creates the file, cannot put a line before the
 * header), to compact (only the live entries) and to clear (an empty log). Readers notice the new file and reload.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { errnoCode, fsyncDir, sleep, writeAll, writeError } from './fsHelpers';
import { CACHE_FILE_NAME, encodeHeader, encodePut } from './format';
import type { LockContext } from './lock';
import type { Entry } from './reader';

const WRITE_CHUNK = 1 << 20;
const TEMP_FILE_MAX_AGE_MS = 60_000;

/** The new file: its identity and what a reader of it knows after writing it. */
export interface ReplacedLog {
  dev: bigint;
  ino: bigint;
  size: number;
  header: Buffer;
}

function tempPath(dir: string): string {
  return path.join(dir, `${CACHE_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Under the lock: creates a missing log holding just a header. Only lock holders create or replace the log, so
 * the existence check cannot go stale before the rename.
 */
export async function createLogLocked(dir: string, file: string): Promise<void> {
  const tmp = tempPath(dir);
  try {
    if (statSync(file, { throwIfNoEntry: false })) return;
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await writeAll(fh, Buffer.from(encodeHeader(), 'utf8'));
    } finally {
      await fh.close();
    }
    await renameWithRetry(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw errnoCode(err) ? writeError(file, err) : err;
  }
}

/**
 * Under the lock: atomically replaces the log with a new file holding `entries` (temp file, fsync, rename).
 * Lock-free appends to the old file meanwhile are appended again to the new one by their writers (appender.ts).
 * `afterRename` runs once the new file is in place (the caller drops its descriptor of the old one).
 */
export async function replaceLog(dir: string, file: string, lock: LockContext, entries: ReadonlyMap<string, Entry>, afterRename: () => void): Promise<ReplacedLog> {
  await removeOldTempFiles(dir);
  const tmp = tempPath(dir);
  const header = encodeHeader();
  let fh: FileHandle | undefined;
  let dev: bigint;
  let ino: bigint;
  let size = 0;
  try {
    fh = await open(tmp, 'wx', 0o600);
    let chunk = header;
    for (const [key, entry] of entries) {
      chunk += encodePut(key, JSON.stringify(entry.v), entry.t);
      if (chunk.length >= WRITE_CHUNK) {
        const buf = Buffer.from(chunk, 'utf8');
        await writeAll(fh, buf);
        size += buf.length;
        chunk = '';
      }
    }
    const buf = Buffer.from(chunk, 'utf8');
    await writeAll(fh, buf);
    size += buf.length;
    await fh.sync();
    const st = await fh.stat({ bigint: true });
    dev = st.dev;
    ino = st.ino;
    await fh.close();
    fh = undefined;
    if (lock.compromised) throw new Error('the cache lock was lost before the new file could be put in place');
    await renameWithRetry(tmp, file);
    afterRename();
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw errnoCode(err) ? writeError(file, err) : err;
  }
  await fsyncDir(dir);
  return { dev, ino, size, header: Buffer.from(header, 'utf8') };
}

async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      // Windows refuses to replace a file another process has open without FILE_SHARE_DELETE: retry briefly.
      const code = errnoCode(err);
      if (attempt >= 10 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
      await sleep(10 * (attempt + 1));
    }
  }
}

/** Under the lock: temp files can only be leftovers of a replacement that died; remove the old ones. */
async function removeOldTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(`${CACHE_FILE_NAME}.`) || !name.endsWith('.tmp')) continue;
    const full = path.join(dir, name);
    try {
      const st = await stat(full);
      if (now - st.mtimeMs > TEMP_FILE_MAX_AGE_MS) await unlink(full);
    } catch {
      // Someone else removed it; fine.
    }
  }
}
