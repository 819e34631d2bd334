/**
 * Search through the real CLI: screenshots rendered here, read by real OCR in a run, then found by a word of
 * their text, a typo, a synonym (the stand-in's embeddings), as similar files and as copies.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const run = promisify(execFile);

let ollama: OllamaStandIn;
let desk: string;
let cache: string;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: 5, tokenDelayMs: 1, models: ['llama3.2:3b', 'all-minilm'] });
  desk = await tempDir('search-desk');
  cache = await tempDir('search-cache');
  await writeFile(path.join(desk, 'Screenshot 09.41.png'), await renderTextImage(['INVOICE', 'No. INV-2291', 'Total due 1250 EUR']));
  await writeFile(path.join(desk, 'terminal.png'), await renderTextImage(['aws s3 ls s3://media-archive-prod', 'listing objects']));
  await writeFile(path.join(desk, 'kanban.png'), await renderTextImage(['Sprint board', 'TKT-4471 flaky login test']));
  await copyFile(path.join(desk, 'kanban.png'), path.join(desk, 'kanban copy.png'));
});
after(() => ollama?.close());

const cli = (...args: string[]) => run(process.execPath, [CLI_SCRIPT, ...args, '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none'], { timeout: 240_000 });
const hits = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { path: string; field?: string; matchedBy: string[]; snippet?: string });

test('a run makes the vectors after its summaries; search finds files by a word of their text, a typo and a synonym', { skip: builtMissing(), timeout: 300_000 }, async () => {
  await cli(desk, '--json', '--no-log', '--workers', '2');
  assert.equal(ollama.stats.embedInputs, 3, 'one vector per content (the copy shares its original\'s), made in the run');

  const byWord = hits((await cli('search', 'media-archive-prod', desk, '--json')).stdout);
  assert.equal(path.basename(byWord[0].path), 'terminal.png');
  assert.match(byWord[0].snippet ?? '', /media-archive-prod/i);
  assert.equal(ollama.stats.embedInputs, 4, 'a search embeds only its query; the files\' vectors come from the cache');

  const typo = hits((await cli('search', 'invioce', desk, '--json')).stdout);
  assert.equal(path.basename(typo[0].path), 'Screenshot 09.41.png');

  const synonym = hits((await cli('search', 'receipt', desk, '--json')).stdout);
  assert.equal(path.basename(synonym[0]?.path ?? ''), 'Screenshot 09.41.png', JSON.stringify(synonym));
  assert.deepEqual(synonym[0].matchedBy, ['meaning']);

  const none = await cli('search', 'xylophone quartet', desk);
  assert.match(none.stdout, /^No matches\.$/m, 'no results is not an error (exit 0)');
});

test('similar files leave copies out; --duplicates lists the copies; the text list shows where each match is', { skip: builtMissing(), timeout: 300_000 }, async () => {
  await cli(desk, '--json', '--no-log', '--workers', '2');
  const duplicates = (await cli('search', '--duplicates', desk, '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { paths: string[] });
  assert.deepEqual(duplicates.map((group) => group.paths.map((p) => path.basename(p))), [['kanban copy.png', 'kanban.png']]);
  const similar = hits((await cli('search', '--similar', path.join(desk, 'kanban.png'), desk, '--json')).stdout);
  assert.ok(!similar.some((hit) => path.basename(hit.path) === 'kanban copy.png'), JSON.stringify(similar));

  const unknown = await cli('search', '--similar', path.join(desk, 'not-there.png'), desk);
  assert.match(unknown.stderr, /not-there\.png is not among the summarized files of /);
  assert.match(unknown.stdout, /^No matches\.$/m);

  const text = (await cli('search', 'flaky', desk)).stdout;
  assert.match(text, /^1\. kanban( copy)?\.png/m, text);
  assert.match(text, /^ {3}(summary|on-screen text): .*«flaky»/m, text);
});

test('without an embedding model search is by words, with one note on how to get search by meaning', { skip: builtMissing(), timeout: 300_000 }, async () => {
  const bare = await startOllamaStandIn({ latencyMs: 5, tokenDelayMs: 1 });
  try {
    const result = await run(process.execPath, [CLI_SCRIPT, 'search', 'INV-2291', desk, '--cache-dir', cache, '--ollama-host', bare.url, '--vision-model', 'none'], { timeout: 120_000 });
    assert.match(result.stdout, /^1\. Screenshot 09\.41\.png/m);
    assert.equal(result.stderr.trim(), `note: Search by meaning is off: no embedding model is installed at ${bare.url}; words are still found — pull one with \`ollama pull embeddinggemma\`.`);
  } finally {
    await bare.close();
  }
});
