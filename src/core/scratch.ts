/**
 * Private scratch folders (extracted frames, WAVs, links to the user's files) under one per-user parent:
 * `<tmp>/media-summarizer-<user>/<pid>-XXXXXX/…`. A run that is killed cannot remove its own, so the first process
 * that needs one removes those of processes that are gone: a killed run's leftovers — WAVs can be hundreds of MB —
 * last only until the next run.
 */
import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processExists } from './processAlive';

let processFolder: Promise<string> | undefined;

/** A new private folder for one piece of work (0700 on POSIX); the caller removes it when done. */
export async function scratchFolder(purpose: string): Promise<string> {
  return mkdtemp(path.join(await (processFolder ??= openProcessFolder()), `${purpose}-`));
}

function userParent(): string {
  const user = process.getuid?.() ?? os.userInfo().username.replace(/[^\w.-]/g, '_');
  return path.join(os.tmpdir(), `media-summarizer-${user}`);
}

async function openProcessFolder(): Promise<string> {
  const parent = userParent();
  await mkdir(parent, { recursive: true, mode: 0o700 });
  if (!(await ownedPrivately(parent))) {
    // Another user made the parent (or a link in its place) in a shared /tmp: never put our files there.
    return mkdtemp(path.join(os.tmpdir(), `media-summarizer-${process.pid}-`));
  }
  await removeLeftovers(parent);
  return mkdtemp(path.join(parent, `${process.pid}-`));
}

/** A real folder of ours that no one else can enter (POSIX); on Windows the per-user temp folder is private already. */
async function ownedPrivately(folder: string): Promise<boolean> {
  const info = await lstat(folder);
  if (!info.isDirectory()) return false;
  if (process.platform === 'win32' || process.getuid === undefined) return true;
  return info.uid === process.getuid() && (info.mode & 0o077) === 0;
}

/** Folders of processes that no longer run. */
async function removeLeftovers(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processExists(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
