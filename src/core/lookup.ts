/**
 * Records from the cache. The engine answers its cache hits with recordFromCache(); lookupRecords() is the
 * read-only variant for showing summarized folders again after a restart: no worker, no Ollama request, no write.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { CacheStore } from './cache';
import { extractKey, rememberedVisionKey, statKey, summaryKey, SUMMARY_VERSION, transcriptKey, visionKey, type CachedSummary } from './cacheKeys';
import { hashFile } from './hash';
import { mediaKindOf } from './mediaTypes';
import { normalizeHost } from './ollama';
import type { ExtractResult, MediaSettings, Transcript } from './protocol';
import type { FileRecord } from './records';
import type { ScannedFile } from './scan';

/** The media settings that name cached transcripts. */
export type TranscriptSettings = Pick<MediaSettings, 'whisperModel' | 'language' | 'maxTranscribeSeconds'>;

export interface LookupOptions {
  cacheDir: string;
  ollamaHost: string;
  model: string;
  vision: string;
  media: TranscriptSettings;
  /** Hash files the stat fast path does not know (renamed or touched files). Default true. */
  hashUnknown?: boolean;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

const HASH_CONCURRENCY = 2;

/** A ScannedFile for one path (for "Summarize File"); throws a clear error for what cannot be summarized. */
export async function scannedFile(file: string): Promise<ScannedFile> {
  const kind = mediaKindOf(file);
  if (!kind) throw new Error(`${path.basename(file)} is not a supported image, video or audio file.`);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read ${path.basename(file)} (${error.code ?? error.message}).`);
  });
  if (!info.isFile()) throw new Error(`${path.basename(file)} is not a file.`);
  return { path: file, kind, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
}

/**
 * What the cache knows about each file: a record (ok, pending or error, all `cached: true`) or undefined when the
 * file was never processed with these settings. A missing cache folder means nothing is known.
 */
export async function lookupRecords(files: readonly ScannedFile[], options: LookupOptions): Promise<Map<string, FileRecord | undefined>> {
  const results = new Map<string, FileRecord | undefined>();
  if (files.length === 0) return results;
  try {
    if (!(await stat(options.cacheDir)).isDirectory()) return results;
  } catch {
    return results;
  }
  const cache = await CacheStore.open(options.cacheDir, { onWarning: options.onWarning ?? (() => undefined) });
  try {
    const host = safeHost(options.ollamaHost);
    const visionModel = rememberedVisionModel(cache, host, options.model, options.vision);
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        if (options.signal?.aborted) return;
        const file = files[next++];
        const sha256 = cache.get<string>(statKey(file.path, file.size, file.mtimeMs, file.ino)) ?? (options.hashUnknown === false ? undefined : await hashFile(file.path, options.signal).catch(() => undefined));
        results.set(file.path, sha256 ? recordFromCache(cache, file, sha256, options.model, visionModel, options.media) : undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, files.length) }, worker));
  } finally {
    await cache.close();
  }
  return results;
}

function safeHost(host: string): string {
  try {
    return normalizeHost(host);
  } catch {
    return host;
  }
}

/**
 * The vision model the summaries were made with. The engine remembers the one its preflight found under
 * `preflight:vision:<host>:<model>:<setting>` (null for none); "none" means no vision; a named model is itself.
 * Undefined means unknown: any summary of the file by `model` is then accepted.
 */
function rememberedVisionModel(cache: CacheStore, host: string, model: string, vision: string): string | null | undefined {
  if (vision === 'none') return null;
  const remembered = cache.get<string | null>(rememberedVisionKey(host, model, vision));
  if (remembered !== undefined) return remembered;
  return vision === 'auto' ? undefined : vision;
}

function findSummary(cache: CacheStore, model: string, visionModel: string | null | undefined, sha256: string): CachedSummary | undefined {
  if (visionModel !== undefined) return cache.get<CachedSummary>(summaryKey(model, visionModel ?? undefined, sha256));
  const prefix = `summary:${SUMMARY_VERSION}:${model}:`;
  const key = cache.keys(prefix).find((k) => k.endsWith(`:${sha256}`));
  return key ? cache.get<CachedSummary>(key) : undefined;
}

/**
 * What the cache holds for one file's content: an error or a summary (both final), a pending record (the text
 * was read, the summary is missing), or undefined (never processed). `visionModel`: null for none, undefined for
 * unknown (any summary made by `model` is accepted).
 */
export function recordFromCache(
  cache: CacheStore,
  file: ScannedFile,
  sha256: string,
  model: string,
  visionModel: string | null | undefined,
  media: TranscriptSettings,
): FileRecord | undefined {
  const extract = cache.get<ExtractResult>(extractKey(file.kind, sha256));
  if (!extract) return undefined;
  const base = { path: file.path, kind: file.kind, cached: true, sha256, metadata: extract.metadata };
  if (extract.error) return { ...base, status: 'error', error: extract.error };
  const transcript =
    file.kind === 'image' ? undefined : cache.get<Transcript>(transcriptKey(media.whisperModel, media.language, media.maxTranscribeSeconds, sha256));
  const vision = visionModel ? cache.get<string>(visionKey(visionModel, sha256)) : undefined;
  const summary = findSummary(cache, model, visionModel, sha256);
  if (summary) {
    return { ...base, status: 'ok', ...summary, ocrText: extract.text || undefined, visionText: vision, transcript: transcript?.text };
  }
  return {
    ...base,
    status: 'pending',
    error: 'Not summarized yet: the text was read, the summary is still to be written (run the folder again).',
    ocrText: extract.text || undefined,
    visionText: vision,
    transcript: transcript?.text,
  };
}
