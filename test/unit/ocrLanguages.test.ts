/**
 * OCR languages as settings and flags give them, the default from a locale, the cache key they name, and the
 * cleaning of Chinese and Japanese text (no spaces between characters, two-character lines kept).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractKey } from '../../src/core/cacheKeys';
import { defaultOcrLanguages, ocrLanguageForLocale, parseOcrLanguages } from '../../src/processors/ocrLanguages';
import { cleanOcrText } from '../../src/processors/ocrText';

test('tesseract codes joined with "+", each once; anything else is refused', () => {
  assert.deepEqual(parseOcrLanguages('eng+deu'), ['eng', 'deu']);
  assert.deepEqual(parseOcrLanguages(' ENG + chi_sim + eng '), ['eng', 'chi_sim']);
  for (const bad of ['', '+', 'eng,deu', 'de', 'english', '../eng', 'eng+deu/../x']) assert.throws(() => parseOcrLanguages(bad), /is not a list of OCR languages/, bad);
});

test('a locale gives its tesseract language; Chinese by script or region', () => {
  assert.equal(ocrLanguageForLocale('de-CH'), 'deu');
  assert.equal(ocrLanguageForLocale('pt_BR'), 'por');
  assert.equal(ocrLanguageForLocale('zh-cn'), 'chi_sim');
  assert.equal(ocrLanguageForLocale('zh-TW'), 'chi_tra');
  assert.equal(ocrLanguageForLocale('zh-Hant'), 'chi_tra');
  assert.equal(ocrLanguageForLocale('en-US'), undefined);
  assert.equal(ocrLanguageForLocale('xx'), undefined);
  // Installed for the tests as npm packages: deu; not installed: kor.
  assert.equal(defaultOcrLanguages('de-DE', '/nonexistent'), 'eng+deu');
  assert.equal(defaultOcrLanguages('ko-KR', '/nonexistent'), 'eng');
});

test('the OCR languages name an image\'s or video\'s extract in the cache, English alone keeping the old key', () => {
  const sha = 'a'.repeat(64);
  assert.equal(extractKey('image', sha), `extract:img-1:${sha}`);
  assert.equal(extractKey('image', sha, 'eng'), `extract:img-1:${sha}`);
  assert.equal(extractKey('image', sha, 'eng+deu'), `extract:img-1:ocr=eng+deu:${sha}`);
  assert.equal(extractKey('video', sha, 'eng+jpn'), `extract:vid-1:ocr=eng+jpn:${sha}`);
  assert.equal(extractKey('audio', sha, 'eng+deu'), `extract:aud-1:${sha}`, 'audio has no OCR');
});

test('Chinese and Japanese lines lose tesseract\'s spaces between characters and are not taken for noise', () => {
  assert.equal(cleanOcrText('東 京 都 の 天 気\n会 議\n中 文 ABC 测 试'), '東京都の天気\n会議\n中文 ABC 测试');
  assert.equal(cleanOcrText('on. _ » 1 nt\n--\n会'), '', 'noise and a lone character still go');
  assert.equal(cleanOcrText('שלום עולם\nمرحبا بالعالم'), 'שלום עולם\nمرحبا بالعالم', 'right-to-left text kept as tesseract gives it, in reading order');
});
