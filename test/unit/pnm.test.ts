import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePgm, rgbaToGray } from '../../src/processors/pnm';

test('PGM for tesseract: a P5 header, one gray byte a pixel in row order', () => {
  const pgm = encodePgm({ data: Buffer.from([0, 128, 255, 7, 8, 9]), width: 3, height: 2 });
  const header = 'P5\n3 2\n255\n';
  assert.equal(pgm.subarray(0, header.length).toString('ascii'), header);
  assert.deepEqual([...pgm.subarray(header.length)], [0, 128, 255, 7, 8, 9]);
});

test("gray uses leptonica's luminance weights 0.3/0.5/0.2 with its rounding, so tesseract sees the gray it would make", () => {
  // Opaque red, green, blue, white and a mixed colour: round(0.3 r + 0.5 g + 0.2 b).
  const pixels = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
    [10, 20, 31],
  ];
  const data = Uint8Array.from(pixels.flatMap(([r, g, b]) => [r, g, b, 255]));
  const gray = rgbaToGray({ data, width: pixels.length, height: 1 });
  assert.deepEqual([...gray.data], [77, 128, 51, 255, 19]); // 76.5 → 77, 127.5 → 128, 51, 255, 19.2 → 19
});

test('gray: alpha is composited over white (transparent black is white, half-transparent black is mid gray)', () => {
  const data = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 255]);
  const gray = rgbaToGray({ data, width: 3, height: 1 });
  assert.deepEqual([...gray.data], [255, 127, 0]); // 255 * 127 / 255
});
