/**
 * A folder's files as search sees them: scanned as a run scans them, each file's record and transcript segments
 * from the cache (nothing is summarized here), and the embedding model when Ollama has one.
 */
import type { CacheStore } from '../cache';
import { withCachedStages, type LookupOptions } from '../lookup';
import type { Problem } from '../problems';
import { scanFolder } from '../scan';
import { findEmbeddingModel, type EmbeddingSetting } from './embeddings';
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
    const index = new SearchIndex(model ? { model, cache } : undefined);
    let known = 0;
    for (const { record, stages } of found) {
      if (!record) continue;
      known++;
      index.set(record, stages?.transcript?.segments);
    }
    return use({ index, files: scan.files.length, known, hint, cache });
  });
}
