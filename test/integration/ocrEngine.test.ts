import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Jimp } from 'jimp';
import { encodePgm, rgbaToGray } from '../../src/processors/pnm';
import { closeSharedOcrEngine, sharedOcrEngine } from '../support/processorContext';
import { renderTextImage } from '../support/renderText';

after(closeSharedOcrEngine);

const lines = ['Ticket OPS-5150 reopened', 'queue acme-billing-eu'];

test('the engine reads a screenshot as gray PGM (what the worker makes of BMP, GIF, TIFF and HEIC) and as the original PNG', async () => {
  const engine = await sharedOcrEngine();
  const png = await renderTextImage(lines, 'image/png');
  for (const input of [encodePgm(rgbaToGray((await Jimp.read(png)).bitmap)), png]) {
    const text = await engine.recognize(input);
    assert.match(text, /OPS-5150/, text);
    assert.match(text, /acme-billing-eu/, text);
  }
});

test('a screenshot with a transparent background is read from PGM: transparent pixels count as white', async () => {
  const image = await Jimp.read(await renderTextImage(lines, 'image/png'));
  const { data } = image.bitmap;
  // What many tools save: the background fully transparent, its colour channels zero (black).
  for (let i = 0; i < data.length; i += 4) if (data[i] > 128) data.set([0, 0, 0, 0], i);
  const engine = await sharedOcrEngine();
  const text = await engine.recognize(encodePgm(rgbaToGray(image.bitmap)));
  assert.match(text, /OPS-5150/, text);
  assert.match(text, /acme-billing-eu/, text);
});

test('bytes that are no image fail with tesseract.js\'s reason, without the "Error:" prefixes', async () => {
  const engine = await sharedOcrEngine();
  await assert.rejects(engine.recognize(Buffer.from('not an image at all')), (error: Error) => /read image/i.test(error.message) && !/^Error:/.test(error.message));
});
