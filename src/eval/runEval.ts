/**
 * One evaluation: the set made into files in a temporary folder, run through the real pipeline (the engine, its
 * workers, OCR, ffmpeg and whisper, the given model) with a fresh results cache — so every summary is asked for —,
 * and each answer scored. Whisper models and the whisper-cli build are taken from the usual data folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { summarizeFolder } from '../core/engine';
import type { LlmApi } from '../core/llmErrors';
import type { Problem } from '../core/problems';
import type { FileRecord } from '../core/records';
import { writtenLanguage } from '../processors/summaryLanguage';
import { EVAL_SET_VERSION, type EvalItem } from './evalSet';
import { makeEvalFiles } from './materials';
import { scoreAnswer, type AnswerScore } from './score';

export interface EvalOptions {
  host: string;
  api: LlmApi;
  model: string;
  /** "auto", "none" or a vision model. */
  vision: string;
  /** The summary language asked for; "auto" expects each file's own (English for this set). */
  summaryLanguage: string;
  whisperModel: string;
  dataDir: string;
  workerScript: string;
  contextTokens?: number;
  requestTimeoutMs: number;
  signal?: AbortSignal;
  wording: (problem: Problem) => string;
  onFile?: (record: FileRecord) => void;
}

export interface FileResult {
  id: string;
  kind: EvalItem['kind'];
  status: FileRecord['status'];
  /** Why there is no summary (pending, error), or what was left out (partial), worded. */
  problem?: string;
  problemCode?: string;
  summary?: string;
  title?: string;
  tags?: string[];
  score?: AnswerScore;
  seconds: number;
  promptTokens?: number;
  answerTokens?: number;
  /** The server loaded the model for this request (load_duration over a second): a swap, or the first load. */
  modelLoad: boolean;
}

export interface EvalReport {
  set: number;
  model: string;
  visionModel: string;
  host: string;
  api: LlmApi;
  summaryLanguage: string;
  date: string;
  files: FileResult[];
  skipped: Array<{ id: string; reason: string }>;
  totals: EvalTotals;
}

export interface EvalTotals {
  files: number;
  summarized: number;
  /** Facts kept over the facts the summarized files' models were given; undefined when none was summarized. */
  factShare?: number;
  invented: number;
  /** Summarized files whose form passed every check. */
  formOk: number;
  /** Files whose answer was not the JSON asked for (not JSON, or without a summary). */
  jsonFailures: number;
  secondsPerFile: number;
  answerTokensPerFile?: number;
  modelLoads: number;
}

const LOAD_MS = 1000;
/** The languages an answer is told apart among when checking it is in the one asked for. */
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl'];

function seconds(record: FileRecord): number {
  return Object.values(record.timings ?? {}).reduce((sum, ms) => sum + ms, 0) / 1000;
}

function resultOf(item: EvalItem, record: FileRecord | undefined, options: EvalOptions): FileResult {
  if (!record) return { id: item.id, kind: item.kind, status: 'error', problem: 'no record', seconds: 0, modelLoad: false };
  const expected = options.summaryLanguage === 'auto' ? 'en' : options.summaryLanguage;
  // What the model was given: the name, the metadata, the text read and the speech heard.
  const { width, height } = record.metadata;
  const material = [item.fileName, JSON.stringify(record.metadata), width && height ? `${width}x${height}` : '', record.ocrText ?? '', record.transcript ?? '', record.visionText ?? ''].join('\n');
  const usage = record.llmUsage;
  const base = {
    id: item.id,
    kind: item.kind,
    status: record.status,
    seconds: Math.round(seconds(record) * 10) / 10,
    ...(usage?.promptTokens !== undefined ? { promptTokens: usage.promptTokens } : {}),
    ...(usage?.answerTokens !== undefined ? { answerTokens: usage.answerTokens } : {}),
    modelLoad: (usage?.loadMs ?? 0) > LOAD_MS,
  };
  const problem = record.error ?? (record.partial ? options.wording(record.partial) : undefined);
  const why = { ...(problem ? { problem } : {}), ...(record.problem ? { problemCode: record.problem.code } : {}) };
  if (record.status !== 'ok' || record.summary === undefined) return { ...base, ...why };
  const answer = { summary: record.summary, title: record.title ?? '', tags: record.tags ?? [] };
  const score = scoreAnswer(answer, item.facts, material, expected, (text) => writtenLanguage(text, [...new Set([expected, ...LANGUAGES])]));
  return { ...base, ...why, ...answer, score };
}

export function totalsOf(files: readonly FileResult[]): EvalTotals {
  const scored = files.filter((file) => file.score);
  const facts = scored.reduce((sum, file) => sum + (file.score?.factsTotal ?? 0), 0);
  const kept = scored.reduce((sum, file) => sum + (file.score?.factsKept ?? 0), 0);
  const formOk = scored.filter(({ score }) => score && score.form.sentencesOk && !score.form.filler && score.form.titleOk && score.form.tagsOk && score.form.languageOk !== false).length;
  const tokens = files.filter((file) => file.answerTokens !== undefined);
  return {
    files: files.length,
    summarized: scored.length,
    ...(scored.length > 0 ? { factShare: facts === 0 ? 1 : kept / facts } : {}),
    invented: scored.reduce((sum, file) => sum + (file.score?.invented.length ?? 0), 0),
    formOk,
    jsonFailures: files.filter((file) => file.problemCode === 'summary-not-json' || file.problemCode === 'summary-missing').length,
    secondsPerFile: files.length === 0 ? 0 : files.reduce((sum, file) => sum + file.seconds, 0) / files.length,
    ...(tokens.length > 0 ? { answerTokensPerFile: tokens.reduce((sum, file) => sum + (file.answerTokens ?? 0), 0) / tokens.length } : {}),
    modelLoads: files.filter((file) => file.modelLoad).length,
  };
}

export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'media-summarizer-eval-'));
  try {
    const folder = path.join(root, 'Desktop');
    const { made, skipped } = await makeEvalFiles(folder);
    const result = await summarizeFolder({
      folder,
      log: false,
      ollamaHost: options.host,
      llmApi: options.api,
      model: options.model,
      vision: options.vision,
      workers: 2,
      embedModel: 'none',
      // A fresh cache: every answer is the model's, now.
      cacheDir: path.join(root, 'cache'),
      requestTimeoutMs: options.requestTimeoutMs,
      ...(options.contextTokens ? { contextTokens: options.contextTokens } : {}),
      media: { whisperModel: options.whisperModel, dataDir: options.dataDir, language: 'auto', ocrLanguages: 'eng', summaryLanguage: options.summaryLanguage, fallbackLanguage: 'en', frameIntervalSeconds: 5, maxFrames: 20 },
      workerScript: options.workerScript,
      signal: options.signal,
      wording: options.wording,
      onEvent: (event) => {
        if (event.type === 'done') options.onFile?.(event.record);
      },
    });
    const byName = new Map(result.records.map((record) => [path.basename(record.path), record]));
    const files = made.map(({ item }) => resultOf(item, byName.get(item.fileName), options));
    return {
      set: EVAL_SET_VERSION,
      model: options.model,
      visionModel: options.vision,
      host: options.host,
      api: options.api,
      summaryLanguage: options.summaryLanguage,
      date: new Date().toISOString(),
      files,
      skipped: skipped.map(({ item, reason }) => ({ id: item.id, reason })),
      totals: totalsOf(files),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
