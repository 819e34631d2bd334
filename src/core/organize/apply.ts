/**
 * Carrying out an organize plan, and undoing it. The journal is written before the first file moves, naming every
 * step and every folder the apply will make; whether a step happened is then read from the disk (the file at its
 * new name, or both names on one file after a kill between link and unlink), so a run killed at any point is
 * completed by a resumed apply or rolled back by undo, and a journal write per file is not needed. A copy for the
 * trash is a move too: into a place in the freedesktop trash chosen and journaled first (see trash.ts), so undo
 * brings it back; where the system's own bin takes it (VS Code on macOS and Windows), undo says where it is.
 */
import { lstat, mkdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { doFix, problem, ProblemError } from '../problems';
import { readJournal, removeJournal, writeJournal, type Journal, type JournalStep } from './journal';
import { moveFileNoReplace } from './moveFile';
import type { OrganizePlan } from './plan';
import { hasFreedesktopTrash, trashPlaceFor, writeTrashInfo } from './trash';

export interface ApplyOptions {
  /** Told of each step done (or undone). */
  onStep?: (step: JournalStep) => void;
  /** The system's bin, where there is no freedesktop trash (VS Code's workspace.fs.delete with useTrash). */
  systemTrash?: (file: string) => Promise<void>;
}

/**
 * Where a step's file is now: moved, not yet, both names on one file (killed mid-move), two different files at
 * both names (something else took one since), or neither.
 */
type StepState = 'done' | 'todo' | 'half' | 'clash' | 'missing';

async function stepState(step: JournalStep): Promise<StepState> {
  if (step.to === '') return (await lstat(step.from).then(() => true, () => false)) ? 'todo' : 'done';
  const [from, to] = await Promise.all([lstat(step.from).catch(() => undefined), lstat(step.to).catch(() => undefined)]);
  if (from && to) return from.ino === to.ino && from.dev === to.dev ? 'half' : 'clash';
  if (to) return 'done';
  return from ? 'todo' : 'missing';
}

export interface ApplyOutcome {
  /** Renamed, moved or put in the trash. */
  moved: number;
  /** Steps whose file was gone when its turn came, or whose new name something else took. */
  missing: string[];
}

function interrupted(journal: Journal): ProblemError {
  return new ProblemError(
    problem('organize-interrupted', `An earlier organize of ${journal.folder} was interrupted before it finished`, doFix('finish it with `media-summarizer organize --resume`'), doFix('roll it back with `media-summarizer undo`')),
  );
}

/** Applies `plan` (its renames, moves and copies for the trash), journaled in `cacheDir`. Refuses while an interrupted one is unfinished. */
export async function applyPlan(plan: OrganizePlan, cacheDir: string, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const earlier = await readJournal(cacheDir);
  if (earlier?.state === 'applying') throw interrupted(earlier);
  for (const step of plan.steps) {
    const to = step.to ?? '';
    if ((await stepState({ action: step.action, from: step.from, to, done: false })) !== 'todo') {
      throw new ProblemError(problem('organize-stale', `${step.from}${to ? ` or ${to}` : ''} changed since the plan was made`, doFix('make the plan again')));
    }
  }
  const steps = await journalSteps(plan, options);
  const journal: Journal = { version: 1, folder: plan.folder, state: 'applying', startedAt: new Date().toISOString(), steps, createdDirs: await dirsToCreate(plan.folder, steps) };
  await writeJournal(cacheDir, journal);
  return finish(journal, cacheDir, options);
}

/** The plan's steps as the journal keeps them: each copy for the trash given its place there first. */
async function journalSteps(plan: OrganizePlan, options: ApplyOptions): Promise<JournalStep[]> {
  const reserved = new Set<string>();
  const steps: JournalStep[] = [];
  for (const step of plan.steps) {
    if (step.action !== 'trash') steps.push({ action: step.action, from: step.from, to: step.to!, done: false });
    else if (hasFreedesktopTrash()) {
      const place = await trashPlaceFor(step.from, reserved);
      steps.push({ action: 'trash', from: step.from, to: place.file, trashInfo: place.info, done: false });
    } else if (options.systemTrash) steps.push({ action: 'trash', from: step.from, to: '', done: false });
    else throw new ProblemError(problem('trash-unavailable', 'This system\'s trash can only be reached from VS Code', doFix('use Organize Folder… in VS Code for the copies, or organize without --duplicates')));
  }
  return steps;
}

/** Completes an interrupted apply from its journal. */
export async function resumeApply(cacheDir: string, options: ApplyOptions = {}): Promise<ApplyOutcome | undefined> {
  const journal = await readJournal(cacheDir);
  if (journal?.state !== 'applying') return undefined;
  return finish(journal, cacheDir, options);
}

async function doStep(step: JournalStep, options: ApplyOptions): Promise<void> {
  if (step.to === '') {
    if (!options.systemTrash) throw new ProblemError(problem('trash-unavailable', `${step.from} was to go to the system's trash, which only VS Code can reach`, doFix('finish it from VS Code, or undo it')));
    return options.systemTrash(step.from);
  }
  await mkdir(path.dirname(step.to), { recursive: true });
  // The info first: a file in the trash without one would be invisible to file managers.
  if (step.trashInfo) await writeTrashInfo(step.from, { file: step.to, info: step.trashInfo });
  await moveFileNoReplace(step.from, step.to);
}

async function finish(journal: Journal, cacheDir: string, options: ApplyOptions): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { moved: 0, missing: [] };
  for (const step of journal.steps) {
    const state = await stepState(step);
    if (state === 'todo') await doStep(step, options);
    else if (state === 'half') await unlink(step.from);
    else if (state === 'missing' || state === 'clash') {
      outcome.missing.push(step.from);
      continue;
    }
    step.done = true;
    outcome.moved++;
    options.onStep?.(step);
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
  /** Copies the system's bin took (macOS, Windows): put back from there by the user. */
  inSystemTrash: string[];
}

/** Undoes the last apply (complete or interrupted): every moved file back to its old name, made folders removed. */
export async function undoLastApply(cacheDir: string, onStep?: (step: JournalStep) => void): Promise<UndoOutcome | undefined> {
  const journal = await readJournal(cacheDir);
  if (!journal) return undefined;
  const outcome: UndoOutcome = { folder: journal.folder, restored: 0, problems: [], inSystemTrash: [] };
  for (const step of [...journal.steps].reverse()) {
    const state = await stepState(step);
    if (state === 'todo') {
      // Killed between writing a copy's .trashinfo and moving it: the info alone would show a ghost in the trash.
      if (step.trashInfo) await unlink(step.trashInfo).catch(() => undefined);
      continue;
    }
    if (step.to === '') {
      outcome.inSystemTrash.push(step.from);
      continue;
    }
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
    if (step.trashInfo) await unlink(step.trashInfo).catch(() => undefined);
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
