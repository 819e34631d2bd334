/** One byte a pixel, row after row. */
export interface GrayBitmap {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A decoded image: RGBA, 4 bytes a pixel, rows top to bottom. */
export interface RgbaBitmap {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Binary PGM (P5) for tesseract.js: leptonica reads it with a header parse and a copy, where a PNG costs a
 * deflate in JavaScript to make and an inflate in wasm to read, and gray spares tesseract thresholding three
 * channels. Its recognizer works on gray made with these same weights, so it sees the same pixels.
 */
export function encodePgm(gray: GrayBitmap): Buffer {
  const header = Buffer.from(`P5\n${gray.width} ${gray.height}\n255\n`, 'ascii');
  return Buffer.concat([header, gray.data.subarray(0, gray.width * gray.height)]);
}

/**
 * RGBA to gray with leptonica's luminance weights (0.3, 0.5, 0.2, rounded as pixConvertRGBToLuminance does).
 * Alpha is composited over white, as a viewer shows a transparent screenshot; dropping it would turn
 * transparent pixels black.
 */
export function rgbaToGray(bitmap: RgbaBitmap): GrayBitmap {
  const { data, width, height } = bitmap;
  const out = Buffer.allocUnsafe(width * height);
  for (let p = 0, i = 0; p < width * height; p++, i += 4) {
    const luminance = (data[i] * 3 + data[i + 1] * 5 + data[i + 2] * 2) / 10;
    const alpha = data[i + 3];
    out[p] = alpha === 255 ? luminance + 0.5 : (luminance * alpha + 255 * (255 - alpha)) / 255 + 0.5;
  }
  return { data: out, width, height };
}
