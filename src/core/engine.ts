import os from 'node:os';
import path from 'node:path';
import type { CacheStore } from './cache';
import { WorkClaims } from './claims';
import { openCacheForUse } from './openCache';
import { readStages, recordFromStages, rememberedVisionModel, rememberVisionModel, reusableStages, stageKeys, type StageSettings } from './fileStages';
import { hashFiles } from './hash';
import { LlmSlots } from './llmSlots';
import { sameModel } from './modelNames';
import { embedRecords } from './search/embedRecords';
import type { EmbeddingSetting } from './search/embeddings';
import { UnsavedResults } from './unsavedResults';
import { warmUp } from './warmUp';
import { checkOcrLanguages } from '../processors/ocrLanguages';
import { DEFAULT_CONTEXT_TOKENS } from '../processors/promptBudget';
import { SummaryLog } from './log';
import type { LlmApi } from './llmErrors';
import { normalizeHostFor } from './llmHosts';
import { TaskError, WorkerPool, type PoolOptions } from './pool';
import { preflightHosts, type VisionSetting } from './preflight';
import type { Job, Stage } from './job';
import type { MediaSettings, OllamaSettings } from './runSettings';
import { problemOf, UNEXPECTED, wordProblem, type Problem } from './problems';
import { errorRecord, type FileRecord, type RunTotals } from './records';
import { scanFolder, type ScannedFile, type ScanResult } from './scan';
import { threadsPerTranscription } from '../processors/whisper/transcribe';

/** Video and audio settings chosen by the caller; the engine adds the per-run thread budget. */
export type MediaOptions = Omit<MediaSettings, 'transcriptionThreads'>;

export interface EngineOptions {
  ollamaHost: string;
  model: string;
  vision: VisionSetting;
  /** Worker processes at most (never more than there are files to process). */
  workers: number;
  /** The cache directory, or undefined to neither read nor write a cache. */
  cacheDir?: string;
  /** Ignore cached summaries (re-summarize) while still writing fresh results. */
  refresh?: boolean;
  requestTimeoutMs: number;
  /** Requests the LLM host answers at once (Ollama's OLLAMA_NUM_PARALLEL, 1 by default); no more are sent. */
  llmSlots?: number;
  /** More Ollama hosts beside `ollamaHost`, each with its slots: a request goes to a free slot on a host with its model. */
  extraHosts?: ReadonlyArray<{ url: string; slots: number }>;
  /** The API the servers speak (default 'ollama'); 'openai' for LM Studio, llama.cpp's server, vLLM, LocalAI. */
  llmApi?: LlmApi;
  /** Grant LLM requests for the model a host has loaded first (default true); false: strictly oldest file first. */
  batchByModel?: boolean;
  /** num_ctx of every LLM request (default DEFAULT_CONTEXT_TOKENS); prompts are fitted to it. */
  contextTokens?: number;
  /** Embedding model for search by meaning, whose vectors the run makes after its summaries. Default auto. */
  embedModel?: EmbeddingSetting;
  media: MediaOptions;
  /** Per-file bound for a worker; a file that exceeds it is retried once on a fresh worker. */
  fileTimeoutMs?: number;
  /** dist/worker.js. */
  workerScript: string;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** How the front end words a problem (its flags or its settings); default: the problem without such advice. */
  wording?: (problem: Problem) => string;
}

export interface FolderOptions extends EngineOptions {
  folder: string;
  recursive?: boolean;
  /** Include/exclude filter on paths relative to the folder (the extension's globs). */
  accept?: (relativePath: string) => boolean;
  /** The folder's scan when the caller made it already (to show the files before the first is done). */
  scan?: ScanResult;
  /** A log file path, "default" for media_summaries_…txt in the folder, or false for none. */
  log: string | 'default' | false;
}

export type RunEvent =
  | { type: 'scanned'; total: number }
  | { type: 'queued'; path: string }
  | { type: 'started'; path: string }
  | { type: 'stage'; path: string; stage: Stage }
  | { type: 'progress'; path: string; stage: Stage; percent: number }
  | { type: 'done'; record: FileRecord }
  | { type: 'warning'; message: string; problem: Problem }
  | { type: 'output'; line: string };

export interface RunResult {
  records: FileRecord[];
  totals: RunTotals;
  cancelled: boolean;
  logFile?: string;
}

/** How many files are hashed at once: reading is I/O bound, a few in flight keep the disk busy. */
const HASH_CONCURRENCY = 4;

/** Scans a folder and summarizes every media file in it: the CLI's and the extension's main job. */
export async function summarizeFolder(options: FolderOptions): Promise<RunResult> {
  const scan = options.scan ?? (await scanFolder(options.folder, { recursive: options.recursive, accept: options.accept }));
  const emit = options.onEvent ?? (() => undefined);
  const warn = warner(options);
  emit({ type: 'scanned', total: scan.files.length + scan.problems.length });
  let log: SummaryLog | undefined;
  if (options.log !== false) {
    const target = options.log === 'default' ? { folder: options.folder } : options.log;
    try {
      log = await SummaryLog.create(target, options.folder, scan.files.length + scan.problems.length);
    } catch (error) {
      warn(problemOf(error));
    }
  }
  const problems = scan.problems.map((unreadable) => errorRecord(unreadable, unreadable.error));
  const result = await summarizeFiles(scan.files, { ...options, onEvent: (event) => {
    if (event.type === 'done') log?.append(event.record);
    emit(event);
  } }, problems);
  const logProblem = await log?.close();
  if (logProblem) warn(logProblem);
  return { ...result, logFile: log?.file };
}

/** Summarizes the given files: cache hits answered here, the rest dispatched to the worker pool. */
export async function summarizeFiles(files: ScannedFile[], options: EngineOptions, earlier: FileRecord[] = []): Promise<RunResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  const warn = warner(options);
  const word = options.wording ?? plainWording;
  const records: FileRecord[] = [];
  const finish = (record: FileRecord) => {
    records.push(record);
    emit({ type: 'done', record });
  };
  earlier.forEach(finish);

  const host = normalizeHostFor(options.llmApi, options.ollamaHost);
  if (files.some((file) => file.kind !== 'audio')) checkOcrLanguages(options.media.ocrLanguages, options.media.dataDir);
  const unsaved = new UnsavedResults();
  const cache = options.cacheDir ? await openCache(options.cacheDir, warn, unsaved) : undefined;
  const [{ settings: ollama, llmSlots }, hashes] = await Promise.all([
    resolveOllama(host, options, cache, warn),
    hashFiles(files, cache, { concurrency: HASH_CONCURRENCY, signal: options.signal, onSaveError: (error) => unsaved.noteHashes(problemOf(error)) }),
  ]);
  const stageSettings: StageSettings = { model: ollama.model, visionModel: ollama.visionModel, media: options.media };

  const jobs: Job[] = [];
  const jobFiles = new Map<number, ScannedFile>();
  // Files with the same bytes (copies, downloads saved twice) are processed once: the others wait for its record.
  const jobOfHash = new Map<string, Job>();
  const copiesOf = new Map<Job, ScannedFile[]>();
  for (const [index, file] of files.entries()) {
    const hashed = hashes[index];
    if (typeof hashed !== 'string') {
      finish(errorRecord(file, hashed?.error ?? `Cannot read ${path.basename(file.path)}.`));
      continue;
    }
    const stages = cache ? readStages(cache, file.kind, hashed, stageSettings) : {};
    const hit = cache && !options.refresh ? recordFromStages(file, hashed, stages) : undefined;
    if (hit && hit.status !== 'pending') {
      finish(hit);
      continue;
    }
    const original = jobOfHash.get(`${file.kind}:${hashed}`);
    if (original) {
      copiesOf.set(original, [...(copiesOf.get(original) ?? []), file]);
      emit({ type: 'queued', path: file.path });
      continue;
    }
    const job: Job = { id: jobs.length, path: file.path, kind: file.kind, sha256: hashed, size: file.size, mtimeMs: file.mtimeMs, cached: reusableStages(stages, Boolean(options.refresh)) };
    jobFiles.set(job.id, file);
    jobOfHash.set(`${file.kind}:${hashed}`, job);
    jobs.push(job);
    emit({ type: 'queued', path: file.path });
  }
  /** A job's record, then one for each file with the same bytes. */
  const finishJob = (job: Job, record: FileRecord) => {
    finish(record);
    for (const copy of copiesOf.get(job) ?? []) finish({ ...record, path: copy.path, duplicateOf: job.path });
  };

  let llmCalls = 0;
  let workersStarted = 0;
  const keeping: Array<Promise<void>> = [];
  let cancelled = Boolean(options.signal?.aborted);
  if (jobs.length > 0 && !cancelled) {
    const taskTimeoutMs = options.fileTimeoutMs ?? 2 * options.requestTimeoutMs + 120_000;
    const shared = cache?.writable && options.cacheDir ? shareWithOtherRuns(cache, WorkClaims.in(options.cacheDir), jobFiles, stageSettings, options) : undefined;
    const pool = new WorkerPool({
      script: options.workerScript,
      size: Math.max(1, Math.min(options.workers, jobs.length)),
      settings: { cacheDir: cache?.writable ? options.cacheDir : undefined, ollama, media: mediaSettings(options.media, jobs, options.workers) },
      taskTimeoutMs,
      onOutput: (line) => emit({ type: 'output', line }),
      llmSlots,
      ...shared?.poolOptions,
    });
    const warming = warmUp(llmSlots, ollama, firstModel(ollama, jobs), options.signal);
    try {
      await Promise.all(
        jobs.map(async (job) => {
          try {
            const result = await pool.run(job, {
              signal: options.signal,
              onStart: () => emit({ type: 'started', path: job.path }),
              onStage: (stage) => emit({ type: 'stage', path: job.path, stage }),
              onProgress: (stage, percent) => emit({ type: 'progress', path: job.path, stage, percent }),
            });
            llmCalls += result.llmCalls;
            if (result.unsaved) unsaved.note(result.unsaved, job.path);
            if (cache && result.saved) keeping.push(keepSaved(cache, result.saved, job.path, unsaved));
            const { llmCalls: _calls, unsaved: _unsaved, saved: _saved, ...fields } = result;
            finishJob(job, { path: job.path, kind: job.kind, cached: false, sha256: job.sha256, ...fields, ...(fields.problem ? { error: word(fields.problem) } : {}) });
          } catch (error) {
            const elsewhere = error instanceof TaskError && error.reason === 'elsewhere' ? shared?.answered.get(job.id) : undefined;
            if (elsewhere) return finishJob(job, elsewhere);
            if (options.signal?.aborted) return; // a cancelled file gets no record: it was not summarized
            const failure = problemOf(error);
            // An untyped failure (bad bytes, a crash) is its message; the same file read from the cache looks alike.
            finishJob(job, { ...errorRecord(job, word(failure), failure.code === UNEXPECTED ? undefined : failure), sha256: job.sha256 });
          }
        }),
      );
    } finally {
      await warming;
      await pool.close();
      await shared?.claims.releaseAll();
      workersStarted = pool.spawnedCount;
    }
    cancelled = Boolean(options.signal?.aborted);
  }
  await Promise.all(keeping);
  const partial = records.filter((record) => record.partial && !record.duplicateOf);
  if (partial[0]?.partial) {
    const count = partial.length === 1 ? '1 video was' : `${partial.length} videos were`;
    warn(partial[0].partial, `${count} summarized this way; once that is fixed, the next run transcribes them and summarizes them again.`);
  }
  // Embeddings come from Ollama's /api/embed; an OpenAI-compatible server's search is by words.
  if (cache?.writable && ollama.available && ollama.api === 'ollama' && !options.signal?.aborted) {
    const { problem: failed } = await embedRecords(records, cache, host, options.embedModel ?? 'auto', options.signal);
    if (failed) warn(failed, 'Search finds these files by their words; the next run makes the vectors.');
  }
  await cache?.close();
  const notSaved = unsaved.warning();
  if (notSaved) warn(notSaved, 'They are in this run\'s output and are made again by the next run.');

  const count = (status: FileRecord['status']) => records.filter((r) => r.status === status).length;
  const totals: RunTotals = {
    files: files.length + earlier.length,
    ok: count('ok'),
    errors: count('error'),
    pending: count('pending'),
    cached: records.filter((r) => r.cached).length,
    llmCalls,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    workers: workersStarted,
    modelSwitches: llmSlots.traffic.modelSwitches,
    modelSwitchesAvoided: Math.max(0, llmSlots.traffic.switchesInArrivalOrder - llmSlots.traffic.modelSwitches),
  };
  return { records, totals, cancelled };
}

/**
 * Reads what the worker saved (a few lines; memory stays close to the log, so a log emptied by another program is
 * noticed soon and what it lost is written back, see CacheStore.refresh) and saves again what the log lost.
 */
async function keepSaved(cache: CacheStore, saved: Array<[string, unknown]>, file: string, unsaved: UnsavedResults): Promise<void> {
  try {
    await cache.refresh();
    const lost = saved.filter(([key]) => !cache.has(key));
    if (lost.length > 0) await cache.putMany(lost);
  } catch (error) {
    unsaved.note(problemOf(error), file);
  }
}

/** Run warnings worded for the front end, with the problem for its buttons. */
function warner(options: EngineOptions): Warn {
  const word = options.wording ?? plainWording;
  return (problem, note) => options.onEvent?.({ type: 'warning', message: note ? `${word(problem)} ${note}` : word(problem), problem });
}

/** Reports a problem of the run; `note` says what the run does about it. */
type Warn = (problem: Problem, note?: string) => void;

function plainWording(problem: Problem): string {
  return wordProblem(problem, () => undefined);
}

async function openCache(dir: string, warn: Warn, unsaved: UnsavedResults): Promise<CacheStore | undefined> {
  try {
    // A full disk is told once, at the end, with what it kept from being saved.
    const onWarning = (_message: string, found: Problem) => (found.code === 'disk-full' ? unsaved.note(found) : warn(found));
    const { cache, readOnlyBecause } = await openCacheForUse(dir, { onWarning });
    if (readOnlyBecause) warn(readOnlyBecause, 'Using the results it holds; nothing new from this run is cached.');
    return cache;
  } catch (error) {
    warn(problemOf(error), 'Continuing without a cache.');
    return undefined;
  }
}

/**
 * The preflight decides whether summaries can be made and which model describes images. The vision model
 * found is remembered in the cache so cached summaries are still found while Ollama is down.
 */
async function resolveOllama(host: string, options: EngineOptions, cache: CacheStore | undefined, warn: Warn): Promise<{ settings: OllamaSettings; llmSlots: LlmSlots }> {
  const configured = [{ url: host, slots: options.llmSlots ?? 1 }, ...(options.extraHosts ?? []).map(({ url, slots }) => ({ url: normalizeHostFor(options.llmApi, url), slots }))];
  const check = await preflightHosts(
    configured.map(({ url }) => url),
    options.model,
    options.vision,
    options.llmApi,
    options.signal,
  );
  // Requests go only to hosts that answered, each given only the models it has.
  const reachable = configured.flatMap((entry) => {
    const found = check.hosts.find(({ url }) => url === entry.url);
    return found ? [{ ...entry, models: found.models }] : [];
  });
  const llmSlots = new LlmSlots(reachable.length > 0 ? reachable : configured, { batchByModel: options.batchByModel });
  for (const warning of check.warnings) warn(warning);
  let visionModel = check.visionModel;
  if (check.available) {
    if (cache) await rememberVisionModel(cache, host, options.model, options.vision, visionModel).catch(() => undefined);
  } else {
    if (check.reason && !options.signal?.aborted) warn(check.reason, 'Summaries are saved as pending; the next run fills them in without redoing OCR.');
    visionModel = rememberedVisionModel(cache, host, options.model, options.vision);
  }
  const settings = {
    api: options.llmApi ?? 'ollama',
    host,
    model: options.model,
    visionModel,
    requestTimeoutMs: options.requestTimeoutMs,
    contextTokens: options.contextTokens ?? DEFAULT_CONTEXT_TOKENS,
    available: check.available,
    unavailableReason: check.reason,
  };
  return { settings, llmSlots };
}

/**
 * Runs started together on one folder and one cache (two CLIs, VS Code windows) share the work: a file is claimed
 * just before it goes to a worker; a file another live run has claimed waits, and once that run is done with it
 * the file is answered from the cache it filled instead of being summarized again.
 */
function shareWithOtherRuns(
  cache: CacheStore,
  claims: WorkClaims,
  files: Map<number, ScannedFile>,
  settings: StageSettings,
  options: EngineOptions,
): { claims: WorkClaims; answered: Map<number, FileRecord>; poolOptions: Pick<PoolOptions, 'admit' | 'onSettled'> } {
  const answered = new Map<number, FileRecord>();
  const work = (job: Job) => stageKeys(job.kind, job.sha256, settings).claim;
  const admit = async (job: Job): Promise<'run' | 'later' | 'skip'> => {
    if ((await claims.claim(work(job))) === 'taken') return 'later';
    if (options.refresh) return 'run';
    await cache.refresh();
    const hit = recordFromStages(files.get(job.id)!, job.sha256, readStages(cache, job.kind, job.sha256, settings));
    if (!hit || hit.status === 'pending') return 'run';
    answered.set(job.id, hit);
    await claims.release(work(job));
    return 'skip';
  };
  return { claims, answered, poolOptions: { admit, onSettled: (job) => void claims.release(work(job)) } };
}

/** The thread budget per transcription: the cores shared by the transcriptions that can run at once. */
function mediaSettings(media: MediaOptions, jobs: Job[], workers: number): MediaSettings {
  const transcribing = Math.min(workers, jobs.filter((job) => job.kind !== 'image').length);
  return { ...media, transcriptionThreads: threadsPerTranscription(transcribing) };
}

/** A per-user cache directory for the CLI: XDG_CACHE_HOME, ~/Library/Caches or %LOCALAPPDATA%. */
export function defaultCacheDir(env = process.env, platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'media-summarizer', 'cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'media-summarizer');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'media-summarizer');
}

/** The model the run's first LLM request will use: a separate vision model's when an image still needs a description. */
function firstModel(ollama: OllamaSettings, jobs: readonly Job[]): string {
  const describes = ollama.visionModel !== undefined && !sameModel(ollama.visionModel, ollama.model);
  return describes && jobs.some((job) => job.kind === 'image' && job.cached.vision === undefined) ? ollama.visionModel! : ollama.model;
}
