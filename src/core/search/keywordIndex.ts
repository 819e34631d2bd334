/**
 * Word search over every field of every file, with MiniSearch: pure JavaScript (the extension host loads no
 * native code), BM25 ranking, prefix and typo tolerance per term, documents added and removed one by one as files
 * finish, and small (a few MB for 10,000 files). Orama does the same with a larger footprint and an async API
 * throughout; Lunr cannot remove documents.
 */
import MiniSearch, { type SearchResult } from 'minisearch';
import { SEARCH_FIELDS, type SearchDocument, type SearchField } from './document';

export interface KeywordHit {
  id: string;
  score: number;
  /** The indexed terms that matched (after prefix and typo expansion). */
  terms: string[];
  /** The fields they matched in, best first. */
  fields: SearchField[];
}

/** A title or name match counts for more than a word deep in a transcript. */
const BOOST: Partial<Record<SearchField, number>> = { title: 3, name: 2.5, tags: 2, summary: 1.5 };

type Indexed = { id: string } & Record<SearchField, string>;

const PASSES = [
  { combineWith: 'AND', fuzzy: false },
  { combineWith: 'AND' },
  { combineWith: 'OR' },
] as const;

const OPTIONS = {
  fields: [...SEARCH_FIELDS],
  searchOptions: {
    boost: BOOST,
    // "inv" finds "invoice"; "invioce" finds it too (two letters swapped are two edits for Levenshtein, allowed
    // from seven letters on, one from four); shorter terms match exactly, or every short word would match.
    prefix: (term: string) => term.length >= 3,
    fuzzy: (term: string) => (term.length >= 7 ? 2 : term.length >= 4 ? 1 : false),
  },
};

export class KeywordIndex {
  private constructor(private readonly index: MiniSearch<Indexed>) {}

  static empty(): KeywordIndex {
    return new KeywordIndex(new MiniSearch<Indexed>(OPTIONS));
  }

  /** An index saved with toJSON(): loading it is about three times faster than building it again. */
  static fromJSON(json: string): KeywordIndex {
    return new KeywordIndex(MiniSearch.loadJSON<Indexed>(json, OPTIONS));
  }

  toJSON(): string {
    return JSON.stringify(this.index);
  }

  get size(): number {
    return this.index.documentCount;
  }

  /** Adds the document, replacing the file's earlier one. */
  set(document: SearchDocument): void {
    this.remove(document.id);
    this.index.add({ id: document.id, ...document.fields });
  }

  remove(id: string): void {
    if (this.index.has(id)) this.index.discard(id);
  }

  /**
   * Files holding every word of the query as typed (or as a word's start); when none does, with typos allowed;
   * when still none, any of the words. A typo's near miss ("voice" for "invoice") never outranks the real word.
   */
  search(query: string, limit: number): KeywordHit[] {
    for (const options of PASSES) {
      const results = this.index.search(query, options);
      if (results.length > 0) return results.slice(0, limit).map(toHit);
    }
    return [];
  }
}

function toHit(result: SearchResult): KeywordHit {
  const matched = new Set(Object.values(result.match as Record<string, string[]>).flat());
  return { id: String(result.id), score: result.score, terms: result.terms, fields: SEARCH_FIELDS.filter((field) => matched.has(field)) };
}
