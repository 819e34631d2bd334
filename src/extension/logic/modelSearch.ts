/**
 * Search over what the view knows: the records of every listed file, in the index the CLI's search uses, kept
 * across searches and brought up to date with the model before each (only files whose record changed are
 * indexed again). Files not summarized yet are found by their names. No `vscode` import.
 */
import type { CacheStore } from '../../core/cache';
import type { FileRecord } from '../../core/records';
import type { EmbeddingModel } from '../../core/search/embeddings';
import { SearchIndex } from '../../core/search/searchIndex';
import type { FileEntry, SummaryModel } from './model';

export class ModelSearch {
  private readonly index = new SearchIndex();
  /** What each indexed file was indexed from: its record, or its entry while it has none. */
  private readonly indexed = new Map<string, FileRecord | FileEntry>();

  constructor(private readonly model: SummaryModel) {}

  /** The index as the model is now; with `embedding`, search by meaning too (vectors read from the cache). */
  current(embedding?: { model: EmbeddingModel; cache?: CacheStore }): SearchIndex {
    this.sync();
    this.index.useEmbedding(embedding);
    return this.index;
  }

  /** The view's filter: the paths whose words match `query` (by words only: a filter should not guess). */
  async filterMatches(query: string): Promise<Set<string>> {
    this.sync();
    const hits = await this.index.search(query, { limit: Math.max(1, this.index.size), wordsOnly: true });
    return new Set(hits.map((hit) => hit.path));
  }

  private sync(): void {
    const seen = new Set<string>();
    for (const root of this.model.roots) {
      for (const entry of root.entries.values()) {
        if (seen.has(entry.path) && !entry.record) continue; // a file under two folders: one document, its record wins
        seen.add(entry.path);
        const source = entry.record ?? entry;
        if (this.indexed.get(entry.path) === source) continue;
        this.indexed.set(entry.path, source);
        this.index.set(entry.record ?? nameOnly(entry));
      }
    }
    for (const file of this.indexed.keys()) {
      if (seen.has(file)) continue;
      this.indexed.delete(file);
      this.index.remove(file);
    }
  }
}

function nameOnly(entry: FileEntry): FileRecord {
  return { path: entry.path, kind: entry.mediaKind, status: 'pending', cached: false, metadata: {} };
}
