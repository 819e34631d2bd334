/**
 * A folder's files as search sees them: scanned as a run scans them, each file's record and transcript segments
 * from the cache (nothing is summarized here), and the embedding model when Ollama has one.
 */
import path from 'node:path';
import type { CacheStore } from '../cache';
import { withCachedStages, type LookupOptions } from '../lookup';
import type { Problem } from '../problems';
import { scanFolder } from '../scan';
import { findEmbeddingModel, type EmbeddingSetting } from './embeddings';
import { SAVED_INDEX_NAME } from './savedIndex';
import { SearchIndex } from './searchIndex';

export interface FolderSearchOptions extends LookupOptions {
  folder: string;
  recursive: boolean;
  embedModel: EmbeddingSetting;
}

export interface FolderSearch {
  index: SearchIndex;
  /** Media files in the folder, and how many of them the cache knows (were summarized or read). */
  files: number;
  known: number;
  /** Why search is by words only (no embedding model), worded by the front end. */
  hint?: Problem;
  cache?: CacheStore;
}

/** Runs `use` with the folder's index; the cache stays open meanwhile (vectors are read and saved there). */
export async function withFolderSearch<T>(options: FolderSearchOptions, use: (search: FolderSearch) => Promise<T>): Promise<T> {
  const scan = await scanFolder(options.folder, { recursive: options.recursive });
  return withCachedStages(scan.files, options, async (found, cache) => {
    const { model, hint } = cache ? await findEmbeddingModel(options.ollamaHost, options.embedModel, options.signal) : {};
    const known = found.flatMap(({ record, stages }) => (record ? [{ record, segments: stages?.transcript?.segments }] : []));
    const savedIndex = cache?.writable ? path.join(cache.dir, SAVED_INDEX_NAME) : undefined;
    const { index, save } = await SearchIndex.of(known, { embedding: model ? { model, cache } : undefined, savedIndex });
    const result = await use({ index, files: scan.files.length, known: known.length, hint, cache });
    await save();
    return result;
  });
}
