import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutToTokens, estimateTokens, shareBudget, SUMMARY_ANSWER_TOKENS } from '../../src/processors/promptBudget';
import { buildSummaryPrompt, SUMMARY_SYSTEM } from '../../src/processors/prompts';

const words = (count: number, word = 'invoice') => Array.from({ length: count }, (_, i) => `${word}${i}`).join(' ');

test('token estimates err high: about 3 characters a token for Latin script, one a character for CJK', () => {
  const english = 'The quarterly report for ACME Corp is due on 2024-05-01, ticket OPS-1234.';
  assert.ok(estimateTokens(english) >= english.length / 4, 'never below the ~4 characters a token of English prose');
  assert.equal(estimateTokens('請求書の支払期限'), 8);
  const cut = cutToTokens(words(2000), 100);
  assert.ok(estimateTokens(cut) <= 100 + 12, 'the cut, with its note, stays near the bound');
  assert.match(cut, /\[… \d+ more characters\]$/);
  assert.ok(words(2000).startsWith(`${cut.split('\n')[0]} `), 'cut at a word boundary');
});

test('sections share the budget: what a short one does not use goes to the long ones', () => {
  const shares = shareBudget(['short text', words(3000), words(3000)], 2000);
  assert.equal(shares[0], estimateTokens('short text'));
  assert.ok(Math.abs(shares[1] - shares[2]) <= 1);
  assert.ok(shares.reduce((sum, share) => sum + share, 0) <= 2000);
  assert.deepEqual(shareBudget(['a', 'b'], 100), [1, 1], 'all fits: every section whole');
});

test('a video whose material is far beyond the context keeps the instructions, the name and every section, within num_ctx', () => {
  const material = {
    fileName: 'standup 2024-05-01.mp4',
    kind: 'video',
    metadata: 'Duration: 12m 0s, Format: MP4',
    visionText: 'A slide titled Q2 roadmap.',
    transcript: words(6000, 'spoken'),
    ocrText: words(6000, 'onscreen'),
  };
  for (const contextTokens of [2048, 4096, 8192]) {
    const prompt = buildSummaryPrompt(material, { contextTokens });
    const total = estimateTokens(SUMMARY_SYSTEM) + estimateTokens(prompt) + SUMMARY_ANSWER_TOKENS;
    assert.ok(total <= contextTokens, `${total} tokens estimated for a ${contextTokens}-token context`);
    assert.match(prompt, /File name: standup 2024-05-01\.mp4/);
    assert.match(prompt, /A slide titled Q2 roadmap\./, 'the short description is kept whole');
    assert.match(prompt, /Transcript:\nspoken0 /);
    assert.match(prompt, /OCR text:\nonscreen0 /);
    assert.match(prompt, /Summarize this video\.$/);
  }
  const images = buildSummaryPrompt(material, { contextTokens: 4096, images: 1 });
  assert.ok(estimateTokens(images) < estimateTokens(buildSummaryPrompt(material, { contextTokens: 4096 })), 'an image takes its share of the context');
});

test('a screenshot within the budget is sent whole', () => {
  const prompt = buildSummaryPrompt({ fileName: 'receipt.png', kind: 'image', metadata: '', ocrText: 'Total due 42.00' }, { contextTokens: 8192 });
  assert.match(prompt, /OCR text:\nTotal due 42\.00\n<<<END [0-9a-f]{12}>>>/);
  assert.doesNotMatch(prompt, /more characters/);
});
