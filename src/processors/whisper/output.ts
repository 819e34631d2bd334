/*
 * Parses the JSON file whisper-cli writes with `-oj` (`<-of>.json`):
 *   { "result": { "language": "en" }, "transcription": [ { "offsets": { "from": 0, "to": 11000 }, "text": " And so…" } ] }
 * whisper-cli escapes only `"` and `\` in strings, so a segment with a raw control character (a tab or newline
 * decoded from a token) is not strict JSON; those are escaped before parsing.
 */

import type { Transcript, TranscriptSegment } from '../../core/job';

interface RawOutput {
  result?: { language?: unknown };
  transcription?: unknown;
}

interface RawSegment {
  offsets?: { from?: unknown; to?: unknown };
  text?: unknown;
}

/**
 * Whole-segment annotations whisper emits instead of words for silence, music or noise, e.g. "[BLANK_AUDIO]",
 * "[ Silence ]", "(music)". They carry no content for a summary, so they are dropped.
 */
const NON_SPEECH = /^\s*(\[[^\]]*\]|\([^)]*\)|\*[^*]*\*)\s*$/;

export function parseWhisperJson(json: string): Transcript {
  const raw = JSON.parse(escapeControlCharsInStrings(json)) as RawOutput | null;
  if (raw === null || typeof raw !== 'object' || !Array.isArray(raw.transcription)) {
    throw new Error('no "transcription" array in whisper-cli\'s JSON output');
  }
  const segments: TranscriptSegment[] = [];
  for (const item of raw.transcription as Array<RawSegment | null>) {
    const text = typeof item?.text === 'string' ? item.text.trim() : '';
    if (text === '' || NON_SPEECH.test(text)) continue;
    segments.push({ startMs: toMs(item?.offsets?.from), endMs: toMs(item?.offsets?.to), text });
  }
  // A language code and nothing else: it names the summary's language and is shown in the hover.
  const language = typeof raw.result?.language === 'string' && /^[a-z]{2,3}(-[a-z]{2,4})?$/i.test(raw.result.language) ? raw.result.language.toLowerCase() : undefined;
  return { text: segments.map((segment) => segment.text).join(' '), segments, ...(language ? { language } : {}) };
}

function toMs(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : 0;
}

/** Escapes U+0000–U+001F found inside JSON string literals (outside them they are whitespace or invalid anyway). */
export function escapeControlCharsInStrings(json: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    const code = ch.charCodeAt(0);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      else if (code < 0x20) {
        out += `\\u${code.toString(16).padStart(4, '0')}`;
        continue;
      }
    } else if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}
