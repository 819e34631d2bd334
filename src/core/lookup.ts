/**
 * Showing summarized folders again after a restart: records from the cache, no worker, no Ollama request. The
 * only write is the stat keys of files it had to hash, as a run would save them.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from './bytePaths';
import { openCacheForUse } from './openCache';
import type { CacheStore } from './cache';
import { readStages, recordFromStages, rememberedVisionModel, type Stages, type StageSettings, type MediaKeySettings } from './fileStages';
import { hashFiles } from './hash';
import { mediaKindOf } from './mediaTypes';
import { normalizeHost } from './ollama';
import type { FileRecord } from './records';
import type { ScannedFile } from './scan';

export interface LookupOptions {
  cacheDir: string;
  ollamaHost: string;
  model: string;
  vision: string;
  media: MediaKeySettings;
  /** Hash files the stat fast path does not know (renamed or touched files). Default true. */
  hashUnknown?: boolean;
  signal?: AbortSignal;
  onWarning?: (message: string) => void;
}

/** Fewer than a run hashes at once: a listing must not take the disk from the user's own work. */
const HASH_CONCURRENCY = 2;

/** A ScannedFile for one path (for "Summarize File"); throws a clear error for what cannot be summarized. */
export async function scannedFile(file: string): Promise<ScannedFile> {
  const kind = mediaKindOf(file);
  if (!kind) throw new Error(`${path.basename(file)} is not a supported image, video or audio file.`);
  const info = await stat(fsPath(file)).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read ${path.basename(file)} (${error.code ?? error.message}).`);
  });
  if (!info.isFile()) throw new Error(`${path.basename(file)} is not a file.`);
  return { path: file, kind, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
}

/**
 * What the cache knows about each file: a record (ok, pending or error, all `cached: true`) or undefined when the
 * file was never processed with these settings. A missing cache folder means nothing is known (and is not made).
 */
export async function lookupRecords(files: readonly ScannedFile[], options: LookupOptions): Promise<Map<string, FileRecord | undefined>> {
  const results = new Map<string, FileRecord | undefined>();
  if (files.length === 0) return results;
  await withCachedStages(files, options, (found, cache) => {
    if (cache) for (const { file, record } of found) results.set(file.path, record);
  });
  return results;
}

export interface CachedFile {
  file: ScannedFile;
  record?: FileRecord;
  /** All the file's cached stages (the transcript's timed segments, for instance), when it was hashed. */
  stages?: Stages;
}

/**
 * Runs `use` with each file's cached record and stages, and the cache, open for as long as `use` runs (search
 * reads and saves vectors there). Without a cache folder, `use` gets files without records and no cache.
 */
export async function withCachedStages<T>(files: readonly ScannedFile[], options: LookupOptions, use: (found: CachedFile[], cache?: CacheStore) => T | Promise<T>): Promise<T> {
  const exists = await stat(options.cacheDir).then((info) => info.isDirectory(), () => false);
  if (!exists) return use(files.map((file) => ({ file })));
  const { cache } = await openCacheForUse(options.cacheDir, { onWarning: options.onWarning ?? (() => undefined) });
  try {
    const settings: StageSettings = {
      model: options.model,
      visionModel: rememberedVisionModel(cache, safeHost(options.ollamaHost), options.model, options.vision),
      media: options.media,
    };
    const hashes = await hashFiles(files, cache, { concurrency: HASH_CONCURRENCY, hashUnknown: options.hashUnknown, signal: options.signal, onSaveError: (error) => options.onWarning?.(`Could not save file hashes to the cache: ${(error as Error).message}`) });
    const found = files.map((file, index): CachedFile => {
      const sha256 = hashes[index];
      if (typeof sha256 !== 'string') return { file };
      const stages = readStages(cache, file.kind, sha256, settings);
      return { file, record: recordFromStages(file, sha256, stages), stages };
    });
    return await use(found, cache);
  } finally {
    await cache.close();
  }
}

function safeHost(host: string): string {
  try {
    return normalizeHost(host);
  } catch {
    return host;
  }
}
