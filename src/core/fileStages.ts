/**
 * One home for a file's cached stages: which keys its results live under for given settings, reading them all
 * at once, turning them into a record, and which vision model the summaries were made with. The engine (cache
 * hits, claims, jobs), the worker (saving each stage) and the tree's listing after a restart all go through here,
 * so a key can change in one place only.
 */
import type { CacheStore } from './cache';
import { summaryLanguageFor } from '../processors/summaryLanguage';
import { extractKey, rememberedVisionKey, summaryKey, transcriptKey, visionKey, type CachedSummary } from './cacheKeys';
import type { MediaKind } from './mediaTypes';
import type { CachedStages, ExtractResult, Transcript } from './job';
import type { MediaSettings } from './runSettings';
import type { FileRecord } from './records';

/** The media settings that name cached transcripts. */
/** The media settings that name cached results (besides the content). */
export type MediaKeySettings = Pick<MediaSettings, 'whisperModel' | 'language' | 'maxTranscribeSeconds' | 'ocrLanguages' | 'summaryLanguage' | 'fallbackLanguage'>;

/** Everything besides the content hash that names a file's cached results. */
export interface StageSettings {
  model: string;
  /** The model that describes images; undefined when there is none (vision off, or no vision model found). */
  visionModel: string | undefined;
  media: MediaKeySettings;
}

export interface StageKeys {
  extract: string;
  /** Videos and audio only. */
  transcript?: string;
  /** Only when there is a vision model. */
  vision?: string;
  /** The summary's key in a language (summaryLanguage.ts decides which, from the material). */
  summary: (language: string) => string;
  /** The name under which runs claim the file (claims.ts): the summary's, language aside. */
  claim: string;
}

/** Everything the cache holds for one file's content under given settings. */
export interface Stages extends CachedStages {
  summary?: CachedSummary;
}

export function stageKeys(kind: MediaKind, sha256: string, settings: StageSettings): StageKeys {
  const { media, model, visionModel } = settings;
  return {
    extract: extractKey(kind, sha256, media.ocrLanguages),
    transcript: kind === 'image' ? undefined : transcriptKey(media.whisperModel, media.language, media.maxTranscribeSeconds, sha256),
    vision: visionModel ? visionKey(visionModel, sha256) : undefined,
    summary: (language) => summaryKey(model, visionModel, sha256, language),
    claim: summaryKey(model, visionModel, sha256),
  };
}

/** Reads every stage of one file once: what a record is made from and what a worker may skip. */
export function readStages(cache: CacheStore, kind: MediaKind, sha256: string, settings: StageSettings): Stages {
  const keys = stageKeys(kind, sha256, settings);
  const read = <T>(key: string | undefined) => (key ? cache.get<T>(key) : undefined);
  const extract = read<ExtractResult>(keys.extract);
  const transcript = read<Transcript>(keys.transcript);
  // The summary's language follows from what was read, so it is looked up once that is known.
  const language = summaryLanguageFor(settings.media, { ocrText: extract?.text, transcript: transcript?.text, spokenLanguage: transcript?.language });
  return {
    extract,
    transcript,
    vision: read<string>(keys.vision),
    summary: extract ? read<CachedSummary>(keys.summary(language)) : undefined,
  };
}

/**
 * The record the stages make: an error or a summary (both final), pending (the text was read, the summary is
 * missing), or undefined when the file was never processed with these settings.
 */
export function recordFromStages(file: { path: string; kind: MediaKind }, sha256: string, stages: Stages): FileRecord | undefined {
  const { extract, transcript, vision, summary } = stages;
  if (!extract) return undefined;
  const base = { path: file.path, kind: file.kind, cached: true, sha256, metadata: extract.metadata };
  if (extract.error) return { ...base, status: 'error', error: extract.error };
  const texts = { ocrText: extract.text || undefined, visionText: vision, transcript: transcript?.text, ...(transcript?.language && transcript.text ? { spokenLanguage: transcript.language } : {}) };
  if (summary) return { ...base, status: 'ok', ...summary, ...texts };
  // A recording whose transcription failed (ffmpeg or whisper missing; failures are not cached) has its metadata
  // read but not its speech: saying "the text was read" would be false.
  const speechUnread = !transcript && extract.metadata.audioCodec !== undefined;
  return {
    ...base,
    status: 'pending',
    error: speechUnread
      ? 'Not summarized yet: its speech is still to be transcribed (run the folder again).'
      : 'Not summarized yet: the text was read, the summary is still to be written (run the folder again).',
    ...texts,
  };
}

/** What a worker may skip: with `refresh`, only the reading (a cached read error is tried again), never a summary. */
export function reusableStages(stages: Stages, refresh: boolean): CachedStages {
  const { extract, transcript, vision } = stages;
  return refresh ? { extract: extract?.error ? undefined : extract, transcript } : { extract, vision, transcript };
}

/**
 * The vision model when no preflight can tell (Ollama down, or a listing after a restart): the one the last
 * preflight found for this host, model and setting; else the model the setting names; else none. So with
 * `auto` and no preflight ever answered, only summaries made without a vision model count — the ones a run
 * would make — for the engine and the listing alike.
 */
export function rememberedVisionModel(cache: CacheStore | undefined, host: string, model: string, vision: string): string | undefined {
  if (vision === 'none') return undefined;
  const remembered = cache?.get<string | null>(rememberedVisionKey(host, model, vision));
  if (remembered !== undefined) return remembered ?? undefined;
  return vision === 'auto' ? undefined : vision;
}

/** Saves what a preflight found (null for none), for the runs and listings that cannot ask Ollama. */
export function rememberVisionModel(cache: CacheStore, host: string, model: string, vision: string, found: string | undefined): Promise<void> {
  return cache.put(rememberedVisionKey(host, model, vision), found ?? null);
}
