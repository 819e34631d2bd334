/**
 * The summary language: fixed, or "auto" — the language whisper heard, or the one the text is written in among
 * the run's OCR languages and the user's own, else the user's; what the prompt then asks; and the cache key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summaryKey } from '../../src/core/cacheKeys';
import { buildSummaryPrompt } from '../../src/processors/prompts';
import { isSummaryLanguage, languageInstruction, primaryLanguage, summaryLanguageFor } from '../../src/processors/summaryLanguage';

const GERMAN = 'Rechnung Nr. 2025-0117 für Müller GmbH. Größe: 12 Stück, Gesamtbetrag 240,50 Euro. Überweisung bis 15. März.';
const ENGLISH = 'Flight LH123 boarding pass. Gate B12, seat 14C, boarding closes at 10:40. Have a pleasant flight.';
const SPANISH = 'Recibo de la ferretería número 4711. Total: 87,50 euros, gracias por su compra y hasta pronto.';

test('a fixed language is used as it is, whatever the material', () => {
  assert.equal(summaryLanguageFor({ summaryLanguage: 'fr' }, { ocrText: GERMAN }), 'fr');
  assert.equal(summaryLanguageFor({ summaryLanguage: 'pt-BR', fallbackLanguage: 'de' }, {}), 'pt-br');
});

test('auto: the text\'s language among the OCR languages and the user\'s own', () => {
  const german = { summaryLanguage: 'auto', ocrLanguages: 'eng+deu', fallbackLanguage: 'de' };
  assert.equal(summaryLanguageFor(german, { ocrText: GERMAN }), 'de');
  assert.equal(summaryLanguageFor(german, { ocrText: ENGLISH }), 'en', 'an English screenshot on a German machine');
  assert.equal(summaryLanguageFor({ ocrLanguages: 'eng', fallbackLanguage: 'de' }, { ocrText: GERMAN }), 'de', 'the user\'s language is a candidate though OCR read English only');
  assert.equal(summaryLanguageFor({ ocrLanguages: 'eng+spa', fallbackLanguage: 'en' }, { ocrText: SPANISH }), 'es');
  assert.equal(summaryLanguageFor({ ocrLanguages: 'eng+chi_sim', fallbackLanguage: 'en' }, { ocrText: '会议纪要：第三季度预算。请在星期五之前确认付款，谢谢大家的配合与支持。' }), 'zh');
  assert.equal(summaryLanguageFor({ ocrLanguages: 'eng', fallbackLanguage: 'en' }, { ocrText: ENGLISH }), 'en', 'one candidate: no guess at all (franc alone calls short English Sundanese)');
});

test('auto: a recording\'s language is the one whisper heard; no text means the user\'s language', () => {
  assert.equal(summaryLanguageFor({ fallbackLanguage: 'en' }, { transcript: 'Guten Tag', spokenLanguage: 'de', ocrText: ENGLISH }), 'de');
  assert.equal(summaryLanguageFor({ fallbackLanguage: 'ja' }, {}), 'ja', 'a photo without text');
  assert.equal(summaryLanguageFor({ ocrLanguages: 'eng+deu', fallbackLanguage: 'fr' }, { ocrText: 'Total 87' }), 'fr', 'too little text to tell');
  assert.equal(summaryLanguageFor({}, {}), 'en');
});

test('the prompt asks for the language after the data part; English asks nothing, so its cache key is the old one', () => {
  const fit = { contextTokens: 8192 };
  const german = buildSummaryPrompt({ fileName: 'r.png', kind: 'image', metadata: '', ocrText: GERMAN, language: 'de' }, fit, 'b');
  assert.match(german, /<<<END b>>>\n\nSummarize this image\. Write the summary, the title and the tags in German, whatever language the material is in\.$/);
  const english = buildSummaryPrompt({ fileName: 'r.png', kind: 'image', metadata: '', ocrText: ENGLISH, language: 'en' }, fit, 'b');
  assert.equal(english, buildSummaryPrompt({ fileName: 'r.png', kind: 'image', metadata: '', ocrText: ENGLISH }, fit, 'b'));
  assert.equal(languageInstruction('zh-tw'), 'Write the summary, the title and the tags in Chinese (Taiwan), whatever language the material is in.');
  assert.equal(summaryKey('m', undefined, 'a'.repeat(64), 'en'), `summary:sum-1:m:novision:${'a'.repeat(64)}`);
  assert.equal(summaryKey('m', undefined, 'a'.repeat(64), 'de'), `summary:sum-1:lang=de:m:novision:${'a'.repeat(64)}`);
});

test('settings and flags: auto or a language tag; a locale\'s primary language', () => {
  for (const ok of ['auto', 'de', 'pt-br', 'zh-TW', 'fil']) assert.ok(isSummaryLanguage(ok), ok);
  for (const bad of ['', 'german', 'de_DE', '../x', 'de-']) assert.ok(!isSummaryLanguage(bad), bad);
  assert.equal(primaryLanguage('de_DE.UTF-8'), 'de');
  assert.equal(primaryLanguage('C'), 'en');
  assert.equal(primaryLanguage(undefined), 'en');
});
