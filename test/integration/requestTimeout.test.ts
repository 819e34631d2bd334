/**
 * The request timeout holds in a worker that is busy with OCR, where the garbage collector runs all the time: an
 * Ollama whose first byte would come long after the bound. (Node 20's AbortSignal.any() holds its sources weakly,
 * so a timeout signal handed only to it is collected and never fires; see src/core/deadline.ts.)
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { summarizeTestFolder } from '../support/folderRun';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const FIRST_BYTE_MS = 60_000;
const REQUEST_TIMEOUT_MS = 8_000;
const FILES = 10;

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: FIRST_BYTE_MS, parallelism: 4 });
});
after(() => ollama.close());

test('a request timeout fires while the worker reads the other images: each file is pending with the timeout, long before the answer', { skip: builtMissing(), timeout: 300_000 }, async () => {
  const folder = await tempDir('request-timeout');
  for (let i = 0; i < FILES; i++) {
    const lines = [`Purchase order PO-${4100 + i} for the lab`, 'twelve pipettes, two centrifuges and a fridge', 'approved by finance on Monday'];
    await writeFile(path.join(folder, `order ${i}.png`), await renderTextImage(lines, 'image/png', 2400));
  }
  const started = Date.now();
  const result = await summarizeTestFolder(folder, ollama.url, { requestTimeoutMs: REQUEST_TIMEOUT_MS, llmSlots: 4 });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(result.records.length, FILES);
  for (const record of result.records) {
    assert.equal(record.status, 'pending', `${path.basename(record.path)}: ${record.status} ${record.error ?? record.summary}`);
    assert.equal(record.problem?.code, 'ollama-timeout', record.error);
    assert.match(record.error ?? '', /did not answer within 8 s/);
    assert.match(record.ocrText ?? '', /PO-41\d\d/, 'the text read is kept');
  }
  assert.ok(seconds < FIRST_BYTE_MS / 1000, `every request was cut at its bound, not answered after ${FIRST_BYTE_MS / 1000} s (run: ${seconds.toFixed(1)} s)`);
});
