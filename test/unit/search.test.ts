/**
 * Search relevance over a set of files with distinct facts, each only in one place (OCR text, a transcript, a
 * description, a summary), by words and — with the stand-in's embeddings, whose synonym table stands in for a
 * model's sense of meaning — by meaning. The records are the ones a run leaves in the cache; the OCR path through
 * the real CLI is in test/integration/search.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FileRecord } from '../../src/core/records';
import { findEmbeddingModel } from '../../src/core/search/embeddings';
import { SearchIndex } from '../../src/core/search/searchIndex';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';

const record = (path: string, fields: Partial<FileRecord>): FileRecord => ({ path, kind: 'image', status: 'ok', cached: true, metadata: {}, ...fields });

const FILES: FileRecord[] = [
  record('/desk/Screenshot 09.41.png', { title: 'Supplier document', summary: 'A document from a supplier with a table.', ocrText: 'INVOICE\nNo. INV-2291\nTotal due 1,250.00 EUR', sha256: 'a1' }),
  record('/desk/terminal.png', { title: 'Terminal session', summary: 'A terminal with commands.', ocrText: 'aws s3 ls s3://media-archive-prod --recursive', sha256: 'b2' }),
  record('/desk/standup.mp4', { kind: 'video', title: 'Team standup', summary: 'A short team update.', transcript: 'Good morning everyone. Yesterday I fixed the login page. Today the flaky test TKT-4471 is next.', sha256: 'c3' }),
  record('/desk/memo.m4a', { kind: 'audio', title: 'Voice memo', summary: 'A reminder recorded on the way home.', transcript: 'Remember to call the dentist on Friday at nine.', sha256: 'd4' }),
  record('/desk/photo.jpg', { title: 'Park', summary: 'Trees in autumn.', visionText: 'A golden retriever running across a lawn in a park.', sha256: 'e5' }),
  record('/desk/copy of photo.jpg', { title: 'Park', summary: 'Trees in autumn.', visionText: 'A golden retriever running across a lawn in a park.', sha256: 'e5' }),
  record('/desk/broken.png', { status: 'error', error: 'Cannot read broken.png' }),
];

const SEGMENTS = {
  '/desk/standup.mp4': [
    { startMs: 0, endMs: 2_000, text: ' Good morning everyone.' },
    { startMs: 2_000, endMs: 6_000, text: ' Yesterday I fixed the login page.' },
    { startMs: 83_000, endMs: 88_000, text: ' Today the flaky test TKT-4471 is next.' },
  ],
};

function wordIndex(): SearchIndex {
  const index = new SearchIndex();
  for (const file of FILES) index.set(file, SEGMENTS[file.path as keyof typeof SEGMENTS]);
  return index;
}

describe('search by words', () => {
  test('a word only in the OCR text finds its file first, and the snippet says where, with the match marked', async () => {
    const [first] = await wordIndex().search('invoice');
    assert.equal(first.path, '/desk/Screenshot 09.41.png');
    assert.equal(first.snippet?.field, 'ocr');
    const [start, end] = first.snippet.highlight!;
    assert.equal(first.snippet.text.slice(start, end), 'INVOICE');
  });

  test('identifiers as people type them: a bucket name, an order number, part of a ticket id', async () => {
    const index = wordIndex();
    assert.equal((await index.search('media-archive-prod'))[0].path, '/desk/terminal.png');
    assert.equal((await index.search('INV-2291'))[0].path, '/desk/Screenshot 09.41.png');
    assert.equal((await index.search('tkt-44'))[0]?.path, '/desk/standup.mp4', 'a prefix of a word is enough');
  });

  test('a word only in a transcript finds the recording, at the time it was said', async () => {
    const [first] = await wordIndex().search('flaky test');
    assert.equal(first.path, '/desk/standup.mp4');
    assert.equal(first.snippet?.field, 'transcript');
    assert.equal(first.snippet?.atSeconds, 83);
    assert.equal((await wordIndex().search('dentist'))[0].path, '/desk/memo.m4a');
  });

  test('a typo still finds it; words in a description find the photo; nothing relevant finds nothing', async () => {
    const index = wordIndex();
    assert.equal((await index.search('invioce'))[0]?.path, '/desk/Screenshot 09.41.png');
    assert.equal((await index.search('retriever'))[0]?.path.endsWith('photo.jpg'), true);
    assert.deepEqual(await index.search('xylophone quartet'), []);
    assert.deepEqual(await index.search('   '), []);
  });

  test('an error record is not searchable; a file set again replaces its old text; copies are listed as duplicates', async () => {
    const index = wordIndex();
    assert.equal(index.size, 6);
    index.set(record('/desk/terminal.png', { title: 'Terminal', summary: 'Now something else entirely.', sha256: 'b9' }));
    assert.deepEqual(await index.search('media-archive-prod'), []);
    assert.deepEqual(index.duplicates(), [['/desk/copy of photo.jpg', '/desk/photo.jpg']]);
  });

  test('similar files without an embedding model: by the words of the title, summary and tags, copies left out', async () => {
    const index = wordIndex();
    index.set(record('/desk/park-2.jpg', { title: 'Park in autumn', summary: 'Autumn trees by a lake.', sha256: 'f6' }));
    const similar = await index.similar('/desk/photo.jpg');
    assert.equal(similar[0]?.path, '/desk/park-2.jpg');
    assert.ok(!similar.some((hit) => hit.path === '/desk/copy of photo.jpg'), 'its copy is a duplicate, not a similar file');
  });
});

describe('search by meaning (the stand-in embeds synonyms alike)', () => {
  let ollama: OllamaStandIn;
  before(async () => {
    ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'all-minilm'] });
  });
  after(() => ollama.close());

  async function semanticIndex(): Promise<SearchIndex> {
    const { model, hint } = await findEmbeddingModel(ollama.url, 'auto');
    assert.equal(hint, undefined);
    assert.match(model?.model ?? '', /^all-minilm/);
    const index = new SearchIndex({ model: model! });
    for (const file of FILES) index.set(file);
    return index;
  }

  test('a query that shares no word with the file but a synonym finds it; nothing relevant still finds nothing', async () => {
    const index = await semanticIndex();
    const hits = await index.search('receipt');
    assert.equal(hits[0]?.path, '/desk/Screenshot 09.41.png', JSON.stringify(hits));
    assert.deepEqual(hits[0].matchedBy, ['meaning']);
    assert.deepEqual(await index.search('xylophone quartet'), []);
  });

  test('embedding is batched and done once per text: a second search embeds only the query', async () => {
    const index = await semanticIndex();
    const before = ollama.stats.embedInputs;
    await index.search('invoice');
    const documents = ollama.stats.embedInputs - before - 1;
    assert.equal(documents, 5, 'five texts (the photo and its copy have one) and the query');
    await index.search('dentist');
    assert.equal(ollama.stats.embedInputs - before, documents + 2, 'then only the next query');
  });

  test('without an embedding model the hint names the pull command; a named model that is missing says so', async () => {
    const bare = await startOllamaStandIn();
    try {
      const { model, hint } = await findEmbeddingModel(bare.url, 'auto');
      assert.equal(model, undefined);
      assert.match(hint!.message, /no embedding model is installed/);
      assert.deepEqual(hint!.fixes, [{ kind: 'do', text: 'pull one with `ollama pull embeddinggemma`' }]);
      const named = await findEmbeddingModel(bare.url, 'nomic-embed-text');
      assert.match(named.hint!.message, /nomic-embed-text is not installed/);
      assert.deepEqual(await findEmbeddingModel(bare.url, 'none'), {});
    } finally {
      await bare.close();
    }
  });

  test('Ollama gone in the middle: search goes on by words and says why once', async () => {
    const index = await semanticIndex();
    await ollama.close();
    const hits = await index.search('invoice');
    assert.equal(hits[0]?.path, '/desk/Screenshot 09.41.png');
    assert.match(index.semanticFailure!.message, new RegExp(`Ollama at ${ollama.url.replace(/[.]/g, '\\.')}`));
    ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'all-minilm'] });
  });
});

describe('the saved word index', () => {
  test('saved for a set of files, loaded for the same set, built again when any file changed; a damaged file is built over', async () => {
    const { mkdtemp, readFile, writeFile, stat } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'saved-index-')), 'search-index.v1.json');
    const entries = FILES.map((record) => ({ record }));
    const { index: first, save } = await SearchIndex.of(entries, { savedIndex: file });
    await save();
    const saved = await stat(file);
    assert.equal((await first.search('invoice'))[0].path, '/desk/Screenshot 09.41.png');
    const { index: again, save: saveAgain } = await SearchIndex.of(entries, { savedIndex: file });
    await saveAgain();
    assert.equal((await stat(file)).mtimeMs, saved.mtimeMs, 'the same files: loaded, not written again');
    assert.deepEqual((await again.search('flaky test')).map((hit) => hit.path), (await first.search('flaky test')).map((hit) => hit.path));
    const changed = entries.map(({ record }) => ({ record: record.path === '/desk/memo.m4a' ? { ...record, transcript: 'Remember the orthodontist.' } : record }));
    const { index: rebuilt, save: saveRebuilt } = await SearchIndex.of(changed, { savedIndex: file });
    await saveRebuilt();
    assert.equal((await rebuilt.search('orthodontist'))[0]?.path, '/desk/memo.m4a');
    assert.deepEqual(await rebuilt.search('dentist friday'), []);
    await writeFile(file, `${(await readFile(file, 'utf8')).split('\n')[0]}\n{"broken": `);
    assert.equal((await (await SearchIndex.of(changed, { savedIndex: file })).index.search('orthodontist'))[0]?.path, '/desk/memo.m4a');
  });
});
