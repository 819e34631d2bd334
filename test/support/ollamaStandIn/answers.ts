/** The Ollama stand-in: answers derived from the prompt. */
import { EXCERPT_CHARS } from './constants';
import { StandInRequest } from './types';

/** A line like "OCR text:" or "Transcript:" introduces the content a prompt is about. */
const MARKER_LINE = /^[ \t]*(?:ocr(?:[ _-]?text)?|extracted text|transcript(?:ion)?|text|content|input|document)[ \t]*:/gim;

const STOPWORDS = new Set(
  'the and for are but not you all any can her was one our out has had his how its may new now see two who did get let put say she too use that this with from they have been were will your what when which their there them then than into onto also just some such here more most over only very each other about after before under while where summary text content ocr input document transcript'.split(
    ' ',
  ),
);

/**
 * Prompts that fence the file's material as data (a line `<<<BEGIN …>>>` … a line `<<<END …>>>`, as this project's
 * do) are answered from the fenced text only, without the fences and the instruction after them — as a model would.
 */
const BEGIN_LINE = /^<<<BEGIN[^\n]*>>>$/m;
const END_LINE = /^<<<END[^\n]*>>>$/m;

function unfence(text: string): string {
  const begin = BEGIN_LINE.exec(text);
  const from = begin ? begin.index + begin[0].length : 0;
  const end = END_LINE.exec(text.slice(from));
  if (end) return text.slice(from, from + end.index);
  return begin ? text.slice(from) : text;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts at `max` characters, backing up to a word boundary so a quoted phrase stays whole. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > max / 2 ? cut.slice(0, lastSpace) : cut).trim();
}

/** The distinctive part of a prompt: after its last marker line, else its last ~200 characters. */
export function focusText(prompt: string): string {
  let start = -1;
  for (const match of prompt.matchAll(MARKER_LINE)) start = (match.index ?? 0) + match[0].length;
  const collapsed = collapseWhitespace(unfence(start >= 0 ? prompt.slice(start) : prompt));
  if (start >= 0 || collapsed.length <= EXCERPT_CHARS) return collapsed;
  const tail = collapsed.slice(-EXCERPT_CHARS);
  const firstSpace = tail.indexOf(' ');
  return firstSpace > 0 && firstSpace < 40 ? tail.slice(firstSpace + 1) : tail;
}

interface ImageInfo {
  bytes: number;
  kind: string;
  width?: number;
  height?: number;
}

/** Reads just enough of the decoded image to describe it: its size in bytes, format and (PNG/GIF) dimensions. */
function inspectImage(base64: string): ImageInfo {
  const data = Buffer.from(base64, 'base64');
  const info: ImageInfo = { bytes: data.length, kind: 'unknown format' };
  if (data.length >= 24 && data.readUInt32BE(0) === 0x89504e47) {
    Object.assign(info, { kind: 'PNG', width: data.readUInt32BE(16), height: data.readUInt32BE(20) });
  } else if (data.length >= 10 && data.toString('latin1', 0, 4) === 'GIF8') {
    Object.assign(info, { kind: 'GIF', width: data.readUInt16LE(6), height: data.readUInt16LE(8) });
  } else if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    info.kind = 'JPEG';
  } else if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') {
    info.kind = 'WEBP';
  }
  return info;
}

function describeImage(info: ImageInfo): string {
  const dims = info.width !== undefined ? `, ${info.width}x${info.height} px` : '';
  return `an image of ${info.bytes} bytes (${info.kind}${dims})`;
}

/** The sentence that proves vision ran: "Vision input (image(s) seen: 2): an image of 68 bytes (PNG, 1x1 px); …". */
export function visionSentence(images: string[]): string {
  if (images.length === 0) return '';
  return `Vision input (image(s) seen: ${images.length}): ${images.map((b64) => describeImage(inspectImage(b64))).join('; ')}.`;
}

/** Everything the default answers are built from, computed once per request. */
export interface Derived {
  excerpt: string;
  summary: string;
  title: string;
  tags: string[];
  wordCount: number;
  imageCount: number;
}

export function derive(request: StandInRequest): Derived {
  const excerpt = clip(focusText(request.prompt), EXCERPT_CHARS);
  const words = excerpt.match(/[\p{L}\p{N}]+/gu) ?? [];
  const quoted = excerpt === '' ? '(no text provided)' : excerpt;
  const firstSentence = `Summary: ${quoted}${/[.!?…]$/.test(quoted) ? '' : '.'}`;
  const vision = visionSentence(request.images);
  const tags = [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3 && !STOPWORDS.has(w)))].slice(0, 5);
  return {
    excerpt,
    summary: vision ? `${firstSentence} ${vision}` : firstSentence,
    title: excerpt.split(' ').slice(0, 6).join(' ').replace(/[\s.,;:!?-]+$/, '') || 'Untitled',
    tags: tags.length > 0 ? tags : ['untitled'],
    wordCount: words.length,
    imageCount: request.images.length,
  };
}
