/**
 * Showing summarized folders again after a restart: records from the cache, no worker, no Ollama request. The
 * only write is the stat keys of files it had to hash, as a run would save them.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from './bytePaths';
import { openCacheForUse } from './openCache';
import { readStages, recordFromStages, rememberedVisionModel, type StageSettings, type TranscriptSettings } from './fileStages';
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
  media: TranscriptSettings;
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
  try {
    if (!(await stat(options.cacheDir)).isDirectory()) return results;
  } catch {
    return results;
  }
  const { cache } = await openCacheForUse(options.cacheDir, { onWarning: options.onWarning ?? (() => undefined) });
  try {
    const settings: StageSettings = {
      model: options.model,
      visionModel: rememberedVisionModel(cache, safeHost(options.ollamaHost), options.model, options.vision),
      media: options.media,
    };
    const hashes = await hashFiles(files, cache, { concurrency: HASH_CONCURRENCY, hashUnknown: options.hashUnknown, signal: options.signal, onSaveError: (error) => options.onWarning?.(`Could not save file hashes to the cache: ${(error as Error).message}`) });
    for (const [index, file] of files.entries()) {
      const sha256 = hashes[index];
      results.set(file.path, typeof sha256 === 'string' ? recordFromStages(file, sha256, readStages(cache, file.kind, sha256, settings)) : undefined);
    }
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
