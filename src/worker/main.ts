/**
 * The worker child: loads its models once (tesseract.js), then processes one job at a time for the pool,
 * saving each stage's result to the shared cache as soon as it exists.
 */
import { fsPath } from '../core/bytePaths';
import { CacheWriter } from '../core/cacheWriter';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { stageKeys } from '../core/fileStages';
import { problemOf, type Problem } from '../core/problems';
import type { Job } from '../core/job';
import type { MediaSettings, WorkerSettings } from '../core/runSettings';
import type { FromWorker, ToWorker } from '../core/workerMessages';
import type { ProcessorContext } from '../processors/context';
import { processorFor } from '../processors';
import { resolveFfmpeg } from '../processors/media/ffmpeg';
import { createOcrEngine, type OcrEngine } from '../processors/ocrEngine';
import { DEFAULT_OCR_LANGUAGE, ocrLangPath, parseOcrLanguages } from '../processors/ocrLanguages';
import { ensureWhisperCli } from '../processors/whisper/build';
import { resolveWhisperModel, whisperModelsDir } from '../processors/whisper/models';
import { whisperBuildDir } from '../processors/whisper/source';
import { transcribe } from '../processors/whisper/transcribe';

let settings: WorkerSettings | undefined;
let cache: CacheWriter | undefined;
/** Why this worker has no cache although the run has one; every result says so (see JobResult.unsaved). */
let cacheUnavailable: Problem | undefined;
/** Per running job: why one of its saves failed. */
const unsaved = new Map<number, Problem>();
/** Per running job: what it saved (see JobResult.saved). */
const saved = new Map<number, Array<[string, unknown]>>();
let ocr: Promise<OcrEngine> | undefined;
// Resolved on first use and kept: a missing tool fails every video the same way, quickly.
let ffmpeg: Promise<string> | undefined;
let whisper: Promise<{ cliPath: string; modelPath: string }> | undefined;
const running = new Map<number, AbortController>();
/** LLM requests waiting for the coordinator's grant, by request number. */
const grants = new Map<number, (host: string) => void>();
let nextRequest = 0;

function send(message: FromWorker): void {
  if (process.connected) process.send!(message);
}

// The parent is gone (closed or killed): nothing would receive our results, so leave at once.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      void init(message.settings);
      break;
    case 'job':
      void runJob(message.job);
      break;
    case 'cancel':
      running.get(message.id)?.abort();
      break;
    case 'llm-grant':
      grants.get(message.request)?.(message.host);
      break;
    case 'shutdown':
      void shutdown();
      break;
  }
});

async function init(received: WorkerSettings): Promise<void> {
  settings = received;
  if (settings.cacheDir) {
    try {
      cache = await CacheWriter.open(settings.cacheDir, { onWarning: (text) => console.error(text) });
    } catch (error) {
      cacheUnavailable = problemOf(error);
    }
  }
  ocr = startOcr(settings.media);
  // A failed OCR start is reported per image (the job awaits it); the worker still serves the pool.
  await ocr.catch(() => undefined);
  send({ type: 'ready' });
}

/** tesseract.js with the run's OCR languages, read from the one folder that holds them all. */
async function startOcr(media: MediaSettings): Promise<OcrEngine> {
  const langs = parseOcrLanguages(media.ocrLanguages ?? DEFAULT_OCR_LANGUAGE);
  return createOcrEngine({ langs: langs.join('+'), dir: await ocrLangPath(langs, media.dataDir), gzip: true });
}

async function runJob(job: Job): Promise<void> {
  const controller = new AbortController();
  running.set(job.id, controller);
  try {
    if (!settings) throw new Error('The worker received a job before its settings.');
    const result = await processorFor(job.kind)(job, contextFor(job, settings, controller.signal));
    await assertUnchanged(job);
    const notSaved = unsaved.get(job.id) ?? cacheUnavailable;
    const entries = saved.get(job.id);
    send(controller.signal.aborted ? { type: 'cancelled', id: job.id } : { type: 'result', id: job.id, result: { ...result, ...(notSaved ? { unsaved: notSaved } : {}), ...(entries ? { saved: entries } : {}) } });
  } catch (error) {
    if (controller.signal.aborted) send({ type: 'cancelled', id: job.id });
    else send({ type: 'failed', id: job.id, problem: problemOf(error) });
  } finally {
    running.delete(job.id);
    unsaved.delete(job.id);
    saved.delete(job.id);
  }
}

function contextFor(job: Job, current: WorkerSettings, signal: AbortSignal): ProcessorContext {
  const { ollama, media } = current;
  const keys = stageKeys(job.kind, job.sha256, { model: ollama.model, visionModel: ollama.visionModel, media });
  const save = async (key: string | undefined, value: unknown) => {
    await assertUnchanged(job); // results of a file that changed under us must not be filed under the old hash
    if (!key) return;
    if (!cache) return;
    try {
      await cache.put(key, value);
      saved.set(job.id, [...(saved.get(job.id) ?? []), [key, value]]);
    } catch (error) {
      // The result still reaches the run; the coordinator words one warning for all files (a full disk).
      if (!unsaved.has(job.id)) unsaved.set(job.id, problemOf(error));
    }
  };
  return {
    signal,
    ollama,
    media,
    ocr: () => ocr ?? Promise.reject(new Error('The OCR engine was not started.')),
    ffmpeg: () => (ffmpeg ??= resolveFfmpeg(media.ffmpegPath)),
    transcribe: async (wavPath) => {
      const tools = await (whisper ??= whisperTools(media));
      const onProgress = (percent: number) => send({ type: 'progress', id: job.id, stage: 'transcribe', percent });
      return transcribe({ ...tools, wavPath, language: media.language, threads: media.transcriptionThreads, signal, onProgress });
    },
    stage: (stage) => send({ type: 'stage', id: job.id, stage }),
    withLlmSlot: (model, request) => withLlmSlot(job.id, model, signal, request),
    saveExtract: (result) => save(keys.extract, result),
    saveTranscript: (transcript) => save(keys.transcript, transcript),
    saveVision: (text) => save(keys.vision, text),
    saveSummary: (summary, language) => save(keys.summary(language), summary),
  };
}

/** Asks the coordinator for a slot at an LLM host that has `model`, runs the request there, and gives the slot back. */
async function withLlmSlot<T>(id: number, model: string, signal: AbortSignal, request: (host: string) => Promise<T>): Promise<T> {
  signal.throwIfAborted();
  const number = nextRequest++;
  const abandon = new AbortController();
  const granted = new Promise<string>((resolve, reject) => {
    grants.set(number, (host) => {
      grants.delete(number);
      resolve(host);
    });
    signal.addEventListener(
      'abort',
      () => {
        grants.delete(number);
        reject(signal.reason instanceof Error ? signal.reason : new Error('Cancelled.'));
      },
      { once: true, signal: abandon.signal },
    );
  });
  send({ type: 'llm-request', id, request: number, model });
  try {
    return await request(await granted);
  } finally {
    abandon.abort(); // removes the cancel listener
    send({ type: 'llm-release', request: number });
  }
}

/** Fails the job when the file was replaced, edited or deleted after the coordinator hashed it. */
async function assertUnchanged(job: Job): Promise<void> {
  const name = path.basename(job.path);
  const now = await stat(fsPath(job.path)).catch(() => undefined);
  if (!now) throw new Error(`${name} was deleted or moved while it was being summarized.`);
  if (now.size !== job.size || now.mtimeMs !== job.mtimeMs) {
    throw new Error(`${name} changed while it was being summarized — run again to summarize the new version.`);
  }
}

/** whisper-cli (built once from the bundled whisper.cpp, under a lock shared by all processes) and the model. */
async function whisperTools(media: MediaSettings): Promise<{ cliPath: string; modelPath: string }> {
  const modelPath = await resolveWhisperModel(media.whisperModel, whisperModelsDir(media.dataDir));
  const cliPath = await ensureWhisperCli({ cliPath: media.whisperCliPath, buildDir: media.whisperCliPath ? undefined : whisperBuildDir(media.dataDir), build: media.buildWhisperCli });
  return { cliPath, modelPath };
}

async function shutdown(): Promise<void> {
  for (const controller of running.values()) controller.abort();
  await Promise.race([
    Promise.allSettled([ocr?.then((engine) => engine.terminate()), cache?.close()]),
    new Promise((resolve) => setTimeout(resolve, 1500)),
  ]);
  process.exit(0);
}
