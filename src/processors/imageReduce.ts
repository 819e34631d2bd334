import { readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from '../core/bytePaths';
import { scratchFolder } from '../core/scratch';
import { asFfmpegInput, FfmpegError, runFfmpeg } from './media/ffmpeg';
import { MediaContentError } from './mediaContentError';
import { decodePngReduced, readPngHeader, type Bitmap } from './pngStream';

/*
 * Large images are decoded straight to the size OCR gets, never to full size in the worker:
 * - PNG (screenshots) by a streaming decoder: memory is two scanlines plus the output. Its work still grows with
 *   the pixel count, so a PNG above MAX_STREAM_PIXELS (a decompression bomb, or no real screenshot) is refused.
 * - JPEG, TIFF, BMP, GIF and WebP by ffmpeg in its own process, JPEG with its DCT downscale (-lowres) so even
 *   ffmpeg never holds the full image. ffmpeg refuses pictures above about 268 megapixels (its image size check).
 * - What neither can do (HEIF, interlaced PNG, no ffmpeg) is decoded in full only up to MAX_FULL_DECODE_PIXELS.
 */
const MAX_STREAM_PIXELS = 1_000_000_000;
/** The streaming decoder keeps a few buffers the width of a scanline: a 10^9 x 1 "image" must not get them. */
const MAX_STREAM_SIDE = 200_000;
const MAX_FFMPEG_PIXELS = 260_000_000;
/** 4 bytes a pixel in the decoder plus a copy to resize from: about 500 MB at this bound. */
const MAX_FULL_DECODE_PIXELS = 60_000_000;
const FFMPEG_FORMATS = new Set(['jpg', 'tiff', 'bmp', 'gif', 'webp']);

export interface ReduceRequest {
  file: string;
  name: string;
  bytes: Buffer;
  format: string;
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
  /** The ffmpeg to run (the configured one); rejects with what to install when there is none. */
  ffmpeg: () => Promise<string>;
  /** The in-process decoder for what has no bounded decoder (jimp or libheif). */
  decodeFull: () => Promise<Bitmap>;
}

export async function decodeReduced(request: ReduceRequest): Promise<Bitmap> {
  const { name, format, width, height } = request;
  const pixels = width * height;
  const size = `${width}x${height} pixels (${Math.round(pixels / 1e6)} megapixels)`;
  if (format === 'png' && !readPngHeader(request.bytes, name).interlaced) {
    if (pixels > MAX_STREAM_PIXELS || Math.max(width, height) > MAX_STREAM_SIDE) {
      throw new MediaContentError(`${name} is ${size}, more than can be summarized (at most ${MAX_STREAM_PIXELS / 1e6} megapixels and ${MAX_STREAM_SIDE} pixels a side) — save a smaller copy to summarize it.`);
    }
    return decodePngReduced(request.bytes, name, request.outWidth, request.outHeight);
  }
  if (FFMPEG_FORMATS.has(format) && pixels <= MAX_FFMPEG_PIXELS) {
    const ffmpeg = await request.ffmpeg().catch((error: Error) => {
      if (pixels <= MAX_FULL_DECODE_PIXELS) return undefined;
      throw new Error(`${name} is ${size}; images this large are decoded with ffmpeg. ${error.message}`);
    });
    if (ffmpeg) return decodeWithFfmpeg(ffmpeg, request);
  }
  if (pixels <= MAX_FULL_DECODE_PIXELS) return request.decodeFull();
  const limit = `at most ${MAX_FULL_DECODE_PIXELS / 1e6} megapixels${FFMPEG_FORMATS.has(format) ? `, ${MAX_FFMPEG_PIXELS / 1e6} with ffmpeg` : ''}`;
  const fix = format === 'png' ? 'save it as a non-interlaced PNG' : 'save a smaller copy, or a PNG,';
  throw new MediaContentError(`${name} is ${size}, more than can be decoded safely as ${format.toUpperCase()} (${limit}) — ${fix} to summarize it.`);
}

/** ffmpeg sees a private link with a fixed name, never the user's file name, and writes raw RGBA at the output size. */
async function decodeWithFfmpeg(ffmpeg: string, request: ReduceRequest): Promise<Bitmap> {
  const { name, format, width, outWidth, outHeight } = request;
  const dir = await scratchFolder('image');
  try {
    // As for videos: links on Windows need privileges, and its file names cannot hold the characters that matter.
    const source = process.platform === 'win32' ? path.resolve(request.file) : path.join(dir, `input.${format}`);
    if (source !== path.resolve(request.file)) await symlink(fsPath(path.resolve(request.file)), source);
    const output = path.join(dir, 'reduced.rgba');
    // JPEG decodes at 1/2, 1/4 or 1/8 of its size from the DCT coefficients, as long as that stays above the output.
    const lowres = format === 'jpg' ? Math.max(0, Math.min(3, Math.floor(Math.log2(width / outWidth)))) : 0;
    await runFfmpeg(ffmpeg, [
      '-loglevel', 'error',
      ...(lowres > 0 ? ['-lowres', String(lowres)] : []),
      '-i', asFfmpegInput(source),
      '-frames:v', '1',
      '-vf', `scale=${outWidth}:${outHeight}:flags=area`,
      '-f', 'rawvideo', '-pix_fmt', 'rgba', '-y', asFfmpegInput(output),
    ], { timeoutMs: 5 * 60_000 }).catch((error: Error) => {
      if (error instanceof FfmpegError) throw new MediaContentError(`${name} could not be decoded as ${format.toUpperCase()} (${error.message}) — the file may be truncated or corrupt.`);
      throw error;
    });
    const data = await readFile(output);
    if (data.length !== outWidth * outHeight * 4) throw new MediaContentError(`${name} could not be decoded as ${format.toUpperCase()} (ffmpeg produced no picture) — the file may be truncated or corrupt.`);
    return { data, width: outWidth, height: outHeight };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
