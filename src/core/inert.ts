import { showEscapedBytes } from './bytePaths';

/**
 * Untrusted text (file names, OCR text, transcripts, LLM output) printed to a terminal must not carry escape
 * sequences that move the cursor, retitle the window or hide output: control characters become visible "?".
 */
export function inertTerminalText(text: string, keepNewlines = false): string {
  return replaceControls(text, '?', keepNewlines);
}

/**
 * Control characters and bidi overrides in `text` replaced; with `keepLineBreaks`, tabs and newlines stay. The
 * bytes of a file name that are not UTF-8 (escaped in the string, see bytePaths.ts) are shown as `\xFF`.
 */
export function replaceControls(text: string, replacement: string, keepLineBreaks: boolean): string {
  // eslint-disable-next-line no-control-regex
  const controls = keepLineBreaks ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g : /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
  return showEscapedBytes(text.replace(controls, replacement));
}
