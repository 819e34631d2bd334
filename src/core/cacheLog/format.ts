import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/*
 * On-disk format of the result cache (see ../cache.ts for the store built on it).
 *
 * The log is NDJSON, one record per line, only ever appended to (one O_APPEND write per batch, see cache.ts) and
 * never edited in place. Each append starts with a newline (it ends a torn line a killed writer may have left), so
 * empty lines are normal and skipped:
 *
 *   {"h":"media-summarizer-cache","format":1,"id":"<random>","created":<epochMs>}   optional header, first line only
 *   {"k":"<key>","v":<json value>,"t":<epochMs>,"c":"<crc32>"}                       put
 *   {"k":"<key>","d":1,"t":<epochMs>,"c":"<crc32>"}                                  delete (tombstone)
 *
 * "c" is the CRC-32 (8 lowercase hex digits) of the line's UTF-8 bytes before `,"c":"`. It lets a reader notice
 * bytes damaged inside a string (which would still be valid JSON); lines without "c" are accepted (hand-written
 * or older files), lines whose "c" does not match are corrupt. The header's random id tells readers that the file
 * was replaced (compaction, clear) even when the new file happens to reuse the old inode number.
 */

export const CACHE_FILE_NAME = 'cache.v1.ndjson';
export const HEADER_MAGIC = 'media-summarizer-cache';
export const FORMAT_VERSION = 1;

export const NEWLINE = 0x0a;
const CR = 0x0d;
/** `,"c":"` + 8 hex digits + `"}` */
const CHECKSUM_SUFFIX_LENGTH = 16;

export type CacheRecord =
  | { readonly kind: 'put'; readonly key: string; readonly value: unknown; readonly t: number }
  | { readonly kind: 'delete'; readonly key: string; readonly t: number };

export interface CacheHeader {
  readonly id: string;
  readonly format: number;
}

export type ParsedLine =
  | { readonly type: 'record'; readonly record: CacheRecord }
  | { readonly type: 'header'; readonly header: CacheHeader }
  | { readonly type: 'blank' }
  | { readonly type: 'corrupt'; readonly reason: string };

function checksumHex(data: string | Uint8Array): string {
  return crc32(data).toString(16).padStart(8, '0');
}

function seal(body: string): string {
  return `${body},"c":"${checksumHex(body)}"}\n`;
}

/** A new header line (with trailing newline) carrying a fresh random file id. */
export function encodeHeader(now = Date.now()): string {
  const id = randomBytes(12).toString('hex');
  return `{"h":"${HEADER_MAGIC}","format":${FORMAT_VERSION},"id":"${id}","created":${now}}\n`;
}

/** A put line (with trailing newline). `valueJson` must be the output of JSON.stringify. */
export function encodePut(key: string, valueJson: string, t: number): string {
  return seal(`{"k":${JSON.stringify(key)},"v":${valueJson},"t":${t}`);
}

/** A tombstone line (with trailing newline). */
export function encodeDelete(key: string, t: number): string {
  return seal(`{"k":${JSON.stringify(key)},"d":1,"t":${t}`);
}

function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

function checksumMatches(buf: Buffer, start: number, end: number, c: unknown): boolean {
  if (typeof c !== 'string' || !/^[0-9a-f]{8}$/.test(c)) return false;
  if (end - start < CHECKSUM_SUFFIX_LENGTH) return false;
  const suffixStart = end - CHECKSUM_SUFFIX_LENGTH;
  if (buf.toString('latin1', suffixStart, end) !== `,"c":"${c}"}`) return false;
  return checksumHex(buf.subarray(start, suffixStart)) === c;
}

/**
 * Parses one line, `buf[start, end)` without its newline. Never throws: anything that is not a well-formed record
 * (invalid JSON or UTF-8, missing or mistyped fields, checksum mismatch) comes back as `corrupt` with a reason.
 * A header is only recognised on the file's first line (`atFileStart`).
 */
export function parseLine(buf: Buffer, start: number, end: number, atFileStart: boolean): ParsedLine {
  if (end > start && buf[end - 1] === CR) end--; // tolerate CRLF from hand edits
  if (isBlank(buf, start, end)) return { type: 'blank' };
  let obj: unknown;
  try {
    obj = JSON.parse(buf.toString('utf8', start, end));
  } catch {
    return { type: 'corrupt', reason: 'invalid JSON' };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { type: 'corrupt', reason: 'not a JSON object' };
  }
  const o = obj as Record<string, unknown>;
  if (atFileStart && o.h === HEADER_MAGIC) {
    return {
      type: 'header',
      header: {
        id: typeof o.id === 'string' ? o.id : '',
        format: typeof o.format === 'number' ? o.format : FORMAT_VERSION,
      },
    };
  }
  if (typeof o.k !== 'string') return { type: 'corrupt', reason: 'missing or non-string key "k"' };
  if (typeof o.t !== 'number' || !Number.isFinite(o.t)) {
    return { type: 'corrupt', reason: 'missing or non-numeric timestamp "t"' };
  }
  if (Object.hasOwn(o, 'c') && !checksumMatches(buf, start, end, o.c)) {
    return { type: 'corrupt', reason: 'checksum mismatch (damaged bytes)' };
  }
  const hasValue = Object.hasOwn(o, 'v');
  const isDelete = o.d === 1 || o.d === true;
  if (isDelete && !hasValue) return { type: 'record', record: { kind: 'delete', key: o.k, t: o.t } };
  if (hasValue && o.d === undefined) return { type: 'record', record: { kind: 'put', key: o.k, value: o.v, t: o.t } };
  return { type: 'corrupt', reason: hasValue ? 'both value "v" and delete flag "d"' : 'missing value "v"' };
}

/** A short printable excerpt of a damaged line for warnings. */
export function previewBytes(buf: Buffer, start: number, end: number, max = 60): string {
  const text = buf.toString('utf8', start, Math.min(end, start + max * 4)).replace(/[^\x20-\x7e]/g, '?');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
