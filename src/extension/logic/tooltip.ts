/**
 * The hover of a file in the tree (markdown, built lazily in resolveTreeItem) and the plain text of
 * "Show Full Text". Every piece of untrusted text is escaped or fenced here; see markdown.ts.
 */
import path from 'node:path';
import { describeMetadata, formatDuration, type FileRecord } from '../../core/records';
import { inertTerminalText } from '../../core/inert';
import { codeBlock, encodeSegment, escapeInline, escapeLines, excerpt, thumbnailMarkdown } from './markdown';
import type { FileEntry } from './model';
import { cleanOcrText } from '../../processors/ocrText';
import { extensionWording, fixActions } from './wording';
import { entryDescription, STATE_NAMES } from './presentation';

/**
 * The only commands a hover's links may run (MarkdownString.isTrusted's enabledCommands): the file's own actions.
 * Everything untrusted in a hover is escaped, so only the links built here are links at all.
 */
export const HOVER_COMMANDS = ['mediaSummarizer.resummarize', 'mediaSummarizer.showFullText', 'mediaSummarizer.downloadWhisperModel'] as const;
type HoverCommand = (typeof HOVER_COMMANDS)[number];

export interface TooltipOptions {
  platform?: NodeJS.Platform;
  /** Show a thumbnail of images (where the hover can render it). Default true. */
  thumbnail?: boolean;
  /** Characters of OCR text or transcript shown in the hover. */
  excerptChars?: number;
  excerptLines?: number;
}

/** Thumbnails of very large files are not loaded into a hover. */
const MAX_THUMBNAIL_BYTES = 25 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** The markdown of a file's hover: title, state, summary, thumbnail, tags, metadata, an excerpt of its text. */
export function buildTooltip(entry: FileEntry, options: TooltipOptions = {}): string {
  const record = entry.record;
  const name = path.basename(entry.path);
  const blocks: string[] = [];
  const title = record?.status === 'ok' && record.title?.trim() ? record.title : name;
  blocks.push(`**${escapeInline(title)}**`);

  const stateLine = entry.state === 'running' || entry.state === 'queued' ? entryDescription(entry) : STATE_NAMES[entry.state];
  blocks.push(`*${escapeInline(stateLine)}*`);

  if (record?.status === 'ok' && record.summary?.trim()) blocks.push(escapeLines(record.summary));
  if (record?.status === 'pending') blocks.push(escapeLines(`Summary pending: ${record.error ?? 'the LLM was not available'}`));
  if (record?.status === 'error') blocks.push(escapeLines(`Error: ${record.error ?? 'unknown error'}`));
  if (record?.partial) blocks.push(escapeLines(`Partial: ${extensionWording(record.partial)}`));

  if (entry.mediaKind === 'image' && options.thumbnail !== false) {
    const size = record?.metadata.sizeBytes;
    if (size === undefined || size <= MAX_THUMBNAIL_BYTES) {
      const image = thumbnailMarkdown(entry.path, { width: record?.metadata.width, height: record?.metadata.height }, { platform: options.platform });
      if (image) blocks.push(image);
    }
  }

  const facts: string[] = [];
  if (record?.tags?.length) facts.push(`Tags: ${escapeInline(record.tags.join(', '))}`);
  const meta = record ? describeMetadata(record.metadata) : '';
  if (meta) facts.push(escapeInline(meta));
  const size = record?.metadata.sizeBytes;
  facts.push(`${escapeInline(name)}${size !== undefined ? ` · ${escapeInline(formatBytes(size))}` : ''}`);
  if (record?.metadata.transcribedSeconds !== undefined) {
    facts.push(escapeInline(`Transcribed the first ${formatDuration(record.metadata.transcribedSeconds)}`));
  }
  blocks.push(facts.join('  \n'));

  const chars = options.excerptChars ?? 600;
  const lines = options.excerptLines ?? 12;
  if (record?.visionText?.trim()) blocks.push(`Description:\n\n${codeBlock(excerpt(record.visionText, chars, lines))}`);
  if (record?.transcript?.trim()) blocks.push(`Transcript${record.spokenLanguage ? ` (${escapeInline(languageName(record.spokenLanguage))})` : ''}:\n\n${codeBlock(excerpt(record.transcript, chars, lines))}`);
  const text = record ? readableText(record) : '';
  if (text) blocks.push(`Text found:\n\n${codeBlock(excerpt(text, chars, lines))}`);
  const links = actionLinks(entry);
  if (links) blocks.push(links);
  return blocks.join('\n\n');
}

/**
 * The OCR text worth showing: in a photo, tesseract reads texture as letters ("on. _ » 1 nt"); lines without a
 * word are dropped with the rule OCR applies today (records cached before it keep their noise otherwise).
 * Frame text of a recording is kept as it is: its lines carry timestamps.
 */
function readableText(record: FileRecord): string {
  const text = record.ocrText?.trim() ?? '';
  return record.kind === 'image' ? cleanOcrText(text) : text;
}

/** The file's actions as links: Retry for a failed or pending file, Show Full Text, a missing whisper model's download. */
function actionLinks(entry: FileEntry): string {
  const record = entry.record;
  if (!record || entry.state === 'queued' || entry.state === 'running') return '';
  // The argument is what the view passes: the commands take a file element by its kind and path.
  const target = { kind: 'file', path: entry.path, root: entry.root };
  const links: string[] = [];
  if (record.status !== 'ok') links.push(commandLink('Retry', 'mediaSummarizer.resummarize', target));
  links.push(commandLink('Show Full Text', 'mediaSummarizer.showFullText', target));
  const problem = record.problem ?? record.partial;
  if (problem && fixActions(problem).some((action) => action.label === 'Download Whisper Model')) {
    links.push(commandLink('Download Whisper Model', 'mediaSummarizer.downloadWhisperModel'));
  }
  return links.join(' · ');
}

function commandLink(label: string, command: HoverCommand, arg?: unknown): string {
  // Parentheses too: a file name's ")" must not end the link's destination early.
  const query = arg === undefined ? '' : `?${encodeSegment(JSON.stringify([arg]))}`;
  return `[${label}](command:${command}${query})`;
}

/** Everything known about a file as plain text, for the read-only "Show Full Text" document. */
export function renderFullText(file: string, record: FileRecord | undefined): string {
  const clean = (text: string) => inertTerminalText(text.replace(/\r\n?/g, '\n'), true).trim();
  const name = path.basename(file);
  const out: string[] = [clean(name), '='.repeat(Math.min(80, Math.max(3, name.length))), `Path: ${clean(file)}`];
  if (!record) {
    out.push('', 'This file has not been summarized yet (or its results are not in the cache).');
    return `${out.join('\n')}\n`;
  }
  const status = record.status === 'ok' ? (record.cached ? 'summarized (from cache)' : 'summarized') : record.status === 'pending' ? 'summary pending' : 'failed';
  out.push(`Status: ${status}`);
  if (record.title) out.push(`Title: ${clean(record.title)}`);
  if (record.tags?.length) out.push(`Tags: ${clean(record.tags.join(', '))}`);
  const meta = describeMetadata(record.metadata);
  if (meta) out.push(`Metadata: ${clean(meta)}`);
  if (record.error) out.push(`${record.status === 'pending' ? 'Pending' : 'Error'}: ${clean(record.error)}`);
  if (record.partial) out.push(`Partial: ${clean(extensionWording(record.partial))}`);
  const section = (heading: string, text: string | undefined) => {
    if (!text?.trim()) return;
    out.push('', heading, '-'.repeat(heading.length), clean(text));
  };
  section('Summary', record.summary);
  section(record.spokenLanguage ? `Transcript (${languageName(record.spokenLanguage)})` : 'Transcript', record.transcript);
  section('Text found (OCR)', record.ocrText);
  section('Image description', record.visionText);
  if (!record.summary && !record.transcript && !record.ocrText && !record.visionText) out.push('', 'No text was found in this file.');
  return `${out.join('\n')}\n`;
}

/** "de" → "German"; a code Intl does not know stays as it is. */
function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
