import { readFile } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import { imageSize } from 'image-size';
import { fsPath } from '../core/bytePaths';
import type { MediaMetadata } from '../core/records';
import { decodeReduced } from './imageReduce';
import { resolveFfmpeg } from './media/ffmpeg';
import { MediaContentError } from './mediaContentError';
import { decodePngGray, type Bitmap } from './pngStream';
import { encodePgm, rgbaToGray } from './pnm';

export { MediaContentError };

/**
 * jimp is loaded on first use: it was two thirds of a worker's start-up (150 of 215 ms of CPU), and only
 * BMP, TIFF and GIF, vision inputs and downscaling need it; a PNG, JPEG or WebP goes to OCR without it.
 */
let jimp: JimpApi | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadJimp = (): JimpApi => (jimp ??= (require('jimp') as { Jimp: JimpApi }).Jimp);

/** What is used of jimp (its own generic types do not survive being loaded with require). */
interface JimpImage {
  bitmap: Bitmap;
  resize(size: { w: number; h: number }): JimpImage;
  getBuffer(mime: 'image/png'): Promise<Buffer>;
}
interface JimpApi {
  fromBitmap(bitmap: Bitmap): JimpImage;
  read(bytes: Buffer): Promise<JimpImage>;
}

/** Above this many pixels an image is downscaled before OCR: tesseract's time and memory grow with area. */
const MAX_OCR_PIXELS = 20_000_000;
const MAX_OCR_SIDE = 6000;
/** Vision models work on about a megapixel; sending more only costs transfer and decode time. */
const MAX_VISION_SIDE = 1024;
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/**
 * Formats handed to tesseract.js as they are: leptonica decodes JPEG and WebP in wasm for less CPU than a
 * decode in JavaScript. A PNG goes over as gray PGM (pnm.ts says why) through Node's native inflate; the rest
 * is decoded here and goes over as gray PGM too (tesseract.js would re-encode a BMP byte by byte through a
 * JavaScript object, 0.3 s for a 320x180 image).
 */
const OCR_AS_IS = new Set(['jpg', 'webp']);
/** Formats Ollama's image decoder accepts directly. */
const VISION_NATIVE = new Set(['png', 'jpg']);

export interface PreparedImage {
  metadata: MediaMetadata;
  /** What tesseract.js is given: JPEG and WebP as they are, everything else as gray PGM (large PNGs as they are). */
  ocrInput: Buffer;
  /** Base64 for a vision model, made on demand (it needs a decode for most formats). */
  visionInput: () => Promise<string>;
}

export interface PrepareOptions {
  /** The configured ffmpeg, which decodes large JPEG, TIFF, BMP, GIF and WebP images at reduced size. */
  ffmpeg?: () => Promise<string>;
}

export async function prepareImage(file: string, options: PrepareOptions = {}): Promise<PreparedImage> {
  const name = path.basename(file);
  // Not a MediaContentError: a permission problem is not a property of the bytes, so it must not be cached.
  const bytes = await readFile(fsPath(file)).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : (error.code ?? error.message);
    throw new Error(`Cannot read ${name} (${why}) — make the file readable, then run again.`);
  });
  if (bytes.length === 0) throw new MediaContentError(`${name} is empty (0 bytes) — nothing to summarize.`);
  if (bytes.length > MAX_IMAGE_BYTES) throw new MediaContentError(`${name} is larger than 512 MB — too large to summarize as an image.`);

  const { format, width, height } = identify(bytes, name);
  const metadata: MediaMetadata = { format: format.toUpperCase(), width, height, sizeBytes: bytes.length, exif: await readExif(bytes) };

  const needsDownscale = width * height > MAX_OCR_PIXELS || Math.max(width, height) > MAX_OCR_SIDE;
  let decoded: Promise<Bitmap> | undefined;
  const decodeFull = () => (decoded ??= decodeBitmap(bytes, format, name));

  if (needsDownscale) {
    // Never decoded at full size here: a 20000 x 20000 image would take 1.6 GB as RGBA (see imageReduce.ts).
    const scale = Math.min(Math.sqrt(MAX_OCR_PIXELS / (width * height)), MAX_OCR_SIDE / Math.max(width, height));
    const outWidth = Math.max(1, Math.round(width * scale));
    const outHeight = Math.max(1, Math.round(height * scale));
    const reduced = await decodeReduced({
      file, name, bytes, format, width, height, outWidth, outHeight,
      ffmpeg: options.ffmpeg ?? (() => resolveFfmpeg()),
      decodeFull: async () => loadJimp().fromBitmap(await decodeFull()).resize({ w: outWidth, h: outHeight }).bitmap,
    });
    metadata.downscaled = true;
    return {
      metadata,
      ocrInput: encodePgm(rgbaToGray(reduced)),
      visionInput: async () => (await encodePng(reduced, Math.min(1, MAX_VISION_SIDE / Math.max(reduced.width, reduced.height)))).toString('base64'),
    };
  }

  const ocrInput = await ocrInputOf(bytes, format, name, decodeFull);
  const visionInput = async () => {
    if (VISION_NATIVE.has(format) && Math.max(width, height) <= MAX_VISION_SIDE) return bytes.toString('base64');
    if (format === 'webp') return bytes.toString('base64'); // no pure-JS WebP decoder here; Ollama decodes WebP itself
    const scale = Math.min(1, MAX_VISION_SIDE / Math.max(width, height));
    return (await encodePng(await decodeFull(), scale)).toString('base64');
  };
  return { metadata, ocrInput, visionInput };
}

async function ocrInputOf(bytes: Buffer, format: string, name: string, decodeFull: () => Promise<Bitmap>): Promise<Buffer> {
  if (OCR_AS_IS.has(format)) return bytes;
  if (format === 'png') {
    const gray = decodePngGray(bytes, name);
    return gray ? encodePgm(gray) : bytes;
  }
  return encodePgm(rgbaToGray(await decodeFull()));
}

function identify(bytes: Buffer, name: string): { format: string; width: number; height: number } {
  try {
    const size = imageSize(bytes);
    if (!size.type || !size.width || !size.height) throw new Error('no dimensions');
    const format = size.type === 'jpeg' ? 'jpg' : size.type === 'heic' ? 'heif' : size.type;
    return { format, width: size.width, height: size.height };
  } catch {
    throw new MediaContentError(`${name} is not a readable image (unrecognized or corrupt data) — check that the file opens in an image viewer.`);
  }
}

async function readExif(bytes: Buffer): Promise<MediaMetadata['exif']> {
  try {
    // exifr calls EXIF's DateTime tag "ModifyDate"; raw strings keep the camera's local time as written.
    const tags = (await exifr.parse(bytes, { pick: ['DateTimeOriginal', 'ModifyDate', 'Make', 'Model', 'Software'], reviveValues: false })) as Record<string, unknown> | undefined;
    if (!tags) return undefined;
    const date = asText(tags.DateTimeOriginal) ?? asText(tags.ModifyDate);
    const exif = {
      DateTime: date?.replace(/^(\d{4}):(\d\d):(\d\d)/, '$1-$2-$3'),
      Make: asText(tags.Make),
      Model: asText(tags.Model),
      Software: asText(tags.Software),
    };
    return Object.values(exif).some(Boolean) ? exif : undefined;
  } catch {
    return undefined; // EXIF is optional: a damaged block must not fail the image
  }
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

async function decodeBitmap(bytes: Buffer, format: string, name: string): Promise<Bitmap> {
  try {
    if (format === 'heif') {
      // libheif compiled to wasm (heic-decode): iPhone photos without a native codec.
      const decodeHeic = (await import('heic-decode')).default;
      const image = await decodeHeic({ buffer: bytes });
      return { data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), width: image.width, height: image.height };
    }
    const image = await loadJimp().read(bytes); // PNG, JPEG, BMP, TIFF, GIF (first frame)
    return { data: image.bitmap.data, width: image.bitmap.width, height: image.bitmap.height };
  } catch (error) {
    throw new MediaContentError(`${name} could not be decoded as ${format.toUpperCase()} (${(error as Error).message}) — the file may be truncated or corrupt.`);
  }
}

function encodePng(bitmap: Bitmap, scale: number): Promise<Buffer> {
  const image = loadJimp().fromBitmap(bitmap);
  if (scale < 1) image.resize({ w: Math.max(1, Math.round(bitmap.width * scale)), h: Math.max(1, Math.round(bitmap.height * scale)) });
  return image.getBuffer('image/png');
}
