import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { exportRecords } from '../../src/core/exportRecords';
import type { FileRecord } from '../../src/core/records';

const records: FileRecord[] = [
  { path: '/desk/b.png', kind: 'image', status: 'ok', cached: false, metadata: { format: 'PNG', width: 10, height: 20 }, title: 'Invoice, "final"', summary: 'Line one\nLine two ![x](http://tracker.example/p.png) <img src=x onerror=alert(1)>', tags: ['billing', 'acme'], sha256: 'ab' },
  { path: '/desk/a.png', kind: 'image', status: 'ok', cached: true, metadata: {}, title: '=HYPERLINK("http://evil.example","click")', summary: '+cmd|calc', tags: ['@sum'] },
  { path: '/desk/memo.m4a', kind: 'audio', status: 'error', cached: false, metadata: {}, error: 'Cannot read memo.m4a: permission denied' },
  { path: '/elsewhere/c.png', kind: 'image', status: 'pending', cached: false, metadata: {}, error: 'Ollama is not reachable' },
];

test('CSV: one row per file in path order, a header, quoting as RFC 4180, and no cell a spreadsheet would run', () => {
  const csv = exportRecords(records, 'csv', '/desk');
  const rows: Array<Record<string, string>> = parse(csv, { columns: true });
  assert.deepEqual(rows.map((r) => r.file), ['a.png', 'b.png', 'memo.m4a', '/elsewhere/c.png'], 'relative inside the folder, absolute outside');
  assert.equal(rows[1].title, 'Invoice, "final"');
  assert.equal(rows[1].summary, 'Line one\nLine two ![x](http://tracker.example/p.png) <img src=x onerror=alert(1)>');
  assert.equal(rows[0].title, `'=HYPERLINK("http://evil.example","click")`);
  assert.equal(rows[0].summary, "'+cmd|calc");
  assert.equal(rows[0].tags, "'@sum");
  assert.equal(rows[2].error, 'Cannot read memo.m4a: permission denied');
  assert.equal(rows[1].metadata, 'Dimensions: 10x20, Format: PNG');
});

test('Markdown: untrusted text stays text — no image loads from the network, no HTML, no link', () => {
  const md = exportRecords(records, 'md', '/desk');
  assert.match(md, /^# Media summaries — \\\/desk\n\n4 files\./);
  assert.match(md, /^## Invoice\\, \\"final\\"$/m);
  assert.doesNotMatch(md, /!\[x\]\(http/, 'the image syntax is broken apart');
  assert.doesNotMatch(md, /(^|[^\\])<img/m, 'no raw HTML: the angle bracket is escaped');
  assert.match(md, /Line one\\\nLine two/, 'line breaks kept as hard breaks');
  assert.match(md, /\*\*Error:\*\* Cannot read memo\\\.m4a\\: permission denied/);
  assert.match(md, /\*\*Pending:\*\* Ollama is not reachable/);
});

test('JSON: an array with the same columns', () => {
  const rows = JSON.parse(exportRecords(records, 'json', '/desk')) as Array<Record<string, string>>;
  assert.equal(rows.length, 4);
  assert.deepEqual(Object.keys(rows[0]), ['file', 'kind', 'status', 'title', 'summary', 'tags', 'metadata', 'error', 'duplicateOf', 'sha256']);
  assert.equal(rows[1].tags, 'billing, acme');
});
