import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePpm } from '../../src/processors/pnm';

test('PPM for tesseract: a P6 header, RGB in row order, alpha composited over white', () => {
  // 2x1: opaque red, then black at alpha 0 (fully transparent) — no 3x2, no mix-up of rows and columns.
  const ppm = encodePpm({ data: Uint8Array.from([255, 0, 0, 255, 0, 0, 0, 0]), width: 2, height: 1 });
  const header = 'P6\n2 1\n255\n';
  assert.equal(ppm.subarray(0, header.length).toString('ascii'), header);
  assert.deepEqual([...ppm.subarray(header.length)], [255, 0, 0, 255, 255, 255]);
});

test('PPM: half-transparent black over white is mid grey; the size is the header plus 3 bytes a pixel', () => {
  const width = 3;
  const height = 2;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([0, 0, 0, 128], i);
  const ppm = encodePpm({ data, width, height });
  const header = `P6\n${width} ${height}\n255\n`;
  assert.equal(ppm.length, header.length + width * height * 3);
  assert.ok([...ppm.subarray(header.length)].every((v) => v === 127), 'black at alpha 128 over white: 255 * 127 / 255');
});
