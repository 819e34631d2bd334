/**
 * Search over the files a front end knows: words (KeywordIndex) and, when an embedding model is there, meaning
 * (vectors), fused by reciprocal rank; similar files; copies. One instance per listing (the CLI's search, the
 * extension's view); documents come from the records, vectors from the cache — no second copy of the data.
 */
import type { CacheStore } from '../cache';
import type { TranscriptSegment } from '../job';
import type { MediaKind } from '../mediaTypes';
import { problemOf, type Problem } from '../problems';
import type { FileRecord } from '../records';
import { documentOf, embeddingText, type SearchDocument, type SearchField } from './document';
import { embedDocuments, embedQuery, type EmbeddingModel } from './embeddings';
import { KeywordIndex } from './keywordIndex';
import { keywordsFor } from './savedIndex';
import { openingOf, snippetOf, type Snippet } from './snippet';
import { dot, nearest } from './vectors';

export interface SearchHit {
  path: string;
  kind: MediaKind;
  /** Fused rank score: higher is better; comparable within one search only. */
  score: number;
  title?: string;
  /** Where it matched, with the text around it. */
  snippet?: Snippet;
  /** Found by its words, by its meaning, or both. */
  matchedBy: Array<'words' | 'meaning'>;
}

export interface SearchOptions {
  limit?: number;
  signal?: AbortSignal;
  /** By words alone, even with an embedding model (a filter should not guess). */
  wordsOnly?: boolean;
}

/**
 * A file found by meaning must stand out from the rest: its cosine with the query at least MEANING_MARGIN above
 * the median file's, and at least MEANING_FLOOR. Models differ in where unrelated texts land (0.3–0.45 for
 * nomic-embed-text, near 0 for a bag of words), not in related ones standing out; so a query about nothing in the
 * folder returns nothing rather than the least unrelated files.
 */
const MEANING_MARGIN = 0.1;
const MEANING_FLOOR = 0.15;
/** The usual constant of reciprocal rank fusion: ranks deep in one list still count, the top of each list most. */
const RRF_K = 60;
const DEFAULT_LIMIT = 20;

export class SearchIndex {
  private readonly documents = new Map<string, SearchDocument>();
  private readonly titles = new Map<string, string>();
  private keywords = KeywordIndex.empty();
  private readonly vectors = new Map<string, Float32Array>();
  /** Why search by meaning stopped (the host went away): words go on being searched. */
  private failure: Problem | undefined;

  constructor(private embedding?: { model: EmbeddingModel; cache?: CacheStore }) {}

  /**
   * Search by meaning with this model (and cache for its vectors), or by words only. A long-lived index (the
   * view's) keeps its documents across searches; vectors of another model are dropped.
   */
  useEmbedding(embedding: { model: EmbeddingModel; cache?: CacheStore } | undefined): void {
    const same = embedding?.model.model === this.embedding?.model.model && embedding?.model.host === this.embedding?.model.host;
    if (!same) this.vectors.clear();
    this.embedding = embedding;
    this.failure = undefined;
  }

  /** Set once embedding failed during this index's life; search is by words from then on. */
  get semanticFailure(): Problem | undefined {
    return this.failure;
  }

  get size(): number {
    return this.documents.size;
  }

  /** Whether the file is in the index (was summarized or read). */
  has(file: string): boolean {
    return this.documents.has(file);
  }

  /** Whether search by meaning is on. */
  get semantic(): boolean {
    return this.embedding !== undefined && this.failure === undefined;
  }

  /**
   * An index of many files at once, its word index loaded from `savedIndex` when that was saved for exactly
   * these files (see savedIndex.ts), else built; `save` writes a built one there (call it once results are out).
   */
  static async of(files: ReadonlyArray<{ record: FileRecord; segments?: TranscriptSegment[] }>, options: { embedding?: { model: EmbeddingModel; cache?: CacheStore }; savedIndex?: string } = {}): Promise<{ index: SearchIndex; save: () => Promise<void> }> {
    const index = new SearchIndex(options.embedding);
    for (const { record, segments } of files) {
      const document = documentOf(record, segments);
      if (!document) continue;
      index.documents.set(document.id, document);
      if (record.title) index.titles.set(document.id, record.title);
    }
    const { keywords, save } = await keywordsFor([...index.documents.values()], options.savedIndex);
    index.keywords = keywords;
    return { index, save: save ?? (() => Promise.resolve()) };
  }

  /** Adds or replaces a file (an error record removes it: nothing was read). */
  set(record: FileRecord, segments?: TranscriptSegment[]): void {
    const document = documentOf(record, segments);
    if (!document) return this.remove(record.path);
    this.documents.set(document.id, document);
    if (record.title) this.titles.set(document.id, record.title);
    else this.titles.delete(document.id);
    this.keywords.set(document);
    this.vectors.delete(document.id);
  }

  remove(file: string): void {
    this.documents.delete(file);
    this.titles.delete(file);
    this.keywords.remove(file);
    this.vectors.delete(file);
  }

  /** Brings every file's vector in: from the cache, or embedded now (batched) and saved. No-op without a model. */
  async embedAll(signal?: AbortSignal): Promise<void> {
    if (!this.embedding) return;
    const missing = [...this.documents.values()].filter((document) => !this.vectors.has(document.id));
    const texts = missing.map((document) => embeddingText(document));
    const vectors = await embedDocuments(this.embedding.model, texts, this.embedding.cache, signal);
    for (const [i, document] of missing.entries()) {
      const vector = vectors[i];
      if (vector && this.documents.get(document.id) === document) this.vectors.set(document.id, vector);
    }
  }

  /** Files for `query`, best first: by words and, when on, by meaning, the two ranked lists fused. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (query.trim() === '') return [];
    const words = this.keywords.search(query, limit * 2);
    const meaning = options.wordsOnly ? [] : await this.byMeaning(query, limit * 2, options.signal);
    const fused = new Map<string, { score: number; matchedBy: SearchHit['matchedBy'] }>();
    const add = (id: string, rank: number, by: 'words' | 'meaning') => {
      const entry = fused.get(id) ?? { score: 0, matchedBy: [] };
      entry.score += 1 / (RRF_K + rank + 1);
      entry.matchedBy.push(by);
      fused.set(id, entry);
    };
    words.forEach((hit, rank) => add(hit.id, rank, 'words'));
    meaning.forEach((hit, rank) => add(hit.item, rank, 'meaning'));
    const byWords = new Map(words.map((hit) => [hit.id, hit]));
    return [...fused]
      .sort((a, b) => b[1].score - a[1].score)
      .slice(0, limit)
      .flatMap(([id, { score, matchedBy }]) => {
        const document = this.documents.get(id);
        if (!document) return [];
        const hit = byWords.get(id);
        const snippet = hit ? snippetOf(document, orderedFields(hit.fields), [...hit.terms, ...queryTerms(query)]) : openingOf(document);
        return [{ path: id, kind: document.kind, score, title: this.titles.get(id), snippet, matchedBy }];
      });
  }

  /**
   * The files most like `file`: by meaning when on (vectors), else by the words of its title, summary and tags.
   * Copies of it (same bytes) are left out: they are listed by duplicates().
   */
  async similar(file: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    const document = this.documents.get(file);
    if (!document) return [];
    const isOther = (id: string) => id !== file && !(document.sha256 && this.documents.get(id)?.sha256 === document.sha256);
    if (this.semantic) {
      await this.embedAll(options.signal).catch((error: unknown) => {
        if (options.signal?.aborted) throw error;
        this.failure = problemOf(error);
      });
      const own = this.vectors.get(file);
      if (own) {
        const others = [...this.vectors].filter(([id]) => isOther(id));
        return nearest(own, others, limit, meaningThreshold(own, others.map(([, vector]) => vector))).flatMap(({ item, score }) => this.hitFor(item, score, 'meaning'));
      }
    }
    const { title, summary, tags } = document.fields;
    const hits = this.keywords.search([title, summary, tags].join(' '), limit + 10).filter((hit) => isOther(hit.id));
    return hits.slice(0, limit).flatMap((hit) => this.hitFor(hit.id, hit.score, 'words'));
  }

  /** Groups of paths with the same content (hash), each group sorted, groups by their first path. */
  duplicates(): string[][] {
    const byHash = new Map<string, string[]>();
    for (const document of this.documents.values()) {
      if (!document.sha256) continue;
      byHash.set(document.sha256, [...(byHash.get(document.sha256) ?? []), document.id]);
    }
    return [...byHash.values()]
      .filter((paths) => paths.length > 1)
      .map((paths) => paths.sort())
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  private async byMeaning(query: string, limit: number, signal?: AbortSignal): Promise<Array<{ item: string; score: number }>> {
    if (!this.embedding || this.failure) return [];
    try {
      await this.embedAll(signal);
      const vector = await embedQuery(this.embedding.model, query, signal);
      return nearest(vector, this.vectors, limit, meaningThreshold(vector, this.vectors.values()));
    } catch (error) {
      if (signal?.aborted) throw error;
      this.failure = problemOf(error);
      return [];
    }
  }

  private hitFor(id: string, score: number, by: 'words' | 'meaning'): SearchHit[] {
    const document = this.documents.get(id);
    return document ? [{ path: id, kind: document.kind, score, title: this.titles.get(id), snippet: openingOf(document), matchedBy: [by] }] : [];
  }
}

function meaningThreshold(query: Float32Array, vectors: Iterable<Float32Array>): number {
  const scores = [...vectors].map((vector) => dot(query, vector)).sort((a, b) => a - b);
  const median = scores.length > 0 ? scores[Math.floor(scores.length / 2)] : 0;
  return Math.max(MEANING_FLOOR, median + MEANING_MARGIN);
}

/** Where a snippet is taken from first: the title and name are shown with every hit anyway. */
const SNIPPET_ORDER: readonly SearchField[] = ['summary', 'ocr', 'transcript', 'vision', 'tags', 'name', 'title'];

function orderedFields(fields: readonly SearchField[]): SearchField[] {
  return SNIPPET_ORDER.filter((field) => fields.includes(field));
}

/** The query's words as typed, for highlighting when the index matched them by prefix. */
function queryTerms(query: string): string[] {
  return query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
