/**
 * OCR in other languages with the real tesseract.js: screenshots rendered with real fonts (ffmpeg's drawtext) in
 * German, Spanish, Japanese and Simplified Chinese, read with English plus the language (its data from the
 * `@tesseract.js-data/<lang>` npm packages, as a user's download would give), each at a reported character error
 * rate; English alone on the same German shows what the language data is for. English is read as before.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { resolveFfmpeg } from '../../src/processors/media/ffmpeg';
import { createOcrEngine, tesseractPaths, type OcrEngine } from '../../src/processors/ocrEngine';
import { ocrDataDir, ocrLangPath } from '../../src/processors/ocrLanguages';
import { characterErrorRate } from '../support/cer';
import { fontMissing, renderWithFont, type FontName } from '../support/renderFont';
import { tempDir } from '../support/paths';

const SAMPLES: Array<{ lang: string; name: string; font: FontName; lines: string[]; maxCer: number }> = [
  { lang: 'deu', name: 'German', font: 'latin', lines: ['Rechnung Nr. 2025-0117 für Müller GmbH', 'Größe: 12 Stück, Gesamtbetrag 240,50 €', 'Überweisung bis 15. März an die Bäckerei'], maxCer: 0.05 },
  { lang: 'spa', name: 'Spanish', font: 'latin', lines: ['Recibo de la ferretería número 4711', 'Total: 87,50 € — gracias por su compra', 'Dirección: Calle Mayor 12, Logroño, España'], maxCer: 0.05 },
  { lang: 'jpn', name: 'Japanese', font: 'japanese', lines: ['会議は明日の午後三時からです', '東京都渋谷区の本社ビル五階', '予算の確認をお願いします'], maxCer: 0.15 },
  { lang: 'chi_sim', name: 'Simplified Chinese', font: 'chinese', lines: ['会议纪要第三季度预算', '北京市朝阳区建国路八十八号', '请在星期五之前确认付款'], maxCer: 0.15 },
];

const ENGLISH = ['Ticket OPS-5150 reopened by Dana', 'queue acme-billing-eu at 14:05'];

let ffmpeg: string | undefined;
before(async () => {
  ffmpeg = await resolveFfmpeg().catch(() => undefined);
});

const engines: OcrEngine[] = [];
after(() => Promise.all(engines.map((engine) => engine.terminate())));

async function engineFor(langs: string[]): Promise<OcrEngine> {
  const engine = await createOcrEngine({ langs: langs.join('+'), dir: await ocrLangPath(langs, await tempDir('ocr-langs')), gzip: true });
  engines.push(engine);
  return engine;
}

describe('OCR languages, read by tesseract.js', () => {
  for (const sample of SAMPLES) {
    test(`${sample.name}: eng+${sample.lang}`, { skip: fontMissing(sample.font) }, async (t) => {
      if (!ffmpeg) return t.skip('ffmpeg is not installed (Debian: apt-get install ffmpeg)');
      const image = await renderWithFont(ffmpeg, sample.lines, sample.font);
      const text = await (await engineFor(['eng', sample.lang])).recognize(image);
      const cer = characterErrorRate(text, sample.lines.join('\n'));
      t.diagnostic(`${sample.name} CER ${(cer * 100).toFixed(1)} %: ${JSON.stringify(text)}`);
      assert.ok(cer <= sample.maxCer, `CER ${(cer * 100).toFixed(1)} % > ${sample.maxCer * 100} %: ${text}`);
      if (sample.lang === 'deu') {
        const englishOnly = await (await engineFor(['eng'])).recognize(image);
        const without = characterErrorRate(englishOnly, sample.lines.join('\n'));
        t.diagnostic(`German read with English alone: CER ${(without * 100).toFixed(1)} %: ${JSON.stringify(englishOnly)}`);
      }
    });
  }

  test('English: unchanged, with the shipped data alone or beside another language', { skip: fontMissing('latin') }, async (t) => {
    if (!ffmpeg) return t.skip('ffmpeg is not installed (Debian: apt-get install ffmpeg)');
    const image = await renderWithFont(ffmpeg, ENGLISH, 'latin');
    for (const langs of [['eng'], ['eng', 'deu']]) {
      const text = await (await engineFor(langs)).recognize(image);
      const cer = characterErrorRate(text, ENGLISH.join('\n'));
      t.diagnostic(`English with ${langs.join('+')}: CER ${(cer * 100).toFixed(1)} %`);
      assert.ok(cer <= 0.03, `${langs.join('+')}: ${text}`);
    }
  });

  test('the shipped English is read from its own package folder; languages in different places are gathered into the data folder', async () => {
    const dataDir = await tempDir('ocr-gather');
    assert.equal(await ocrLangPath(['eng'], dataDir), tesseractPaths().langPath);
    const gathered = await ocrLangPath(['eng', 'deu'], dataDir);
    assert.equal(gathered, ocrDataDir(dataDir));
    assert.deepEqual((await readdir(gathered)).sort(), ['deu.traineddata.gz', 'eng.traineddata.gz']);
    await assert.rejects(ocrLangPath(['eng', 'kat'], dataDir), /OCR data for "kat" is not installed/);
  });
});
