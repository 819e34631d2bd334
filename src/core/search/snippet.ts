/**
 * The part of a field around a match, for a result line: about 120 characters, the match's place in it (for
 * highlighting), and for a transcript the time of the segment that holds it.
 */
import type { TranscriptSegment } from '../job';
import type { SearchDocument, SearchField } from './document';

export interface Snippet {
  field: SearchField;
  text: string;
  /** [start, end) of the match in `text`. */
  highlight?: [number, number];
  /** Seconds into the recording, for a transcript match. */
  atSeconds?: number;
}

const CONTEXT_CHARS = 50;
const SNIPPET_CHARS = 120;

/** The snippet for the first field (by SEARCH_FIELDS order of `fields`) that holds one of `terms`. */
export function snippetOf(document: SearchDocument, fields: readonly SearchField[], terms: readonly string[]): Snippet | undefined {
  for (const field of fields) {
    const text = document.fields[field];
    const found = findTerm(text, terms);
    if (!found) continue;
    return { ...excerpt(text, found), field, ...(field === 'transcript' ? timeOf(document.segments, text, found.start) : {}) };
  }
  return undefined;
}

/** The start of a field, when a file is found by meaning and no word of the query is in it. */
export function openingOf(document: SearchDocument): Snippet | undefined {
  for (const field of ['summary', 'ocr', 'transcript', 'vision'] as const) {
    const text = document.fields[field].trim();
    if (text) return { field, text: oneLine(text.slice(0, SNIPPET_CHARS)) + (text.length > SNIPPET_CHARS ? '…' : '') };
  }
  return undefined;
}

/** Where the earliest of `terms` (indexed forms: lower case, whole or as a word's start) is in `text`. */
function findTerm(text: string, terms: readonly string[]): { start: number; end: number } | undefined {
  const lower = text.toLowerCase();
  let best: { start: number; end: number } | undefined;
  for (const term of terms) {
    const start = wordStart(lower, term.toLowerCase());
    if (start >= 0 && (!best || start < best.start)) best = { start, end: start + term.length };
  }
  return best;
}

/** The first place `term` starts a word in `text`, or -1. */
function wordStart(text: string, term: string): number {
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    if (at === 0 || !/[\p{L}\p{N}]/u.test(text[at - 1])) return at;
  }
  return -1;
}

function excerpt(text: string, match: { start: number; end: number }): Pick<Snippet, 'text' | 'highlight'> {
  const from = Math.max(0, match.start - CONTEXT_CHARS);
  const to = Math.min(text.length, Math.max(match.end + CONTEXT_CHARS, from + SNIPPET_CHARS));
  const lead = from > 0 ? '…' : '';
  const body = oneLine(text.slice(from, to));
  return { text: `${lead}${body}${to < text.length ? '…' : ''}`, highlight: [lead.length + (match.start - from), lead.length + (match.end - from)] };
}

/** Line breaks as spaces, one for one, so offsets stay where they were. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]/g, ' ');
}

/** The transcript is its segments' text joined with spaces: the segment holding offset `at` gives the time. */
function timeOf(segments: readonly TranscriptSegment[] | undefined, text: string, at: number): { atSeconds?: number } {
  if (!segments?.length) return {};
  let offset = 0;
  for (const segment of segments) {
    const found = text.indexOf(segment.text.trim(), offset);
    if (found < 0) continue;
    const end = found + segment.text.trim().length;
    if (at < end) return { atSeconds: Math.floor(segment.startMs / 1000) };
    offset = end;
  }
  return {};
}
