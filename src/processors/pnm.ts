/** A decoded image: RGBA, 4 bytes a pixel, rows top to bottom. */
export interface RgbaBitmap {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Encodes a bitmap as binary PPM (P6) for tesseract.js: leptonica reads it with a header parse and a copy,
 * where a PNG costs a deflate in JavaScript to make and an inflate in wasm to read. Alpha is composited over
 * white, as a viewer shows a transparent screenshot; dropping it would turn transparent pixels black.
 */
export function encodePpm(bitmap: RgbaBitmap): Buffer {
  const { data, width, height } = bitmap;
  const header = Buffer.from(`P6\n${width} ${height}\n255\n`, 'ascii');
  const out = Buffer.allocUnsafe(header.length + width * height * 3);
  header.copy(out);
  let o = header.length;
  for (let i = 0; i < width * height * 4; i += 4) {
    const alpha = data[i + 3];
    if (alpha === 255) {
      out[o++] = data[i];
      out[o++] = data[i + 1];
      out[o++] = data[i + 2];
    } else {
      const white = 255 * (255 - alpha);
      out[o++] = Math.round((data[i] * alpha + white) / 255);
      out[o++] = Math.round((data[i + 1] * alpha + white) / 255);
      out[o++] = Math.round((data[i + 2] * alpha + white) / 255);
    }
  }
  return out;
}
