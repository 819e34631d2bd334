/**
 * The eval's scoring on written answers for the set's invoice: a faithful one, one that drops the invoice number,
 * one that invents a ticket id, one with filler and the wrong form; and the totals over files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVAL_ITEMS } from '../../src/eval/evalSet';
import { totalsOf, type FileResult } from '../../src/eval/runEval';
import { identifiersIn, scoreAnswer } from '../../src/eval/score';
import { writtenLanguage } from '../../src/processors/summaryLanguage';

const invoice = EVAL_ITEMS.find((item) => item.id === 'invoice')!;
/** What OCR read of it, as the model got it. */
const material = `${invoice.fileName}\n${invoice.lines!.join('\n')}`;
const detect = (text: string) => writtenLanguage(text, ['en', 'de', 'fr', 'es']);
const score = (summary: string, title = 'Invoice INV-2025-0117 for Dana Whitfield', tags = ['invoice', 'billing', 'payment']) => scoreAnswer({ summary, title, tags }, invoice.facts, material, 'en', detect);

test('a faithful answer keeps every fact, invents nothing and has the asked form', () => {
  const result = score('Invoice INV-2025-0117 bills Dana Whitfield $1,284.50 for the consulting work of February, dated 2025-03-14. Payment is due by 2025-04-13.');
  assert.deepEqual({ kept: result.factsKept, of: result.factsTotal, missing: result.missing, invented: result.invented }, { kept: 4, of: 4, missing: [], invented: [] });
  assert.deepEqual(result.form, { sentences: 2, sentencesOk: true, filler: false, titleWords: 5, titleOk: true, tags: 3, tagsOk: true, languageOk: true });
});

test('an answer that drops the invoice number keeps 3 of 4 facts', () => {
  const result = score('An invoice bills Dana Whitfield $1,284.50. Payment is due by 2025-04-13.', 'Invoice for Dana Whitfield');
  assert.equal(result.factsKept, 3);
  assert.deepEqual(result.missing, ['INV-2025-0117']);
  assert.equal(result.factShare, 0.75);
});

test('an answer that invents a ticket id is caught; amounts written another way are not invented', () => {
  const result = score('Invoice INV-2025-0117 bills Dana Whitfield $1284.50, see ticket OPS-7781. Payment is due by 2025-04-13.');
  assert.deepEqual(result.invented, ['OPS-7781']);
});

test('filler, one sentence, a long title and too few tags fail the form; German for English material is the wrong language', () => {
  const result = score('This image appears to be a screenshot of an invoice for Dana Whitfield with number INV-2025-0117 and an amount of $1,284.50 due by 2025-04-13', 'A screenshot of an invoice that was sent to Dana Whitfield', ['invoice']);
  assert.equal(result.form.filler, true);
  assert.equal(result.form.sentences, 1);
  assert.equal(result.form.sentencesOk, false);
  assert.equal(result.form.titleOk, false);
  assert.equal(result.form.tagsOk, false);
  assert.equal(result.factsKept, 4, 'the facts are there all the same');
  const german = score('Die Rechnung INV-2025-0117 an Dana Whitfield über $1,284.50 ist bis zum 2025-04-13 zu bezahlen. Sie wurde am 2025-03-14 ausgestellt und enthält die Leistungen des letzten Monats.');
  assert.equal(german.form.languageOk, false);
});

test('a fact the reading lost is not held against the model', () => {
  const result = scoreAnswer({ summary: 'An invoice for Dana Whitfield. It is due by 2025-04-13.', title: 'Invoice', tags: ['a', 'b', 'c'] }, invoice.facts, 'Bill to: Dana Whitfield\nDue by 2025-04-13\nAmount due: $1,284.5O', 'en', detect);
  assert.deepEqual(result.unread, ['INV-2025-0117', '1,284.50']);
  assert.deepEqual({ kept: result.factsKept, of: result.factsTotal }, { kept: 2, of: 2 });
});

test('identifiers are the tokens with a digit', () => {
  assert.deepEqual(identifiersIn('Ticket PAY-311 (refund) costs $1,284.50 on 2025-04-13 at 14:00, code 0x80070005; 3 pm.'), ['PAY-311', '$1,284.50', '2025-04-13', '14:00', '0x80070005']);
});

test('totals: facts kept over the facts given, invented identifiers, form, JSON failures, tokens and loads', () => {
  const file = (id: string, extra: Partial<FileResult>): FileResult => ({ id, kind: 'screenshot', status: 'ok', seconds: 2, modelLoad: false, ...extra });
  const good = score('Invoice INV-2025-0117 bills Dana Whitfield $1,284.50. Payment is due by 2025-04-13.');
  const bad = score('An invoice, see ticket OPS-7781.', 'Invoice');
  const totals = totalsOf([
    file('a', { score: good, answerTokens: 60, modelLoad: true }),
    file('b', { score: bad, answerTokens: 40 }),
    file('c', { status: 'pending', problemCode: 'summary-not-json' }),
  ]);
  assert.deepEqual(totals, { files: 3, summarized: 2, factShare: 4 / 8, invented: 1, formOk: 1, jsonFailures: 1, secondsPerFile: 2, answerTokensPerFile: 50, modelLoads: 1 });
  assert.equal(totalsOf([file('x', { status: 'pending' })]).factShare, undefined, 'nothing summarized: no share');
});
