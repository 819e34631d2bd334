import { Readable } from 'node:stream';
import { constants as zlibConstants, createInflate, inflateSync } from 'node:zlib';
import type { GrayBitmap } from './pnm';
import { MediaContentError } from './mediaContentError';

export interface Bitmap {
  /** RGBA, 4 bytes a pixel, row after row. */
  data: Buffer;
  width: number;
  height: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Partial<Record<number, number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

interface Parsed {
  header: Header;
  palette?: Buffer;
  paletteAlpha?: Buffer;
  data: Buffer[];
}

/** Only the header: enough to choose how to decode. */
export function readPngHeader(bytes: Buffer, name: string): Header {
  return parsePng(bytes, name, false).header;
}

/**
 * Decodes a non-interlaced PNG straight to a smaller size: the compressed data is inflated as a stream and
 * each scanline is unfiltered and averaged into its box of the output as it arrives, so memory is two
 * scanlines plus the output, whatever the image's size. A full-size decode of a 20000 x 20000 screenshot
 * would need 1.6 GB for its pixels alone. Transparent pixels are put on white, as a viewer shows them.
 */
export async function decodePngReduced(bytes: Buffer, name: string, outWidth: number, outHeight: number): Promise<Bitmap> {
  const { width, height } = readPngHeader(bytes, name);
  const column = new Uint32Array(width); // which output column each input column falls in
  const columnWeight = new Uint32Array(outWidth);
  for (let x = 0; x < width; x++) {
    column[x] = Math.min(outWidth - 1, Math.floor((x * outWidth) / width));
    columnWeight[column[x]]++;
  }
  const sums = new Float64Array(outWidth * 3);
  const out = Buffer.alloc(outWidth * outHeight * 4, 255);
  let outRow = 0;
  let rowsInBox = 0;

  const flush = () => {
    for (let o = 0; o < outWidth; o++) {
      const weight = columnWeight[o] * rowsInBox;
      const at = (outRow * outWidth + o) * 4;
      for (let k = 0; k < 3; k++) out[at + k] = weight ? Math.round(sums[o * 3 + k] / weight) : 255;
    }
    sums.fill(0);
    rowsInBox = 0;
  };

  await eachRgbRow(bytes, name, (rgb, row) => {
    const target = Math.min(outHeight - 1, Math.floor((row * outHeight) / height));
    if (target !== outRow) {
      flush();
      outRow = target;
    }
    for (let x = 0; x < width; x++) {
      const o = column[x] * 3;
      sums[o] += rgb[x * 3];
      sums[o + 1] += rgb[x * 3 + 1];
      sums[o + 2] += rgb[x * 3 + 2];
    }
    rowsInBox++;
  });
  flush();
  return { data: out, width: outWidth, height: outHeight };
}

/** Above this much inflated data a PNG is not turned gray here (memory): tesseract.js reads it as it is. */
const GRAY_DECODE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Decodes a non-interlaced PNG of at most GRAY_DECODE_MAX_BYTES inflated to 8-bit gray at full size, on white,
 * with leptonica's luminance weights (0.3, 0.5, 0.2, rounded as pixConvertRGBToLuminance rounds): the gray
 * tesseract would make for its recognizer, made with Node's native inflate in one piece and converted in place
 * (about 3 ms for a 1200 x 180 screenshot). BENCHMARKS.md has what it saves tesseract.js. Undefined for what
 * this cannot do in one piece (interlaced, larger, or extra data after the rows): tesseract.js reads those.
 */
export function decodePngGray(bytes: Buffer, name: string): GrayBitmap | undefined {
  const parsed = parsePng(bytes, name, true);
  const { width, height, bitDepth, colorType, interlaced } = parsed.header;
  if (colorType === 3 && !parsed.palette) throw new MediaContentError(`${name} is a palette PNG without a palette — the file is corrupt.`);
  const rowBytes = Math.ceil((width * CHANNELS[colorType] * bitDepth) / 8);
  const expected = (rowBytes + 1) * height;
  if (interlaced || expected > GRAY_DECODE_MAX_BYTES) return undefined;
  let raw: Buffer;
  try {
    // Never more than the rows: data past them could be gigabytes of zeros compressed a thousandfold.
    raw = inflateSync(Buffer.concat(parsed.data), { maxOutputLength: expected, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined; // extra data after the rows
    throw new MediaContentError(`${name} could not be decoded as PNG (${(error as Error).message}) — the file may be truncated or corrupt.`);
  }
  if (raw.length < expected) {
    throw new MediaContentError(`${name} could not be decoded as PNG (${Math.floor(raw.length / (rowBytes + 1))} of ${height} rows present) — the file may be truncated.`);
  }
  const out = Buffer.allocUnsafe(width * height);
  const step = Math.max(1, (CHANNELS[colorType] * bitDepth) >> 3);
  const rgb = new Uint8Array(width * 3);
  let above: Buffer = Buffer.alloc(rowBytes);
  for (let row = 0, o = 0; row < height; row++) {
    const start = row * (rowBytes + 1);
    const line = raw.subarray(start + 1, start + 1 + rowBytes);
    unfilter(raw[start], line, above, step, name);
    above = line;
    if (bitDepth === 8 && colorType === 6) {
      // The common screenshot, RGBA: straight to gray, alpha over white.
      for (let i = 0; i < rowBytes; i += 4, o++) {
        const luminance = (line[i] * 3 + line[i + 1] * 5 + line[i + 2] * 2) / 10;
        const alpha = line[i + 3];
        out[o] = alpha === 255 ? luminance + 0.5 : (luminance * alpha + 255 * (255 - alpha)) / 255 + 0.5;
      }
    } else if (bitDepth === 8 && colorType === 2) {
      for (let i = 0; i < rowBytes; i += 3, o++) out[o] = (line[i] * 3 + line[i + 1] * 5 + line[i + 2] * 2 + 5) / 10;
    } else {
      toRgb(line, rgb, width, bitDepth, colorType, parsed.palette, parsed.paletteAlpha);
      for (let i = 0; i < width * 3; i += 3, o++) out[o] = (rgb[i] * 3 + rgb[i + 1] * 5 + rgb[i + 2] * 2 + 5) / 10;
    }
  }
  return { data: out, width, height };
}

/**
 * Inflates a non-interlaced PNG as a stream and hands each scanline, unfiltered, to `onRow` as 8-bit RGB on
 * white. The row buffer is reused: `onRow` must copy what it keeps.
 */
async function eachRgbRow(bytes: Buffer, name: string, onRow: (rgb: Uint8Array, row: number) => void): Promise<void> {
  const { header, palette, paletteAlpha, data } = parsePng(bytes, name, true);
  const { width, height, bitDepth, colorType } = header;
  if (header.interlaced) throw new MediaContentError(`${name} is an interlaced PNG, which cannot be decoded row by row.`);
  if (colorType === 3 && !palette) throw new MediaContentError(`${name} is a palette PNG without a palette — the file is corrupt.`);

  const bitsPerPixel = CHANNELS[colorType] * bitDepth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const filterStep = Math.max(1, bitsPerPixel >> 3);
  let previous = Buffer.alloc(rowBytes);
  let current = Buffer.alloc(rowBytes);
  let filter = -1;
  let filled = 0;
  let row = 0;
  const rgb = new Uint8Array(width * 3);

  const finishRow = () => {
    unfilter(filter, current, previous, filterStep, name);
    toRgb(current, rgb, width, bitDepth, colorType, palette, paletteAlpha);
    onRow(rgb, row);
    [previous, current] = [current, previous];
    row++;
    filter = -1;
    filled = 0;
  };

  try {
    for await (const chunk of Readable.from(data, { objectMode: false }).pipe(createInflate()) as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length && row < height) {
        if (filter < 0) {
          filter = chunk[at++];
          continue;
        }
        const take = Math.min(rowBytes - filled, chunk.length - at);
        chunk.copy(current, filled, at, at + take);
        filled += take;
        at += take;
        if (filled === rowBytes) finishRow();
      }
      // Data after the last row is never inflated: it could be gigabytes of zeros compressed a thousandfold.
      if (row === height) break;
    }
  } catch (error) {
    if (error instanceof MediaContentError) throw error;
    throw new MediaContentError(`${name} could not be decoded as PNG (${(error as Error).message}) — the file may be truncated or corrupt.`);
  }
  if (row < height) throw new MediaContentError(`${name} could not be decoded as PNG (${row} of ${height} rows present) — the file may be truncated.`);
}

function parsePng(bytes: Buffer, name: string, wantData: boolean): Parsed {
  const corrupt = (why: string) => new MediaContentError(`${name} could not be decoded as PNG (${why}) — the file may be truncated or corrupt.`);
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) throw corrupt('no PNG signature');
  let header: Header | undefined;
  const parsed: Omit<Parsed, 'header'> = { data: [] };
  for (let at = 8; ; ) {
    if (at + 8 > bytes.length) throw corrupt('it ends before its IEND chunk');
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (body.length < length) throw corrupt(`its ${type} chunk is cut short`);
    if (type === 'IHDR') {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), bitDepth: body[8], colorType: body[9], interlaced: body[12] === 1 };
      if (!BIT_DEPTHS[header.colorType]?.includes(header.bitDepth) || !header.width || !header.height) throw corrupt('an invalid header');
      if (!wantData) return { header, data: [] };
    } else if (type === 'PLTE') parsed.palette = body;
    else if (type === 'tRNS') parsed.paletteAlpha = body;
    else if (type === 'IDAT') parsed.data.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!header) throw corrupt('no IHDR chunk');
  if (parsed.data.length === 0) throw corrupt('no image data');
  return { header, ...parsed };
}

function unfilter(filter: number, row: Buffer, above: Buffer, step: number, name: string): void {
  const n = row.length;
  // The first pixel of a row has no left neighbour: handled apart, so the hot loops test no bounds.
  const first = Math.min(step, n);
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = step; i < n; i++) row[i] = (row[i] + row[i - step]) & 255;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i] + above[i]) & 255;
      return;
    case 3:
      for (let i = 0; i < first; i++) row[i] = (row[i] + (above[i] >> 1)) & 255;
      for (let i = step; i < n; i++) row[i] = (row[i] + ((row[i - step] + above[i]) >> 1)) & 255;
      return;
    case 4:
      for (let i = 0; i < first; i++) row[i] = (row[i] + above[i]) & 255; // no left pixel: Paeth picks the one above
      for (let i = step; i < n; i++) {
        const a = row[i - step];
        const b = above[i];
        const c = above[i - step];
        const pa = b > c ? b - c : c - b; // |p - a| with p = a + b - c
        const pb = a > c ? a - c : c - a; // |p - b|
        const pcSigned = a + b - c - c; // p - c
        const pc = pcSigned < 0 ? -pcSigned : pcSigned;
        row[i] = (row[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return;
    default:
      throw new MediaContentError(`${name} could not be decoded as PNG (unknown row filter ${filter}) — the file is corrupt.`);
  }
}

/** One scanline to 8-bit RGB on white (16-bit samples keep their high byte). */
function toRgb(line: Buffer, rgb: Uint8Array, width: number, depth: number, colorType: number, palette?: Buffer, paletteAlpha?: Buffer): void {
  const bytesPerSample = depth === 16 ? 2 : 1;
  const put = (x: number, r: number, g: number, b: number, a: number) => {
    rgb[x * 3] = a === 255 ? r : (r * a + 255 * (255 - a) + 127) / 255;
    rgb[x * 3 + 1] = a === 255 ? g : (g * a + 255 * (255 - a) + 127) / 255;
    rgb[x * 3 + 2] = a === 255 ? b : (b * a + 255 * (255 - a) + 127) / 255;
  };
  if (depth < 8) {
    const max = (1 << depth) - 1;
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const value = (line[bit >> 3] >> (8 - depth - (bit & 7))) & max;
      if (colorType === 3) put(x, palette![value * 3] ?? 0, palette![value * 3 + 1] ?? 0, palette![value * 3 + 2] ?? 0, paletteAlpha?.[value] ?? 255);
      else {
        const gray = Math.round((value * 255) / max);
        put(x, gray, gray, gray, 255);
      }
    }
    return;
  }
  if (depth === 8 && colorType === 2) {
    rgb.set(line.subarray(0, width * 3)); // the common screenshot: already 8-bit RGB
    return;
  }
  const stride = CHANNELS[colorType] * bytesPerSample;
  for (let x = 0, i = 0; x < width; x++, i += stride) {
    switch (colorType) {
      case 0:
        put(x, line[i], line[i], line[i], 255);
        break;
      case 2:
        put(x, line[i], line[i + bytesPerSample], line[i + 2 * bytesPerSample], 255);
        break;
      case 3: {
        const p = line[i];
        put(x, palette![p * 3] ?? 0, palette![p * 3 + 1] ?? 0, palette![p * 3 + 2] ?? 0, paletteAlpha?.[p] ?? 255);
        break;
      }
      case 4:
        put(x, line[i], line[i], line[i], line[i + bytesPerSample]);
        break;
      default:
        put(x, line[i], line[i + bytesPerSample], line[i + 2 * bytesPerSample], line[i + 3 * bytesPerSample]);
    }
  }
}
