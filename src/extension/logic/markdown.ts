/**
 * Markdown built from untrusted text: file names, OCR text, transcripts and LLM output can contain anything,
 * including markdown or HTML written to look like links, images or command links. Everything that reaches a hover
 * goes through these functions, and the MarkdownString they end up in is untrusted (isTrusted false), without
 * HTML and without theme icons. No `vscode` import: tested as plain strings.
 */
import path from 'node:path';
import { inertTerminalText } from '../../core/inert';

export { escapeInline, escapeLines } from '../../core/markdownText';

/** Control characters and bidirectional overrides, which can hide or reorder text, are made visible. */
function inert(text: string): string {
  return inertTerminalText(text.replace(/\r\n?/g, '\n'), true).replace(/\t/g, ' ');
}

/**
 * Untrusted text in a fenced code block: shown verbatim, never interpreted. The fence is longer than any run
 * of backticks in the text, so the text cannot close it.
 */
export function codeBlock(text: string): string {
  const body = inert(text).replace(/\n+$/, '');
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/** Cuts text to at most `max` characters (and `maxLines` lines) on a word boundary, with an ellipsis. */
export function excerpt(text: string, max: number, maxLines = Number.POSITIVE_INFINITY): string {
  let value = text.replace(/\r\n?/g, '\n').trim();
  const lines = value.split('\n');
  let cut = false;
  if (lines.length > maxLines) {
    value = lines.slice(0, maxLines).join('\n');
    cut = true;
  }
  if (value.length > max) {
    const slice = value.slice(0, max);
    const space = slice.search(/\s\S*$/);
    value = space > max * 0.6 ? slice.slice(0, space) : slice;
    cut = true;
  }
  return cut ? `${value.trimEnd()}…` : value;
}

/** The first words of a text on one line (tree item descriptions). */
export function firstWords(text: string, max = 80): string {
  return excerpt(inert(text).replace(/\s+/g, ' '), max);
}

/** Image formats a hover (Chromium's <img>) can show; HEIC, TIFF and SVG are left out. */
const THUMBNAIL_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.webp', '.bmp']);

export function canShowThumbnail(file: string): boolean {
  return THUMBNAIL_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/** encodeURIComponent also leaves !'()* alone; those are encoded too, so the result is [A-Za-z0-9._~%-] only. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A file: URI for a local absolute path whose every character is unreserved or percent-encoded, so it cannot end
 * the markdown link target early, add a title, or carry VS Code's `|width=` suffix. UNC paths (network shares)
 * and relative paths get no URI: a hover must not make Windows contact another machine.
 */
export function safeFileUri(fsPath: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === 'win32') {
    const match = /^([a-zA-Z]):[\\/](.*)$/s.exec(fsPath);
    if (!match) return undefined;
    const segments = match[2].split(/[\\/]+/).filter((s) => s !== '');
    return `file:///${match[1].toLowerCase()}%3A/${segments.map(encodeSegment).join('/')}`;
  }
  if (!fsPath.startsWith('/') || fsPath.startsWith('//')) return undefined;
  const segments = fsPath.split('/').filter((s) => s !== '');
  return `file:///${segments.map(encodeSegment).join('/')}`;
}

/** Fits width × height into a box, keeping the aspect ratio (never enlarging). */
export function fitInto(width: number | undefined, height: number | undefined, maxWidth: number, maxHeight: number): { width: number; height?: number } {
  if (!width || !height || width <= 0 || height <= 0) return { width: maxWidth };
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A markdown image of a local picture for a hover, sized with VS Code's `|width=…,height=…` suffix, or undefined
 * when the format cannot be shown or the path has no safe URI.
 */
export function thumbnailMarkdown(
  fsPath: string,
  size: { width?: number; height?: number } = {},
  options: { platform?: NodeJS.Platform; maxWidth?: number; maxHeight?: number } = {},
): string | undefined {
  if (!canShowThumbnail(fsPath)) return undefined;
  const uri = safeFileUri(fsPath, options.platform);
  if (!uri) return undefined;
  const box = fitInto(size.width, size.height, options.maxWidth ?? 320, options.maxHeight ?? 240);
  const dimensions = box.height ? `width=${box.width},height=${box.height}` : `width=${box.width}`;
  return `![thumbnail](${uri}|${dimensions})`;
}
