/**
 * File names made from untrusted text (a model's title, a tag) that are valid on every OS the folder may be
 * synced to: no path separators, control or reserved characters, none of Windows' reserved device names, no
 * trailing dots or spaces, at most 255 bytes of UTF-8 with the extension kept, and never a name already taken.
 */
import path from 'node:path';
import { replaceControls } from '../inert';

/** The most bytes a name may have on ext4, APFS and NTFS (UTF-16 units there; bytes are the stricter). */
export const MAX_NAME_BYTES = 255;

/** Characters Windows forbids in names, and the path separators of every OS. */
const FORBIDDEN = /[<>:"/\\|?*]/g;
/** Direction marks that, like the overrides replaceControls takes out, can disguise an extension ("txt.exe"). */
const DIRECTION_MARKS = /[\u061c\u200e\u200f]/g;

/** Controls, direction overrides and marks as spaces. */
function withoutControls(text: string): string {
  return replaceControls(text, ' ', false).replace(DIRECTION_MARKS, ' ');
}
/** Windows' device names, reserved with any extension ("con.png" opens the console). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/**
 * A name part (no extension) from free text: forbidden characters become spaces, runs of spaces one, leading and
 * trailing dots and spaces go; empty stays empty (the caller falls back to something else).
 */
export function cleanNamePart(text: string): string {
  const cleaned = withoutControls(text.normalize('NFC')).replace(FORBIDDEN, ' ').replace(/\s+/g, ' ');
  return cleaned.replace(/^[\s.]+|[\s.]+$/g, '');
}

/** Cuts `text` to at most `maxBytes` of UTF-8 on a character boundary (never half a surrogate pair). */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > maxBytes) break;
    out += char;
  }
  return out.replace(/[\s.]+$/, '');
}

/**
 * A full name: `stem` cleaned and cut so that stem + `suffix` (" (2)") + `extension` fit in 255 bytes, and not a
 * reserved device name. `extension` includes its dot and is kept as it is; empty stems become `fallback`.
 */
export function safeFileName(stem: string, extension: string, fallback: string, suffix = ''): string {
  let base = cleanNamePart(stem) || cleanNamePart(fallback) || 'file';
  if (RESERVED.test(base)) base = `${base}_`;
  const ext = withoutControls(extension).replace(/\s/g, '').replace(FORBIDDEN, '');
  return `${cutToBytes(base, MAX_NAME_BYTES - Buffer.byteLength(suffix + ext))}${suffix}${ext}`;
}

/**
 * The first of `stem.ext`, `stem (2).ext`, `stem (3).ext`, … that `isTaken` says is free (compared without case:
 * macOS and Windows folders are case-insensitive).
 */
export function uniqueFileName(stem: string, extension: string, fallback: string, isTaken: (lowerCaseName: string) => boolean): string {
  for (let n = 1; ; n++) {
    const name = safeFileName(stem, extension, fallback, n === 1 ? '' : ` (${n})`);
    if (!isTaken(name.toLowerCase())) return name;
  }
}

/** The extension of a file name as it should be kept ("" for none; dotfiles have none). */
export function keptExtension(fileName: string, lowerCase = false): string {
  const ext = path.extname(fileName);
  return lowerCase ? ext.toLowerCase() : ext;
}
