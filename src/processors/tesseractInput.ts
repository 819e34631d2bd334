import { Jimp } from 'jimp';
import { encodePpm } from './pnm';

/**
 * Hands tesseract.js bytes it reads quickly. Every format goes through as it is except BMP: tesseract.js
 * re-encodes a BMP by copying it byte by byte through a JavaScript object (0.3 s for a 320x180 image, more than
 * the recognition), so a BMP is decoded here and passed as PPM, which leptonica reads directly.
 */
export async function forTesseract(image: Buffer): Promise<Buffer> {
  if (image[0] !== 0x42 || image[1] !== 0x4d) return image; // "BM"
  const bitmap = (await Jimp.fromBuffer(image)).bitmap;
  return encodePpm(bitmap);
}
