/**
 * `media-summarizer organize` and `media-summarizer undo`: a plan from what the cache knows of a folder's files
 * (new names by title and date, folders by topic, month or kind), shown as a table or NDJSON — a dry run unless
 * --apply —, carried out with a journal, and undone. Nothing is summarized here: files the cache does not know
 * are left alone and counted.
 */
import path from 'node:path';
import { inertTerminalText } from '../core/inert';
import { withCachedStages, type LookupOptions } from '../core/lookup';
import { lowerCaseNamesIn } from '../core/organize/folderNames';
import { applyPlan, resumeApply, undoLastApply, type ApplyOutcome } from '../core/organize/apply';
import { makeOrganizePlan, type OrganizeOptions, type OrganizePlan } from '../core/organize/plan';
import { cachedVectorLookup, topicFolders } from '../core/organize/topicFolders';
import type { LlmApi } from '../core/llmErrors';
import type { EmbeddingSetting } from '../core/search/embeddings';
import { problemOf } from '../core/problems';
import { scanFolder } from '../core/scan';
import { cliWording } from './wording';

export interface OrganizeRequest extends OrganizeOptions {
  apply: boolean;
  resume: boolean;
}

const rel = (folder: string, file: string) => inertTerminalText(path.relative(folder, file) || file);

function fail(error: unknown): number {
  process.stderr.write(`media-summarizer: ${inertTerminalText(cliWording(problemOf(error)))}\n`);
  return 1;
}

export interface OrganizeCliOptions extends LookupOptions {
  folder: string;
  recursive: boolean;
  json: boolean;
  llmApi: LlmApi;
  contextTokens: number;
  requestTimeoutMs: number;
  embedModel: EmbeddingSetting;
}

export async function runOrganize(request: OrganizeRequest, options: OrganizeCliOptions): Promise<number> {
  try {
    if (request.resume) {
      const outcome = await resumeApply(options.cacheDir);
      if (!outcome) process.stdout.write('Nothing to resume: no organize was interrupted.\n');
      else process.stdout.write(`Finished the interrupted organize: ${outcome.moved} files at their new names.${missingText(outcome.missing)}\n`);
      return 0;
    }
    const scan = await scanFolder(options.folder, { recursive: options.recursive });
    const plan = await withCachedStages(scan.files, { ...options, hashUnknown: true }, async (found, cache) => {
      const files = found.map(({ file, record }) => ({ path: file.path, kind: file.kind, mtimeMs: file.mtimeMs, record }));
      if (request.by !== 'topic') return makeOrganizePlan(options.folder, files, request, lowerCaseNamesIn);
      const namer = { api: options.llmApi, host: options.ollamaHost, model: options.model, contextTokens: options.contextTokens, timeoutMs: options.requestTimeoutMs, cache };
      const topics = await topicFolders(files, namer, await cachedVectorLookup(cache, options.ollamaHost, options.embedModel));
      if (topics.problem) process.stderr.write(`warning: topic folders are named by their tags: ${inertTerminalText(cliWording(topics.problem))}\n`);
      return makeOrganizePlan(options.folder, files, { ...request, topicFolders: topics.folders }, lowerCaseNamesIn);
    });
    printPlan(plan, options.json, request.apply);
    if (!request.apply || plan.steps.length === 0) return 0;
    const outcome = await applyPlan(plan, options.cacheDir);
    if (options.json) process.stdout.write(`${JSON.stringify({ type: 'applied', moved: outcome.moved, missing: outcome.missing.map((file) => path.relative(options.folder, file)) })}\n`);
    else process.stdout.write(`Done: ${doneText(plan, outcome)}.${missingText(outcome.missing)} Undo it with: media-summarizer undo\n`);
    return 0;
  } catch (error) {
    return fail(error);
  }
}

function doneText(plan: OrganizePlan, outcome: ApplyOutcome): string {
  const gone = new Set(outcome.missing);
  const copies = plan.steps.filter((step) => step.action === 'trash' && !gone.has(step.from)).length;
  const moved = outcome.moved - copies;
  const parts = [...(moved > 0 || copies === 0 ? [`${moved} ${moved === 1 ? 'file' : 'files'} renamed or moved`] : []), ...(copies > 0 ? [`${copies} ${copies === 1 ? 'copy' : 'copies'} put in the trash`] : [])];
  return parts.join(', ');
}

function missingText(missing: readonly string[]): string {
  return missing.length === 0 ? '' : ` ${missing.length} were gone or their new name was taken, and stayed: ${missing.map((file) => inertTerminalText(path.basename(file))).join(', ')}.`;
}

function printPlan(plan: OrganizePlan, json: boolean, applying: boolean): void {
  const { folder } = plan;
  if (json) {
    for (const step of plan.steps) {
      process.stdout.write(`${JSON.stringify({ action: step.action, from: path.relative(folder, step.from), ...(step.to ? { to: path.relative(folder, step.to) } : {}), reason: step.reason })}\n`);
    }
    for (const skip of plan.skipped) process.stdout.write(`${JSON.stringify({ action: 'leave', from: path.relative(folder, skip.path), reason: skip.reason })}\n`);
    process.stdout.write(`${JSON.stringify({ type: 'plan', folder, steps: plan.steps.length, left: plan.skipped.length, apply: applying })}\n`);
    return;
  }
  if (plan.steps.length === 0) process.stdout.write(`Nothing to change in ${inertTerminalText(folder)}.\n`);
  for (const step of plan.steps) {
    const target = step.to ? ` → ${rel(folder, step.to)}` : '';
    process.stdout.write(`${step.action.padEnd(6)}  ${rel(folder, step.from)}${target}  (${inertTerminalText(step.reason)})\n`);
  }
  if (plan.skipped.length > 0) {
    const reasons = new Map<string, number>();
    for (const skip of plan.skipped) reasons.set(skip.reason, (reasons.get(skip.reason) ?? 0) + 1);
    const summary = [...reasons].map(([reason, count]) => `${count} ${inertTerminalText(reason)}`).join('; ');
    process.stdout.write(`Left alone: ${plan.skipped.length} ${plan.skipped.length === 1 ? 'file' : 'files'} (${summary}).\n`);
  }
  if (!applying && plan.steps.length > 0) process.stdout.write('A dry run: nothing was changed. Run it again with --apply to do it.\n');
}

export async function runUndo(options: { cacheDir: string; json: boolean }): Promise<number> {
  try {
    const outcome = await undoLastApply(options.cacheDir);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ type: 'undo', ...(outcome ?? { restored: 0, problems: [] }) })}\n`);
      return outcome && outcome.problems.length > 0 ? 1 : 0;
    }
    if (!outcome) {
      process.stdout.write('Nothing to undo: no organize was applied with this cache directory.\n');
      return 0;
    }
    process.stdout.write(`Put back ${outcome.restored} files in ${inertTerminalText(outcome.folder)}.\n`);
    for (const problem of outcome.problems) process.stdout.write(`  not put back: ${rel(outcome.folder, problem.path)} (${inertTerminalText(problem.reason)})\n`);
    for (const file of outcome.inSystemTrash) process.stdout.write(`  in the system's trash (put it back from there): ${rel(outcome.folder, file)}\n`);
    if (outcome.problems.length > 0) process.stdout.write('Fix those and run media-summarizer undo again; the journal is kept.\n');
    return outcome.problems.length > 0 ? 1 : 0;
  } catch (error) {
    return fail(error);
  }
}
