import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanOcrText } from '../../src/processors/ocrText';
import { DEFAULT_CONTEXT_TOKENS } from '../../src/processors/promptBudget';
import { buildSummaryPrompt, stripFiller } from '../../src/processors/prompts';
import { parseSummary } from '../../src/processors/summarize';
import { inertTerminalText } from '../../src/core/inert';
import { formatRecordText } from '../../src/core/records';

test('OCR cleaning drops short, symbol-heavy and repeated-character lines and keeps real text', () => {
  const raw = ['Invoice INV-2024-0042', '', '==========', '|||| ~~ |', 'ab', 'xxxxxxx', 'Total: $1,234.56', '  spaced   out  words '].join('\n');
  assert.equal(cleanOcrText(raw), ['Invoice INV-2024-0042', 'Total: $1,234.56', 'spaced out words'].join('\n'));
});

const FIT = { contextTokens: DEFAULT_CONTEXT_TOKENS };

test('the summary prompt carries names and identifiers verbatim and fences extracted text as data', () => {
  const prompt = buildSummaryPrompt({ fileName: 'Screenshot 2024-05-01.png', kind: 'image', metadata: 'Format: PNG', ocrText: 'bucket s3://acme-prod-logs ticket OPS-1234' }, FIT);
  assert.match(prompt, /s3:\/\/acme-prod-logs ticket OPS-1234/);
  assert.match(prompt, /<<<BEGIN>>>\n[\s\S]*\n<<<END>>>/);
  assert.match(prompt, /File name: Screenshot 2024-05-01\.png/);
  const empty = buildSummaryPrompt({ fileName: 'photo.jpg', kind: 'image', metadata: '' }, FIT);
  assert.match(empty, /No text or description could be extracted/);
});

test('filler openings are removed, content is kept', () => {
  assert.equal(stripFiller('This image appears to be a screenshot of a Jira ticket OPS-12 about login.'), 'A Jira ticket OPS-12 about login.');
  assert.equal(stripFiller('The screenshot shows the AWS console for bucket acme-logs.'), 'The AWS console for bucket acme-logs.');
  assert.equal(stripFiller('Quarterly revenue grew 12% in Q3 2024.'), 'Quarterly revenue grew 12% in Q3 2024.');
});

test('structured LLM output is validated: a summary is required, tags are normalized', () => {
  const good = parseSummary('{"summary":"Deploy of api v2 failed.","title":"Deploy failure","tags":["Deploy"," CI ",3]}', 'm');
  assert.deepEqual(good, { ok: true, value: { summary: 'Deploy of api v2 failed.', title: 'Deploy failure', tags: ['deploy', 'ci'] } });
  const bad = parseSummary('{"summary": "unterminated', 'm');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.problem.message : '', /did not return valid JSON/);
  const missing = parseSummary('{"title":"x"}', 'm');
  assert.equal(missing.ok, false);
});

test('terminal output neutralizes escape sequences and bidi overrides in untrusted text', () => {
  assert.equal(inertTerminalText('evil\u001b[2Jname\u202e.png'), 'evil?[2Jname?.png');
  assert.equal(inertTerminalText('a\nb', true), 'a\nb');
  assert.equal(inertTerminalText('a\nb'), 'a?b');
});

test('the record text matches the original script: summary, Metadata line, Filename', () => {
  const text = formatRecordText({ path: '/d/a.png', kind: 'image', status: 'ok', summary: 'A chart of Q3 sales.', cached: false, metadata: { format: 'PNG', width: 800, height: 600, exif: { Make: 'Apple', Model: 'iPhone 15' } } }, 'a.png');
  assert.equal(text, 'A chart of Q3 sales.\nMetadata: Dimensions: 800x600, Format: PNG, Camera: Apple iPhone 15\nFilename: a.png');
  const pending = formatRecordText({ path: '/d/b.png', kind: 'image', status: 'pending', error: 'Ollama is not reachable', cached: false, metadata: {} }, 'b.png');
  assert.match(pending, /^Summary pending: Ollama is not reachable\nFilename: b\.png$/);
});
