/**
 * The organize journal: the steps of the last apply, written to the cache directory before the first file moves
 * and after each one, so that a run killed in the middle leaves a record that a resumed apply completes or undo
 * rolls back. One journal per cache directory: undo undoes the last apply. Written aside, synced and renamed over,
 * so a reader finds the old journal or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { StepAction } from './plan';

export interface JournalStep {
  action: StepAction;
  from: string;
  /** The new name; for a copy put in the freedesktop trash, its place there; '' when the system's bin took it. */
  to: string;
  /** The .trashinfo beside a file in the freedesktop trash, removed when undo takes the file back. */
  trashInfo?: string;
  /** Set once the file is at `to` (a step whose file moved but was not marked yet is found on disk). */
  done: boolean;
}

export interface Journal {
  version: 1;
  folder: string;
  /** applying: killed before the end; applied: complete, can be undone. */
  state: 'applying' | 'applied';
  startedAt: string;
  steps: JournalStep[];
  /** Folders the apply made, removed by undo when they are empty again. */
  createdDirs: string[];
}

export function journalFile(cacheDir: string): string {
  return path.join(cacheDir, 'organize', 'last-apply.json');
}

export async function readJournal(cacheDir: string): Promise<Journal | undefined> {
  const text = await readFile(journalFile(cacheDir), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  // Read as unknown first: a journal written by another version may have any shape.
  const journal = JSON.parse(text) as Partial<Journal> | null;
  if (journal?.version !== 1 || !Array.isArray(journal.steps)) throw new Error(`${journalFile(cacheDir)} is not an organize journal this version can read`);
  return journal as Journal;
}

export async function writeJournal(cacheDir: string, journal: Journal): Promise<void> {
  const file = journalFile(cacheDir);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(journal, null, 1)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

export async function removeJournal(cacheDir: string): Promise<void> {
  await rm(journalFile(cacheDir), { force: true });
}
