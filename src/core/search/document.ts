/**
 * What search knows of a file: every text read from it, by where it came from, so a match can say "in the OCR
 * text" or "in the transcript at 1:23". Built from records (the cache's view of each file), never stored apart.
 */
import path from 'node:path';
import type { TranscriptSegment } from '../job';
import type { MediaKind } from '../mediaTypes';
import type { FileRecord } from '../records';

/** Where a match was found, in the order a match there counts for more. */
export const SEARCH_FIELDS = ['title', 'name', 'tags', 'summary', 'ocr', 'transcript', 'vision'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

export interface SearchDocument {
  /** The file's path: one document per file. */
  id: string;
  kind: MediaKind;
  sha256?: string;
  fields: Record<SearchField, string>;
  /** The transcript's timed segments, to tell where in a recording a match is. */
  segments?: TranscriptSegment[];
}

/** A file's document, or undefined when nothing was read from it (an error record). */
export function documentOf(record: FileRecord, segments?: TranscriptSegment[]): SearchDocument | undefined {
  if (record.status === 'error') return undefined;
  return {
    id: record.path,
    kind: record.kind,
    sha256: record.sha256,
    fields: {
      title: record.title ?? '',
      name: path.basename(record.path),
      tags: (record.tags ?? []).join(' '),
      summary: record.summary ?? '',
      ocr: record.ocrText ?? '',
      transcript: record.transcript ?? '',
      vision: record.visionText ?? '',
    },
    ...(segments && segments.length > 0 ? { segments } : {}),
  };
}

/** The text an embedding model is given for a file: what it is about first, then the start of what it holds. */
export function embeddingText(document: SearchDocument, maxChars = EMBEDDING_TEXT_CHARS): string {
  const { title, tags, summary, ocr, transcript, vision } = document.fields;
  const text = [title, summary, tags, vision, ocr, transcript].filter((part) => part.trim() !== '').join('\n');
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}

/** About 500 tokens: within every embedding model's context, and enough for what a file is about. */
const EMBEDDING_TEXT_CHARS = 2000;
