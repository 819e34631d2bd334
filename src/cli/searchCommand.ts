/**
 * `media-summarizer search`: finds files of a folder by what was read from them, prints a ranked list (or NDJSON),
 * files like one file, or groups of copies. Nothing is summarized here: files the cache does not know are not
 * found, and the output says how many that is.
 */
import path from 'node:path';
import { inertTerminalText } from '../core/inert';
import { problemOf } from '../core/problems';
import { withFolderSearch, type FolderSearch, type FolderSearchOptions } from '../core/search/folderSearch';
import type { SearchHit } from '../core/search/searchIndex';
import type { Snippet } from '../core/search/snippet';
import { formatTimestamp } from '../processors/media/frameText';
import type { SearchRequest } from './args';
import { cliWording } from './wording';

const FIELD_LABELS: Record<Snippet['field'], string> = {
  title: 'title',
  name: 'name',
  tags: 'tags',
  summary: 'summary',
  ocr: 'on-screen text',
  transcript: 'transcript',
  vision: 'description',
};

export async function runSearch(request: SearchRequest, options: FolderSearchOptions & { json: boolean }): Promise<number> {
  try {
    return await withFolderSearch(options, async (search) => {
      if (search.hint && !request.duplicates) note(cliWording(search.hint));
      if (request.duplicates) return printDuplicates(search, options);
      const hits = request.similar ? await search.index.similar(path.resolve(request.similar), { limit: request.limit, signal: options.signal }) : await search.index.search(request.query ?? '', { limit: request.limit, signal: options.signal });
      if (search.index.semanticFailure) note(`${cliWording(search.index.semanticFailure)} Searched by words only.`);
      if (request.similar && !search.index.has(path.resolve(request.similar))) note(`${request.similar} is not among the summarized files of ${options.folder}.`);
      printHits(hits, options.json, options.folder);
      if (!options.json) printCoverage(search, options.folder);
      return 0;
    });
  } catch (error) {
    process.stderr.write(`media-summarizer: ${inertTerminalText(cliWording(problemOf(error)))}\n`);
    return 1;
  }
}

function note(text: string): void {
  process.stderr.write(`note: ${inertTerminalText(text)}\n`);
}

function printHits(hits: SearchHit[], json: boolean, folder: string): void {
  if (json) {
    for (const hit of hits) process.stdout.write(`${JSON.stringify(hitJson(hit))}\n`);
    return;
  }
  if (hits.length === 0) {
    process.stdout.write('No matches.\n');
    return;
  }
  // isTTY is undefined when stdout is not a terminal, whatever the type says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
  const bold = Boolean(process.stdout.isTTY);
  for (const [i, hit] of hits.entries()) {
    const name = inertTerminalText(path.relative(folder, hit.path) || hit.path);
    const title = hit.title ? ` — ${inertTerminalText(hit.title)}` : '';
    process.stdout.write(`${i + 1}. ${name}${title}${hit.matchedBy.includes('words') ? '' : ' (by meaning)'}\n`);
    if (hit.snippet) process.stdout.write(`   ${where(hit.snippet)}: ${highlighted(hit.snippet, bold)}\n`);
  }
}

function hitJson(hit: SearchHit): Record<string, unknown> {
  const { snippet } = hit;
  return {
    path: hit.path,
    kind: hit.kind,
    score: Math.round(hit.score * 1e6) / 1e6,
    title: hit.title,
    matchedBy: hit.matchedBy,
    ...(snippet ? { field: snippet.field, snippet: snippet.text, highlight: snippet.highlight, ...(snippet.atSeconds !== undefined ? { atSeconds: snippet.atSeconds, at: formatTimestamp(snippet.atSeconds) } : {}) } : {}),
  };
}

function where(snippet: Snippet): string {
  return FIELD_LABELS[snippet.field] + (snippet.atSeconds !== undefined ? ` at ${formatTimestamp(snippet.atSeconds)}` : '');
}

/** The snippet made inert first (one character for one, so the highlight's offsets still hold), then marked. */
function highlighted(snippet: Snippet, bold: boolean): string {
  const text = inertTerminalText(snippet.text);
  if (!snippet.highlight || text.length !== snippet.text.length) return text;
  const [start, end] = snippet.highlight;
  const [on, off] = bold ? ['\u001b[1m', '\u001b[22m'] : ['«', '»'];
  return `${text.slice(0, start)}${on}${text.slice(start, end)}${off}${text.slice(end)}`;
}

function printDuplicates(search: FolderSearch, options: FolderSearchOptions & { json: boolean }): number {
  const groups = search.index.duplicates();
  if (options.json) {
    for (const paths of groups) process.stdout.write(`${JSON.stringify({ type: 'duplicates', paths })}\n`);
    return 0;
  }
  if (groups.length === 0) process.stdout.write('No copies: every summarized file has its own content.\n');
  for (const [i, paths] of groups.entries()) {
    process.stdout.write(`${i + 1}. ${paths.length} files with the same content:\n`);
    for (const file of paths) process.stdout.write(`   ${inertTerminalText(path.relative(options.folder, file) || file)}\n`);
  }
  printCoverage(search, options.folder);
  return 0;
}

/** Files the cache does not know cannot be found: say so, with what to run. */
function printCoverage(search: FolderSearch, folder: string): void {
  const unknown = search.files - search.known;
  if (unknown > 0) process.stdout.write(`\n${unknown} of ${search.files} files are not summarized yet and were not searched — run media-summarizer ${inertTerminalText(folder)} first.\n`);
}
