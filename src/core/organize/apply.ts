/**
 * Carrying out an organize plan, and undoing it. The journal is written before the first file moves, naming every
 * step and every folder the apply will make; whether a step happened is then read from the disk (the file at its
 * new name, or both names on one file after a kill between link and unlink), so a run killed at any point is
 * completed by a resumed apply or rolled back by undo, and a journal write per file is not needed.
 */
import { lstat, mkdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { doFix, problem, ProblemError } from '../problems';
import { readJournal, removeJournal, writeJournal, type Journal, type JournalStep } from './journal';
import { moveFileNoReplace } from './moveFile';
import type { OrganizePlan } from './plan';

/**
 * Where a step's file is now: moved, not yet, both names on one file (killed mid-move), two different files at
 * both names (something else took one since), or neither.
 */
type StepState = 'done' | 'todo' | 'half' | 'clash' | 'missing';

async function stepState(step: JournalStep): Promise<StepState> {
  const [from, to] = await Promise.all([lstat(step.from).catch(() => undefined), lstat(step.to).catch(() => undefined)]);
  if (from && to) return from.ino === to.ino && from.dev === to.dev ? 'half' : 'clash';
  if (to) return 'done';
  return from ? 'todo' : 'missing';
}

export interface ApplyOutcome {
  moved: number;
  /** Steps whose file was gone when its turn came, or whose new name something else took. */
  missing: string[];
}

function interrupted(journal: Journal): ProblemError {
  return new ProblemError(
    problem('organize-interrupted', `An earlier organize of ${journal.folder} was interrupted before it finished`, doFix('finish it with `media-summarizer organize --resume`'), doFix('roll it back with `media-summarizer undo`')),
  );
}

/** Applies `plan` (its renames and moves), journaled in `cacheDir`. Refuses while an interrupted one is unfinished. */
export async function applyPlan(plan: OrganizePlan, cacheDir: string, onStep?: (step: JournalStep) => void): Promise<ApplyOutcome> {
  const earlier = await readJournal(cacheDir);
  if (earlier?.state === 'applying') throw interrupted(earlier);
  const steps: JournalStep[] = plan.steps.flatMap((step) => (step.action === 'trash' || !step.to ? [] : [{ action: step.action, from: step.from, to: step.to, done: false }]));
  for (const step of steps) {
    if ((await stepState(step)) !== 'todo') {
      throw new ProblemError(problem('organize-stale', `${step.from} or ${step.to} changed since the plan was made`, doFix('make the plan again')));
    }
  }
  const journal: Journal = { version: 1, folder: plan.folder, state: 'applying', startedAt: new Date().toISOString(), steps, createdDirs: await dirsToCreate(plan.folder, steps) };
  await writeJournal(cacheDir, journal);
  return finish(journal, cacheDir, onStep);
}

/** Completes an interrupted apply from its journal. */
export async function resumeApply(cacheDir: string, onStep?: (step: JournalStep) => void): Promise<ApplyOutcome | undefined> {
  const journal = await readJournal(cacheDir);
  if (journal?.state !== 'applying') return undefined;
  return finish(journal, cacheDir, onStep);
}

async function finish(journal: Journal, cacheDir: string, onStep?: (step: JournalStep) => void): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { moved: 0, missing: [] };
  for (const step of journal.steps) {
    const state = await stepState(step);
    if (state === 'todo') {
      await mkdir(path.dirname(step.to), { recursive: true });
      await moveFileNoReplace(step.from, step.to);
    } else if (state === 'half') await unlink(step.from);
    else if (state === 'missing' || state === 'clash') {
      outcome.missing.push(step.from);
      continue;
    }
    step.done = true;
    outcome.moved++;
    onStep?.(step);
  }
  journal.state = 'applied';
  await writeJournal(cacheDir, journal);
  return outcome;
}

export interface UndoOutcome {
  folder: string;
  restored: number;
  /** Files that could not be put back, with why (gone, or their old name taken since). */
  problems: Array<{ path: string; reason: string }>;
}

/** Undoes the last apply (complete or interrupted): every moved file back to its old name, made folders removed. */
export async function undoLastApply(cacheDir: string, onStep?: (step: JournalStep) => void): Promise<UndoOutcome | undefined> {
  const journal = await readJournal(cacheDir);
  if (!journal) return undefined;
  const outcome: UndoOutcome = { folder: journal.folder, restored: 0, problems: [] };
  for (const step of [...journal.steps].reverse()) {
    const state = await stepState(step);
    if (state === 'todo') continue;
    if (state === 'missing') {
      outcome.problems.push({ path: step.to, reason: 'gone since the apply' });
      continue;
    }
    if (state === 'clash') {
      outcome.problems.push({ path: step.to, reason: `${path.basename(step.from)} exists again where it was` });
      continue;
    }
    if (state === 'half') await unlink(step.to);
    else {
      try {
        await mkdir(path.dirname(step.from), { recursive: true });
        await moveFileNoReplace(step.to, step.from);
      } catch (error) {
        outcome.problems.push({ path: step.to, reason: (error as NodeJS.ErrnoException).code === 'EEXIST' ? `${path.basename(step.from)} exists again where it was` : (error as Error).message });
        continue;
      }
    }
    outcome.restored++;
    onStep?.(step);
  }
  // Deepest first; a folder the user has put files into stays.
  for (const dir of [...journal.createdDirs].sort((a, b) => b.length - a.length)) await rmdir(dir).catch(() => undefined);
  if (outcome.problems.length === 0) await removeJournal(cacheDir);
  return outcome;
}

/** The folders the steps' targets need that do not exist yet, parents before children. */
async function dirsToCreate(folder: string, steps: readonly JournalStep[]): Promise<string[]> {
  const needed = new Set<string>();
  for (const step of steps) {
    for (let dir = path.dirname(step.to); dir.startsWith(folder + path.sep); dir = path.dirname(dir)) needed.add(dir);
  }
  const missing: string[] = [];
  for (const dir of [...needed].sort()) if (!(await lstat(dir).then(() => true, () => false))) missing.push(dir);
  return missing;
}
