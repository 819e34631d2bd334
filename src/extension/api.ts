/**
 * What activate() returns to other extensions:
 *
 *   const api = vscode.extensions.getExtension<MediaSummarizerApi>('media-summarizer.media-summarizer')?.exports;
 *   const record = await api.summarize(vscode.Uri.file('/home/me/Desktop/shot.png'));
 *   api.onDidFinishRecord((record) => console.log(record.path, record.summary));
 */
import type * as vscode from 'vscode';
import type { FileRecord } from '../core/records';
import type { SearchHit } from '../core/search/searchIndex';

export type { FileRecord } from '../core/records';
export type { SearchHit } from '../core/search/searchIndex';
export type { Snippet } from '../core/search/snippet';

export interface SummarizeOptions {
  /** Ignore a cached summary and make a new one (the OCR text and transcript stay cached). */
  refresh?: boolean;
}

export interface MediaSummarizerApi {
  /**
   * Summarizes one local image, video or audio file (a `file:` URI) and resolves with its record: status "ok",
   * "pending" (Ollama unavailable; OCR and transcript are kept) or "error". Rejects for other URIs and unsupported
   * files, and when the run is cancelled. Runs wait for one another; cache hits answer without starting workers.
   */
  summarize(uri: vscode.Uri, options?: SummarizeOptions): Promise<FileRecord>;
  /**
   * Files of the Media Summaries view for a query, best first: by any word read from them (OCR text, transcripts,
   * descriptions, summaries, names; prefixes and typos allowed) and, with an Ollama embedding model, by meaning.
   * Each hit says where it matched (`snippet.field`, the text around it, `atSeconds` in a recording).
   */
  search(query: string, options?: { limit?: number }): Promise<SearchHit[]>;
  /** Fires for every file a run finishes, whoever started the run (commands, the Explorer menu or this API). */
  readonly onDidFinishRecord: vscode.Event<FileRecord>;
}
