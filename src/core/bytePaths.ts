/**
 * Linux and macOS file names are bytes, not text: `bad\xff\xfe.png` is a legal name that no JavaScript string read
 * as UTF-8 can name (Node turns the bytes into U+FFFD, and that string opens nothing). Such names are carried as
 * strings in which each byte that is not part of valid UTF-8 becomes a lone low surrogate U+DC80–U+DCFF (Python's
 * "surrogateescape"): valid UTF-8 never decodes to a lone surrogate, so the mapping is one-to-one, the string
 * survives JSON (IPC, the cache) unchanged, and `fsPath()` gives back the exact bytes for every file system call.
 */

const ESCAPE_BASE = 0xdc00;
const fatal = new TextDecoder('utf-8', { fatal: true });

/** A name read as bytes (readdir with encoding 'buffer'), as the string the rest of the program carries. */
export function nameFromBytes(bytes: Buffer): string {
  try {
    return fatal.decode(bytes);
  } catch {
    return decodeEscaping(bytes);
  }
}

/** What to hand the file system for a path: the string itself, or its original bytes when it holds escaped ones. */
export function fsPath(file: string): string | Buffer {
  return hasEscapedBytes(file) ? bytesOf(file) : file;
}

/** True when the path holds bytes that are not UTF-8 (the file system needs `fsPath()`, a child process a link). */
function hasEscapedBytes(file: string): boolean {
  return ESCAPED_BYTE.test(file);
}

/** The escaped bytes shown as `\xFF`, for people and prompts. */
export function showEscapedBytes(text: string): string {
  return text.replace(ESCAPED_BYTES, (char) => `\\x${(char.charCodeAt(0) - ESCAPE_BASE).toString(16).toUpperCase().padStart(2, '0')}`);
}

// A low surrogate not preceded by a high one; only escaped bytes (U+DC80–U+DCFF) ever appear alone in a path.
const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const ESCAPED_BYTES = new RegExp(ESCAPED_BYTE.source, 'g');

function decodeEscaping(bytes: Buffer): string {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes[i]);
    const decoded = length > 0 && i + length <= bytes.length ? tryDecode(bytes.subarray(i, i + length)) : undefined;
    if (decoded === undefined) {
      text += String.fromCharCode(ESCAPE_BASE + bytes[i]);
      i += 1;
    } else {
      text += decoded;
      i += length;
    }
  }
  return text;
}

/** How many bytes a UTF-8 sequence starting with `lead` has; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The decoder decides validity (overlong forms, encoded surrogates, beyond U+10FFFF), not a hand-written table. */
function tryDecode(sequence: Uint8Array): string | undefined {
  try {
    return fatal.decode(sequence);
  } catch {
    return undefined;
  }
}

function bytesOf(file: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < file.length; i++) {
    const code = file.charCodeAt(i);
    const lone = code >= 0xdc80 && code <= 0xdcff && !(i > 0 && isHighSurrogate(file.charCodeAt(i - 1)));
    if (!lone) {
      run += file[i];
      continue;
    }
    if (run) parts.push(Buffer.from(run, 'utf8'));
    run = '';
    parts.push(Buffer.of(code - ESCAPE_BASE));
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
