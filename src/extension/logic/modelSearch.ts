/**
 * Search over what the view knows: the records of every listed file, in the index the CLI's search uses. Files
 * not summarized yet are found by their names. No `vscode` import.
 */
import type { FileRecord } from '../../core/records';
import type { EmbeddingModel } from '../../core/search/embeddings';
import { SearchIndex } from '../../core/search/searchIndex';
import type { CacheStore } from '../../core/cache';
import type { FileEntry, SummaryModel } from './model';

/** Every listed file once (a file under two folders is one document), with its record or only its name. */
function recordsOf(model: SummaryModel): FileRecord[] {
  const byPath = new Map<string, FileRecord>();
  for (const root of model.roots) {
    for (const entry of root.entries.values()) {
      if (!byPath.has(entry.path) || entry.record) byPath.set(entry.path, entry.record ?? nameOnly(entry));
    }
  }
  return [...byPath.values()];
}

function nameOnly(entry: FileEntry): FileRecord {
  return { path: entry.path, kind: entry.mediaKind, status: 'pending', cached: false, metadata: {} };
}

/** An index of the model as it is now; with `embedding`, search by meaning too (vectors read from the cache). */
export function indexOfModel(model: SummaryModel, embedding?: { model: EmbeddingModel; cache?: CacheStore }): SearchIndex {
  const index = new SearchIndex(embedding);
  for (const record of recordsOf(model)) index.set(record);
  return index;
}

/** The view's filter: the paths whose words match `query` (by words only: a filter should not guess). */
export async function filterMatches(model: SummaryModel, query: string): Promise<Set<string>> {
  const index = indexOfModel(model);
  const hits = await index.search(query, { limit: Math.max(1, index.size) });
  return new Set(hits.map((hit) => hit.path));
}
