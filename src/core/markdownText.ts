/**
 * Untrusted text (file names, OCR text, transcripts, model output) as literal Markdown: for the extension's hovers
 * and for exported summaries, which a Markdown preview must show as text, never as a link, an image that loads
 * from the network, HTML or a command.
 */
import { inertTerminalText } from './inert';

/** Every ASCII punctuation character: CommonMark (and VS Code's renderer, marked) lets each be backslash-escaped. */
const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** Control characters and bidirectional overrides, which can hide or reorder text, are made visible. */
function inert(text: string): string {
  return inertTerminalText(text.replace(/\r\n?/g, '\n'), true).replace(/\t/g, ' ');
}

/**
 * Untrusted text as one line of literal markdown text: whitespace (newlines included) collapses to single
 * spaces and every ASCII punctuation character is backslash-escaped, so nothing in it can become a link, an image,
 * an autolink (`https\:`, `www\.`), HTML, emphasis, a heading, a list, a table or a code span.
 */
export function escapeInline(text: string): string {
  return inert(text).replace(/\s+/g, ' ').trim().replace(ASCII_PUNCTUATION, (c) => `\\${c}`);
}

/** Untrusted multi-line text as escaped markdown that keeps its line breaks (hard breaks, blank lines collapsed). */
export function escapeLines(text: string): string {
  const lines = inert(text)
    .split('\n')
    .map((line) => escapeInline(line));
  const kept: string[] = [];
  for (const line of lines) {
    if (line === '' && (kept.length === 0 || kept[kept.length - 1] === '')) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  // A backslash before the newline is CommonMark's hard line break; empty lines separate paragraphs.
  return kept.map((line, i) => (line !== '' && i + 1 < kept.length && kept[i + 1] !== '' ? `${line}\\` : line)).join('\n');
}

